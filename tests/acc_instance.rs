//! Acceptance tests of `agent37_instance` and its data sources: real Terraform (1.15 and 1.11)
//! against the emulator, asserting on the emulator's state, the plan's actions and the exact
//! diagnostics. Run with `cargo xtask test` (or the env vars it sets).

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::{Emulator, Terraform, TfVersion};

const HEADER: &str = r#"
terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

provider "agent37" {}
"#;

fn config(body: &str) -> String {
    format!("{HEADER}\n{body}")
}

fn actions(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(a, acts)| (a.to_string(), acts.iter().map(|s| s.to_string()).collect()))
        .collect()
}

/// Every live instance the emulator holds for the workspace, by id.
fn server_instances(emu: &Emulator) -> BTreeMap<String, Value> {
    emu.api_ok("GET", "/instances", None)["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|i| (i["id"].as_str().unwrap_or_default().to_string(), i))
        .collect()
}

fn server_instance(emu: &Emulator, id: &str) -> Value {
    emu.api_ok("GET", &format!("/instances/{id}"), None)
}

fn id_of(tf: &Terraform, address: &str) -> String {
    tf.state_values(address)["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{address} has no id"))
        .to_string()
}

fn assert_destroyed(tf: &Terraform, emu: &Emulator) {
    tf.destroy();
    assert!(
        server_instances(emu).is_empty(),
        "instances left after destroy: {:#?}",
        server_instances(emu)
    );
}

// ---------------------------------------------------------------------------------------------
// Create, no-op plan, every in-place change, every replacement, destroy
// ---------------------------------------------------------------------------------------------

const LIFECYCLE_V1: &str = r#"
resource "agent37_instance" "name" {
  name = "one"
}
resource "agent37_instance" "user" {
  user = "cust_1"
}
resource "agent37_instance" "meta" {
  metadata = { team = "a" }
}
resource "agent37_instance" "stop" {
  name = "stopper"
}
resource "agent37_instance" "grow" {
  cpu    = 2
  memory = 4
}
resource "agent37_instance" "disk" {
  disk = 6
}
resource "agent37_instance" "tmpl" {
  template = "agent37-hermes"
}
resource "agent37_instance" "shrink" {
  disk = 10
}
"#;

const LIFECYCLE_V2: &str = r#"
resource "agent37_instance" "name" {
  name = "two"
}
resource "agent37_instance" "user" {
}
resource "agent37_instance" "meta" {
  metadata = { team = "b", env = "prod" }
}
resource "agent37_instance" "stop" {
  name  = "stopper"
  state = "stopped"
}
resource "agent37_instance" "grow" {
  cpu = 4
}
resource "agent37_instance" "disk" {
  disk = 12
}
resource "agent37_instance" "tmpl" {
  template = "agent37-openclaw"
}
resource "agent37_instance" "shrink" {
  disk = 8
}
"#;

fn lifecycle(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(&config(LIFECYCLE_V1));
    tf.apply();
    assert_eq!(server_instances(&emu).len(), 8);
    let user_id = id_of(&tf, "agent37_instance.user");
    assert_eq!(server_instance(&emu, &user_id)["user"], "cust_1");
    let state = tf.state_values("agent37_instance.grow");
    assert_eq!(
        (&state["cpu"], &state["memory"], &state["disk"]),
        (&json!(2), &json!(4), &json!(6))
    );
    assert_eq!(state["state"], "running");
    assert_eq!(state["template"], "agent37-hermes");
    assert!(state["url"].as_str().is_some_and(|u| !u.is_empty()));
    assert_eq!(state["ports"].as_array().map(Vec::len), Some(4));
    tf.assert_no_changes();

    let before: BTreeMap<&str, String> = ["tmpl", "shrink", "grow", "disk"]
        .into_iter()
        .map(|n| (n, id_of(&tf, &format!("agent37_instance.{n}"))))
        .collect();
    tf.write_main(&config(LIFECYCLE_V2));
    let plan = tf.plan_json();
    assert_eq!(
        plan.actions(),
        actions(&[
            ("agent37_instance.name", &["update"]),
            ("agent37_instance.user", &["update"]),
            ("agent37_instance.meta", &["update"]),
            ("agent37_instance.stop", &["update"]),
            ("agent37_instance.grow", &["update"]),
            ("agent37_instance.disk", &["update"]),
            ("agent37_instance.tmpl", &["delete", "create"]),
            ("agent37_instance.shrink", &["delete", "create"]),
        ])
    );
    assert_eq!(
        plan.change("agent37_instance.tmpl")["replace_paths"],
        json!([["template"]])
    );
    assert_eq!(
        plan.change("agent37_instance.shrink")["replace_paths"],
        json!([["disk"]])
    );
    // cpu alone picks the 4/8 shape, and growing the shape raises the disk to its minimum.
    let grow = &plan.change("agent37_instance.grow")["after"];
    assert_eq!((&grow["memory"], &grow["disk"]), (&json!(8), &json!(20)));
    // Values that cannot change keep their prior value; volatile ones are unknown.
    let name_change = plan.change("agent37_instance.name");
    assert_eq!(name_change["after"]["id"], name_change["before"]["id"]);
    assert_eq!(name_change["after"]["url"], name_change["before"]["url"]);
    assert_eq!(name_change["after_unknown"]["status"], true);

    tf.apply();
    let on_server = |n: &str| server_instance(&emu, &id_of(&tf, &format!("agent37_instance.{n}")));
    assert_eq!(on_server("name")["name"], "two");
    assert_eq!(on_server("user")["user"], Value::Null);
    assert_eq!(
        on_server("meta")["metadata"],
        json!({"team": "b", "env": "prod"})
    );
    assert_eq!(on_server("stop")["status"], "stopped");
    assert_eq!(
        on_server("grow")["resources"],
        json!({"cpu": 4, "memory": 8, "disk": 20})
    );
    assert_eq!(on_server("disk")["resources"]["disk"], 12);
    assert_eq!(on_server("tmpl")["template"], "agent37-openclaw");
    assert_eq!(on_server("shrink")["resources"]["disk"], 8);
    // In place kept the ids; replacements made new instances and removed the old ones.
    assert_eq!(id_of(&tf, "agent37_instance.grow"), before["grow"]);
    assert_eq!(id_of(&tf, "agent37_instance.disk"), before["disk"]);
    assert_ne!(id_of(&tf, "agent37_instance.tmpl"), before["tmpl"]);
    assert_ne!(id_of(&tf, "agent37_instance.shrink"), before["shrink"]);
    assert_eq!(server_instances(&emu).len(), 8);
    tf.assert_no_changes();

    // Start again through `state`.
    tf.write_main(&config(
        &LIFECYCLE_V2.replace("state = \"stopped\"", "state = \"running\""),
    ));
    assert_eq!(
        tf.planned_actions(),
        actions(&[("agent37_instance.stop", &["update"])])
    );
    tf.apply();
    assert_eq!(on_server("stop")["status"], "running");
    tf.assert_no_changes();

    assert_destroyed(&tf, &emu);
}

#[test]
fn lifecycle_1_15() {
    lifecycle(TfVersion::V1_15);
}

#[test]
fn lifecycle_1_11() {
    lifecycle(TfVersion::V1_11);
}

// ---------------------------------------------------------------------------------------------
// Import (CLI and block), drift, a failed instance, out-of-band delete
// ---------------------------------------------------------------------------------------------

fn import_and_drift(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let a = emu.api_ok(
        "POST",
        "/instances",
        Some(&json!({"name": "imported", "metadata": {"k": "v"}})),
    );
    let b = emu.api_ok(
        "POST",
        "/instances",
        Some(&json!({"user": "cust_9", "resources": {"cpu": 4, "memory": 8, "disk": 25}})),
    );
    let (a_id, b_id) = (
        a["id"].as_str().unwrap().to_string(),
        b["id"].as_str().unwrap().to_string(),
    );
    let tf = Terraform::with_emulator(version, &emu);
    let resources = r#"
resource "agent37_instance" "a" {
  name     = "imported"
  metadata = { k = "v" }
}
resource "agent37_instance" "b" {
  user   = "cust_9"
  cpu    = 4
  memory = 8
  disk   = 25
}
"#;
    // CLI import of a (b stays out of the configuration for now).
    tf.write_main(&config(
        &resources[..resources
            .find("resource \"agent37_instance\" \"b\"")
            .unwrap()],
    ));
    tf.run_ok(&["import", "agent37_instance.a", &a_id]);
    tf.assert_no_changes();

    // An import block for b.
    tf.write_main(&config(&format!(
        "{resources}\nimport {{\n  to = agent37_instance.b\n  id = \"{b_id}\"\n}}\n"
    )));
    tf.apply();
    assert_eq!(id_of(&tf, "agent37_instance.b"), b_id);
    let b_state = tf.state_values("agent37_instance.b");
    assert_eq!(b_state["wait_for_healthy"], true);
    assert_eq!(b_state["auto_update"], false);
    tf.assert_no_changes();

    // Drift made through the API: a renamed, b failed.
    emu.api_ok(
        "PATCH",
        &format!("/instances/{a_id}"),
        Some(&json!({"name": "renamed"})),
    );
    emu.control_ok(
        "PATCH",
        &format!("instances/{b_id}"),
        Some(&json!({"status": "failed"})),
    );
    assert_eq!(
        tf.planned_actions(),
        actions(&[
            ("agent37_instance.a", &["update"]),
            ("agent37_instance.b", &["update"]),
        ])
    );
    tf.apply();
    assert_eq!(server_instance(&emu, &a_id)["name"], "imported");
    assert_eq!(server_instance(&emu, &b_id)["status"], "running");
    tf.assert_no_changes();

    // Deleted out of band: planned again as a create.
    emu.api_ok("DELETE", &format!("/instances/{a_id}"), None);
    assert_eq!(
        tf.planned_actions(),
        actions(&[("agent37_instance.a", &["create"])])
    );
    tf.apply();
    let new_a = id_of(&tf, "agent37_instance.a");
    assert_ne!(new_a, a_id);
    assert_eq!(server_instance(&emu, &new_a)["name"], "imported");
    assert_eq!(server_instances(&emu).len(), 2);

    assert_destroyed(&tf, &emu);
}

#[test]
fn import_and_drift_1_15() {
    import_and_drift(TfVersion::V1_15);
}

#[test]
fn import_and_drift_1_11() {
    import_and_drift(TfVersion::V1_11);
}

// ---------------------------------------------------------------------------------------------
// auto_update, resize of a stopped instance, start
// ---------------------------------------------------------------------------------------------

fn auto_update_and_resize(version: TfVersion) {
    let emu = Emulator::start(&[]);
    emu.api_ok(
        "POST",
        "/templates",
        Some(&json!({"name": "custom", "image_ref": "acme/agent:v1",
                     "ports": [{"port": 8000, "default": true}]})),
    );
    let tf = Terraform::with_emulator(version, &emu);
    let v1 = r#"
resource "agent37_instance" "custom" {
  template    = "custom"
  auto_update = true
}
resource "agent37_instance" "sized" {
  cpu = 2
}
"#;
    tf.write_main(&config(v1));
    tf.apply();
    let custom = id_of(&tf, "agent37_instance.custom");
    let state = tf.state_values("agent37_instance.custom");
    assert_eq!(state["image_ref"], "acme/agent:v1");
    assert!(state["url"].as_str().is_some_and(|u| u.contains("8000")));
    tf.assert_no_changes();

    // The template moves on: the plan pulls the new image in place.
    emu.api_ok(
        "PATCH",
        "/templates/custom",
        Some(&json!({"image_ref": "acme/agent:v2"})),
    );
    // And the other instance is stopped and grown at once (start → resize → stop).
    tf.write_main(&config(
        &v1.replace("cpu = 2", "cpu   = 8\n  state = \"stopped\""),
    ));
    let plan = tf.plan_json();
    assert_eq!(
        plan.actions(),
        actions(&[
            ("agent37_instance.custom", &["update"]),
            ("agent37_instance.sized", &["update"]),
        ])
    );
    assert_eq!(
        plan.change("agent37_instance.custom")["after_unknown"]["image_ref"],
        true
    );
    tf.apply();
    assert_eq!(server_instance(&emu, &custom)["image_ref"], "acme/agent:v2");
    let sized = server_instance(&emu, &id_of(&tf, "agent37_instance.sized"));
    assert_eq!(sized["status"], "stopped");
    assert_eq!(
        sized["resources"],
        json!({"cpu": 8, "memory": 16, "disk": 40})
    );
    tf.assert_no_changes();

    assert_destroyed(&tf, &emu);
}

#[test]
fn auto_update_and_resize_1_15() {
    auto_update_and_resize(TfVersion::V1_15);
}

#[test]
fn auto_update_and_resize_1_11() {
    auto_update_and_resize(TfVersion::V1_11);
}

// ---------------------------------------------------------------------------------------------
// wait_for_healthy
// ---------------------------------------------------------------------------------------------

fn waits_for_healthy(version: TfVersion) {
    let emu = Emulator::start(&["--boot-delay-ms", "3000"]);
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(&config(r#"resource "agent37_instance" "a" {}"#));
    let started = Instant::now();
    tf.apply();
    assert!(
        started.elapsed() >= Duration::from_secs(3),
        "apply returned before the boot delay: {:?}",
        started.elapsed()
    );
    let polls = emu.requests()["counters"]["GET /_instances/{id}/{port}/v1/health"]
        .as_u64()
        .unwrap_or(0);
    assert!(polls >= 2, "health polled {polls} times");
    assert_eq!(server_instances(&emu).len(), 1);
}

#[test]
fn waits_for_healthy_1_15() {
    waits_for_healthy(TfVersion::V1_15);
}

#[test]
fn waits_for_healthy_1_11() {
    waits_for_healthy(TfVersion::V1_11);
}

// ---------------------------------------------------------------------------------------------
// Create errors: instance limit, tier limit
// ---------------------------------------------------------------------------------------------

fn create_errors(version: TfVersion) {
    let emu = Emulator::start(&["--instance-limit", "1"]);
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(&config(
        r#"
resource "agent37_instance" "a" {}
resource "agent37_instance" "b" {}
"#,
    ));
    let out = tf.apply_with(&[]);
    out.assert_failure();
    let text = out.combined();
    assert!(text.contains("Unable to create instance"), "{out}");
    assert!(text.contains("instance_limit_reached"), "{out}");
    assert_eq!(server_instances(&emu).len(), 1);

    let free_key = emu.create_workspace(&json!({"tier": "free"}));
    let tf_free = {
        let mut t = Terraform::with_emulator(version, &emu);
        t.set_env("AGENT37_API_KEY", &free_key);
        t
    };
    tf_free.write_main(&config(r#"resource "agent37_instance" "big" { cpu = 4 }"#));
    let out = tf_free.apply_with(&[]);
    out.assert_failure();
    assert!(out.combined().contains("tier_limit"), "{out}");
    let free_list = emu
        .api_with_key(&free_key, "GET", "/instances", None)
        .json();
    assert_eq!(free_list["data"], json!([]));

    // A past-due instance reads as stopped; starting it without funds fails with the API's
    // answer, on `state`.
    tf_free.write_main(&config(
        r#"
resource "agent37_instance" "small" {
  state = "running"
}
"#,
    ));
    tf_free.apply();
    let id = id_of(&tf_free, "agent37_instance.small");
    emu.control_ok(
        "PATCH",
        &format!("instances/{id}"),
        Some(&json!({"status": "stopped", "past_due": true})),
    );
    emu.control_ok(
        "PATCH",
        &format!("workspaces/{free_key}"),
        Some(&json!({"wallet_micros": 0})),
    );
    let out = tf_free.apply_with(&[]);
    out.assert_failure();
    assert!(out.stderr.contains("Unable to start instance"), "{out}");
    assert!(out.stderr.contains("insufficient_balance"), "{out}");
    assert!(out.stderr.contains("state = \"running\""), "{out}");
}

#[test]
fn create_errors_1_15() {
    create_errors(TfVersion::V1_15);
}

#[test]
fn create_errors_1_11() {
    create_errors(TfVersion::V1_11);
}

// ---------------------------------------------------------------------------------------------
// Create safety: an ambiguous create adopts what it made
// ---------------------------------------------------------------------------------------------

fn ambiguous_create(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let tf = Terraform::with_emulator(version, &emu);
    emu.set_faults(&json!({"rules": [
        {"route": "POST /v1/instances", "kind": "drop_after", "requests": [1]}
    ]}));
    let single = r#"resource "agent37_instance" "one" { name = "solo" }"#;
    tf.write_main(&config(single));
    tf.apply();
    let one = id_of(&tf, "agent37_instance.one");
    assert_eq!(
        server_instances(&emu).keys().collect::<Vec<_>>(),
        vec![&one]
    );

    // Three identical bodies, the first two answers dropped.
    emu.set_faults(&json!({"rules": [
        {"route": "POST /v1/instances", "kind": "drop_after", "requests": [1, 2]}
    ]}));
    tf.write_main(&config(&format!(
        r#"{single}
resource "agent37_instance" "same" {{
  for_each = toset(["x", "y", "z"])
  name     = "same"
}}
"#
    )));
    tf.apply();
    let on_server = server_instances(&emu);
    assert_eq!(on_server.len(), 4, "{on_server:#?}");
    let mut ids: Vec<String> = ["x", "y", "z"]
        .iter()
        .map(|k| id_of(&tf, &format!("agent37_instance.same[\"{k}\"]")))
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each resource holds its own instance");
    assert!(
        ids.iter()
            .all(|id| on_server.contains_key(id) && *id != one)
    );
    let dropped = emu.requests()["faults"]["drop_after"].as_u64().unwrap_or(0);
    assert_eq!(dropped, 3, "the faults fired");
}

#[test]
fn ambiguous_create_1_15() {
    ambiguous_create(TfVersion::V1_15);
}

#[test]
fn ambiguous_create_1_11() {
    ambiguous_create(TfVersion::V1_11);
}

// ---------------------------------------------------------------------------------------------
// Validation at validate time, on the right attribute
// ---------------------------------------------------------------------------------------------

fn validation(version: TfVersion) {
    let tf = Terraform::new(version);
    tf.write_main(&config(&format!(
        r#"
resource "agent37_instance" "pair" {{
  cpu    = 4
  memory = 4
}}
resource "agent37_instance" "cpu" {{
  cpu = 3
}}
resource "agent37_instance" "disk" {{
  cpu  = 8
  disk = 20
}}
resource "agent37_instance" "small" {{
  cpu    = 1
  memory = 3
}}
resource "agent37_instance" "name" {{
  name = "{long_name}"
}}
resource "agent37_instance" "user" {{
  user = "{long_user}"
}}
resource "agent37_instance" "state" {{
  state = "paused"
}}
resource "agent37_instance" "template" {{
  template = "agent37-unknown"
}}
resource "agent37_instance" "ok" {{
  template = "agent37-hermes-small"
  cpu      = 1
  disk     = 20
}}
"#,
        long_name = "n".repeat(61),
        long_user = "u".repeat(201),
    )));
    let v = tf.validate_json();
    assert!(!v.valid);
    let found: BTreeMap<String, (String, String, String)> = v
        .errors()
        .iter()
        .map(|d| {
            let context = d.json["snippet"]["context"].as_str().unwrap_or_default();
            let resource = context.rsplit('"').nth(1).unwrap_or_default().to_string();
            (
                resource,
                (
                    d.attribute().unwrap_or_default(),
                    d.summary.clone(),
                    d.detail.clone(),
                ),
            )
        })
        .collect();
    let expect = [
        (
            "pair",
            "memory",
            "Invalid instance shape",
            "cpu = 4 needs memory = 8",
        ),
        ("cpu", "cpu", "Invalid value", "allowed: 1, 2, 4 or 8"),
        (
            "disk",
            "disk",
            "Invalid disk size",
            "range of the 8 vCPU / 16 GB shape: 40 to 80 GB",
        ),
        (
            "small",
            "cpu",
            "Invalid instance shape",
            "only available with template \"agent37-hermes-small\"",
        ),
        (
            "name",
            "name",
            "Invalid length",
            "it must have from 0 to 60 characters",
        ),
        (
            "user",
            "user",
            "Invalid length",
            "it must have from 0 to 200 characters",
        ),
        (
            "state",
            "state",
            "Invalid value",
            "allowed values: `running`, `stopped`",
        ),
        (
            "template",
            "template",
            "Invalid value",
            "is not a system template",
        ),
    ];
    assert_eq!(found.len(), expect.len(), "{found:#?}");
    for (resource, attr, summary, detail) in expect {
        let (a, s, d) = found
            .get(resource)
            .unwrap_or_else(|| panic!("no diagnostic for {resource}: {found:#?}"));
        assert_eq!((a.as_str(), s.as_str()), (attr, summary), "{resource}: {d}");
        assert!(d.contains(detail), "{resource}: {d:?} lacks {detail:?}");
    }
}

#[test]
fn validation_1_15() {
    validation(TfVersion::V1_15);
}

#[test]
fn validation_1_11() {
    validation(TfVersion::V1_11);
}

// ---------------------------------------------------------------------------------------------
// Data sources
// ---------------------------------------------------------------------------------------------

fn data_sources(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let a = emu.api_ok(
        "POST",
        "/instances",
        Some(&json!({"name": "a", "user": "cust_1", "metadata": {"team": "x", "env": "prod"}})),
    );
    let b = emu.api_ok(
        "POST",
        "/instances",
        Some(&json!({"name": "b", "user": "cust_1", "metadata": {"team": "y"}})),
    );
    emu.api_ok(
        "POST",
        "/instances",
        Some(&json!({"name": "c", "user": "cust_2"})),
    );
    emu.api_ok(
        "POST",
        &format!("/instances/{}/stop", b["id"].as_str().unwrap()),
        None,
    );
    let a_id = a["id"].as_str().unwrap();
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(&config(&format!(
        r#"
data "agent37_instance" "a" {{
  id = "{a_id}"
}}
data "agent37_instances" "cust_1" {{
  user = "cust_1"
}}
data "agent37_instances" "team_x" {{
  metadata = {{ team = "x" }}
}}
data "agent37_instances" "stopped" {{
  status = "stopped"
}}
data "agent37_instances" "all" {{}}
data "agent37_instance_urls" "a" {{
  instance_id = "{a_id}"
}}
output "a" {{ value = data.agent37_instance.a }}
output "cust_1" {{ value = data.agent37_instances.cust_1.ids }}
output "team_x" {{ value = data.agent37_instances.team_x.instances[*].name }}
output "stopped" {{ value = data.agent37_instances.stopped.ids }}
output "all" {{ value = length(data.agent37_instances.all.instances) }}
output "urls" {{ value = data.agent37_instance_urls.a }}
"#
    )));
    tf.apply();
    let out = tf.output_json();
    let now_a = server_instance(&emu, a_id);
    let got_a = &out["a"]["value"];
    for field in [
        "id",
        "template",
        "image_ref",
        "name",
        "user",
        "metadata",
        "status",
        "ports",
        "created",
        "paid_through",
        "past_due",
    ] {
        assert_eq!(got_a[field], now_a[field], "{field}");
    }
    assert_eq!(got_a["cpu"], now_a["resources"]["cpu"]);
    assert_eq!(got_a["disk"], now_a["resources"]["disk"]);
    let default_url = now_a["ports"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["default"] == true))
        .map(|p| p["url"].clone())
        .unwrap();
    assert_eq!(got_a["url"], default_url);
    let mut cust_1: Vec<String> = serde_json::from_value(out["cust_1"]["value"].clone()).unwrap();
    cust_1.sort();
    let mut want = vec![a_id.to_string(), b["id"].as_str().unwrap().to_string()];
    want.sort();
    assert_eq!(cust_1, want);
    assert_eq!(out["team_x"]["value"], json!(["a"]));
    assert_eq!(out["stopped"]["value"], json!([b["id"]]));
    assert_eq!(out["all"]["value"], 3);
    let urls = &out["urls"]["value"];
    assert_eq!(urls["url"], default_url);
    assert_eq!(urls["ports"], now_a["ports"]);
    for p in now_a["ports"].as_array().unwrap() {
        assert_eq!(urls["urls"][p["port"].to_string()], p["url"]);
    }
}

#[test]
fn data_sources_1_15() {
    data_sources(TfVersion::V1_15);
}

#[test]
fn data_sources_1_11() {
    data_sources(TfVersion::V1_11);
}
