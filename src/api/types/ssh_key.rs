//! SSH keys of the workspace (revision 2026-08-21, contract 7.3) and the body of their create.
//! The API never echoes the key text: a key is its id, name, type and fingerprint.

use serde::{Deserialize, Serialize};

/// A registered SSH public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshKey {
    pub id: String,
    /// The given name, else the key's comment, else null.
    #[serde(default)]
    pub name: Option<String>,
    /// `SHA256:` + unpadded base64 of the SHA-256 of the key blob.
    pub fingerprint: String,
    /// `ssh-ed25519`, `ssh-rsa`, `ecdsa-sha2-nistp256`…
    #[serde(rename = "type")]
    pub key_type: String,
    pub created: i64,
}

/// Body of `POST /ssh-keys`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateSshKey {
    /// One OpenSSH public key line.
    pub public_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl CreateSshKey {
    /// Whether `k` is what this body made, given the fingerprint of its key (after an ambiguous
    /// create answered `ssh_key_exists` on the retry). Without a name, the server picked one.
    pub fn matches(&self, fingerprint: &str, k: &SshKey) -> bool {
        k.fingerprint == fingerprint
            && self
                .name
                .as_deref()
                .is_none_or(|n| k.name.as_deref() == Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_contract_example_and_tolerates_a_missing_name() {
        let k: SshKey = serde_json::from_value(json!({
            "id": "703eda28a72967dcfa7ba935", "name": "ci-runner", "type": "ssh-ed25519",
            "fingerprint": "SHA256:xDkc29TbqNPK9tmxJIiBzFVPB2/JUSZVNKbWlkjNw68",
            "created": 1786000900, "extra": true
        }))
        .expect("decodes");
        assert_eq!(k.key_type, "ssh-ed25519");
        assert_eq!(k.name.as_deref(), Some("ci-runner"));
        let bare: SshKey = serde_json::from_value(json!({
            "id": "a", "type": "ssh-rsa", "fingerprint": "SHA256:x", "created": 1
        }))
        .expect("decodes");
        assert_eq!(bare.name, None);
        assert!(
            serde_json::from_value::<SshKey>(json!({"id": "a", "type": "ssh-rsa"})).is_err(),
            "a key without its fingerprint is not a key"
        );
    }

    #[test]
    fn create_body_and_match() {
        let body = CreateSshKey {
            public_key: "ssh-ed25519 AAAA ci".into(),
            name: None,
        };
        assert_eq!(
            serde_json::to_value(&body).ok(),
            Some(json!({"public_key": "ssh-ed25519 AAAA ci"}))
        );
        let k = SshKey {
            id: "a".into(),
            name: Some("ci".into()),
            fingerprint: "SHA256:x".into(),
            key_type: "ssh-ed25519".into(),
            created: 1,
        };
        assert!(body.matches("SHA256:x", &k));
        assert!(!body.matches("SHA256:y", &k));
        let named = CreateSshKey {
            name: Some("other".into()),
            ..body
        };
        assert!(!named.matches("SHA256:x", &k));
    }
}
