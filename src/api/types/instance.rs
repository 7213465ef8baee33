//! Instances and the bodies of their calls.

use std::fmt;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Patch;

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
