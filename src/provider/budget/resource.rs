//! The `agent37_budget` resource: I/O only; the decisions live in `model`.

use async_trait::async_trait;

use crate::api::{self, Client, Op, PatchBudget, TopUp};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Outcome, Path, Plan, Read, Resource, Schema, Update,
};

use super::model::{self, Desired, Private, TopupStep};
use super::schema::{self, Budget};

pub struct BudgetResource;

const TYPE_NAME: &str = "agent37_budget";

/// A budget outcome: the state (possibly partial) with the private state that goes with it.
type Applied = Outcome<Option<Budget>, Private>;

/// What the user set, as planned (every value is known at apply).
fn desired(instance_id: &str, planned: &Budget) -> Desired {
    Desired {
        instance_id: instance_id.to_string(),
        monthly_cap_micros: planned.monthly_cap_micros.get().unwrap_or(0),
        topup_micros: planned.topup_micros.get().unwrap_or(0),
        timeouts: planned.timeouts.clone(),
    }
}

/// Grants one top-up of `amount` under the key of `new_highest`: every retry of this change
/// sends the same key, so the API adds it at most once.
async fn grant(
    client: &Client,
    op: &Op,
    instance_id: &str,
    amount: i64,
    new_highest: i64,
) -> Result<api::Budget, api::ApiError> {
    let body = TopUp {
        amount_micros: amount,
        idempotency_key: Some(api::topup_idempotency_key(instance_id, new_highest)),
    };
    client.top_up(op, instance_id, &body).await
}

impl BudgetResource {
    async fn create_budget(&self, client: &Client, op: &Op, planned: &Budget) -> Applied {
        let id = planned.instance_id.as_str().unwrap_or_default();
        let want = desired(id, planned);
        let summary = "Unable to create budget";
        let mut budget = match client.get_budget(op, id).await {
            Ok(b) => b,
            Err(e) => return api_error(summary, &e).into(),
        };
        if budget.monthly_cap_micros != want.monthly_cap_micros {
            let body = PatchBudget {
                monthly_cap_micros: want.monthly_cap_micros,
            };
            budget = match client.patch_budget(op, id, &body).await {
                Ok(b) => b,
                // The budget belongs to the instance, so there is nothing to orphan.
                Err(e) => return api_error(summary, &e).into(),
            };
        }
        let step = model::topup_step(0, want.topup_micros);
        if let TopupStep::Grant {
            amount,
            new_highest,
        } = step
        {
            match grant(client, op, id, amount, new_highest).await {
                Ok(b) => budget = b,
                Err(e) => {
                    // Kept in state (tainted) with nothing granted on record; the retry sends
                    // the same key, so a top-up that did land is not added again.
                    let partial = Desired {
                        topup_micros: 0,
                        ..want
                    };
                    return Outcome::ok(Some(model::resource_state(&partial, &budget)))
                        .with_private(Private::with_highest(0))
                        .with_diags(api_error("Unable to create budget: top-up failed", &e));
                }
            }
        }
        Outcome::ok(Some(model::resource_state(&want, &budget)))
            .with_private(Private::with_highest(step.highest_after()))
    }

    async fn update_budget(
        &self,
        client: &Client,
        op: &Op,
        prior: &Budget,
        planned: &Budget,
        private: Private,
    ) -> Applied {
        let id = prior.instance_id.as_str().unwrap_or_default();
        let want = desired(id, planned);
        let prior_topup = prior.topup_micros.get();
        let summary = "Unable to update budget";

        let mut latest: Option<api::Budget> = None;
        if prior.monthly_cap_micros.get() != Some(want.monthly_cap_micros) {
            let body = PatchBudget {
                monthly_cap_micros: want.monthly_cap_micros,
            };
            match client.patch_budget(op, id, &body).await {
                Ok(b) => latest = Some(b),
                Err(e) => return api_error(summary, &e).into(),
            }
        }

        let step = model::update_step(private, prior_topup, want.topup_micros);
        if let TopupStep::Grant {
            amount,
            new_highest,
        } = step
        {
            match grant(client, op, id, amount, new_highest).await {
                Ok(b) => latest = Some(b),
                Err(e) => {
                    // The cap may be applied; the top-up is not on record, so the next apply
                    // plans it again and resends the same key.
                    let state = match &latest {
                        Some(b) => model::resource_state(
                            &Desired {
                                topup_micros: prior_topup.unwrap_or(0),
                                ..want
                            },
                            b,
                        ),
                        None => prior.clone(),
                    };
                    return Outcome::ok(Some(state))
                        .with_private(private)
                        .with_diags(api_error("Unable to update budget: top-up failed", &e));
                }
            }
        }

        let budget = match latest {
            Some(b) => b,
            // Nothing was called (a lowered top-up): the counters still need reading.
            None => match client.get_budget(op, id).await {
                Ok(b) => b,
                Err(e) => return api_error(summary, &e).into(),
            },
        };
        Outcome::ok(Some(model::resource_state(&want, &budget)))
            .with_private(Private::with_highest(step.highest_after()))
    }
}

#[async_trait]
impl Resource<Agent37Data> for BudgetResource {
    type State = Budget;
    type Private = Private;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema::resource()
    }

    /// One budget per instance: the instance id identifies it (and is the import id).
    fn identity(&self) -> Option<Identity> {
        Some(Identity::single(
            Budget::INSTANCE_ID,
            "Id of the instance whose budget this is.",
        ))
    }

    async fn plan(&self, _ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Budget, Private>) {
        // A create (or the create half of a replacement) grants from zero: nothing to decide.
        if plan.is_create() || !plan.requires_replace.is_empty() {
            return;
        }
        let (after, warning) = model::plan_topup(
            *plan.prior_private,
            plan.prior.and_then(|p| p.topup_micros.get()),
            plan.planned.topup_micros.get(),
        );
        plan.private = after;
        if let Some(w) = warning {
            plan.diags
                .attr_warning(Path::attr(Budget::TOPUP_MICROS), w.summary(), w.detail());
        }
    }

    async fn create(&self, ctx: &Ctx<Agent37Data>, req: Create<Budget, Private>) -> Applied {
        self.create_budget(ctx.client(), &ctx.op(), &req.planned)
            .await
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, req: Read<Budget, Private>) -> Applied {
        let state = &req.state;
        let id = state.instance_id.as_str().unwrap_or_default();
        let budget = match ctx.client().get_budget(&ctx.op(), id).await {
            Ok(b) => b,
            // The instance (and so its budget) is gone: the next plan creates it again.
            Err(e) if e.is_not_found() => return Outcome::ok(None),
            Err(e) => return api_error("Unable to read budget", &e).into(),
        };
        let state_topup = state.topup_micros.get();
        let now = Desired {
            instance_id: id.to_string(),
            // The cap is the server's: a change made elsewhere shows as drift.
            monthly_cap_micros: budget.monthly_cap_micros,
            topup_micros: model::topup_after_read(state_topup, &budget),
            timeouts: state.timeouts.clone(),
        };
        Outcome::ok(Some(model::resource_state(&now, &budget)))
            .with_private(model::private_after_read(req.private, state_topup))
    }

    async fn update(&self, ctx: &Ctx<Agent37Data>, req: Update<Budget, Private>) -> Applied {
        self.update_budget(
            ctx.client(),
            &ctx.op(),
            &req.prior,
            &req.planned,
            req.private,
        )
        .await
    }

    async fn delete(&self, ctx: &Ctx<Agent37Data>, req: Delete<Budget, Private>) -> Outcome<()> {
        let id = req.prior.instance_id.as_str().unwrap_or_default();
        // The budget cannot be removed: destroy sets the cap to 0 and keeps granted headroom.
        let body = PatchBudget {
            monthly_cap_micros: 0,
        };
        match ctx.client().patch_budget(&ctx.op(), id, &body).await {
            Ok(_) => Outcome::ok(()),
            // The instance is gone, and its budget with it.
            Err(e) if e.is_not_found() => Outcome::ok(()),
            Err(e) => api_error(
                "Unable to destroy budget (setting its monthly cap to 0)",
                &e,
            )
            .into(),
        }
    }

    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Applied {
        if let Err(msg) = schema::check_instance_id(id) {
            let mut d = Diagnostics::new();
            d.error(
                "Invalid import id",
                format!("{TYPE_NAME} is imported by the id of its instance; {msg}"),
            );
            return d.into();
        }
        match self.import_seed(id) {
            Ok(seed) => Outcome::ok(Some(seed)).with_private(Private::imported()),
            Err(d) => d.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::core::upgrade_stored_state;

    /// Committed state of every released schema version upgrades into the current typed
    /// state; state of a newer provider is refused.
    #[test]
    fn released_state_fixtures_upgrade_into_the_current_model() {
        // State as Terraform stores it for schema version 0.
        const VERSION_0: &[u8] = br#"{
            "instance_id": "abc123defg", "monthly_cap_micros": 5000000, "topup_micros": 1000000,
            "monthly_consumed_micros": 12, "monthly_remaining_micros": 4999988,
            "monthly_period": "2026-06", "topup_remaining_micros": 1000000,
            "updated_at": 1790000000, "timeouts": null
        }"#;
        let r = BudgetResource;
        assert_eq!(r.schema().version, 0);
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = Budget::from_value(&v).expect("fits the current model");
        assert_eq!(state.monthly_cap_micros.get(), Some(5_000_000));
        assert_eq!(state.monthly_period.as_str(), Some("2026-06"));
        assert!(upgrade_stored_state(&r, 1, VERSION_0).is_err());
        let ident = r.identity().expect("identity");
        let seed = r.import_seed("abc123defg").expect("seed");
        assert_eq!(
            ident.of(&seed.to_value()),
            Some(crate::sdk::Value::object([(
                "instance_id",
                crate::sdk::Value::string("abc123defg")
            )]))
        );
    }
}
