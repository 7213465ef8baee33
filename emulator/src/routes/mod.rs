//! HTTP surface: the router, the front middleware (counting, auth, faults) and the small
//! extractors that keep every rejection inside the contract's error envelope.

pub mod budgets;
pub mod builds;
pub mod control;
pub mod control_v2;
pub mod domains;
pub mod instances;
pub mod integrations;
pub mod lifecycle;
pub mod observe;
pub mod plane;
pub mod plane_files;
pub mod public_ports;
pub mod ssh_keys;
pub mod templates;
pub mod uploads;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, put};
use serde_json::{Map, Value};
use tower::util::BoxCloneService;

use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::faults::FaultKind;
use crate::model;
use crate::traffic::Entry;

/// Largest request body read; bigger ones are a 400.
const BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The caller's address, set by the server on every request (in-process callers may set
/// their own; absent means loopback).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub std::net::IpAddr);

/// Response marker: the server closes the connection instead of answering.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// Routes whose handlers raise capacity-type faults themselves, at the capacity stage of the
/// check order (after validation, state, limits and balance), as the real platform would.
/// `create_failed` is deferred on `POST /v1/instances` the same way.
const DEFERRING_ROUTES: [&str; 7] = [
    "POST /v1/instances",
    "POST /v1/instances/{id}/stop",
    "POST /v1/instances/{id}/start",
    "POST /v1/instances/{id}/restart",
    "POST /v1/instances/{id}/update",
    "POST /v1/instances/{id}/resize",
    "POST /v1/instances/{id}/exec",
];

/// An injected fault waiting for the handler: capacity kinds for the capacity stage, a failed
/// create after every check, a build's ingest failure for its ingest step.
#[derive(Debug, Clone)]
pub struct Deferred(pub FaultKind);

impl Deferred {
    fn for_route(route: &str, kind: &FaultKind) -> Option<Deferred> {
        let deferred = match kind {
            FaultKind::NoCapacity
            | FaultKind::ProvisioningFailed
            | FaultKind::CapacityUnavailable => DEFERRING_ROUTES.contains(&route),
            FaultKind::CreateFailed { .. } => route == "POST /v1/instances",
            FaultKind::ImageIngestFailed => matches!(
                route,
                "POST /v1/templates"
                    | "PATCH /v1/templates/{name}"
                    | "POST /v1/template-builds/{id}/start"
            ),
            _ => false,
        };
        deferred.then(|| Deferred(kind.clone()))
    }
}

/// The deferred fault of this request, if any.
#[derive(Debug, Clone, Default)]
pub struct Capacity(Option<FaultKind>);

impl Capacity {
    /// The capacity stage: an injected capacity-type fault as its error.
    pub fn check(&self) -> ApiResult<()> {
        match &self.0 {
            Some(
                kind @ (FaultKind::NoCapacity
                | FaultKind::ProvisioningFailed
                | FaultKind::CapacityUnavailable),
            ) => Err(fault_error(kind)),
            _ => Ok(()),
        }
    }

    /// An injected `create_failed`: `(detail, persist)`.
    pub fn create_failed(&self) -> Option<(Option<String>, bool)> {
        match &self.0 {
            Some(FaultKind::CreateFailed { detail, persist }) => Some((detail.clone(), *persist)),
            _ => None,
        }
    }

    /// An injected `image_ingest_failed`.
    pub fn ingest_fails(&self) -> bool {
        matches!(self.0, Some(FaultKind::ImageIngestFailed))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Capacity {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Capacity(
            parts.extensions.get::<Deferred>().map(|d| d.0.clone()),
        ))
    }
}

/// The error an injected fault answers with (for the kinds that answer at all).
fn fault_error(kind: &FaultKind) -> ApiError {
    match kind {
        FaultKind::RateLimited { retry_after } => ApiError::RateLimited {
            message: "rate limited (injected by the emulator); retry later".into(),
            retry_after: *retry_after,
        },
        FaultKind::NoCapacity => {
            ApiError::NoCapacity("no host can fit this shape now (injected); safe to retry".into())
        }
        FaultKind::CapacityUnavailable => ApiError::CapacityUnavailable(
            "the host cannot fit this now (injected); retry later".into(),
        ),
        FaultKind::TryAgain { status } => ApiError::TryAgain {
            message: "transient failure (injected); try again".into(),
            status: *status.as_ref().unwrap_or(&409),
        },
        FaultKind::ImageIngestFailed => ApiError::ImageIngestFailed(
            "copying the image into private storage failed (injected); nothing changed".into(),
        ),
        _ => ApiError::ProvisioningFailed("container operation failed (injected)".into()),
    }
}

/// The authenticated caller's workspace key, set by the front middleware on `/v1` routes.
#[derive(Debug, Clone)]
pub struct Caller(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError::InvalidApiKey("missing API key".into()))
    }
}

/// The route's path parameter `name`, percent-decoded; `None` when absent or not UTF-8.
pub(crate) async fn path_param<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    name: &str,
) -> Option<String> {
    let raw = RawPathParams::from_request_parts(parts, state).await.ok()?;
    raw.iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Declares an extractor for one named path parameter whose rejection is the API's envelope
/// (`404 not_found`): a parameter that cannot be read (bad percent-encoding) finds nothing.
macro_rules! named_param {
    ($(#[$doc:meta])* $ty:ident, $key:literal, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $ty(pub String);

        impl<S: Send + Sync> FromRequestParts<S> for $ty {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
                path_param(parts, state, $key)
                    .await
                    .map($ty)
                    .ok_or_else(|| ApiError::not_found($what))
            }
        }
    };
}

named_param!(
    /// `{id}` of `/v1/instances/{id}/…` and `/_emulator/instances/{id}/…`.
    InstanceId,
    "id",
    "instance"
);
named_param!(
    /// `{name}` of `/v1/templates/{name}` and `/_emulator/system-templates/{name}`.
    TemplateName,
    "name",
    "template"
);
named_param!(
    /// `{key}` of `/_emulator/workspaces/{key}`.
    WorkspaceKey,
    "key",
    "workspace"
);

/// The raw body; a read failure is kept and reported as 400 at body-validation time,
/// after the object lookup, as the check order asks.
pub struct RawBody(pub Result<Bytes, String>);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = Infallible;

    async fn from_request(req: Request, _: &S) -> Result<Self, Infallible> {
        let read = axum::body::to_bytes(req.into_body(), BODY_LIMIT).await;
        Ok(RawBody(read.map_err(|e| {
            format!("request body could not be read (limit {BODY_LIMIT} bytes): {e}")
        })))
    }
}

impl RawBody {
    /// The body as JSON: `None` when empty, 400 when malformed.
    pub fn json(&self) -> ApiResult<Option<Value>> {
        let bytes = self.0.as_ref().map_err(|e| ApiError::invalid(e.clone()))?;
        model::parse_body(bytes).map_err(ApiError::InvalidRequest)
    }

    /// The body as a JSON object, or an empty object when there is no body.
    pub fn object_or_empty(&self) -> ApiResult<Map<String, Value>> {
        match self.json()? {
            None => Ok(Map::new()),
            Some(Value::Object(m)) => Ok(m),
            Some(_) => Err(ApiError::invalid("body must be a JSON object")),
        }
    }

    /// The body as a JSON object that must be present.
    pub fn object(&self) -> ApiResult<Map<String, Value>> {
        match self.json()? {
            None => Err(ApiError::invalid("a JSON object body is required")),
            Some(Value::Object(m)) => Ok(m),
            Some(_) => Err(ApiError::invalid("body must be a JSON object")),
        }
    }
}

/// Compact JSON text with the JSON content type.
pub fn json_body(v: &Value) -> impl IntoResponse + use<> {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        v.to_string(),
    )
}

pub fn json(status: StatusCode, v: &Value) -> Response {
    (status, json_body(v)).into_response()
}

pub fn ok(v: &Value) -> Response {
    json(StatusCode::OK, v)
}

/// The answer of every list route: `200 {"data": [...]}`, the items rendered in one
/// transaction.
pub fn list_answer(
    app: &App,
    items: impl FnOnce(&mut crate::store::Tx<'_>, i64) -> ApiResult<Vec<Value>>,
) -> ApiResult<Response> {
    let data = app.tx(items)?;
    Ok(ok(&serde_json::json!({ "data": data })))
}

/// The emulator's whole HTTP surface as one cloneable service (what the server and the
/// in-process tests drive).
pub type Service = BoxCloneService<Request, Response, Infallible>;

pub fn service(app: Arc<App>) -> Service {
    let router = build(app.clone());
    // Routing by `Host` comes first: a plane host's request moves under `/_plane/{label}`.
    let svc = tower::ServiceBuilder::new()
        .map_request(move |req: Request| plane::route_host(&app, req))
        .service(router);
    BoxCloneService::new(svc)
}

fn build(app: Arc<App>) -> Router {
    use budgets as b;
    use instances as i;
    use integrations as ig;
    use lifecycle as l;
    use templates as t;
    Router::new()
        .route("/v1/instances", get(i::list).post(i::create))
        .route(
            "/v1/instances/{id}",
            get(i::get_one).patch(i::patch).delete(i::delete),
        )
        .route("/v1/instances/{id}/stop", post(l::stop))
        .route("/v1/instances/{id}/start", post(l::start))
        .route("/v1/instances/{id}/restart", post(l::restart))
        .route("/v1/instances/{id}/update", post(l::update))
        .route("/v1/instances/{id}/resize", post(l::resize))
        .route("/v1/instances/{id}/exec", post(l::exec))
        .route("/v1/instances/{id}/signed-url", post(l::signed_url))
        .route(
            "/v1/instances/{id}/budget",
            get(b::get_budget).patch(b::patch_budget),
        )
        .route("/v1/instances/{id}/budget/top-up", post(b::top_up))
        .route("/v1/instances/{id}/usage", get(b::usage))
        .route("/v1/templates", get(t::list).post(t::create))
        .route(
            "/v1/templates/{name}",
            get(t::get_one).patch(t::patch).delete(t::delete),
        )
        .route(
            "/v1/instances/{id}/public-ports",
            get(public_ports::list).post(public_ports::create),
        )
        .route(
            "/v1/instances/{id}/public-ports/{port}",
            delete(public_ports::delete),
        )
        .route("/v1/instances/{id}/logs", get(observe::logs))
        .route("/v1/instances/{id}/metrics", get(observe::metrics))
        .route(
            "/v1/instances/{id}/integrations/toolkits",
            get(ig::toolkits),
        )
        .route("/v1/instances/{id}/integrations/connect", post(ig::connect))
        .route(
            "/v1/instances/{id}/integrations/connections",
            get(ig::connections),
        )
        .route(
            "/v1/instances/{id}/integrations/connections/{cid}",
            delete(ig::disconnect),
        )
        .route("/v1/domains", get(domains::list).post(domains::create))
        .route(
            "/v1/domains/{domain}",
            get(domains::get_one).delete(domains::delete),
        )
        .route("/v1/domains/{domain}/verify", post(domains::verify))
        .route("/v1/ssh-keys", get(ssh_keys::list).post(ssh_keys::create))
        .route("/v1/ssh-keys/{id}", delete(ssh_keys::delete))
        .route("/v1/template-builds", post(builds::create))
        .route("/v1/template-builds/{id}", get(builds::get_one))
        .route("/v1/template-builds/{id}/start", post(builds::start))
        .route("/v1/template-builds/{id}/logs", get(builds::logs))
        .route("/_uploads/{id}", put(uploads::put))
        .route("/_composio/authorize/{cid}", get(ig::authorize))
        .route("/_instances/{id}/{port}/v1/health", any(plane::serve))
        .route("/_instances/{id}/{port}/health", any(plane::serve))
        .route("/_instances/{id}/{port}", any(plane::serve))
        .route("/_instances/{id}/{port}/", any(plane::serve))
        .route("/_instances/{id}/{port}/{*rest}", any(plane::serve))
        .route("/_plane/{label}/v1/health", any(plane::serve))
        .route("/_plane/{label}/health", any(plane::serve))
        .route("/_plane/{label}", any(plane::serve))
        .route("/_plane/{label}/{*rest}", any(plane::serve))
        .merge(control::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(middleware::from_fn_with_state(app.clone(), front))
        .with_state(app)
}

async fn not_found(req: Request) -> Response {
    if req.uri().path().starts_with("/_instances/") {
        // The instance plane answers like the edge: a flat body, not the API envelope.
        return json(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"error": "not_found"}),
        );
    }
    ApiError::NotFound(format!(
        "no route for {} {}",
        req.method(),
        req.uri().path()
    ))
    .into_response()
}

fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Route templates that exist only under revision 2026-08-21.
fn is_v2_only(template: &str) -> bool {
    const V2: [&str; 7] = [
        "/public-ports",
        "/logs",
        "/metrics",
        "/integrations",
        "/v1/domains",
        "/v1/ssh-keys",
        "/v1/template-builds",
    ];
    (template.starts_with("/v1/") && V2.iter().any(|p| template.contains(p)))
        || template.starts_with("/_uploads/")
        || template.starts_with("/_composio/")
}

/// Routes served without a workspace key: the plane, upload URLs and the OAuth stand-in.
fn is_keyless(path: &str) -> bool {
    ["/_instances/", "/_uploads/", "/_composio/"]
        .iter()
        .any(|p| path.starts_with(p))
}

/// The route name traffic and faults use: host-form plane routes read `{plane}/…`.
fn route_name(method: &str, template: Option<&str>) -> String {
    match template {
        None => format!("{method} (unmatched)"),
        Some(t) => match t.strip_prefix("/_plane/{label}") {
            Some("") => format!("{method} {{plane}}/"),
            Some(rest) => format!("{method} {{plane}}{rest}"),
            None => format!("{method} {t}"),
        },
    }
}

/// The caller's address (loopback when the server did not say).
pub fn client_ip(req: &Request) -> std::net::IpAddr {
    req.extensions()
        .get::<ClientAddr>()
        .map_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), |c| c.0)
}

/// A key with an allowlist works only from the addresses on it (2026-08-21).
pub fn check_allowlist(ws: &crate::objects::Workspace, ip: std::net::IpAddr) -> ApiResult<()> {
    if ws.ip_allowlist.is_empty() {
        return Ok(());
    }
    let allowed = ws
        .ip_allowlist
        .iter()
        .filter_map(|c| model::Cidr::parse(c).ok())
        .any(|c| c.contains(ip));
    if allowed {
        Ok(())
    } else {
        Err(ApiError::IpNotAllowed(format!(
            "this key is not allowed from {ip}"
        )))
    }
}

fn dropped() -> Response {
    let mut r = Response::new(Body::empty());
    r.extensions_mut().insert(DropConnection);
    r
}

/// A 200 whose body is not valid JSON, for clients' decode-error paths.
fn malformed() -> Response {
    let mut r = (StatusCode::OK, "{\"id\": \"trunc").into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Every request but the control surface's passes here: it is counted, authenticated
/// (API routes: auth before routing, so an unknown path with a bad key is 401), numbered
/// on its route for the seeded faults, and logged with its `Host` and credential kind.
async fn front(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path == "/_emulator" || path.starts_with("/_emulator/") {
        return next.run(req).await;
    }
    let started = Instant::now();
    let method = req.method().to_string();
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let route = route_name(&method, template.as_deref());
    let plane_host = req.extensions().get::<plane::PlaneHost>().cloned();
    let full_path = match (&plane_host, req.uri().query()) {
        (Some(ph), Some(q)) => format!("{}?{q}", ph.original_path),
        (Some(ph), None) => ph.original_path.clone(),
        (None, _) => req
            .uri()
            .path_and_query()
            .map_or(path.clone(), |p| p.as_str().to_string()),
    };
    let host = plane::host_of(&req);
    let rev = app.revision();
    let is_plane = plane_host.is_some() || path.starts_with("/_instances/");
    // Upload URLs and the OAuth stand-in exist only under 2026-08-21; under 2026-06-25 they
    // are unknown paths, which need a key like any other.
    let keyless = is_plane || (rev.is_v2() && is_keyless(&path));
    let is_api = template.as_deref().is_some_and(|t| t.starts_with("/v1/"));

    let mut fault: Option<&'static str> = None;
    let mut k: Option<u64> = None;
    let mut credential: Option<&'static str> = None;
    let resp = 'resp: {
        if !keyless {
            match app.authenticate(bearer(&req)) {
                Ok(ws) => {
                    if rev.is_v2()
                        && let Err(e) = check_allowlist(&ws, client_ip(&req))
                    {
                        break 'resp e.into_response();
                    }
                    credential = Some("api_key");
                    req.extensions_mut().insert(Caller(ws.api_key));
                }
                Err(e) => break 'resp e.into_response(),
            }
        }
        if template.is_none() {
            break 'resp next.run(req).await;
        }
        if !rev.is_v2() && template.as_deref().is_some_and(is_v2_only) {
            // Under 2026-06-25 the routes 2026-08-21 adds answer like unknown paths.
            break 'resp not_found(req).await;
        }
        let decision = app.faults.decide(&route, is_api);
        k = Some(decision.k);
        if decision.latency_ms > 0 {
            tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
            fault = Some("latency");
        }
        let Some(kind) = decision.fault else {
            break 'resp next.run(req).await;
        };
        fault = Some(kind.name());
        if let Some(deferred) = Deferred::for_route(&route, &kind) {
            // The handler raises it at the capacity stage of the check order.
            req.extensions_mut().insert(deferred);
            break 'resp next.run(req).await;
        }
        match kind {
            FaultKind::TryAgain { status: None } if route == "GET /v1/instances/{id}/metrics" => {
                fault_error(&FaultKind::TryAgain { status: Some(503) }).into_response()
            }
            FaultKind::RateLimited { .. }
            | FaultKind::NoCapacity
            | FaultKind::ProvisioningFailed
            | FaultKind::CapacityUnavailable
            | FaultKind::TryAgain { .. }
            | FaultKind::ImageIngestFailed => fault_error(&kind).into_response(),
            // A failed create only means something on create; wake faults only on the plane
            // (where the plane handler reads them): elsewhere they let the request through.
            FaultKind::CreateFailed { .. } | FaultKind::WakeFailed | FaultKind::WakeTimeout => {
                req.extensions_mut().insert(Deferred(kind));
                next.run(req).await
            }
            FaultKind::DropBefore => dropped(),
            FaultKind::DropAfter => {
                let _ = next.run(req).await;
                dropped()
            }
            FaultKind::Malformed => {
                let _ = next.run(req).await;
                malformed()
            }
            FaultKind::Latency { .. } => next.run(req).await,
        }
    };
    let status = resp
        .extensions()
        .get::<DropConnection>()
        .is_none()
        .then(|| resp.status().as_u16());
    let note = resp.extensions().get::<plane::PlaneNote>().copied();
    if let Some(n) = note {
        credential = n.credential.map(crate::model::Credential::as_str);
    }
    app.traffic.record(Entry {
        seq: 0,
        time: app.now(),
        method,
        path: full_path,
        route,
        host,
        credential,
        plane: note.map(|n| (n.credential, n.rejected)),
        status,
        fault,
        k,
        duration_ms: started.elapsed().as_millis() as u64,
    });
    resp
}
