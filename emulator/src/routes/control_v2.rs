//! Control routes and settings that revision 2026-08-21 adds (8.1, 8.5): the run-time config
//! keys, drift of the new instance fields, workspace top-ups and settles.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{RawBody, WorkspaceKey, ok};
use crate::app::{App, RuntimeConfig};
use crate::billing;
use crate::error::{ApiError, ApiResult};
use crate::model::{self, StatusReason};
use crate::objects::Instance;

fn int_in(b: &Map<String, Value>, key: &str, min: i64) -> ApiResult<Option<i64>> {
    match b.get(key) {
        None => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if n >= min => Ok(Some(n)),
            _ => Err(ApiError::invalid(format!(
                "{key} must be an integer ≥ {min}"
            ))),
        },
    }
}

/// The config keys of 8.1 applied to `c`, all validated first.
pub fn config_update(mut c: RuntimeConfig, b: &Map<String, Value>) -> ApiResult<RuntimeConfig> {
    match b.get("plane_bearer") {
        None => {}
        Some(Value::String(s)) if s == "accept" => c.plane_bearer_reject = false,
        Some(Value::String(s)) if s == "reject" => c.plane_bearer_reject = true,
        Some(_) => return Err(ApiError::invalid("plane_bearer must be accept or reject")),
    }
    match b.get("plane_host") {
        None => {}
        Some(Value::String(h)) if model::is_plane_host(h) => c.plane_host = h.to_ascii_lowercase(),
        Some(_) => return Err(ApiError::invalid("plane_host must be a host name")),
    }
    if let Some(n) = int_in(b, "domain_verify_polls", 0)? {
        c.domain_verify_polls = n;
    }
    match b.get("build_seconds") {
        None => {}
        Some(Value::Null) => c.build_seconds = None,
        Some(_) => c.build_seconds = int_in(b, "build_seconds", 0)?,
    }
    if let Some(n) = int_in(b, "ingest_seconds", 0)? {
        c.ingest_seconds = n;
    }
    if let Some(n) = int_in(b, "ingest_delay_ms", 0)? {
        c.ingest_delay_ms = n as u64;
    }
    if let Some(n) = int_in(b, "wake_seconds", 0)? {
        c.wake_seconds = n;
    }
    match b.get("integrations_available") {
        None => {}
        Some(Value::Bool(v)) => c.integrations_available = *v,
        Some(_) => {
            return Err(ApiError::invalid(
                "integrations_available must be a boolean",
            ));
        }
    }
    Ok(c)
}

/// Drift of the 2026-08-21 fields through `PATCH /_emulator/instances/{id}`.
pub fn patch_instance_v2(inst: &mut Instance, b: &Map<String, Value>) -> ApiResult<()> {
    let opt_i64 = |key: &str| -> ApiResult<Option<Option<i64>>> {
        match b.get(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(None)),
            Some(v) => v
                .as_i64()
                .map(|n| Some(Some(n)))
                .ok_or_else(|| ApiError::invalid(format!("{key} must be an integer or null"))),
        }
    };
    match b.get("status_reason") {
        None => {}
        Some(Value::Null) => inst.status_reason = None,
        Some(v) => {
            inst.status_reason = Some(StatusReason::from_json(v).map_err(ApiError::InvalidRequest)?)
        }
    }
    if let Some(v) = opt_i64("slept_at")? {
        inst.slept_at = v;
    }
    if let Some(v) = opt_i64("template_revision")? {
        inst.template_revision = v;
    }
    match b.get("image_digest") {
        None => {}
        Some(Value::Null) => inst.image_digest = None,
        Some(Value::String(s)) => inst.image_digest = Some(s.clone()),
        Some(_) => return Err(ApiError::invalid("image_digest must be a string or null")),
    }
    match b.get("auto_sleep") {
        None => {}
        Some(Value::Bool(v)) => inst.auto_sleep = *v,
        Some(_) => return Err(ApiError::invalid("auto_sleep must be a boolean")),
    }
    Ok(())
}

/// `POST /_emulator/workspaces/{key}/top-up {"amount_micros" > 0}`: the wallet and the total
/// top-ups grow; a suspension is lifted and the meters re-anchored.
pub async fn top_up(
    State(app): State<Arc<App>>,
    WorkspaceKey(key): WorkspaceKey,
    body: RawBody,
) -> ApiResult<Response> {
    let rev = app.revision();
    let w = app.tx(|tx, now| {
        let mut w = tx
            .workspace(&key)?
            .ok_or_else(|| ApiError::not_found("workspace"))?;
        let b = body.object()?;
        let amount =
            match model::opt_int(&b, "amount_micros", "").map_err(ApiError::InvalidRequest)? {
                Some(a) if a > 0 => a,
                _ => return Err(ApiError::invalid("amount_micros must be an integer > 0")),
            };
        if rev.is_v2() {
            tx.settle_meters(Some(&key))?;
            w = tx.workspace(&key)?.unwrap_or(w);
        }
        w.wallet_micros = w.wallet_micros.saturating_add(amount);
        w.topups_total = w.topups_total.saturating_add(amount);
        if rev.is_v2() && w.wallet_micros >= 0 {
            billing::lift_suspension(tx, &mut w, now)?;
        }
        tx.save_workspace(&w)?;
        Ok(w)
    })?;
    let n = app.store.with(|tx| tx.count_live(&w.api_key))?;
    Ok(ok(&w.to_json(n, rev)))
}

/// `POST /_emulator/workspaces/{key}/settle`: settle now →
/// `{"wallet_micros", "debits": {id: micros}, "suspended"}`.
pub async fn settle(
    State(app): State<Arc<App>>,
    WorkspaceKey(key): WorkspaceKey,
) -> ApiResult<Response> {
    let rev = app.revision();
    let out = app.tx(|tx, now| {
        tx.workspace(&key)?
            .ok_or_else(|| ApiError::not_found("workspace"))?;
        let debits = if rev.is_v2() {
            tx.settle_meters(Some(&key))?
        } else {
            Vec::new()
        };
        if tx.went_negative {
            billing::suspend_negative(tx, now)?;
        }
        let w = tx
            .workspace(&key)?
            .ok_or_else(|| ApiError::not_found("workspace"))?;
        let debits: Map<String, Value> = debits.into_iter().map(|(id, d)| (id, d.into())).collect();
        Ok(json!({"wallet_micros": w.wallet_micros, "debits": debits, "suspended": w.suspended}))
    })?;
    Ok(ok(&out))
}
