//! The models of `agent37_instance_public_port` (resource), `agent37_instance_public_ports`
//! (data source) and the list filter, declared once with their docs; the contract's static
//! rules (contract 7.1) as validators.

use crate::sdk::model::Attr;
use crate::sdk::timeouts::Timeouts;
use crate::sdk::validate::{IntRange, StrLen, Validator};
use crate::sdk::{Diagnostics, Model, Path, Schema, Value};

/// The resource's schema version; `upgrade_state` is the identity until it moves.
pub const VERSION: i64 = 0;
/// Ports no public port may expose: the platform's own (the default gateway 3737 included)
/// and the SSH tunnel.
pub const RESERVED_PORTS: [i64; 7] = [3737, 9119, 7681, 8080, 6080, 7890, 22022];
pub const LABEL_MAX_CHARS: usize = 64;
pub const PREFIX_MAX_CHARS: usize = 30;
pub const PREFIX_ALLOWED: &str = "1 to 30 lowercase letters, digits or hyphens, starting and ending with a letter or digit (`^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$`).";

/// `^[a-z0-9]([a-z0-9-]{0,28}[a-z0-9])?$`.
pub fn prefix_ok(p: &str) -> bool {
    let b = p.as_bytes();
    let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    (1..=PREFIX_MAX_CHARS).contains(&b.len())
        && b.first().is_some_and(edge)
        && b.last().is_some_and(edge)
        && b.iter().all(|c| edge(c) || *c == b'-')
}

fn reserved_list() -> String {
    RESERVED_PORTS.map(|p| p.to_string()).join(", ")
}

/// `port`: not a reserved port.
struct NotReserved;

impl Validator for NotReserved {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(p) = value.as_i64()
            && RESERVED_PORTS.contains(&p)
        {
            diags.attr_error(
                path.clone(),
                "Reserved port",
                format!(
                    "{path} is {p}, which cannot be public (reserved: {}; 22022 is the SSH tunnel). Choose the port your app serves on.",
                    reserved_list()
                ),
            );
        }
    }
    fn description(&self) -> String {
        format!("Not a reserved port ({}).", reserved_list())
    }
}

/// `prefix`: the host prefix pattern.
struct PrefixRule;

impl Validator for PrefixRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(p) = value.as_str()
            && !prefix_ok(p)
        {
            diags.attr_error(
                path.clone(),
                "Invalid prefix",
                format!("{path} is {p:?}; it must be {PREFIX_ALLOWED}"),
            );
        }
    }
    fn description(&self) -> String {
        PREFIX_ALLOWED.to_string()
    }
}

/// `instance_id`: not empty, no `/` (it is the first half of the import id).
struct InstanceIdRule;

impl Validator for InstanceIdRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(id) = value.as_str()
            && (id.trim().is_empty() || id.contains('/'))
        {
            diags.attr_error(
                path.clone(),
                "Invalid instance id",
                format!("{path} is {id:?}; it must be an instance id, e.g. `agent37_instance.example.id`."),
            );
        }
    }
    fn description(&self) -> String {
        "An instance id.".to_string()
    }
}

const URL_DOC: &str = "The public URL of the port. Without a `prefix` its host is a slug the server mints, which is the only credential (anyone with the URL reaches the port, and it changes when the port is re-created); so the attribute is sensitive. With a prefix it is `{prefix}-{instance id}` under the instance's domain, stable and guessable (`nonsensitive()` is then safe).";
const DOMAIN_URLS_DOC: &str = "The same port under each active custom domain of the workspace, oldest domain first; sensitive for the same reason as `url`.";

pub const RESOURCE: &str = "A port of an instance made reachable without a key (API revision 2026-08-21), for webhooks and public apps. Traffic wakes a sleeping instance and keeps it awake; a stopped or suspended instance answers 503. An instance has at most 20 public ports, one per port. There is no in-place update: changing any argument replaces the entry (and a slug URL changes with it). Import with `<instance_id>/<port>`.";

/// The state of `agent37_instance_public_port`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct PublicPort {
    #[attr(
        required,
        requires_replace,
        describe = "The instance whose port becomes public. Changing it replaces the entry.",
        validate = InstanceIdRule
    )]
    pub instance_id: Attr<String>,
    #[attr(
        required,
        requires_replace,
        describe = "The port the instance serves on, 1–65535; not 3737, 9119, 7681, 8080, 6080, 7890 (the platform's) or 22022 (the SSH tunnel). Changing it replaces the entry.",
        validate = IntRange::between(1, 65_535),
        validate = NotReserved
    )]
    pub port: Attr<i64>,
    #[attr(
        optional,
        requires_replace,
        describe = "A stable host prefix: the URL becomes `{prefix}-{instance id}` under the instance's domain instead of a secret slug. 1–30 lowercase letters, digits or inner hyphens; unique among the instance's public ports. Changing it replaces the entry.",
        validate = PrefixRule
    )]
    pub prefix: Attr<String>,
    #[attr(
        optional,
        requires_replace,
        describe = "A free-text label, at most 64 characters. Changing it replaces the entry (the API cannot edit one).",
        validate = StrLen { min: 0, max: LABEL_MAX_CHARS }
    )]
    pub label: Attr<String>,
    #[attr(computed, sensitive, describe = URL_DOC)]
    pub url: Attr<String>,
    #[attr(computed, sensitive, describe = DOMAIN_URLS_DOC)]
    pub domain_urls: Attr<Vec<String>>,
    #[attr(computed, describe = "When the port was made public (epoch seconds).")]
    pub created: Attr<i64>,
    #[block]
    pub timeouts: Timeouts,
}

pub fn resource() -> Schema {
    PublicPort::schema(RESOURCE).version(VERSION)
}

/// One public port, as the data source shows it.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct PublicPortItem {
    #[attr(computed, describe = "The port.")]
    pub port: Attr<i64>,
    #[attr(computed, sensitive, describe = URL_DOC)]
    pub url: Attr<String>,
    #[attr(computed, sensitive, describe = DOMAIN_URLS_DOC)]
    pub domain_urls: Attr<Vec<String>>,
    #[attr(computed, describe = "The host prefix, or null for a slug host.")]
    pub prefix: Attr<String>,
    #[attr(computed, describe = "The label, or null.")]
    pub label: Attr<String>,
    #[attr(computed, describe = "When the port was made public (epoch seconds).")]
    pub created: Attr<i64>,
}

pub const DATA: &str =
    "The public ports of one instance (API revision 2026-08-21), in creation order.";

/// `agent37_instance_public_ports`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct PublicPortsData {
    #[attr(required, describe = "The instance.", validate = InstanceIdRule)]
    pub instance_id: Attr<String>,
    #[attr(computed, describe = "Its public ports, in creation order.")]
    pub public_ports: Attr<Vec<PublicPortItem>>,
}

pub fn data_source() -> Schema {
    PublicPortsData::schema(DATA)
}

pub const LIST: &str = "Finds public ports for `terraform query` (API revision 2026-08-21): those of one instance with `instance_id`, else those of every instance of the workspace. Each result is named `<instance_id>/<port>`, carries its identity `{ instance_id, port }`, and can be turned into configuration with `terraform query -generate-config-out=FILE`.";

/// The filter of the `agent37_instance_public_port` list resource.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct PublicPortFilter {
    #[attr(
        optional,
        describe = "Only the public ports of this instance (one request); without it, every instance's (one request per instance).",
        validate = InstanceIdRule
    )]
    pub instance_id: Attr<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::validate::validate_block;

    fn errors(port: i64, prefix: Option<&str>, label: Option<String>) -> Vec<(String, String)> {
        let cfg = PublicPort {
            instance_id: "abc123defg".into(),
            port: port.into(),
            prefix: Attr::from_option(prefix.map(str::to_string)),
            label: Attr::from_option(label),
            ..PublicPort::default()
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
        assert!(errors(9100, Some("hooks"), Some("inbound".into())).is_empty());
        for p in RESERVED_PORTS {
            assert_eq!(
                errors(p, None, None),
                [("port".into(), "Reserved port".into())]
            );
        }
        assert_eq!(
            errors(0, None, None),
            [("port".into(), "Invalid number".into())]
        );
        assert_eq!(
            errors(9100, Some("Hooks"), None),
            [("prefix".into(), "Invalid prefix".into())]
        );
        assert_eq!(
            errors(9100, None, Some("l".repeat(65))),
            [("label".into(), "Invalid length".into())]
        );
        assert!(errors(9100, None, Some("l".repeat(64))).is_empty());
    }

    #[test]
    fn prefixes() {
        for ok in ["a", "hooks", "a-b", "0x", &"a".repeat(30)] {
            assert!(prefix_ok(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", &"a".repeat(31)] {
            assert!(!prefix_ok(bad), "{bad}");
        }
    }

    #[test]
    fn urls_are_sensitive_and_every_argument_replaces() {
        let s = resource();
        let a = |n: &str| s.block.attribute(n).expect(n);
        for n in ["instance_id", "port", "prefix", "label"] {
            assert!(a(n).requires_replace, "{n}");
        }
        for n in ["url", "domain_urls"] {
            assert!(a(n).sensitive && a(n).computed, "{n}");
        }
        for s in [resource(), data_source()] {
            for a in &s.block.attributes {
                assert!(!a.description.is_empty(), "{} has no description", a.name);
            }
        }
    }
}
