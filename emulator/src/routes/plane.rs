//! The instance plane: the URLs handed out in `ports[].url` are served by the emulator
//! itself. Like the real edge, it answers flat `{"error": "<code>"}` bodies, not the API envelope.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::json;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use super::{json as respond, path_param};
use crate::app::App;
use crate::model::Status;
use crate::objects::Instance;

/// A flat edge error: `{"error": code}` with its status.
type Flat = (StatusCode, &'static str);

fn flat((status, code): Flat) -> Response {
    respond(status, &json!({ "error": code }))
}

const NOT_FOUND: Flat = (StatusCode::NOT_FOUND, "not_found");

/// `{id}` and `{port}` of `/_instances/{id}/{port}/…`; rejected like the edge, with a flat 404.
pub struct PlaneTarget {
    id: String,
    port: String,
}

impl<S: Send + Sync> FromRequestParts<S> for PlaneTarget {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let id = path_param(parts, state, "id").await;
        let port = path_param(parts, state, "port").await;
        match (id, port) {
            (Some(id), Some(port)) => Ok(PlaneTarget { id, port }),
            _ => Err(flat(NOT_FOUND)),
        }
    }
}

/// The live instance behind `/_instances/{id}/{port}` when `port` is one of its ports.
fn lookup(app: &App, p: &PlaneTarget) -> Result<(Instance, i64), Flat> {
    let port: i64 = p.port.parse().map_err(|_| NOT_FOUND)?;
    let inst = app
        .tx(|tx, _| tx.instance(&p.id))
        .map_err(|_| (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"))?;
    match inst {
        Some(i) if i.status != Status::Deleted && i.ports.iter().any(|x| x.port == port) => {
            Ok((i, port))
        }
        _ => Err(NOT_FOUND),
    }
}

/// Not running → the edge cannot reach the container; within the boot delay → it is booting.
fn availability(app: &App, inst: &Instance) -> Result<(), Flat> {
    if inst.status != Status::Running {
        return Err((StatusCode::BAD_GATEWAY, "container_unreachable"));
    }
    if app.is_booting(&inst.id) {
        return Err((StatusCode::SERVICE_UNAVAILABLE, "container_unavailable"));
    }
    Ok(())
}

pub async fn health(State(app): State<Arc<App>>, p: PlaneTarget) -> Response {
    let (inst, _) = match lookup(&app, &p) {
        Ok(x) => x,
        Err(e) => return flat(e),
    };
    if let Err(e) = availability(&app, &inst) {
        return flat(e);
    }
    respond(
        StatusCode::OK,
        &json!({"ok": true, "agent": inst.agent, "healthy": true}),
    )
}

fn token_param(uri: &Uri) -> Option<&str> {
    uri.query()?
        .split('&')
        .find_map(|kv| kv.strip_prefix("a37_token="))
}

/// Any other path under an instance URL: needs the workspace key or a valid signed-URL token.
pub async fn page(
    State(app): State<Arc<App>>,
    p: PlaneTarget,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let (inst, port) = match lookup(&app, &p) {
        Ok(x) => x,
        Err(e) => return flat(e),
    };
    let bearer_ok = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .is_some_and(|(s, k)| s.eq_ignore_ascii_case("bearer") && k.trim() == inst.workspace);
    let token_ok = token_param(&uri)
        .is_some_and(|t| super::lifecycle::verify(&app.secret(), &inst.id, port, t, app.now()));
    if !bearer_ok && !token_ok {
        return flat((StatusCode::UNAUTHORIZED, "unauthorized"));
    }
    if let Err(e) = availability(&app, &inst) {
        return flat(e);
    }
    respond(
        StatusCode::OK,
        &json!({
            "instance": inst.id,
            "port": port,
            "agent": inst.agent,
            "path": uri.path(),
            "message": "agent37-emulator: this instance port is served by the emulator",
        }),
    )
}
