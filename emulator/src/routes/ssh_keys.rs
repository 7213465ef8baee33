//! SSH keys (2026-08-21, 7.3): OpenSSH public keys of the workspace, fingerprinted for real;
//! the key text is never echoed. No GET by id (an unserved path).

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Caller, RawBody, json as respond, list_answer, ok, path_param};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::model;
use crate::objects::SshKey;

/// A workspace holds at most this many keys.
pub const MAX_SSH_KEYS: usize = 20;
/// `name` is at most this many characters.
pub const NAME_MAX_CHARS: usize = 64;

/// `{id}` of `/v1/ssh-keys/{id}`.
pub struct KeyId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for KeyId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        path_param(parts, state, "id")
            .await
            .map(KeyId)
            .ok_or_else(|| ApiError::not_found("SSH key"))
    }
}

/// A new key id: 24 lowercase hex digits.
fn new_key_id() -> String {
    hex::encode(rand::random::<[u8; 12]>())
}

/// `name`: omitted or null → the key's comment; empty or over 64 characters → 400.
fn key_name(v: Option<&Value>, comment: Option<String>) -> ApiResult<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(comment.map(|c| c.chars().take(NAME_MAX_CHARS).collect())),
        Some(Value::String(s)) if !s.is_empty() && s.chars().count() <= NAME_MAX_CHARS => {
            Ok(Some(s.clone()))
        }
        Some(Value::String(_)) => Err(ApiError::invalid(format!(
            "name must be 1 to {NAME_MAX_CHARS} characters"
        ))),
        Some(_) => Err(ApiError::invalid("name must be a string or null")),
    }
}

pub async fn create(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    body: RawBody,
) -> ApiResult<Response> {
    let out = app.tx(|tx, now| {
        let b = body.object()?;
        let line = model::required_string(&b, "public_key").map_err(ApiError::InvalidRequest)?;
        let parsed = model::parse_public_key(&line).map_err(ApiError::InvalidRequest)?;
        let name = key_name(b.get("name"), parsed.comment)?;
        let existing = tx.ssh_keys(&key)?;
        if existing.len() >= MAX_SSH_KEYS {
            return Err(ApiError::invalid(format!(
                "a workspace has at most {MAX_SSH_KEYS} SSH keys"
            )));
        }
        if let Some(k) = existing
            .iter()
            .find(|k| k.fingerprint == parsed.fingerprint)
        {
            return Err(ApiError::SshKeyExists(format!(
                "this key is already registered as {} ({})",
                k.id, k.fingerprint
            )));
        }
        let k = SshKey {
            id: new_key_id(),
            workspace: key.clone(),
            name,
            key_type: parsed.key_type,
            fingerprint: parsed.fingerprint,
            created: now,
        };
        tx.insert_ssh_key(&k)?;
        Ok(k.to_json())
    })?;
    Ok(respond(StatusCode::CREATED, &out))
}

pub async fn list(State(app): State<Arc<App>>, Caller(key): Caller) -> ApiResult<Response> {
    list_answer(&app, |tx, _| {
        Ok(tx
            .ssh_keys(&key)?
            .iter()
            .map(SshKey::to_json)
            .collect::<Vec<_>>())
    })
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    KeyId(id): KeyId,
) -> ApiResult<Response> {
    app.tx(|tx, _| {
        if tx.delete_ssh_key(&key, &id)? {
            Ok(())
        } else {
            Err(ApiError::not_found(format_args!("SSH key {id:?}")))
        }
    })?;
    Ok(ok(&json!({"id": id, "deleted": true})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_default_to_the_comment() {
        assert_eq!(
            key_name(None, Some("ci".into())).unwrap(),
            Some("ci".into())
        );
        assert_eq!(key_name(Some(&Value::Null), None).unwrap(), None);
        assert_eq!(
            key_name(Some(&json!("mine")), Some("ci".into())).unwrap(),
            Some("mine".into())
        );
        assert!(key_name(Some(&json!("")), None).is_err());
        assert!(key_name(Some(&json!("n".repeat(65))), None).is_err());
        assert!(key_name(Some(&json!(5)), None).is_err());
        assert_eq!(new_key_id().len(), 24);
    }
}
