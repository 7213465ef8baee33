//! The presigned upload URL of a template build (3.3, 8.5): `PUT /_uploads/{id}?sig=…`,
//! no key. The signature is the only credential; the context is read for real (gzip, tar,
//! root `Dockerfile`) and summarised, the bytes themselves are not kept.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::{json as respond, path_param};
use crate::app::App;
use crate::model;
use crate::objects::{BuildStatus, sha256_digest};

/// Instructions beyond this many make the context unbuildable (a bound on what is stored).
const MAX_INSTRUCTIONS: usize = 10_000;

fn signature(secret: &str, id: &str, expires_at: i64) -> String {
    let mut h = Sha256::new();
    h.update(format!("{secret}|upload|{id}|{expires_at}"));
    hex::encode(&h.finalize()[..20])
}

/// `http://HOST:PORT/_uploads/{id}?sig=…`: a bearer credential until `expires_at`.
pub fn upload_url(app: &App, id: &str, expires_at: i64) -> String {
    format!(
        "{}/_uploads/{id}?sig={}",
        app.base_url,
        signature(&app.secret(), id, expires_at)
    )
}

/// `{id}` of `/_uploads/{id}`, if readable: an unreadable one fails the signature check.
pub struct UploadId(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for UploadId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(UploadId(path_param(parts, state, "id").await))
    }
}

fn flat(status: StatusCode, code: &str) -> Response {
    respond(status, &json!({ "error": code }))
}

/// What an upload is, as a build stores it: the Dockerfile's instructions or the reason the
/// context cannot be built.
pub fn analyse(bytes: &[u8]) -> Result<Vec<String>, String> {
    let steps = model::dockerfile_instructions(bytes).map_err(|e| e.to_string())?;
    if steps.is_empty() {
        return Err("the Dockerfile has no instructions".into());
    }
    if steps.len() > MAX_INSTRUCTIONS {
        return Err(format!(
            "the Dockerfile has more than {MAX_INSTRUCTIONS} instructions"
        ));
    }
    Ok(steps)
}

/// The checks in order: signature (403 `invalid_signature`, also for an unknown build),
/// expiry (403 `expired`), `Expect: 100-continue` (417), a started build (409
/// `build_started`), the length (400 `size_mismatch`). A new PUT before `start` replaces the
/// context.
pub async fn put(
    State(app): State<Arc<App>>,
    UploadId(id): UploadId,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let sig = model::query_param(uri.query(), "sig").unwrap_or_default();
    let Some(id) = id else {
        return flat(StatusCode::FORBIDDEN, "invalid_signature");
    };
    let build = match app.tx(|tx, _| tx.build(&id)) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let Some(build) = build.filter(|b| signature(&app.secret(), &b.id, b.expires_at) == sig) else {
        return flat(StatusCode::FORBIDDEN, "invalid_signature");
    };
    if app.now() > build.expires_at {
        return flat(StatusCode::FORBIDDEN, "expired");
    }
    let expects = headers
        .get(header::EXPECT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("100-continue"));
    if expects {
        return flat(StatusCode::EXPECTATION_FAILED, "expectation_failed");
    }
    if build.status != BuildStatus::Created {
        return flat(StatusCode::CONFLICT, "build_started");
    }
    let want = usize::try_from(build.size_bytes).unwrap_or(0);
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n != want) {
        return flat(StatusCode::BAD_REQUEST, "size_mismatch");
    }
    let bytes = match axum::body::to_bytes(body, want + 1).await {
        Ok(b) if b.len() == want => b,
        _ => return flat(StatusCode::BAD_REQUEST, "size_mismatch"),
    };
    let digest = sha256_digest(&bytes);
    let context = analyse(&bytes);
    let saved = app.tx(|tx, _| {
        // Re-read: a start may have come in while the body was read.
        let mut b = match tx.build(&id)? {
            Some(b) if b.status == BuildStatus::Created => b,
            _ => return Ok(false),
        };
        b.upload_len = Some(bytes.len() as i64);
        b.upload_digest = Some(digest.clone());
        b.context = Some(context);
        tx.save_build(&b, None)?;
        Ok(true)
    });
    match saved {
        Ok(true) => {
            let etag = format!("\"{}\"", digest.trim_start_matches("sha256:"));
            let mut r = respond(StatusCode::OK, &json!({"size_bytes": bytes.len()}));
            if let Ok(v) = header::HeaderValue::from_str(&etag) {
                r.headers_mut().insert(header::ETAG, v);
            }
            r
        }
        Ok(false) => flat(StatusCode::CONFLICT, "build_started"),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contexts_are_read() {
        let ok = model::make_context(&[("Dockerfile", b"FROM x\nRUN true\n")]);
        assert_eq!(analyse(&ok), Ok(vec!["FROM x".into(), "RUN true".into()]));
        let empty = model::make_context(&[("Dockerfile", b"# nothing\n")]);
        assert!(analyse(&empty).is_err());
        assert!(analyse(b"not gzip").is_err());
    }

    #[test]
    fn signatures_bind_the_build_and_its_expiry() {
        let s = signature("k", "tb_1", 10);
        assert_eq!(s.len(), 40);
        assert_ne!(s, signature("k", "tb_2", 10));
        assert_ne!(s, signature("k", "tb_1", 11));
        assert_ne!(s, signature("j", "tb_1", 10));
    }
}
