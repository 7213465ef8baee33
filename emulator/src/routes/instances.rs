//! Instances: create, list, get, patch and delete under either revision. Each handler follows
//! the contract's check order: (auth, route: done by the middleware) → object lookup → body
//! validation → state precondition → tier (and shared) → limit → balance → capacity.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::{Caller, Capacity, InstanceId, RawBody, json as respond, list_answer, ok};
use crate::app::{App, random_alnum};
use crate::error::{ApiError, ApiResult};
use crate::model::{
    self, Budget, BudgetNames, DAY, InstanceType, Port, Resources, Revision, Status, StatusReason,
};
use crate::objects::{Extra, Instance, Render, Workspace, sha256_digest};
use crate::store::Tx;

/// A template as instance create (and update) needs it.
pub struct ResolvedTemplate {
    pub name: String,
    pub pin: Option<String>,
    pub image_ref: Option<String>,
    pub image_digest: String,
    pub template_revision: Option<i64>,
    pub agent: String,
    pub ports: Vec<Port>,
    pub smallest: (i64, i64),
}

/// The system template's current image (the control surface can publish a newer one).
pub fn system_image(tx: &Tx<'_>, t: &model::SystemTemplate) -> ApiResult<String> {
    Ok(tx
        .system_image(t.name)?
        .unwrap_or_else(|| t.image_ref.to_string()))
}

/// The tag of an image reference (`…:TAG`), if it has one.
pub fn image_tag(image_ref: &str) -> Option<&str> {
    let last = image_ref.rsplit('/').next()?;
    let last = last.split('@').next()?;
    last.split_once(':').map(|(_, t)| t)
}

/// The image a system tag names: the built-in release or one published since.
pub fn system_release(
    tx: &Tx<'_>,
    t: &model::SystemTemplate,
    tag: &str,
) -> ApiResult<Option<String>> {
    if image_tag(t.image_ref) == Some(tag) {
        return Ok(Some(t.image_ref.to_string()));
    }
    tx.system_release(t.name, tag)
}

/// The digest of a registry image: declared through `/_emulator/images`, else the SHA-256 of
/// the reference.
pub fn registry_digest(tx: &Tx<'_>, image_ref: &str) -> ApiResult<String> {
    Ok(tx
        .image(image_ref)?
        .map(|i| i.digest)
        .unwrap_or_else(|| sha256_digest(image_ref.as_bytes())))
}

fn published_text(revs: &[i64]) -> String {
    let list: Vec<String> = revs.iter().map(i64::to_string).collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}

/// Resolves `name` (2026-08-21: optionally `name@version`) for a create or an update.
pub fn resolve_template(
    tx: &Tx<'_>,
    workspace: &str,
    name: &str,
    rev: Revision,
) -> ApiResult<ResolvedTemplate> {
    let (base, version) = if rev.is_v2() {
        model::split_pin(name)
    } else {
        (name, None)
    };
    if model::looks_like_image_ref(base) || (!rev.is_v2() && model::looks_like_image_ref(name)) {
        return Err(ApiError::invalid(format!(
            "template {name:?} looks like an image reference; pass a template name \
             (register the image with POST /templates first)"
        )));
    }
    if version == Some("latest") {
        return Err(ApiError::invalid(format!(
            "template {name:?}: @latest is not a pin; pass a published version or no version"
        )));
    }
    if let Some(sys) = model::system_template(base) {
        let image = match version {
            None => system_image(tx, sys)?,
            Some(tag) => system_release(tx, sys, tag)?.ok_or_else(|| {
                ApiError::invalid(format!(
                    "template {name:?}: {tag:?} is not a published release of {base}"
                ))
            })?,
        };
        return Ok(ResolvedTemplate {
            name: sys.name.to_string(),
            pin: version.map(str::to_string),
            image_digest: registry_digest(tx, &image)?,
            image_ref: Some(image),
            template_revision: None,
            agent: sys.agent.to_string(),
            ports: sys.ports(),
            smallest: if rev.is_v2() { (2, 4) } else { sys.smallest },
        });
    }
    if base.starts_with("agent37-") {
        return Err(ApiError::invalid(format!(
            "template {name:?}: there is no such system template"
        )));
    }
    let t = tx
        .template(workspace, base)?
        .ok_or_else(|| ApiError::invalid(format!("template {base:?} does not exist")))?;
    let (image_ref, digest, revision) = match version {
        None => (
            t.image_ref.clone(),
            t.image_digest.clone().unwrap_or_else(|| {
                sha256_digest(t.image_ref.as_deref().unwrap_or_default().as_bytes())
            }),
            t.revision,
        ),
        Some(v) => {
            let revs = tx.template_revisions(workspace, base)?;
            let numbers: Vec<i64> = revs.iter().map(|r| r.revision).collect();
            let found = v
                .parse::<i64>()
                .ok()
                .and_then(|n| revs.iter().find(|r| r.revision == n))
                .ok_or_else(|| {
                    ApiError::invalid(format!(
                        "template {name:?}: revision {v:?} is not published (published: {})",
                        published_text(&numbers)
                    ))
                })?;
            (
                found.image_ref.clone(),
                found.image_digest.clone(),
                found.revision,
            )
        }
    };
    Ok(ResolvedTemplate {
        name: t.name.clone(),
        pin: version.map(str::to_string),
        image_ref,
        image_digest: digest,
        template_revision: Some(revision),
        agent: model::CUSTOM_AGENT.to_string(),
        ports: t.ports.clone(),
        smallest: (2, 4),
    })
}

pub fn workspace_of(tx: &Tx<'_>, key: &str) -> ApiResult<Workspace> {
    tx.workspace(key)?
        .ok_or_else(|| ApiError::InvalidApiKey("unknown API key".into()))
}

/// The rendering context of this emulator under `rev`.
pub fn render_ctx(app: &App, rev: Revision) -> Render {
    Render {
        rev,
        base_url: app.base_url.clone(),
        plane_host: app.config().plane_host,
        port: app.port,
    }
}

/// Active domains of a workspace, oldest first (2026-08-21 only; empty otherwise).
pub fn active_domains(tx: &Tx<'_>, workspace: &str, rev: Revision) -> ApiResult<Vec<String>> {
    if !rev.is_v2() {
        return Ok(Vec::new());
    }
    Ok(tx
        .domains(workspace, true)?
        .into_iter()
        .map(|d| d.domain)
        .collect())
}

/// An instance as the API shows it under `r.rev`.
pub fn instance_json(
    tx: &Tx<'_>,
    r: &Render,
    inst: &Instance,
    domains: &[String],
    now: i64,
) -> ApiResult<Value> {
    if !r.rev.is_v2() {
        return Ok(inst.to_json_v1(&r.base_url));
    }
    let ports = tx.public_ports(&inst.id)?;
    Ok(inst.to_json(r, &ports, domains, now))
}

/// `budget` of a create body. With the `topup` names both `topup_micros` and `credit_micros`
/// are accepted (not both); with `credit` names `topup_micros` is silently ignored, as live.
pub fn parse_create_budget(v: Option<&Value>, names: BudgetNames) -> ApiResult<(i64, i64)> {
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
    let headroom = match names {
        BudgetNames::Credit => non_negative("credit_micros")?.unwrap_or(0),
        BudgetNames::Topup => match (
            non_negative("topup_micros")?,
            non_negative("credit_micros")?,
        ) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "budget: send topup_micros or credit_micros, not both",
                ));
            }
            (a, b) => a.or(b).unwrap_or(0),
        },
    };
    Ok((cap, headroom))
}

fn new_id(tx: &Tx<'_>, len: usize) -> ApiResult<String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    loop {
        let id: String = (0..len)
            .map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char)
            .collect();
        // Ids are never reused: deleted instances keep their rows.
        if len != 10 || !tx.id_taken(&id)? {
            return Ok(id);
        }
    }
}

/// A fresh public-port slug: 20 characters of `[a-z0-9]`, unused.
pub fn new_slug(tx: &Tx<'_>) -> ApiResult<String> {
    loop {
        let s = new_id(tx, 20)?;
        if tx.public_port_by_slug(&s)?.is_none() {
            return Ok(s);
        }
    }
}

/// The 2026-06-25 402 rules: one day of compute now, and from the second instance on, 30
/// days of the whole fleet (including the new or resized shape) held in the wallet.
pub fn check_balance(
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

pub fn tier_check(ws: &Workspace, r: Resources) -> ApiResult<()> {
    if ws.tier().allows(r) {
        return Ok(());
    }
    Err(ApiError::TierLimit(format!(
        "shape {}/{} is above the {} tier (at most 2 vCPU / 4 GB)",
        r.cpu,
        r.memory,
        ws.tier().as_str()
    )))
}

/// What 2026-08-21 adds to a create body, validated.
struct CreateV2 {
    kind: InstanceType,
    env: Option<Map<String, Value>>,
    auto_sleep: bool,
    idle_timeout: i64,
    public_ports: Vec<model::PublicPortRequest>,
}

fn parse_create_v2(b: &Map<String, Value>) -> ApiResult<CreateV2> {
    let inv = ApiError::InvalidRequest;
    let kind = InstanceType::parse(b.get("type")).map_err(inv)?;
    let env = match b.get("env") {
        None => None,
        Some(v) => model::parse_env(v).map_err(inv)?,
    };
    let auto_sleep = match b.get("auto_sleep") {
        None | Some(Value::Null) => false,
        Some(v) => model::parse_bool(v, "auto_sleep").map_err(inv)?,
    };
    let idle_timeout = match b.get("idle_timeout_seconds") {
        None | Some(Value::Null) => model::DEFAULT_IDLE_TIMEOUT,
        Some(v) => model::parse_idle_timeout(v).map_err(inv)?,
    };
    let public_ports = match b.get("public_ports") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => {
            if items.len() > model::MAX_PUBLIC_PORTS {
                return Err(ApiError::invalid(format!(
                    "public_ports: at most {} entries",
                    model::MAX_PUBLIC_PORTS
                )));
            }
            let mut out: Vec<model::PublicPortRequest> = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let p =
                    model::parse_public_port(item, &format!("public_ports[{i}].")).map_err(inv)?;
                if out.iter().any(|o| o.port == p.port) {
                    return Err(ApiError::invalid(format!(
                        "public_ports[{i}]: port {} twice",
                        p.port
                    )));
                }
                if p.prefix.is_some() && out.iter().any(|o| o.prefix == p.prefix) {
                    return Err(ApiError::invalid(format!(
                        "public_ports[{i}]: prefix used twice"
                    )));
                }
                out.push(p);
            }
            out
        }
        Some(_) => return Err(ApiError::invalid("public_ports must be an array")),
    };
    Ok(CreateV2 {
        kind,
        env,
        auto_sleep,
        idle_timeout,
        public_ports,
    })
}

fn label_field(b: &Map<String, Value>, field: &str, max: usize) -> ApiResult<Option<String>> {
    match b.get(field) {
        None => Ok(None),
        Some(v) => model::parse_label(v, field, max).map_err(ApiError::InvalidRequest),
    }
}

/// What a create transaction ends with: a new instance, or a failure to report after commit.
enum Created {
    Running(Box<Instance>, Value),
    Failed { detail: String },
}

pub async fn create(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    cap: Capacity,
    body: RawBody,
) -> ApiResult<Response> {
    let rev = app.revision();
    let names = app.budget_names();
    let render = render_ctx(&app, rev);
    let created = app.tx(|tx, now| {
        // body validation
        let b = body.object_or_empty()?;
        let template = match b.get("template") {
            None | Some(Value::Null) => model::DEFAULT_TEMPLATE.to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(ApiError::invalid("template must be a string")),
        };
        let res_req = model::parse_resources_request(b.get("resources")).map_err(ApiError::InvalidRequest)?;
        let user = label_field(&b, "user", model::USER_MAX_CHARS)?;
        let name = label_field(&b, "name", model::NAME_MAX_CHARS)?;
        let metadata = match b.get("metadata") {
            None => None,
            Some(v) => model::parse_metadata(v).map_err(ApiError::InvalidRequest)?,
        };
        let (monthly_cap, headroom) = parse_create_budget(b.get("budget"), names)?;
        let v2 = if rev.is_v2() { Some(parse_create_v2(&b)?) } else { None };
        let tpl = resolve_template(tx, &key, &template, rev)?;
        let resources = match rev {
            Revision::R20260821 => model::resolve_resources_v2(res_req.shape, res_req.disk),
            Revision::R20260625 => model::resolve_resources(res_req, &tpl.name, tpl.smallest),
        }
        .map_err(ApiError::InvalidRequest)?;
        // tier, shared, instance limit
        let mut ws = workspace_of(tx, &key)?;
        tier_check(&ws, resources)?;
        if let Some(v2) = &v2
            && v2.kind == InstanceType::Shared
            && !ws.shared_enabled
        {
            return Err(ApiError::SharedUnavailable(
                "shared instances are not enabled for this workspace; nothing was provisioned".into(),
            ));
        }
        let count = tx.count_live(&key)?;
        let limit = ws.effective_limit(rev);
        if count >= limit {
            return Err(ApiError::InstanceLimitReached(format!(
                "the workspace already has {count} instances (limit {limit})"
            )));
        }
        // balance: 2026-06-25 prepays a day (and holds 30 for the fleet); 2026-08-21 only
        // checks that the wallet holds one day at the running rate.
        let day = model::day_cost_micros(resources);
        match rev {
            Revision::R20260625 => {
                let others = if count >= 1 { tx.fleet_day_cost(&key)? } else { 0 };
                check_balance(&ws, day, count + 1, others)?;
            }
            Revision::R20260821 => {
                if ws.wallet_micros < day {
                    return Err(ApiError::InsufficientBalance(format!(
                        "the wallet holds {} micros; one day of this shape at the running rate is {day}",
                        ws.wallet_micros
                    )));
                }
            }
        }
        cap.check()?;
        let failure = cap.create_failed();
        // Without `persist`, and always under 2026-06-25, a failed create leaves nothing.
        if let Some((_, persist)) = &failure
            && (!persist || !rev.is_v2())
        {
            return Ok(Created::Failed {
                detail: failure.and_then(|f| f.0).unwrap_or_else(|| model::default_console_tail(&tpl.name)),
            });
        }
        if !rev.is_v2() {
            ws.wallet_micros -= day;
            tx.save_workspace(&ws)?;
        }
        let v2 = v2.unwrap_or(CreateV2 {
            kind: InstanceType::Dedicated,
            env: None,
            auto_sleep: false,
            idle_timeout: model::DEFAULT_IDLE_TIMEOUT,
            public_ports: Vec::new(),
        });
        let mut inst = Instance {
            id: new_id(tx, 10)?,
            seq: tx.next_instance_seq()?,
            workspace: key.clone(),
            status: Status::Running,
            template: tpl.name,
            pin: tpl.pin,
            // A 2026-06-25 create leaves these to the first update (8.2).
            template_revision: if rev.is_v2() { tpl.template_revision } else { None },
            image_ref: tpl.image_ref,
            image_digest: rev.is_v2().then_some(tpl.image_digest),
            agent: tpl.agent,
            resources,
            ports: tpl.ports,
            user,
            name,
            metadata,
            paid_through: (!rev.is_v2()).then_some(now + DAY),
            past_due: false,
            created: now,
            day_paid_micros: if rev.is_v2() { 0 } else { day },
            budget: Budget {
                monthly_cap,
                monthly_consumed: 0,
                monthly_period: model::month_of(now),
                topup_remaining: headroom,
                updated_at: now,
            },
            status_reason: None,
            kind: v2.kind,
            env: v2.env,
            auto_sleep: v2.auto_sleep,
            idle_timeout: v2.idle_timeout,
            slept_at: None,
            checkpoint_until: None,
            wake_until: None,
            last_activity: now,
            running_since: None,
            first_run: None,
            runs: Vec::new(),
            extra: Extra::default(),
        };
        if let Some((detail, true)) = failure {
            // The container never came up: the row stays `failed` (2.8), nothing is billed.
            let detail = model::cap_detail(&detail.unwrap_or_else(|| model::default_console_tail(&inst.template)));
            inst.status = Status::Failed;
            // The container existed and exited: its console is the instance's log.
            inst.extra.exit_code = Some(1);
            inst.status_reason = Some(StatusReason {
                code: "provisioning_failed".into(),
                message: "The container exited during boot.".into(),
                detail: Some(detail.clone()),
                operation: "create".into(),
                at: now,
            });
            tx.save_instance(&inst)?;
            tx.append_log(&inst.id, &detail)?;
            return Ok(Created::Failed { detail });
        }
        tx.save_instance(&inst)?;
        for p in &v2.public_ports {
            super::public_ports::add(tx, &inst.id, p, now)?;
        }
        let domains = active_domains(tx, &key, rev)?;
        let body = instance_json(tx, &render, &inst, &domains, now)?;
        Ok(Created::Running(Box::new(inst), body))
    })?;
    match created {
        Created::Running(inst, body) => {
            app.mark_booting(&inst.id);
            Ok(respond(StatusCode::CREATED, &body))
        }
        Created::Failed { detail } => {
            if rev.is_v2() {
                Err(ApiError::CreateFailed {
                    message: "The container exited during boot.".into(),
                    detail,
                })
            } else {
                Err(ApiError::ProvisioningFailed(
                    "container operation failed (injected)".into(),
                ))
            }
        }
    }
}

pub async fn list(State(app): State<Arc<App>>, Caller(key): Caller) -> ApiResult<Response> {
    let rev = app.revision();
    let render = render_ctx(&app, rev);
    list_answer(&app, |tx, now| {
        let domains = active_domains(tx, &key, rev)?;
        tx.live_instances(&key)?
            .iter()
            .map(|i| instance_json(tx, &render, i, &domains, now))
            .collect::<ApiResult<Vec<Value>>>()
    })
}

pub async fn get_one(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let rev = app.revision();
    let render = render_ctx(&app, rev);
    let body = app.tx(|tx, now| {
        let inst = tx.live_instance(&key, &id)?;
        let domains = active_domains(tx, &key, rev)?;
        instance_json(tx, &render, &inst, &domains, now)
    })?;
    Ok(ok(&body))
}

pub async fn patch(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let rev = app.revision();
    let render = render_ctx(&app, rev);
    let out = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        let b = body.object()?;
        let known: &[&str] = if rev.is_v2() {
            &[
                "name",
                "user",
                "metadata",
                "auto_sleep",
                "idle_timeout_seconds",
            ]
        } else {
            &["name", "user", "metadata"]
        };
        if rev.is_v2() {
            for immutable in ["env", "type"] {
                if b.contains_key(immutable) {
                    return Err(ApiError::invalid(format!(
                        "{immutable} is set at create and cannot change"
                    )));
                }
            }
        }
        if !known.iter().any(|k| b.contains_key(*k)) {
            return Err(ApiError::invalid(format!(
                "send at least one of {}",
                known.join(", ")
            )));
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
        if rev.is_v2() {
            if let Some(v) = b.get("auto_sleep") {
                let on = model::parse_bool(v, "auto_sleep").map_err(ApiError::InvalidRequest)?;
                if on && !inst.auto_sleep {
                    // Enabling starts the idle timer now.
                    inst.last_activity = now;
                }
                inst.auto_sleep = on;
            }
            if let Some(v) = b.get("idle_timeout_seconds") {
                inst.idle_timeout =
                    model::parse_idle_timeout(v).map_err(ApiError::InvalidRequest)?;
            }
        }
        tx.save_instance(&inst)?;
        let domains = active_domains(tx, &key, rev)?;
        instance_json(tx, &render, &inst, &domains, now)
    })?;
    Ok(ok(&out))
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
) -> ApiResult<Response> {
    let rev = app.revision();
    let id = app.tx(|tx, now| {
        let mut inst = tx.live_instance(&key, &id)?;
        if !rev.is_v2() {
            let refund = match inst.paid_through {
                Some(pt) => model::refund_micros(inst.day_paid_micros, now - (pt - DAY)),
                None => 0,
            };
            let mut ws = workspace_of(tx, &key)?;
            ws.wallet_micros += refund;
            tx.save_workspace(&ws)?;
        }
        // `deleting` → `deleted` happens inside this one transaction; under 2026-08-21 the
        // save settles the last minutes. Public ports and connections go with it.
        inst.status = Status::Deleted;
        tx.save_instance(&inst)?;
        tx.drop_instance_children(&inst.id)?;
        Ok(inst.id)
    })?;
    Ok(ok(&json!({"id": id, "deleted": true})))
}

pub fn random_suffix() -> String {
    random_alnum(16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_budget_names() {
        let t = BudgetNames::Topup;
        assert_eq!(
            parse_create_budget(Some(&json!({"topup_micros": 5})), t).unwrap(),
            (0, 5)
        );
        assert_eq!(
            parse_create_budget(
                Some(&json!({"credit_micros": 6, "monthly_cap_micros": 1})),
                t
            )
            .unwrap(),
            (1, 6)
        );
        assert!(
            parse_create_budget(Some(&json!({"credit_micros": 6, "topup_micros": 6})), t).is_err()
        );
        assert!(parse_create_budget(Some(&json!({"monthly_cap_micros": -1})), t).is_err());
        assert!(parse_create_budget(Some(&json!({"monthly_cap_micros": 1.5})), t).is_err());
        assert!(parse_create_budget(Some(&json!([])), t).is_err());
        // Under the credit names the old field is silently ignored, whatever it holds.
        let c = BudgetNames::Credit;
        assert_eq!(
            parse_create_budget(Some(&json!({"topup_micros": 5})), c).unwrap(),
            (0, 0)
        );
        assert_eq!(
            parse_create_budget(Some(&json!({"topup_micros": -5, "credit_micros": 7})), c).unwrap(),
            (0, 7)
        );
    }

    #[test]
    fn image_tags() {
        assert_eq!(
            image_tag("ghcr.io/agent37-platform/hermes:2026.06.20"),
            Some("2026.06.20")
        );
        assert_eq!(image_tag("localhost:5000/acme/agent"), None);
        assert_eq!(image_tag("acme/agent:v1@sha256:abc"), Some("v1"));
    }
}
