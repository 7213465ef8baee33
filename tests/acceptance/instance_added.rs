//! What API revision 2026-08-21 adds to `agent37_instance`: the environment (`env_wo` with
//! `env_wo_version`, or the sensitive `env`), `type`, auto-sleep in place, the new read-only
//! fields, and the adoption of `env`/`type` after an import. Against 2026-06-25: nothing
//! changes for a configuration without them, across the upgrade either, and setting one is
//! one plan-time error naming the revision.

use testkit::prelude::*;

use crate::security::{assert_absent, files_under};

use crate::common::{actions, example, managed_actions, no_instances_left};

const A: &str = "agent37_instance.a";
const B: &str = "agent37_instance.b";
const C: &str = "agent37_instance.c";

/// `a`: write-only env and auto-sleep; `b`: shared, with the sensitive `env`; `c`: nothing new.
fn fleet(token: &str, version: &str, sleep: bool, idle: u32, mode: &str) -> String {
    config(&format!(
        r#"
resource "agent37_instance" "a" {{
  name                 = "adds"
  auto_sleep           = {sleep}
  idle_timeout_seconds = {idle}
  env_wo               = {{ API_TOKEN = "{token}" }}
  env_wo_version       = "{version}"
}}

resource "agent37_instance" "b" {{
  type = "shared"
  env  = {{ MODE = "{mode}" }}
}}

resource "agent37_instance" "c" {{
  name = "plain"
}}
"#
    ))
}

/// The emulator's own view of an instance: the API object plus the `env` and `type` it keeps.
fn stored(emu: &Emulator, id: &str) -> Value {
    emu.control_ok("GET", &format!("instances/{id}"), None)
}

fn lifecycle(m: Matrix) {
    let emu = m.emulator(&[]);
    emu.control_ok(
        "PATCH",
        &format!("workspaces/{}", emu.api_key()),
        Some(&json!({"shared_enabled": true})),
    );
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));

    case.apply(fleet("tok-1", "1", true, 600, "prod"));
    let tf = case.tf();
    let (a, b, c) = (tf.id_of(A), tf.id_of(B), tf.id_of(C));
    let sa = stored(&emu, &a);
    assert_eq!(sa["env"], json!({"API_TOKEN": "tok-1"}));
    assert_eq!(sa["type"], "dedicated");
    assert_eq!(
        (
            &sa["instance"]["auto_sleep"],
            &sa["instance"]["idle_timeout_seconds"]
        ),
        (&json!(true), &json!(600))
    );
    let sb = stored(&emu, &b);
    assert_eq!(
        (&sb["env"], &sb["type"]),
        (&json!({"MODE": "prod"}), &json!("shared"))
    );
    assert!(stored(&emu, &c)["env"].is_null(), "nothing sent");

    let state = tf.state_values(A);
    assert!(state["env_wo"].is_null(), "write-only: {state}");
    assert_eq!(state["env_wo_version"], "1");
    assert_eq!(state["type"], "dedicated");
    assert_eq!(
        (&state["auto_sleep"], &state["idle_timeout_seconds"]),
        (&json!(true), &json!(600))
    );
    assert_eq!(state["domain_urls"], json!([]));
    assert_eq!(state["public_ports"], json!([]));
    assert!(state["status_reason"].is_null() && state["slept_at"].is_null());
    assert!(state["template_revision"].is_null(), "a system template");
    assert!(
        state["image_digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:")),
        "{state}"
    );
    let state = tf.state_values(B);
    assert_eq!(
        (&state["type"], &state["env"]),
        (&json!("shared"), &json!({"MODE": "prod"}))
    );
    let state = tf.state_values(C);
    assert_eq!(
        (&state["type"], &state["auto_sleep"]),
        (&json!("dedicated"), &json!(false))
    );
    assert_eq!(state["idle_timeout_seconds"], 300);

    // Computed values follow the server: a sleeper shows `slept_at`, with no change planned.
    emu.control_ok("POST", &format!("instances/{c}/sleep"), Some(&json!({})));
    case.step(Step::refresh_only());
    assert!(case.tf().state_values(C)["slept_at"].is_i64());
    assert_eq!(case.tf().state_values(C)["state"], "running");

    // Auto-sleep changes in place; a new write-only value alone changes nothing.
    let plan = case.plan(fleet("tok-2", "1", false, 120, "prod"));
    assert_eq!(managed_actions(&plan), actions(&[(A, &["update"])]));
    case.reapply();
    let sa = stored(&emu, &a);
    assert_eq!(
        (
            &sa["instance"]["auto_sleep"],
            &sa["instance"]["idle_timeout_seconds"]
        ),
        (&json!(false), &json!(120))
    );
    assert_eq!(sa["env"], json!({"API_TOKEN": "tok-1"}), "env is immutable");

    // A new `env_wo_version` replaces `a` with the current `env_wo`; a new `env` replaces `b`.
    let plan = case.plan(fleet("tok-2", "2", false, 120, "staging"));
    assert_eq!(
        managed_actions(&plan),
        actions(&[(A, &["delete", "create"]), (B, &["delete", "create"])])
    );
    case.reapply();
    let tf = case.tf();
    let (a2, b2) = (tf.id_of(A), tf.id_of(B));
    assert!(a2 != a && b2 != b);
    assert_eq!(stored(&emu, &a2)["env"], json!({"API_TOKEN": "tok-2"}));
    assert_eq!(
        (&stored(&emu, &b2)["env"], &stored(&emu, &b2)["type"]),
        (&json!({"MODE": "staging"}), &json!("shared"))
    );
    assert_eq!(emu.instances().len(), 3);

    // Imported (CLI, block, identity): the API tells neither type nor env, so `type` is null
    // and the plan is empty for a configuration that sets neither.
    case.verify_import(C, &c, &["type"]);

    // An import whose configuration sets `env` and `type` adopts them in place: no
    // replacement, no call, the same instance.
    let tf = case.tf();
    tf.run_ok(&["state", "rm", B]);
    tf.run_ok(&["import", B, &b2]);
    assert!(tf.state_values(B)["type"].is_null());
    emu.reset_requests();
    let plan = case.replan();
    assert_eq!(managed_actions(&plan), actions(&[(B, &["update"])]));
    case.reapply();
    assert_eq!(case.tf().id_of(B), b2);
    assert_eq!(emu.count("POST /v1/instances"), 0);
    let state = case.tf().state_values(B);
    assert_eq!(
        (&state["type"], &state["env"]),
        (&json!("shared"), &json!({"MODE": "staging"}))
    );

    // The Registry example's 2026-08-21 part applies as written (its secret from an
    // ephemeral variable), next to this configuration.
    let resource = example("resources/agent37_instance/resource.tf");
    let (_, newer) = resource
        .split_once("# --- API revision 2026-08-21 ---")
        .expect("the example's 2026-08-21 part");
    case.step(
        Step::reapply()
            .file("example.tf", newer)
            .var("crawler_api_token", "tok-example"),
    );
    let crawler = case.tf().id_of("agent37_instance.crawler");
    assert_eq!(
        stored(&emu, &crawler)["env"],
        json!({"API_TOKEN": "tok-example", "LOG_LEVEL": "info"})
    );

    case.destroy();
}

matrix!(lifecycle: tf_1_15, tf_1_11; api_2026_08_21);

/// Against 2026-06-25: a configuration without the new arguments plans nothing new and keeps
/// planning nothing across the upgrade to 2026-08-21; setting one is refused at plan.
fn older_revision(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let plain = config(r#"resource "agent37_instance" "c" { name = "plain" }"#);
    case.apply(plain.clone());
    let state = case.tf().state_values(C);
    for computed in [
        "domain_urls",
        "public_ports",
        "status_reason",
        "template_revision",
        "image_digest",
        "slept_at",
        "auto_sleep",
        "idle_timeout_seconds",
    ] {
        assert!(state[computed].is_null(), "{computed}: {state}");
    }
    assert_eq!(state["type"], "dedicated");

    case.step(
        Step::plan(config(
            r#"resource "agent37_instance" "c" {
  name       = "plain"
  auto_sleep = true
}"#,
        ))
        .expect_error(
            Diag::error("Not available in this API revision")
                .attribute("auto_sleep")
                .detail_contains(
                    "`auto_sleep` (set in the configuration) needs API revision 2026-08-21; the API at http://127.0.0.1:",
                )
                .detail_contains("serves 2026-06-25."),
        ),
    );
    case.step(
        Step::plan(config(
            r#"resource "agent37_instance" "n" {
  type   = "shared"
  env    = { MODE = "x" }
}"#,
        ))
        .expect_error(
            Diag::error("Not available in this API revision")
                .attribute("env")
                .detail_contains(
                    "`env`, `type` (set in the configuration) needs API revision 2026-08-21",
                ),
        ),
    );

    // The upgrade: the same configuration plans nothing; the read fills the new fields.
    emu.control_ok(
        "POST",
        "config",
        Some(&json!({"api_revision": "2026-08-21"})),
    );
    let plan = case.plan(plain.clone());
    assert!(managed_actions(&plan).is_empty(), "{:?}", plan.actions());
    case.step(Step::refresh_only());
    let state = case.tf().state_values(C);
    assert_eq!(state["auto_sleep"], false);
    assert_eq!(state["domain_urls"], json!([]));
    case.destroy();
}

matrix!(older_revision: tf_1_15, tf_1_11; api_2026_06_25);

// ---------------------------------------------------------------------------------------------
// agent37_instance_start, agent37_instance_stop, agent37_instance_update with `template`
// ---------------------------------------------------------------------------------------------

fn power_and_template_actions(m: Matrix) {
    let emu = m.emulator(&[]);
    emu.api_ok(
        "POST",
        "/templates",
        Some(&json!({"name": "crawler", "image_ref": "ghcr.io/acme/crawler:v1"})),
    );
    emu.api_ok(
        "PATCH",
        "/templates/crawler",
        Some(&json!({"image_ref": "ghcr.io/acme/crawler:v2"})),
    );
    let id = emu.create_instance(&json!({"name": "power", "template": "crawler"}));
    assert_eq!(emu.instance(&id)["template_revision"], 2);
    let mut case = m.case(&emu);
    let update = |template: &str| {
        format!(
            r#"
action "agent37_instance_update" "{}" {{
  config {{
    instance_id      = "{id}"
    template         = "{template}"
    wait_for_healthy = false
  }}
}}
"#,
            template.replace(['@', '-'], "_")
        )
    };
    case.tf().write_main(&config(&format!(
        r#"
action "agent37_instance_stop" "s" {{
  config {{
    instance_id = "{id}"
  }}
}}

action "agent37_instance_start" "s" {{
  config {{
    instance_id = "{id}"
    timeout     = "2m"
  }}
}}
{}{}{}"#,
        update("crawler@1"),
        update("crawler"),
        update("agent37-hermes"),
    )));

    let out = case.step(Step::invoke("agent37_instance_stop.s")).output;
    assert!(
        out.stdout.contains(&format!("Instance {id} stopped")),
        "{out}"
    );
    assert_eq!(emu.instance(&id)["status"], "stopped");
    // Stopping a stopped instance is the API's same acknowledgement.
    case.step(Step::invoke("agent37_instance_stop.s"));
    assert_eq!(emu.count("POST /v1/instances/{id}/stop"), 2);

    let out = case.step(Step::invoke("agent37_instance_start.s")).output;
    assert!(
        out.stdout.contains(&format!("Instance {id} started")),
        "{out}"
    );
    assert!(
        out.stdout.contains(&format!("Instance {id} is ready")),
        "{out}"
    );
    assert_eq!(emu.instance(&id)["status"], "running");
    // A sleeper is woken by a start.
    emu.control_ok("POST", &format!("instances/{id}/sleep"), Some(&json!({})));
    assert_eq!(emu.instance(&id)["status"], "sleeping");
    case.step(Step::invoke("agent37_instance_start.s"));
    assert_eq!(emu.instance(&id)["status"], "running");

    // Pin (a rollback to revision 1), unpin (back to the current revision), migrate.
    let out = case
        .step(Step::invoke("agent37_instance_update.crawler_1"))
        .output;
    assert!(
        out.stdout.contains(&format!(
            "Pinning instance {id}: template \"crawler\" → \"crawler@1\""
        )),
        "{out}"
    );
    let inst = emu.instance(&id);
    assert_eq!(
        (&inst["template"], &inst["template_revision"]),
        (&json!("crawler@1"), &json!(1))
    );
    let out = case
        .step(Step::invoke("agent37_instance_update.crawler"))
        .output;
    assert!(out.stdout.contains("Unpinning instance"), "{out}");
    let inst = emu.instance(&id);
    assert_eq!(
        (&inst["template"], &inst["template_revision"]),
        (&json!("crawler"), &json!(2))
    );
    let out = case
        .step(Step::invoke("agent37_instance_update.agent37_hermes"))
        .output;
    assert!(out.stdout.contains("Migrating instance"), "{out}");
    let inst = emu.instance(&id);
    assert_eq!(inst["template"], "agent37-hermes");
    assert!(inst["template_revision"].is_null());
    assert_eq!(inst["id"], id.as_str(), "the same instance");

    // A template the API refuses: its error, naming the operation.
    case.tf().write_file("bad.tf", &update("crawler@9"));
    case.step(
        Step::invoke("agent37_instance_update.crawler_9").expect_error(
            Diag::error("Error when invoking action")
                .detail_contains(&format!("Unable to update instance {id}"))
                .detail_contains("HTTP 400"),
        ),
    );

    // Against 2026-06-25: refused before any call that changes something.
    emu.control_ok(
        "POST",
        "config",
        Some(&json!({"api_revision": "2026-06-25"})),
    );
    emu.reset_requests();
    case.step(
        Step::invoke("agent37_instance_update.crawler").expect_error(
            Diag::error("Error when invoking action")
                .detail_contains("`template` (pin, unpin, migrate) needs API revision 2026-08-21"),
        ),
    );
    assert_eq!(emu.count("POST /v1/instances/{id}/update"), 0);
}

matrix!(power_and_template_actions: tf_1_15; api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// The environment's values stay secret
// ---------------------------------------------------------------------------------------------

const SECRET: &str = "env-SECRET-value-7f3a9c";

/// A full apply / plan / refused plan / destroy with `TF_LOG=trace`: the `env_wo` value (from
/// an ephemeral variable) reaches the API and appears in no log line, output, plan, state,
/// error or any other file Terraform wrote.
fn env_stays_secret(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    case.tf_mut()
        .set_env("TF_VAR_token", SECRET)
        .set_env("TF_LOG", "trace")
        .set_env("TF_LOG_PATH", "trace.log");
    let with_env = |name: &str| {
        config(&format!(
            r#"
variable "token" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

resource "agent37_instance" "s" {{
  name           = "secret-env"
  env_wo         = {{ {name} = var.token }}
  env_wo_version = "1"
}}
"#
        ))
    };
    let mut outputs = vec![case.apply(with_env("API_TOKEN")).output];
    let id = case.tf().id_of("agent37_instance.s");
    // Really sent (else what follows proves nothing).
    assert_eq!(stored(&emu, &id)["env"], json!({"API_TOKEN": SECRET}));
    let tf = case.tf();
    let plan = tf.plan_json();
    assert!(plan.actions().is_empty(), "{:?}", plan.actions());
    let plan_json = plan.json.to_string();
    let state_json = tf.show_state_json().to_string();

    // A refused value: the error names the variable, not its value.
    tf.write_main(&with_env("AGENT37_INSTANCE_ID"));
    let refused = tf.run(&["plan"]);
    assert!(!refused.success(), "{refused}");
    assert!(
        refused
            .combined()
            .contains("AGENT37_INSTANCE_ID is set by the platform"),
        "{refused}"
    );
    outputs.push(refused);
    tf.write_main(&with_env("API_TOKEN"));
    outputs.push(case.destroy().output);

    let tf = case.tf();
    let log = tf.workdir().read("trace.log");
    assert!(
        log.lines().count() > 1000 && log.contains("terraform-provider-agent37"),
        "the trace log is not complete"
    );
    for out in &outputs {
        assert_absent(SECRET, &out.command, &out.combined());
    }
    assert_absent(SECRET, "terraform show -json", &state_json);
    assert_absent(SECRET, "the plan (show -json)", &plan_json);
    for file in files_under(tf.dir()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        assert_absent(
            SECRET,
            &file.display().to_string(),
            &String::from_utf8_lossy(&bytes),
        );
    }
}

matrix!(env_stays_secret: tf_1_15, tf_1_11; api_2026_08_21);
