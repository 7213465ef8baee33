//! The objects revision 2026-08-21 adds: public ports, custom domains, SSH keys, integration
//! connections (template builds are in `build`).

use serde_json::{Value, json};

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
