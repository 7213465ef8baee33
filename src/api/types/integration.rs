//! App integrations (revision 2026-08-21, contract 7.6): managed Composio connections of an
//! instance. These are Composio's shapes, not the API's: camelCase keys, times in epoch
//! **milliseconds**, `{"connections": [...]}` as the list, flat error bodies.

use std::fmt;

use serde::de::Deserializer;
use serde::{Deserialize, Serialize, Serializer};

use super::lenient;

/// One connected account of an instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// Composio's id, opaque.
    pub id: String,
    pub toolkit_slug: String,
    #[serde(default, deserialize_with = "lenient")]
    pub toolkit_name: Option<String>,
    pub status: ConnectionStatus,
    #[serde(default, deserialize_with = "lenient")]
    pub auth_scheme: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub is_disabled: bool,
    /// Epoch milliseconds (Composio's unit); a missing or odd value reads as null rather than
    /// losing the connection.
    #[serde(default, deserialize_with = "lenient")]
    pub created_at: Option<i64>,
    #[serde(default, deserialize_with = "lenient")]
    pub updated_at: Option<i64>,
}

/// A connection's status; Composio's statuses this client does not know are kept as text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConnectionStatus {
    /// A person finished the OAuth flow (or the toolkit needs no auth).
    Active,
    /// Waiting for a person at the redirect URL.
    Initiated,
    Failed,
    Expired,
    Other(String),
}

impl ConnectionStatus {
    pub fn as_str(&self) -> &str {
        match self {
            Self::Active => "ACTIVE",
            Self::Initiated => "INITIATED",
            Self::Failed => "FAILED",
            Self::Expired => "EXPIRED",
            Self::Other(s) => s,
        }
    }

    /// A status no wait can turn into `ACTIVE`: the connection must be made again.
    pub fn is_dead(&self) -> bool {
        matches!(self, Self::Failed | Self::Expired)
    }
}

impl From<&str> for ConnectionStatus {
    fn from(s: &str) -> Self {
        match s {
            "ACTIVE" => Self::Active,
            "INITIATED" => Self::Initiated,
            "FAILED" => Self::Failed,
            "EXPIRED" => Self::Expired,
            other => Self::Other(other.to_string()),
        }
    }
}

impl fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ConnectionStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ConnectionStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::from(s.as_str()))
    }
}

/// `GET …/integrations/connections`: `{"connections": [...]}` (kept raw: an item this client
/// cannot decode is left out, not the whole list).
#[derive(Deserialize)]
pub(crate) struct ConnectionList {
    pub connections: Vec<Box<serde_json::value::RawValue>>,
}

/// Body of `POST …/integrations/connect`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connect {
    pub toolkit: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
}

/// Answer of `POST …/integrations/connect`. `redirect_url` is where a person finishes the
/// OAuth flow: whoever holds it can attach their account, so `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connected {
    #[serde(default)]
    pub toolkit: Option<String>,
    pub connected_account_id: String,
    #[serde(default, deserialize_with = "lenient")]
    pub redirect_url: Option<String>,
}

impl fmt::Debug for Connected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connected")
            .field("toolkit", &self.toolkit)
            .field("connected_account_id", &self.connected_account_id)
            .field(
                "redirect_url",
                &self.redirect_url.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// The flat error codes of the integrations routes (contract 7.6): the only flat bodies on
/// `/v1`.
pub const CUSTOM_AUTH_REQUIRED: &str = "custom_auth_required";
pub const INTEGRATIONS_UNAVAILABLE: &str = "integrations_unavailable";

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_contract_example_with_millisecond_times() {
        let c: Connection = serde_json::from_value(json!({
            "id": "ca_9d4e1f7a", "toolkitSlug": "slack", "toolkitName": "Slack",
            "status": "ACTIVE", "authConfigId": "ac_managed_slack", "authScheme": "OAUTH2",
            "isDisabled": false, "createdAt": 1786001000000_i64, "updatedAt": 1786001042000_i64
        }))
        .expect("decodes");
        assert_eq!(c.status, ConnectionStatus::Active);
        assert_eq!(c.created_at, Some(1_786_001_000_000));
        assert_eq!(c.toolkit_name.as_deref(), Some("Slack"));
    }

    #[test]
    fn unknown_statuses_and_odd_times_do_not_lose_the_connection() {
        let c: Connection = serde_json::from_value(json!({
            "id": "ca_1", "toolkitSlug": "gmail", "status": "INITIALIZING", "createdAt": "soon"
        }))
        .expect("decodes");
        assert_eq!(c.status, ConnectionStatus::Other("INITIALIZING".into()));
        assert_eq!(c.created_at, None);
        assert!(!c.status.is_dead());
        assert!(ConnectionStatus::from("EXPIRED").is_dead());
        assert_eq!(ConnectionStatus::from("FAILED").to_string(), "FAILED");
    }

    #[test]
    fn connect_body_and_answer() {
        let body = Connect {
            toolkit: "gmail".into(),
            callback_url: None,
        };
        assert_eq!(
            serde_json::to_value(&body).ok(),
            Some(json!({"toolkit": "gmail"}))
        );
        let body = Connect {
            callback_url: Some("https://app.example/cb".into()),
            ..body
        };
        assert_eq!(
            serde_json::to_value(&body).ok(),
            Some(json!({"toolkit": "gmail", "callbackUrl": "https://app.example/cb"}))
        );
        let a: Connected = serde_json::from_value(json!({
            "toolkit": "gmail", "connectedAccountId": "ca_1",
            "redirectUrl": "https://connect.example/secret-flow"
        }))
        .expect("decodes");
        assert_eq!(a.connected_account_id, "ca_1");
        assert!(!format!("{a:?}").contains("secret-flow"));
    }
}
