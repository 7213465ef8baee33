//! Create safety: `POST /instances` is retried only on answers that prove nothing was made;
//! after an ambiguous outcome the instance the call made is found by listing and adopted, and a
//! second one is never made. Instances a refresh reads are claimed, so no ambiguous create
//! adopts an instance this process already holds.

use std::time::{Instant, SystemTime};

use reqwest::Method;

use super::super::adopt;
use super::super::error::ApiError;
use super::super::retry::{self, OpKind, Verdict};
use super::super::types::*;
use super::transport::gave_up;
use super::{Client, Op};

impl Client {
    /// `POST /instances`, with the create-safety rule: retried only on answers that prove
    /// nothing was made; after an ambiguous outcome the instance the call made is found by
    /// listing and adopted, and a second one is never made. Whatever the answer looks like, an
    /// instance the call made is returned (with [`Created::failure`] when the create did not
    /// end well), never orphaned:
    ///
    /// - an answer that does not decode still names the instance: its `id` is enough;
    /// - `provisioning_failed` under 2026-08-21 leaves a `failed` instance behind: it is found
    ///   (among `failed` instances made since the call, matching the body) and returned with
    ///   the error, instead of making another one per retry. Under 2026-06-25 (or when nothing
    ///   was left) the failure made nothing, and the create is retried.
    pub async fn create_instance(
        &self,
        op: &Op,
        body: &CreateInstance,
    ) -> Result<Created, ApiError> {
        let mut req = self.req(
            Method::POST,
            &["instances"],
            &[],
            Some(body),
            OpKind::Create,
        )?;
        req.blocking = true;
        let call_start = Instant::now();
        let call_start_local = SystemTime::now();
        let mut retries = 0u32;
        loop {
            self.check_live(op, &req)?;
            let attempt = {
                let _in_flight = self.inner.claims.begin_create(body);
                self.attempt(op, &req, retries).await
            };
            let err = match attempt {
                Ok(answer) => match self.decode::<Instance>(&req, &answer) {
                    Ok(instance) => {
                        let instance = self.seen(instance);
                        return Ok(self
                            .own_created(body, instance, call_start, call_start_local, retries + 1)
                            .await);
                    }
                    Err(e) => match id_of_answer(&answer.body) {
                        Some(id) => {
                            tracing::warn!(%id, error = %e, "the create's answer could not be read; keeping the instance by its id");
                            self.claim(&id);
                            return Ok(Created {
                                id,
                                instance: None,
                                adopted: false,
                                attempts: retries + 1,
                                failure: Some(e),
                            });
                        }
                        None => e,
                    },
                },
                Err(e) => e,
            };
            if err.code() == Some("provisioning_failed") {
                match self
                    .failed_leftover(body, call_start, call_start_local)
                    .await
                {
                    Ok(Some(leftover)) => {
                        tracing::warn!(
                            id = %leftover.id,
                            "the create failed and left a failed instance; keeping it instead of creating another"
                        );
                        return Ok(Created {
                            id: leftover.id.clone(),
                            instance: Some(leftover),
                            adopted: true,
                            attempts: retries + 1,
                            failure: Some(err),
                        });
                    }
                    Ok(None) => {}
                    Err(lookup) => {
                        return Err(ApiError::OutcomeUnknown {
                            operation: "POST /instances".to_owned(),
                            detail: format!(
                                "{err}; then listing instances to find a failed instance it may have left failed: \
                                 {lookup}. Check the workspace for a failed instance to import or delete"
                            ),
                        });
                    }
                }
            }
            let verdict = match &err {
                // Dropped while in flight: the request may have been processed.
                ApiError::Cancelled { .. } => Verdict::Ambiguous {
                    retry_if_absent: false,
                },
                ApiError::Timeout { .. } => Verdict::Ambiguous {
                    retry_if_absent: false,
                },
                e => retry::classify(e, OpKind::Create),
            };
            match verdict {
                Verdict::Stop => return Err(err),
                Verdict::Retry | Verdict::SettleThenRetry => {}
                Verdict::Ambiguous { retry_if_absent } => {
                    tracing::warn!(
                        error = %err,
                        "instance create outcome unknown; looking for the instance it may have made"
                    );
                    match self
                        .look_for_created(body, call_start, call_start_local)
                        .await
                    {
                        Ok(Some(instance)) => {
                            tracing::warn!(
                                id = %instance.id,
                                "adopted the instance made by an interrupted create"
                            );
                            return Ok(Created::made(instance, true, retries + 1));
                        }
                        Ok(None) => {
                            if self.is_cancelled(op) {
                                return Err(ApiError::Cancelled {
                                    operation: req.label(),
                                });
                            }
                            if !retry_if_absent {
                                return Err(err);
                            }
                            tracing::info!("the interrupted create made no instance; retrying");
                        }
                        Err(lookup) => {
                            return Err(ApiError::OutcomeUnknown {
                                operation: "POST /instances".to_owned(),
                                detail: format!(
                                    "{err}; then listing instances to find what it made failed: \
                                     {lookup}. Check the workspace for an instance to import"
                                ),
                            });
                        }
                    }
                }
            }
            let Some(delay) = self.next_delay(op, retries, &err) else {
                let exhausted = retries >= self.inner.policy.max_retries;
                return Err(gave_up(err, retries + 1, exhausted));
            };
            self.sleep(op, &req, delay).await?;
            retries += 1;
        }
    }

    /// The `failed` instance a create answered `provisioning_failed` left behind (2026-08-21,
    /// `docs/contract/hosting-api-2026-08.md` §2.8): one list, bounded like the create
    /// look-up. The row is stored before the answer, so one list is enough.
    async fn failed_leftover(
        &self,
        body: &CreateInstance,
        call_start: Instant,
        call_start_local: SystemTime,
    ) -> Result<Option<Instance>, ApiError> {
        let cfg = self.inner.adoption;
        let lookup = Op::new(cfg.lookup_budget);
        let (instances, date, received) =
            self.list_unbounded_retries(&lookup, &["instances"]).await?;
        let start = adopt::server_clock_at_start(call_start, call_start_local, received, date);
        let min_created = adopt::created_threshold(start, cfg.created_slack);
        Ok(self
            .inner
            .claims
            .claim_oldest_match_where(body, &instances, min_created, |i| {
                i.status == InstanceStatus::Failed
            }))
    }

    /// The create answered with an instance: claim it. If an ambiguous sibling with an
    /// identical body already adopted it, take another identical unclaimed one (they are
    /// interchangeable) so that two resources never hold one instance.
    pub(super) async fn own_created(
        &self,
        body: &CreateInstance,
        instance: Instance,
        call_start: Instant,
        call_start_local: SystemTime,
        attempts: u32,
    ) -> Created {
        if self.inner.claims.claim(&instance.id) {
            return Created::made(instance, false, attempts);
        }
        tracing::warn!(
            id = %instance.id,
            "a concurrent create already adopted this instance; looking for the one it made"
        );
        match self
            .look_for_created(body, call_start, call_start_local)
            .await
        {
            Ok(Some(other)) => Created::made(other, true, attempts),
            _ => {
                tracing::warn!(id = %instance.id, "no other instance found; keeping the created one");
                Created::made(instance, false, attempts)
            }
        }
    }

    /// The create-safety look-up: bounded by the adoption budget even when the operation was
    /// cancelled or timed out, so that an instance the call made is returned, not orphaned.
    pub(super) async fn look_for_created(
        &self,
        body: &CreateInstance,
        call_start: Instant,
        call_start_local: SystemTime,
    ) -> Result<Option<Instance>, ApiError> {
        let cfg = self.inner.adoption;
        // Deliberately not tied to the stop token.
        let lookup = Op::new(cfg.lookup_budget);
        let wait_until = Instant::now() + cfg.lookup_budget / 2;
        self.inner
            .claims
            .wait_identical_answered(body, wait_until)
            .await;
        for round in 0..2 {
            let (instances, date, received) =
                self.list_unbounded_retries(&lookup, &["instances"]).await?;
            let start = adopt::server_clock_at_start(call_start, call_start_local, received, date);
            let min_created = adopt::created_threshold(start, cfg.created_slack);
            if let Some(found) = self
                .inner
                .claims
                .claim_oldest_match(body, &instances, min_created)
            {
                return Ok(Some(found));
            }
            if round == 0 {
                if cfg.recheck_delay >= lookup.remaining() {
                    break;
                }
                tokio::time::sleep(cfg.recheck_delay).await;
            }
        }
        Ok(None)
    }
}

/// The `id` of a create's answer that does not decode as an instance: a non-empty string of
/// letters and digits (what an instance id is), else nothing.
fn id_of_answer(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let id = v.get("id")?.as_str()?;
    (!id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::id_of_answer;

    #[test]
    fn the_id_of_an_unreadable_answer() {
        assert_eq!(
            id_of_answer(br#"{"id": "abc123defg", "status": 7}"#),
            Some("abc123defg".into())
        );
        assert_eq!(id_of_answer(br#"{"id": ""}"#), None);
        assert_eq!(id_of_answer(br#"{"id": "../x"}"#), None);
        assert_eq!(id_of_answer(br#"{"id": 5}"#), None);
        assert_eq!(id_of_answer(b"not json"), None);
    }
}
