//! The emulator's own control surface under `/_emulator/` (no key): workspaces, out-of-band
//! instance changes, managed spend, faults, traffic, clock, settings and reset.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

use super::budgets::usage_json;
use super::instances::{active_domains, render_ctx};
use super::{InstanceId, RawBody, TemplateName, WorkspaceKey, json as respond, ok};
use crate::app::{App, RuntimeConfig, random_alnum, topups_for_tier};
use crate::error::{ApiError, ApiResult};
use crate::faults;
use crate::model::{self, BudgetNames, Revision, Status, Tier};
use crate::objects::Workspace;
use crate::store::UsageRow;

pub fn routes() -> Router<Arc<App>> {
    use super::control_v2 as v2;
    Router::new()
        .route(
            "/_emulator/workspaces",
            get(list_workspaces).post(create_workspace),
        )
        .route(
            "/_emulator/workspaces/{key}",
            get(get_workspace).patch(patch_workspace),
        )
        .route(
            "/_emulator/instances/{id}",
            get(get_instance).patch(patch_instance),
        )
        .route("/_emulator/instances/{id}/spend", post(spend))
        .route("/_emulator/instances/{id}/sleep", post(v2::sleep))
        .route("/_emulator/instances/{id}/wake", post(v2::wake))
        .route("/_emulator/instances/{id}/listen", post(v2::listen))
        .route("/_emulator/instances/{id}/logs", post(v2::logs))
        .route(
            "/_emulator/domains/{domain}/activate",
            post(v2::activate_domain),
        )
        .route(
            "/_emulator/template-builds/{id}/finish",
            post(super::builds::control_finish),
        )
        .route("/_emulator/images", post(v2::declare_image))
        .route(
            "/_emulator/integrations/connections/{cid}",
            post(super::integrations::control_flip),
        )
        .route(
            "/_emulator/workspaces/{key}/top-up",
            post(super::control_v2::top_up),
        )
        .route(
            "/_emulator/workspaces/{key}/settle",
            post(super::control_v2::settle),
        )
        .route(
            "/_emulator/faults",
            get(get_faults).post(set_faults).delete(clear_faults),
        )
        .route("/_emulator/requests", get(requests))
        .route("/_emulator/requests/reset", post(reset_requests))
        .route("/_emulator/clock", get(get_clock).post(advance_clock))
        .route("/_emulator/config", get(get_config).post(set_config))
        .route("/_emulator/system-templates/{name}", post(set_system_image))
        .route("/_emulator/reset", post(reset))
}

fn opt_tier(b: &Map<String, Value>) -> ApiResult<Option<Tier>> {
    match b.get("tier") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Tier::parse(s)
            .map(Some)
            .ok_or_else(|| ApiError::invalid("tier must be free or paid")),
        Some(_) => Err(ApiError::invalid("tier must be free or paid")),
    }
}

fn opt_non_negative(b: &Map<String, Value>, key: &str) -> ApiResult<Option<i64>> {
    model::int_range(b, key, 0, model::MAX_MICROS).map_err(ApiError::InvalidRequest)
}

fn workspace_json(app: &App, w: &Workspace) -> ApiResult<Value> {
    let n = app.store.with(|tx| tx.count_live(&w.api_key))?;
    Ok(w.to_json(n, app.revision()))
}

/// `ip_allowlist`: at most 20 addresses or CIDR blocks; `[]` = any caller.
fn allowlist_field(b: &Map<String, Value>) -> ApiResult<Option<Vec<String>>> {
    match b.get("ip_allowlist") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(Vec::new())),
        Some(Value::Array(items)) if items.len() <= 20 => items
            .iter()
            .map(|v| {
                let s = v
                    .as_str()
                    .ok_or_else(|| ApiError::invalid("ip_allowlist holds strings"))?;
                model::Cidr::parse(s)
                    .map(|c| c.to_string())
                    .map_err(ApiError::InvalidRequest)
            })
            .collect::<ApiResult<Vec<_>>>()
            .map(Some),
        Some(_) => Err(ApiError::invalid(
            "ip_allowlist must be an array of at most 20 entries",
        )),
    }
}

fn bool_field(b: &Map<String, Value>, key: &str) -> ApiResult<Option<bool>> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(v)) => Ok(Some(*v)),
        Some(_) => Err(ApiError::invalid(format!("{key} must be a boolean"))),
    }
}

/// Applies the shared create/PATCH fields of a workspace.
fn apply_workspace_fields(w: &mut Workspace, b: &Map<String, Value>) -> ApiResult<()> {
    if let Some(t) = opt_tier(b)? {
        w.topups_total = topups_for_tier(t, w.topups_total);
    }
    if let Some(n) = opt_non_negative(b, "topups_total_micros")? {
        w.topups_total = n;
    }
    let wallet = model::int_range(b, "wallet_micros", -model::MAX_MICROS, model::MAX_MICROS);
    if let Some(n) = wallet.map_err(ApiError::InvalidRequest)? {
        w.wallet_micros = n;
    }
    if let Some(v) = bool_field(b, "shared_enabled")? {
        w.shared_enabled = v;
    }
    if let Some(list) = allowlist_field(b)? {
        w.ip_allowlist = list;
    }
    Ok(())
}

/// `POST /_emulator/workspaces {"api_key"?, "tier"?, "wallet_micros"?, "instance_limit"?}`.
async fn create_workspace(State(app): State<Arc<App>>, body: RawBody) -> ApiResult<Response> {
    let w = app.tx(|tx, now| {
        let b = body.object_or_empty()?;
        let api_key = match b.get("api_key") {
            None | Some(Value::Null) => format!("sk_live_{}", random_alnum(24)),
            Some(Value::String(k)) if model::is_valid_api_key(k) => k.clone(),
            Some(_) => {
                return Err(ApiError::invalid(
                    "api_key must be sk_live_ followed by 24+ alphanumerics",
                ));
            }
        };
        let mut w = Workspace {
            api_key,
            topups_total: topups_for_tier(Tier::Paid, 0),
            wallet_micros: 1_000_000_000,
            instance_limit: opt_non_negative(&b, "instance_limit")?,
            created: now,
            shared_enabled: false,
            ip_allowlist: Vec::new(),
            suspended: false,
        };
        if app.revision() == Revision::R20260625 && opt_non_negative(&b, "wallet_micros").is_err() {
            return Err(ApiError::invalid("wallet_micros must be ≥ 0"));
        }
        apply_workspace_fields(&mut w, &b)?;
        if tx.workspace(&w.api_key)?.is_some() {
            return Err(ApiError::Conflict(
                "a workspace with this api_key already exists".into(),
            ));
        }
        tx.save_workspace(&w)?;
        Ok(w)
    })?;
    // Read back: a negative wallet was suspended when the transaction ended.
    let w = app.tx(|tx, _| tx.workspace(&w.api_key))?.unwrap_or(w);
    let mut body = w.to_json(0, app.revision());
    if let Some(m) = body.as_object_mut() {
        m.insert("api_key".into(), w.api_key.clone().into());
    }
    Ok(respond(StatusCode::CREATED, &body))
}

async fn list_workspaces(State(app): State<Arc<App>>) -> ApiResult<Response> {
    let all = app.tx(|tx, _| tx.workspaces())?;
    let data = all
        .iter()
        .map(|w| workspace_json(&app, w))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(ok(
        &json!({ "data": data, "default_api_key": app.default_key() }),
    ))
}

async fn get_workspace(
    State(app): State<Arc<App>>,
    WorkspaceKey(key): WorkspaceKey,
) -> ApiResult<Response> {
    let w = app
        .tx(|tx, _| tx.workspace(&key))?
        .ok_or_else(|| ApiError::not_found("workspace"))?;
    Ok(ok(&workspace_json(&app, &w)?))
}

/// `PATCH /_emulator/workspaces/{key} {"tier"?, "wallet_micros"?, "instance_limit"? (null: tier default)}`.
async fn patch_workspace(
    State(app): State<Arc<App>>,
    WorkspaceKey(key): WorkspaceKey,
    body: RawBody,
) -> ApiResult<Response> {
    let w = app.tx(|tx, _| {
        let mut w = tx
            .workspace(&key)?
            .ok_or_else(|| ApiError::not_found("workspace"))?;
        let b = body.object()?;
        if app.revision() == Revision::R20260625 {
            opt_non_negative(&b, "wallet_micros")?;
        }
        apply_workspace_fields(&mut w, &b)?;
        if b.contains_key("instance_limit") {
            w.instance_limit = opt_non_negative(&b, "instance_limit")?;
        }
        tx.save_workspace(&w)?;
        Ok(w)
    })?;
    let w = app.tx(|tx, _| tx.workspace(&w.api_key))?.unwrap_or(w);
    Ok(ok(&workspace_json(&app, &w)?))
}

async fn get_instance(
    State(app): State<Arc<App>>,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let names = app.budget_names();
    let rev = app.revision();
    let render = render_ctx(&app, rev);
    let body = app.tx(|tx, now| {
        let inst = tx
            .instance(&id)?
            .ok_or_else(|| ApiError::not_found("instance"))?;
        let domains = active_domains(tx, &inst.workspace, rev)?;
        let mut out = json!({
            "instance": super::instances::instance_json(tx, &render, &inst, &domains, now)?,
            "workspace": inst.workspace,
            "deleted": inst.status == Status::Deleted,
            "day_cost_micros": inst.day_cost(),
            "day_paid_micros": inst.day_paid_micros,
            "budget": inst.budget_json(&model::month_of(now), names),
        });
        if rev.is_v2()
            && let Some(m) = out.as_object_mut()
        {
            m.insert("env".into(), json!(inst.env));
            m.insert("type".into(), inst.kind.as_str().into());
        }
        Ok(out)
    })?;
    Ok(ok(&body))
}

/// Out-of-band changes the contract has no API for (drift tests):
/// `{"status"?, "past_due"?, "paid_through"?, "image_ref"?}`.
async fn patch_instance(
    State(app): State<Arc<App>>,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let rev = app.revision();
    let render = render_ctx(&app, rev);
    let out = app.tx(|tx, now| {
        let mut inst = tx
            .instance(&id)?
            .ok_or_else(|| ApiError::not_found("instance"))?;
        let b = body.object()?;
        match b.get("status") {
            None => {}
            Some(Value::String(s)) => {
                let status = Status::parse(s)
                    .filter(|st| rev.is_v2() || Status::ALL_V1.contains(st))
                    .ok_or_else(|| {
                        ApiError::invalid(format!("unknown status {s:?} under {}", rev.as_str()))
                    })?;
                inst.status = status;
            }
            Some(_) => return Err(ApiError::invalid("status must be a string")),
        }
        super::control_v2::patch_instance_v2(&mut inst, &b)?;
        match b.get("past_due") {
            None => {}
            Some(Value::Bool(v)) => inst.past_due = *v,
            Some(_) => return Err(ApiError::invalid("past_due must be a boolean")),
        }
        if b.contains_key("paid_through") {
            // Bounded so renewals from it stay a few thousand days at most.
            inst.paid_through = model::int_range(&b, "paid_through", 0, 100_000_000_000)
                .map_err(ApiError::InvalidRequest)?;
        }
        match b.get("image_ref") {
            None => {}
            Some(Value::Null) if rev.is_v2() => inst.image_ref = None,
            Some(Value::String(s)) => inst.image_ref = Some(s.clone()),
            Some(_) => return Err(ApiError::invalid("image_ref must be a string")),
        }
        tx.save_instance(&inst)?;
        let domains = active_domains(tx, &inst.workspace, rev)?;
        super::instances::instance_json(tx, &render, &inst, &domains, now)
    })?;
    Ok(ok(&out))
}

/// `POST /_emulator/instances/{id}/spend {"service", "micros", "calls"?, "input_tokens"?, "output_tokens"?}`.
async fn spend(
    State(app): State<Arc<App>>,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let names = app.budget_names();
    let out = app.tx(|tx, now| {
        let mut inst = match tx.instance(&id)? {
            Some(i) if i.status != Status::Deleted => i,
            _ => return Err(ApiError::not_found("instance")),
        };
        let b = body.object()?;
        let service = match b.get("service") {
            Some(Value::String(s)) if model::SERVICES.contains(&s.as_str()) => s.clone(),
            _ => return Err(ApiError::invalid("service must be llm, brave or composio")),
        };
        let micros = opt_non_negative(&b, "micros")?
            .ok_or_else(|| ApiError::invalid("micros is required"))?;
        let calls = opt_non_negative(&b, "calls")?.unwrap_or(1);
        let input_tokens = opt_non_negative(&b, "input_tokens")?.unwrap_or(0);
        let output_tokens = opt_non_negative(&b, "output_tokens")?.unwrap_or(0);
        let period = model::month_of(now);
        inst.budget = inst.budget.rolled(&period);
        if let Err(headroom) = inst.budget.spend(micros) {
            return Err(ApiError::BudgetExhausted(format!(
                "the budget has {headroom} micros of headroom; the call costs {micros}"
            )));
        }
        let mut ws = tx
            .workspace(&inst.workspace)?
            .ok_or_else(|| ApiError::not_found("workspace"))?;
        if ws.wallet_micros < micros {
            return Err(ApiError::InsufficientBalance(format!(
                "the wallet holds {} micros; the call costs {micros}",
                ws.wallet_micros
            )));
        }
        ws.wallet_micros -= micros;
        inst.budget.updated_at = now;
        tx.save_workspace(&ws)?;
        tx.save_instance(&inst)?;
        let add = UsageRow {
            cost_micros: micros,
            calls,
            input_tokens,
            output_tokens,
        };
        tx.add_usage(&inst.id, &period, &service, add)?;
        Ok(json!({
            "budget": inst.budget.to_json(names),
            "usage": usage_json(tx, &inst.id, &period)?,
            "wallet_micros": ws.wallet_micros,
        }))
    })?;
    Ok(ok(&out))
}

async fn get_faults(State(app): State<Arc<App>>) -> Response {
    ok(&app.faults.to_json())
}

/// `POST /_emulator/faults {"seed", "rules": [...]}` replaces the configuration.
async fn set_faults(State(app): State<Arc<App>>, body: RawBody) -> ApiResult<Response> {
    let b = body.json()?.unwrap_or_else(|| json!({}));
    let (seed, rules) = faults::parse_config(&b).map_err(ApiError::InvalidRequest)?;
    app.faults.configure(seed, rules);
    Ok(ok(&app.faults.to_json()))
}

async fn clear_faults(State(app): State<Arc<App>>) -> Response {
    app.faults.clear();
    ok(&app.faults.to_json())
}

async fn requests(State(app): State<Arc<App>>) -> Response {
    ok(&app.traffic.to_json(&app.faults.injected()))
}

async fn reset_requests(State(app): State<Arc<App>>) -> Response {
    app.traffic.reset();
    app.faults.reset_injected();
    ok(&app.traffic.to_json(&app.faults.injected()))
}

fn clock_json(app: &App) -> Value {
    let now = app.now();
    let state = app.clock_state();
    json!({"now": now, "offset_seconds": state.offset, "frozen": state.frozen_at.is_some(), "month": model::month_of(now)})
}

async fn get_clock(State(app): State<Arc<App>>) -> Response {
    ok(&clock_json(&app))
}

/// `POST /_emulator/clock {"advance_seconds"?: N, "frozen"?: bool}`.
async fn advance_clock(State(app): State<Arc<App>>, body: RawBody) -> ApiResult<Response> {
    let b = body.object()?;
    let secs = model::int_range(&b, "advance_seconds", 0, model::MAX_SECONDS)
        .map_err(ApiError::InvalidRequest)?
        .unwrap_or(0);
    let frozen = match b.get("frozen") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(f)) => Some(*f),
        Some(_) => return Err(ApiError::invalid("frozen must be a boolean")),
    };
    app.move_clock(frozen, secs)?;
    Ok(ok(&clock_json(&app)))
}

fn config_json(app: &App) -> Value {
    let c = app.config();
    json!({
        "api_revision": app.revision().as_str(),
        "budget_names": app.budget_names().as_str(),
        "plane_bearer": if c.plane_bearer_reject { "reject" } else { "accept" },
        "plane_host": c.plane_host,
        "domain_verify_polls": c.domain_verify_polls,
        "build_seconds": c.build_seconds,
        "ingest_seconds": c.ingest_seconds,
        "ingest_delay_ms": c.ingest_delay_ms,
        "wake_seconds": c.wake_seconds,
        "integrations_available": c.integrations_available,
        "boot_delay_ms": app.settings.boot_delay.as_millis() as u64,
        "exec": match app.settings.exec_mode {
            crate::exec::ExecMode::Echo => "echo",
            crate::exec::ExecMode::Host => "host",
        },
        "base_url": app.base_url,
        "default_api_key": app.default_key(),
    })
}

async fn get_config(State(app): State<Arc<App>>) -> Response {
    ok(&config_json(&app))
}

/// `POST /_emulator/config {"api_revision"?, "budget_names"?, ...}`: every key is validated
/// before any applies; the revision applies from the next request and is stored.
async fn set_config(State(app): State<Arc<App>>, body: RawBody) -> ApiResult<Response> {
    let b = body.object()?;
    let revision = match b.get("api_revision") {
        None => None,
        Some(v) => Some(v.as_str().and_then(Revision::parse).ok_or_else(|| {
            ApiError::invalid("api_revision must be 2026-06-25 or 2026-08-21 (or v1, v2)")
        })?),
    };
    let names = match b.get("budget_names") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(v) => Some(Some(v.as_str().and_then(BudgetNames::parse).ok_or_else(
            || ApiError::invalid("budget_names must be topup, credit or null (the revision's)"),
        )?)),
    };
    let config: RuntimeConfig = super::control_v2::config_update(app.config(), &b)?;
    if let Some(r) = revision {
        app.set_revision(r)?;
    }
    if let Some(n) = names {
        app.set_budget_names(n)?;
    }
    app.set_config(config);
    Ok(ok(&config_json(&app)))
}

/// `POST /_emulator/system-templates/{name} {"image_ref"}`: publish a new system image,
/// so `update` (and the provider's auto-update) have something to pull.
async fn set_system_image(
    State(app): State<Arc<App>>,
    TemplateName(name): TemplateName,
    body: RawBody,
) -> ApiResult<Response> {
    let name = name.as_str();
    let sys = model::system_template(name).ok_or_else(|| ApiError::not_found("system template"))?;
    let out = app.tx(|tx, _| {
        let b = body.object()?;
        let image = match b.get("image_ref") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(ApiError::invalid("image_ref is required")),
        };
        model::validate_image_ref(&image).map_err(ApiError::InvalidRequest)?;
        let tag = super::instances::image_tag(&image)
            .map(str::to_string)
            .unwrap_or_else(|| image.clone());
        tx.set_system_image(sys.name, &image, &tag)?;
        Ok(crate::objects::system_template_json(
            sys,
            &image,
            app.revision(),
        ))
    })?;
    Ok(ok(&out))
}

async fn reset(State(app): State<Arc<App>>) -> ApiResult<Response> {
    app.reset()?;
    Ok(ok(
        &json!({"reset": true, "default_api_key": app.default_key()}),
    ))
}
