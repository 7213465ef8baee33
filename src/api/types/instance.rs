//! Instances and the bodies of their calls.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Patch, lenient};
use crate::api::revision::{ApiRevision, RevisionHint};

// ---------------------------------------------------------------------------------------------
// Instances
// ---------------------------------------------------------------------------------------------

/// An instance as the API returns it, under either revision: 2026-06-25 sends `ports`,
/// `paid_through` and a string `image_ref`; 2026-08-21 sends `url` (no `ports`), a nullable
/// `image_ref` (null when the image came from a cloud build) and the fields marked below.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Instance {
    pub id: String,
    pub status: InstanceStatus,
    pub template: String,
    #[serde(default, deserialize_with = "lenient")]
    pub image_ref: Option<String>,
    pub resources: Resources,
    /// 2026-06-25 only.
    #[serde(default, deserialize_with = "lenient")]
    pub ports: Vec<Port>,
    /// 2026-08-21 only: the URL of the default port.
    #[serde(default, deserialize_with = "lenient")]
    pub url: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub metadata: Option<Map<String, Value>>,
    /// 2026-06-25 only.
    #[serde(default, deserialize_with = "lenient")]
    pub paid_through: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub past_due: bool,
    pub created: i64,
    /// 2026-08-21: `sha256:…` of the image running (null on instances older than digests).
    #[serde(default, deserialize_with = "lenient")]
    pub image_digest: Option<String>,
    /// 2026-08-21: the workspace template revision installed (null: a system template, or an
    /// instance older than revisions, which counts as 1).
    #[serde(default, deserialize_with = "lenient")]
    pub template_revision: Option<i64>,
    /// 2026-08-21: why the latest lifecycle operation failed.
    #[serde(default, deserialize_with = "lenient")]
    pub status_reason: Option<StatusReason>,
    /// 2026-08-21: `url` under each active custom domain.
    #[serde(default, deserialize_with = "lenient")]
    pub domain_urls: Vec<String>,
    /// 2026-08-21.
    #[serde(default, deserialize_with = "lenient")]
    pub auto_sleep: Option<bool>,
    /// 2026-08-21.
    #[serde(default, deserialize_with = "lenient")]
    pub idle_timeout_seconds: Option<i64>,
    /// 2026-08-21: present only while `sleeping`/`waking`.
    #[serde(default, deserialize_with = "lenient")]
    pub slept_at: Option<i64>,
    /// 2026-08-21: the instance's public ports (contract 7.1).
    #[serde(default, deserialize_with = "lenient")]
    pub public_ports: Vec<super::PublicPort>,
}

impl Instance {
    /// The URL of the default port: `url` (2026-08-21), else the default entry of `ports`
    /// (2026-06-25), if the instance has one.
    pub fn default_url(&self) -> Option<&str> {
        self.url.as_deref().or_else(|| {
            self.ports
                .iter()
                .find(|p| p.default)
                .map(|p| p.url.as_str())
        })
    }

    /// The default port's number where the object says it (2026-06-25's `ports`); a 2026-08-21
    /// instance serves its template's `default_port` there, which only the template tells.
    pub fn declared_default_port(&self) -> Option<u16> {
        self.ports.iter().find(|p| p.default).map(|p| p.port)
    }

    /// The template's name without its pin (`crawler@3` → `crawler`).
    pub fn template_name(&self) -> &str {
        template_name(&self.template)
    }
}

impl RevisionHint for Instance {
    /// Only 2026-08-21 sends `url`; only 2026-06-25 sends `ports` (possibly empty).
    fn revision_hint(&self) -> Option<ApiRevision> {
        Some(if self.url.is_some() {
            ApiRevision::R2026_08_21
        } else {
            ApiRevision::R2026_06_25
        })
    }
}

/// A template reference's name without its `@version` pin.
pub fn template_name(reference: &str) -> &str {
    reference
        .split_once('@')
        .map_or(reference, |(name, _)| name)
}

/// Why the latest lifecycle operation of an instance failed (2026-08-21).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReason {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, deserialize_with = "lenient")]
    pub detail: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub operation: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub at: Option<i64>,
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
    /// 2026-08-21: checkpointed after idling (compute released, disk kept).
    Sleeping,
    /// 2026-08-21: a sleeper on its way back to `running`.
    Waking,
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
            Self::Sleeping => "sleeping",
            Self::Waking => "waking",
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
                | Self::Waking
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
            "sleeping" => Self::Sleeping,
            "waking" => Self::Waking,
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
    /// 2026-08-21: `dedicated` or `shared` (never returned).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// 2026-08-21: environment variables, write-only and immutable (never returned).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<Env>,
    /// 2026-08-21.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_sleep: Option<bool>,
    /// 2026-08-21: 60-86400.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_timeout_seconds: Option<i64>,
}

/// An instance's environment variables (2026-08-21): sent once, at create. The values are
/// secrets, so `Debug` shows the names only; serialized as the plain object the API takes.
#[derive(Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Env(pub BTreeMap<String, String>);

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, "[redacted]")))
            .finish()
    }
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

/// Body of `PATCH /instances/{id}`: only present fields change.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PatchInstance {
    #[serde(skip_serializing_if = "Patch::is_absent")]
    pub name: Patch<String>,
    #[serde(skip_serializing_if = "Patch::is_absent")]
    pub user: Patch<String>,
    #[serde(skip_serializing_if = "Patch::is_absent")]
    pub metadata: Patch<Map<String, Value>>,
    /// 2026-08-21 (null is refused: absent or a value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auto_sleep: Option<bool>,
    /// 2026-08-21 (null is refused: absent or a value).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_timeout_seconds: Option<i64>,
}

impl PatchInstance {
    /// True when nothing would be sent (the API answers such a body with 400).
    pub fn is_empty(&self) -> bool {
        self.name.is_absent()
            && self.user.is_absent()
            && self.metadata.is_absent()
            && self.auto_sleep.is_none()
            && self.idle_timeout_seconds.is_none()
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
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient"
    )]
    pub image_ref: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient"
    )]
    pub resources: Option<Resources>,
    /// 2026-08-21 `update`: the template reference, when the call sent one.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient"
    )]
    pub template: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient"
    )]
    pub image_digest: Option<String>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient"
    )]
    pub template_revision: Option<i64>,
}

/// Body of `POST /instances/{id}/update` (2026-08-21 only carries one): `template` pins,
/// unpins, rolls back or migrates; without it the instance takes its template's current image.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct UpdateRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
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
    /// 2026-08-21: the same link on each active custom domain.
    #[serde(default, deserialize_with = "lenient")]
    pub domain_urls: Vec<String>,
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
            .field("domain_urls", &self.domain_urls.len())
            .finish()
    }
}

/// Answer of a DELETE, with "already gone" (a 404) told apart from a deletion made now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    AlreadyGone,
}

/// The outcome of an instance create that made an instance. `failure` is set when the create
/// did not end well but an instance exists anyway, so that it reaches the state (tainted) rather
/// than being orphaned: a 2026-08-21 create answered `provisioning_failed` that left a `failed`
/// instance behind, or a create whose answer could not be read (then `instance` is `None` and
/// `id` was taken from the answer).
#[derive(Debug)]
pub struct Created {
    pub id: String,
    pub instance: Option<Instance>,
    /// Found by listing after an ambiguous answer, rather than returned by the create call.
    pub adopted: bool,
    /// Create requests sent, the successful or adopted one included.
    pub attempts: u32,
    pub failure: Option<super::super::error::ApiError>,
}

impl Created {
    /// A create that went well.
    pub fn made(instance: Instance, adopted: bool, attempts: u32) -> Created {
        Created {
            id: instance.id.clone(),
            instance: Some(instance),
            adopted,
            attempts,
            failure: None,
        }
    }
}
