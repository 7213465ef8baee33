//! The instance plane on loopback (8.3): the URLs the API hands out are served by the emulator
//! itself, by `Host` (`{label}.{plane_host}`, `{label}.{active domain}`) or by the path form
//! `/_instances/{id}/{port}/…`. Like the real edge it answers flat `{"error": "<code>"}`
//! bodies, not the API envelope. The rules themselves are `model::plane`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::lifecycle::verify;
use super::{Deferred, check_allowlist, json as respond};
use crate::app::{App, RuntimeConfig};
use crate::error::{ApiError, ApiResult};
use crate::faults::FaultKind;
use crate::model::{
    self, Credential, Label, Revision, Status, StatusReason, Verdict, harness_of,
    parse_plane_label, status_verdict,
};
use crate::objects::Instance;
use crate::store::Tx;

/// Where `route_host` moved a request whose `Host` is a plane host.
#[derive(Debug, Clone)]
pub struct PlaneHost {
    pub label: String,
    /// The active custom domain the host is under, if it is a mirror.
    pub domain: Option<String>,
    /// The request's path as the client sent it.
    pub original_path: String,
}

/// What the plane says about a request, for the traffic log (8.7).
#[derive(Debug, Clone, Copy)]
pub struct PlaneNote {
    pub credential: Option<Credential>,
    /// Refused for its credential (none, bad, foreign, outside the allowlist).
    pub rejected: bool,
}

/// The prefix under which the router serves host-form plane requests.
pub const HOST_FORM_PREFIX: &str = "/_plane/";

/// `Host` (or the absolute URI's authority) of a request.
pub fn host_of(req: &Request) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
}

fn is_active_domain(app: &App, domain: &str) -> bool {
    app.store
        .with(|tx| tx.domain(domain))
        .ok()
        .flatten()
        .is_some_and(|d| d.active)
}

/// Before routing: a request for `{label}.{plane_host}` (or, under 2026-08-21,
/// `{label}.{active domain}`) moves under `/_plane/{label}/…`, where the router's plane routes
/// are; any other host stays on the API.
pub fn route_host(app: &App, mut req: Request) -> Request {
    let Some(host) = host_of(&req) else {
        return req;
    };
    let bare = model::strip_port(&host);
    if bare.parse::<std::net::IpAddr>().is_ok()
        || bare
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok()
    {
        return req;
    }
    let (label, domain) = match model::plane_label(&host, &app.plane_host()) {
        Some(l) => (l, None),
        None => match model::split_first_label(&host) {
            Some((l, d)) if app.revision().is_v2() && is_active_domain(app, &d) => (l, Some(d)),
            _ => return req,
        },
    };
    // A label the router could not carry in a path reads as an unknown one.
    let label = if label
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || c == b'-')
    {
        label
    } else {
        "-".to_string()
    };
    let original_path = req.uri().path().to_string();
    let rest = if original_path == "/" {
        String::new()
    } else {
        original_path.clone()
    };
    let pq = match req.uri().query() {
        Some(q) => format!("{HOST_FORM_PREFIX}{label}{rest}?{q}"),
        None => format!("{HOST_FORM_PREFIX}{label}{rest}"),
    };
    if let Ok(uri) = pq.parse() {
        *req.uri_mut() = uri;
        req.extensions_mut().insert(PlaneHost {
            label,
            domain,
            original_path,
        });
    }
    req
}

/// A flat edge answer.
type Flat = (u16, &'static str);

fn flat(status: u16, code: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    respond(status, &json!({ "error": code }))
}

const NOT_FOUND: Flat = (404, "not_found");

/// What a plane request names.
enum Target {
    Host {
        label: Label,
        domain: Option<String>,
    },
    Path {
        id: String,
        port: i64,
    },
}

struct Call {
    target: Target,
    /// The path under the instance (`/`, `/v1/health`, …).
    rest: String,
    query: Option<String>,
    headers: HeaderMap,
    method: Method,
    peer: std::net::IpAddr,
    wake_fault: Option<FaultKind>,
}

impl Call {
    fn parse(req: &Request) -> Option<Call> {
        let path = req.uri().path();
        let (target, rest) = match req.extensions().get::<PlaneHost>() {
            Some(ph) => {
                let rest = ph.original_path.clone();
                let target = Target::Host {
                    label: parse_plane_label(&ph.label),
                    domain: ph.domain.clone(),
                };
                (target, rest)
            }
            None => {
                let tail = path.strip_prefix("/_instances/")?;
                let (id, tail) = tail.split_once('/').unwrap_or((tail, ""));
                let (port, rest) = match tail.find('/') {
                    Some(i) => (&tail[..i], &tail[i..]),
                    None => (tail, "/"),
                };
                let target = Target::Path {
                    id: id.to_string(),
                    port: port.parse().ok()?,
                };
                (target, rest.to_string())
            }
        };
        Some(Call {
            target,
            rest: if rest.is_empty() { "/".into() } else { rest },
            query: req.uri().query().map(str::to_string),
            headers: req.headers().clone(),
            method: req.method().clone(),
            peer: super::client_ip(req),
            wake_fault: req
                .extensions()
                .get::<Deferred>()
                .map(|d| d.0.clone())
                .filter(|k| matches!(k, FaultKind::WakeFailed | FaultKind::WakeTimeout)),
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// The instance, port and public-port flag a call names, or a flat 404.
fn resolve(
    tx: &Tx<'_>,
    rev: Revision,
    call: &Call,
) -> ApiResult<Result<(Instance, i64, bool), Flat>> {
    let (inst, port, public, domain) = match &call.target {
        Target::Path { id, port } => {
            let Some(inst) = tx.instance(id)? else {
                return Ok(Err(NOT_FOUND));
            };
            let declared = inst.ports.iter().any(|p| p.port == *port);
            if (rev.is_v2() && !(1..=65_535).contains(port)) || (!rev.is_v2() && !declared) {
                return Ok(Err(NOT_FOUND));
            }
            (inst, *port, false, None)
        }
        Target::Host { label, domain } => {
            let found = match label {
                Label::Bare(id) => tx.instance(id)?.map(|i| {
                    let p = i.default_port();
                    (i, p, false)
                }),
                Label::Preview(id, p) => tx.instance(id)?.map(|i| (i, *p, false)),
                Label::Slug(s) if rev.is_v2() => match tx.public_port_by_slug(s)? {
                    Some(pp) => tx.instance(&pp.instance_id)?.map(|i| (i, pp.port, true)),
                    None => None,
                },
                Label::Prefixed(prefix, id) if rev.is_v2() => {
                    match tx.public_port_by_prefix(id, prefix)? {
                        Some(pp) => tx.instance(id)?.map(|i| (i, pp.port, true)),
                        None => None,
                    }
                }
                _ => None,
            };
            let Some((inst, port, public)) = found else {
                return Ok(Err(NOT_FOUND));
            };
            (inst, port, public, domain.clone())
        }
    };
    if inst.status == Status::Deleted
        || (rev.is_v2() && matches!(inst.status, Status::Failed | Status::Deleting))
    {
        return Ok(Err(NOT_FOUND));
    }
    // A domain mirrors only the instances of the workspace that holds it.
    if let Some(d) = domain
        && tx
            .domain(&d)?
            .is_none_or(|d| !d.active || d.workspace != inst.workspace)
    {
        return Ok(Err(NOT_FOUND));
    }
    Ok(Ok((inst, port, public)))
}

/// What a plane decision reads from the emulator's settings.
struct Ctx {
    rev: Revision,
    cfg: RuntimeConfig,
    secret: String,
}

/// How the call authenticates for `inst`/`port`: its credential and a cookie to set, or the
/// refusal. Order: signed token, `a37_session` cookie (2026-08-21), then the key header.
fn authenticate(
    tx: &Tx<'_>,
    ctx: &Ctx,
    call: &Call,
    inst: &Instance,
    port: i64,
    now: i64,
) -> ApiResult<Result<(Credential, Option<String>), Flat>> {
    let Ctx { rev, cfg, secret } = ctx;
    let rev = *rev;
    if let Some(t) = model::query_param(call.query.as_deref(), "a37_token")
        && verify(secret, &inst.id, port, &t, now)
    {
        let cookie = rev.is_v2().then(|| session_cookie(&t, now));
        return Ok(Ok((Credential::SignedUrl, cookie)));
    }
    if rev.is_v2()
        && let Some(c) = call
            .header("cookie")
            .and_then(|h| model::cookie(h, "a37_session"))
        && verify(secret, &inst.id, port, c, now)
    {
        return Ok(Ok((Credential::Cookie, None)));
    }
    let authorization = call.header("authorization");
    let (key, kind) = if rev.is_v2() {
        match call.header("x-agent37-key") {
            // A bad X-Agent37-Key never falls back to the Bearer header.
            Some(k) => (Some(k.trim()), Credential::XAgent37Key),
            None if cfg.plane_bearer_reject => (None, Credential::DeprecatedBearer),
            None => (
                authorization.and_then(model::bearer_api_key),
                Credential::DeprecatedBearer,
            ),
        }
    } else {
        let bearer = authorization
            .and_then(|v| v.split_once(' '))
            .filter(|(s, _)| s.eq_ignore_ascii_case("bearer"))
            .map(|(_, k)| k.trim());
        (bearer, Credential::Bearer)
    };
    let Some(key) = key else {
        return Ok(Err((401, "invalid_api_key")));
    };
    let ws = if model::is_valid_api_key(key) {
        tx.workspace(key)?
    } else {
        None
    };
    let Some(ws) = ws else {
        return Ok(Err((401, "invalid_api_key")));
    };
    if ws.api_key != inst.workspace {
        return Ok(Err(NOT_FOUND));
    }
    if rev.is_v2() && check_allowlist(&ws, call.peer).is_err() {
        return Ok(Err((403, "ip_not_allowed")));
    }
    Ok(Ok((kind, None)))
}

fn session_cookie(token: &str, now: i64) -> String {
    let expires = token
        .split('_')
        .nth(1)
        .and_then(|e| e.parse::<i64>().ok())
        .unwrap_or(now);
    format!(
        "a37_session={token}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax",
        (expires - now).max(0)
    )
}

/// Wakes a sleeper as a URL request would (2026-08-21): the next wake's shape comes from an
/// injected fault, else the `wake` control's `next` (once), else fast. `Some` is the flat
/// answer of a wake that did not finish now.
pub fn wake(
    tx: &mut Tx<'_>,
    inst: &mut Instance,
    wake_seconds: i64,
    fault: Option<&FaultKind>,
    now: i64,
) -> ApiResult<Option<Flat>> {
    let next = match fault {
        Some(FaultKind::WakeFailed) => "fail".to_string(),
        Some(FaultKind::WakeTimeout) => "timeout".to_string(),
        _ => inst.extra.next_wake.take().unwrap_or_else(|| "fast".into()),
    };
    let answer = match next.as_str() {
        "fail" => {
            inst.status_reason = Some(StatusReason {
                code: "wake_failed".into(),
                message: "the instance could not be woken; the next request retries".into(),
                detail: None,
                operation: "wake".into(),
                at: now,
            });
            Some((503, "wake_failed"))
        }
        "slow" | "timeout" if wake_seconds > 0 || next == "timeout" => {
            inst.status = Status::Waking;
            inst.checkpoint_until = None;
            inst.wake_until = Some(now + wake_seconds.max(1));
            if next == "timeout" {
                Some((503, "wake_timeout"))
            } else {
                Some((502, "container_unreachable"))
            }
        }
        _ => {
            inst.status = Status::Running;
            inst.slept_at = None;
            inst.checkpoint_until = None;
            inst.wake_until = None;
            inst.last_activity = now;
            inst.status_reason = None;
            None
        }
    };
    tx.save_instance(inst)?;
    Ok(answer)
}

/// The answer of a call that passed every check.
fn served(rev: Revision, call: &Call, inst: &Instance, port: i64) -> Response {
    let agent = if rev.is_v2() {
        harness_of(&inst.agent)
    } else {
        inst.agent.as_str()
    };
    match call.rest.as_str() {
        "/v1/health" => {
            let requested = model::query_param(call.query.as_deref(), "agent");
            match model::health_body(rev, &inst.agent, requested.as_deref()) {
                Ok(body) => respond(StatusCode::OK, &body),
                Err(body) => respond(StatusCode::BAD_REQUEST, &body),
            }
        }
        "/v1/version" => respond(
            StatusCode::OK,
            &json!({"name": "agent37-gateway", "version": "emulator"}),
        ),
        path => {
            let forwarded = rev.is_v2()
                && call
                    .header("authorization")
                    .is_some_and(|a| model::bearer_api_key(a).is_none());
            respond(
                StatusCode::OK,
                &json!({
                    "instance": inst.id,
                    "port": port,
                    "agent": agent,
                    "path": path,
                    "query": model::query_without(call.query.as_deref(), "a37_token"),
                    "authorization_forwarded": forwarded,
                    "message": "agent37-emulator: this instance port is served by the emulator",
                }),
            )
        }
    }
}

enum Outcome {
    Refused(Flat, Option<Credential>, bool),
    Served(Box<Instance>, i64, Credential, Option<String>),
}

fn decide(app: &App, tx: &mut Tx<'_>, now: i64, call: &Call) -> ApiResult<Outcome> {
    let ctx = Ctx {
        rev: app.revision(),
        cfg: app.config(),
        secret: app.secret(),
    };
    let rev = ctx.rev;
    let (mut inst, port, public) = match resolve(tx, rev, call)? {
        Ok(x) => x,
        Err(f) => return Ok(Outcome::Refused(f, None, false)),
    };
    let (credential, cookie) = if public {
        (Credential::Public, None)
    } else {
        match authenticate(tx, &ctx, call, &inst, port, now)? {
            Ok(x) => x,
            Err(f) => return Ok(Outcome::Refused(f, None, true)),
        }
    };
    let refuse = |f: Flat| Ok(Outcome::Refused(f, Some(credential), false));
    let booting = app.is_booting(&inst.id);
    match status_verdict(rev, inst.status, inst.past_due, booting, public) {
        Verdict::Refuse(s, c) => return refuse((s, c)),
        Verdict::Wake => {
            let fault = call.wake_fault.as_ref();
            if let Some(f) = wake(tx, &mut inst, ctx.cfg.wake_seconds, fault, now)? {
                return refuse(f);
            }
        }
        Verdict::Serve => {}
    }
    if port == model::SSH_PORT {
        return refuse((501, "not_implemented"));
    }
    if !inst.listens(port) {
        return refuse((502, "container_unreachable"));
    }
    // Bytes through a URL are activity: the idle timer starts again.
    if rev.is_v2() && inst.auto_sleep && inst.last_activity != now {
        inst.last_activity = now;
        tx.save_instance(&inst)?;
    }
    Ok(Outcome::Served(Box::new(inst), port, credential, cookie))
}

fn noted(mut r: Response, credential: Option<Credential>, rejected: bool) -> Response {
    r.extensions_mut().insert(PlaneNote {
        credential,
        rejected,
    });
    r
}

/// Every plane route, both forms.
pub async fn serve(State(app): State<Arc<App>>, req: Request) -> Response {
    let Some(call) = Call::parse(&req) else {
        if req.uri().path().starts_with(HOST_FORM_PREFIX) {
            // `/_plane/…` asked for by path on the API host: an unknown API path.
            return ApiError::NotFound(format!(
                "no route for {} {}",
                req.method(),
                req.uri().path()
            ))
            .into_response();
        }
        return noted(flat(NOT_FOUND.0, NOT_FOUND.1), None, false);
    };
    // The edge itself answers `/health`, without a key.
    if call.rest == "/health" {
        return noted(respond(StatusCode::OK, &json!({"ok": true})), None, false);
    }
    let rev = app.revision();
    // 2026-08-21's files route ([decided]) needs the body of a PUT, read before any check.
    let files = rev.is_v2() && call.rest.starts_with(model::FILES_PREFIX);
    let body = if files && call.method == Method::PUT {
        // Base64 of the largest file, plus room for the JSON around it.
        let limit = model::FILE_MAX_BYTES / 3 * 4 + 4096;
        match axum::body::to_bytes(req.into_body(), limit).await {
            Ok(b) => b,
            Err(_) => return noted(flat(413, "file_too_large"), None, false),
        }
    } else {
        Default::default()
    };
    match app.tx(|tx, now| decide(&app, tx, now, &call)) {
        Ok(Outcome::Served(inst, _, credential, _)) if files => {
            let r = super::plane_files::serve(&app, &inst.id, &call.method, &call.rest, &body);
            noted(r, Some(credential), false)
        }
        Ok(Outcome::Refused((s, c), credential, rejected)) => {
            noted(flat(s, c), credential, rejected)
        }
        Ok(Outcome::Served(inst, port, credential, cookie)) => {
            let mut r = served(rev, &call, &inst, port);
            if let Some(c) = cookie
                && let Ok(v) = HeaderValue::from_str(&c)
            {
                r.headers_mut().insert(header::SET_COOKIE, v);
            }
            noted(r, Some(credential), false)
        }
        Err(_) => noted(flat(500, "internal_error"), None, false),
    }
}

/// The flat answer as JSON, for the control route that wakes an instance.
pub fn flat_json((status, code): Flat) -> Value {
    json!({"status": status, "error": code})
}
