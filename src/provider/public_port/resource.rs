//! The `agent37_instance_public_port` resource: I/O only (conversions live in `model`).

use async_trait::async_trait;

use crate::api::{ApiError, Client, CreatePublicPort, Op};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_error, delete_outcome, detail, exists_error};
use crate::provider::newer_api;
use crate::sdk::traits::IdentityAttribute;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Outcome, Plan, Read, Resource, Schema,
};

use super::model::{self, Conflict};
use super::schema::{self, PublicPort};

pub const TYPE: &str = "agent37_instance_public_port";

pub struct PublicPortResource;

fn provider_bug(summary: &str, why: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(summary, format!("The public port is not usable: {why}."));
    d
}

/// The diagnostic of a create that met `409 public_port_exists`: the entry to import, or the
/// entry whose prefix is taken.
async fn conflict_error(
    client: &Client,
    op: &Op,
    summary: &str,
    err: &ApiError,
    instance_id: &str,
    body: &CreatePublicPort,
) -> Diagnostics {
    let ports = client
        .list_public_ports(op, instance_id)
        .await
        .unwrap_or_default();
    match model::conflict(instance_id, body, &ports) {
        Conflict::SamePort(id) => exists_error(summary, err, TYPE, &id),
        Conflict::SamePrefix { port, import_id } => {
            let mut d = Diagnostics::new();
            d.error(
                summary,
                format!(
                    "{}\n\nPort {port} of instance {instance_id} already uses the prefix {:?}: \
                     choose another prefix, or manage that entry instead \
                     (`terraform import {TYPE}.<name> {import_id}`).",
                    detail(err),
                    body.prefix.as_deref().unwrap_or_default()
                ),
            );
            d
        }
        Conflict::Unknown => api_error(summary, err),
    }
}

#[async_trait]
impl Resource<Agent37Data> for PublicPortResource {
    type State = PublicPort;
    type Private = ();

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        schema::resource()
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::composite(vec![
            IdentityAttribute::string(PublicPort::INSTANCE_ID, "The instance's id."),
            IdentityAttribute::number(PublicPort::PORT, "The public port."),
        ]))
    }

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, PublicPort>) {
        if plan.is_create()
            && let Err(d) = newer_api::require(ctx, TYPE).await
        {
            plan.diags.extend(d);
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Create<PublicPort>,
    ) -> Outcome<Option<PublicPort>> {
        const SUMMARY: &str = "Unable to make the port public";
        let (instance_id, body) = match model::create_body(&req.planned) {
            Ok(b) => b,
            Err(why) => return provider_bug(SUMMARY, &why).into(),
        };
        let (client, op) = (ctx.client(), ctx.op());
        match client.create_public_port(&op, &instance_id, &body).await {
            Ok(p) => Outcome::ok(Some(model::state(&p, &instance_id, &req.planned))),
            Err(e) if e.code() == Some("public_port_exists") => {
                conflict_error(client, &op, SUMMARY, &e, &instance_id, &body)
                    .await
                    .into()
            }
            Err(e) => api_error(SUMMARY, &e).into(),
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Read<PublicPort, ()>,
    ) -> Outcome<Option<PublicPort>> {
        let (Some(instance_id), Some(port)) =
            (req.state.instance_id.as_str(), model::port_of(&req.state))
        else {
            return provider_bug(
                "Unable to read public port",
                "the state has no instance id or port",
            )
            .into();
        };
        match ctx.client().list_public_ports(&ctx.op(), instance_id).await {
            Ok(ports) => Outcome::ok(
                ports
                    .iter()
                    .find(|p| p.port == port)
                    .map(|p| model::state(p, instance_id, &req.state)),
            ),
            // The instance is gone, and its public ports with it.
            Err(e) if e.is_not_found() => match newer_api::confirm_gone(ctx, TYPE).await {
                None => Outcome::ok(None),
                Some(d) => d.into(),
            },
            Err(e) => api_error(
                &format!(
                    "Unable to read public port {}",
                    model::import_id(instance_id, port)
                ),
                &e,
            )
            .into(),
        }
    }

    /// Only `timeouts` can change in place (the SDK's default update: no call).
    fn every_argument_replaces(&self) -> bool {
        true
    }

    async fn delete(&self, ctx: &Ctx<Agent37Data>, req: Delete<PublicPort, ()>) -> Outcome<()> {
        let (Some(instance_id), Some(port)) =
            (req.prior.instance_id.as_str(), model::port_of(&req.prior))
        else {
            return Outcome::ok(());
        };
        // Gone already, or with its instance, is success.
        let result = ctx
            .client()
            .delete_public_port(&ctx.op(), instance_id, port)
            .await;
        delete_outcome(result, || {
            format!(
                "Unable to delete public port {}",
                model::import_id(instance_id, port)
            )
        })
    }

    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Outcome<Option<PublicPort>> {
        let seed = match self.import_seed(id) {
            Ok(s) => s,
            Err(d) => return d.into(),
        };
        if model::port_of(&seed).is_none() {
            let mut d = Diagnostics::new();
            d.error(
                "Cannot import agent37_instance_public_port",
                format!(
                    "The import id {id:?} must have the form <instance_id>/<port>, with a port from 1 to 65535."
                ),
            );
            return d.into();
        }
        Outcome::ok(Some(seed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::core::upgrade_stored_state;

    #[test]
    fn import_ids_are_instance_and_port() {
        let r = PublicPortResource;
        let seed = r.import_seed("abc123defg/9100").expect("seed");
        assert_eq!(seed.instance_id.as_str(), Some("abc123defg"));
        assert_eq!(seed.port.get(), Some(9100));
        let d = r.import_seed("abc123defg").expect_err("no port");
        assert!(
            d.0[0]
                .detail
                .contains("must have the form <instance_id>/<port>"),
            "{:?}",
            d.0
        );
    }

    #[test]
    fn released_state_fixtures_upgrade_into_the_current_model() {
        const VERSION_0: &[u8] = br#"{"instance_id": "abc123defg", "port": 9100,
            "prefix": "hooks", "label": null, "url": "https://hooks-abc123defg.agent37.app",
            "domain_urls": [], "created": 1786001200, "timeouts": null}"#;
        let r = PublicPortResource;
        assert_eq!(r.schema().version, 0);
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = PublicPort::from_value(&v).expect("fits the current model");
        assert_eq!(state.port.get(), Some(9100));
        assert!(upgrade_stored_state(&r, 1, VERSION_0).is_err());
    }
}
