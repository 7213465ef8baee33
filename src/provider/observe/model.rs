//! Pure conversions of the logs and metrics answers into the data sources' models.

use crate::api;
use crate::sdk::model::Attr;
use crate::sdk::value::Number;

use super::schema::{Health, InstanceLogsData, InstanceMetricsData, Limits, Series, Verdict};

/// The logs result: the configuration's arguments and the API's answer.
pub fn logs(config: &InstanceLogsData, l: &api::InstanceLogs) -> InstanceLogsData {
    InstanceLogsData {
        instance_id: config.instance_id.clone(),
        tail: config.tail.clone(),
        logs: l.logs.clone().into(),
        truncated: l.truncated.into(),
        health: Attr::from_option(l.health.as_ref().map(|h| Health {
            running: h.running.into(),
            restart_count: h.restart_count.into(),
            exit_code: Attr::from_option(h.exit_code),
            oom_suspected: h.oom_suspected.into(),
            resource_verdict: Attr::from_option(h.resource_verdict.as_ref().map(|v| Verdict {
                memory: v.memory.clone().into(),
                cpu: v.cpu.clone().into(),
                disk: v.disk.clone().into(),
                overall: v.overall.clone().into(),
            })),
        })),
        fetched_at: l.fetched_at.into(),
    }
}

/// A JSON number as the SDK's exact decimal; `None` for what no decimal writes (never from
/// serde_json, which holds only finite numbers).
fn number(n: &serde_json::Number) -> Option<Number> {
    Number::parse(&n.to_string()).ok()
}

fn points(series: &api::Series) -> Vec<Vec<Number>> {
    series
        .iter()
        .filter_map(|(t, v)| Some(vec![Number::from(*t), number(v)?]))
        .collect()
}

/// The metrics result: the configuration's arguments and the API's answer.
pub fn metrics(config: &InstanceMetricsData, m: &api::InstanceMetrics) -> InstanceMetricsData {
    let limit = |n: &Option<serde_json::Number>| Attr::from_option(n.as_ref().and_then(number));
    InstanceMetricsData {
        instance_id: config.instance_id.clone(),
        hours: config.hours.clone(),
        series: Attr::Known(Series {
            cpu_cores: points(&m.series.cpu_cores).into(),
            memory_bytes: points(&m.series.memory_bytes).into(),
            disk_bytes: points(&m.series.disk_bytes).into(),
        }),
        limits: Attr::Known(Limits {
            cpu_cores: limit(&m.limits.cpu_cores),
            memory_bytes: limit(&m.limits.memory_bytes),
            disk_bytes: limit(&m.limits.disk_bytes),
        }),
        step_seconds: m.step_seconds.into(),
        fetched_at: m.fetched_at.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::model::conforms;
    use serde_json::json;

    use super::super::schema;

    #[test]
    fn logs_with_and_without_a_container_have_their_schema_shape() {
        let config = InstanceLogsData {
            instance_id: "abc123defg".into(),
            tail: 10.into(),
            ..InstanceLogsData::default()
        };
        let full: api::InstanceLogs = serde_json::from_value(json!({
            "logs": "a\nb\n", "truncated": true, "fetched_at": 5,
            "health": {"running": true, "restart_count": 1, "exit_code": 137, "oom_suspected": true,
              "resource_verdict": {"memory": "critical", "cpu": "healthy", "disk": "healthy", "overall": "critical"}}
        }))
        .expect("decodes");
        let out = logs(&config, &full);
        assert_eq!(out.tail.get(), Some(10));
        let health = out.health.known().expect("health");
        assert_eq!(health.exit_code.get(), Some(137));
        assert_eq!(
            health
                .resource_verdict
                .known()
                .and_then(|v| v.overall.as_str()),
            Some("critical")
        );
        conforms(&out.to_value(), &schema::logs().value_type())
            .unwrap_or_else(|e| panic!("agent37_instance_logs: {e}"));
        let bare: api::InstanceLogs = serde_json::from_value(
            json!({"logs": "", "truncated": false, "health": null, "fetched_at": 5}),
        )
        .expect("decodes");
        let out = logs(&config, &bare);
        assert_eq!(out.health, Attr::Null);
        conforms(&out.to_value(), &schema::logs().value_type())
            .unwrap_or_else(|e| panic!("agent37_instance_logs: {e}"));
    }

    #[test]
    fn metrics_keep_exact_values_and_their_schema_shape() {
        let m: api::InstanceMetrics = serde_json::from_value(json!({
            "series": {"cpu_cores": [[1786000000, 0.25], [1786000060, 1.5]], "memory_bytes": [],
                       "disk_bytes": [[1786000000, 6442450944u64]]},
            "limits": {"cpu_cores": 2, "memory_bytes": 4294967296u64, "disk_bytes": 6442450944u64},
            "hours": 1, "step_seconds": 60, "fetched_at": 1786003000
        }))
        .expect("decodes");
        let out = metrics(&InstanceMetricsData::default(), &m);
        let series = out.series.known().expect("series");
        let cpu = series.cpu_cores.known().expect("cpu");
        assert_eq!(cpu.len(), 2);
        assert_eq!(cpu[0][1].to_string(), "0.25");
        assert_eq!(cpu[1][0].as_i64(), Some(1786000060));
        assert_eq!(
            series.disk_bytes.known().map(|d| d[0][1].as_i64()),
            Some(Some(6442450944))
        );
        assert_eq!(out.step_seconds.get(), Some(60));
        conforms(&out.to_value(), &schema::metrics().value_type())
            .unwrap_or_else(|e| panic!("agent37_instance_metrics: {e}"));
    }
}
