//! Per-instance budgets (cap, idempotent top-ups) and monthly usage.

use std::sync::Arc;

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Caller, InstanceId, RawBody, ok};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::model;
use crate::store::{Tx, UsageRow};

pub async fn get_budget(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let names = app.budget_names();
    let body = app.tx(|tx, now| {
        let inst = tx.live_instance(&key, &id)?;
        Ok(inst.budget_json(&model::month_of(now), names))
    })?;
    Ok(ok(&body))
}

pub async fn patch_budget(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let names = app.budget_names();
    let out = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        let b = body.object()?;
        let cap = match model::opt_int(&b, "monthly_cap_micros", "")
            .map_err(ApiError::InvalidRequest)?
        {
            None => return Err(ApiError::invalid("monthly_cap_micros is required")),
            Some(c) if c < 0 => return Err(ApiError::invalid("monthly_cap_micros must be ≥ 0")),
            Some(c) => c,
        };
        let period = model::month_of(now);
        inst.budget = inst.budget.rolled(&period);
        // Idempotent: the same cap again is not a write and leaves updated_at alone.
        if inst.budget.monthly_cap != cap {
            inst.budget.monthly_cap = cap;
            inst.budget.updated_at = now;
            tx.save_instance(&inst)?;
        }
        Ok(inst.budget.to_json(names))
    })?;
    Ok(ok(&out))
}

pub async fn top_up(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let names = app.budget_names();
    let out = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        let b = body.object()?;
        let amount =
            match model::opt_int(&b, "amount_micros", "").map_err(ApiError::InvalidRequest)? {
                None => return Err(ApiError::invalid("amount_micros is required")),
                Some(a) if a <= 0 => return Err(ApiError::invalid("amount_micros must be > 0")),
                Some(a) => a,
            };
        let idem = match b.get("idempotency_key") {
            None | Some(Value::Null) => None,
            Some(Value::String(k)) if model::is_valid_idempotency_key(k) => Some(k.clone()),
            Some(_) => {
                return Err(ApiError::invalid(
                    "idempotency_key must match ^[A-Za-z0-9_-]{1,64}$",
                ));
            }
        };
        let period = model::month_of(now);
        inst.budget = inst.budget.rolled(&period);
        if let Some(k) = &idem {
            if tx.topup_key_seen(&inst.id, k)? {
                // A replay: the current budget, nothing added, whatever the amount.
                return Ok(inst.budget.to_json(names));
            }
            tx.remember_topup_key(&inst.id, k)?;
        }
        inst.budget.topup_remaining = inst.budget.topup_remaining.saturating_add(amount);
        inst.budget.updated_at = now;
        tx.save_instance(&inst)?;
        Ok(inst.budget.to_json(names))
    })?;
    Ok(ok(&out))
}

/// The usage object of `instance` in `period`.
pub fn usage_json(tx: &Tx<'_>, instance: &str, period: &str) -> ApiResult<Value> {
    let llm: UsageRow = tx.usage(instance, period, "llm")?;
    let brave = tx.usage(instance, period, "brave")?;
    let composio = tx.usage(instance, period, "composio")?;
    Ok(json!({
        "period": period,
        "total_micros": llm.cost_micros + brave.cost_micros + composio.cost_micros,
        "by_integration": {
            "llm": {
                "cost_micros": llm.cost_micros,
                "calls": llm.calls,
                "input_tokens": llm.input_tokens,
                "output_tokens": llm.output_tokens,
            },
            "brave": {"cost_micros": brave.cost_micros, "calls": brave.calls},
            "composio": {"cost_micros": composio.cost_micros, "calls": composio.calls},
        }
    }))
}

pub async fn usage(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    uri: Uri,
) -> ApiResult<Response> {
    let out = app.tx(|tx, now| {
        let inst = tx.live_instance(&key, &id)?;
        let period = match model::query_param(uri.query(), "month") {
            None => model::month_of(now),
            Some(m) if model::is_valid_month(&m) => m,
            Some(m) => return Err(ApiError::invalid(format!("month {m:?} must be YYYY-MM"))),
        };
        usage_json(tx, &inst.id, &period)
    })?;
    Ok(ok(&out))
}
