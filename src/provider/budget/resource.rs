//! The `agent37_budget` resource: I/O only; the decisions live in `credit` and `model`.

use async_trait::async_trait;

use crate::api::{self, Client, Op, PatchBudget, TopUp};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::provider::ids;
use crate::sdk::raw_state::RawState;
use crate::sdk::traits::keep_state;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Outcome, Path, Plan, Read, Resource, Schema,
    Update, Value, plan as sdk_plan,
};

use super::credit::{self, CreditStep, Private};
use super::model::{self, Desired};
use super::owners;
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
        credit_micros: planned.credit_micros.get().unwrap_or(0),
        timeouts: planned.timeouts.clone(),
    }
}

/// The credit a state holds, under either name.
fn state_credit(state: &Budget) -> Option<i64> {
    state.credit_micros.get().or(state.topup_micros.get())
}

/// Whether a planned state still has values only the API can fill in.
fn has_unknown_counters(planned: &Budget) -> bool {
    planned.monthly_consumed_micros.is_unknown()
        || planned.monthly_remaining_micros.is_unknown()
        || planned.monthly_period.is_unknown()
        || planned.credit_remaining_micros.is_unknown()
        || planned.topup_remaining_micros.is_unknown()
        || planned.updated_at.is_unknown()
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
        // This object takes charge of the budget from here on (see credit::destroy_resets_cap).
        let owner = owners::new_owner();
        owners::record(id, owner);
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
        let step = credit::credit_step(0, want.credit_micros);
        if let CreditStep::Grant {
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
                        credit_micros: 0,
                        ..want
                    };
                    return Outcome::ok(Some(model::resource_state(&partial, &budget)))
                        .with_private(Private::with_highest(0).owned_by(owner))
                        .with_diags(api_error("Unable to create budget: top-up failed", &e));
                }
            }
        }
        Outcome::ok(Some(model::settled(planned, &budget)))
            .with_private(Private::with_highest(step.highest_after()).owned_by(owner))
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
        let prior_credit = state_credit(prior);
        let summary = "Unable to update budget";
        let step = credit::update_step(private, prior_credit, want.credit_micros);
        let cap_changes = prior.monthly_cap_micros.get() != Some(want.monthly_cap_micros);
        let mut owner = private.owner;
        if cap_changes || matches!(step, CreditStep::Grant { .. }) {
            let me = *owner.get_or_insert_with(owners::new_owner);
            owners::record(id, me);
        }
        let done = |highest: i64| Private {
            highest: Some(highest),
            imported: false,
            owner,
        };

        let mut latest: Option<api::Budget> = None;
        if cap_changes {
            let body = PatchBudget {
                monthly_cap_micros: want.monthly_cap_micros,
            };
            match client.patch_budget(op, id, &body).await {
                Ok(b) => latest = Some(b),
                Err(e) => return api_error(summary, &e).into(),
            }
        }

        if let CreditStep::Grant {
            amount,
            new_highest,
        } = step
        {
            match grant(client, op, id, amount, new_highest).await {
                Ok(b) => latest = Some(b),
                Err(e) => {
                    // The cap may be applied; the credit is not on record, so the next apply
                    // plans it again and resends the same key.
                    let state = match &latest {
                        Some(b) => model::resource_state(
                            &Desired {
                                credit_micros: prior_credit.unwrap_or(0),
                                ..want
                            },
                            b,
                        ),
                        None => prior.clone(),
                    };
                    return Outcome::ok(Some(state))
                        .with_private(Private { owner, ..private })
                        .with_diags(api_error("Unable to update budget: top-up failed", &e));
                }
            }
        }

        let highest = step.highest_after();
        let budget = match latest {
            Some(b) => b,
            // Nothing was called and the plan knew every value: it is the new state.
            None if !has_unknown_counters(planned) => {
                return Outcome::ok(Some(planned.clone())).with_private(done(highest));
            }
            None => match client.get_budget(op, id).await {
                Ok(b) => b,
                Err(e) => return api_error(summary, &e).into(),
            },
        };
        Outcome::ok(Some(model::settled(planned, &budget))).with_private(done(highest))
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

    fn validate(&self, config: &Budget, diags: &mut Diagnostics) {
        if let Some((summary, detail)) = credit::both_names_problem(config) {
            diags.attr_error(Path::attr(Budget::TOPUP_MICROS), summary, detail);
        }
    }

    /// Version 0 knew the credit only as `topup_micros` / `topup_remaining_micros`: the new
    /// names take the same values.
    fn upgrade_state(&self, version: i64, state: RawState) -> Result<RawState, String> {
        let mut state = keep_state(schema::VERSION, version, state)?;
        if version < 1 {
            for (old, new) in [
                (Budget::TOPUP_MICROS, Budget::CREDIT_MICROS),
                (
                    Budget::TOPUP_REMAINING_MICROS,
                    Budget::CREDIT_REMAINING_MICROS,
                ),
            ] {
                if let Some(v) = state.get(old).cloned() {
                    state.set(new, v);
                }
            }
        }
        Ok(state)
    }

    async fn plan(&self, _ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Budget, Private>) {
        // The whole id rule, before any call (validation checks its alphabet only: see ids).
        if let Some(id) = plan.config.instance_id.as_str()
            && let Err(msg) = ids::check(id)
        {
            plan.diags
                .attr_error(Path::attr(Budget::INSTANCE_ID), "Invalid instance id", msg);
        }
        // A static default: removed from the configuration, the cap goes back to 0.
        if plan.config.monthly_cap_micros.is_null() {
            plan.planned.monthly_cap_micros = 0.into();
        }
        let (credit, name) = credit::configured_credit(plan.config);
        plan.planned.credit_micros = credit.clone();
        plan.planned.topup_micros = credit;
        // A create (or the create half of a replacement) grants from zero: nothing to decide.
        if plan.is_create() || !plan.requires_replace.is_empty() {
            return;
        }
        let Some(prior) = plan.prior else {
            return;
        };
        let prior_credit = state_credit(prior);
        let planned_credit = plan.planned.credit_micros.get();
        let (after, warning) = credit::plan_credit(
            *plan.prior_private,
            prior_credit,
            planned_credit,
            prior.credit_remaining_micros.get(),
        );
        plan.private = after;
        if let Some(w) = warning {
            plan.diags
                .attr_warning(Path::attr(name.attr()), w.summary(), w.detail(name));
        }
        let may_grant = planned_credit.is_none_or(|to| {
            matches!(
                credit::update_step(after, prior_credit, to),
                CreditStep::Grant { .. }
            )
        });
        credit::plan_counters(&mut plan.planned, prior, may_grant);
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
        let known = state_credit(state);
        let now = Desired {
            instance_id: id.to_string(),
            // The cap is the server's: a change made elsewhere shows as drift.
            monthly_cap_micros: budget.monthly_cap_micros,
            credit_micros: credit::credit_after_read(known, budget.credit_remaining_micros),
            timeouts: state.timeouts.clone(),
        };
        Outcome::ok(Some(model::resource_state(&now, &budget)))
            .with_private(credit::private_after_read(req.private, known))
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
        if !credit::destroy_resets_cap(req.private.owner, owners::latest(id)) {
            // create_before_destroy: the replacement already holds this budget.
            tracing::info!(
                instance_id = id,
                "another agent37_budget wrote this budget in this run; its cap is left as it is"
            );
            return Outcome::ok(());
        }
        // The budget cannot be removed: destroy sets the cap to 0 and keeps granted credit.
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

    /// `-generate-config-out`: the credit under its current name only (never both), left out
    /// when 0, as the cap is.
    fn generate_config(&self, schema: &Schema, state: &Value) -> Value {
        let mut config = sdk_plan::config_from_state(&schema.block, state);
        if let Value::Object(m) = &mut config {
            m.insert(Budget::TOPUP_MICROS.into(), Value::Null);
            if m.get(Budget::CREDIT_MICROS) == Some(&Value::number(0)) {
                m.insert(Budget::CREDIT_MICROS.into(), Value::Null);
            }
        }
        config
    }

    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Applied {
        if let Err(msg) = ids::check(id) {
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

    /// State as Terraform stored it for each released schema version (committed fixtures).
    const VERSION_0: &[u8] = include_bytes!("fixtures/state_v0.json");
    const VERSION_1: &[u8] = include_bytes!("fixtures/state_v1.json");

    /// Committed state of every released schema version upgrades into the current typed
    /// state (the credit under both names); state of a newer provider is refused.
    #[test]
    fn released_state_fixtures_upgrade_into_the_current_model() {
        let r = BudgetResource;
        assert_eq!(r.schema().version, 1);
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = Budget::from_value(&v).expect("fits the current model");
        assert_eq!(state.monthly_cap_micros.get(), Some(5_000_000));
        assert_eq!(state.monthly_period.as_str(), Some("2026-06"));
        assert_eq!(
            (state.credit_micros.get(), state.topup_micros.get()),
            (Some(1_000_000), Some(1_000_000))
        );
        assert_eq!(
            (
                state.credit_remaining_micros.get(),
                state.topup_remaining_micros.get()
            ),
            (Some(1_000_000), Some(1_000_000))
        );

        let v = upgrade_stored_state(&r, 1, VERSION_1).expect("version 1 upgrades");
        let state = Budget::from_value(&v).expect("fits the current model");
        assert_eq!(state.credit_micros.get(), Some(2_000_000));
        assert_eq!(state.credit_remaining_micros.get(), Some(1_500_000));
        assert!(upgrade_stored_state(&r, 2, VERSION_1).is_err());

        let ident = r.identity().expect("identity");
        let seed = r.import_seed("abc123defg").expect("seed");
        assert_eq!(
            ident.of(&seed.to_value()),
            Some(Value::object([(
                "instance_id",
                Value::string("abc123defg")
            )]))
        );
    }

    /// Generated configuration names the credit once, under its current name, and leaves out
    /// the defaults.
    #[test]
    fn generated_config_uses_one_name() {
        let r = BudgetResource;
        let listed = |cap: i64, credit: i64| {
            let b = api::Budget {
                monthly_cap_micros: cap,
                monthly_consumed_micros: 0,
                monthly_remaining_micros: cap,
                monthly_period: "2026-08".into(),
                credit_remaining_micros: credit,
                updated_at: 1,
            };
            r.generate_config(
                &r.schema(),
                &model::listed_state("abc123defg", &b).to_value(),
            )
        };
        let cfg = listed(5, 40);
        let get = |c: &Value, n: &str| c.attr(n).cloned().unwrap_or(Value::Null);
        assert_eq!(get(&cfg, "instance_id"), Value::string("abc123defg"));
        assert_eq!(get(&cfg, "monthly_cap_micros"), Value::number(5));
        assert_eq!(get(&cfg, "credit_micros"), Value::number(40));
        assert_eq!(get(&cfg, "topup_micros"), Value::Null);
        assert_eq!(get(&cfg, "credit_remaining_micros"), Value::Null);
        let zero = listed(0, 0);
        assert_eq!(get(&zero, "monthly_cap_micros"), Value::Null);
        assert_eq!(get(&zero, "credit_micros"), Value::Null);
    }
}
