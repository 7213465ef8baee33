//! Instances: create, list, get, patch, delete, the lifecycle actions, exec and signed URLs.
//! Each handler follows the contract's check order: (auth, route: done by the middleware)
//! → object lookup → body validation → state precondition → tier and limit → balance.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{Caller, Capacity, InstanceId, RawBody, json as respond, ok};
use crate::app::{App, random_alnum};
use crate::error::{ApiError, ApiResult};
use crate::exec::{self, ExecError, ExecMode};
use crate::model::{self, Budget, DAY, Port, Resources, Status};
use crate::objects::{Instance, Workspace, resources_json};
use crate::store::Tx;

/// A template as instance create needs it.
struct ResolvedTemplate {
    name: String,
    image_ref: String,
    agent: String,
    ports: Vec<Port>,
    smallest: (i64, i64),
}

/// The system template's current image (the control surface can publish a newer one).
pub fn system_image(tx: &Tx<'_>, t: &model::SystemTemplate) -> ApiResult<String> {
    Ok(tx
        .system_image(t.name)?
        .unwrap_or_else(|| t.image_ref.to_string()))
}

fn resolve_template(tx: &Tx<'_>, workspace: &str, name: &str) -> ApiResult<ResolvedTemplate> {
    if model::looks_like_image_ref(name) {
        return Err(ApiError::invalid(format!(
            "template {name:?} looks like an image reference; pass a template name \
             (register the image with POST /templates first)"
        )));
    }
    if let Some(sys) = model::system_template(name) {
        return Ok(ResolvedTemplate {
            name: sys.name.to_string(),
            image_ref: system_image(tx, sys)?,
            agent: sys.agent.to_string(),
            ports: sys.ports(),
            smallest: sys.smallest,
        });
    }
    if name.starts_with("agent37-") {
        return Err(ApiError::invalid(format!(
            "template {name:?}: there is no such system template"
        )));
    }
    match tx.template(workspace, name)? {
        Some(t) => Ok(ResolvedTemplate {
            name: t.name,
            image_ref: t.image_ref,
            agent: model::CUSTOM_AGENT.to_string(),
            ports: t.ports,
            smallest: (2, 4),
        }),
        None => Err(ApiError::invalid(format!(
            "template {name:?} does not exist"
        ))),
    }
}

fn workspace_of(tx: &Tx<'_>, key: &str) -> ApiResult<Workspace> {
    tx.workspace(key)?
        .ok_or_else(|| ApiError::InvalidApiKey("unknown API key".into()))
}

/// `budget` of a create body; accepts both revisions' names for the one-time headroom.
fn parse_create_budget(v: Option<&Value>) -> ApiResult<(i64, i64)> {
    let obj = match v {
        None | Some(Value::Null) => return Ok((0, 0)),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(ApiError::invalid("budget must be an object")),
    };
    let non_negative = |key: &str| -> ApiResult<Option<i64>> {
        match model::opt_int(obj, key, "budget.").map_err(ApiError::InvalidRequest)? {
            Some(n) if n < 0 => Err(ApiError::invalid(format!("budget.{key} must be ≥ 0"))),
            other => Ok(other),
        }
    };
    let cap = non_negative("monthly_cap_micros")?.unwrap_or(0);
    let topup = match (
        non_negative("topup_micros")?,
        non_negative("credit_micros")?,
    ) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "budget: send topup_micros or credit_micros, not both",
            ));
        }
        (a, b) => a.or(b).unwrap_or(0),
    };
    Ok((cap, topup))
}

fn new_instance_id(tx: &Tx<'_>) -> ApiResult<String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    loop {
        let id: String = (0..10)
            .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
            .collect();
        // Ids are never reused: deleted instances keep their rows.
        if !tx.id_taken(&id)? {
            return Ok(id);
        }
    }
}

/// The 402 rules: one day of compute now, and from the second instance on, 30 days of the
/// whole fleet (including the new or resized shape) held in the wallet.
fn check_balance(
    ws: &Workspace,
    day_cost: i64,
    fleet_count: i64,
    fleet_other_day_cost: i64,
) -> ApiResult<()> {
    if ws.wallet_micros < day_cost {
        return Err(ApiError::InsufficientBalance(format!(
            "the wallet holds {} micros; one day of this shape costs {day_cost}",
            ws.wallet_micros
        )));
    }
    if fleet_count >= 2 {
        let need = 30 * (fleet_other_day_cost + day_cost);
        if ws.wallet_micros < need {
            return Err(ApiError::InsufficientBalance(format!(
                "the wallet holds {} micros; 30 days of the fleet ({fleet_count} instances) need {need}",
                ws.wallet_micros
            )));
        }
    }
    Ok(())
}

pub async fn create(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    body: RawBody,
) -> ApiResult<Response> {
    let inst = app.tx(|tx, now| {
        // body validation
        let b = body.object_or_empty()?;
        let template = match b.get("template") {
            None | Some(Value::Null) => model::DEFAULT_TEMPLATE.to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(ApiError::invalid("template must be a string")),
        };
        let res_req =
            model::parse_resources_request(b.get("resources")).map_err(ApiError::InvalidRequest)?;
        let label = |field: &str, max: usize| -> ApiResult<Option<String>> {
            match b.get(field) {
                None => Ok(None),
                Some(v) => model::parse_label(v, field, max).map_err(ApiError::InvalidRequest),
            }
        };
        let user = label("user", model::USER_MAX_CHARS)?;
        let name = label("name", model::NAME_MAX_CHARS)?;
        let metadata = match b.get("metadata") {
            None => None,
            Some(v) => model::parse_metadata(v).map_err(ApiError::InvalidRequest)?,
        };
        let (monthly_cap, topup) = parse_create_budget(b.get("budget"))?;
        let tpl = resolve_template(tx, &key, &template)?;
        let resources = model::resolve_resources(res_req, &tpl.name, tpl.smallest)
            .map_err(ApiError::InvalidRequest)?;
        // tier and instance limit
        let mut ws = workspace_of(tx, &key)?;
        if !ws.tier.allows(resources) {
            return Err(ApiError::TierLimit(format!(
                "shape {}/{} is above the {} tier (at most 2 vCPU / 4 GB)",
                resources.cpu,
                resources.memory,
                ws.tier.as_str()
            )));
        }
        let count = tx.count_live(&key)?;
        if count >= ws.effective_limit() {
            return Err(ApiError::InstanceLimitReached(format!(
                "the workspace already has {count} instances (limit {})",
                ws.effective_limit()
            )));
        }
        // balance
        let day = model::day_cost_micros(resources);
        let others = if count >= 1 {
            tx.fleet_day_cost(&key)?
        } else {
            0
        };
        check_balance(&ws, day, count + 1, others)?;
        cap.check()?;
        ws.wallet_micros -= day;
        tx.save_workspace(&ws)?;
        let inst = Instance {
            id: new_instance_id(tx)?,
            seq: tx.next_seq()?,
            workspace: key.clone(),
            status: Status::Running,
            template: tpl.name,
            image_ref: tpl.image_ref,
            agent: tpl.agent,
            resources,
            ports: tpl.ports,
            user,
            name,
            metadata,
            paid_through: Some(now + DAY),
            past_due: false,
            created: now,
            day_paid_micros: day,
            budget: Budget {
                monthly_cap,
                monthly_consumed: 0,
                monthly_period: model::month_of(now),
                topup_remaining: topup,
                updated_at: now,
            },
        };
        tx.save_instance(&inst)?;
        Ok(inst)
    })?;
    app.mark_booting(&inst.id);
    Ok(respond(StatusCode::CREATED, &inst.to_json(&app.base_url)))
}

pub async fn list(State(app): State<Arc<App>>, Caller(key): Caller) -> ApiResult<Response> {
    let items = app.tx(|tx, _| tx.live_instances(&key))?;
    let data: Vec<Value> = items.iter().map(|i| i.to_json(&app.base_url)).collect();
    Ok(ok(&json!({ "data": data })))
}

pub async fn get_one(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let inst = app.tx(|tx, _| tx.live_instance(&key, &id))?;
    Ok(ok(&inst.to_json(&app.base_url)))
}

pub async fn patch(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let inst = app.tx(|tx, _| {
        let mut inst = tx.live_instance(&key, &id)?;
        let b = body.object()?;
        let known = ["name", "user", "metadata"];
        if !known.iter().any(|k| b.contains_key(*k)) {
            return Err(ApiError::invalid(
                "send at least one of name, user, metadata",
            ));
        }
        if let Some(v) = b.get("name") {
            inst.name = model::parse_label(v, "name", model::NAME_MAX_CHARS)
                .map_err(ApiError::InvalidRequest)?;
        }
        if let Some(v) = b.get("user") {
            inst.user = model::parse_label(v, "user", model::USER_MAX_CHARS)
                .map_err(ApiError::InvalidRequest)?;
        }
        if let Some(v) = b.get("metadata") {
            inst.metadata = model::parse_metadata(v).map_err(ApiError::InvalidRequest)?;
        }
        tx.save_instance(&inst)?;
        Ok(inst)
    })?;
    Ok(ok(&inst.to_json(&app.base_url)))
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let id = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        let refund = match inst.paid_through {
            Some(pt) => model::refund_micros(inst.day_paid_micros, now - (pt - DAY)),
            None => 0,
        };
        let mut ws = workspace_of(tx, &key)?;
        ws.wallet_micros += refund;
        tx.save_workspace(&ws)?;
        // `deleting` → `deleted` happens inside this one transaction.
        inst.status = Status::Deleted;
        tx.save_instance(&inst)?;
        Ok(inst.id)
    })?;
    Ok(ok(&json!({"id": id, "deleted": true})))
}

fn wrong_state(action: &str, status: Status) -> ApiError {
    ApiError::invalid(format!(
        "cannot {action} an instance that is {}",
        status.as_str()
    ))
}

pub async fn stop(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let id = app.tx(|tx, _| {
        let mut inst = tx.live_instance(&key, &id)?;
        match inst.status {
            Status::Running => {
                cap.check()?;
                inst.status = Status::Stopped;
                tx.save_instance(&inst)?;
            }
            Status::Stopped => {}
            other => return Err(wrong_state("stop", other)),
        }
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
    let (id, booted) = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        match inst.status {
            Status::Running => return Ok((inst.id, false)),
            Status::Stopped => {}
            other => return Err(wrong_state("start", other)),
        }
        if inst.past_due {
            // A funded start pays a new day and clears past_due.
            let mut ws = workspace_of(tx, &key)?;
            let day = inst.day_cost();
            if ws.wallet_micros < day {
                return Err(ApiError::InsufficientBalance(format!(
                    "the instance is past due; the wallet holds {} micros and a day costs {day}",
                    ws.wallet_micros
                )));
            }
            ws.wallet_micros -= day;
            tx.save_workspace(&ws)?;
            inst.past_due = false;
            inst.paid_through = Some(now + DAY);
            inst.day_paid_micros = day;
        }
        // Capacity comes after balance; an Err here rolls the debit back with the transaction.
        cap.check()?;
        inst.status = Status::Running;
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
    let id = app.tx(|tx, _| {
        let inst = tx.live_instance(&key, &id)?;
        if inst.status != Status::Running {
            return Err(wrong_state("restart", inst.status));
        }
        cap.check()?;
        Ok(inst.id)
    })?;
    app.mark_booting(&id);
    Ok(ok(&json!({"id": id, "status": "running"})))
}

pub async fn update(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let inst = app.tx(|tx, _| {
        let mut inst = tx.live_instance(&key, &id)?;
        match body.json()? {
            None => {}
            Some(Value::Object(m)) if m.is_empty() => {}
            Some(_) => return Err(ApiError::invalid("update takes no body (or exactly {})")),
        }
        let next_status = match inst.status {
            Status::Running | Status::Failed => Status::Running,
            Status::Stopped => Status::Stopped,
            other => return Err(wrong_state("update", other)),
        };
        cap.check()?;
        // The template's current image; a deleted template keeps the instance's image.
        let image = match model::system_template(&inst.template) {
            Some(sys) => Some(system_image(tx, sys)?),
            None => tx.template(&key, &inst.template)?.map(|t| t.image_ref),
        };
        if let Some(image) = image {
            inst.image_ref = image;
        }
        inst.status = next_status;
        tx.save_instance(&inst)?;
        Ok(inst)
    })?;
    if inst.status == Status::Running {
        app.mark_booting(&inst.id);
    }
    Ok(ok(
        &json!({"id": inst.id, "status": inst.status.as_str(), "image_ref": inst.image_ref}),
    ))
}

pub async fn resize(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let (inst, changed) = app.tx(|tx, _| {
        let mut inst = tx.live_instance(&key, &id)?;
        let b = body.object_or_empty()?;
        let req = model::parse_resources_request(Some(&Value::Object(b)))
            .map_err(ApiError::InvalidRequest)?;
        let target: Resources = model::resolve_resize(inst.resources, req, &inst.template)
            .map_err(ApiError::InvalidRequest)?;
        if inst.status != Status::Running {
            return Err(wrong_state("resize", inst.status));
        }
        if target == inst.resources {
            return Ok((inst, false));
        }
        let ws = workspace_of(tx, &key)?;
        if !ws.tier.allows(target) {
            return Err(ApiError::TierLimit(format!(
                "shape {}/{} is above the {} tier (at most 2 vCPU / 4 GB)",
                target.cpu,
                target.memory,
                ws.tier.as_str()
            )));
        }
        let count = tx.count_live(&key)?;
        // The fleet without this instance's current shape.
        let others = tx.fleet_day_cost(&key)? - inst.day_cost();
        check_balance(&ws, model::day_cost_micros(target), count, others)?;
        cap.check()?;
        // The new shape is billed from the next renewal; the current day stays as paid.
        inst.resources = target;
        tx.save_instance(&inst)?;
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
    let (id, command) = app.tx(|tx, _| {
        let inst = tx.live_instance(&key, &id)?;
        let b = body.object()?;
        let command = match b.get("command") {
            Some(Value::String(s)) => s.clone(),
            None | Some(Value::Null) => return Err(ApiError::invalid("command is required")),
            Some(_) => return Err(ApiError::invalid("command must be a string")),
        };
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

/// A signed-URL token: expiry, a nonce (every call mints a new one) and a keyed hash.
/// Nothing is stored; the instance plane re-derives the hash to check it.
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
    let (inst, port, expires_at) = app.tx(|tx, now| {
        let inst = tx.live_instance(&key, &id)?;
        let b: Map<String, Value> = body.object()?;
        let port = match model::opt_int(&b, "port", "").map_err(ApiError::InvalidRequest)? {
            Some(port) => port,
            None => return Err(ApiError::invalid("port is required")),
        };
        if !inst.ports.iter().any(|p| p.port == port) {
            let declared: Vec<String> = inst.ports.iter().map(|p| p.port.to_string()).collect();
            return Err(ApiError::invalid(format!(
                "port {port} is not one of the instance's ports ({})",
                declared.join(", ")
            )));
        }
        let ttl = match model::opt_int(&b, "ttl_seconds", "").map_err(ApiError::InvalidRequest)? {
            None => 3600,
            Some(t) if t <= 0 => return Err(ApiError::invalid("ttl_seconds must be positive")),
            Some(t) => t.clamp(60, 86_400),
        };
        if inst.status != Status::Running {
            return Err(wrong_state("sign a URL for", inst.status));
        }
        Ok((inst, port, now + ttl))
    })?;
    let token = sign(&app.secret(), &inst.id, port, expires_at, &random_alnum(16));
    let url = format!("{}?a37_token={token}", inst.port_url(&app.base_url, port));
    Ok(ok(
        &json!({"url": url, "port": port, "expires_at": expires_at}),
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

    #[test]
    fn create_budget_accepts_both_names() {
        assert_eq!(
            parse_create_budget(Some(&json!({"topup_micros": 5}))).unwrap(),
            (0, 5)
        );
        assert_eq!(
            parse_create_budget(Some(&json!({"credit_micros": 6, "monthly_cap_micros": 1})))
                .unwrap(),
            (1, 6)
        );
        assert!(
            parse_create_budget(Some(&json!({"credit_micros": 6, "topup_micros": 6}))).is_err()
        );
        assert!(parse_create_budget(Some(&json!({"monthly_cap_micros": -1}))).is_err());
        assert!(parse_create_budget(Some(&json!({"monthly_cap_micros": 1.5}))).is_err());
        assert!(parse_create_budget(Some(&json!([]))).is_err());
    }
}
