//! Control routes and settings that revision 2026-08-21 adds (8.1, 8.5): the run-time config
//! keys, drift of the new instance fields, workspace top-ups and settles, sleep and wake,
//! listening ports, log shaping, domain activation and registry images.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::domains::DomainName;
use super::instances::{active_domains, instance_json, render_ctx};
use super::{InstanceId, RawBody, WorkspaceKey, ok};
use crate::app::{App, RuntimeConfig};
use crate::billing;
use crate::error::{ApiError, ApiResult};
use crate::model::{self, Status, StatusReason};
use crate::objects::{Instance, sha256_digest};
use crate::store::{ImageInfo, Tx};

fn int_in(b: &Map<String, Value>, key: &str, min: i64) -> ApiResult<Option<i64>> {
    int_within(b, key, min, model::MAX_SECONDS)
}

fn int_within(b: &Map<String, Value>, key: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
    model::int_range(b, key, min, max).map_err(ApiError::InvalidRequest)
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
    // A real delay: at most ten minutes.
    if let Some(n) = int_within(b, "ingest_delay_ms", 0, 600_000)? {
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
        let amount = match int_within(&b, "amount_micros", 1, model::MAX_MICROS)? {
            Some(a) => a,
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

/// The instance of a control route (any workspace; deleted ones are 404).
fn live(tx: &Tx<'_>, id: &str) -> ApiResult<Instance> {
    match tx.instance(id)? {
        Some(i) if i.status != Status::Deleted => Ok(i),
        _ => Err(ApiError::not_found("instance")),
    }
}

/// The body an instance control route takes.
#[derive(Clone, Copy)]
enum Body {
    /// An empty body reads as `{}`.
    MayBeEmpty,
    /// A JSON object is required.
    Required,
}

/// The one shape of the instance control routes (sleep, wake, listen, logs): in one
/// transaction, the live instance and the request's JSON object, then `f`, whose value is the
/// answer.
fn on_live_instance(
    app: &App,
    id: &str,
    body: &RawBody,
    kind: Body,
    f: impl FnOnce(&mut Tx<'_>, i64, Instance, Map<String, Value>) -> ApiResult<Value>,
) -> ApiResult<Response> {
    let out = app.tx(|tx, now| {
        let inst = live(tx, id)?;
        let b = match kind {
            Body::MayBeEmpty => body.object_or_empty()?,
            Body::Required => body.object()?,
        };
        f(tx, now, inst, b)
    })?;
    Ok(ok(&out))
}

fn needs_v2(app: &App, what: &str) -> ApiResult<()> {
    if app.revision().is_v2() {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "{what} needs API revision 2026-08-21 (2026-06-25 has no sleep)"
        )))
    }
}

/// The instance as the API shows it now, for the control routes' answers.
fn rendered(app: &App, tx: &Tx<'_>, inst: &Instance, now: i64) -> ApiResult<Value> {
    let render = render_ctx(app, app.revision());
    let domains = active_domains(tx, &inst.workspace, render.rev)?;
    instance_json(tx, &render, inst, &domains, now)
}

/// `POST /_emulator/instances/{id}/sleep {"checkpoint_seconds"? ≥ 0}`: a `running` instance
/// sleeps now, auto-sleep or not; while the checkpoint is written `slept_at` reads null and
/// stop/start answer 409 `try_again`.
pub async fn sleep(
    State(app): State<Arc<App>>,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    needs_v2(&app, "sleep")?;
    on_live_instance(
        &app,
        &id,
        &body,
        Body::MayBeEmpty,
        |tx, now, mut inst, b| {
            let checkpoint = int_in(&b, "checkpoint_seconds", 0)?.unwrap_or(0);
            if inst.status != Status::Running {
                return Err(ApiError::invalid(format!(
                    "only a running instance can sleep; this one is {}",
                    inst.status.as_str()
                )));
            }
            inst.status = Status::Sleeping;
            inst.slept_at = Some(now);
            inst.checkpoint_until = (checkpoint > 0).then_some(now + checkpoint);
            inst.wake_until = None;
            tx.save_instance(&inst)?;
            rendered(&app, tx, &inst, now)
        },
    )
}

/// How the next wake goes (`wake` control, `next`).
pub const WAKE_KINDS: [&str; 4] = ["fast", "slow", "fail", "timeout"];

fn flag(b: &Map<String, Value>, key: &str) -> ApiResult<bool> {
    match b.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(v)) => Ok(*v),
        Some(_) => Err(ApiError::invalid(format!("{key} must be a boolean"))),
    }
}

/// `POST /_emulator/instances/{id}/wake {"next"?, "now"?, "finish"?}`: `next` shapes the next
/// wake; `now` wakes as a URL request would (`answer` is the flat answer that request got, or
/// null when it was served); `finish` ends a slow wake.
pub async fn wake(
    State(app): State<Arc<App>>,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    needs_v2(&app, "wake")?;
    let wake_seconds = app.config().wake_seconds;
    on_live_instance(
        &app,
        &id,
        &body,
        Body::MayBeEmpty,
        |tx, now, mut inst, b| {
            let next = match b.get("next") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if WAKE_KINDS.contains(&s.as_str()) => Some(s.clone()),
                Some(_) => {
                    return Err(ApiError::invalid(format!(
                        "next must be one of {}",
                        WAKE_KINDS.join(", ")
                    )));
                }
            };
            let (wake_now, finish) = (flag(&b, "now")?, flag(&b, "finish")?);
            if wake_now && (inst.status != Status::Sleeping || inst.past_due) {
                return Err(ApiError::invalid(format!(
                    "now wakes a sleeping, not suspended instance; this one is {}{}",
                    inst.status.as_str(),
                    if inst.past_due { " and past due" } else { "" }
                )));
            }
            if finish && !wake_now && inst.status != Status::Waking {
                return Err(ApiError::invalid(format!(
                    "finish ends a slow wake; the instance is {}",
                    inst.status.as_str()
                )));
            }
            if let Some(n) = next {
                inst.extra.next_wake = (n != "fast").then_some(n);
                tx.save_instance(&inst)?;
            }
            let mut answer = Value::Null;
            if wake_now && let Some(f) = super::plane::wake(tx, &mut inst, wake_seconds, None, now)?
            {
                answer = super::plane::flat_json(f);
            }
            if finish && inst.status == Status::Waking {
                inst.status = Status::Running;
                inst.wake_until = None;
                inst.slept_at = None;
                inst.last_activity = now;
                tx.save_instance(&inst)?;
            }
            Ok(json!({"instance": rendered(&app, tx, &inst, now)?, "answer": answer}))
        },
    )
}

/// `POST /_emulator/instances/{id}/listen {"ports": [int]}`: the extra ports the fake
/// container serves (replacing the previous list).
pub async fn listen(
    State(app): State<Arc<App>>,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    on_live_instance(&app, &id, &body, Body::Required, |tx, now, mut inst, b| {
        let bad = || ApiError::invalid("ports must be an array of port numbers (1-65535)");
        let ports = match b.get("ports") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|p| {
                    p.as_i64()
                        .filter(|p| (1..=65_535).contains(p))
                        .ok_or_else(bad)
                })
                .collect::<ApiResult<Vec<i64>>>()?,
            _ => return Err(bad()),
        };
        inst.extra.listen = ports;
        tx.save_instance(&inst)?;
        rendered(&app, tx, &inst, now)
    })
}

/// A `resource_verdict` object: each of memory, cpu, disk, overall healthy|pressure|critical.
fn verdict_field(v: &Value) -> ApiResult<Option<Value>> {
    const LEVELS: [&str; 3] = ["healthy", "pressure", "critical"];
    if v.is_null() {
        return Ok(None);
    }
    let o = v
        .as_object()
        .ok_or_else(|| ApiError::invalid("resource_verdict must be an object or null"))?;
    let mut out = Map::new();
    for k in ["memory", "cpu", "disk", "overall"] {
        match o.get(k).and_then(Value::as_str) {
            Some(level) if LEVELS.contains(&level) => {
                out.insert(k.into(), level.into());
            }
            _ => {
                return Err(ApiError::invalid(format!(
                    "resource_verdict.{k} must be healthy, pressure or critical"
                )));
            }
        }
    }
    Ok(Some(Value::Object(out)))
}

/// `POST /_emulator/instances/{id}/logs {"append"?, "restart_count"?, "exit_code"?,
/// "oom_suspected"?, "resource_verdict"?}`: shapes `GET …/logs`; answers its `health`.
pub async fn logs(
    State(app): State<Arc<App>>,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    on_live_instance(&app, &id, &body, Body::Required, |tx, _, mut inst, b| {
        let append = model::opt_string(&b, "append").map_err(ApiError::InvalidRequest)?;
        let opt_int = |key: &str| -> ApiResult<Option<Option<i64>>> {
            match b.get(key) {
                None => Ok(None),
                Some(Value::Null) => Ok(Some(None)),
                Some(v) => v
                    .as_i64()
                    .map(|n| Some(Some(n)))
                    .ok_or_else(|| ApiError::invalid(format!("{key} must be an integer or null"))),
            }
        };
        if let Some(n) = opt_int("restart_count")? {
            if n.is_some_and(|n| n < 0) {
                return Err(ApiError::invalid("restart_count must be ≥ 0"));
            }
            inst.extra.restart_count = n;
        }
        if let Some(code) = opt_int("exit_code")? {
            inst.extra.exit_code = code;
        }
        match b.get("oom_suspected") {
            None => {}
            Some(Value::Bool(v)) => inst.extra.oom_suspected = *v,
            Some(_) => return Err(ApiError::invalid("oom_suspected must be a boolean")),
        }
        if let Some(v) = b.get("resource_verdict") {
            inst.extra.verdict = verdict_field(v)?;
        }
        tx.save_instance(&inst)?;
        if let Some(text) = append.filter(|t| !t.is_empty()) {
            let text = if text.ends_with('\n') {
                text
            } else {
                format!("{text}\n")
            };
            tx.append_log(&inst.id, &text)?;
        }
        Ok(json!({ "health": super::observe::health_json(&inst) }))
    })
}

/// `POST /_emulator/domains/{domain}/activate {}` or `{"status": "pending"|"active"}`.
pub async fn activate_domain(
    State(app): State<Arc<App>>,
    DomainName(name): DomainName,
    body: RawBody,
) -> ApiResult<Response> {
    let d = app.tx(|tx, _| {
        let mut d = tx
            .domain(&name)?
            .ok_or_else(|| ApiError::not_found("domain"))?;
        let b = body.object_or_empty()?;
        d.active = match b.get("status") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) if s == "active" => true,
            Some(Value::String(s)) if s == "pending" => false,
            Some(_) => return Err(ApiError::invalid("status must be active or pending")),
        };
        d.polls = 0;
        tx.save_domain(&d)?;
        Ok(d)
    })?;
    Ok(ok(&d.to_json()))
}

/// `POST /_emulator/images {"image_ref", "public"? true, "platform"? "linux/amd64",
/// "size_bytes"? 1e9, "digest"?}`: declares a registry image for the template checks.
pub async fn declare_image(State(app): State<Arc<App>>, body: RawBody) -> ApiResult<Response> {
    let out = app.tx(|tx, _| {
        let b = body.object()?;
        let image = match b.get("image_ref") {
            Some(Value::String(s)) => s.clone(),
            _ => return Err(ApiError::invalid("image_ref is required")),
        };
        model::validate_image_ref(&image).map_err(ApiError::InvalidRequest)?;
        let public = match b.get("public") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(v)) => *v,
            Some(_) => return Err(ApiError::invalid("public must be a boolean")),
        };
        let platform = match b.get("platform") {
            None | Some(Value::Null) => "linux/amd64".to_string(),
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(_) => return Err(ApiError::invalid("platform must be a string")),
        };
        let size_bytes =
            int_within(&b, "size_bytes", 0, model::MAX_MICROS)?.unwrap_or(DEFAULT_IMAGE_BYTES);
        let digest = match b.get("digest") {
            None | Some(Value::Null) => sha256_digest(image.as_bytes()),
            Some(Value::String(d)) if is_digest(d) => d.clone(),
            Some(_) => {
                return Err(ApiError::invalid(
                    "digest must be sha256: and 64 hex digits",
                ));
            }
        };
        let info = ImageInfo {
            public,
            platform,
            size_bytes,
            digest,
        };
        tx.declare_image(&image, &info)?;
        Ok(json!({
            "image_ref": image,
            "public": info.public,
            "platform": info.platform,
            "size_bytes": info.size_bytes,
            "digest": info.digest,
        }))
    })?;
    Ok(ok(&out))
}

/// The size an undeclared image has.
pub const DEFAULT_IMAGE_BYTES: i64 = 1_000_000_000;

fn is_digest(d: &str) -> bool {
    d.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
    })
}
