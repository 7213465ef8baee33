//! App integrations (2026-08-21, 7.6): a canned managed-Composio catalogue, connections per
//! instance (Composio's shapes, millisecond timestamps), and `/_composio/authorize/{id}`,
//! which plays the human finishing the OAuth flow.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Caller, InstanceId, RawBody, json as respond, ok, path_param};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::model;
use crate::objects::Connection;
use crate::store::Tx;

pub const LIMIT_DEFAULT: usize = 12;
pub const LIMIT_MAX: usize = 24;
/// Connection statuses the control route may set.
pub const STATUSES: [&str; 4] = ["ACTIVE", "FAILED", "EXPIRED", "INITIATED"];

/// `{cid}` of `…/integrations/connections/{cid}`, `/_composio/authorize/{cid}` and the control
/// route.
pub struct ConnectionId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ConnectionId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        path_param(parts, state, "cid")
            .await
            .map(ConnectionId)
            .ok_or_else(|| ApiError::not_found("connection"))
    }
}

fn unavailable(app: &App) -> Option<Response> {
    (!app.config().integrations_available).then(|| {
        respond(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"error": "integrations_unavailable"}),
        )
    })
}

fn millis(now: i64) -> i64 {
    now.saturating_mul(1000)
}

fn connection_json(c: &Connection) -> Value {
    let name = model::toolkit(&c.toolkit).map_or(c.toolkit.as_str(), |t| t.1);
    c.to_json(name)
}

/// `?search` (≥ 3 characters), `?limit` (integer, clamped to 1-24), `?cursor` (opaque).
pub fn parse_toolkit_query(q: Option<&str>) -> Result<(Option<String>, usize, usize), String> {
    let search = model::query_param(q, "search");
    if let Some(s) = &search
        && s.chars().count() < 3
    {
        return Err("search needs at least 3 characters".into());
    }
    let limit = match model::query_param(q, "limit") {
        None => LIMIT_DEFAULT,
        Some(l) => match l.parse::<i64>() {
            Ok(n) => n.clamp(1, LIMIT_MAX as i64) as usize,
            Err(_) => return Err(format!("limit {l:?} must be an integer")),
        },
    };
    let offset = match model::query_param(q, "cursor") {
        None => 0,
        Some(c) => model::parse_cursor(&c).ok_or_else(|| format!("cursor {c:?} is not valid"))?,
    };
    Ok((search, limit, offset))
}

pub async fn toolkits(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    uri: Uri,
) -> ApiResult<Response> {
    app.tx(|tx, _| tx.live_instance(&key, &id).map(|_| ()))?;
    let (search, limit, offset) =
        parse_toolkit_query(uri.query()).map_err(ApiError::InvalidRequest)?;
    if let Some(r) = unavailable(&app) {
        return Ok(r);
    }
    let found = model::search(search.as_deref());
    let items: Vec<Value> = found
        .iter()
        .skip(offset)
        .take(limit)
        .map(|t| model::toolkit_json(t))
        .collect();
    let next = (offset + limit < found.len()).then(|| model::cursor(offset + limit));
    Ok(ok(
        &json!({"items": items, "nextCursor": next, "totalItems": found.len()}),
    ))
}

/// `callbackUrl`: an absolute https URL.
fn callback_field(v: Option<&Value>) -> ApiResult<Option<String>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s))
            if s.strip_prefix("https://").is_some_and(|rest| {
                !rest.is_empty()
                    && !rest.starts_with('/')
                    && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
            }) =>
        {
            Ok(Some(s.clone()))
        }
        Some(_) => Err(ApiError::invalid(
            "callbackUrl must be an absolute https URL",
        )),
    }
}

pub async fn connect(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    body: RawBody,
) -> ApiResult<Response> {
    let inst = app.tx(|tx, _| tx.live_instance(&key, &id))?;
    let b = body.object()?;
    let slug = model::required_string(&b, "toolkit").map_err(ApiError::InvalidRequest)?;
    let callback = callback_field(b.get("callbackUrl"))?;
    if let Some(r) = unavailable(&app) {
        return Ok(r);
    }
    let Some(&(slug, _, scheme)) = model::toolkit(&slug) else {
        return Err(ApiError::invalid(format!("unknown toolkit {slug:?}")));
    };
    if model::CUSTOM_AUTH.contains(&slug) {
        return Ok(respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"error": "custom_auth_required", "toolkit": slug}),
        ));
    }
    let c = app.tx(|tx, now| {
        let c = Connection {
            id: format!("ca_{}", hex::encode(rand::random::<[u8; 6]>())),
            instance_id: inst.id.clone(),
            toolkit: slug.to_string(),
            // A toolkit without auth has nothing for a person to finish.
            status: if scheme == "NO_AUTH" {
                "ACTIVE"
            } else {
                "INITIATED"
            }
            .into(),
            auth_scheme: scheme.to_string(),
            callback_url: callback.clone(),
            created_ms: millis(now),
            updated_ms: millis(now),
        };
        tx.save_connection(&c)?;
        Ok(c)
    })?;
    Ok(ok(&json!({
        "toolkit": c.toolkit,
        "connectedAccountId": c.id,
        "redirectUrl": format!("{}/_composio/authorize/{}", app.base_url, c.id),
    })))
}

pub async fn connections(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    uri: Uri,
) -> ApiResult<Response> {
    let all = app.tx(|tx, _| {
        let inst = tx.live_instance(&key, &id)?;
        tx.connections(&inst.id)
    })?;
    if let Some(r) = unavailable(&app) {
        return Ok(r);
    }
    let filter = model::query_param(uri.query(), "toolkit").filter(|t| !t.is_empty());
    let list: Vec<Value> = all
        .iter()
        .filter(|c| filter.as_deref().is_none_or(|t| c.toolkit == t))
        .map(connection_json)
        .collect();
    Ok(ok(&json!({ "connections": list })))
}

/// The instance's connection `cid` (another instance's answers like a missing one).
fn own(tx: &Tx<'_>, instance: &str, cid: &str) -> ApiResult<Connection> {
    match tx.connection(cid)? {
        Some(c) if c.instance_id == instance => Ok(c),
        _ => Err(ApiError::not_found(format_args!("connection {cid:?}"))),
    }
}

pub async fn disconnect(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    ConnectionId(cid): ConnectionId,
) -> ApiResult<Response> {
    app.tx(|tx, _| tx.live_instance(&key, &id).map(|_| ()))?;
    if let Some(r) = unavailable(&app) {
        return Ok(r);
    }
    app.tx(|tx, _| {
        let inst = tx.live_instance(&key, &id)?;
        let c = own(tx, &inst.id, &cid)?;
        tx.delete_connection(&c.id)
    })?;
    Ok(ok(&json!({"id": cid, "deleted": true})))
}

/// `GET /_composio/authorize/{cid}` (no key): the person finishes the flow. The connection
/// turns `ACTIVE`; then `302` to its `callbackUrl` (with `status` and `connectedAccountId`),
/// or `200`.
pub async fn authorize(State(app): State<Arc<App>>, ConnectionId(cid): ConnectionId) -> Response {
    let done = app.tx(|tx, now| {
        let Some(mut c) = tx.connection(&cid)? else {
            return Ok(None);
        };
        c.status = "ACTIVE".into();
        c.updated_ms = millis(now);
        tx.save_connection(&c)?;
        Ok(Some(c))
    });
    match done {
        Ok(Some(c)) => match &c.callback_url {
            Some(url) => {
                let sep = if url.contains('?') { '&' } else { '?' };
                let to = format!("{url}{sep}status=success&connectedAccountId={}", c.id);
                let mut r = StatusCode::FOUND.into_response();
                if let Ok(v) = HeaderValue::from_str(&to) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                r
            }
            None => ok(&json!({"id": c.id, "status": c.status})),
        },
        Ok(None) => respond(StatusCode::NOT_FOUND, &json!({"error": "not_found"})),
        Err(e) => e.into_response(),
    }
}

/// `POST /_emulator/integrations/connections/{cid} {"status"}`: flips a connection.
pub async fn control_flip(
    State(app): State<Arc<App>>,
    ConnectionId(cid): ConnectionId,
    body: RawBody,
) -> ApiResult<Response> {
    let c = app.tx(|tx, now| {
        let mut c = tx
            .connection(&cid)?
            .ok_or_else(|| ApiError::not_found("connection"))?;
        let b = body.object()?;
        match b.get("status").and_then(Value::as_str) {
            Some(s) if STATUSES.contains(&s) => c.status = s.to_string(),
            _ => {
                return Err(ApiError::invalid(format!(
                    "status must be one of {}",
                    STATUSES.join(", ")
                )));
            }
        }
        c.updated_ms = millis(now);
        tx.save_connection(&c)?;
        Ok(c)
    })?;
    Ok(ok(&connection_json(&c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolkit_queries() {
        assert_eq!(parse_toolkit_query(None), Ok((None, 12, 0)));
        assert_eq!(
            parse_toolkit_query(Some("search=goo&limit=50")),
            Ok((Some("goo".into()), 24, 0))
        );
        assert_eq!(parse_toolkit_query(Some("limit=0")), Ok((None, 1, 0)));
        let c = model::cursor(12);
        assert_eq!(
            parse_toolkit_query(Some(&format!("cursor={c}"))),
            Ok((None, 12, 12))
        );
        for bad in ["search=go", "limit=x", "limit=1.5", "cursor=zz"] {
            assert!(parse_toolkit_query(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn callbacks_are_absolute_https() {
        assert!(callback_field(Some(&json!("https://app.example/cb"))).is_ok());
        for bad in [
            json!("http://app.example/cb"),
            json!("https://"),
            json!("https:///x"),
            json!("/cb"),
            json!(5),
        ] {
            assert!(callback_field(Some(&bad)).is_err(), "{bad}");
        }
    }
}
