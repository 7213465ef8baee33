//! The `agent37_instance_integration` resource: I/O only (conversions and verdicts live in
//! `model`).

use std::time::Instant;

use async_trait::async_trait;

use crate::api::{
    self, ApiError, CUSTOM_AUTH_REQUIRED, Client, DeleteOutcome, INTEGRATIONS_UNAVAILABLE, Op,
};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::domain::model::{MAX_POLL_WAIT, PollSchedule};
use crate::provider::errors::{api_error, detail};
use crate::provider::{ids, newer_api};
use crate::sdk::model::Attr;
use crate::sdk::traits::IdentityAttribute;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Outcome, Path, Plan, Read, Resource, Schema, Update,
};

use super::model::{self, WaitStep};
use super::schema::{self, Integration};

pub const TYPE: &str = "agent37_instance_integration";

pub struct IntegrationResource;

fn provider_bug(summary: &str, why: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(summary, format!("The integration is not usable: {why}."));
    d
}

/// The diagnostics of a failed integrations call: the routes' two flat answers (contract 7.6)
/// explained, anything else as every API error.
pub fn integration_error(summary: &str, err: &ApiError) -> Diagnostics {
    let mut d = Diagnostics::new();
    match err.last().flat_code() {
        Some(CUSTOM_AUTH_REQUIRED) => d.attr_error(
            Path::attr(Integration::TOOLKIT),
            summary,
            "The platform has no managed OAuth for this toolkit (HTTP 422 custom_auth_required): \
             it needs an auth configuration of your own, which this API does not manage. Choose \
             another toolkit, or connect this one in the Agent37 console.",
        ),
        Some(INTEGRATIONS_UNAVAILABLE) => d.error(
            summary,
            "Managed integrations (Composio) are unavailable right now (HTTP 503 \
             integrations_unavailable); nothing was changed. Apply again later.",
        ),
        _ => return api_error(summary, err),
    }
    d
}

/// Why a wait for `ACTIVE` did not end well.
enum NotActive {
    Dead(String),
    Gone,
    Pending { waited_secs: u64, cancelled: bool },
    Api(ApiError),
}

/// How a wait ended: `ACTIVE`, or why not, with the connection as last seen.
enum Waited {
    Active(api::Connection),
    Not(NotActive, Option<api::Connection>),
}

/// Looks at the connection until it is `ACTIVE`, dead, gone, or `op` runs out; the waits
/// follow `PollSchedule` (a person signing in takes seconds to minutes).
async fn wait_until_active(client: &Client, op: &Op, instance_id: &str, id: &str) -> Waited {
    let start = Instant::now();
    let mut waits = PollSchedule::default();
    let mut last = None;
    let pending = |cancelled: bool, last: Option<api::Connection>| {
        let waited_secs = start.elapsed().as_secs();
        Waited::Not(
            NotActive::Pending {
                waited_secs,
                cancelled,
            },
            last,
        )
    };
    loop {
        match client.find_connection(op, instance_id, id).await {
            Ok(found) => match model::wait_step(found.as_ref()) {
                WaitStep::Active => {
                    return found.map_or(Waited::Not(NotActive::Gone, None), Waited::Active);
                }
                WaitStep::Dead(status) => return Waited::Not(NotActive::Dead(status), found),
                WaitStep::Gone => return Waited::Not(NotActive::Gone, None),
                WaitStep::Waiting => {
                    tracing::info!(instance_id, connection = id, "integration not active yet");
                    last = found;
                }
            },
            Err(e) => match e.last() {
                ApiError::Timeout { .. } => return pending(false, last),
                ApiError::Cancelled { .. } => return pending(true, last),
                _ => return Waited::Not(NotActive::Api(e), last),
            },
        }
        let wait = waits.next().unwrap_or(MAX_POLL_WAIT);
        if op.remaining() <= wait {
            return pending(false, last);
        }
        tokio::select! {
            _ = op.cancel_token().cancelled() => return pending(true, last),
            _ = tokio::time::sleep(wait) => {}
        }
    }
}

/// The outcome of a wait: the state (the connection as last seen, else `base`) and, unless it
/// ended `ACTIVE`, the error that taints it.
fn waited(
    outcome: Waited,
    instance_id: &str,
    base: &Integration,
    summary: &str,
) -> Outcome<Option<Integration>> {
    let toolkit = base.toolkit.as_str().unwrap_or_default().to_string();
    let id = base
        .connected_account_id
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (why, last) = match outcome {
        Waited::Active(c) => return Outcome::ok(Some(model::state(&c, instance_id, base))),
        Waited::Not(why, last) => (why, last),
    };
    let state = last.map_or_else(|| base.clone(), |c| model::state(&c, instance_id, base));
    let mut d = Diagnostics::new();
    match why {
        NotActive::Dead(status) => {
            let state = Integration {
                status: status.clone().into(),
                ..state
            };
            d.error(summary, model::dead(&toolkit, &id, &status));
            return Outcome::ok(Some(state)).with_diags(d);
        }
        NotActive::Gone => {
            d.error(
                summary,
                format!("The {toolkit} connection {id} disappeared while waiting for it to become ACTIVE (deleted outside Terraform?)."),
            );
            return d.into();
        }
        NotActive::Pending {
            cancelled: true, ..
        } => d.error(
            summary,
            format!(
                "Waiting for the {toolkit} connection {id} was cancelled; it is kept, tainted."
            ),
        ),
        NotActive::Pending { waited_secs, .. } => {
            d.error(summary, model::still_waiting(&toolkit, &id, waited_secs));
        }
        NotActive::Api(e) => d.extend(integration_error(summary, &e)),
    }
    Outcome::ok(Some(state)).with_diags(d)
}

/// After a connect whose outcome is unknown: the connection it made (kept, with an error, so
/// that it is tainted rather than orphaned), else the connect's own error.
async fn resolve_ambiguous(
    client: &Client,
    instance_id: &str,
    before: &[api::Connection],
    planned: &Integration,
    summary: &str,
    err: &ApiError,
) -> Outcome<Option<Integration>> {
    let toolkit = planned.toolkit.as_str().unwrap_or_default();
    // A fresh bound: the create's may be what ran out.
    let op = client.op(std::time::Duration::from_secs(60));
    let after = client
        .list_connections(&op, instance_id, Some(toolkit))
        .await
        .unwrap_or_default();
    let Some(c) = model::made_by_connect(before, &after, toolkit) else {
        return integration_error(summary, err).into();
    };
    let mut d = Diagnostics::new();
    d.error(
        summary,
        format!(
            "{}\n\nThe connect's answer was lost, but it made connection {} ({}). It is kept, tainted, without its redirect URL: the next apply replaces it with a connection whose `redirect_url` is known.",
            detail(err),
            c.id,
            c.status
        ),
    );
    Outcome::ok(Some(model::state(c, instance_id, planned))).with_diags(d)
}

#[async_trait]
impl Resource<Agent37Data> for IntegrationResource {
    type State = Integration;
    type Private = ();

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        schema::resource()
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::composite(vec![
            IdentityAttribute::string(Integration::INSTANCE_ID, "The instance's id."),
            IdentityAttribute::string(
                Integration::CONNECTED_ACCOUNT_ID,
                "Composio's id of the connected account.",
            ),
        ]))
    }

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Integration>) {
        if let Some(id) = plan.planned.instance_id.as_str()
            && let Err(why) = ids::check(id)
        {
            plan.diags.attr_error(
                Path::attr(Integration::INSTANCE_ID),
                "Invalid instance id",
                why,
            );
            return;
        }
        let Some(prior) = plan.prior else {
            if let Err(d) = newer_api::require(ctx, TYPE).await {
                plan.diags.extend(d);
            }
            return;
        };
        if model::is_dead(prior) {
            // A FAILED or EXPIRED connection serves no one: a new one, finished again.
            plan.replace_on(Integration::STATUS);
            plan.planned.status = Attr::unknown();
            plan.planned.connected_account_id = Attr::unknown();
            plan.planned.redirect_url = Attr::unknown();
        } else if plan.planned.wait_for_active.get() == Some(true)
            && prior.status.as_str() != Some(api::ConnectionStatus::Active.as_str())
        {
            // The update waits for ACTIVE.
            plan.planned.status = Attr::unknown();
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Create<Integration>,
    ) -> Outcome<Option<Integration>> {
        const SUMMARY: &str = "Unable to connect the integration";
        let (instance_id, body) = match model::connect_body(&req.planned) {
            Ok(b) => b,
            Err(why) => return provider_bug(SUMMARY, &why).into(),
        };
        let (client, op) = (ctx.client(), ctx.op());
        // What exists before, so that an ambiguous connect can tell what it made.
        let before = match client
            .list_connections(&op, &instance_id, Some(&body.toolkit))
            .await
        {
            Ok(b) => b,
            Err(e) => return integration_error(SUMMARY, &e).into(),
        };
        let connected = match client.connect_integration(&op, &instance_id, &body).await {
            Ok(c) => c,
            Err(e) if e.may_have_reached_server() && e.status().is_none_or(|s| s >= 500) => {
                return resolve_ambiguous(client, &instance_id, &before, &req.planned, SUMMARY, &e)
                    .await;
            }
            Err(e) => return integration_error(SUMMARY, &e).into(),
        };
        let base = model::connected_only(&connected, &instance_id, &req.planned);
        if req.planned.wait_for_active.get() == Some(true) {
            let outcome =
                wait_until_active(client, &op, &instance_id, &connected.connected_account_id).await;
            return waited(outcome, &instance_id, &base, "Integration not active");
        }
        match client
            .find_connection(&op, &instance_id, &connected.connected_account_id)
            .await
        {
            Ok(Some(c)) => Outcome::ok(Some(model::state(&c, &instance_id, &base))),
            // Made, but not readable yet: its status comes with the next refresh.
            other => {
                let mut d = Diagnostics::new();
                let why = match other {
                    Err(e) => detail(&e),
                    _ => "it is not listed yet".to_string(),
                };
                d.warning(
                    "Integration connected, status unknown",
                    format!(
                        "Connection {} was made, but reading it back failed ({why}); its status is read at the next refresh.",
                        connected.connected_account_id
                    ),
                );
                Outcome::ok(Some(base)).with_diags(d)
            }
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Read<Integration, ()>,
    ) -> Outcome<Option<Integration>> {
        let (Some(instance_id), Some(id)) = (
            req.state.instance_id.as_str(),
            req.state.connected_account_id.as_str(),
        ) else {
            return provider_bug(
                "Unable to read integration",
                "the state has no instance id or connection id",
            )
            .into();
        };
        match ctx
            .client()
            .find_connection(&ctx.op(), instance_id, id)
            .await
        {
            Ok(found) => Outcome::ok(found.map(|c| model::state(&c, instance_id, &req.state))),
            // The instance is gone, and its connections with it.
            Err(e) if e.is_not_found() => match newer_api::confirm_gone(ctx, TYPE).await {
                None => Outcome::ok(None),
                Some(d) => d.into(),
            },
            Err(e) => integration_error(
                &format!(
                    "Unable to read integration {}",
                    model::import_id(instance_id, id)
                ),
                &e,
            )
            .into(),
        }
    }

    /// `callback_url`, `wait_for_active` and `timeouts` change in place, on the state only;
    /// turning `wait_for_active` on waits for a connection not `ACTIVE` yet.
    async fn update(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Update<Integration, ()>,
    ) -> Outcome<Option<Integration>> {
        let waits = req.planned.wait_for_active.get() == Some(true)
            && req.prior.status.as_str() != Some(api::ConnectionStatus::Active.as_str());
        let (Some(instance_id), Some(id), true) = (
            req.prior.instance_id.as_str(),
            req.prior.connected_account_id.as_str(),
            waits,
        ) else {
            return Outcome::ok(Some(req.planned));
        };
        let base = Integration {
            status: req.prior.status.clone(),
            ..req.planned.clone()
        };
        let outcome = wait_until_active(ctx.client(), &ctx.op(), instance_id, id).await;
        waited(outcome, instance_id, &base, "Integration not active")
    }

    async fn delete(&self, ctx: &Ctx<Agent37Data>, req: Delete<Integration, ()>) -> Outcome<()> {
        let (Some(instance_id), Some(id)) = (
            req.prior.instance_id.as_str(),
            req.prior.connected_account_id.as_str(),
        ) else {
            return Outcome::ok(());
        };
        match ctx
            .client()
            .delete_connection(&ctx.op(), instance_id, id)
            .await
        {
            // Gone already, or with its instance.
            Ok(DeleteOutcome::Deleted | DeleteOutcome::AlreadyGone) => Outcome::ok(()),
            Err(e) => integration_error(
                &format!(
                    "Unable to delete integration {}",
                    model::import_id(instance_id, id)
                ),
                &e,
            )
            .into(),
        }
    }

    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Outcome<Option<Integration>> {
        match self.import_seed(id) {
            Ok(seed) => Outcome::ok(Some(seed)),
            Err(d) => d.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::core::upgrade_stored_state;

    #[test]
    fn import_ids_are_instance_and_connection() {
        let r = IntegrationResource;
        let seed = r.import_seed("abc123defg/ca_9d4e1f7a").expect("seed");
        assert_eq!(seed.instance_id.as_str(), Some("abc123defg"));
        assert_eq!(seed.connected_account_id.as_str(), Some("ca_9d4e1f7a"));
        let d = r.import_seed("abc123defg").expect_err("no connection id");
        assert!(
            d.0[0]
                .detail
                .contains("must have the form <instance_id>/<connected_account_id>"),
            "{:?}",
            d.0
        );
    }

    #[test]
    fn flat_answers_are_explained() {
        let flat = |status: u16, body: &[u8]| {
            api::error::error_from_answer(
                "POST",
                "/instances/x/integrations/connect",
                status,
                body,
                None,
                "k",
            )
        };
        let d = integration_error(
            "S",
            &flat(
                422,
                br#"{"error":"custom_auth_required","toolkit":"salesforce"}"#,
            ),
        );
        assert_eq!(d.0[0].attribute, Some(Path::attr("toolkit")));
        assert!(d.0[0].detail.contains("custom_auth_required"), "{:?}", d.0);
        let d = integration_error("S", &flat(503, br#"{"error":"integrations_unavailable"}"#));
        assert!(
            d.0[0].detail.contains("integrations_unavailable"),
            "{:?}",
            d.0
        );
        assert_eq!(d.0[0].attribute, None);
        let d = integration_error(
            "S",
            &flat(
                400,
                br#"{"error":{"code":"invalid_request","message":"unknown toolkit"}}"#,
            ),
        );
        assert!(d.0[0].detail.contains("invalid_request"), "{:?}", d.0);
    }

    #[test]
    fn released_state_fixtures_upgrade_into_the_current_model() {
        const VERSION_0: &[u8] = br#"{"instance_id": "abc123defg", "toolkit": "gmail",
            "callback_url": "https://app.example/cb", "wait_for_active": false,
            "connected_account_id": "ca_9d4e1f7a", "status": "INITIATED",
            "redirect_url": "http://127.0.0.1:1/_composio/authorize/ca_9d4e1f7a",
            "toolkit_name": "Gmail", "auth_scheme": "OAUTH2", "created": 1786001000,
            "timeouts": null}"#;
        let r = IntegrationResource;
        assert_eq!(r.schema().version, 0);
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = Integration::from_value(&v).expect("fits the current model");
        assert_eq!(state.connected_account_id.as_str(), Some("ca_9d4e1f7a"));
        assert!(upgrade_stored_state(&r, 1, VERSION_0).is_err());
    }
}
