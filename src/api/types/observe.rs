//! Instance logs and metrics (revision 2026-08-21, contract 7.4 and 7.5).

use serde::Deserialize;

use super::lenient;

/// `GET /instances/{id}/logs?tail=N`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct InstanceLogs {
    /// The last lines of combined stdout/stderr (empty without a container).
    #[serde(default)]
    pub logs: String,
    #[serde(default)]
    pub truncated: bool,
    /// Null without a container.
    #[serde(default, deserialize_with = "lenient")]
    pub health: Option<LogHealth>,
    pub fetched_at: i64,
}

/// The container's health as the logs answer shows it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LogHealth {
    pub running: bool,
    #[serde(default)]
    pub restart_count: i64,
    #[serde(default)]
    pub exit_code: Option<i64>,
    #[serde(default)]
    pub oom_suspected: bool,
    /// Null when not running.
    #[serde(default, deserialize_with = "lenient")]
    pub resource_verdict: Option<ResourceVerdict>,
}

/// `healthy` | `pressure` | `critical` per resource.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct ResourceVerdict {
    pub memory: String,
    pub cpu: String,
    pub disk: String,
    pub overall: String,
}

/// One metric's points: ascending `[epoch_seconds, value]`.
pub type Series = Vec<(i64, serde_json::Number)>;

/// The three series of the metrics answer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct MetricSeries {
    #[serde(default)]
    pub cpu_cores: Series,
    #[serde(default)]
    pub memory_bytes: Series,
    #[serde(default)]
    pub disk_bytes: Series,
}

/// The instance's limits, in the series' units.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct MetricLimits {
    #[serde(default)]
    pub cpu_cores: Option<serde_json::Number>,
    #[serde(default)]
    pub memory_bytes: Option<serde_json::Number>,
    #[serde(default)]
    pub disk_bytes: Option<serde_json::Number>,
}

/// `GET /instances/{id}/metrics?hours=N`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct InstanceMetrics {
    pub series: MetricSeries,
    #[serde(default)]
    pub limits: MetricLimits,
    #[serde(default)]
    pub hours: Option<i64>,
    pub step_seconds: i64,
    pub fetched_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_contract_examples() {
        let l: InstanceLogs = serde_json::from_value(json!({
            "logs": "[boot] gateway on 9000\n", "truncated": false,
            "health": {"running": true, "restart_count": 2, "exit_code": null, "oom_suspected": false,
             "resource_verdict": {"memory": "healthy", "cpu": "pressure", "disk": "healthy", "overall": "pressure"}},
            "fetched_at": 1786003000
        }))
        .expect("decodes");
        let h = l.health.expect("health");
        assert_eq!(h.restart_count, 2);
        assert_eq!(h.resource_verdict.map(|v| v.cpu), Some("pressure".into()));
        let none: InstanceLogs = serde_json::from_value(
            json!({"logs": "", "truncated": false, "health": null, "fetched_at": 1}),
        )
        .expect("decodes");
        assert_eq!(none.health, None);

        let m: InstanceMetrics = serde_json::from_value(json!({
            "series": {"cpu_cores": [[1786000000, 0.25]], "memory_bytes": [], "disk_bytes": [[1786000000, 1024]]},
            "limits": {"cpu_cores": 2, "memory_bytes": 4294967296u64, "disk_bytes": 6442450944u64},
            "hours": 1, "step_seconds": 60, "fetched_at": 1786003000
        }))
        .expect("decodes");
        assert_eq!(m.series.cpu_cores[0].1.to_string(), "0.25");
        assert_eq!(
            m.limits.memory_bytes.map(|n| n.to_string()),
            Some("4294967296".into())
        );
        assert!(serde_json::from_value::<InstanceMetrics>(json!({"series": {}})).is_err());
    }
}
