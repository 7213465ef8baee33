//! The models of `agent37_ssh_key` (resource, data sources, list filter), declared once with
//! their docs, and the contract's static rules as validators (so `terraform validate` reports
//! them on the exact attribute).

use crate::sdk::model::Attr;
use crate::sdk::timeouts::Timeouts;
use crate::sdk::validate::{StrLen, Validator};
use crate::sdk::{Diagnostics, Model, Path, Schema, Value};

use super::key;

/// The resource's schema version; `upgrade_state` is the identity until it moves.
pub const VERSION: i64 = 0;
/// `name` is 1 to this many characters.
pub const NAME_MAX_CHARS: usize = 64;

/// `public_key`: one OpenSSH public key line of an accepted type.
pub struct PublicKeyRule;

impl Validator for PublicKeyRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(text) = value.as_str()
            && let Err(p) = key::parse(text)
        {
            diags.attr_error(
                path.clone(),
                "Invalid SSH public key",
                format!("{path}: {}. Allowed: {}", p.text(), key::ALLOWED),
            );
        }
    }
    fn description(&self) -> String {
        key::ALLOWED.to_string()
    }
}

pub const RESOURCE: &str = "An SSH public key of the workspace (API revision 2026-08-21). Every key opens every instance of the workspace over SSH. The API never returns the key text, so `public_key` is write-only (Terraform 1.11 and later): the state keeps the key's `fingerprint`, computed from the key at plan time, and a different key replaces the resource. There is no in-place update: changing any argument replaces the key.";

/// The state of `agent37_ssh_key`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct SshKey {
    #[attr(
        required,
        write_only,
        describe = "The public key, one OpenSSH line such as the contents of `~/.ssh/id_ed25519.pub` (e.g. `file(\"~/.ssh/id_ed25519.pub\")`). Types: `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`/`384`/`521`, `sk-ssh-ed25519@openssh.com`, `sk-ecdsa-sha2-nistp256@openssh.com`; private keys are refused. Write-only: never stored in state (the API does not return it either); its `fingerprint` is. A key with another fingerprint replaces the resource.",
        validate = PublicKeyRule
    )]
    pub public_key: Attr<String>,
    #[attr(
        optional,
        computed,
        requires_replace,
        describe = "A name for the key, 1–64 characters. Default: the key's comment (the text after the key data), known at plan time, or null without one. Changing it replaces the key (the API cannot rename); removing it from the configuration keeps the current name.",
        validate = StrLen { min: 1, max: NAME_MAX_CHARS }
    )]
    pub name: Attr<String>,
    #[attr(
        computed,
        describe = "The key's id (24 lowercase hex digits), its import id: `terraform import agent37_ssh_key.example <id>`."
    )]
    pub id: Attr<String>,
    #[attr(
        computed,
        describe = "The fingerprint as `ssh-keygen -l` prints it: `SHA256:` and the unpadded base64 of the SHA-256 of the key. Known at plan time."
    )]
    pub fingerprint: Attr<String>,
    #[attr(
        computed,
        name = "type",
        describe = "The key type (`ssh-ed25519`, `ssh-rsa`…). Known at plan time."
    )]
    pub key_type: Attr<String>,
    #[attr(computed, describe = "When the key was registered (epoch seconds).")]
    pub created: Attr<i64>,
    #[block]
    pub timeouts: Timeouts,
}

pub fn resource() -> Schema {
    SshKey::schema(RESOURCE).version(VERSION)
}

/// One key, as the data sources show it.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct SshKeyItem {
    #[attr(computed, describe = "The key's id.")]
    pub id: Attr<String>,
    #[attr(computed, describe = "The key's name, or null.")]
    pub name: Attr<String>,
    #[attr(computed, describe = "The fingerprint (`SHA256:…`).")]
    pub fingerprint: Attr<String>,
    #[attr(computed, name = "type", describe = "The key type.")]
    pub key_type: Attr<String>,
    #[attr(computed, describe = "When the key was registered (epoch seconds).")]
    pub created: Attr<i64>,
}

pub const ONE: &str = "One SSH key of the workspace (API revision 2026-08-21), found by exactly one of `id`, `name` or `fingerprint`. A name that several keys share is an error naming their ids.";

/// `agent37_ssh_key` (data source): the three ways to find a key are also its results.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct SshKeyData {
    #[attr(
        optional,
        computed,
        describe = "The key's id. Set exactly one of `id`, `name` and `fingerprint`."
    )]
    pub id: Attr<String>,
    #[attr(
        optional,
        computed,
        describe = "The key's name. Set exactly one of `id`, `name` and `fingerprint`."
    )]
    pub name: Attr<String>,
    #[attr(
        optional,
        computed,
        describe = "The key's fingerprint as `ssh-keygen -l` prints it (`SHA256:…`). Set exactly one of `id`, `name` and `fingerprint`."
    )]
    pub fingerprint: Attr<String>,
    #[attr(computed, name = "type", describe = "The key type.")]
    pub key_type: Attr<String>,
    #[attr(computed, describe = "When the key was registered (epoch seconds).")]
    pub created: Attr<i64>,
}

pub fn data_source_one() -> Schema {
    SshKeyData::schema(ONE)
}

/// The way `agent37_ssh_key` (data source) finds its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Id(String),
    Name(String),
    Fingerprint(String),
}

impl Lookup {
    /// The attribute the lookup is by.
    pub fn attribute(&self) -> &'static str {
        match self {
            Self::Id(_) => SshKeyData::ID,
            Self::Name(_) => SshKeyData::NAME,
            Self::Fingerprint(_) => SshKeyData::FINGERPRINT,
        }
    }

    pub fn value(&self) -> &str {
        match self {
            Self::Id(v) | Self::Name(v) | Self::Fingerprint(v) => v,
        }
    }
}

impl SshKeyData {
    /// The one way the configuration finds its key. An unknown value counts as set (validation
    /// then waits for it); `Ok(None)` means a value is still unknown.
    pub fn lookup(&self) -> Result<Option<Lookup>, String> {
        let set: Vec<(&str, &Attr<String>)> = [
            (Self::ID, &self.id),
            (Self::NAME, &self.name),
            (Self::FINGERPRINT, &self.fingerprint),
        ]
        .into_iter()
        .filter(|(_, a)| !a.is_null())
        .collect();
        match set.as_slice() {
            [] => Err("set one of `id`, `name` or `fingerprint` to say which key to read".into()),
            [(name, value)] => Ok(value.as_str().map(|v| match *name {
                Self::ID => Lookup::Id(v.to_string()),
                Self::NAME => Lookup::Name(v.to_string()),
                _ => Lookup::Fingerprint(v.to_string()),
            })),
            many => Err(format!(
                "{} are set; set exactly one of `id`, `name` or `fingerprint`",
                many.iter()
                    .map(|(n, _)| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(" and ")
            )),
        }
    }
}

pub const ALL: &str = "Every SSH key of the workspace (API revision 2026-08-21), newest first.";

/// `agent37_ssh_keys`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct SshKeysData {
    #[attr(computed, describe = "The keys, newest first.")]
    pub keys: Attr<Vec<SshKeyItem>>,
    #[attr(computed, describe = "The keys' ids, in the same order.")]
    pub ids: Attr<Vec<String>>,
}

pub fn data_source_all() -> Schema {
    SshKeysData::schema(ALL)
}

pub const LIST: &str = "Finds the workspace's SSH keys for `terraform query` (API revision 2026-08-21). Each result is named by the key's name (or id), carries its identity `{ id }`, and can be turned into configuration with `terraform query -generate-config-out=FILE`; the API never returns the key text, so add `public_key` to the generated configuration yourself.";

/// The filter of the `agent37_ssh_key` list resource.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct SshKeyFilter {
    #[attr(
        optional,
        describe = "Only keys whose name starts with this text (keys without a name are left out)."
    )]
    pub name_prefix: Attr<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::validate::validate_block;

    fn errors(public_key: Value, name: Value) -> Vec<(String, String)> {
        let cfg = SshKey {
            public_key: Attr::from_value(&public_key, &Path::root()).unwrap_or_default(),
            name: Attr::from_value(&name, &Path::root()).unwrap_or_default(),
            ..SshKey::default()
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
    fn rules_point_at_their_attribute() {
        let good = Value::string(key::tests::ed25519(1, "ci"));
        assert!(errors(good.clone(), Value::Null).is_empty());
        assert_eq!(
            errors(Value::string("ssh-dss AAAA"), Value::Null),
            [("public_key".into(), "Invalid SSH public key".into())]
        );
        assert_eq!(
            errors(good.clone(), Value::string("")),
            [("name".into(), "Invalid length".into())]
        );
        assert_eq!(
            errors(good, Value::string("n".repeat(65))),
            [("name".into(), "Invalid length".into())]
        );
        assert!(errors(Value::unknown(), Value::unknown()).is_empty());
    }

    #[test]
    fn the_key_is_write_only_and_every_argument_replaces() {
        let s = resource();
        let a = |n: &str| s.block.attribute(n).expect(n);
        assert!(a("public_key").write_only && a("public_key").required);
        assert!(a("name").requires_replace && a("name").optional && a("name").computed);
        for n in ["id", "fingerprint", "type", "created"] {
            assert!(a(n).computed && !a(n).optional, "{n}");
        }
        for s in [resource(), data_source_one(), data_source_all()] {
            for a in &s.block.attributes {
                assert!(!a.description.is_empty(), "{} has no description", a.name);
            }
        }
    }

    #[test]
    fn exactly_one_lookup() {
        let by = |id: Attr<String>, name: Attr<String>, fp: Attr<String>| SshKeyData {
            id,
            name,
            fingerprint: fp,
            ..SshKeyData::default()
        };
        assert_eq!(
            by("k1".into(), Attr::Null, Attr::Null).lookup(),
            Ok(Some(Lookup::Id("k1".into())))
        );
        assert_eq!(
            by(Attr::Null, Attr::Null, "SHA256:x".into()).lookup(),
            Ok(Some(Lookup::Fingerprint("SHA256:x".into())))
        );
        assert_eq!(
            by(Attr::Null, Attr::unknown(), Attr::Null).lookup(),
            Ok(None)
        );
        assert!(by(Attr::Null, Attr::Null, Attr::Null).lookup().is_err());
        let two = by("k1".into(), Attr::unknown(), Attr::Null)
            .lookup()
            .expect_err("two");
        assert!(two.contains("`id` and `name` are set"), "{two}");
        let l = Lookup::Name("ci".into());
        assert_eq!((l.attribute(), l.value()), ("name", "ci"));
    }
}
