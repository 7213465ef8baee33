//! `agent37_instance` across the two API revisions (`docs/contract/provider-spec-2026-08.md`
//! §1–2): the upgrade of a fleet from 2026-06-25 to 2026-08-21 under existing state, pins and
//! template changes in place, sleepers, the revision's own shape table, a failed create that
//! leaves an instance behind, `409 try_again`, and the instance plane's key header.

use testkit::prelude::*;

use crate::common::{actions, no_instances_left};

const NEW: ApiRevision = ApiRevision::R2026_08_21;

/// A workspace template registered through the API, with a default port of 8000 (ports under
/// 2026-06-25, `default_port` under 2026-08-21).
fn register_template(emu: &Emulator, revision: ApiRevision, name: &str, image: &str) {
    let body = if revision == NEW {
        json!({"name": name, "image_ref": image, "default_port": 8000})
    } else {
        json!({"name": name, "image_ref": image, "ports": [{"port": 8000, "default": true}]})
    };
    emu.api_ok("POST", "/templates", Some(&body));
}

// ---------------------------------------------------------------------------------------------
// The upgrade: state written under 2026-06-25, the service moves to 2026-08-21
// ---------------------------------------------------------------------------------------------

const FLEET: &str = r#"
resource "agent37_instance" "system" {
  name = "system"
}
resource "agent37_instance" "workspace" {
  template = "custom"
  name     = "workspace"
}
resource "agent37_instance" "big" {
  cpu    = 4
  memory = 8
  state  = "stopped"
}
data "agent37_instance_urls" "system" {
  instance_id = agent37_instance.system.id
}
"#;

/// Applies a fleet under 2026-06-25, switches the emulator to 2026-08-21 at run time, and
/// plans: no change at all (refresh fills the computed values the new revision reports:
/// `url`, `ports`, `paid_through` null); the next apply and plan converge, and `url` is set.
fn upgrade(m: Matrix) {
    let emu = m.emulator(&[]);
    register_template(&emu, m.api, "custom", "acme/agent:v1");
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    case.apply(config(FLEET));
    let tf = case.tf();
    let ids: Vec<String> = ["system", "workspace", "big"]
        .iter()
        .map(|n| tf.id_of(&format!("agent37_instance.{n}")))
        .collect();
    let old_url = tf.state_values("agent37_instance.system")["url"].clone();
    assert!(
        old_url.as_str().is_some_and(|u| u.contains("/_instances/")),
        "{old_url}"
    );

    // A plan saved under 2026-06-25 that grows `system` to 4/8 plans its disk up to 20 GB
    // (that revision's rule).
    let system_id = ids[0].clone();
    let tf = case.tf();
    tf.write_main(&config(
        &FLEET.replace("name = \"system\"", "name = \"system\"\n  cpu  = 4"),
    ));
    let saved = tf.run(&["plan", "-out=tfplan", "-input=false"]);
    assert!(saved.success(), "{saved}");

    // The switch at run time (`Emulator::set_api_revision` needs the emulator the case
    // borrows): the control route itself.
    emu.control_ok(
        "POST",
        "config",
        Some(&json!({"api_revision": NEW.as_str()})),
    );
    // Applied against 2026-08-21, whose rule keeps the disk: Terraform plans each change again
    // at apply (the provider decides under the revision it now talks to) and refuses a final
    // plan that differs from the saved one. Nothing changes on the server.
    let stale = tf.run(&["apply", "-input=false", "tfplan"]);
    assert!(!stale.success(), "{stale}");
    assert!(stale.stderr.contains("inconsistent final plan"), "{stale}");
    assert_eq!(
        emu.instance(&system_id)["resources"],
        json!({"cpu": 2, "memory": 4, "disk": 6})
    );

    let plan = case.plan(config(FLEET));
    assert_eq!(plan.actions(), actions(&[]), "no change across the upgrade");

    case.apply(config(FLEET));
    let tf = case.tf();
    for (n, id) in ["system", "workspace", "big"].iter().zip(&ids) {
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
    assert_eq!(emu.instance(&ids[2])["status"], "stopped");
    assert_eq!(emu.instances().len(), 3);
    case.destroy();
}

matrix!(upgrade: tf_1_15, tf_1_11; api_2026_06_25);

// ---------------------------------------------------------------------------------------------
// Pins and template changes
// ---------------------------------------------------------------------------------------------

fn pinned_template(m: Matrix) {
    let emu = m.emulator(&[]);
    register_template(&emu, m.api, "custom", "acme/agent:v1");
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
