//! Custom domains of the workspace (revision 2026-08-21, contract 7.2) and their calls.

use std::fmt;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

/// A custom domain: registered `pending`, `active` once its NS records point at the platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    /// Lowercased by the API.
    pub domain: String,
    pub status: DomainStatus,
    /// The delegation to set up at the registrar (always present per the contract; a missing
    /// one reads as empty rather than breaking a read).
    #[serde(default)]
    pub dns: DomainDns,
    pub created: i64,
}

/// The NS delegation a domain needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainDns {
    /// `NS`.
    #[serde(default, rename = "type")]
    pub record_type: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub nameservers: Vec<String>,
}

/// A domain's status; statuses this client does not know are kept as text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DomainStatus {
    Pending,
    Active,
    Other(String),
}

impl DomainStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for DomainStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for DomainStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for DomainStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "pending" => Self::Pending,
            "active" => Self::Active,
            _ => Self::Other(s),
        })
    }
}

/// Body of `POST /domains`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateDomain {
    pub domain: String,
}

/// Answer of `POST /domains/{domain}/verify`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomainVerification {
    pub domain: String,
    pub status: DomainStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_contract_example_and_unknown_statuses() {
        let d: Domain = serde_json::from_value(json!({
            "domain": "bots-example.net", "status": "pending", "dns": {"type": "NS",
            "name": "bots-example.net", "nameservers": ["kim.ns.example-dns.net", "lou.ns.example-dns.net"]},
            "created": 1786000500
        }))
        .expect("decodes");
        assert_eq!(d.status, DomainStatus::Pending);
        assert_eq!(d.dns.nameservers.len(), 2);
        assert_eq!(d.dns.record_type, "NS");
        let v: DomainVerification =
            serde_json::from_value(json!({"domain": "x.net", "status": "revoked"}))
                .expect("decodes");
        assert_eq!(v.status, DomainStatus::Other("revoked".into()));
        assert_eq!(v.status.to_string(), "revoked");
        let no_dns: Domain =
            serde_json::from_value(json!({"domain": "x.net", "status": "active", "created": 1}))
                .expect("decodes");
        assert_eq!(no_dns.dns, DomainDns::default());
    }
}
