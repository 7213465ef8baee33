//! The `agent37_domain` resource: I/O only (conversions live in `model`).

use async_trait::async_trait;

use crate::api::CreateDomain;
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_error, delete_outcome, detail, exists_error};
use crate::provider::newer_api;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Outcome, Plan, Read, Resource, Schema,
};

use super::model;
use super::name;
use super::schema::{self, Domain};

pub const TYPE: &str = "agent37_domain";

pub struct DomainResource;

fn missing(summary: &str, what: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(summary, format!("The {what} has no domain."));
    d
}

#[async_trait]
impl Resource<Agent37Data> for DomainResource {
    type State = Domain;
    type Private = ();

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        schema::domain_resource()
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::single(Domain::DOMAIN, "The domain name."))
    }

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Domain>) {
        if plan.is_create() {
            if let Err(d) = newer_api::require(ctx, TYPE).await {
                plan.diags.extend(d);
                return;
            }
            model::plan_domain(&mut plan.planned);
        }
    }

    async fn create(&self, ctx: &Ctx<Agent37Data>, req: Create<Domain>) -> Outcome<Option<Domain>> {
        const SUMMARY: &str = "Unable to register domain";
        let Some(domain) = req.planned.domain.as_str() else {
            return missing(SUMMARY, "planned state").into();
        };
        let (client, op) = (ctx.client(), ctx.op());
        let body = CreateDomain {
            domain: domain.to_string(),
        };
        match client.create_domain(&op, &body).await {
            Ok(d) => Outcome::ok(Some(model::domain_state(&d, &req.planned))),
            Err(e) if e.code() == Some("domain_exists") => {
                // Held by any workspace: importable only when it is this one.
                if client.get_domain(&op, domain).await.is_ok() {
                    exists_error(SUMMARY, &e, TYPE, domain).into()
                } else {
                    let mut d = Diagnostics::new();
                    d.error(
                        SUMMARY,
                        format!(
                            "{}\n\nAnother workspace holds {domain}; it cannot be registered here.",
                            detail(&e)
                        ),
                    );
                    d.into()
                }
            }
            Err(e) => api_error(SUMMARY, &e).into(),
        }
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, req: Read<Domain, ()>) -> Outcome<Option<Domain>> {
        let Some(domain) = req.state.domain.as_str() else {
            return missing("Unable to read domain", "state").into();
        };
        match ctx.client().get_domain(&ctx.op(), domain).await {
            Ok(d) => Outcome::ok(Some(model::domain_state(&d, &req.state))),
            // Deleted out of band: dropped from state, so the next plan registers it again.
            Err(e) if e.is_not_found() => match newer_api::confirm_gone(ctx, TYPE).await {
                None => Outcome::ok(None),
                Some(d) => d.into(),
            },
            Err(e) => api_error(&format!("Unable to read domain {domain}"), &e).into(),
        }
    }

    /// Only `timeouts` can change in place (the SDK's default update: no call).
    fn every_argument_replaces(&self) -> bool {
        true
    }

    async fn delete(&self, ctx: &Ctx<Agent37Data>, req: Delete<Domain, ()>) -> Outcome<()> {
        let Some(domain) = req.prior.domain.as_str() else {
            return Outcome::ok(());
        };
        delete_outcome(ctx.client().delete_domain(&ctx.op(), domain).await, || {
            format!("Unable to delete domain {domain}")
        })
    }

    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Outcome<Option<Domain>> {
        if let Err(p) = name::check(id) {
            let mut d = Diagnostics::new();
            d.error(
                "Cannot import domain",
                format!(
                    "The import id {id:?} is not a domain name: {}. Import a domain by its name: \
                     `terraform import {TYPE}.example bots-example.net`.",
                    p.text()
                ),
            );
            return d.into();
        }
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
    fn released_state_fixtures_upgrade_into_the_current_model() {
        const VERSION_0: &[u8] = br#"{"domain": "bots-example.net", "status": "active",
            "nameservers": ["ns1.emulator.invalid", "ns2.emulator.invalid"],
            "dns_name": "bots-example.net", "created": 1786000500, "timeouts": null}"#;
        let r = DomainResource;
        assert_eq!(r.schema().version, 0);
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = Domain::from_value(&v).expect("fits the current model");
        assert_eq!(state.status.as_str(), Some("active"));
        assert!(upgrade_stored_state(&r, 1, VERSION_0).is_err());
    }
}
