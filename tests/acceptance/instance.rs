//! `agent37_instance` and its data sources: create, every in-place change and replacement,
//! import, drift, health waits, create errors and create safety, validation.

use std::collections::BTreeMap;
use std::time::Duration;

use testkit::prelude::*;

use crate::common::{actions, no_instances_left, register_template};

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

/// Create, every in-place change and replacement, start again, import-and-verify, destroy.
/// Under 2026-08-21 a template change is in place and growing the shape keeps the disk.
fn lifecycle(m: Matrix) {
    let new = m.api == ApiRevision::R2026_08_21;
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    case.apply(config(LIFECYCLE_V1));
    let tf = case.tf();
    assert_eq!(emu.instances().len(), 8);
    let user_id = tf.id_of("agent37_instance.user");
    assert_eq!(emu.instance(&user_id)["user"], "cust_1");
    let state = tf.state_values("agent37_instance.grow");
    // The API's default disk of 2/4: 6 GB on 2026-06-25, 4 GB on 2026-08-21.
    let default_disk = if new { 4 } else { 6 };
    assert_eq!(
        (&state["cpu"], &state["memory"], &state["disk"]),
        (&json!(2), &json!(4), &json!(default_disk))
    );
    assert_eq!(state["state"], "running");
    assert_eq!(state["template"], "agent37-hermes");
    assert!(state["url"].as_str().is_some_and(|u| !u.is_empty()));
    // 2026-08-21 has no `ports`: one synthesized default entry at `url`.
    assert_eq!(
        state["ports"].as_array().map(Vec::len),
        Some(if new { 1 } else { 4 })
    );

    let before: BTreeMap<&str, String> = ["tmpl", "shrink", "grow", "disk"]
        .into_iter()
        .map(|n| (n, tf.id_of(&format!("agent37_instance.{n}"))))
        .collect();
    let plan = case.plan(config(LIFECYCLE_V2));
    let template_change: &[&str] = if new {
        &["update"]
    } else {
        &["delete", "create"]
    };
    assert_eq!(
        plan.actions(),
        actions(&[
            ("agent37_instance.name", &["update"]),
            ("agent37_instance.user", &["update"]),
            ("agent37_instance.meta", &["update"]),
            ("agent37_instance.stop", &["update"]),
            ("agent37_instance.grow", &["update"]),
            ("agent37_instance.disk", &["update"]),
            ("agent37_instance.tmpl", template_change),
            ("agent37_instance.shrink", &["delete", "create"]),
        ])
    );
    if !new {
        assert_eq!(
            plan.change("agent37_instance.tmpl")["replace_paths"],
            json!([["template"]])
        );
    }
    assert_eq!(
        plan.change("agent37_instance.shrink")["replace_paths"],
        json!([["disk"]])
    );
    // cpu alone picks the 4/8 shape; growing the shape raises the disk to its minimum on
    // 2026-06-25 and keeps it on 2026-08-21.
    let grown_disk = if new { 4 } else { 20 };
    let grow = &plan.change("agent37_instance.grow")["after"];
    assert_eq!(
        (&grow["memory"], &grow["disk"]),
        (&json!(8), &json!(grown_disk))
    );
    // Values that cannot change keep their prior value; a rename makes no lifecycle call, so
    // the status stays known too; a stop leaves it unknown.
    let name_change = plan.change("agent37_instance.name");
    assert_eq!(name_change["after"]["id"], name_change["before"]["id"]);
    assert_eq!(name_change["after"]["url"], name_change["before"]["url"]);
    assert_eq!(
        name_change["after"]["status"],
        name_change["before"]["status"]
    );
    assert_eq!(
        plan.change("agent37_instance.stop")["after_unknown"]["status"],
        true
    );

    case.reapply();
    let tf = case.tf();
    let on_server = |n: &str| emu.instance(&tf.id_of(&format!("agent37_instance.{n}")));
    assert_eq!(on_server("name")["name"], "two");
    assert_eq!(on_server("user")["user"], Value::Null);
    assert_eq!(
        on_server("meta")["metadata"],
        json!({"team": "b", "env": "prod"})
    );
    assert_eq!(on_server("stop")["status"], "stopped");
    assert_eq!(
        on_server("grow")["resources"],
        json!({"cpu": 4, "memory": 8, "disk": grown_disk})
    );
    assert_eq!(on_server("disk")["resources"]["disk"], 12);
    assert_eq!(on_server("tmpl")["template"], "agent37-openclaw");
    assert_eq!(on_server("shrink")["resources"]["disk"], 8);
    // In place kept the ids; replacements made new instances and removed the old ones.
    assert_eq!(tf.id_of("agent37_instance.grow"), before["grow"]);
    assert_eq!(tf.id_of("agent37_instance.disk"), before["disk"]);
    // A template change is in place on 2026-08-21 (same id), a replacement on 2026-06-25.
    assert_eq!(tf.id_of("agent37_instance.tmpl") == before["tmpl"], new);
    assert_ne!(tf.id_of("agent37_instance.shrink"), before["shrink"]);
    assert_eq!(emu.instances().len(), 8);

    // Imported again (CLI, block, identity), a resized instance comes back as it is in state.
    let grow_id = tf.id_of("agent37_instance.grow");
    // `type`: the API never returns it, so an import leaves it null (see `instance_added`).
    case.verify_import("agent37_instance.grow", &grow_id, &["type"]);

    // Start again through `state`.
    let plan = case.plan(config(
        &LIFECYCLE_V2.replace("state = \"stopped\"", "state = \"running\""),
    ));
    assert_eq!(
        plan.actions(),
        actions(&[("agent37_instance.stop", &["update"])])
    );
    case.reapply();
    let stop_id = case.tf().id_of("agent37_instance.stop");
    assert_eq!(emu.instance(&stop_id)["status"], "running");

    case.destroy();
}

// The revision axis on Terraform 1.15; 1.11 runs this one scenario on both as a smoke test.
matrix!(lifecycle: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// Import (CLI and block), drift, a failed instance, out-of-band delete
// ---------------------------------------------------------------------------------------------

fn import_and_drift(m: Matrix) {
    let emu = m.emulator(&[]);
    // A disk within 4/8's range of the revision (20–40 GB, or 2–20 GB on 2026-08-21).
    let disk = if m.api == ApiRevision::R2026_08_21 {
        12
    } else {
        25
    };
    let a_id = emu.create_instance(&json!({"name": "imported", "metadata": {"k": "v"}}));
    let b_id = emu.create_instance(
        &json!({"user": "cust_9", "resources": {"cpu": 4, "memory": 8, "disk": disk}}),
    );
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let resources = &format!(
        r#"
resource "agent37_instance" "a" {{
  name     = "imported"
  metadata = {{ k = "v" }}
}}
resource "agent37_instance" "b" {{
  user   = "cust_9"
  cpu    = 4
  memory = 8
  disk   = {disk}
}}
"#
    );
    // CLI import of a (b stays out of the configuration for now).
    let only_a = &resources[..resources
        .find("resource \"agent37_instance\" \"b\"")
        .unwrap()];
    case.step(Step::import("agent37_instance.a", &a_id).config(config(only_a)));

    // An import block for b.
    case.apply(config(&format!(
        "{resources}\nimport {{\n  to = agent37_instance.b\n  id = \"{b_id}\"\n}}\n"
    )));
    let tf = case.tf();
    assert_eq!(tf.id_of("agent37_instance.b"), b_id);
    let b_state = tf.state_values("agent37_instance.b");
    assert_eq!(b_state["wait_for_healthy"], true);
    assert_eq!(b_state["auto_update"], false);

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
        case.replan().actions(),
        actions(&[
            ("agent37_instance.a", &["update"]),
            ("agent37_instance.b", &["update"]),
        ])
    );
    case.reapply();
    assert_eq!(emu.instance(&a_id)["name"], "imported");
    assert_eq!(emu.instance(&b_id)["status"], "running");

    // Deleted out of band: planned again as a create.
    emu.api_ok("DELETE", &format!("/instances/{a_id}"), None);
    assert_eq!(
        case.replan().actions(),
        actions(&[("agent37_instance.a", &["create"])])
    );
    case.reapply();
    let new_a = case.tf().id_of("agent37_instance.a");
    assert_ne!(new_a, a_id);
    assert_eq!(emu.instance(&new_a)["name"], "imported");
    assert_eq!(emu.instances().len(), 2);

    case.destroy();
}

matrix!(import_and_drift: tf_1_15; api_2026_06_25, api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// auto_update, resize of a stopped instance, start
// ---------------------------------------------------------------------------------------------

fn auto_update_and_resize(m: Matrix) {
    let emu = m.emulator(&[]);
    register_template(&emu, "custom", "acme/agent:v1", 8000);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let v1 = r#"
resource "agent37_instance" "custom" {
  template    = "custom"
  auto_update = true
}
resource "agent37_instance" "sized" {
  cpu = 2
}
"#;
    case.apply(config(v1));
    let custom = case.tf().id_of("agent37_instance.custom");
    let state = case.tf().state_values("agent37_instance.custom");
    assert_eq!(state["image_ref"], "acme/agent:v1");
    // The template's default port is the instance's `url` (2026-06-25 names the port in the
    // path, 2026-08-21 serves it at the instance's own host).
    let url = state["url"].as_str().unwrap_or_default();
    assert_eq!(
        state["ports"],
        json!([{"port": 8000, "default": true, "url": url}])
    );
    let sized_id = case.tf().id_of("agent37_instance.sized");
    let first_disk = emu.instance(&sized_id)["resources"]["disk"].clone();

    // The template moves on: the plan pulls the new image in place.
    emu.api_ok(
        "PATCH",
        "/templates/custom",
        Some(&json!({"image_ref": "acme/agent:v2"})),
    );
    // And the other instance is stopped and grown at once (start → resize → stop).
    let plan = case.plan(config(
        &v1.replace("cpu = 2", "cpu   = 8\n  state = \"stopped\""),
    ));
    assert_eq!(
        plan.actions(),
        actions(&[
            ("agent37_instance.custom", &["update"]),
            ("agent37_instance.sized", &["update"]),
        ])
    );
    // The plan shows the image the pull installs.
    assert_eq!(
        plan.change("agent37_instance.custom")["after"]["image_ref"],
        "acme/agent:v2"
    );
    case.reapply();
    assert_eq!(emu.instance(&custom)["image_ref"], "acme/agent:v2");
    let sized = emu.instance(&sized_id);
    assert_eq!(sized["status"], "stopped");
    // Growing the shape grows the disk to the new shape's minimum on 2026-06-25 and keeps it
    // on 2026-08-21.
    let disk = if m.api == ApiRevision::R2026_08_21 {
        first_disk
    } else {
        json!(40)
    };
    assert_eq!(
        sized["resources"],
        json!({"cpu": 8, "memory": 16, "disk": disk})
    );

    case.destroy();
}

matrix!(auto_update_and_resize: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// wait_for_healthy
// ---------------------------------------------------------------------------------------------

fn waits_for_healthy(m: Matrix) {
    let emu = m.emulator(&["--boot-delay-ms", "3000"]);
    let mut case = m.case(&emu);
    let applied = case.apply(config(r#"resource "agent37_instance" "a" {}"#));
    assert!(
        applied.output.elapsed >= Duration::from_secs(3),
        "apply returned before the boot delay: {:?}",
        applied.output.elapsed
    );
    // 2026-06-25 hands out the path form, 2026-08-21 the host form `{id}.localhost`.
    let polls = emu.count(if m.api == ApiRevision::R2026_08_21 {
        "GET {plane}/v1/health"
    } else {
        "GET /_instances/{id}/{port}/v1/health"
    });
    assert!(polls >= 2, "health polled {polls} times");
    assert_eq!(emu.instances().len(), 1);
}

matrix!(waits_for_healthy: tf_1_15; api_2026_06_25, api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// Create errors: instance limit, tier limit
// ---------------------------------------------------------------------------------------------

fn create_errors(m: Matrix) {
    let emu = m.emulator(&["--instance-limit", "1"]);
    let mut case = m.case(&emu);
    case.step(
        Step::apply(config(
            r#"
resource "agent37_instance" "a" {}
resource "agent37_instance" "b" {}
"#,
        ))
        .expect_error(
            Diag::error("Unable to create instance").detail_contains("instance_limit_reached"),
        ),
    );
    assert_eq!(emu.instances().len(), 1);

    let free_key = emu.create_workspace(&json!({"tier": "free"}));
    let mut free = m.case(&emu);
    free.tf_mut().set_env("AGENT37_API_KEY", &free_key);
    free.step(
        Step::apply(config(r#"resource "agent37_instance" "big" { cpu = 4 }"#))
            .expect_error(Diag::error("Unable to create instance").detail_contains("tier_limit")),
    );
    let free_list = emu
        .api_with_key(&free_key, "GET", "/instances", None)
        .json();
    assert_eq!(free_list["data"], json!([]));

    // A past-due instance reads as stopped; starting it without funds fails with the API's
    // answer, on `state` (2026-06-25 wants a day's prepay, so an empty wallet is short;
    // 2026-08-21 refuses only while the wallet is negative).
    free.apply(config(
        r#"
resource "agent37_instance" "small" {
  state = "running"
}
"#,
    ));
    let id = free.tf().id_of("agent37_instance.small");
    emu.control_ok(
        "PATCH",
        &format!("instances/{id}"),
        Some(&json!({"status": "stopped", "past_due": true})),
    );
    emu.control_ok(
        "PATCH",
        &format!("workspaces/{free_key}"),
        Some(&json!({"wallet_micros": if m.api == ApiRevision::R2026_08_21 { -1 } else { 0 }})),
    );
    free.step(
        Step::reapply().expect_error(
            Diag::error("Unable to start instance")
                .detail_contains("insufficient_balance")
                .attribute("state"),
        ),
    );
}

matrix!(create_errors: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// Create safety: an ambiguous create adopts what it made
// ---------------------------------------------------------------------------------------------

fn ambiguous_create(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    emu.set_faults(&json!({"rules": [
        {"route": "POST /v1/instances", "kind": "drop_after", "requests": [1]}
    ]}));
    let single = r#"resource "agent37_instance" "one" { name = "solo" }"#;
    case.apply(config(single));
    let one = case.tf().id_of("agent37_instance.one");
    assert_eq!(emu.instances().keys().collect::<Vec<_>>(), vec![&one]);

    // Three identical bodies, the first two answers dropped.
    emu.set_faults(&json!({"rules": [
        {"route": "POST /v1/instances", "kind": "drop_after", "requests": [1, 2]}
    ]}));
    case.apply(config(&format!(
        r#"{single}
resource "agent37_instance" "same" {{
  for_each = toset(["x", "y", "z"])
  name     = "same"
}}
"#
    )));
    let on_server = emu.instances();
    assert_eq!(on_server.len(), 4, "{on_server:#?}");
    let mut ids: Vec<String> = ["x", "y", "z"]
        .iter()
        .map(|k| case.tf().id_of(&format!("agent37_instance.same[\"{k}\"]")))
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

matrix!(ambiguous_create: tf_1_15; api_2026_06_25, api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// Validation at validate time, on the right attribute
// ---------------------------------------------------------------------------------------------

fn validation(m: Matrix) {
    let tf = Terraform::new(m.tf);
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
  cpu  = 2
  disk = 30
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
            "range of the 2 vCPU / 4 GB shape: 2 to 20 GB",
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

matrix!(validation);

// ---------------------------------------------------------------------------------------------
// Data sources
// ---------------------------------------------------------------------------------------------

fn data_sources(m: Matrix) {
    let emu = m.emulator(&[]);
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
    let mut case = m.case(&emu);
    case.apply(config(&format!(
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
    let out = case.tf().output_json();
    let now_a = emu.instance(a_id);
    let got_a = &out["a"]["value"];
    let v2 = m.api == ApiRevision::R2026_08_21;
    let mut fields = vec![
        "id",
        "template",
        "image_ref",
        "name",
        "user",
        "metadata",
        "status",
        "created",
        "past_due",
    ];
    if !v2 {
        // 2026-08-21 has neither (the data source synthesizes `ports`, below).
        fields.extend(["ports", "paid_through"]);
    }
    for field in fields {
        assert_eq!(got_a[field], now_a[field], "{field}");
    }
    assert_eq!(got_a["cpu"], now_a["resources"]["cpu"]);
    assert_eq!(got_a["disk"], now_a["resources"]["disk"]);
    // 2026-06-25 lists the ports with their URLs; 2026-08-21 has the default port's `url`,
    // which the provider shows as the one default entry of `ports` (the system template's
    // default port, 3737).
    let (default_url, api_ports) = if v2 {
        let url = now_a["url"].clone();
        assert!(got_a["paid_through"].is_null(), "{got_a:#}");
        let ports = json!([{"port": 3737, "default": true, "url": url}]);
        assert_eq!(got_a["ports"], ports);
        (url, ports)
    } else {
        let url = now_a["ports"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["default"] == true))
            .map(|p| p["url"].clone())
            .unwrap();
        (url, now_a["ports"].clone())
    };
    assert!(default_url.is_string(), "{now_a:#}");
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
    assert_eq!(urls["ports"], api_ports);
    for p in api_ports.as_array().unwrap() {
        assert_eq!(urls["urls"][p["port"].to_string()], p["url"]);
    }
}

matrix!(data_sources: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);
