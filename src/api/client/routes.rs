//! "No such route" or "no such object": the API answers both with `404 not_found` (contract 1:
//! an unknown path is `404 not_found` after auth), and a refresh that takes the first for the
//! second drops a live, paid object from the state. So a 404 counts as "the object is gone"
//! only once the API has shown that it answers at the base URL: any success of this client
//! shows it (so a refresh, whose first reads succeed, pays nothing), else one request to a
//! route every revision serves, `GET /templates`, made only when something seems to have
//! disappeared. An error in the API's envelope with another status than 404 or 401 shows it
//! too (the request reached a route). A base URL that leads elsewhere (a wrong path, a proxy) then fails loudly.

use std::sync::atomic::Ordering;

use reqwest::Method;
use serde::de::IgnoredAny;

use super::super::error::ApiError;
use super::super::retry::OpKind;
use super::super::types::ListPage;
use super::transport::{Req, RunStats};
use super::{Client, Op};

/// Whether an error answer shows the API serves the base URL: its envelope on any status but
/// 404 (an unknown route) and 401 (checked before routing, contract 1) came from a route.
pub(super) fn found_a_route(err: &ApiError) -> bool {
    matches!(err.last(), ApiError::Api { status, .. } if *status != 404 && *status != 401)
}

impl Client {
    /// A success answered at the base URL: from now on a 404 is about its object.
    pub(super) fn api_answered(&self) {
        // Checked first so that the hot path reads a shared cache line instead of writing it.
        if !self.inner.api_answered.load(Ordering::Relaxed) {
            self.inner.api_answered.store(true, Ordering::Relaxed);
        }
    }

    /// `not_found` (a `404 not_found` answer to `req`) as it is when the API has answered at
    /// the base URL (already, or to a `GET /templates` made now), else
    /// [`ApiError::UnconfirmedNotFound`], which no caller reads as "gone".
    pub(super) async fn confirm_not_found(
        &self,
        op: &Op,
        req: &Req,
        not_found: ApiError,
    ) -> ApiError {
        if self.inner.api_answered.load(Ordering::Relaxed) {
            return not_found;
        }
        let probe = match self.probe_routes(op).await {
            Ok(()) => {
                self.api_answered();
                return not_found;
            }
            Err(e) => e,
        };
        tracing::warn!(
            method = %req.method, path = %req.path, probe = %probe,
            "a 404 could not be told from a missing route; nothing is concluded"
        );
        ApiError::UnconfirmedNotFound {
            method: req.method.to_string(),
            path: req.path.clone(),
            base_url: self.inner.base.to_string(),
            probe: Box::new(probe),
        }
    }

    /// One page of `GET /templates`, a route every revision serves whatever the workspace
    /// holds (the system catalog is never empty), read as the API's list shape. Sent through
    /// the retry loop itself, not [`Client::run`], whose 404 would come back here.
    async fn probe_routes(&self, op: &Op) -> Result<(), ApiError> {
        let req = self.req(Method::GET, &["templates"], &[], None::<&()>, OpKind::Read)?;
        let max_retries = self.inner.policy.max_retries;
        let answer = self
            .run_with(op, &req, &mut RunStats::default(), max_retries, true)
            .await?;
        self.decode::<ListPage<IgnoredAny>>(&req, &answer)
            .map(|_| ())
    }
}
