//! Public ports (2026-08-21, 7.1): a port of an instance reachable without a key, on a
//! minted slug host or on `{prefix}-{id}`.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::{Value, json};

use super::instances::{active_domains, new_slug, render_ctx};
use super::{Caller, InstanceId, RawBody, json as respond, list_answer, ok, path_param};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::model;
use crate::objects::PublicPort;

/// `{port}` of `/v1/instances/{id}/public-ports/{port}`: anything but a port number finds nothing.
pub struct PortParam(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for PortParam {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        path_param(parts, state, "port")
            .await
            .and_then(|p| p.parse::<i64>().ok())
            .map(PortParam)
            .ok_or_else(|| ApiError::not_found("public port"))
    }
}

/// Adds one entry to an instance (also used by instance create): the 21st is a 400, a port or a
/// prefix the instance already exposes a 409.
pub fn add(
    tx: &crate::store::Tx<'_>,
    instance: &str,
    req: &model::PublicPortRequest,
    now: i64,
) -> ApiResult<PublicPort> {
    let existing = tx.public_ports(instance)?;
    if existing.len() >= model::MAX_PUBLIC_PORTS {
        return Err(ApiError::invalid(format!(
            "an instance has at most {} public ports",
            model::MAX_PUBLIC_PORTS
        )));
    }
    if existing.iter().any(|p| p.port == req.port) {
        return Err(ApiError::PublicPortExists(format!(
            "port {} of this instance is already public",
            req.port
        )));
    }
    if req.prefix.is_some() && existing.iter().any(|p| p.prefix == req.prefix) {
        return Err(ApiError::PublicPortExists(format!(
            "prefix {:?} is already used on this instance",
            req.prefix.as_deref().unwrap_or_default()
        )));
    }
    let slug = match req.prefix {
        None => Some(new_slug(tx)?),
        Some(_) => None,
    };
    let p = PublicPort {
        instance_id: instance.to_string(),
        port: req.port,
        slug,
        prefix: req.prefix.clone(),
        label: req.label.clone(),
        created: now,
    };
    tx.insert_public_port(&p)?;
    Ok(p)
}

pub async fn create(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let render = render_ctx(&app, app.revision());
    let out = app.tx(|tx, now| {
        let inst = tx.live_instance(&key, &id)?;
        let b = body.object()?;
        let req =
            model::parse_public_port(&Value::Object(b), "").map_err(ApiError::InvalidRequest)?;
        let p = add(tx, &inst.id, &req, now)?;
        let domains = active_domains(tx, &key, render.rev)?;
        Ok(p.to_json(&render, &domains))
    })?;
    Ok(respond(StatusCode::CREATED, &out))
}

pub async fn list(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let render = render_ctx(&app, app.revision());
    list_answer(&app, |tx, _| {
        let inst = tx.live_instance(&key, &id)?;
        let domains = active_domains(tx, &key, render.rev)?;
        Ok(tx
            .public_ports(&inst.id)?
            .iter()
            .map(|p| p.to_json(&render, &domains))
            .collect::<Vec<_>>())
    })
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    PortParam(port): PortParam,
) -> ApiResult<Response> {
    app.tx(|tx, _| {
        let inst = tx.live_instance(&key, &id)?;
        if tx.delete_public_port(&inst.id, port)? {
            Ok(())
        } else {
            Err(ApiError::not_found(format_args!("public port {port}")))
        }
    })?;
    Ok(ok(&json!({"port": port, "deleted": true})))
}
