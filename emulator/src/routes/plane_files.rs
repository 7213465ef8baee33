//! Files on an instance's agent plane (2026-08-21, **[decided]**: see `model::files` and the
//! README): `PUT {"content_base64"}`, `GET` (a stat, no content) and `DELETE` of
//! `{plane}/v1/files/{path}`, after every plane check passed. Flat answers, like the edge.

use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::json as respond;
use crate::app::App;
use crate::model;

fn flat(status: u16, code: &str, message: Option<String>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = match message {
        Some(m) => json!({"error": code, "message": m}),
        None => json!({"error": code}),
    };
    respond(status, &body)
}

/// The answer of a files call on instance `instance` for `rest` (`/v1/files/…`); `body` is
/// the request's bytes (read only for a `PUT`).
pub fn serve(app: &Arc<App>, instance: &str, method: &Method, rest: &str, body: &[u8]) -> Response {
    let path = rest.strip_prefix(model::FILES_PREFIX).unwrap_or_default();
    if !model::file_path_ok(path) {
        return flat(
            400,
            "invalid_path",
            Some(format!(
                "a file path is relative, at most {} bytes, of `/`-separated segments of letters, digits and ._@+- (no `.` or `..`)",
                model::FILE_PATH_MAX
            )),
        );
    }
    let done = match *method {
        Method::PUT => {
            let content = match serde_json::from_slice::<Value>(body)
                .map_err(|e| (400, "invalid_request", format!("the body is not JSON: {e}")))
                .and_then(|v| model::file_content(&v))
            {
                Ok(c) => c,
                Err((s, code, m)) => return flat(s, code, Some(m)),
            };
            app.tx(|tx, now| {
                tx.save_file(instance, path, &content, now)?;
                Ok(Some(model::file_stat(path, &content, now)))
            })
        }
        Method::GET => app.tx(|tx, _| {
            Ok(tx
                .file(instance, path)?
                .map(|(content, modified)| model::file_stat(path, &content, modified)))
        }),
        Method::DELETE => app.tx(|tx, _| {
            Ok(tx
                .delete_file(instance, path)?
                .then(|| json!({"path": path, "deleted": true})))
        }),
        _ => return flat(405, "method_not_allowed", None),
    };
    match done {
        Ok(Some(v)) => respond(StatusCode::OK, &v),
        Ok(None) => flat(404, "file_not_found", None),
        Err(_) => flat(500, "internal_error", None),
    }
}
