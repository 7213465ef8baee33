//! The model of `agent37_instance_file`, declared once with its docs; the static rules (the
//! path, the content's size and encoding) as validators and a whole-config check.

use base64::Engine;

use crate::provider::ids;
use crate::sdk::model::Attr;
use crate::sdk::timeouts::Timeouts;
use crate::sdk::validate::Validator;
use crate::sdk::{Diagnostics, Model, Path, Schema, Value};

/// The resource's schema version; `upgrade_state` is the identity until it moves.
pub const VERSION: i64 = 0;
/// Largest file the plane takes, in bytes.
pub const MAX_BYTES: usize = 1_048_576;
/// Longest path, in bytes.
pub const PATH_MAX: usize = 512;
pub const PATH_ALLOWED: &str = "a path relative to the agent's home folder, at most 512 bytes, of `/`-separated segments of letters, digits and `._@+-` (no empty, `.` or `..` segment), e.g. `skills/search.md`";

/// The plane's path rule.
pub fn path_ok(p: &str) -> bool {
    !p.is_empty()
        && p.len() <= PATH_MAX
        && p.split('/').all(|s| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"._@+-".contains(&c))
        })
}

/// The bytes of `content_base64`, or why it is not base64.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| format!("it is not standard base64 ({e})"))
}

struct PathRule;

impl Validator for PathRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(p) = value.as_str()
            && !path_ok(p)
        {
            diags.attr_error(
                path.clone(),
                "Invalid file path",
                format!("{path} is {p:?}; it must be {PATH_ALLOWED}."),
            );
        }
    }
    fn description(&self) -> String {
        format!("{PATH_ALLOWED}.")
    }
}

/// `content`: at most 1 MiB.
struct ContentRule;

impl Validator for ContentRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(c) = value.as_str()
            && c.len() > MAX_BYTES
        {
            diags.attr_error(
                path.clone(),
                "File too large",
                format!(
                    "{path} has {} bytes; a file holds at most {MAX_BYTES} bytes (1 MiB).",
                    c.len()
                ),
            );
        }
    }
    fn description(&self) -> String {
        "At most 1 MiB.".to_string()
    }
}

/// `content_base64`: base64 of at most 1 MiB.
struct Base64Rule;

impl Validator for Base64Rule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        let Some(s) = value.as_str() else { return };
        match decode_base64(s) {
            Err(why) => diags.attr_error(
                path.clone(),
                "Invalid base64",
                format!("{path}: {why}; use `filebase64(\"…\")` or `base64encode(…)`."),
            ),
            Ok(b) if b.len() > MAX_BYTES => diags.attr_error(
                path.clone(),
                "File too large",
                format!(
                    "{path} decodes to {} bytes; a file holds at most {MAX_BYTES} bytes (1 MiB).",
                    b.len()
                ),
            ),
            Ok(_) => {}
        }
    }
    fn description(&self) -> String {
        "Standard base64 of at most 1 MiB.".to_string()
    }
}

pub const RESOURCE: &str = "A file on an instance's agent plane (API revision 2026-08-21), for seeding the agent's configuration and skills. The content is write-only (Terraform 1.11 and later): it is sent to the instance and never stored in the state, which keeps its `sha256` and `size`, computed at plan. A file changed on the instance (its modification time and hash differ from what the last apply wrote) plans an in-place update that writes the configured content back; a file deleted there is created again. Changing the content writes it in place; changing `instance_id` or `path` replaces the file. The instance must be running (or sleeping: the write wakes it); a stopped instance's file is not checked at refresh (a warning says so). Import with `<instance_id>/<path>`, then configure the same content: the hashes match and nothing is written.";

/// The state of `agent37_instance_file`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct InstanceFile {
    #[attr(
        required,
        requires_replace,
        describe = "The instance whose agent plane holds the file. Changing it replaces the file.",
        validate = ids::rule()
    )]
    pub instance_id: Attr<String>,
    #[attr(
        required,
        requires_replace,
        describe = "Where the file lives: a path relative to the agent's home folder, at most 512 bytes, of `/`-separated segments of letters, digits and `._@+-` (no empty, `.` or `..` segment), e.g. `skills/search.md` or `.hermes/config.yaml`. Changing it replaces the file (the old one is deleted).",
        validate = PathRule
    )]
    pub path: Attr<String>,
    #[attr(
        optional,
        write_only,
        describe = "The file's content as UTF-8 text, at most 1 MiB (e.g. `file(\"skills/search.md\")` or `templatefile(…)`). Write-only: never stored in the state; `sha256` tells a change. Exactly one of `content` and `content_base64`.",
        validate = ContentRule
    )]
    pub content: Attr<String>,
    #[attr(
        optional,
        write_only,
        describe = "The file's content as standard base64, for binary files, at most 1 MiB decoded (e.g. `filebase64(\"logo.png\")`). Write-only, like `content`. Exactly one of `content` and `content_base64`.",
        validate = Base64Rule
    )]
    pub content_base64: Attr<String>,
    #[attr(
        computed,
        describe = "Lowercase hex SHA-256 of the content: of the configuration at plan, of the file on the instance after a refresh (so a difference plans the write)."
    )]
    pub sha256: Attr<String>,
    #[attr(computed, describe = "The content's size in bytes.")]
    pub size: Attr<i64>,
    #[attr(
        computed,
        describe = "When the file was last written on the instance (epoch seconds, the plane's clock)."
    )]
    pub modified: Attr<i64>,
    #[block]
    pub timeouts: Timeouts,
}

pub fn resource() -> Schema {
    InstanceFile::schema(RESOURCE).version(VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::validate::validate_block;

    fn errors(path: &str, content: Option<String>, b64: Option<String>) -> Vec<(String, String)> {
        let cfg = InstanceFile {
            instance_id: "abc123defg".into(),
            path: path.into(),
            content: Attr::from_option(content),
            content_base64: Attr::from_option(b64),
            ..InstanceFile::default()
        };
        let mut d = Diagnostics::new();
        validate_block(&resource().block, &cfg.to_value(), &Path::root(), &mut d);
        d.iter()
            .map(|d| {
                let at = d.attribute.as_ref().map(Path::to_string);
                (at.unwrap_or_default(), d.summary.clone())
            })
            .collect()
    }

    #[test]
    fn static_rules_on_their_attribute() {
        assert!(errors("skills/a.md", Some("hi".into()), None).is_empty());
        assert!(errors(".hermes/config.yaml", None, Some("aGk=".into())).is_empty());
        for bad in ["", "/etc/passwd", "a//b", "../x", "a b", &"a".repeat(513)] {
            assert_eq!(
                errors(bad, None, None),
                [("path".into(), "Invalid file path".into())],
                "{bad}"
            );
        }
        assert_eq!(
            errors("a", Some("x".repeat(MAX_BYTES + 1)), None),
            [("content".into(), "File too large".into())]
        );
        assert_eq!(
            errors("a", None, Some("%%".into())),
            [("content_base64".into(), "Invalid base64".into())]
        );
    }

    #[test]
    fn content_is_write_only_and_location_replaces() {
        let s = resource();
        let a = |n: &str| s.block.attribute(n).expect(n);
        for n in ["content", "content_base64"] {
            assert!(a(n).write_only, "{n}");
        }
        for n in ["instance_id", "path"] {
            assert!(a(n).requires_replace, "{n}");
        }
        for a in &s.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
        }
    }
}
