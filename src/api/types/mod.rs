//! Serde models of the hosting API's objects and request bodies, for both API revisions
//! (`docs/contract/hosting-api.md`, and the delta `docs/contract/hosting-api-2026-08.md`).
//!
//! Every object decodes the union of both revisions. Decoding is lenient where the contract may
//! grow or differ between revisions (unknown statuses and scopes, unknown fields, fields one
//! revision lacks or makes nullable, new optional fields of a type this client does not expect:
//! see [`lenient`]) and strict where a missing value would be a lie (ids, times, money).
//!
//! One file per object: `instance`, `template`, `budget`; the wire-only shapes shared by every
//! list and the tests stay here.

mod budget;
mod domain;
mod file;
mod instance;
mod integration;
mod observe;
mod patch;
mod public_port;
mod ssh_key;
mod template;
mod template_build;

pub use budget::*;
pub use domain::*;
pub use file::*;
pub use instance::*;
pub use integration::*;
pub use observe::*;
pub use patch::Patch;
pub use public_port::*;
pub use ssh_key::*;
pub use template::*;
pub use template_build::*;

use serde::de::{DeserializeOwned, Deserializer};
use serde::{Deserialize, Serialize};

/// The default template of an instance create that names none.
pub const DEFAULT_TEMPLATE: &str = "agent37-hermes";

// ---------------------------------------------------------------------------------------------
// Wire-only shapes
// ---------------------------------------------------------------------------------------------

/// One page of a list: `{"data": [...]}`, with an optional cursor a server may add.
#[derive(Deserialize)]
pub(crate) struct ListPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// A field decoded leniently: a value of another type than expected reads as the default (null,
/// empty) instead of failing the whole object. For optional fields one revision added or
/// changed, so that an object is never lost over one of them: use with
/// `#[serde(default, deserialize_with = "lenient")]`.
pub(crate) fn lenient<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    let v = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(v).unwrap_or_default())
}

/// A field whose presence matters: absent (the revision does not have it), null, or a value.
/// Use with `#[serde(default)]`; a value of another type reads as [`Field::Null`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Field<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Field<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Field::Absent)
    }

    /// The value, if there is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Field::Value(v) => Some(v),
            _ => None,
        }
    }
}

impl<T: Copy> Field<T> {
    pub fn get(&self) -> Option<T> {
        self.value().copied()
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Field<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<serde_json::Value>::deserialize(d)? {
            None => Field::Null,
            Some(v) => serde_json::from_value(v).map_or(Field::Null, Field::Value),
        })
    }
}

impl<T: Serialize> Serialize for Field<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Field::Absent | Field::Null => s.serialize_none(),
            Field::Value(v) => v.serialize(s),
        }
    }
}

/// The API treats `""` like null for names and users.
pub(crate) fn empty_str_is_none(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    fn instance_json() -> Value {
        json!({
            "id": "abc123defg", "status": "running", "template": "agent37-hermes",
            "image_ref": "ghcr.io/agent37-platform/hermes:1", "resources": {"cpu": 2, "memory": 4, "disk": 6},
            "ports": [{"port": 3737, "default": true, "url": "https://abc123defg.agent37.app"}],
            "user": null, "name": "bot", "metadata": {"z": "1", "a": "2"},
            "paid_through": 100, "past_due": false, "created": 50, "extra_field": 1
        })
    }

    #[test]
    fn instance_decodes_and_keeps_metadata_order() {
        let i: Instance = serde_json::from_value(instance_json()).expect("decodes");
        assert_eq!(i.status, InstanceStatus::Running);
        assert_eq!(i.default_url(), Some("https://abc123defg.agent37.app"));
        let keys: Vec<_> = i
            .metadata
            .as_ref()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        assert_eq!(keys, vec!["z", "a"]);
    }

    #[test]
    fn unknown_status_and_scope_decode() {
        let mut v = instance_json();
        v["status"] = json!("hibernating");
        let i: Instance = serde_json::from_value(v).expect("decodes");
        assert_eq!(i.status, InstanceStatus::Other("hibernating".into()));
        assert_eq!(i.status.to_string(), "hibernating");
        let t: Template = serde_json::from_value(json!({
            "name": "x", "scope": "org", "image_ref": "a/b:c"
        }))
        .expect("decodes");
        assert_eq!(t.scope, TemplateScope::Other("org".into()));
        assert!(t.ports.is_empty() && t.agents.is_empty() && t.created.is_none());
    }

    fn budget_json(field: &str) -> Value {
        let mut v = json!({
            "monthly_cap_micros": 5, "monthly_consumed_micros": 1, "monthly_remaining_micros": 4,
            "monthly_period": "2026-06", "updated_at": 9
        });
        v[field] = json!(77);
        v
    }

    #[test]
    fn budget_reads_either_headroom_name() {
        for field in ["topup_remaining_micros", "credit_remaining_micros"] {
            let b: Budget = serde_json::from_value(budget_json(field)).expect("decodes");
            assert_eq!(b.credit_remaining_micros, 77, "{field}");
        }
        let mut both = budget_json("topup_remaining_micros");
        both["credit_remaining_micros"] = json!(1);
        let b: Budget = serde_json::from_value(both).expect("both names decode");
        assert_eq!(b.credit_remaining_micros, 1, "the current name wins");
        let mut neither = budget_json("topup_remaining_micros");
        neither
            .as_object_mut()
            .map(|m| m.remove("topup_remaining_micros"));
        assert!(serde_json::from_value::<Budget>(neither).is_err());
    }

    #[test]
    fn patch_is_tri_state() {
        let p = PatchInstance {
            name: Patch::Null,
            metadata: Patch::Value(Map::new()),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&p).expect("serializes"),
            json!({"name": null, "metadata": {}})
        );
        assert!(PatchInstance::default().is_empty());
        assert_eq!(Patch::set(Some(1)), Patch::Value(1));
        assert_eq!(Patch::<i32>::set(None), Patch::Null);
    }

    #[test]
    fn create_body_omits_unset_fields() {
        let c = CreateInstance {
            template: Some("agent37-hermes".into()),
            resources: Some(ResourcesRequest {
                disk: Some(10),
                ..Default::default()
            }),
            budget: Some(CreateBudget {
                monthly_cap_micros: 1,
                topup_micros: 0,
            }),
            ..Default::default()
        };
        assert_eq!(
            serde_json::to_value(&c).expect("serializes"),
            json!({"template": "agent37-hermes", "resources": {"disk": 10},
                   "budget": {"monthly_cap_micros": 1, "topup_micros": 0}})
        );
        assert_eq!(
            serde_json::to_value(CreateInstance::default()).ok(),
            Some(json!({}))
        );
    }

    #[test]
    fn usage_tolerates_missing_integrations() {
        let u: Usage = serde_json::from_value(json!({
            "period": "2026-06", "total_micros": 3,
            "by_integration": {"llm": {"cost_micros": 3, "calls": 1, "input_tokens": 10, "output_tokens": 5}}
        }))
        .expect("decodes");
        assert_eq!(u.by_integration.llm.input_tokens, 10);
        assert_eq!(u.by_integration.brave, ServiceUsage::default());
    }

    #[test]
    fn signed_url_debug_hides_token() {
        let s = SignedUrl {
            url: "https://x.agent37.app/?a37_token=SECRET".into(),
            port: 3737,
            expires_at: 1,
            domain_urls: vec!["https://x.example.net/?a37_token=SECRET".into()],
        };
        let d = format!("{s:?}");
        assert!(!d.contains("SECRET"), "{d}");
    }

    #[test]
    fn template_match_treats_missing_ports_as_empty() {
        let body = CreateTemplate {
            name: "mine".into(),
            image_ref: "acme/agent:v1".into(),
            description: None,
            ports: None,
            default_port: None,
        };
        let t: Template = serde_json::from_value(json!({
            "name": "mine", "scope": "workspace", "image_ref": "acme/agent:v1",
            "description": null, "ports": [], "agents": []
        }))
        .expect("decodes");
        assert!(body.matches(&t));
        let other = CreateTemplate {
            image_ref: "acme/agent:v2".into(),
            ..body
        };
        assert!(!other.matches(&t));
    }
}
