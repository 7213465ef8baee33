//! The `agent37_budget` and `agent37_usage` data sources.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::sdk::{Ctx, DataSource, Outcome, Schema};

use super::model;
use super::schema::{self, BudgetData, UsageData};

pub struct BudgetDataSource;

#[async_trait]
impl DataSource<Agent37Data> for BudgetDataSource {
    type Model = BudgetData;

    fn type_name(&self) -> &'static str {
        "agent37_budget"
    }

    fn schema(&self) -> Schema {
        schema::budget_data_source()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: BudgetData,
    ) -> Outcome<Option<BudgetData>> {
        let id = config.instance_id.as_str().unwrap_or_default();
        match ctx.client().get_budget(&ctx.op(), id).await {
            Ok(b) => Outcome::ok(Some(model::budget_data(id, &b))),
            Err(e) => api_error("Unable to read budget", &e).into(),
        }
    }
}

pub struct UsageDataSource;

#[async_trait]
impl DataSource<Agent37Data> for UsageDataSource {
    type Model = UsageData;

    fn type_name(&self) -> &'static str {
        "agent37_usage"
    }

    fn schema(&self) -> Schema {
        schema::usage_data_source()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: UsageData) -> Outcome<Option<UsageData>> {
        let id = config.instance_id.as_str().unwrap_or_default();
        let month = config.month.as_str();
        match ctx.client().get_usage(&ctx.op(), id, month).await {
            Ok(u) => Outcome::ok(Some(model::usage_data(id, config.month.clone(), &u))),
            Err(e) => api_error("Unable to read usage", &e).into(),
        }
    }
}
