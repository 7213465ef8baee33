//! The `agent37_budget`, `agent37_budgets` and `agent37_usage` data sources: I/O only.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::provider::ids;
use crate::sdk::model::Attr;
use crate::sdk::{Ctx, DataSource, Diagnostics, Outcome, Path, Schema};

use super::fleet;
use super::model;
use super::schema::{self, BudgetData, BudgetsData, UsageData};

/// The whole instance-id rule, before any call (validation checks the alphabet only, see
/// `ids`; a mocked provider never reads data sources, so this is where the length is checked).
fn checked_id(id: &Attr<String>) -> Result<&str, Diagnostics> {
    let id = id.as_str().unwrap_or_default();
    ids::check(id).map(|()| id).map_err(|msg| {
        let mut d = Diagnostics::new();
        d.attr_error(Path::attr("instance_id"), "Invalid instance id", msg);
        d
    })
}

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
        let id = match checked_id(&config.instance_id) {
            Ok(id) => id,
            Err(d) => return d.into(),
        };
        match ctx.client().get_budget(&ctx.op(), id).await {
            Ok(b) => Outcome::ok(Some(model::budget_data(id, &b))),
            Err(e) => api_error("Unable to read budget", &e).into(),
        }
    }
}

pub struct BudgetsDataSource;

#[async_trait]
impl DataSource<Agent37Data> for BudgetsDataSource {
    type Model = BudgetsData;

    fn type_name(&self) -> &'static str {
        "agent37_budgets"
    }

    fn schema(&self) -> Schema {
        schema::budgets_data_source()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: BudgetsData,
    ) -> Outcome<Option<BudgetsData>> {
        match fleet::budgets(ctx.client(), &ctx.op(), &config.filters).await {
            Ok(found) => Outcome::ok(Some(BudgetsData {
                budgets: Attr::Known(
                    found
                        .iter()
                        .map(|(i, b)| model::budget_item(&i.id, b))
                        .collect(),
                ),
                instance_ids: Attr::Known(found.iter().map(|(i, _)| i.id.clone()).collect()),
                ..config
            })),
            Err(e) => api_error("Unable to list budgets", &e).into(),
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
        let id = match checked_id(&config.instance_id) {
            Ok(id) => id,
            Err(d) => return d.into(),
        };
        let month = config.month.as_str();
        match ctx.client().get_usage(&ctx.op(), id, month).await {
            Ok(u) => Outcome::ok(Some(model::usage_data(id, config.month.clone(), &u))),
            Err(e) => api_error("Unable to read usage", &e).into(),
        }
    }
}
