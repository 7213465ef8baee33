//! Creates that the retry loop may send twice. Those of SSH keys, domains and public ports are
//! sent as idempotent writes: a repeat that meets the object its own earlier attempt made
//! answers `409 …_exists`, and only then (an earlier attempt may have been applied) is the
//! object looked up and, when it is exactly what the body asked for, taken as the answer.

use std::future::Future;

use serde::de::DeserializeOwned;

use super::super::error::ApiError;
use super::transport::{Req, RunStats};
use super::{Client, Op};

impl Client {
    /// Sends `req`; a `conflict` error after an attempt that may have been applied is resolved
    /// by `existing`, which finds what that attempt made (`None`: the conflict stands).
    pub(super) async fn create_resolving<T, F, Fut>(
        &self,
        op: &Op,
        req: &Req,
        conflict: &str,
        existing: F,
    ) -> Result<T, ApiError>
    where
        T: DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let mut stats = RunStats::default();
        let err = match self.run(op, req, &mut stats).await {
            Ok(answer) => return self.decode(req, &answer),
            Err(e) => e,
        };
        if stats.possibly_applied == 0 || err.code() != Some(conflict) {
            return Err(err);
        }
        tracing::info!(
            method = %req.method, path = %req.path, code = conflict,
            "a retried create met an existing object; checking whether an earlier attempt made it"
        );
        existing().await.ok_or(err)
    }
}
