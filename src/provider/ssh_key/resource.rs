//! The `agent37_ssh_key` resource: I/O only (rules and conversions live in `model`).

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_error, delete_outcome, exists_error};
use crate::provider::newer_api;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Outcome, Plan, Read, Resource, Schema,
};

use super::model;
use super::schema::{self, SshKey};

pub const TYPE: &str = "agent37_ssh_key";

pub struct SshKeyResource;

fn provider_bug(summary: &str, why: String) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        summary,
        format!("The planned SSH key is not usable: {why}."),
    );
    d
}

#[async_trait]
impl Resource<Agent37Data> for SshKeyResource {
    type State = SshKey;
    type Private = ();

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        schema::resource()
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::single(SshKey::ID, "The key's id."))
    }

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, SshKey>) {
        if plan.is_create()
            && let Err(d) = newer_api::require(ctx, TYPE).await
        {
            plan.diags.extend(d);
            return;
        }
        if model::plan(plan.prior, plan.config, &mut plan.planned) {
            plan.replace_on(SshKey::FINGERPRINT);
        }
    }

    async fn create(&self, ctx: &Ctx<Agent37Data>, req: Create<SshKey>) -> Outcome<Option<SshKey>> {
        const SUMMARY: &str = "Unable to create SSH key";
        let (body, fingerprint) = match model::create_body(&req.config) {
            Ok(b) => b,
            Err(why) => return provider_bug(SUMMARY, why).into(),
        };
        let (client, op) = (ctx.client(), ctx.op());
        match client.create_ssh_key(&op, &body, &fingerprint).await {
            Ok(k) => Outcome::ok(Some(model::resource_state(&k, &req.planned))),
            Err(e) if e.code() == Some("ssh_key_exists") => {
                // The key is registered already: name it, so it can be imported.
                let existing = client.list_ssh_keys(&op).await.ok().and_then(|keys| {
                    keys.into_iter()
                        .find(|k| k.fingerprint == fingerprint)
                        .map(|k| k.id)
                });
                match existing {
                    Some(id) => exists_error(SUMMARY, &e, TYPE, &id).into(),
                    None => api_error(SUMMARY, &e).into(),
                }
            }
            Err(e) => api_error(SUMMARY, &e).into(),
        }
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, req: Read<SshKey, ()>) -> Outcome<Option<SshKey>> {
        let Some(id) = req.state.id.as_str() else {
            return provider_bug("Unable to read SSH key", "the state has no id".into()).into();
        };
        // There is no GET by id: the key is looked up in the list.
        match ctx.client().find_ssh_key(&ctx.op(), id).await {
            Ok(Some(k)) => Outcome::ok(Some(model::resource_state(&k, &req.state))),
            // Deleted out of band: dropped from state, so the next plan creates it again.
            Ok(None) => Outcome::ok(None),
            Err(e) => {
                let d = api_error(&format!("Unable to read SSH key {id}"), &e);
                newer_api::explain_not_found(ctx, TYPE, &e, d).await.into()
            }
        }
    }

    /// Only `timeouts` can change in place (the SDK's default update: no call).
    fn every_argument_replaces(&self) -> bool {
        true
    }

    async fn delete(&self, ctx: &Ctx<Agent37Data>, req: Delete<SshKey, ()>) -> Outcome<()> {
        let Some(id) = req.prior.id.as_str() else {
            return Outcome::ok(());
        };
        delete_outcome(ctx.client().delete_ssh_key(&ctx.op(), id).await, || {
            format!("Unable to delete SSH key {id}")
        })
    }

    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Outcome<Option<SshKey>> {
        if id.is_empty() || id.contains(['/', ' ']) {
            let mut d = Diagnostics::new();
            d.error(
                "Cannot import SSH key",
                format!(
                    "The import id {id:?} is not an SSH key id. Import a key by its id, as the \
                     `agent37_ssh_keys` data source or `terraform query` shows it: \
                     `terraform import {TYPE}.example <id>`."
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
    use crate::sdk::model::Attr;

    /// Committed state of every released schema version upgrades into the current typed state.
    #[test]
    fn released_state_fixtures_upgrade_into_the_current_model() {
        const VERSION_0: &[u8] = br#"{"public_key": null, "name": "ci-runner",
            "id": "703eda28a72967dcfa7ba935", "fingerprint": "SHA256:kj7Vwa6FyYSaniaTv1lG4m+wDcYYTUsut2saaboqVvY",
            "type": "ssh-ed25519", "created": 1786000900, "timeouts": null}"#;
        let r = SshKeyResource;
        assert_eq!(r.schema().version, 0);
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = SshKey::from_value(&v).expect("fits the current model");
        assert_eq!(state.key_type.as_str(), Some("ssh-ed25519"));
        assert_eq!(state.public_key, Attr::Null);
        assert!(upgrade_stored_state(&r, 1, VERSION_0).is_err());
    }
}
