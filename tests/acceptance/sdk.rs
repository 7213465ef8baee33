//! The SDK layer through real Terraform (1.15 and 1.11), using the test-only `sdktest`
//! provider (`testprovider/`): unknown values in configuration, nested attributes, sensitive
//! values, requires-replace, in-place update, private state, import, refresh, errors on an
//! attribute path, and destroy.

use serde_json::Value;
use testkit::prelude::*;

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
    read_store(&tf.dir().join("store"))
}

/// The test provider's "server": `things.json` in its store directory.
fn read_store(dir: &std::path::Path) -> serde_json::Map<String, Value> {
    match std::fs::read(dir.join("things.json")) {
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

fn lifecycle(m: Matrix) {
    let version = m.tf;
    let mut case = Case::new(m);
    let store_dir = case.tf().dir().join("store");
    std::fs::create_dir_all(&store_dir).expect("store dir");
    let dir = store_dir.to_string_lossy().into_owned();
    case.check_destroy(move || {
        let left = read_store(&store_dir);
        assert!(left.is_empty(), "destroy left {left:?}");
    });

    // Plan: creates, with the unknown name and computed values unknown, defaults filled in.
    let plan = case.plan(config(&dir, BASE));
    assert_eq!(plan.actions_of("sdktest_thing.a"), ["create"]);
    let a = plan.change("sdktest_thing.a");
    assert_eq!(a["after"]["kind"], "plain", "default filled by the plan");
    assert_eq!(a["after"]["items"][0]["weight"], 1, "nested default");
    assert_eq!(a["after_unknown"]["id"], true);
    assert_eq!(
        plan.change("sdktest_thing.b")["after_unknown"]["name"],
        true
    );

    case.reapply();
    let tf = case.tf();
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
    assert_eq!(store(tf).len(), 2);

    // In place: a name change is an update; the private state counts writes across applies.
    let plan = case.plan(config(&dir, &BASE.replace("\"alpha\"", "\"alpha2\"")));
    assert_eq!(plan.actions_of("sdktest_thing.a"), ["update"]);
    assert_eq!(
        plan.change("sdktest_thing.a")["after_unknown"]["writes"],
        true,
        "volatile computed value is unknown when an update is planned"
    );
    assert_eq!(
        plan.change("sdktest_thing.a")["after"]["id"],
        case.tf().state_values("sdktest_thing.a")["id"]
    );
    case.reapply();
    let tf = case.tf();
    assert_eq!(tf.state_values("sdktest_thing.a")["writes"], 2);
    assert_eq!(tf.output_json()["a_writes"]["value"], 2);

    // Replace: `kind` requires replacement; shrinking `size` is replaced by the plan hook.
    let replaced = BASE
        .replace("\"alpha\"", "\"alpha2\"")
        .replace(
            "tags   = { team = \"blue\" }",
            "tags   = { team = \"blue\" }\n  kind = \"fancy\"",
        )
        .replace("size = 4", "size = 2");
    let plan = case.plan(config(&dir, &replaced));
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
    case.reapply();
    let tf = case.tf();
    assert_eq!(tf.state_values("sdktest_thing.a")["kind"], "fancy");
    assert_eq!(store(tf).len(), 2, "replacement deletes the old objects");

    // Refresh: drift made outside Terraform shows in the plan and apply corrects it.
    let id = tf.state_values("sdktest_thing.a")["id"]
        .as_str()
        .expect("id")
        .to_string();
    let mut m = store(tf);
    if let Some(obj) = m.get_mut(&id).and_then(Value::as_object_mut) {
        obj.insert("name".into(), Value::String("changed-outside".into()));
    }
    write_store(tf, &m);
    assert_eq!(
        case.replan()
            .actions()
            .get("sdktest_thing.a")
            .map(Vec::as_slice),
        Some(&["update".to_string()][..])
    );
    case.reapply();
    assert_eq!(store(case.tf())[&id]["name"], "alpha2");

    // Import: an object made outside Terraform is adopted by id, with its private state.
    let mut m = store(case.tf());
    m.insert(
        "imported1".into(),
        serde_json::json!({"name": "outside", "kind": "plain", "size": 7, "writes": 5, "created": "2026-02-02"}),
    );
    write_store(case.tf(), &m);
    let with_c = format!(
        "{replaced}\nresource \"sdktest_thing\" \"c\" {{\n  name = \"outside\"\n  size = 7\n}}\n"
    );
    case.step(Step::import("sdktest_thing.c", "imported1").config(config(&dir, &with_c)));
    assert_eq!(case.tf().state_values("sdktest_thing.c")["size"], 7);

    // Import by identity (Terraform >= 1.12): an `import` block with `identity = {…}`.
    if version.has_identity_import() {
        let mut m = store(case.tf());
        m.insert(
            "byidentity".into(),
            serde_json::json!({"name": "ident", "kind": "plain", "size": 9, "writes": 1, "created": "2026-03-03"}),
        );
        write_store(case.tf(), &m);
        let with_d = format!(
            "{with_c}\nresource \"sdktest_thing\" \"d\" {{\n  name = \"ident\"\n  size = 9\n}}\n\nimport {{\n  to       = sdktest_thing.d\n  identity = {{ id = \"byidentity\" }}\n}}\n"
        );
        let plan = case.plan(config(&dir, &with_d));
        assert_eq!(plan.actions_of("sdktest_thing.d"), ["no-op"], "import only");
        case.reapply();
        let tf = case.tf();
        assert_eq!(tf.state_values("sdktest_thing.d")["size"], 9);
        assert_eq!(
            tf.state_identity("sdktest_thing.d"),
            serde_json::json!({"id": "byidentity"})
        );
        tf.write_main(&config(&dir, &with_c));
        tf.run_ok(&["state", "rm", "sdktest_thing.d"]);
        let mut m = store(tf);
        m.remove("byidentity");
        write_store(tf, &m);
    }

    // Out-of-band delete: the read removes it from state, the plan re-creates it.
    let mut m = store(case.tf());
    m.remove("imported1");
    write_store(case.tf(), &m);
    assert_eq!(
        case.replan()
            .actions()
            .get("sdktest_thing.c")
            .map(Vec::as_slice),
        Some(&["create".to_string()][..])
    );

    // Destroy leaves nothing (check-destroy reads the store).
    case.destroy();
}

fn diagnostics(m: Matrix) {
    let mut case = Case::new(m);
    let tf = case.tf();
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
    case.step(
        Step::apply(config(
            &dir,
            "resource \"sdktest_thing\" \"f\" {\n  name = \"fail-apply\"\n}\n",
        ))
        .expect_error(
            Diag::error("Create refused")
                .detail_contains("the name fail-apply is refused at apply time")
                .attribute("name"),
        ),
    );
    assert!(store(case.tf()).is_empty());
}

matrix!(lifecycle);
matrix!(diagnostics);

/// Actions and list resources (Terraform >= 1.14): progress events, failure, `terraform query`
/// with `-generate-config-out`, and the generated config imports with no changes.
fn actions_and_query(m: Matrix) {
    let mut case = Case::new(m);
    let dir = case.tf().dir().join("store").to_string_lossy().into_owned();
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
    case.apply(config(&dir, resources));

    let out = case.step(Step::invoke("sdktest_touch.ok")).output;
    for step in 1..=3 {
        assert!(out.stdout.contains(&format!("step {step}: hello")), "{out}");
    }
    assert!(out.stdout.contains("Actions: 1 invoked"), "{out}");
    // Terraform reports an action's error under its own summary, the provider's summary and
    // detail joined in the detail.
    case.step(Step::invoke("sdktest_touch.bad").expect_error(
        Diag::error("Error when invoking action").detail("Touch asked to fail: fail = true"),
    ));
    let tf = case.tf();
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
    let plan = case.replan();
    assert!(
        plan.actions().is_empty(),
        "import only: {:?}",
        plan.actions()
    );
    let imported = plan.imported();
    assert_eq!(imported.len(), 1, "{imported:?}");
    case.reapply();
}

matrix!(actions_and_query: tf_1_15);
