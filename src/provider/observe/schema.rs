//! The models of `agent37_instance_logs` and `agent37_instance_metrics`, declared once with
//! their docs.

use crate::provider::ids;
use crate::sdk::model::Attr;
use crate::sdk::validate::IntRange;
use crate::sdk::value::Number;
use crate::sdk::{Model, Schema};

pub const TAIL_MAX: i64 = 2000;
pub const HOURS_MAX: i64 = 336;

pub const LOGS: &str = "The last lines of an instance's output and its container health (API revision 2026-08-21), read at every plan and apply. For looking at an instance from Terraform (outputs, checks, `terraform console`), not for configuring anything: the value changes between any two reads, so feeding it into a resource argument plans a change every time.";

/// The resource verdict: `healthy`, `pressure` or `critical` each.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Verdict {
    #[attr(computed, describe = "`healthy`, `pressure` or `critical`.")]
    pub memory: Attr<String>,
    #[attr(computed, describe = "`healthy`, `pressure` or `critical`.")]
    pub cpu: Attr<String>,
    #[attr(computed, describe = "`healthy`, `pressure` or `critical`.")]
    pub disk: Attr<String>,
    #[attr(computed, describe = "The worst of the three.")]
    pub overall: Attr<String>,
}

/// The container's health.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Health {
    #[attr(computed, describe = "Whether the container runs.")]
    pub running: Attr<bool>,
    #[attr(computed, describe = "Boots after the first one, wakes included.")]
    pub restart_count: Attr<i64>,
    #[attr(computed, describe = "The last exit code, or null.")]
    pub exit_code: Attr<i64>,
    #[attr(
        computed,
        describe = "Whether the last exit looks like an out-of-memory kill."
    )]
    pub oom_suspected: Attr<bool>,
    #[attr(
        computed,
        describe = "Memory, CPU and disk pressure; null when the container is not running."
    )]
    pub resource_verdict: Attr<Verdict>,
}

/// `agent37_instance_logs`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct InstanceLogsData {
    #[attr(required, describe = "The instance's id.", validate = ids::rule())]
    pub instance_id: Attr<String>,
    #[attr(
        optional,
        describe = "How many of the last lines to return, 1–2000. Default: the API's, 500.",
        validate = IntRange::between(1, TAIL_MAX)
    )]
    pub tail: Attr<i64>,
    #[attr(
        computed,
        describe = "The last lines of combined stdout and stderr, at most 512 KB (the oldest dropped); empty without a container or for a long sleeper parked off its host."
    )]
    pub logs: Attr<String>,
    #[attr(
        computed,
        describe = "Whether older lines were dropped to stay within 512 KB."
    )]
    pub truncated: Attr<bool>,
    #[attr(
        computed,
        describe = "The container's health; null without a container."
    )]
    pub health: Attr<Health>,
    #[attr(computed, describe = "When the API read the logs (epoch seconds).")]
    pub fetched_at: Attr<i64>,
}

pub fn logs() -> Schema {
    InstanceLogsData::schema(LOGS)
}

pub const METRICS: &str = "An instance's CPU, memory and disk use over the last hours (API revision 2026-08-21), read at every plan and apply: ascending `[epoch_seconds, value]` points. Series are empty in an instance's first minutes, and CPU and memory have gaps while it sleeps or is stopped. For looking at an instance (outputs, checks), not for configuring anything: the value changes between any two reads.";

/// The three series.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Series {
    #[attr(computed, describe = "CPU use in cores, `[time, cores]` points.")]
    pub cpu_cores: Attr<Vec<Vec<Number>>>,
    #[attr(computed, describe = "Memory use in bytes, `[time, bytes]` points.")]
    pub memory_bytes: Attr<Vec<Vec<Number>>>,
    #[attr(computed, describe = "Disk use in bytes, `[time, bytes]` points.")]
    pub disk_bytes: Attr<Vec<Vec<Number>>>,
}

/// The instance's limits.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Limits {
    #[attr(computed, describe = "CPU cores.")]
    pub cpu_cores: Attr<Number>,
    #[attr(computed, describe = "Memory in bytes.")]
    pub memory_bytes: Attr<Number>,
    #[attr(computed, describe = "Disk in bytes.")]
    pub disk_bytes: Attr<Number>,
}

/// `agent37_instance_metrics`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct InstanceMetricsData {
    #[attr(required, describe = "The instance's id.", validate = ids::rule())]
    pub instance_id: Attr<String>,
    #[attr(
        optional,
        describe = "How many hours back, 1–336 (two weeks). Default: the API's, 24.",
        validate = IntRange::between(1, HOURS_MAX)
    )]
    pub hours: Attr<i64>,
    #[attr(
        computed,
        describe = "The use series: `cpu_cores`, `memory_bytes`, `disk_bytes`."
    )]
    pub series: Attr<Series>,
    #[attr(computed, describe = "The instance's limits in the same units.")]
    pub limits: Attr<Limits>,
    #[attr(
        computed,
        describe = "Seconds between points: 60 for one hour, wider for longer spans (a few hundred points at most)."
    )]
    pub step_seconds: Attr<i64>,
    #[attr(computed, describe = "When the API read the metrics (epoch seconds).")]
    pub fetched_at: Attr<i64>,
}

pub fn metrics() -> Schema {
    InstanceMetricsData::schema(METRICS)
}
