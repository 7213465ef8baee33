//! Lifecycle actions (stop, start, restart, update, resize), exec and signed URLs, under the
//! state rules of each revision (2026-08-21: section 2.6's table).

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::instances::{
    active_domains, check_balance, random_suffix, registry_digest, render_ctx, resolve_template,
    system_image, tier_check, workspace_of,
};
use super::{Caller, Capacity, InstanceId, RawBody, ok};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::exec::{self, ExecError, ExecMode};
use crate::model::{self, DAY, Resources, Revision, Status};
use crate::objects::{Instance, resources_json};
use crate::store::Tx;

fn wrong_state(action: &str, status: Status) -> ApiError {
    ApiError::invalid(format!(
        "cannot {action} an instance that is {}",
        status.as_str()
    ))
}

fn try_again(what: &str) -> ApiError {
    ApiError::TryAgain {
        message: format!("the instance is {what}; try again shortly"),
        status: 409,
    }
}

/// What `stop` (to `stopped`) or `start` (to `running`) does with an instance.
#[derive(Debug, PartialEq, Eq)]
enum Switch {
    /// It is there already: an acknowledgement, nothing changes.
    AlreadyThere,
    /// From the other of the two, or (2026-08-21) from a sleeper: switch it.
    Go,
}

/// The one status guard of `stop` and `start` (`target` = `stopped` or `running`): a sleeper
/// under 2026-08-21 switches unless it is still writing its checkpoint, a waking one is `409
/// try_again`, anything else is the wrong state for `action`.
fn switch_guard(
    action: &str,
    target: Status,
    inst: &Instance,
    rev: Revision,
    now: i64,
) -> Result<Switch, ApiError> {
    let other = if target == Status::Stopped {
        Status::Running
    } else {
        Status::Stopped
    };
    match (inst.status, rev) {
        (s, _) if s == target => Ok(Switch::AlreadyThere),
        (s, _) if s == other => Ok(Switch::Go),
        (Status::Sleeping, Revision::R20260821) if inst.checkpointing(now) => {
            Err(try_again("writing its sleep checkpoint"))
        }
        (Status::Sleeping, Revision::R20260821) => Ok(Switch::Go),
        (Status::Waking, Revision::R20260821) => Err(try_again("waking")),
        (status, _) => Err(wrong_state(action, status)),
    }
}

/// A successful lifecycle operation clears the previous failure's reason.
fn succeeded(inst: &mut Instance) {
    inst.status_reason = None;
}

pub async fn stop(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let rev = app.revision();
    let id = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        if switch_guard("stop", Status::Stopped, &inst, rev, now)? == Switch::AlreadyThere {
            return Ok(inst.id);
        }
        cap.check()?;
        inst.status = Status::Stopped;
        inst.slept_at = None;
        inst.checkpoint_until = None;
        succeeded(&mut inst);
        tx.save_instance(&inst)?;
        Ok(inst.id)
    })?;
    Ok(ok(&json!({"id": id, "status": "stopped"})))
}

pub async fn start(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let rev = app.revision();
    let (id, booted) = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        if switch_guard("start", Status::Running, &inst, rev, now)? == Switch::AlreadyThere {
            return Ok((inst.id, false));
        }
        if inst.past_due {
            let ws = workspace_of(tx, &key)?;
            match rev {
                Revision::R20260625 => {
                    // A funded start pays a new day and clears past_due.
                    let day = inst.day_cost();
                    if ws.wallet_micros < day {
                        return Err(ApiError::InsufficientBalance(format!(
                            "the instance is past due; the wallet holds {} micros and a day costs {day}",
                            ws.wallet_micros
                        )));
                    }
                    let mut ws = ws;
                    ws.wallet_micros -= day;
                    tx.save_workspace(&ws)?;
                    inst.paid_through = Some(now + DAY);
                    inst.day_paid_micros = day;
                }
                Revision::R20260821 => {
                    if ws.wallet_micros < 0 {
                        return Err(ApiError::InsufficientBalance(format!(
                            "the workspace is suspended; the wallet holds {} micros (top up first)",
                            ws.wallet_micros
                        )));
                    }
                }
            }
            inst.past_due = false;
        }
        // Capacity comes after balance; an Err here rolls everything back with the transaction.
        cap.check()?;
        inst.status = Status::Running;
        inst.slept_at = None;
        inst.last_activity = now;
        succeeded(&mut inst);
        tx.save_instance(&inst)?;
        Ok((inst.id, true))
    })?;
    if booted {
        app.mark_booting(&id);
    }
    Ok(ok(&json!({"id": id, "status": "running"})))
}

pub async fn restart(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let rev = app.revision();
    let id = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        match (inst.status, rev) {
            (Status::Running, _) => {}
            (Status::Restarting, Revision::R20260821) => return Err(try_again("restarting")),
            (other, _) => return Err(wrong_state("restart", other)),
        }
        cap.check()?;
        inst.last_activity = now;
        succeeded(&mut inst);
        tx.save_instance(&inst)?;
        tx.reboot(&inst)?;
        Ok(inst.id)
    })?;
    app.mark_booting(&id);
    Ok(ok(&json!({"id": id, "status": "running"})))
}

/// What `update` installs: the instance's own template (body-less) or the one named.
fn update_target(
    tx: &Tx<'_>,
    key: &str,
    inst: &mut Instance,
    named: Option<&str>,
    rev: Revision,
) -> ApiResult<()> {
    let Some(name) = named else {
        if inst.pin.is_some() && rev.is_v2() {
            return Ok(()); // a pinned instance stays put
        }
        // The template's current image; a deleted template keeps the instance's image.
        match model::system_template(&inst.template) {
            Some(sys) => {
                let image = system_image(tx, sys)?;
                inst.image_digest = Some(registry_digest(tx, &image)?);
                inst.image_ref = Some(image);
                inst.template_revision = None;
            }
            None => {
                if let Some(t) = tx.template(key, &inst.template)? {
                    inst.image_digest = t.image_digest.clone();
                    inst.image_ref = t.image_ref.clone();
                    inst.template_revision = Some(t.revision);
                    inst.ports = t.ports;
                }
            }
        }
        return Ok(());
    };
    // Pin, unpin, roll back (its own name) or migrate (another template): same id, URLs,
    // public ports, shape and data; new image, default port and agent.
    let t = resolve_template(tx, key, name, rev)?;
    inst.template = t.name;
    inst.pin = t.pin;
    inst.image_ref = t.image_ref;
    inst.image_digest = Some(t.image_digest);
    inst.template_revision = t.template_revision;
    inst.agent = t.agent;
    inst.ports = t.ports;
    Ok(())
}

pub async fn update(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let rev = app.revision();
    let (inst, named) = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        let named: Option<String> = match body.json()? {
            None => None,
            Some(Value::Object(m)) if m.is_empty() => None,
            Some(Value::Object(m)) if rev.is_v2() => {
                if let Some(other) = m.keys().find(|k| *k != "template") {
                    return Err(ApiError::invalid(format!(
                        "update takes only {{\"template\"}}; {other:?} is not allowed"
                    )));
                }
                match m.get("template") {
                    Some(Value::String(s)) => Some(s.clone()),
                    _ => return Err(ApiError::invalid("template must be a string")),
                }
            }
            Some(_) if rev.is_v2() => {
                return Err(ApiError::invalid(
                    "update takes no body, {} or {\"template\"}",
                ));
            }
            Some(_) => return Err(ApiError::invalid("update takes no body (or exactly {})")),
        };
        let next_status = match inst.status {
            Status::Running | Status::Failed => Status::Running,
            Status::Stopped => Status::Stopped,
            other => return Err(wrong_state("update", other)),
        };
        update_target(tx, &key, &mut inst, named.as_deref(), rev)?;
        cap.check()?;
        let was_running = inst.status == Status::Running;
        inst.status = next_status;
        if next_status == Status::Running {
            inst.last_activity = now;
        }
        succeeded(&mut inst);
        tx.save_instance(&inst)?;
        if was_running {
            tx.reboot(&inst)?;
        }
        Ok((inst, named))
    })?;
    if inst.status == Status::Running {
        app.mark_booting(&inst.id);
    }
    let ack = if rev.is_v2() {
        let mut m = Map::new();
        m.insert("id".into(), inst.id.clone().into());
        m.insert("status".into(), inst.status.as_str().into());
        if named.is_some() {
            m.insert("template".into(), inst.template_ref().into());
        }
        m.insert("image_ref".into(), json!(inst.image_ref));
        m.insert("image_digest".into(), json!(inst.image_digest));
        m.insert("template_revision".into(), json!(inst.template_revision));
        Value::Object(m)
    } else {
        json!({"id": inst.id, "status": inst.status.as_str(), "image_ref": inst.image_ref_v1()})
    };
    Ok(ok(&ack))
}

pub async fn resize(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let rev = app.revision();
    let (inst, changed) = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        let b = body.object_or_empty()?;
        let target: Resources = match rev {
            Revision::R20260625 => {
                let req = model::parse_resources_request(Some(&Value::Object(b)))
                    .map_err(ApiError::InvalidRequest)?;
                model::resolve_resize(inst.resources, req, &inst.template)
            }
            Revision::R20260821 => {
                let int = |k: &str| model::opt_int(&b, k, "").map_err(ApiError::InvalidRequest);
                model::resolve_resize_v2(inst.resources, int("cpu")?, int("memory")?, int("disk")?)
            }
        }
        .map_err(ApiError::InvalidRequest)?;
        if inst.status != Status::Running {
            return Err(wrong_state("resize", inst.status));
        }
        if target == inst.resources {
            return Ok((inst, false));
        }
        let ws = workspace_of(tx, &key)?;
        tier_check(&ws, target)?;
        if !rev.is_v2() {
            let count = tx.count_live(&key)?;
            // The fleet without this instance's current shape.
            let others = tx.fleet_day_cost(&key)? - inst.day_cost();
            check_balance(&ws, model::day_cost_micros(target), count, others)?;
        }
        cap.check()?;
        // 2026-06-25: the new shape is billed from the next renewal; 2026-08-21: the save
        // settles the old rate and the meter runs at the new one from now.
        inst.resources = target;
        inst.last_activity = now;
        succeeded(&mut inst);
        tx.save_instance(&inst)?;
        tx.reboot(&inst)?;
        Ok((inst, true))
    })?;
    if changed {
        app.mark_booting(&inst.id);
    }
    Ok(ok(
        &json!({"id": inst.id, "status": "running", "resources": resources_json(inst.resources)}),
    ))
}

pub async fn exec(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let rev = app.revision();
    let (id, command) = app.tx(|tx, _| {
        let inst = tx.live_instance(&key, &id)?;
        let b = body.object()?;
        let command = model::required_string(&b, "command").map_err(ApiError::InvalidRequest)?;
        if rev.is_v2() && command.contains('\0') {
            return Err(ApiError::invalid("command must not contain a NUL byte"));
        }
        // A sleeper is not woken by exec (and exec is not activity).
        if inst.status != Status::Running {
            return Err(wrong_state("exec in", inst.status));
        }
        cap.check()?;
        Ok((inst.id, command))
    })?;
    // The command runs outside the store lock: other requests go on meanwhile.
    let result = match app.settings.exec_mode {
        ExecMode::Echo => exec::run_echo(&command).await,
        ExecMode::Host => exec::run_host(&command, &app.settings.exec_root.join(&id)).await,
    };
    match result {
        Ok(r) => Ok(ok(&r.to_json())),
        Err(e @ ExecError::TimedOut) | Err(e @ ExecError::Spawn(_)) => {
            Err(ApiError::ProvisioningFailed(e.to_string()))
        }
    }
}

/// A signed-URL token: expiry, a nonce (every call mints a new one) and a keyed hash over the
/// instance and port (the label, not the host). Nothing is stored; the plane re-derives it.
pub fn sign(secret: &str, id: &str, port: i64, expires_at: i64, nonce: &str) -> String {
    let mut h = Sha256::new();
    h.update(format!("{secret}|{id}|{port}|{expires_at}|{nonce}"));
    let sig = hex::encode(h.finalize());
    format!("a37t_{expires_at}_{nonce}_{}", &sig[..40])
}

/// Checks a token minted by `sign` for this instance and port at `now`.
pub fn verify(secret: &str, id: &str, port: i64, token: &str, now: i64) -> bool {
    let mut parts = token.splitn(4, '_');
    let (Some("a37t"), Some(exp), Some(nonce), Some(_)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let Ok(exp) = exp.parse::<i64>() else {
        return false;
    };
    exp >= now && sign(secret, id, port, exp, nonce) == token
}

pub async fn signed_url(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let rev = app.revision();
    let render = render_ctx(&app, rev);
    let (inst, port, expires_at, domains) = app.tx(|tx, now| {
        let inst = tx.live_instance(&key, &id)?;
        let b: Map<String, Value> = body.object()?;
        let port = match model::opt_int(&b, "port", "").map_err(ApiError::InvalidRequest)? {
            Some(port) => port,
            None => return Err(ApiError::invalid("port is required")),
        };
        if rev.is_v2() {
            if !(1..=65_535).contains(&port) || port == model::SSH_PORT {
                return Err(ApiError::invalid(
                    "port must be 1-65535 and not 22022 (the SSH tunnel)",
                ));
            }
        } else if !inst.ports.iter().any(|p| p.port == port) {
            let declared: Vec<String> = inst.ports.iter().map(|p| p.port.to_string()).collect();
            return Err(ApiError::invalid(format!(
                "port {port} is not one of the instance's ports ({})",
                declared.join(", ")
            )));
        }
        let max = if rev.is_v2() { 604_800 } else { 86_400 };
        let ttl = match model::opt_int(&b, "ttl_seconds", "").map_err(ApiError::InvalidRequest)? {
            None => 3600,
            Some(t) if t <= 0 => return Err(ApiError::invalid("ttl_seconds must be positive")),
            Some(t) => t.clamp(60, max),
        };
        let signable = match rev {
            Revision::R20260625 => inst.status == Status::Running,
            Revision::R20260821 => matches!(
                inst.status,
                Status::Running | Status::Sleeping | Status::Waking
            ),
        };
        if !signable {
            return Err(wrong_state("sign a URL for", inst.status));
        }
        let domains = active_domains(tx, &key, rev)?;
        Ok((inst, port, now + ttl, domains))
    })?;
    let token = sign(&app.secret(), &inst.id, port, expires_at, &random_suffix());
    if !rev.is_v2() {
        let url = format!("{}?a37_token={token}", inst.port_url(&app.base_url, port));
        return Ok(ok(
            &json!({"url": url, "port": port, "expires_at": expires_at}),
        ));
    }
    // The default port's link uses the bare host, other ports the preview host.
    let label = if port == inst.default_port() {
        inst.id.clone()
    } else {
        format!("{}-{port}", inst.id)
    };
    let url = format!("{}/?a37_token={token}", render.plane_url(&label));
    let domain_urls: Vec<String> = domains
        .iter()
        .map(|d| format!("{}/?a37_token={token}", render.domain_url(&label, d)))
        .collect();
    Ok(ok(
        &json!({"url": url, "domain_urls": domain_urls, "port": port, "expires_at": expires_at}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_instance_port_and_time() {
        let t = sign("s", "abcdefghij", 3737, 1000, "n1");
        assert!(verify("s", "abcdefghij", 3737, &t, 999));
        assert!(verify("s", "abcdefghij", 3737, &t, 1000));
        assert!(!verify("s", "abcdefghij", 3737, &t, 1001));
        assert!(!verify("s", "abcdefghij", 9119, &t, 999));
        assert!(!verify("s", "bbcdefghij", 3737, &t, 999));
        assert!(!verify("other", "abcdefghij", 3737, &t, 999));
        assert!(!verify("s", "abcdefghij", 3737, "garbage", 999));
    }
}
