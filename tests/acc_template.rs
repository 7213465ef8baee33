//! Acceptance: `agent37_template` and the template data sources with real Terraform (1.15 and
//! 1.11) against the emulator. Assertions are on the emulator's templates, the plans' actions
//! and the exact diagnostics.

mod support;

use std::collections::BTreeMap;

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

/// One template resource `agent37_template.t` with the given attribute lines.
fn template(lines: &str) -> String {
    config(&format!(
        "resource \"agent37_template\" \"t\" {{\n{lines}\n}}\n"
    ))
}

fn actions(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(a, acts)| (a.to_string(), acts.iter().map(|s| s.to_string()).collect()))
        .collect()
}

/// The workspace template `name` as the emulator has it.
#[track_caller]
fn server_template(emu: &Emulator, name: &str) -> Value {
    emu.api_ok("GET", &format!("/templates/{name}"), None)
}

#[track_caller]
fn assert_gone(emu: &Emulator, name: &str) {
    let r = emu.api("GET", &format!("/templates/{name}"), None);
    assert_eq!(r.status, 404, "{name} still exists: {}", r.text());
}

/// The names of the workspace templates on the emulator.
fn workspace_names(emu: &Emulator) -> Vec<String> {
    emu.api_ok("GET", "/templates", None)["data"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|t| t["scope"] == "workspace")
                .filter_map(|t| t["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Create, no-op, in-place updates, drift, out-of-band delete, rename, destroy
// ---------------------------------------------------------------------------------------------

fn lifecycle(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let tf = Terraform::with_emulator(version, &emu);
    const T: &str = "agent37_template.t";

    // Create.
    tf.write_main(&template(
        r#"
  name        = "support-agent"
  image_ref   = "ghcr.io/acme/agent:v1"
  description = "first"
  ports = [
    { port = 8000, default = true },
    { port = 8001 },
  ]
"#,
    ));
    let plan = tf.plan_json();
    assert_eq!(plan.actions(), actions(&[(T, &["create"])]));
    // Known at plan time from the contract.
    assert_eq!(plan.change(T)["after"]["scope"], "workspace");
    tf.apply();
    let t = server_template(&emu, "support-agent");
    assert_eq!(t["image_ref"], "ghcr.io/acme/agent:v1");
    assert_eq!(t["description"], "first");
    assert_eq!(
        t["ports"],
        json!([{"port": 8000, "default": true}, {"port": 8001, "default": false}])
    );
    let state = tf.state_values(T);
    assert_eq!(state["scope"], "workspace");
    assert_eq!(state["agents"], json!([]));
    assert_eq!(state["created"], t["created"]);
    assert_eq!(state["updated"], t["updated"]);
    tf.assert_no_changes();

    // Each in-place change is an update, applied to the emulator.
    let steps: [(&str, &str, &str); 3] = [
        (
            "image_ref",
            "\"ghcr.io/acme/agent:v1\"",
            "\"ghcr.io/acme/agent:v2\"",
        ),
        ("description", "\"first\"", "\"second\""),
        (
            "ports",
            "{ port = 8001 },",
            "{ port = 8002 },\n    { port = 8003 },",
        ),
    ];
    let mut hcl = tf.workdir().read("main.tf");
    for (attr, from, to) in steps {
        hcl = hcl.replace(from, to);
        tf.write_main(&hcl);
        let plan = tf.plan_json();
        assert_eq!(plan.actions(), actions(&[(T, &["update"])]), "{attr}");
        // Only `updated` may move; the other computed values stay known.
        assert_eq!(plan.change(T)["after_unknown"]["updated"], true, "{attr}");
        assert_eq!(plan.change(T)["after"]["created"], t["created"], "{attr}");
        tf.apply();
    }
    let t = server_template(&emu, "support-agent");
    assert_eq!(t["image_ref"], "ghcr.io/acme/agent:v2");
    assert_eq!(t["description"], "second");
    assert_eq!(
        t["ports"],
        json!([
            {"port": 8000, "default": true},
            {"port": 8002, "default": false},
            {"port": 8003, "default": false}
        ])
    );
    tf.assert_no_changes();

    // Empty forms: `""` and `[]` clear the values and stay as written in state.
    tf.write_main(&template(
        r#"
  name        = "support-agent"
  image_ref   = "ghcr.io/acme/agent:v2"
  description = ""
  ports       = []
"#,
    ));
    assert_eq!(tf.planned_actions(), actions(&[(T, &["update"])]));
    tf.apply();
    assert_eq!(server_template(&emu, "support-agent")["ports"], json!([]));
    let state = tf.state_values(T);
    assert_eq!(
        (&state["description"], &state["ports"]),
        (&json!(""), &json!([]))
    );
    tf.assert_no_changes();

    // Removing the optional attributes clears them on the server (`ports` as `[]`); the state
    // keeps them null, so the next plan is quiet.
    tf.write_main(&template(
        r#"
  name      = "support-agent"
  image_ref = "ghcr.io/acme/agent:v2"
"#,
    ));
    assert_eq!(tf.planned_actions(), actions(&[(T, &["update"])]));
    tf.apply();
    let t = server_template(&emu, "support-agent");
    assert_eq!(t["ports"], json!([]));
    assert!(t["description"].is_null(), "{t}");
    let state = tf.state_values(T);
    assert!(
        state["description"].is_null() && state["ports"].is_null(),
        "{state:#}"
    );
    tf.assert_no_changes();

    // Drift made through the API shows in the plan, and apply corrects it.
    emu.api_ok(
        "PATCH",
        "/templates/support-agent",
        Some(&json!({"image_ref": "ghcr.io/acme/agent:drifted"})),
    );
    let plan = tf.plan_json();
    assert_eq!(plan.actions(), actions(&[(T, &["update"])]));
    assert_eq!(
        plan.change(T)["before"]["image_ref"],
        "ghcr.io/acme/agent:drifted"
    );
    tf.apply();
    assert_eq!(
        server_template(&emu, "support-agent")["image_ref"],
        "ghcr.io/acme/agent:v2"
    );

    // Deleted out of band: the plan re-creates it.
    emu.api_ok("DELETE", "/templates/support-agent", None);
    assert_eq!(tf.planned_actions(), actions(&[(T, &["create"])]));
    tf.apply();
    assert_eq!(
        server_template(&emu, "support-agent")["image_ref"],
        "ghcr.io/acme/agent:v2"
    );
    tf.assert_no_changes();

    // A new name replaces the template; the old name is gone.
    tf.write_main(&template(
        r#"
  name      = "support-agent-2"
  image_ref = "ghcr.io/acme/agent:v2"
"#,
    ));
    let plan = tf.plan_json();
    assert_eq!(plan.actions(), actions(&[(T, &["delete", "create"])]));
    assert_eq!(plan.change(T)["replace_paths"], json!([["name"]]));
    tf.apply();
    assert_gone(&emu, "support-agent");
    assert_eq!(
        server_template(&emu, "support-agent-2")["image_ref"],
        "ghcr.io/acme/agent:v2"
    );

    // Only the timeouts change: an update that sends nothing (the template is only re-read).
    tf.write_main(&template(
        r#"
  name      = "support-agent-2"
  image_ref = "ghcr.io/acme/agent:v2"
  timeouts {
    update = "5m"
  }
"#,
    ));
    assert_eq!(tf.planned_actions(), actions(&[(T, &["update"])]));
    let patches =
        |emu: &Emulator| emu.requests()["counters"]["PATCH /v1/templates/{name}"].as_u64();
    let before = patches(&emu);
    tf.apply();
    assert_eq!(patches(&emu), before);
    tf.assert_no_changes();

    // Destroy leaves no workspace template.
    tf.destroy();
    assert_eq!(workspace_names(&emu), Vec::<String>::new());
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
// Import (CLI, `import` block by id and by identity), create conflict
// ---------------------------------------------------------------------------------------------

fn import_and_conflict(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let tf = Terraform::with_emulator(version, &emu);
    emu.api_ok(
        "POST",
        "/templates",
        Some(&json!({
            "name": "cli-imported", "image_ref": "acme/agent:v1", "description": "made elsewhere",
            "ports": [{"port": 9000, "default": true}]
        })),
    );
    emu.api_ok(
        "POST",
        "/templates",
        Some(&json!({"name": "block-imported", "image_ref": "acme/agent:v1"})),
    );
    emu.api_ok(
        "POST",
        "/templates",
        Some(&json!({"name": "taken", "image_ref": "acme/other:v1"})),
    );
    emu.api_ok(
        "POST",
        "/templates",
        Some(&json!({"name": "by-identity", "image_ref": "acme/agent:v1"})),
    );

    let cli = r#"
resource "agent37_template" "cli" {
  name        = "cli-imported"
  image_ref   = "acme/agent:v1"
  description = "made elsewhere"
  ports       = [{ port = 9000, default = true }]
}
"#;
    let block = r#"
import {
  to = agent37_template.block
  id = "block-imported"
}

resource "agent37_template" "block" {
  name      = "block-imported"
  image_ref = "acme/agent:v1"
}
"#;
    tf.write_main(&config(cli));
    tf.run_ok(&["import", "agent37_template.cli", "cli-imported"]);
    assert_eq!(
        tf.state_values("agent37_template.cli")["ports"],
        json!([{"port": 9000, "default": true}])
    );
    tf.assert_no_changes();

    // Import blocks by id, and (Terraform >= 1.12) by identity, at the same time.
    let by_identity = r#"
import {
  to       = agent37_template.ident
  identity = { name = "by-identity" }
}

resource "agent37_template" "ident" {
  name      = "by-identity"
  image_ref = "acme/agent:v1"
}
"#;
    let identity = version == TfVersion::V1_15;
    let imports: &[&str] = if identity {
        &["agent37_template.block", "agent37_template.ident"]
    } else {
        &["agent37_template.block"]
    };
    let extra = if identity { by_identity } else { "" };
    tf.write_main(&config(&format!("{cli}\n{block}\n{extra}")));
    let plan = tf.plan_json();
    assert!(plan.actions().is_empty(), "{:?}", plan.actions());
    for address in imports {
        assert!(
            plan.change(address)["importing"].is_object(),
            "{address}: {:#}",
            plan.change(address)
        );
    }
    tf.apply();
    assert_eq!(
        tf.state_values("agent37_template.block")["image_ref"],
        "acme/agent:v1"
    );
    if identity {
        let state = tf.show_state_json();
        let ident = state["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == "agent37_template.ident"))
            .map(|r| r["identity"].clone());
        assert_eq!(ident, Some(json!({"name": "by-identity"})));
    }
    tf.assert_no_changes();

    // A system template cannot be imported: the message points to the data source.
    tf.write_main(&config(
        r#"
resource "agent37_template" "sys" {
  name      = "agent37-hermes"
  image_ref = "ghcr.io/agent37-platform/hermes:2026.06.20"
}
"#,
    ));
    let out = tf.run(&["import", "agent37_template.sys", "agent37-hermes"]);
    assert!(!out.success(), "{out}");
    assert!(
        out.stderr.contains("System templates cannot be managed")
            && out.stderr.contains("agent37_template` data source"),
        "{out}"
    );

    // Creating onto an existing name fails with the API's conflict, and nothing is stored.
    let tf2 = Terraform::with_emulator(version, &emu);
    tf2.write_main(&template(
        r#"
  name      = "taken"
  image_ref = "acme/agent:v9"
"#,
    ));
    let out = tf2.apply_with(&[]);
    assert!(!out.success(), "{out}");
    let text = out.stderr.replace("│ ", "").replace('\n', " ");
    assert!(text.contains("Unable to create template"), "{out}");
    assert!(
        text.contains(
            "HTTP 409, code template_conflict: a template named \"taken\" already exists"
        ),
        "{out}"
    );
    assert_eq!(server_template(&emu, "taken")["image_ref"], "acme/other:v1");
    assert!(
        tf2.show_state_json()["values"]["root_module"]["resources"].is_null(),
        "a failed create left state"
    );
}

#[test]
fn import_and_conflict_1_15() {
    import_and_conflict(TfVersion::V1_15);
}

#[test]
fn import_and_conflict_1_11() {
    import_and_conflict(TfVersion::V1_11);
}

// ---------------------------------------------------------------------------------------------
// Validation at `terraform validate`, on the exact attribute
// ---------------------------------------------------------------------------------------------

/// (summary, attribute name as written, line, a piece of the detail) of every rule.
const INVALID: &str = r#"
resource "agent37_template" "pattern" {
  name      = "Bad_Name"
  image_ref = "acme/agent:v1"
}

resource "agent37_template" "system" {
  name      = "agent37-hermes"
  image_ref = "acme/agent:v1"
}

resource "agent37_template" "bare" {
  name      = "bare"
  image_ref = "nginx:latest"
}

resource "agent37_template" "upper" {
  name      = "upper"
  image_ref = "ghcr.io/Acme/agent:v1"
}

resource "agent37_template" "tag" {
  name      = "tag"
  image_ref = "acme/agent:-v1"
}

resource "agent37_template" "ports" {
  name      = "ports"
  image_ref = "acme/agent:v1"
  ports = [
    { port = 0 },
    { port = 8000, default = true },
    { port = 8000 },
    { port = 8080 },
    { port = 9001, default = true },
    { port = 70000 },
  ]
}

resource "agent37_template" "many" {
  name      = "many"
  image_ref = "acme/agent:v1"
  ports     = [for p in range(10001, 10022) : { port = p }]
}

resource "agent37_template" "unknown" {
  name      = terraform_data.later.output
  image_ref = terraform_data.later.output
  ports     = [{ port = length(terraform_data.later.output) }]
}

resource "terraform_data" "later" {
  input = "x"
}

data "agent37_templates" "bad_scope" {
  scope = "global"
}
"#;

fn validation(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(&config(INVALID));
    let v = tf.validate_json();
    assert!(!v.valid, "{:#}", v.json);
    let line_of = |needle: &str| -> u64 {
        let text = tf.workdir().read("main.tf");
        text.lines()
            .position(|l| l.contains(needle))
            .map(|i| i as u64 + 1)
            .unwrap_or_else(|| panic!("{needle} not in the config"))
    };
    let found: Vec<(String, Option<String>, Option<u64>, String)> = v
        .errors()
        .iter()
        .map(|d| (d.summary.clone(), d.attribute(), d.line(), d.detail.clone()))
        .collect();
    let expect = [
        (
            "Invalid template name",
            "name",
            "\"Bad_Name\"",
            "^[a-z][a-z0-9-]{1,62}$",
        ),
        (
            "System templates cannot be managed",
            "name",
            "\"agent37-hermes\"",
            "`agent37_template` data source",
        ),
        (
            "Invalid image reference",
            "image_ref",
            "\"nginx:latest\"",
            "a bare image such as `nginx:latest` is not allowed",
        ),
        (
            "Invalid image reference",
            "image_ref",
            "\"ghcr.io/Acme/agent:v1\"",
            "the path component \"Acme\" must be lowercase",
        ),
        (
            "Invalid image reference",
            "image_ref",
            "\"acme/agent:-v1\"",
            "the tag \"-v1\" must match",
        ),
        (
            "Invalid number",
            "port",
            "{ port = 0 }",
            "ports[0].port is 0; it must be a whole number from 1 to 65535.",
        ),
        (
            "Duplicate port",
            "port",
            "{ port = 8000 },",
            "ports[2].port is 8000, which ports[1] already declares",
        ),
        (
            "Reserved port",
            "port",
            "{ port = 8080 }",
            "ports[3].port is 8080, which the platform reserves",
        ),
        (
            "More than one default port",
            "default",
            "{ port = 9001, default = true }",
            "ports[4].default is true, but ports[1] is already the default",
        ),
        (
            "Invalid number",
            "port",
            "{ port = 70000 }",
            "ports[5].port is 70000",
        ),
        (
            "Too many ports",
            "ports",
            "range(10001, 10022)",
            "ports has 21 entries; a template may declare at most 20 ports.",
        ),
        (
            "Invalid value",
            "scope",
            "\"global\"",
            "allowed values: `system`, `workspace`",
        ),
    ];
    for (summary, attr, line_needle, detail) in expect {
        // The provider sends the exact path (`ports[2].port`, named in the detail too); Terraform
        // 1.15 underlines that element, 1.11 cannot follow a path into a nested attribute's
        // elements and points at the resource block instead.
        let nested = detail.starts_with("ports[");
        let (attr, line) = if nested && version == TfVersion::V1_11 {
            (None, line_of("resource \"agent37_template\" \"ports\""))
        } else {
            (Some(attr.to_string()), line_of(line_needle))
        };
        assert!(
            found.iter().any(|(s, a, l, d)| s == summary
                && *a == attr
                && *l == Some(line)
                && d.contains(detail)),
            "no {summary:?} on {attr:?} at line {line} with {detail:?}; found:\n{found:#?}"
        );
    }
    // Nothing else: every rule above once, and unknown values are not refused.
    assert_eq!(found.len(), expect.len(), "{found:#?}");
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
    emu.api_ok(
        "POST",
        "/templates",
        Some(&json!({
            "name": "mine", "image_ref": "ghcr.io/acme/agent:v3", "description": "my agent",
            "ports": [{"port": 8000, "default": true}, {"port": 8001}]
        })),
    );
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(&config(
        r#"
data "agent37_templates" "all" {}

data "agent37_templates" "system" {
  scope = "system"
}

data "agent37_templates" "workspace" {
  scope = "workspace"
}

data "agent37_template" "hermes" {
  name = "agent37-hermes"
}

data "agent37_template" "mine" {
  name = "mine"
}

output "all" { value = data.agent37_templates.all.names }
output "system" { value = data.agent37_templates.system.names }
output "workspace" { value = data.agent37_templates.workspace.templates }
output "hermes" { value = data.agent37_template.hermes }
output "mine" { value = data.agent37_template.mine }
"#,
    ));
    tf.apply();
    let out = tf.output_json();
    let system = ["agent37-hermes", "agent37-hermes-small", "agent37-openclaw"];
    assert_eq!(out["system"]["value"], json!(system));
    assert_eq!(
        out["all"]["value"],
        json!([
            "agent37-hermes",
            "agent37-hermes-small",
            "agent37-openclaw",
            "mine"
        ])
    );

    let api_mine = server_template(&emu, "mine");
    let mine = &out["workspace"]["value"];
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine:#}");
    for field in [
        "name",
        "scope",
        "agents",
        "image_ref",
        "description",
        "ports",
        "created",
        "updated",
    ] {
        assert_eq!(mine[0][field], api_mine[field], "templates[0].{field}");
        assert_eq!(out["mine"]["value"][field], api_mine[field], "mine.{field}");
    }

    let api_hermes = server_template(&emu, "agent37-hermes");
    let hermes = &out["hermes"]["value"];
    assert_eq!(hermes["scope"], "system");
    assert_eq!(hermes["agents"], json!(["hermes"]));
    assert_eq!(hermes["image_ref"], api_hermes["image_ref"]);
    assert_eq!(hermes["description"], api_hermes["description"]);
    assert_eq!(
        hermes["ports"],
        json!([
            {"port": 3737, "default": true},
            {"port": 9119, "default": false},
            {"port": 7681, "default": false},
            {"port": 8080, "default": false}
        ])
    );
    assert!(
        hermes["created"].is_null() && hermes["updated"].is_null(),
        "{hermes:#}"
    );

    // A missing name is an error on `name` carrying the API's answer.
    tf.write_main(&config(
        r#"
data "agent37_template" "missing" {
  name = "no-such-template"
}
"#,
    ));
    let out = tf.run(&["plan"]);
    assert!(!out.success(), "{out}");
    let text = out.stderr.replace("│ ", "").replace('\n', " ");
    assert!(
        text.contains("Unable to read template \"no-such-template\"")
            && text.contains("HTTP 404, code not_found"),
        "{out}"
    );
}

#[test]
fn data_sources_1_15() {
    data_sources(TfVersion::V1_15);
}

#[test]
fn data_sources_1_11() {
    data_sources(TfVersion::V1_11);
}

// ---------------------------------------------------------------------------------------------
// The registry examples themselves
// ---------------------------------------------------------------------------------------------

fn example(path: &str) -> String {
    let file = support::workspace_root().join("examples").join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// The `terraform …` command of an `import.sh`, as arguments.
fn import_sh_args(script: &str) -> Vec<String> {
    script
        .lines()
        .find_map(|l| l.trim().strip_prefix("terraform "))
        .map(|cmd| cmd.split_whitespace().map(str::to_string).collect())
        .unwrap_or_else(|| panic!("no terraform command in:\n{script}"))
}

fn examples(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let resource = example("resources/agent37_template/resource.tf");

    // The resource example applies, then plans quietly; the data sources then see it.
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(HEADER);
    tf.write_file("resource.tf", &resource);
    tf.apply();
    let t = server_template(&emu, "support-agent");
    assert_eq!(t["ports"].as_array().map(Vec::len), Some(2), "{t}");
    tf.assert_no_changes();
    tf.write_file(
        "template.tf",
        &example("data-sources/agent37_template/data-source.tf"),
    );
    tf.write_file(
        "templates.tf",
        &example("data-sources/agent37_templates/data-source.tf"),
    );
    tf.apply();
    let out = tf.output_json();
    assert_eq!(
        out["template_names"]["value"],
        json!([
            "agent37-hermes",
            "agent37-hermes-small",
            "agent37-openclaw",
            "support-agent"
        ])
    );
    assert_eq!(
        out["my_template_images"]["value"],
        json!({"support-agent": t["image_ref"]})
    );
    assert_eq!(out["hermes_default_port"]["value"], 3737);
    assert_eq!(
        out["hermes_image"]["value"],
        server_template(&emu, "agent37-hermes")["image_ref"]
    );
    tf.assert_no_changes();

    // import.sh, in a fresh directory holding the resource example: then nothing to change.
    let cli = Terraform::with_emulator(version, &emu);
    cli.write_main(HEADER);
    cli.write_file("resource.tf", &resource);
    let args = import_sh_args(&example("resources/agent37_template/import.sh"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    cli.run_ok(&args);
    cli.assert_no_changes();

    // The import block: an import with nothing else to do.
    let block = Terraform::with_emulator(version, &emu);
    block.write_main(HEADER);
    block.write_file("resource.tf", &resource);
    block.write_file(
        "import.tf",
        &example("resources/agent37_template/import-by-string-id.tf"),
    );
    let plan = block.plan_json();
    assert!(plan.actions().is_empty(), "{:?}", plan.actions());
    assert!(plan.change("agent37_template.support")["importing"].is_object());
}

#[test]
fn examples_1_15() {
    examples(TfVersion::V1_15);
}

#[test]
fn examples_1_11() {
    examples(TfVersion::V1_11);
}
