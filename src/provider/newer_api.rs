//! The objects only API revision 2026-08-21 serves (SSH keys, custom domains and their
//! verification, public ports): against an API serving 2026-06-25 they are refused with one
//! diagnostic naming both revisions, at plan for a resource (before anything is created) and at
//! read for a data source or an action, instead of the bare 404 of an unknown route.
//!
//! The revision is the client's ([`Client::revision`](crate::api::Client::revision)): the
//! `api_revision` setting, else what the last decoded answer showed, else its one lazy probe.
//! So a plan that refreshed anything asks the API nothing more, and every module decides on the
//! same revision.

use crate::api::{ApiError, ApiRevision};
use crate::sdk::{Ctx, Diagnostics};

use super::Agent37Data;
use super::context::Api;
use super::revision::{self, NEEDS_SUMMARY};

/// The revision these objects need.
pub const NEEDED: ApiRevision = ApiRevision::R2026_08_21;

/// The diagnostic of `what` (a resource or data source type) refused because the API at
/// `base_url` serves `served`; `None` when `served` has the object. Pure.
pub fn refusal(what: &str, served: ApiRevision, base_url: &str) -> Option<Diagnostics> {
    if served >= NEEDED {
        return None;
    }
    let detail = format!(
        "{}, which has no such object. Point the provider at an API serving {NEEDED}, or remove \
         {what} from the configuration.",
        revision::needs(what, served, NEEDED, base_url)
    );
    let mut d = Diagnostics::new();
    d.error(NEEDS_SUMMARY, detail);
    Some(d)
}

/// `Ok` when the API serves the objects `what` needs; else the diagnostics to return: the
/// refusal naming the revisions, or the API's error when the revision could not be told.
pub async fn require(ctx: &Ctx<Agent37Data>, what: &str) -> Result<(), Diagnostics> {
    let served = revision::served(ctx).await?;
    match refusal(what, served, ctx.client().base_url()) {
        None => Ok(()),
        Some(d) => Err(d),
    }
}

/// After a read of `what` answered 404: `None` when the object is really gone (the API serves
/// 2026-08-21), else the diagnostics that keep it in state: the refusal naming the older
/// revision (an API moved back must not make Terraform forget what it manages), or the error
/// of telling the revision.
pub async fn confirm_gone(ctx: &Ctx<Agent37Data>, what: &str) -> Option<Diagnostics> {
    require(ctx, what).await.err()
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
    // A revision that cannot be told explains nothing: the call's own error stands.
    match revision::served(ctx).await {
        Ok(served) => refusal(what, served, ctx.client().base_url()).unwrap_or(fallback),
        Err(_) => fallback,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_older_revision_is_refused() {
        let base = "http://127.0.0.1:4000/v1";
        assert!(refusal("agent37_domain", ApiRevision::R2026_08_21, base).is_none());
        assert!(refusal("agent37_domain", ApiRevision::R2026_06_25, base).is_some());
    }

    #[test]
    fn the_refusal_names_both_revisions_and_the_api() {
        let d = refusal(
            "agent37_ssh_key",
            ApiRevision::R2026_06_25,
            "http://127.0.0.1:4000/v1",
        )
        .expect("refused");
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].summary, NEEDS_SUMMARY);
        assert_eq!(d.0[0].attribute, None);
        assert_eq!(
            d.0[0].detail,
            "agent37_ssh_key needs API revision 2026-08-21; the API at http://127.0.0.1:4000/v1 \
             serves 2026-06-25, which has no such object. Point the provider at an API serving \
             2026-08-21, or remove agent37_ssh_key from the configuration."
        );
    }
}
