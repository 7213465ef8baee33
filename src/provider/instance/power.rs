//! The actions `agent37_instance_start` and `agent37_instance_stop` (Terraform ≥ 1.14): one
//! start or stop of an instance, outside the resource's `state`, with the shape, id rule and
//! progress of the other instance actions (`action`). A start also wakes a sleeper (API
//! revision 2026-08-21) and then waits for health like `agent37_instance_restart`; a stop of a
//! stopped instance is the API's same acknowledgement. The API's errors (a past-due instance
//! whose start needs funds, a `failed` one that only an update repairs) are shown as they are.

use std::time::Duration;

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::provider::ids;
use crate::sdk::model::Attr;
use crate::sdk::{Action, Ctx, Model, Outcome, Progress, Schema};

use super::action::{
    LIFECYCLE_TIMEOUT, positive_duration, timeout_doc, timeout_of, wait_doc, wait_ready, with_ticks,
};

pub const START: &str = "agent37_instance_start";
pub const STOP: &str = "agent37_instance_stop";

const START_DESCRIPTION: &str = "Starts an instance (`POST /instances/{id}/start`), keeping its data, then by default waits until it is healthy. A running instance is left as it is; on API revision 2026-08-21 a sleeping one is woken. Starting a past-due instance needs funds (the API's error is shown). An `agent37_instance` that manages the same instance with `state = \"stopped\"` stops it again at its next apply.";
const STOP_DESCRIPTION: &str = "Stops an instance (`POST /instances/{id}/stop`), keeping its disk; a stopped instance is left as it is. On API revision 2026-08-21 a stopped instance bills its disk only, and a sleeping one is stopped (its memory checkpoint is dropped). An `agent37_instance` that manages the same instance with `state` `\"running\"` (or left out of its configuration, which keeps the current state) does not start it again unless `state = \"running\"` is set.";

/// The configuration of `agent37_instance_start`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct StartConfig {
    #[attr(
        required,
        describe = "The id of the instance to start.",
        validate = ids::rule()
    )]
    pub instance_id: Attr<String>,
    #[attr(optional, describe = &wait_doc("start"))]
    pub wait_for_healthy: Attr<bool>,
    #[attr(
        optional,
        validate = positive_duration(),
        describe = &timeout_doc("How long the start and the wait for health may take together, as a duration such as `\"10m\"`.", LIFECYCLE_TIMEOUT)
    )]
    pub timeout: Attr<String>,
}

/// The configuration of `agent37_instance_stop`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct StopConfig {
    #[attr(
        required,
        describe = "The id of the instance to stop.",
        validate = ids::rule()
    )]
    pub instance_id: Attr<String>,
    #[attr(
        optional,
        validate = positive_duration(),
        describe = &timeout_doc("How long the stop may take, as a duration such as `\"10m\"`.", LIFECYCLE_TIMEOUT)
    )]
    pub timeout: Attr<String>,
}

pub struct StartAction;

#[async_trait]
impl Action<Agent37Data> for StartAction {
    type Config = StartConfig;

    fn type_name(&self) -> &'static str {
        START
    }

    fn schema(&self) -> Schema {
        StartConfig::schema(START_DESCRIPTION)
    }

    fn timeout(&self, config: &StartConfig) -> Duration {
        timeout_of(&config.timeout, LIFECYCLE_TIMEOUT)
    }

    async fn invoke(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: StartConfig,
        progress: &Progress,
    ) -> Outcome<()> {
        let (client, op) = (ctx.client(), ctx.op());
        let id = config.instance_id.as_str().unwrap_or_default();
        progress.send(format!("Starting instance {id}…"));
        match with_ticks(client.start_instance(&op, id), progress, "Still starting").await {
            Ok(ack) => progress.send(format!(
                "Instance {id} started (status {})",
                ack.status.as_str()
            )),
            Err(e) => return api_error(&format!("Unable to start instance {id}"), &e).into(),
        }
        wait_ready(client, &op, id, &config.wait_for_healthy, progress, "start")
            .await
            .into()
    }
}

pub struct StopAction;

#[async_trait]
impl Action<Agent37Data> for StopAction {
    type Config = StopConfig;

    fn type_name(&self) -> &'static str {
        STOP
    }

    fn schema(&self) -> Schema {
        StopConfig::schema(STOP_DESCRIPTION)
    }

    fn timeout(&self, config: &StopConfig) -> Duration {
        timeout_of(&config.timeout, LIFECYCLE_TIMEOUT)
    }

    async fn invoke(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: StopConfig,
        progress: &Progress,
    ) -> Outcome<()> {
        let (client, op) = (ctx.client(), ctx.op());
        let id = config.instance_id.as_str().unwrap_or_default();
        progress.send(format!("Stopping instance {id}…"));
        match with_ticks(client.stop_instance(&op, id), progress, "Still stopping").await {
            Ok(ack) => {
                progress.send(format!(
                    "Instance {id} stopped (status {})",
                    ack.status.as_str()
                ));
                Outcome::ok(())
            }
            Err(e) => api_error(&format!("Unable to stop instance {id}"), &e).into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::model::conforms;

    #[test]
    fn schemas_require_an_instance_id_and_conform() {
        for (schema, attrs) in [
            (
                StartConfig::schema(START_DESCRIPTION),
                vec!["instance_id", "timeout", "wait_for_healthy"],
            ),
            (
                StopConfig::schema(STOP_DESCRIPTION),
                vec!["instance_id", "timeout"],
            ),
        ] {
            let mut names: Vec<&str> = schema
                .block
                .attributes
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            names.sort();
            assert_eq!(names, attrs);
            assert!(
                schema
                    .block
                    .attributes
                    .iter()
                    .any(|a| a.name == "instance_id" && a.required)
            );
        }
        let start = StartConfig {
            instance_id: "k3x9q2m7pa".into(),
            ..StartConfig::default()
        };
        conforms(&start.to_value(), &StartConfig::schema("").value_type()).expect("conforms");
        let stop = StopConfig {
            instance_id: "k3x9q2m7pa".into(),
            timeout: "1m".into(),
        };
        conforms(&stop.to_value(), &StopConfig::schema("").value_type()).expect("conforms");
    }
}
