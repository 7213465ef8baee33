//! Serde models of the hosting API's objects and request bodies (see `docs/contract/hosting-api.md`).
//!
//! Decoding is lenient where the contract may grow (unknown statuses and scopes, unknown fields,
//! missing optional arrays) and strict where a missing value would be a lie (ids, times, money).

use std::fmt;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The default template of an instance create that names none.
pub const DEFAULT_TEMPLATE: &str = "agent37-hermes";

// ---------------------------------------------------------------------------------------------
// Instances
// ---------------------------------------------------------------------------------------------

/// An instance as the API returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub status: InstanceStatus,
    pub template: String,
    pub image_ref: String,
    pub resources: Resources,
    #[serde(default)]
    pub ports: Vec<Port>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    #[serde(default)]
    pub paid_through: Option<i64>,
    #[serde(default)]
    pub past_due: bool,
    pub created: i64,
}

impl Instance {
    /// The URL of the default port, if the instance has one.
    pub fn default_url(&self) -> Option<&str> {
        self.ports
            .iter()
            .find(|p| p.default)
            .map(|p| p.url.as_str())
    }
}

/// An instance's status. Statuses this client does not know decode as [`InstanceStatus::Other`]
/// so that a server adding one never breaks a read.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InstanceStatus {
    Provisioning,
    Running,
    Stopping,
    Stopped,
    Starting,
    Restarting,
    Updating,
    Failed,
    Deleting,
    Deleted,
    Other(String),
}

impl InstanceStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Provisioning => "provisioning",
            Self::Running => "running",
            Self::Stopping => "stopping",
            Self::Stopped => "stopped",
            Self::Starting => "starting",
            Self::Restarting => "restarting",
            Self::Updating => "updating",
            Self::Failed => "failed",
            Self::Deleting => "deleting",
            Self::Deleted => "deleted",
            Self::Other(s) => s,
        }
    }

    /// A status the platform leaves on its own (a transition in progress).
    pub fn is_transitional(&self) -> bool {
        matches!(
            self,
            Self::Provisioning
                | Self::Stopping
                | Self::Starting
                | Self::Restarting
                | Self::Updating
                | Self::Deleting
        )
    }
}

impl From<&str> for InstanceStatus {
    fn from(s: &str) -> Self {
        match s {
            "provisioning" => Self::Provisioning,
            "running" => Self::Running,
            "stopping" => Self::Stopping,
            "stopped" => Self::Stopped,
            "starting" => Self::Starting,
            "restarting" => Self::Restarting,
            "updating" => Self::Updating,
            "failed" => Self::Failed,
            "deleting" => Self::Deleting,
            "deleted" => Self::Deleted,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for InstanceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for InstanceStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InstanceStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::from(s.as_str()))
    }
}

/// An instance's shape: vCPUs, memory and disk in GB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resources {
    pub cpu: u32,
    pub memory: u32,
    pub disk: u32,
}

/// A port of an instance, with the URL that serves it (clients never build these URLs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Port {
    pub port: u16,
    #[serde(default)]
    pub default: bool,
    pub url: String,
}

/// Body of `POST /instances`. Every field is optional; `None` is not sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CreateInstance {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourcesRequest>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<CreateBudget>,
}

/// Requested dimensions; only those set are sent (the API fills in the rest).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ResourcesRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<u32>,
}

/// The budget set at create (V1 field names).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CreateBudget {
    pub monthly_cap_micros: i64,
    pub topup_micros: i64,
}

/// A field of a PATCH body: left out, sent as `null` (clear), or sent with a value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Self::Absent)
    }

    /// `Some(v)` → value, `None` → null: the usual way a desired optional value becomes a patch.
    pub fn set(value: Option<T>) -> Self {
        match value {
            Some(v) => Self::Value(v),
            None => Self::Null,
        }
    }
}

impl<T: Serialize> Serialize for Patch<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // Only reached when a caller forgets `skip_serializing_if`; null is the safe reading.
            Self::Absent | Self::Null => s.serialize_none(),
            Self::Value(v) => v.serialize(s),
        }
    }
}

/// Body of `PATCH /instances/{id}`: only present fields change.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PatchInstance {
    #[serde(skip_serializing_if = "Patch::is_absent")]
    pub name: Patch<String>,
    #[serde(skip_serializing_if = "Patch::is_absent")]
    pub user: Patch<String>,
    #[serde(skip_serializing_if = "Patch::is_absent")]
    pub metadata: Patch<Map<String, Value>>,
}

impl PatchInstance {
    /// True when nothing would be sent (the API answers such a body with 400).
    pub fn is_empty(&self) -> bool {
        self.name.is_absent() && self.user.is_absent() && self.metadata.is_absent()
    }
}

/// Body of `POST /instances/{id}/resize`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Resize {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk: Option<u32>,
}

/// Acknowledgement of a lifecycle action (read the instance for the full object).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionAck {
    pub id: String,
    pub status: InstanceStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
}

/// Body of `POST /instances/{id}/exec`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ExecRequest {
    pub command: String,
}

/// Result of an exec: a non-zero exit is still a success of the call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExecResult {
    pub exit_code: i64,
    #[serde(default)]
    pub stdout: String,
    #[serde(default)]
    pub stderr: String,
    #[serde(default)]
    pub truncated: bool,
}

/// Body of `POST /instances/{id}/signed-url`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SignedUrlRequest {
    pub port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<i64>,
}

/// A minted browser URL. Its query carries a bearer token, so `Debug` leaves the query out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedUrl {
    pub url: String,
    pub port: u16,
    pub expires_at: i64,
}

impl fmt::Debug for SignedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = match self.url.split_once('?') {
            Some((base, _)) => format!("{base}?[redacted]"),
            None => self.url.clone(),
        };
        f.debug_struct("SignedUrl")
            .field("url", &shown)
            .field("port", &self.port)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Answer of a DELETE, with "already gone" (a 404) told apart from a deletion made now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    AlreadyGone,
}

/// The outcome of an instance create: the instance, and whether it was adopted after an
/// ambiguous answer (found by listing) rather than returned by the create call itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Created {
    pub instance: Instance,
    pub adopted: bool,
    /// Create requests sent, the successful or adopted one included.
    pub attempts: u32,
}

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

/// A template: a named image and the ports it serves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub scope: TemplateScope,
    #[serde(default)]
    pub agents: Vec<String>,
    pub image_ref: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub ports: Vec<TemplatePort>,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub updated: Option<i64>,
}

/// A template's port (no URL: URLs exist only on instances).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatePort {
    pub port: u16,
    #[serde(default)]
    pub default: bool,
}

/// Whether a template is built in or the workspace's own; unknown scopes are kept as text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TemplateScope {
    System,
    Workspace,
    Other(String),
}

impl TemplateScope {
    pub fn as_str(&self) -> &str {
        match self {
            Self::System => "system",
            Self::Workspace => "workspace",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for TemplateScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TemplateScope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TemplateScope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "system" => Self::System,
            "workspace" => Self::Workspace,
            _ => Self::Other(s),
        })
    }
}

/// Body of `POST /templates`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateTemplate {
    pub name: String,
    pub image_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<TemplatePort>>,
}

impl CreateTemplate {
    /// Whether `t` is what this body would have made (used after an ambiguous create answered
    /// by `template_conflict` on the retry).
    pub fn matches(&self, t: &Template) -> bool {
        t.name == self.name
            && t.image_ref == self.image_ref
            && empty_str_is_none(t.description.as_deref())
                == empty_str_is_none(self.description.as_deref())
            && t.ports.as_slice() == self.ports.as_deref().unwrap_or(&[])
    }
}

/// Body of `PATCH /templates/{name}`: `ports` replaces the list whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PatchTemplate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<String>,
    #[serde(skip_serializing_if = "Patch::is_absent")]
    pub description: Patch<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<TemplatePort>>,
}

// ---------------------------------------------------------------------------------------------
// Budgets and usage
// ---------------------------------------------------------------------------------------------

/// An instance's budget. The one-time headroom is read from `topup_remaining_micros` or from
/// its later name `credit_remaining_micros`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BudgetWire")]
pub struct Budget {
    pub monthly_cap_micros: i64,
    pub monthly_consumed_micros: i64,
    pub monthly_remaining_micros: i64,
    pub monthly_period: String,
    pub topup_remaining_micros: i64,
    pub updated_at: i64,
}

/// Both names are optional on the wire so that a server sending both (during a migration)
/// still decodes, which a serde `alias` would reject as a duplicate field.
#[derive(Deserialize)]
struct BudgetWire {
    monthly_cap_micros: i64,
    monthly_consumed_micros: i64,
    monthly_remaining_micros: i64,
    monthly_period: String,
    #[serde(default)]
    topup_remaining_micros: Option<i64>,
    #[serde(default)]
    credit_remaining_micros: Option<i64>,
    updated_at: i64,
}

impl TryFrom<BudgetWire> for Budget {
    type Error = String;

    fn try_from(w: BudgetWire) -> Result<Self, Self::Error> {
        let topup = w
            .topup_remaining_micros
            .or(w.credit_remaining_micros)
            .ok_or_else(|| {
                "missing field `topup_remaining_micros` (or `credit_remaining_micros`)".to_owned()
            })?;
        Ok(Self {
            monthly_cap_micros: w.monthly_cap_micros,
            monthly_consumed_micros: w.monthly_consumed_micros,
            monthly_remaining_micros: w.monthly_remaining_micros,
            monthly_period: w.monthly_period,
            topup_remaining_micros: topup,
            updated_at: w.updated_at,
        })
    }
}

/// Body of `PATCH /instances/{id}/budget`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PatchBudget {
    pub monthly_cap_micros: i64,
}

/// Body of `POST /instances/{id}/budget/top-up`. With a key the call is safe to retry; without
/// one the client treats it as non-idempotent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopUp {
    pub amount_micros: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// Managed spend of one instance in one month.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub period: String,
    pub total_micros: i64,
    #[serde(default)]
    pub by_integration: UsageByIntegration,
}

/// Spend per integration; an integration the server leaves out reads as zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageByIntegration {
    #[serde(default)]
    pub llm: LlmUsage,
    #[serde(default)]
    pub brave: ServiceUsage,
    #[serde(default)]
    pub composio: ServiceUsage,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmUsage {
    #[serde(default)]
    pub cost_micros: i64,
    #[serde(default)]
    pub calls: i64,
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceUsage {
    #[serde(default)]
    pub cost_micros: i64,
    #[serde(default)]
    pub calls: i64,
}

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

/// The API treats `""` like null for names and users.
pub(crate) fn empty_str_is_none(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            assert_eq!(b.topup_remaining_micros, 77, "{field}");
        }
        let mut both = budget_json("topup_remaining_micros");
        both["credit_remaining_micros"] = json!(1);
        let b: Budget = serde_json::from_value(both).expect("both names decode");
        assert_eq!(b.topup_remaining_micros, 77);
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
