//! The `agent37_budget` and `agent37_usage` data sources.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::errors::api_error;
use crate::provider::values::{attr_or_null, get_str};
use crate::sdk::timeouts;
use crate::sdk::{Ctx, DataSource, Diagnostics, Schema, Value};

use super::{model, schema};

pub struct BudgetData;

#[async_trait]
impl DataSource<Agent37Data> for BudgetData {
    fn type_name(&self) -> &'static str {
        "agent37_budget"
    }

    fn schema(&self) -> Schema {
        schema::budget_data_source()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: &Value) -> (Value, Diagnostics) {
        let data = match ctx.configured() {
            Ok(d) => d,
            Err(d) => return (Value::Null, d),
        };
        let id = get_str(config, "instance_id").unwrap_or_default();
        let op = data
            .client
            .op(timeouts::DEFAULT)
            .with_cancel(ctx.cancel.clone());
        match data.client.get_budget(&op, id).await {
            Ok(b) => (model::budget_data(id, &b), Diagnostics::new()),
            Err(e) => (Value::Null, api_error("Unable to read budget", &e)),
        }
    }
}

pub struct UsageData;

#[async_trait]
impl DataSource<Agent37Data> for UsageData {
    fn type_name(&self) -> &'static str {
        "agent37_usage"
    }

    fn schema(&self) -> Schema {
        schema::usage_data_source()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: &Value) -> (Value, Diagnostics) {
        let data = match ctx.configured() {
            Ok(d) => d,
            Err(d) => return (Value::Null, d),
        };
        let id = get_str(config, "instance_id").unwrap_or_default();
        let month = attr_or_null(config, "month");
        let op = data
            .client
            .op(timeouts::DEFAULT)
            .with_cancel(ctx.cancel.clone());
        match data.client.get_usage(&op, id, month.as_str()).await {
            Ok(u) => (model::usage_data(id, month, &u), Diagnostics::new()),
            Err(e) => (Value::Null, api_error("Unable to read usage", &e)),
        }
    }
}
