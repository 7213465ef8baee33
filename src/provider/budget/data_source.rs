//! The `agent37_budget` and `agent37_usage` data sources.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::provider::values::{attr_or_null, get_str};
use crate::sdk::{Ctx, DataSource, Outcome, Schema, Value};

use super::{model, schema};

pub struct BudgetData;

#[async_trait]
impl DataSource<Agent37Data> for BudgetData {
    type Model = Value;

    fn type_name(&self) -> &'static str {
        "agent37_budget"
    }

    fn schema(&self) -> Schema {
        schema::budget_data_source()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: Value) -> Outcome<Option<Value>> {
        let id = get_str(&config, "instance_id").unwrap_or_default();
        match ctx.client().get_budget(&ctx.op(), id).await {
            Ok(b) => Outcome::ok(Some(model::budget_data(id, &b))),
            Err(e) => api_error("Unable to read budget", &e).into(),
        }
    }
}

pub struct UsageData;

#[async_trait]
impl DataSource<Agent37Data> for UsageData {
    type Model = Value;

    fn type_name(&self) -> &'static str {
        "agent37_usage"
    }

    fn schema(&self) -> Schema {
        schema::usage_data_source()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: Value) -> Outcome<Option<Value>> {
        let id = get_str(&config, "instance_id").unwrap_or_default();
        let month = attr_or_null(&config, "month");
        match ctx.client().get_usage(&ctx.op(), id, month.as_str()).await {
            Ok(u) => Outcome::ok(Some(model::usage_data(id, month, &u))),
            Err(e) => api_error("Unable to read usage", &e).into(),
        }
    }
}
