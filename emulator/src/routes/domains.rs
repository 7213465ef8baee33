//! Custom domains (2026-08-21, 7.2): registered `pending`, activated by verify polls (or the
//! control route); an active domain mirrors every plane label of the workspace.

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde_json::json;

use super::instances::workspace_of;
use super::{Caller, RawBody, json as respond, list_answer, ok, path_param};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::model::{self, DOMAIN_TOPUP_MICROS};
use crate::objects::Domain;
use crate::store::Tx;

/// A workspace holds at most this many domains.
pub const MAX_DOMAINS: usize = 10;

/// `{domain}` of `/v1/domains/{domain}` and `/_emulator/domains/{domain}`, lowercased.
pub struct DomainName(pub String);

impl<S: Send + Sync> FromRequestParts<S> for DomainName {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        path_param(parts, state, "domain")
            .await
            .map(|d| DomainName(d.to_ascii_lowercase()))
            .ok_or_else(|| ApiError::not_found("domain"))
    }
}

/// The workspace's own domain `name`; another workspace's answers like a missing one.
fn own(tx: &Tx<'_>, key: &str, name: &str) -> ApiResult<Domain> {
    match tx.domain(name)? {
        Some(d) if d.workspace == key => Ok(d),
        _ => Err(ApiError::not_found(format_args!("domain {name:?}"))),
    }
}

pub async fn create(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    body: RawBody,
) -> ApiResult<Response> {
    let out = app.tx(|tx, now| {
        let b = body.object()?;
        let raw = model::required_string(&b, "domain").map_err(ApiError::InvalidRequest)?;
        let domain = model::validate_domain(&raw).map_err(ApiError::InvalidRequest)?;
        let ws = workspace_of(tx, &key)?;
        if ws.topups_total < DOMAIN_TOPUP_MICROS {
            return Err(ApiError::TierLimit(
                "custom domains need at least $100 of top-ups in total".into(),
            ));
        }
        if tx.domains(&key, false)?.len() >= MAX_DOMAINS {
            return Err(ApiError::invalid(format!(
                "a workspace has at most {MAX_DOMAINS} domains"
            )));
        }
        if tx.domain(&domain)?.is_some() {
            return Err(ApiError::DomainExists(format!(
                "{domain} is already registered"
            )));
        }
        let d = Domain {
            domain,
            workspace: key.clone(),
            active: false,
            created: now,
            polls: 0,
        };
        tx.save_domain(&d)?;
        Ok(d.to_json())
    })?;
    Ok(respond(StatusCode::CREATED, &out))
}

pub async fn list(State(app): State<Arc<App>>, Caller(key): Caller) -> ApiResult<Response> {
    list_answer(&app, |tx, _| {
        Ok(tx
            .domains(&key, false)?
            .iter()
            .map(Domain::to_json)
            .collect::<Vec<_>>())
    })
}

pub async fn get_one(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    DomainName(name): DomainName,
) -> ApiResult<Response> {
    let d = app.tx(|tx, _| own(tx, &key, &name))?;
    Ok(ok(&d.to_json()))
}

/// One verify poll: the `domain_verify_polls`-th poll of a pending domain activates it
/// (0: only the control route does).
pub async fn verify(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    DomainName(name): DomainName,
) -> ApiResult<Response> {
    let polls_needed = app.config().domain_verify_polls;
    let d = app.tx(|tx, _| {
        let mut d = own(tx, &key, &name)?;
        if !d.active {
            d.polls += 1;
            if polls_needed > 0 && d.polls >= polls_needed {
                d.active = true;
            }
            tx.save_domain(&d)?;
        }
        Ok(d)
    })?;
    Ok(ok(&json!({"domain": d.domain, "status": d.status()})))
}

pub async fn delete(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    DomainName(name): DomainName,
) -> ApiResult<Response> {
    let d = app.tx(|tx, _| {
        let d = own(tx, &key, &name)?;
        tx.delete_domain(&d.domain)?;
        Ok(d)
    })?;
    Ok(ok(&json!({"domain": d.domain, "deleted": true})))
}
