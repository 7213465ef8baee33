//! The `agent37_domain_verification` resource: its create polls verify until the domain is
//! active, within `timeouts.create`; it has nothing on the server to update or delete.

use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::api::{ApiError, Client, DomainStatus, Op};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_error, detail};
use crate::provider::newer_api;
use crate::sdk::{Create, Ctx, Delete, Diagnostics, Outcome, Plan, Read, Resource, Schema, Update};

use super::model::{self, PollSchedule};
use super::schema::{self, DomainVerification};

pub const TYPE: &str = "agent37_domain_verification";

pub struct VerificationResource;

/// Why a verification did not end with an active domain.
enum Unverified {
    /// The deadline (or a stop) came first.
    Pending {
        waited: Duration,
        cancelled: bool,
    },
    Api(ApiError),
}

/// Polls verify until the domain is active or `op` runs out; the waits follow `PollSchedule`.
async fn verify_until_active(client: &Client, op: &Op, domain: &str) -> Result<(), Unverified> {
    let start = Instant::now();
    let mut waits = PollSchedule::default();
    loop {
        match client.verify_domain(op, domain).await {
            Ok(v) if v.status == DomainStatus::Active => return Ok(()),
            Ok(v) => {
                tracing::info!(domain, status = %v.status, "domain not verified yet");
            }
            // Classified by the last failure: the client may have retried it already.
            Err(e) => match e.last() {
                ApiError::Timeout { .. } => {
                    return Err(Unverified::Pending {
                        waited: start.elapsed(),
                        cancelled: false,
                    });
                }
                ApiError::Cancelled { .. } => {
                    return Err(Unverified::Pending {
                        waited: start.elapsed(),
                        cancelled: true,
                    });
                }
                _ => return Err(Unverified::Api(e)),
            },
        }
        let wait = waits.next().unwrap_or(model::MAX_POLL_WAIT);
        if op.remaining() <= wait {
            return Err(Unverified::Pending {
                waited: start.elapsed(),
                cancelled: false,
            });
        }
        tokio::select! {
            _ = op.cancel_token().cancelled() => {
                return Err(Unverified::Pending { waited: start.elapsed(), cancelled: true });
            }
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

#[async_trait]
impl Resource<Agent37Data> for VerificationResource {
    type State = DomainVerification;
    type Private = ();

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        schema::verification_resource()
    }

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, DomainVerification>) {
        if plan.is_create() {
            if let Err(d) = newer_api::require(ctx, TYPE).await {
                plan.diags.extend(d);
                return;
            }
            model::plan_verification(&mut plan.planned);
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Create<DomainVerification>,
    ) -> Outcome<Option<DomainVerification>> {
        let Some(domain) = req.planned.domain.as_str() else {
            let mut d = Diagnostics::new();
            d.error(
                "Unable to verify domain",
                "The planned state has no domain.",
            );
            return d.into();
        };
        let summary = format!("Domain {domain} not verified");
        let (client, op) = (ctx.client(), ctx.op());
        let mut diags = Diagnostics::new();
        match verify_until_active(client, &op, domain).await {
            Ok(()) => {
                let mut state = req.planned.clone();
                model::plan_verification(&mut state);
                return Outcome::ok(Some(state));
            }
            Err(Unverified::Api(e)) if e.is_not_found() => diags.error(
                summary,
                format!(
                    "{}\n\nThe workspace has no domain {domain}: register it with `agent37_domain` first \
                     (refer to `agent37_domain.<name>.domain`, so that it is registered before it is verified).",
                    detail(&e)
                ),
            ),
            Err(Unverified::Api(e)) => diags.extend(api_error(&summary, &e)),
            Err(Unverified::Pending { cancelled: true, .. }) => diags.error(
                summary,
                format!("Verifying {domain} was cancelled; nothing was changed."),
            ),
            Err(Unverified::Pending { waited, .. }) => {
                // Where the records must point, read with a fresh deadline (the create's is
                // used up).
                let nameservers = client
                    .get_domain(&ctx.op_within(Duration::from_secs(30)), domain)
                    .await
                    .map(|d| d.dns.nameservers)
                    .unwrap_or_default();
                diags.error(summary, model::still_pending(domain, waited, &nameservers));
            }
        }
        // Nothing exists to keep in state: the next apply verifies again.
        diags.into()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Read<DomainVerification, ()>,
    ) -> Outcome<Option<DomainVerification>> {
        let Some(domain) = req.state.domain.as_str() else {
            return Outcome::ok(None);
        };
        match ctx.client().get_domain(&ctx.op(), domain).await {
            Ok(d) => Outcome::ok(model::verification_state(&d, &req.state)),
            // The domain is gone: so is its verification.
            Err(e) if e.is_not_found() => match newer_api::confirm_gone(ctx, TYPE).await {
                None => Outcome::ok(None),
                Some(d) => d.into(),
            },
            Err(e) => api_error(&format!("Unable to read domain {domain}"), &e).into(),
        }
    }

    /// `domain` replaces the resource: only `timeouts` can change in place.
    async fn update(
        &self,
        _ctx: &Ctx<Agent37Data>,
        req: Update<DomainVerification, ()>,
    ) -> Outcome<Option<DomainVerification>> {
        Outcome::ok(Some(req.planned))
    }

    /// A verification is not an object of the API: forgetting it is all a destroy does.
    async fn delete(
        &self,
        _ctx: &Ctx<Agent37Data>,
        _req: Delete<DomainVerification, ()>,
    ) -> Outcome<()> {
        Outcome::ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::core::upgrade_stored_state;

    #[test]
    fn released_state_fixtures_upgrade_into_the_current_model() {
        const VERSION_0: &[u8] =
            br#"{"domain": "bots-example.net", "status": "active", "timeouts": {"create": "30m", "update": null, "delete": null}}"#;
        let r = VerificationResource;
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = DomainVerification::from_value(&v).expect("fits the current model");
        assert_eq!(state.domain.as_str(), Some("bots-example.net"));
        assert!(upgrade_stored_state(&r, 1, VERSION_0).is_err());
    }
}
