//! `agent37_template` and the template data sources: create, every in-place change, drift,
//! out-of-band delete, rename, import (CLI, block, identity), create conflict, validation on the
//! exact attribute, the data sources and the Registry examples.

use testkit::prelude::*;

use crate::common::{actions, example};

/// One template resource `agent37_template.t` with the given attribute lines.
fn template(lines: &str) -> String {
    config(&format!(
        "resource \"agent37_template\" \"t\" {{\n{lines}\n}}\n"
    ))
}

#[track_caller]
fn assert_gone(emu: &Emulator, name: &str) {
    let r = emu.api("GET", &format!("/templates/{name}"), None);
    assert_eq!(r.status, 404, "{name} still exists: {}", r.text());
}

// ---------------------------------------------------------------------------------------------
// Create, no-op, in-place updates, drift, out-of-band delete, rename, destroy
// ---------------------------------------------------------------------------------------------

fn lifecycle(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| assert_eq!(emu.workspace_templates(), Vec::<String>::new()));
    const T: &str = "agent37_template.t";

    // Create.
    let plan = case.plan(template(
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
    assert_eq!(plan.actions(), actions(&[(T, &["create"])]));
    // Known at plan time from the contract.
    assert_eq!(plan.change(T)["after"]["scope"], "workspace");
    case.reapply();
    let t = emu.template("support-agent");
    assert_eq!(t["image_ref"], "ghcr.io/acme/agent:v1");
    assert_eq!(t["description"], "first");
    assert_eq!(
        t["ports"],
        json!([{"port": 8000, "default": true}, {"port": 8001, "default": false}])
    );
    let state = case.tf().state_values(T);
    assert_eq!(state["scope"], "workspace");
    assert_eq!(state["agents"], json!([]));
    assert_eq!(state["created"], t["created"]);
    assert_eq!(state["updated"], t["updated"]);

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
    let mut hcl = case.tf().workdir().read("main.tf");
    for (attr, from, to) in steps {
        hcl = hcl.replace(from, to);
        let plan = case.plan(hcl.clone());
        assert_eq!(plan.actions(), actions(&[(T, &["update"])]), "{attr}");
        // Only `updated` may move; the other computed values stay known.
        assert_eq!(plan.change(T)["after_unknown"]["updated"], true, "{attr}");
        assert_eq!(plan.change(T)["after"]["created"], t["created"], "{attr}");
        case.reapply();
    }
    let t = emu.template("support-agent");
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

    // Imported again (CLI, block, identity), the template comes back as it is in state.
    case.verify_import(T, "support-agent", &[]);

    // Empty forms: `""` and `[]` clear the values and stay as written in state.
    let plan = case.plan(template(
        r#"
  name        = "support-agent"
  image_ref   = "ghcr.io/acme/agent:v2"
  description = ""
  ports       = []
"#,
    ));
    assert_eq!(plan.actions(), actions(&[(T, &["update"])]));
    case.reapply();
    assert_eq!(emu.template("support-agent")["ports"], json!([]));
    let state = case.tf().state_values(T);
    assert_eq!(
        (&state["description"], &state["ports"]),
        (&json!(""), &json!([]))
    );

    // Removing the optional attributes clears them on the server (`ports` as `[]`); the state
    // keeps them null, so the next plan is quiet.
    let plan = case.plan(template(
        r#"
  name      = "support-agent"
  image_ref = "ghcr.io/acme/agent:v2"
"#,
    ));
    assert_eq!(plan.actions(), actions(&[(T, &["update"])]));
    case.reapply();
    let t = emu.template("support-agent");
    assert_eq!(t["ports"], json!([]));
    assert!(t["description"].is_null(), "{t}");
    let state = case.tf().state_values(T);
    assert!(
        state["description"].is_null() && state["ports"].is_null(),
        "{state:#}"
    );

    // Drift made through the API shows in the plan, and apply corrects it.
    emu.api_ok(
        "PATCH",
        "/templates/support-agent",
        Some(&json!({"image_ref": "ghcr.io/acme/agent:drifted"})),
    );
    let plan = case.replan();
    assert_eq!(plan.actions(), actions(&[(T, &["update"])]));
    assert_eq!(
        plan.change(T)["before"]["image_ref"],
        "ghcr.io/acme/agent:drifted"
    );
    case.reapply();
    assert_eq!(
        emu.template("support-agent")["image_ref"],
        "ghcr.io/acme/agent:v2"
    );

    // Deleted out of band: the plan re-creates it.
    emu.api_ok("DELETE", "/templates/support-agent", None);
    assert_eq!(case.replan().actions(), actions(&[(T, &["create"])]));
    case.reapply();
    assert_eq!(
        emu.template("support-agent")["image_ref"],
        "ghcr.io/acme/agent:v2"
    );

    // A new name replaces the template; the old name is gone.
    let plan = case.plan(template(
        r#"
  name      = "support-agent-2"
  image_ref = "ghcr.io/acme/agent:v2"
"#,
    ));
    assert_eq!(plan.actions(), actions(&[(T, &["delete", "create"])]));
    assert_eq!(plan.change(T)["replace_paths"], json!([["name"]]));
    case.reapply();
    assert_gone(&emu, "support-agent");
    assert_eq!(
        emu.template("support-agent-2")["image_ref"],
        "ghcr.io/acme/agent:v2"
    );

    // Only the timeouts change: an update that sends nothing (the template is only re-read).
    let plan = case.plan(template(
        r#"
  name      = "support-agent-2"
  image_ref = "ghcr.io/acme/agent:v2"
  timeouts {
    update = "5m"
  }
"#,
    ));
    assert_eq!(plan.actions(), actions(&[(T, &["update"])]));
    let patches =
        |emu: &Emulator| emu.requests()["counters"]["PATCH /v1/templates/{name}"].as_u64();
    let before = patches(&emu);
    case.reapply();
    assert_eq!(patches(&emu), before);

    // Destroy leaves no workspace template (check-destroy).
    case.destroy();
}

matrix!(lifecycle);

// ---------------------------------------------------------------------------------------------
// Import (CLI, `import` block by id and by identity), create conflict
// ---------------------------------------------------------------------------------------------

fn import_and_conflict(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
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
    case.step(Step::import("agent37_template.cli", "cli-imported").config(config(cli)));
    assert_eq!(
        case.tf().state_values("agent37_template.cli")["ports"],
        json!([{"port": 9000, "default": true}])
    );

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
    let identity = m.tf.has_identity_import();
    let imports: &[&str] = if identity {
        &["agent37_template.block", "agent37_template.ident"]
    } else {
        &["agent37_template.block"]
    };
    let extra = if identity { by_identity } else { "" };
    let plan = case.plan(config(&format!("{cli}\n{block}\n{extra}")));
    assert!(plan.actions().is_empty(), "{:?}", plan.actions());
    for address in imports {
        assert!(
            plan.change(address)["importing"].is_object(),
            "{address}: {:#}",
            plan.change(address)
        );
    }
    case.reapply();
    assert_eq!(
        case.tf().state_values("agent37_template.block")["image_ref"],
        "acme/agent:v1"
    );
    if identity {
        assert_eq!(
            case.tf().state_identity("agent37_template.ident"),
            json!({"name": "by-identity"})
        );
    }

    // A system template cannot be imported: the message points to the data source.
    let out = case
        .step(
            Step::import("agent37_template.sys", "agent37-hermes")
                .config(config(
                    r#"
resource "agent37_template" "sys" {
  name      = "agent37-hermes"
  image_ref = "ghcr.io/agent37-platform/hermes:2026.06.20"
}
"#,
                ))
                .expect_failure(),
        )
        .output;
    assert!(
        out.stderr.contains("System templates cannot be managed")
            && out.stderr.contains("agent37_template` data source"),
        "{out}"
    );

    // Creating onto an existing name fails with the API's conflict, and nothing is stored.
    let mut case2 = m.case(&emu);
    case2.step(
        Step::apply(template(
            r#"
  name      = "taken"
  image_ref = "acme/agent:v9"
"#,
        ))
        .expect_error(Diag::error("Unable to create template").detail_contains(
            "HTTP 409, code template_conflict: a template named \"taken\" already exists",
        )),
    );
    assert_eq!(emu.template("taken")["image_ref"], "acme/other:v1");
    assert!(
        case2.tf().state_resources().is_empty(),
        "a failed create left state"
    );
}

matrix!(import_and_conflict);

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

fn validation(m: Matrix) {
    let emu = m.emulator(&[]);
    let tf = Terraform::with_emulator(m.tf, &emu);
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
        let (attr, line) = if nested && m.tf == TfVersion::V1_11 {
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

matrix!(validation);

// ---------------------------------------------------------------------------------------------
// Data sources
// ---------------------------------------------------------------------------------------------

fn data_sources(m: Matrix) {
    let emu = m.emulator(&[]);
    let v2 = m.api == ApiRevision::R2026_08_21;
    // A template's ports: `ports` on 2026-06-25, the one `default_port` on 2026-08-21.
    let mut mine = json!({
        "name": "mine", "image_ref": "ghcr.io/acme/agent:v3", "description": "my agent"
    });
    if v2 {
        mine["default_port"] = json!(8000);
    } else {
        mine["ports"] = json!([{"port": 8000, "default": true}, {"port": 8001}]);
    }
    emu.api_ok("POST", "/templates", Some(&mine));
    let mut case = m.case(&emu);
    case.apply(config(
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
    let out = case.tf().output_json();
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

    let api_mine = emu.template("mine");
    let mine = &out["workspace"]["value"];
    assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine:#}");
    for field in [
        "name",
        "scope",
        "agents",
        "image_ref",
        "description",
        "created",
        "updated",
    ] {
        assert_eq!(mine[0][field], api_mine[field], "templates[0].{field}");
        assert_eq!(out["mine"]["value"][field], api_mine[field], "mine.{field}");
    }
    // `ports` as the API lists them (none on 2026-08-21); `default_port` 8000 either way.
    let ports = if v2 {
        json!([])
    } else {
        api_mine["ports"].clone()
    };
    for got in [&mine[0], &out["mine"]["value"]] {
        assert_eq!(
            (&got["ports"], &got["default_port"]),
            (&ports, &json!(8000))
        );
    }

    let api_hermes = emu.template("agent37-hermes");
    let hermes = &out["hermes"]["value"];
    assert_eq!(hermes["scope"], "system");
    assert_eq!(hermes["agents"], json!(["hermes"]));
    assert_eq!(hermes["image_ref"], api_hermes["image_ref"]);
    assert_eq!(hermes["description"], api_hermes["description"]);
    let hermes_ports = if v2 {
        json!([])
    } else {
        json!([
            {"port": 3737, "default": true},
            {"port": 9119, "default": false},
            {"port": 7681, "default": false},
            {"port": 8080, "default": false}
        ])
    };
    assert_eq!(hermes["ports"], hermes_ports);
    assert_eq!(hermes["default_port"], 3737);
    assert!(
        hermes["created"].is_null() && hermes["updated"].is_null(),
        "{hermes:#}"
    );

    // A missing name is an error on `name` carrying the API's answer.
    case.step(
        Step::plan(config(
            r#"
data "agent37_template" "missing" {
  name = "no-such-template"
}
"#,
        ))
        .expect_error(
            Diag::error("Unable to read template \"no-such-template\"")
                .detail_contains("HTTP 404, code not_found")
                .attribute("name"),
        ),
    );
}

matrix!(data_sources: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);

// ---------------------------------------------------------------------------------------------
// The registry examples themselves
// ---------------------------------------------------------------------------------------------

/// The `terraform …` command of an `import.sh`, as arguments.
#[track_caller]
fn import_sh_args(script: &str) -> Vec<String> {
    script
        .lines()
        .find_map(|l| l.trim().strip_prefix("terraform "))
        .map(|cmd| cmd.split_whitespace().map(str::to_string).collect())
        .unwrap_or_else(|| panic!("no terraform command in:\n{script}"))
}

fn examples(m: Matrix) {
    let emu = m.emulator(&[]);
    let resource = example("resources/agent37_template/resource.tf");
    let header = config("");

    // The resource example applies, then plans quietly; the data sources then see it.
    let mut case = m.case(&emu);
    case.step(Step::apply(header.clone()).file("resource.tf", resource.clone()));
    let t = emu.template("support-agent");
    assert_eq!(t["ports"].as_array().map(Vec::len), Some(2), "{t}");
    case.step(
        Step::reapply()
            .file(
                "template.tf",
                example("data-sources/agent37_template/data-source.tf"),
            )
            .file(
                "templates.tf",
                example("data-sources/agent37_templates/data-source.tf"),
            ),
    );
    let out = case.tf().output_json();
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
        emu.template("agent37-hermes")["image_ref"]
    );

    // import.sh, in a fresh directory holding the resource example: then nothing to change.
    let mut cli = m.case(&emu);
    cli.tf().write_main(&header);
    cli.tf().write_file("resource.tf", &resource);
    let args = import_sh_args(&example("resources/agent37_template/import.sh"));
    let (address, id) = match args.as_slice() {
        [import, address, id] if import == "import" => (address, id),
        _ => panic!("import.sh is not `terraform import ADDRESS ID`: {args:?}"),
    };
    cli.import(address, id);

    // The import block: an import with nothing else to do.
    let mut block = m.case(&emu);
    let plan = block
        .step(
            Step::plan(header.clone())
                .file("resource.tf", resource.clone())
                .file(
                    "import.tf",
                    example("resources/agent37_template/import-by-string-id.tf"),
                ),
        )
        .plan()
        .clone();
    assert!(plan.actions().is_empty(), "{:?}", plan.actions());
    assert!(plan.change("agent37_template.support")["importing"].is_object());
}

matrix!(examples);
