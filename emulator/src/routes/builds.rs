//! Cloud template builds (2026-08-21, 3.3): create, start, poll and logs. A build advances on
//! the emulator clock (`build_seconds`, `ingest_seconds`); the poll that observes its end
//! publishes the template, or a sweep does 300 s later. The upload itself is `uploads.rs`.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::templates::{default_port_field, description_field};
use super::{Caller, Capacity, RawBody, json as respond, ok, path_param, uploads};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::model;
use crate::objects::{
    Build, BuildError, BuildStatus, MAX_CONTEXT_BYTES, Phase, TemplateRevision, UPLOAD_TTL_SECONDS,
    WorkspaceTemplate, log_chunk, ports_for_default,
};
use crate::store::Tx;

/// Log chunks are at most 64 KiB.
pub const LOG_CHUNK_BYTES: usize = 64 * 1024;

/// `tb_` + 20 lowercase hex digits.
pub fn is_build_id(id: &str) -> bool {
    id.strip_prefix("tb_").is_some_and(|h| {
        h.len() == 20
            && h.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    })
}

/// `{id}` of `/v1/template-builds/{id}` and `/_emulator/template-builds/{id}`.
pub struct BuildId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BuildId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        path_param(parts, state, "id")
            .await
            .filter(|id| is_build_id(id))
            .map(BuildId)
            .ok_or_else(|| ApiError::not_found("template build"))
    }
}

/// The workspace's build `id` (another workspace's answers like a missing one).
fn own(tx: &Tx<'_>, key: &str, id: &str) -> ApiResult<Build> {
    match tx.build(id)? {
        Some(b) if b.workspace == key => Ok(b),
        _ => Err(ApiError::not_found(format_args!("template build {id:?}"))),
    }
}

/// Registers what a successful build made: a new template at revision 1 or the next revision
/// of an existing one (even with the same digest), without `image_ref`.
fn publish(tx: &Tx<'_>, b: &mut Build, at: i64) -> ApiResult<()> {
    let digest = b
        .upload_digest
        .clone()
        .ok_or_else(|| ApiError::Internal("a started build without an upload".into()))?;
    let next = match tx.template(&b.workspace, &b.name)? {
        Some(current) => {
            let mut t = current.clone();
            t.revision = current.revision + 1;
            t.image_ref = None;
            t.image_digest = Some(digest.clone());
            if let Some(p) = b.default_port {
                t.default_port = p;
                t.ports = ports_for_default(p);
            }
            if let Some(d) = &b.description {
                t.description = d.clone();
            }
            t.updated = at;
            tx.replace_template(&b.workspace, &current.name, &t)?;
            t
        }
        None => {
            let port = b.default_port.flatten();
            let t = WorkspaceTemplate {
                name: b.name.clone(),
                image_ref: None,
                description: b.description.clone().flatten(),
                ports: ports_for_default(port),
                default_port: port,
                revision: 1,
                image_digest: Some(digest.clone()),
                created: at,
                updated: at,
            };
            tx.insert_template(&b.workspace, &t)?;
            t
        }
    };
    tx.add_template_revision(
        &b.workspace,
        &b.name,
        &TemplateRevision {
            revision: next.revision,
            image_digest: digest.clone(),
            image_ref: None,
            created: at,
        },
    )?;
    b.published = Some((next.revision, digest));
    Ok(())
}

/// Ends a build at `at`: a success publishes, a failure records its error and log tail.
pub fn finish(
    tx: &Tx<'_>,
    b: &mut Build,
    at: i64,
    outcome: Result<(), BuildError>,
    log: Option<&str>,
) -> ApiResult<()> {
    match outcome {
        Ok(()) => {
            b.status = BuildStatus::Succeeded;
            if let Some(l) = log.filter(|l| !l.is_empty()) {
                b.tail_log.push_str(l);
                if !l.ends_with('\n') {
                    b.tail_log.push('\n');
                }
            }
            publish(tx, b, at)?;
        }
        Err((code, message)) => {
            // A bad context already says why in the log's first lines.
            if code != "invalid_request" {
                let tail = b.failure_tail(at, &code, &message, log);
                b.tail_log.push_str(&tail);
            }
            b.status = BuildStatus::Failed;
            b.error = Some((code, message));
        }
    }
    b.finished = Some(at);
    tx.save_build(b, None)
}

/// Brings a started build up to `now`: the end, once it has come, is observed (and published).
pub fn advance(tx: &Tx<'_>, b: &mut Build, now: i64) -> ApiResult<()> {
    if b.status.running()
        && let Phase::Ended { at, outcome } = b.phase(now)
    {
        finish(tx, b, at, outcome, None)?;
    }
    Ok(())
}

/// Publishes or fails builds whose end no poll has observed (a sweep 300 s later).
pub fn sweep(tx: &mut Tx<'_>, now: i64) -> ApiResult<()> {
    for id in tx.builds_to_sweep(now)? {
        if let Some(mut b) = tx.build(&id)? {
            advance(tx, &mut b, now)?;
            if b.status.running() {
                tx.save_build(&b, b.sweep_at())?;
            }
        }
    }
    Ok(())
}

fn size_field(b: &Map<String, Value>) -> ApiResult<i64> {
    match b.get("size_bytes") {
        None | Some(Value::Null) => Err(ApiError::invalid("size_bytes is required")),
        Some(v) => v
            .as_i64()
            .filter(|n| (1..=MAX_CONTEXT_BYTES).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(format!(
                    "size_bytes must be the exact gzipped size, 1 to {MAX_CONTEXT_BYTES}"
                ))
            }),
    }
}

pub async fn create(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    body: RawBody,
) -> ApiResult<Response> {
    let config = app.config();
    let out = app.tx(|tx, now| {
        let b = body.object()?;
        let name = model::required_string(&b, "name").map_err(ApiError::InvalidRequest)?;
        model::validate_template_name(&name).map_err(ApiError::InvalidRequest)?;
        let size_bytes = size_field(&b)?;
        let default_port = default_port_field(&b)?;
        let description = description_field(&b)?;
        let build = Build {
            id: format!("tb_{}", hex::encode(rand::random::<[u8; 10]>())),
            workspace: key.clone(),
            name,
            status: BuildStatus::Created,
            size_bytes,
            default_port,
            description,
            upload_len: None,
            upload_digest: None,
            context: None,
            created: now,
            started: None,
            finished: None,
            expires_at: now + UPLOAD_TTL_SECONDS,
            build_seconds: config.build_seconds,
            ingest_seconds: config.ingest_seconds,
            error: None,
            published: None,
            fail_ingest: false,
            tail_log: String::new(),
        };
        tx.save_build(&build, None)?;
        Ok(build)
    })?;
    let url = uploads::upload_url(&app, &out.id, out.expires_at);
    Ok(respond(
        StatusCode::CREATED,
        &json!({
            "id": out.id,
            "name": out.name,
            "status": "created",
            "upload_url": url,
            "expires_at": out.expires_at,
            "max_bytes": MAX_CONTEXT_BYTES,
        }),
    ))
}

/// `start`: the body is ignored. No upload → 400; not `created`, or another build of the
/// workspace still running → 409 `build_conflict`.
pub async fn start(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    BuildId(id): BuildId,
) -> ApiResult<Response> {
    let config = app.config();
    let status = app.tx(|tx, now| {
        let mut b = own(tx, &key, &id)?;
        if b.status != BuildStatus::Created {
            return Err(ApiError::BuildConflict(format!(
                "build {id} was already started"
            )));
        }
        if b.upload_len.is_none() {
            return Err(ApiError::invalid(
                "upload the context to upload_url before starting the build",
            ));
        }
        for other in tx.running_builds(&key)? {
            let Some(mut o) = tx.build(&other)? else {
                continue;
            };
            advance(tx, &mut o, now)?;
            if o.status.running() {
                return Err(ApiError::BuildConflict(format!(
                    "build {} of this workspace is still running",
                    o.id
                )));
            }
        }
        b.status = BuildStatus::Building;
        b.started = Some(now);
        // The clock settings apply from the start.
        b.build_seconds = config.build_seconds;
        b.ingest_seconds = config.ingest_seconds;
        b.fail_ingest = cap.ingest_fails();
        tx.save_build(&b, b.sweep_at())?;
        Ok("building")
    })?;
    Ok(ok(&json!({"id": id, "status": status})))
}

pub async fn get_one(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    BuildId(id): BuildId,
) -> ApiResult<Response> {
    let body = app.tx(|tx, now| {
        let mut b = own(tx, &key, &id)?;
        advance(tx, &mut b, now)?;
        Ok(b.to_json(now))
    })?;
    Ok(ok(&body))
}

/// `?offset=N`: the log from byte N (default 0), at most 64 KiB, and the next offset.
pub async fn logs(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    BuildId(id): BuildId,
    uri: Uri,
) -> ApiResult<Response> {
    let body = app.tx(|tx, now| {
        let mut b = own(tx, &key, &id)?;
        let offset = match model::query_param(uri.query(), "offset") {
            None => 0,
            Some(o) => o.parse::<u64>().map_err(|_| {
                ApiError::invalid(format!("offset {o:?} must be a non-negative integer"))
            })?,
        };
        advance(tx, &mut b, now)?;
        let text = b.log_text(now);
        let at = usize::try_from(offset).unwrap_or(usize::MAX);
        let (data, next) = log_chunk(&text, at, LOG_CHUNK_BYTES);
        let mut out = b.to_json(now);
        if let Some(m) = out.as_object_mut() {
            m.insert("offset".into(), next.into());
            m.insert("data".into(), data.into());
        }
        Ok(out)
    })?;
    Ok(ok(&body))
}

/// The error codes a failed build may carry (3.3).
pub const FAILURE_CODES: [&str; 7] = [
    "build_failed",
    "build_timeout",
    "invalid_request",
    "invalid_image_archive",
    "image_too_large",
    "image_ingest_failed",
    "internal_error",
];

/// `POST /_emulator/template-builds/{id}/finish {"status", "code"?, "message"?, "log"?}`: ends
/// a `building`/`ingesting` build now; a success publishes without a poll.
pub async fn control_finish(
    State(app): State<Arc<App>>,
    BuildId(id): BuildId,
    body: RawBody,
) -> ApiResult<Response> {
    let out = app.tx(|tx, now| {
        let mut b = tx
            .build(&id)?
            .ok_or_else(|| ApiError::not_found("template build"))?;
        let req = body.object()?;
        let text = |k: &str| model::opt_string(&req, k).map_err(ApiError::InvalidRequest);
        let outcome = match text("status")?.as_deref() {
            Some("succeeded") => Ok(()),
            Some("failed") => {
                let code = text("code")?.unwrap_or_else(|| "build_failed".into());
                if !FAILURE_CODES.contains(&code.as_str()) {
                    return Err(ApiError::invalid(format!(
                        "code must be one of {}",
                        FAILURE_CODES.join(", ")
                    )));
                }
                let message = text("message")?
                    .unwrap_or_else(|| "a build step failed (emulator control route)".into());
                Err((code, message))
            }
            _ => return Err(ApiError::invalid("status must be succeeded or failed")),
        };
        let log = text("log")?;
        advance(tx, &mut b, now)?;
        if !matches!(b.phase(now), Phase::Building | Phase::Ingesting) {
            return Err(ApiError::invalid(format!(
                "build {id} is {}, not building or ingesting",
                b.to_json(now)["status"].as_str().unwrap_or("?")
            )));
        }
        finish(tx, &mut b, now, outcome, log.as_deref())?;
        Ok(b.to_json(now))
    })?;
    Ok(ok(&out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_ids() {
        assert!(is_build_id("tb_0a1b2c3d4e5f60718293"));
        assert!(!is_build_id("tb_0a1b2c3d4e5f6071829"));
        assert!(!is_build_id("tb_0A1b2c3d4e5f60718293"));
        assert!(!is_build_id("xx_0a1b2c3d4e5f60718293"));
    }
}
