//! The objects revision 2026-08-21 adds: public ports, custom domains, SSH keys, template
//! builds, integration connections.

use serde_json::{Map, Value, json};

use super::Render;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicPort {
    pub instance_id: String,
    pub port: i64,
    /// The minted 20-character host label (the only credential); `None` with a prefix.
    pub slug: Option<String>,
    pub prefix: Option<String>,
    pub label: Option<String>,
    pub created: i64,
}

impl PublicPort {
    /// `{slug}` or `{prefix}-{id}`.
    pub fn host_label(&self) -> String {
        match (&self.slug, &self.prefix) {
            (Some(s), _) => s.clone(),
            (None, Some(p)) => format!("{p}-{}", self.instance_id),
            (None, None) => self.instance_id.clone(),
        }
    }

    pub fn to_json(&self, r: &Render, domains: &[String]) -> Value {
        let label = self.host_label();
        let domain_urls: Vec<String> = domains.iter().map(|d| r.domain_url(&label, d)).collect();
        json!({
            "port": self.port,
            "url": r.plane_url(&label),
            "domain_urls": domain_urls,
            "prefix": self.prefix,
            "label": self.label,
            "created": self.created,
        })
    }
}

pub const NAMESERVERS: [&str; 2] = ["ns1.emulator.invalid", "ns2.emulator.invalid"];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub domain: String,
    pub workspace: String,
    pub active: bool,
    pub created: i64,
    pub polls: i64,
}

impl Domain {
    pub fn status(&self) -> &'static str {
        if self.active { "active" } else { "pending" }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "domain": self.domain,
            "status": self.status(),
            "dns": {"type": "NS", "name": self.domain, "nameservers": NAMESERVERS},
            "created": self.created,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshKey {
    pub id: String,
    pub workspace: String,
    pub name: Option<String>,
    pub key_type: String,
    pub fingerprint: String,
    pub created: i64,
}

impl SshKey {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "type": self.key_type,
            "fingerprint": self.fingerprint,
            "created": self.created,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildStatus {
    Created,
    Building,
    Ingesting,
    Succeeded,
    Failed,
}

impl BuildStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BuildStatus::Created => "created",
            BuildStatus::Building => "building",
            BuildStatus::Ingesting => "ingesting",
            BuildStatus::Succeeded => "succeeded",
            BuildStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<BuildStatus> {
        [
            BuildStatus::Created,
            BuildStatus::Building,
            BuildStatus::Ingesting,
            BuildStatus::Succeeded,
            BuildStatus::Failed,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
    }

    pub fn running(self) -> bool {
        matches!(self, BuildStatus::Building | BuildStatus::Ingesting)
    }
}

/// A cloud build (3.3). The uploaded context is summarised at upload time: its length, its
/// SHA-256 (the image digest) and its Dockerfile's instructions (or why it has none).
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    pub id: String,
    pub workspace: String,
    pub name: String,
    pub status: BuildStatus,
    pub size_bytes: i64,
    /// `Some(None)`: sent as null; `None`: not sent.
    pub default_port: Option<Option<i64>>,
    pub description: Option<Option<String>>,
    pub upload_len: Option<i64>,
    pub upload_digest: Option<String>,
    /// The Dockerfile's instructions, or the context error.
    pub context: Option<Result<Vec<String>, String>>,
    pub created: i64,
    pub started: Option<i64>,
    pub finished: Option<i64>,
    pub expires_at: i64,
    /// Seconds in `building` (None: until the control route or the 2700 s timeout).
    pub build_seconds: Option<i64>,
    pub ingest_seconds: i64,
    pub error: Option<(String, String)>,
    /// `(revision, digest)` of the published template.
    pub published: Option<(i64, String)>,
    /// An injected `image_ingest_failed` waits for the ingest step.
    pub fail_ingest: bool,
    /// Lines appended when the build ended (the failing step, the control route's log).
    pub tail_log: String,
}

impl Build {
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("status".into(), self.status.as_str().into());
        if let (BuildStatus::Failed, Some((code, message))) = (self.status, &self.error) {
            m.insert("error".into(), json!({"code": code, "message": message}));
        }
        if let (BuildStatus::Succeeded, Some((revision, digest))) = (self.status, &self.published) {
            m.insert(
                "template".into(),
                json!({"name": self.name, "revision": revision, "image_digest": digest}),
            );
        }
        m.insert("created".into(), self.created.into());
        if let Some(s) = self.started {
            m.insert("started".into(), s.into());
        }
        if let Some(f) = self.finished {
            m.insert("finished".into(), f.into());
        }
        Value::Object(m)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    pub id: String,
    pub instance_id: String,
    pub toolkit: String,
    pub status: String,
    pub auth_scheme: String,
    pub callback_url: Option<String>,
    /// Milliseconds, as Composio's objects carry them.
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl Connection {
    pub fn to_json(&self, toolkit_name: &str) -> Value {
        json!({
            "id": self.id,
            "toolkitSlug": self.toolkit,
            "toolkitName": toolkit_name,
            "status": self.status,
            "authConfigId": format!("ac_managed_{}", self.toolkit),
            "authScheme": self.auth_scheme,
            "isDisabled": false,
            "createdAt": self.created_ms,
            "updatedAt": self.updated_ms,
        })
    }
}
