//! The `agent37_budget` list resource (Terraform ≥ 1.14): `terraform query` finds the budgets of
//! the workspace's instances (filtered like `agent37_instances`), each with the state an import
//! would produce, so `-generate-config-out` adopts them beside the instances.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::provider::instance::schema::InstanceFilters;
use crate::sdk::{Ctx, ListResource, Listed, Model, Outcome, Schema};

use super::fleet;
use super::model;
use super::schema::{Budget, LIST};

pub struct BudgetList;

#[async_trait]
impl ListResource<Agent37Data> for BudgetList {
    type Config = InstanceFilters;
    type State = Budget;

    fn type_name(&self) -> &'static str {
        "agent37_budget"
    }

    fn schema(&self) -> Schema {
        InstanceFilters::schema(LIST)
    }

    async fn list(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: InstanceFilters,
    ) -> Outcome<Vec<Listed<Budget>>> {
        match fleet::budgets(ctx.client(), &ctx.op(), &config).await {
            Ok(found) => Outcome::ok(
                found
                    .iter()
                    .map(|(i, b)| Listed {
                        // The instance's name, as its own list shows it.
                        display_name: i.name.clone().unwrap_or_else(|| i.id.clone()),
                        state: model::listed_state(&i.id, b),
                    })
                    .collect(),
            ),
            Err(e) => api_error("Unable to list budgets", &e).into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api;
    use crate::provider::budget::credit::credit_after_read;
    use crate::provider::budget::resource::BudgetResource;
    use crate::sdk::Resource;

    /// What the list shows is what an import (the seed) followed by a read stores.
    #[test]
    fn listed_state_is_the_imported_state() {
        let b = api::Budget {
            monthly_cap_micros: 7,
            monthly_consumed_micros: 2,
            monthly_remaining_micros: 5,
            monthly_period: "2026-08".into(),
            credit_remaining_micros: 30,
            updated_at: 3,
        };
        let seed = BudgetResource.import_seed("abc123defg").expect("seed");
        let read = model::resource_state(
            &model::Desired {
                instance_id: "abc123defg".into(),
                monthly_cap_micros: b.monthly_cap_micros,
                credit_micros: credit_after_read(seed.credit_micros.get(), 30),
                timeouts: seed.timeouts.clone(),
            },
            &b,
        );
        assert_eq!(model::listed_state("abc123defg", &b), read);
    }
}
