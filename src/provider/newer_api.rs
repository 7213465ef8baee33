//! The objects only API revision 2026-08-21 serves (SSH keys, custom domains and their
//! verification, public ports): against an API serving 2026-06-25 they are refused with one
//! diagnostic naming both revisions, at plan for a resource (before anything is created) and at
//! read for a data source or an action, instead of the bare 404 of an unknown route.
//!
//! The revision is told by `GET /domains`, a collection route that only 2026-08-21 serves (it
//! has no id that could be missing): `200` means 2026-08-21, `404 not_found` means 2026-06-25.

use crate::api::{ApiError, Client, Op};
use crate::sdk::{Ctx, Diagnostics};

use super::Agent37Data;
use super::context::Api;
use super::errors::api_error;

/// The revision these objects need.
pub const NEEDED: &str = "2026-08-21";
/// The revision an API without them serves.
pub const OLDER: &str = "2026-06-25";
/// The summary of an object refused because the API serves an older revision.
pub const NEEDS_SUMMARY: &str = "Not available in this API revision";

/// What the probe found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    Newer,
    Older,
}

/// The verdict on the probe's answer (pure): a 404 `not_found` on the collection route is the
/// older revision; any other error is the API's own and stands.
pub fn verdict(probe: Result<(), ApiError>) -> Result<Served, ApiError> {
    match probe {
        Ok(()) => Ok(Served::Newer),
        Err(e) if e.is_not_found() => Ok(Served::Older),
        Err(e) => Err(e),
    }
}

/// The diagnostic of `what` (a resource or data source type) refused because the API at
/// `base_url` serves 2026-06-25.
pub fn refusal(what: &str, base_url: &str) -> Diagnostics {
    let detail = format!(
        "{what} needs API revision {NEEDED}; the API at {base_url} serves {OLDER}, which has no \
         such object. Point the provider at an API serving {NEEDED}, or remove {what} from the \
         configuration."
    );
    let mut d = Diagnostics::new();
    d.error(NEEDS_SUMMARY, detail);
    d
}

/// Asks the API which revision it serves (one `GET /domains`).
pub async fn served(client: &Client, op: &Op) -> Result<Served, ApiError> {
    verdict(client.list_domains(op).await.map(|_| ()))
}

/// `Ok` when the API serves the objects `what` needs; else the diagnostics to return: the
/// refusal naming the revisions, or the API's error when the probe itself failed.
pub async fn require(ctx: &Ctx<Agent37Data>, what: &str) -> Result<(), Diagnostics> {
    let client = ctx.client();
    match served(client, &ctx.op()).await {
        Ok(Served::Newer) => Ok(()),
        Ok(Served::Older) => Err(refusal(what, client.base_url())),
        Err(e) => Err(api_error("Unable to tell the API revision", &e)),
    }
}

/// After a read of `what` answered 404: `None` when the object is really gone (the API serves
/// 2026-08-21), else the diagnostics that keep it in state: the refusal naming the older
/// revision (an API moved back must not make Terraform forget what it manages), or the probe's
/// error.
pub async fn confirm_gone(ctx: &Ctx<Agent37Data>, what: &str) -> Option<Diagnostics> {
    let client = ctx.client();
    match served(client, &ctx.op()).await {
        Ok(Served::Newer) => None,
        Ok(Served::Older) => Some(refusal(what, client.base_url())),
        Err(e) => Some(api_error("Unable to tell the API revision", &e)),
    }
}

/// The diagnostics of a data source or action call that failed with `err`: when it is a 404
/// and the API turns out to serve the older revision, the refusal naming it; else `fallback`.
pub async fn explain_not_found(
    ctx: &Ctx<Agent37Data>,
    what: &str,
    err: &ApiError,
    fallback: Diagnostics,
) -> Diagnostics {
    if !err.is_not_found() {
        return fallback;
    }
    let client = ctx.client();
    match served(client, &ctx.op()).await {
        Ok(Served::Older) => refusal(what, client.base_url()),
        _ => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error of an answer with the API's envelope.
    fn api(status: u16, code: &str) -> ApiError {
        let body = format!(r#"{{"error": {{"code": "{code}", "message": "m"}}}}"#);
        crate::api::error::error_from_answer("GET", "/domains", status, body.as_bytes(), None, "")
    }

    #[test]
    fn only_a_not_found_route_means_the_older_revision() {
        assert_eq!(verdict(Ok(())).ok(), Some(Served::Newer));
        assert_eq!(
            verdict(Err(api(404, "not_found"))).ok(),
            Some(Served::Older)
        );
        let e = verdict(Err(api(401, "invalid_api_key"))).expect_err("stands");
        assert_eq!(e.code(), Some("invalid_api_key"));
    }

    #[test]
    fn the_refusal_names_both_revisions_and_the_api() {
        let d = refusal("agent37_ssh_key", "http://127.0.0.1:4000/v1");
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].summary, NEEDS_SUMMARY);
        assert_eq!(
            d.0[0].detail,
            "agent37_ssh_key needs API revision 2026-08-21; the API at http://127.0.0.1:4000/v1 \
             serves 2026-06-25, which has no such object. Point the provider at an API serving \
             2026-08-21, or remove agent37_ssh_key from the configuration."
        );
    }
}
