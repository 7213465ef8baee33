//! The features of newer Terraform, with real Terraform 1.15 against the emulator: imports by
//! identity, the instance actions (`terraform apply -invoke`, `action_trigger`), the list
//! resources of `terraform query` and the configuration it generates; and Terraform 1.11,
//! which knows none of them, still planning and applying the quickstart.
//!
//! Assertions are on the emulator (objects, request counters) and on what Terraform printed.

use std::collections::{BTreeMap, BTreeSet};

use testkit::prelude::*;

use crate::common::{example, no_instances_left};

// ---------------------------------------------------------------------------------------------
// Import blocks by identity
// ---------------------------------------------------------------------------------------------

fn identity_import(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "imp", "user": "u1"}));
    emu.api_ok(
        "POST",
        "/templates",
        Some(&json!({"name": "imp-tpl", "image_ref": "ghcr.io/acme/imp:v1"})),
    );
    let mut case = m.case(&emu);
    let plan = case.plan(config(&format!(
        r#"
import {{
  to       = agent37_instance.x
  identity = {{ id = "{id}" }}
}}

resource "agent37_instance" "x" {{
  name = "imp"
  user = "u1"
}}

import {{
  to       = agent37_template.t
  identity = {{ name = "imp-tpl" }}
}}

resource "agent37_template" "t" {{
  name      = "imp-tpl"
  image_ref = "ghcr.io/acme/imp:v1"
}}
"#
    )));
    assert!(
        plan.actions().is_empty(),
        "import only: {:?}",
        plan.actions()
    );
    assert_eq!(
        plan.imported(),
        BTreeSet::from(["agent37_instance.x".into(), "agent37_template.t".into()])
    );
    case.reapply();
    assert_eq!(
        case.tf().state_values("agent37_instance.x")["id"],
        id.as_str()
    );
    assert_eq!(
        case.tf().state_values("agent37_template.t")["scope"],
        "workspace"
    );
}

matrix!(identity_import: tf_1_15);

// ---------------------------------------------------------------------------------------------
// agent37_instance_exec
// ---------------------------------------------------------------------------------------------

fn exec_action(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "exec"}));
    let action = |name: &str, lines: &str| {
        format!(
            "action \"agent37_instance_exec\" \"{name}\" {{\n  config {{\n    instance_id = \"{id}\"\n{lines}\n  }}\n}}\n"
        )
    };
    let mut case = m.case(&emu);
    case.tf().write_main(&config(
        &[
            action("hello", r#"    command = "sleep 6; echo hello""#),
            action("fail", r#"    command = "echo oops >&2; exit 3""#),
            action(
                "allowed",
                "    command       = \"echo oops >&2; exit 3\"\n    allow_failure = true",
            ),
            action("big", r#"    command = "emit 600000""#),
            action(
                "slow",
                "    command = \"sleep 3; echo late\"\n    timeout = \"1s\"",
            ),
        ]
        .concat(),
    ));

    // Progress while the command runs, then its output and exit code.
    let out = case
        .step(Step::invoke("agent37_instance_exec.hello"))
        .output;
    assert!(out.stdout.contains("Still running after 5s"), "{out}");
    assert!(out.stdout.contains("stdout:\nhello"), "{out}");
    assert!(out.stdout.contains("exit code 0"), "{out}");
    assert!(out.stdout.contains("Actions: 1 invoked"), "{out}");

    // A non-zero exit fails, with the code and stderr (Terraform reports an action's error
    // under its own summary, the provider's summary and detail joined in the detail).
    case.step(
        Step::invoke("agent37_instance_exec.fail").expect_error(
            Diag::error("Error when invoking action")
                .detail_contains("Command failed with exit code 3")
                .detail_contains("oops"),
        ),
    );

    // Unless allowed.
    let out = case
        .step(Step::invoke("agent37_instance_exec.allowed"))
        .output;
    assert!(
        out.stdout
            .contains("exit code 3 (allowed: allow_failure = true)"),
        "{out}"
    );

    // Output over the API's 512 KB cap: truncation is reported, the display is cut.
    let out = case.step(Step::invoke("agent37_instance_exec.big")).output;
    assert!(out.stdout.contains("The API truncated the output"), "{out}");
    assert!(
        out.stdout
            .contains("stdout (524288 bytes; the last 4096 shown)"),
        "{out}"
    );

    // A timeout shorter than the command: an error saying it may have run, and no second call
    // (the emulator numbers requests as they arrive, so an abandoned one counts too).
    let arrived = |emu: &Emulator| {
        emu.control_ok("GET", "faults", None)["request_numbers"]["POST /v1/instances/{id}/exec"]
            .as_u64()
            .unwrap_or(0)
    };
    let before = arrived(&emu);
    case.step(
        Step::invoke("agent37_instance_exec.slow").expect_error(
            Diag::error("Error when invoking action")
                .detail_contains("Unable to run the command on instance")
                .detail_contains("may have run"),
        ),
    );
    assert_eq!(arrived(&emu), before + 1, "exec is never sent twice");

    // Validation, on the exact attribute.
    case.tf().write_main(&config(&action(
        "bad",
        "    command = \" \"\n    timeout = \"soon\"",
    )));
    let v = case.tf().validate_json();
    let mut errors: Vec<(Option<String>, String)> = v
        .errors()
        .iter()
        .map(|d| (d.attribute(), d.detail.clone()))
        .collect();
    errors.sort();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].1.contains("must not be empty"), "{errors:?}");
    assert!(errors[1].1.contains("is not a duration"), "{errors:?}");
}

matrix!(exec_action: tf_1_15);

// ---------------------------------------------------------------------------------------------
// agent37_instance_restart and agent37_instance_update
// ---------------------------------------------------------------------------------------------

fn restart_and_update_actions(m: Matrix) {
    // Health answers 503 for 3 s after a restart or update: the actions wait it out.
    let emu = m.emulator(&["--boot-delay-ms", "3000"]);
    let id = emu.create_instance(&json!({"name": "life"}));
    let old_image = emu.instance(&id)["image_ref"]
        .as_str()
        .expect("image_ref")
        .to_string();
    let mut case = m.case(&emu);
    case.tf().write_main(&config(&format!(
        r#"
action "agent37_instance_restart" "r" {{
  config {{
    instance_id = "{id}"
  }}
}}

action "agent37_instance_update" "u" {{
  config {{
    instance_id = "{id}"
    timeout     = "2m"
  }}
}}
"#
    )));
    let health = "GET /_instances/{id}/{port}/v1/health";

    let polls = emu.count(health);
    let out = case.step(Step::invoke("agent37_instance_restart.r")).output;
    assert!(
        out.stdout.contains(&format!("Instance {id} restarted")),
        "{out}"
    );
    assert!(
        out.stdout.contains(&format!("Instance {id} is ready")),
        "{out}"
    );
    assert_eq!(emu.count("POST /v1/instances/{id}/restart"), 1);
    let log = emu.requests()["recent"].to_string();
    assert!(
        log.contains(&format!("/v1/instances/{id}/restart")),
        "{log}"
    );
    assert!(emu.count(health) >= polls + 2, "waited through the 503s");
    assert_eq!(emu.instance(&id)["status"], "running");

    // A new system image: update pulls it, and the progress shows old → new.
    let new_image = "ghcr.io/agent37-platform/hermes:2099.01.01";
    emu.control_ok(
        "POST",
        "system-templates/agent37-hermes",
        Some(&json!({"image_ref": new_image})),
    );
    let out = case.step(Step::invoke("agent37_instance_update.u")).output;
    assert!(
        out.stdout
            .contains(&format!("image_ref: {old_image} → {new_image}")),
        "{out}"
    );
    let inst = emu.instance(&id);
    assert_eq!(inst["image_ref"], new_image);
    assert_eq!(inst["status"], "running");
    assert_eq!(emu.count("POST /v1/instances/{id}/update"), 1);

    // A stopped instance cannot restart: the API's error, naming the operation.
    emu.api_ok("POST", &format!("/instances/{id}/stop"), None);
    case.step(
        Step::invoke("agent37_instance_restart.r").expect_error(
            Diag::error("Error when invoking action")
                .detail_contains(&format!("Unable to restart instance {id}"))
                .detail_contains("HTTP 400"),
        ),
    );
}

matrix!(restart_and_update_actions: tf_1_15);

// ---------------------------------------------------------------------------------------------
// The registry examples: action_trigger at create, -invoke, the ephemeral signed URL
// ---------------------------------------------------------------------------------------------

fn examples_and_action_trigger(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    const EXEC: &str = "POST /v1/instances/{id}/exec";

    // The exec example: the create triggers its `setup` command once (and the plan after it
    // neither changes nor triggers anything).
    let out = case
        .step(Step::apply(config("")).file(
            "example.tf",
            example("actions/agent37_instance_exec/action.tf"),
        ))
        .output;
    assert!(
        out.stdout
            .contains("(triggered by agent37_instance.support)"),
        "{out}"
    );
    assert!(out.stdout.contains("stdout:\nsetting up\ndone"), "{out}");
    assert_eq!(emu.count(EXEC), 1);
    // No change, no trigger.
    case.reapply();
    assert_eq!(emu.count(EXEC), 1);
    // On demand.
    let out = case
        .step(Step::invoke("agent37_instance_exec.hello"))
        .output;
    assert!(out.stdout.contains("hello from the support bot"), "{out}");
    assert_eq!(emu.count(EXEC), 2);

    // Every other example declares the same instance: it stays, and each action runs on it.
    for (file, action, route) in [
        (
            "actions/agent37_instance_restart/action.tf",
            "agent37_instance_restart.support",
            "POST /v1/instances/{id}/restart",
        ),
        (
            "actions/agent37_instance_update/action.tf",
            "agent37_instance_update.support",
            "POST /v1/instances/{id}/update",
        ),
        (
            "actions/agent37_instance_stop/action.tf",
            "agent37_instance_stop.support",
            "POST /v1/instances/{id}/stop",
        ),
        (
            "actions/agent37_instance_start/action.tf",
            "agent37_instance_start.support",
            "POST /v1/instances/{id}/start",
        ),
    ] {
        case.tf().write_file("example.tf", &example(file));
        case.tf().assert_no_changes();
        case.step(Step::invoke(action));
        assert_eq!(emu.count(route), 1, "{action}");
    }

    // The signed URL example: its provisioner's curl gets an answer through the URL, which
    // stays out of the state.
    let plan = case
        .step(Step::replan().file(
            "example.tf",
            example("ephemeral-resources/agent37_signed_url/ephemeral-resource.tf"),
        ))
        .plan()
        .clone();
    assert_eq!(
        plan.actions().keys().cloned().collect::<Vec<_>>(),
        ["terraform_data.smoke_test"]
    );
    case.reapply();
    assert!(
        !case
            .tf()
            .workdir()
            .read("terraform.tfstate")
            .contains("a37_token"),
        "the signed URL is not in the state"
    );
    assert!(emu.count("POST /v1/instances/{id}/signed-url") >= 1);
}

matrix!(examples_and_action_trigger: tf_1_15);

// ---------------------------------------------------------------------------------------------
// terraform query and -generate-config-out
// ---------------------------------------------------------------------------------------------

/// `terraform query -json`: list address → the identities found.
#[track_caller]
pub(crate) fn query(tf: &Terraform) -> BTreeMap<String, BTreeSet<String>> {
    let (out, lines) = tf.run_json_lines(&["query", "-json"]);
    out.assert_success();
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for l in lines.iter().filter(|l| l["type"] == "list_resource_found") {
        let f = &l["list_resource_found"];
        let identity = f["identity"]
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        found
            .entry(f["address"].as_str().unwrap_or_default().to_string())
            .or_default()
            .insert(identity);
    }
    found
}

pub(crate) fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// `terraform query` finds the workspace's instances and templates, and
/// `-generate-config-out` writes configuration that imports them with no change, under either
/// API revision: only what the revision serving them takes (no `ports` on a template under
/// 2026-08-21, no `default_port` beside `ports` under 2026-06-25, the revision's own disk).
fn query_and_generated_config(m: Matrix) {
    let emu = m.emulator(&[]);
    let v2 = m.api == ApiRevision::R2026_08_21;
    let team = json!({"team": "support"});
    // A 4/8 disk off the default: 20–40 GB on 2026-06-25, 2–20 GB on 2026-08-21.
    let disk = if v2 { 15 } else { 25 };
    let a1 = emu.create_instance(&json!({"name": "a1", "user": "cust_4411", "metadata": team}));
    let a2 = emu.create_instance(
        &json!({"user": "cust_4411", "metadata": {"team": "support", "tier": "gold"}, "resources": {"cpu": 4, "memory": 8, "disk": disk}}),
    );
    let b = emu.create_instance(&json!({"name": "b", "user": "other", "metadata": team}));
    emu.api_ok("POST", &format!("/instances/{a2}/stop"), None);
    // Ports in the shape each revision takes: a list on 2026-06-25, one `default_port` on
    // 2026-08-21.
    let ports = |list: Value, default_port: Option<u16>| {
        if v2 {
            default_port.map_or_else(|| json!({}), |p| json!({"default_port": p}))
        } else {
            json!({"ports": list})
        }
    };
    for (name, body) in [
        (
            "support-agent",
            ports(
                json!([{"port": 8000, "default": true}, {"port": 8001}]),
                Some(8000),
            ),
        ),
        ("support-bare", json!({})),
        ("other-agent", ports(json!([{"port": 8100}]), Some(8100))),
    ] {
        let mut body = body;
        body["name"] = json!(name);
        body["image_ref"] = json!(format!("ghcr.io/acme/{name}:v1"));
        if name == "support-agent" {
            body["description"] = json!("main");
        }
        emu.api_ok("POST", "/templates", Some(&body));
    }
    // 2026-08-21 only: an instance pinned to a template revision.
    let pinned = v2.then(|| {
        emu.create_instance(
            &json!({"name": "pinned", "user": "other", "template": "support-agent@1"}),
        )
    });

    let mut case = m.case(&emu);
    let tf = case.tf();
    tf.write_main(&config(""));
    tf.write_file(
        "instances.tfquery.hcl",
        &example("list-resources/agent37_instance/list-resource.tfquery.hcl"),
    );
    tf.write_file(
        "templates.tfquery.hcl",
        &example("list-resources/agent37_template/list-resource.tfquery.hcl"),
    );
    tf.write_file(
        "all.tfquery.hcl",
        r#"
list "agent37_instance" "all" {
  provider = agent37
}

list "agent37_instance" "b" {
  provider = agent37
  config {
    name = "b"
  }
}

list "agent37_template" "all" {
  provider = agent37
}
"#,
    );
    let found = query(tf);
    let expected: BTreeMap<String, BTreeSet<String>> = [
        ("list.agent37_instance.customer", set(&[&a1, &a2])),
        (
            "list.agent37_instance.all",
            [&a1, &a2, &b].into_iter().chain(&pinned).cloned().collect(),
        ),
        ("list.agent37_instance.b", set(&[&b])),
        (
            "list.agent37_template.support",
            set(&["support-agent", "support-bare"]),
        ),
        (
            "list.agent37_template.all",
            set(&["support-agent", "support-bare", "other-agent"]),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(found, expected);

    // Generated configuration for everything: clean, and it imports with no changes.
    tf.workdir().remove("instances.tfquery.hcl");
    tf.workdir().remove("templates.tfquery.hcl");
    tf.write_file(
        "all.tfquery.hcl",
        "list \"agent37_instance\" \"all\" {\n  provider = agent37\n}\n\nlist \"agent37_template\" \"all\" {\n  provider = agent37\n}\n",
    );
    tf.run_ok(&["query", "-generate-config-out=generated.tf"]);
    let generated = tf.workdir().read("generated.tf");
    for absent in [
        "auto_update",
        "wait_for_healthy",
        "\"running\"",
        "status",
        "image_ref   = null",
        "scope",
        "agents",
        "created",
        "default = false",
        "timeouts",
    ] {
        assert!(!generated.contains(absent), "{absent} in:\n{generated}");
    }
    // Lines compared without their spaces (Terraform aligns the `=`).
    let lines: BTreeSet<String> = generated.lines().map(|l| l.replace(' ', "")).collect();
    let disk_line = format!("disk={disk}");
    let mut present = vec!["state=\"stopped\"", &disk_line, "identity={"];
    if v2 {
        // The template's one port, and the pin; no `ports` value (Terraform writes every
        // optional attribute that is null and not computed as `= null`, `ports` too).
        present.extend([
            "default_port=8000",
            "default_port=8100",
            "template=\"support-agent@1\"",
        ]);
        let ports: Vec<&String> = lines.iter().filter(|l| l.contains("ports")).collect();
        assert_eq!(ports, ["ports=null"], "{generated}");
    } else {
        // The list, and no `default_port` (read from the list's default entry there).
        present.extend(["port=8001", "port=8100"]);
        assert!(
            !generated.contains("default_port"),
            "default_port in:\n{generated}"
        );
    }
    for present in present {
        assert!(lines.contains(present), "{present} not in:\n{generated}");
    }
    let plan = case.replan();
    assert!(
        plan.actions().is_empty(),
        "import only: {:?}",
        plan.actions()
    );
    let imported = if v2 { 7 } else { 6 };
    assert_eq!(plan.imported().len(), imported, "{:?}", plan.imported());
    case.reapply();
}

matrix!(query_and_generated_config: tf_1_15; api_2026_06_25, api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// Older Terraform: none of the above is offered, nothing else breaks
// ---------------------------------------------------------------------------------------------

fn quickstart(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let plan = case.plan(example("quickstart/main.tf"));
    assert_eq!(
        plan.actions().keys().cloned().collect::<Vec<_>>(),
        ["agent37_budget.support", "agent37_instance.support"]
    );
    case.reapply();
    let id = case.tf().id_of("agent37_instance.support");
    assert_eq!(emu.instance(&id)["name"], "support-bot");
    case.destroy();
}

matrix!(quickstart: tf_1_11);
