//! `agent37_instance_logs` and `agent37_instance_metrics` under API revision 2026-08-21: the
//! results are the API's answers (logs shaped by the emulator's control route, metrics on a
//! frozen clock so that two reads agree), and bad arguments fail at validate on their attribute.

use testkit::prelude::*;

const OBSERVE: &str = r#"
data "agent37_instance_logs" "l" {
  instance_id = var.id
  tail        = 2
}

data "agent37_instance_metrics" "m" {
  instance_id = var.id
  hours       = 1
}

variable "id" {
  type = string
}

output "logs" {
  value = data.agent37_instance_logs.l
}

output "metrics" {
  value = data.agent37_instance_metrics.m
}
"#;

fn logs_and_metrics(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "watched"}));
    // Frozen an hour on: the metrics have points, and every read answers the same.
    emu.control_ok(
        "POST",
        "clock",
        Some(&json!({"frozen": true, "advance_seconds": 3600})),
    );
    let verdict =
        json!({"memory": "critical", "cpu": "healthy", "disk": "pressure", "overall": "critical"});
    emu.control_ok(
        "POST",
        &format!("instances/{id}/logs"),
        Some(&json!({
            "append": "worker 1 ready\nworker 2 ready\nout of memory: killed",
            "restart_count": 3, "exit_code": 137, "oom_suspected": true,
            "resource_verdict": verdict
        })),
    );
    let mut case = m.case(&emu);
    case.step(Step::apply(config(OBSERVE)).var("id", &id));
    let outputs = case.tf().output_json();

    let logs = &outputs["logs"]["value"];
    let api_logs = emu.api_ok("GET", &format!("/instances/{id}/logs?tail=2"), None);
    assert_eq!(logs["logs"], api_logs["logs"]);
    assert_eq!(logs["logs"], "worker 2 ready\nout of memory: killed\n");
    assert_eq!(logs["truncated"], false);
    assert_eq!(logs["fetched_at"], api_logs["fetched_at"]);
    let health = &logs["health"];
    assert_eq!(
        (
            &health["restart_count"],
            &health["exit_code"],
            &health["oom_suspected"]
        ),
        (&json!(3), &json!(137), &json!(true))
    );
    assert_eq!(health["running"], true);
    assert_eq!(health["resource_verdict"], verdict);

    let metrics = &outputs["metrics"]["value"];
    let api_metrics = emu.api_ok("GET", &format!("/instances/{id}/metrics?hours=1"), None);
    assert_eq!(metrics["step_seconds"], 60);
    assert_eq!(metrics["step_seconds"], api_metrics["step_seconds"]);
    for key in ["cpu_cores", "memory_bytes", "disk_bytes"] {
        let ours = metrics["series"][key]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let theirs = api_metrics["series"][key]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(!ours.is_empty(), "{key}: {metrics}");
        assert_eq!(ours.len(), theirs.len(), "{key}");
        for (a, b) in ours.iter().zip(&theirs) {
            assert_eq!(a[0].as_i64(), b[0].as_i64(), "{key} time");
            assert_eq!(a[1].as_f64(), b[1].as_f64(), "{key} value");
        }
        assert_eq!(
            metrics["limits"][key].as_f64(),
            api_metrics["limits"][key].as_f64(),
            "{key} limit"
        );
    }

    // Out of range: refused at validate, on the attribute.
    case.step(
        Step::plan(config(
            &OBSERVE.replace("tail        = 2", "tail        = 0"),
        ))
        .var("id", &id)
        .expect_error(Diag::error("Invalid number").attribute("tail")),
    );
    case.step(
        Step::plan(config(
            &OBSERVE.replace("hours       = 1", "hours       = 337"),
        ))
        .var("id", &id)
        .expect_error(Diag::error("Invalid number").attribute("hours")),
    );
    // An instance that does not exist: the API's error.
    case.step(
        Step::plan(config(OBSERVE))
            .var("id", "zzzzzzzzzz")
            .expect_errors([
                Diag::error("Unable to read the logs of instance zzzzzzzzzz")
                    .detail_contains("not_found"),
                Diag::error("Unable to read the metrics of instance zzzzzzzzzz")
                    .detail_contains("not_found"),
            ]),
    );
}

matrix!(logs_and_metrics: tf_1_15; api_2026_08_21);
