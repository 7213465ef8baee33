//! The `agent37_instance_logs` and `agent37_instance_metrics` data sources: I/O only.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::provider::newer_api;
use crate::sdk::{Ctx, DataSource, Diagnostics, Outcome, Schema};

use super::model;
use super::schema::{self, InstanceLogsData, InstanceMetricsData};

pub struct InstanceLogsDataSource;
pub struct InstanceMetricsDataSource;

const LOGS: &str = "agent37_instance_logs";
const METRICS: &str = "agent37_instance_metrics";

fn no_instance(what: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        format!("Unable to read {what}"),
        "instance_id is not a known string.",
    );
    d
}

#[async_trait]
impl DataSource<Agent37Data> for InstanceLogsDataSource {
    type Model = InstanceLogsData;

    fn type_name(&self) -> &'static str {
        LOGS
    }

    fn schema(&self) -> Schema {
        schema::logs()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: InstanceLogsData,
    ) -> Outcome<Option<InstanceLogsData>> {
        let Some(id) = config.instance_id.as_str() else {
            return no_instance("instance logs").into();
        };
        match ctx
            .client()
            .instance_logs(&ctx.op(), id, config.tail.get())
            .await
        {
            Ok(l) => Outcome::ok(Some(model::logs(&config, &l))),
            Err(e) => {
                let d = api_error(&format!("Unable to read the logs of instance {id}"), &e);
                newer_api::explain_not_found(ctx, LOGS, &e, d).await.into()
            }
        }
    }
}

#[async_trait]
impl DataSource<Agent37Data> for InstanceMetricsDataSource {
    type Model = InstanceMetricsData;

    fn type_name(&self) -> &'static str {
        METRICS
    }

    fn schema(&self) -> Schema {
        schema::metrics()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: InstanceMetricsData,
    ) -> Outcome<Option<InstanceMetricsData>> {
        let Some(id) = config.instance_id.as_str() else {
            return no_instance("instance metrics").into();
        };
        match ctx
            .client()
            .instance_metrics(&ctx.op(), id, config.hours.get())
            .await
        {
            Ok(m) => Outcome::ok(Some(model::metrics(&config, &m))),
            Err(e) => {
                let d = api_error(&format!("Unable to read the metrics of instance {id}"), &e);
                newer_api::explain_not_found(ctx, METRICS, &e, d)
                    .await
                    .into()
            }
        }
    }
}
