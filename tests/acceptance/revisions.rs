//! `agent37_instance` across the two API revisions (`docs/contract/provider-spec-2026-08.md`
//! §1–2): the upgrade of a fleet (instances, a template, budgets) from 2026-06-25 to 2026-08-21
//! under existing state, pins and
//! template changes in place, sleepers, the revision's own shape table, a failed create that
//! leaves an instance behind, `409 try_again`, and the instance plane's key header.

use testkit::prelude::*;

use crate::common::{actions, no_instances_left, register_template};

const NEW: ApiRevision = ApiRevision::R2026_08_21;

// ---------------------------------------------------------------------------------------------
// The upgrade: state written under 2026-06-25, the service moves to 2026-08-21
// ---------------------------------------------------------------------------------------------

/// A fleet as a user of 2026-06-25 writes it: a workspace template with `ports`, an instance
/// of it that follows its image, an instance of a system template, a stopped big one, budgets
/// under both credit names (`topup_micros` was the name then), and the URLs data source.
const FLEET: &str = r#"
resource "agent37_template" "custom" {
  name      = "custom"
  image_ref = "ghcr.io/acme/agent:v1"
  ports     = [{ port = 8000, default = true }]
}
resource "agent37_instance" "system" {
  name = "system"
}
resource "agent37_instance" "workspace" {
  template    = agent37_template.custom.name
  name        = "workspace"
  auto_update = true
}
resource "agent37_instance" "big" {
  cpu    = 4
  memory = 8
  state  = "stopped"
}
resource "agent37_budget" "system" {
  instance_id        = agent37_instance.system.id
  monthly_cap_micros = 1000000
  credit_micros      = 2000
}
resource "agent37_budget" "workspace" {
  instance_id        = agent37_instance.workspace.id
  monthly_cap_micros = 500000
  topup_micros       = 1000
}
data "agent37_instance_urls" "system" {
  instance_id = agent37_instance.system.id
}
"#;

const INSTANCES: [&str; 3] = ["system", "workspace", "big"];

/// The warnings of a `plan -json` of the configuration as it is, by summary (but Terraform's
/// own about the development overrides of the tests).
#[track_caller]
fn plan_warnings(tf: &Terraform) -> Vec<String> {
    let (out, lines) = tf.run_json_lines(&["plan", "-json"]);
    out.assert_success();
    testkit::terraform::diagnostics_in_stream(&lines)
        .into_iter()
        .filter(|d| d.severity == "warning" && !d.summary.starts_with("Provider development"))
        .map(|d| d.summary)
        .collect()
}

/// Issue 13's upgrade: a fleet applied under 2026-06-25, the emulator switched to 2026-08-21 at
/// run time, and the plan shows no change at all (refresh fills in what the new revision
/// reports: `url`, the template's `default_port`/`revision`, `paid_through` null; none of it
/// is a change); the next apply and plan converge, `url` is set, nothing on the server moved.
/// A plan saved before the switch is refused at apply rather than applied under the wrong rule.
fn upgrade(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| {
        no_instances_left(&emu);
        assert_eq!(emu.workspace_templates(), Vec::<String>::new());
    });
    case.apply(config(FLEET));
    let tf = case.tf();
    let ids: Vec<String> = INSTANCES
        .iter()
        .map(|n| tf.id_of(&format!("agent37_instance.{n}")))
        .collect();
    let old_url = tf.state_values("agent37_instance.system")["url"].clone();
    assert!(
        old_url.as_str().is_some_and(|u| u.contains("/_instances/")),
        "{old_url}"
    );
    assert!(tf.state_values("agent37_template.custom")["revision"].is_null());
    let server_before = (
        emu.instances(),
        emu.template("custom"),
        emu.budget(&ids[0]),
        emu.budget(&ids[1]),
    );
    emu.reset_requests();

    // A plan saved under 2026-06-25 that grows `system` to 4/8 plans its disk up to 20 GB
    // (that revision's rule).
    tf.write_main(&config(
        &FLEET.replace("name = \"system\"", "name = \"system\"\n  cpu  = 4"),
    ));
    let saved = tf.run(&["plan", "-out=tfplan", "-input=false"]);
    assert!(saved.success(), "{saved}");

    emu.set_api_revision(NEW);
    // Applied against 2026-08-21, whose rule keeps the disk: Terraform plans each change again
    // at apply (the provider decides under the revision it now talks to) and refuses a final
    // plan that differs from the saved one. Nothing changes on the server.
    let stale = tf.run(&["apply", "-input=false", "tfplan"]);
    assert!(!stale.success(), "{stale}");
    assert!(stale.stderr.contains("inconsistent final plan"), "{stale}");
    assert_eq!(
        emu.instance(&ids[0])["resources"],
        json!({"cpu": 2, "memory": 4, "disk": 6})
    );

    // The unchanged configuration: no change at all, not even a data source read. The
    // warnings: the template's `ports`, which 2026-08-21 ignores (nothing to do at once: the
    // port it described is the template's `default_port` now), and the workspace budget's
    // deprecated `topup_micros` (on every revision, naming `credit_micros`).
    let plan = case.plan(config(FLEET));
    assert_eq!(plan.actions(), actions(&[]), "no change across the upgrade");
    // Terraform 1.11 repeats a validation warning (it validates in the plan's walk again);
    // 1.15 shows it once.
    let mut warnings = plan_warnings(case.tf());
    warnings.sort();
    warnings.dedup();
    assert_eq!(
        warnings,
        [
            "Deprecated attribute",
            "ports is ignored by API revision 2026-08-21"
        ],
        "{warnings:#?}"
    );

    case.apply(config(FLEET));
    let tf = case.tf();
    for (n, id) in INSTANCES.iter().zip(&ids) {
        let state = tf.state_values(&format!("agent37_instance.{n}"));
        assert_eq!(&state["id"], id, "{n}: the same instance");
        let url = state["url"].as_str().unwrap_or_default();
        assert!(
            url.starts_with(&format!("http://{id}.")),
            "{n}: url {url:?}"
        );
        // `ports` keeps one default entry at `url`, with the default port it had.
        let port = if *n == "workspace" { 8000 } else { 3737 };
        assert_eq!(
            state["ports"],
            json!([{"port": port, "default": true, "url": url}])
        );
    }
    let urls = tf.state_values("data.agent37_instance_urls.system");
    assert_eq!(
        urls["url"],
        tf.state_values("agent37_instance.system")["url"]
    );
    // The template's revision attributes filled in; its port is its `default_port` now.
    let template = tf.state_values("agent37_template.custom");
    assert_eq!(
        (
            template["revision"].as_i64(),
            template["default_port"].as_i64()
        ),
        (Some(1), Some(8000)),
        "{template:#}"
    );
    // Both credit names of both budgets hold the one value the server has.
    for (budget, credit) in [("system", 2000), ("workspace", 1000)] {
        let state = tf.state_values(&format!("agent37_budget.{budget}"));
        assert_eq!(
            (
                state["credit_remaining_micros"].as_i64(),
                state["topup_remaining_micros"].as_i64()
            ),
            (Some(credit), Some(credit)),
            "{budget}: {state:#}"
        );
    }
    // Nothing on the server moved: the same instances (status, shape, template, image), the
    // same template revision, the same caps.
    let server_after = (
        emu.instances(),
        emu.template("custom"),
        emu.budget(&ids[0]),
        emu.budget(&ids[1]),
    );
    for (id, before) in &server_before.0 {
        let after = &server_after.0[id];
        for field in ["status", "resources", "template", "image_ref", "name"] {
            assert_eq!(after[field], before[field], "{id}.{field}");
        }
    }
    assert_eq!(server_after.0.len(), 3);
    assert_eq!(server_after.1["image_ref"], server_before.1["image_ref"]);
    assert_eq!(server_after.1["revision"], 1);
    for (after, before) in [
        (&server_after.2, &server_before.2),
        (&server_after.3, &server_before.3),
    ] {
        assert_eq!(after["monthly_cap_micros"], before["monthly_cap_micros"]);
    }

    // The configuration moves to the names of 2026-08-21: nothing to send (the port is already
    // 8000, the credit already 1000).
    case.apply(config(
        &FLEET
            .replace(
                "ports     = [{ port = 8000, default = true }]",
                "default_port = 8000",
            )
            .replace("topup_micros       = 1000", "credit_micros      = 1000"),
    ));
    assert_eq!(emu.instance(&ids[2])["status"], "stopped");
    assert_eq!(emu.instance(&ids[0])["status"], "running");
    // Not one API write since the switch (nor from the refused saved plan): reads only.
    let counters = emu.requests()["counters"].clone();
    let writes: Vec<&String> = counters
        .as_object()
        .map(|c| {
            c.keys()
                .filter(|route| route.contains(" /v1/") && !route.starts_with("GET "))
                .collect()
        })
        .unwrap_or_default();
    assert!(writes.is_empty(), "writes after the switch: {counters:#}");
    assert_eq!(emu.instances().len(), 3);
    case.destroy();
}

matrix!(upgrade: tf_1_15, tf_1_11; api_2026_06_25);

// ---------------------------------------------------------------------------------------------
// Pins and template changes
// ---------------------------------------------------------------------------------------------

fn pinned_template(m: Matrix) {
    let emu = m.emulator(&[]);
    register_template(&emu, "custom", "acme/agent:v1", 8000);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let with = |t: &str| {
        config(&format!(
            "resource \"agent37_instance\" \"a\" {{\n  template = \"{t}\"\n}}\n"
        ))
    };
    if m.api != NEW {
        // 2026-06-25 has no pins: refused at plan, on the attribute.
        case.step(
            Step::plan(with("custom@1")).expect_error(
                Diag::error("Not available in this API revision")
                    .detail_contains("needs API revision 2026-08-21")
                    .attribute("template"),
            ),
        );
        assert!(emu.instances().is_empty());
        return;
    }
    case.apply(with("custom"));
    let id = case.tf().id_of("agent37_instance.a");
    emu.api_ok(
        "PATCH",
        "/templates/custom",
        Some(&json!({"image_ref": "acme/agent:v2"})),
    );
    // Pinning to the first revision (the rollback path) is an update in place.
    let plan = case.plan(with("custom@1"));
    assert_eq!(
        plan.actions(),
        actions(&[("agent37_instance.a", &["update"])])
    );
    case.apply(with("custom@1"));
    assert_eq!(
        case.tf().id_of("agent37_instance.a"),
        id,
        "kept, not replaced"
    );
    assert_eq!(emu.instance(&id)["template"], "custom@1");
    // Migrating to another template is in place too.
    case.apply(with("agent37-openclaw"));
    assert_eq!(case.tf().id_of("agent37_instance.a"), id);
    assert_eq!(emu.instance(&id)["template"], "agent37-openclaw");
    assert_eq!(emu.instances().len(), 1);
    case.step(
        Step::plan(with("custom@latest")).expect_error(
            Diag::error("Invalid value")
                .detail_contains("`@latest` is not a pin")
                .attribute("template"),
        ),
    );
    // Destroyed from a valid configuration (the last one written was refused).
    case.step(Step::destroy().config(with("agent37-openclaw")));
}

matrix!(pinned_template: tf_1_15; api_2026_06_25, api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// Shapes: each revision's own table
// ---------------------------------------------------------------------------------------------

fn disk_table(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let small = r#"
resource "agent37_instance" "a" {
  cpu    = 2
  memory = 4
  disk   = 4
}
"#;
    if m.api != NEW {
        case.step(
            Step::plan(config(small)).expect_error(
                Diag::error("Invalid disk size")
                    .detail_contains("2 vCPU / 4 GB shape: 6 to 20 GB")
                    .attribute("disk"),
            ),
        );
        return;
    }
    case.apply(config(small));
    let id = case.tf().id_of("agent37_instance.a");
    assert_eq!(
        emu.instance(&id)["resources"],
        json!({"cpu": 2, "memory": 4, "disk": 4})
    );
    // Growing the shape keeps the disk on 2026-08-21.
    case.apply(config(
        &small.replace("cpu    = 2\n  memory = 4\n  disk   = 4", "cpu = 4"),
    ));
    assert_eq!(
        emu.instance(&id)["resources"],
        json!({"cpu": 4, "memory": 8, "disk": 4})
    );
    case.destroy();
}

matrix!(disk_table: tf_1_15; api_2026_06_25, api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// Sleepers, try_again, the plane's key
// ---------------------------------------------------------------------------------------------

fn sleeping_instance(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let running = r#"resource "agent37_instance" "a" { name = "sleeper" }"#;
    case.apply(config(running));
    let id = case.tf().id_of("agent37_instance.a");
    // The health wait spoke to the plane with X-Agent37-Key, never the deprecated Bearer.
    let plane = &emu.requests()["plane"];
    assert!(plane["x_agent37_key"].as_u64().unwrap_or(0) >= 1, "{plane}");
    assert_eq!(plane["deprecated_bearer"], 0, "{plane}");

    emu.control_ok("POST", &format!("instances/{id}/sleep"), Some(&json!({})));
    assert_eq!(emu.instance(&id)["status"], "sleeping");
    let plan = case.replan();
    assert_eq!(
        plan.actions(),
        actions(&[]),
        "a sleeper is available, not a repair"
    );
    // A refresh records the real status; `state` stays "running".
    case.step(Step::refresh_only());
    let state = case.tf().state_values("agent37_instance.a");
    assert_eq!(
        (&state["status"], &state["state"]),
        (&json!("sleeping"), &json!("running"))
    );

    // Stopping it meets one `409 try_again`, which is retried.
    emu.set_faults(&json!({"rules": [
        {"route": "POST /v1/instances/{id}/stop", "kind": "try_again", "requests": [1]}
    ]}));
    case.apply(config(
        "resource \"agent37_instance\" \"a\" {\n  name  = \"sleeper\"\n  state = \"stopped\"\n}\n",
    ));
    assert_eq!(emu.instance(&id)["status"], "stopped");
    assert_eq!(emu.requests()["faults"]["try_again"], 1);
    case.destroy();
}

matrix!(sleeping_instance: tf_1_15; api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// A failed create leaves a `failed` instance: kept (tainted) with the API's detail
// ---------------------------------------------------------------------------------------------

fn failed_create(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    emu.set_faults(&json!({"rules": [
        {"route": "POST /v1/instances", "kind": "create_failed",
         "detail": "Starting crawler...\nError: cannot find module '/app/server.js'\n"}
    ]}));
    let one = r#"resource "agent37_instance" "a" { name = "boom" }"#;
    case.step(
        Step::apply(config(one)).expect_error(
            Diag::error("Unable to create instance")
                .detail_contains("provisioning_failed")
                .detail_contains("cannot find module '/app/server.js'"),
        ),
    );
    let on_server = emu.instances();
    assert_eq!(
        on_server.len(),
        1,
        "one create, no blind re-create: {on_server:#?}"
    );
    let (failed_id, failed) = on_server.iter().next().expect("the leftover");
    assert_eq!(failed["status"], "failed");
    assert_eq!(emu.count("POST /v1/instances"), 1);
    // The leftover is in the state (tainted): the next apply replaces it.
    assert_eq!(&case.tf().id_of("agent37_instance.a"), failed_id);
    emu.clear_faults();
    let plan = case.replan();
    assert_eq!(
        plan.actions(),
        actions(&[("agent37_instance.a", &["delete", "create"])])
    );
    case.reapply();
    let now = emu.instances();
    assert_eq!(now.len(), 1);
    assert!(!now.contains_key(failed_id));
    case.destroy();
}

matrix!(failed_create: tf_1_15; api_2026_08_21);
