//! The SDK layer through real Terraform (1.15 and 1.11), using the test-only `sdktest`
//! provider (`testprovider/`): unknown values in configuration, nested attributes, sensitive
//! values, requires-replace, in-place update, private state, import, refresh, errors on an
//! attribute path, and destroy.

mod support;

use serde_json::Value;
use support::{Terraform, TfVersion};

fn config(dir: &str, body: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    sdktest = {{ source = "test/sdktest" }}
  }}
}}

provider "sdktest" {{
  dir = "{dir}"
}}

{body}
"#
    )
}

fn store(tf: &Terraform) -> serde_json::Map<String, Value> {
    let path = tf.dir().join("store").join("things.json");
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).expect("store is JSON"),
        Err(_) => serde_json::Map::new(),
    }
}

fn write_store(tf: &Terraform, m: &serde_json::Map<String, Value>) {
    let path = tf.dir().join("store").join("things.json");
    std::fs::write(path, serde_json::to_vec(m).expect("json")).expect("write store");
}

const BASE: &str = r#"
resource "terraform_data" "later" {
  input = "from-another-resource"
}

resource "sdktest_thing" "a" {
  name   = "alpha"
  secret = "hunter2"
  tags   = { team = "blue" }
  items  = [{ key = "k1" }, { key = "k2", weight = 5 }]
}

resource "sdktest_thing" "b" {
  # Unknown at plan time: the SDK must plan it without validating or rejecting it.
  name = terraform_data.later.output
  size = 4
}

output "a_writes" {
  value = sdktest_thing.a.writes
}
"#;

fn lifecycle(version: TfVersion) {
    let tf = Terraform::new(version);
    std::fs::create_dir_all(tf.dir().join("store")).expect("store dir");
    let dir = tf.dir().join("store").to_string_lossy().into_owned();
    tf.write_main(&config(&dir, BASE));

    // Plan: creates, with the unknown name and computed values unknown, defaults filled in.
    let plan = tf.plan_json();
    assert_eq!(plan.actions_of("sdktest_thing.a"), ["create"]);
    let a = plan.change("sdktest_thing.a");
    assert_eq!(a["after"]["kind"], "plain", "default filled by the plan");
    assert_eq!(a["after"]["items"][0]["weight"], 1, "nested default");
    assert_eq!(a["after_unknown"]["id"], true);
    assert_eq!(
        plan.change("sdktest_thing.b")["after_unknown"]["name"],
        true
    );

    tf.apply();
    let a = tf.state_values("sdktest_thing.a");
    assert_eq!(a["items"][1]["weight"], 5);
    assert_eq!(a["size"], 3, "optional + computed filled by the provider");
    assert_eq!(a["writes"], 1);
    let b = tf.state_values("sdktest_thing.b");
    assert_eq!(b["name"], "from-another-resource");
    let state = tf.show_state_json();
    let sensitive = state["values"]["root_module"]["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == "sdktest_thing.a"))
        .map(|r| r["sensitive_values"]["secret"].clone());
    assert_eq!(
        sensitive,
        Some(Value::Bool(true)),
        "secret is marked sensitive"
    );
    assert_eq!(store(&tf).len(), 2);

    tf.assert_no_changes();

    // In place: a name change is an update; the private state counts writes across applies.
    tf.write_main(&config(&dir, &BASE.replace("\"alpha\"", "\"alpha2\"")));
    let plan = tf.plan_json();
    assert_eq!(plan.actions_of("sdktest_thing.a"), ["update"]);
    assert_eq!(
        plan.change("sdktest_thing.a")["after_unknown"]["writes"],
        true,
        "volatile computed value is unknown when an update is planned"
    );
    assert_eq!(
        plan.change("sdktest_thing.a")["after"]["id"],
        tf.state_values("sdktest_thing.a")["id"]
    );
    tf.apply();
    assert_eq!(tf.state_values("sdktest_thing.a")["writes"], 2);
    assert_eq!(tf.output_json()["a_writes"]["value"], 2);
    tf.assert_no_changes();

    // Replace: `kind` requires replacement; shrinking `size` is replaced by the plan hook.
    let replaced = BASE
        .replace("\"alpha\"", "\"alpha2\"")
        .replace(
            "tags   = { team = \"blue\" }",
            "tags   = { team = \"blue\" }\n  kind = \"fancy\"",
        )
        .replace("size = 4", "size = 2");
    tf.write_main(&config(&dir, &replaced));
    let plan = tf.plan_json();
    assert_eq!(plan.actions_of("sdktest_thing.a"), ["delete", "create"]);
    assert_eq!(
        plan.change("sdktest_thing.a")["replace_paths"],
        serde_json::json!([["kind"]])
    );
    assert_eq!(plan.actions_of("sdktest_thing.b"), ["delete", "create"]);
    assert_eq!(
        plan.change("sdktest_thing.b")["replace_paths"],
        serde_json::json!([["size"]])
    );
    tf.apply();
    assert_eq!(tf.state_values("sdktest_thing.a")["kind"], "fancy");
    assert_eq!(store(&tf).len(), 2, "replacement deletes the old objects");
    tf.assert_no_changes();

    // Refresh: drift made outside Terraform shows in the plan and apply corrects it.
    let id = tf.state_values("sdktest_thing.a")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut m = store(&tf);
    if let Some(obj) = m.get_mut(&id).and_then(Value::as_object_mut) {
        obj.insert("name".into(), Value::String("changed-outside".into()));
    }
    write_store(&tf, &m);
    assert_eq!(
        tf.planned_actions()
            .get("sdktest_thing.a")
            .map(Vec::as_slice),
        Some(&["update".to_string()][..])
    );
    tf.apply();
    assert_eq!(store(&tf)[&id]["name"], "alpha2");

    // Import: an object made outside Terraform is adopted by id, with its private state.
    let mut m = store(&tf);
    m.insert(
        "imported1".into(),
        serde_json::json!({"name": "outside", "kind": "plain", "size": 7, "writes": 5, "created": "2026-02-02"}),
    );
    write_store(&tf, &m);
    let with_c = format!(
        "{replaced}\nresource \"sdktest_thing\" \"c\" {{\n  name = \"outside\"\n  size = 7\n}}\n"
    );
    tf.write_main(&config(&dir, &with_c));
    tf.run_ok(&["import", "sdktest_thing.c", "imported1"]);
    assert_eq!(tf.state_values("sdktest_thing.c")["size"], 7);
    tf.assert_no_changes();

    // Import by identity (Terraform >= 1.12): an `import` block with `identity = {…}`.
    if version == TfVersion::V1_15 {
        let mut m = store(&tf);
        m.insert(
            "byidentity".into(),
            serde_json::json!({"name": "ident", "kind": "plain", "size": 9, "writes": 1, "created": "2026-03-03"}),
        );
        write_store(&tf, &m);
        let with_d = format!(
            "{with_c}\nresource \"sdktest_thing\" \"d\" {{\n  name = \"ident\"\n  size = 9\n}}\n\nimport {{\n  to       = sdktest_thing.d\n  identity = {{ id = \"byidentity\" }}\n}}\n"
        );
        tf.write_main(&config(&dir, &with_d));
        let plan = tf.plan_json();
        assert_eq!(plan.actions_of("sdktest_thing.d"), ["no-op"], "import only");
        tf.apply();
        assert_eq!(tf.state_values("sdktest_thing.d")["size"], 9);
        let state = tf.show_state_json();
        let identity = state["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == "sdktest_thing.d"))
            .map(|r| r["identity"].clone());
        assert_eq!(identity, Some(serde_json::json!({"id": "byidentity"})));
        tf.write_main(&config(&dir, &with_c));
        tf.run_ok(&["state", "rm", "sdktest_thing.d"]);
        let mut m = store(&tf);
        m.remove("byidentity");
        write_store(&tf, &m);
    }

    // Out-of-band delete: the read removes it from state, the plan re-creates it.
    let mut m = store(&tf);
    m.remove("imported1");
    write_store(&tf, &m);
    assert_eq!(
        tf.planned_actions()
            .get("sdktest_thing.c")
            .map(Vec::as_slice),
        Some(&["create".to_string()][..])
    );

    // Destroy leaves nothing.
    tf.destroy();
    assert!(store(&tf).is_empty(), "destroy left {:?}", store(&tf));
}

fn diagnostics(version: TfVersion) {
    let tf = Terraform::new(version);
    let dir = tf.dir().join("store").to_string_lossy().into_owned();
    std::fs::create_dir_all(&dir).expect("store dir");
    tf.write_main(&config(
        &dir,
        r#"
resource "sdktest_thing" "v" {
  name = "a-bad-name"
  size = 0
  items = [{ key = "k", weight = 1 }]
}
"#,
    ));
    let v = tf.validate_json();
    let errors = v.errors();
    assert_eq!(errors.len(), 2, "{v:?}");
    let by_attr = |a: &str| {
        errors
            .iter()
            .find(|d| d.attribute().as_deref() == Some(a))
            .unwrap_or_else(|| panic!("no error on {a}: {v:?}"))
    };
    assert_eq!(by_attr("name").detail, "name: must not contain \"bad\"");
    assert_eq!(
        by_attr("size").detail,
        "size is 0; it must be a whole number from 1 to 100."
    );

    // An error at apply time on an attribute path, and nothing is stored.
    tf.write_main(&config(
        &dir,
        "resource \"sdktest_thing\" \"f\" {\n  name = \"fail-apply\"\n}\n",
    ));
    let out = tf.apply_with(&[]);
    assert!(!out.success());
    assert!(out.stderr.contains("Create refused"), "{out}");
    assert!(
        out.stderr
            .contains("the name fail-apply is refused at apply time"),
        "{out}"
    );
    assert!(store(&tf).is_empty());
}

#[test]
fn sdk_lifecycle_terraform_1_15() {
    lifecycle(TfVersion::V1_15);
}

#[test]
fn sdk_lifecycle_terraform_1_11() {
    lifecycle(TfVersion::V1_11);
}

#[test]
fn sdk_diagnostics_terraform_1_15() {
    diagnostics(TfVersion::V1_15);
}

#[test]
fn sdk_diagnostics_terraform_1_11() {
    diagnostics(TfVersion::V1_11);
}

/// Actions and list resources (Terraform >= 1.14): progress events, failure, `terraform query`
/// with `-generate-config-out`, and the generated config imports with no changes.
#[test]
fn sdk_actions_and_query_terraform_1_15() {
    let tf = Terraform::new(TfVersion::V1_15);
    let dir = tf.dir().join("store").to_string_lossy().into_owned();
    std::fs::create_dir_all(&dir).expect("store dir");
    let resources = r#"
resource "sdktest_thing" "a" {
  name = "alpha"
}

resource "sdktest_thing" "b" {
  name = "beta"
  size = 5
}

action "sdktest_touch" "ok" {
  config {
    message = "hello"
  }
}

action "sdktest_touch" "bad" {
  config {
    message = "boom"
    fail    = true
  }
}
"#;
    tf.write_main(&config(&dir, resources));
    tf.apply();

    let out = tf.run_ok(&["apply", "-auto-approve", "-invoke=action.sdktest_touch.ok"]);
    for step in 1..=3 {
        assert!(out.stdout.contains(&format!("step {step}: hello")), "{out}");
    }
    assert!(out.stdout.contains("Actions: 1 invoked"), "{out}");
    let out = tf.run(&["apply", "-auto-approve", "-invoke=action.sdktest_touch.bad"]);
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("Touch asked to fail"), "{out}");
    let log = std::fs::read_to_string(tf.dir().join("store").join("touched.log")).expect("log");
    assert_eq!(log, "hello\nboom\n", "each invocation ran once");
    tf.assert_no_changes();

    // Query: only the matching object, then generated config that imports with no changes.
    tf.write_file(
        "main.tfquery.hcl",
        "list \"sdktest_thing\" \"found\" {\n  provider = sdktest\n  config {\n    prefix = \"be\"\n  }\n}\n",
    );
    let out = tf.run_ok(&["query"]);
    assert!(out.stdout.contains("beta"), "{out}");
    assert!(!out.stdout.contains("alpha"), "{out}");

    // A fresh state: the object exists only on the "server"; the generated file adopts it.
    tf.run_ok(&["state", "rm", "sdktest_thing.a", "sdktest_thing.b"]);
    tf.write_main(&config(&dir, ""));
    tf.run_ok(&["query", "-generate-config-out=generated.tf"]);
    let generated = tf.workdir().read("generated.tf");
    assert!(generated.contains("identity"), "{generated}");
    assert!(generated.contains("name     = \"beta\""), "{generated}");
    let plan = tf.plan_json();
    assert!(
        plan.actions().is_empty(),
        "import only: {:?}",
        plan.actions()
    );
    let imported: Vec<String> = plan
        .resource_changes()
        .iter()
        .filter(|c| c["change"]["importing"].is_object())
        .filter_map(|c| c["address"].as_str().map(str::to_string))
        .collect();
    assert_eq!(imported.len(), 1, "{imported:?}");
    tf.apply();
    tf.assert_no_changes();
}
