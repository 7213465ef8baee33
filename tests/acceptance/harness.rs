//! The harness itself, proven with Terraform 1.15 and 1.11 on `terraform_data` only (built into
//! Terraform: no provider, no emulator): create, no-op plan, in-place update vs replace,
//! outputs, destroy, the diagnostics of `validate -json`, the graceful time-out, and that the
//! step DSL's checks fail when they should.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

use testkit::prelude::*;

const CONFIG: &str = r#"
resource "terraform_data" "plain" {
  input = "one"
}

resource "terraform_data" "replaced" {
  input            = "same"
  triggers_replace = ["a"]
}

output "plain" {
  value = terraform_data.plain.output
}
"#;

fn terraform_data_lifecycle(m: Matrix) {
    let mut case = Case::new(m);
    let out = case.tf().run_ok(&["version"]);
    assert!(
        out.stdout.contains(&format!("Terraform v{}", m.tf.full())),
        "{out}"
    );

    let first = case.plan(CONFIG);
    let creates: BTreeMap<String, Vec<String>> = [
        (
            "terraform_data.plain".to_string(),
            vec!["create".to_string()],
        ),
        (
            "terraform_data.replaced".to_string(),
            vec!["create".to_string()],
        ),
    ]
    .into();
    assert_eq!(first.actions(), creates);

    case.reapply();
    let tf = case.tf();
    assert_eq!(tf.output_json()["plain"]["value"], "one");
    assert_eq!(tf.state_values("terraform_data.plain")["input"], "one");
    assert!(tf.planned_actions().is_empty());

    let plan = case.plan(
        CONFIG
            .replace("\"one\"", "\"two\"")
            .replace("[\"a\"]", "[\"b\"]"),
    );
    let expected: BTreeMap<String, Vec<String>> = [
        (
            "terraform_data.plain".to_string(),
            vec!["update".to_string()],
        ),
        (
            "terraform_data.replaced".to_string(),
            vec!["delete".to_string(), "create".to_string()],
        ),
    ]
    .into();
    assert_eq!(plan.actions(), expected);
    assert_eq!(plan.change("terraform_data.plain")["after"]["input"], "two");
    assert_eq!(plan.output_actions()["plain"], vec!["update".to_string()]);

    case.reapply();
    assert_eq!(case.tf().output_json()["plain"]["value"], "two");

    // The destroy step checks that the state is empty.
    case.destroy();
}

matrix!(terraform_data_lifecycle);

fn validate_json_names_the_attribute(m: Matrix) {
    let tf = Terraform::new(m.tf);
    tf.write_main(
        r#"
resource "terraform_data" "a" {
  input = "x"
  bogus = 3
}

resource "terraform_data" "b" {
  count = "many"
}
"#,
    );
    let validation = tf.validate_json();
    assert!(!validation.valid, "{:#}", validation.json);
    let found: Vec<(String, Option<String>, Option<u64>)> = validation
        .errors()
        .iter()
        .map(|d| (d.summary.clone(), d.attribute(), d.line()))
        .collect();
    assert!(
        found.contains(&(
            "Unsupported argument".to_string(),
            Some("bogus".to_string()),
            Some(4)
        )),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(_, attribute, line)| attribute.as_deref() == Some("count") && *line == Some(8)),
        "{found:?}"
    );
}

matrix!(validate_json_names_the_attribute);

/// A command past its time-out gets SIGTERM, and Terraform stops gracefully (instead of being
/// killed and leaving its plugins behind).
fn timeout_stops_terraform_gracefully(m: Matrix) {
    let mut tf = Terraform::new(m.tf);
    tf.write_main(
        r#"
resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "sleep 60"
  }
}
"#,
    );
    tf.set_timeout(Duration::from_secs(4));
    let out = tf.apply_with(&[]);
    assert!(out.timed_out, "{out}");
    assert!(
        out.combined().contains("Interrupt received"),
        "Terraform did not see the SIGTERM:\n{out}"
    );
    assert!(
        out.elapsed < Duration::from_secs(30),
        "Terraform took too long to stop: {out}"
    );
}

matrix!(timeout_stops_terraform_gracefully: tf_1_15);

/// A configuration that is never idempotent: `timestamp()` changes at every plan.
const NEVER_QUIET: &str = r#"
resource "terraform_data" "t" {
  input = timestamp()
}
"#;

/// The message of the panic `f` raises (and that it raises one).
fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("the check did not fail");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The step DSL's own checks can fail: a plan that is not empty after an apply, a plan that is
/// empty where the step says it is not, and diagnostics other than the expected ones.
fn step_checks_fail_when_they_should(m: Matrix) {
    let mut case = Case::new(m);
    let message = panic_message(|| {
        case.apply(NEVER_QUIET);
    });
    assert!(
        message.contains("step 1 (apply): the plan after it is not empty"),
        "{message}"
    );
    // Documented: the plan must then propose changes.
    case.step(Step::reapply().non_empty_plan("timestamp() changes at every plan"));

    let quiet = r#"resource "terraform_data" "t" { input = "x" }"#;
    let message = panic_message(|| {
        case.step(Step::apply(quiet).non_empty_plan("wrongly claimed"));
    });
    assert!(
        message.contains("should propose changes (wrongly claimed)"),
        "{message}"
    );

    let failing = r#"resource "terraform_data" "t" { input = file("no-such-file.txt") }"#;
    let exact = Diag::error("Invalid function argument").detail_contains("no-such-file.txt");
    case.step(Step::apply(failing).expect_error(exact));
    let message = panic_message(|| {
        case.step(Step::apply(failing).expect_error(Diag::error("Invalid function")));
    });
    assert!(message.contains("the diagnostics differ"), "{message}");
    let message = panic_message(|| {
        case.step(Step::reapply().expect_errors([]));
    });
    assert!(message.contains("found, not expected"), "{message}");
}

matrix!(step_checks_fail_when_they_should);

/// Import-and-verify fails when what is imported is not what the state holds: here the id of
/// another instance, whose name differs.
fn import_verification_fails_when_the_object_differs(m: Matrix) {
    let emu = m.emulator(&[]);
    let other = emu.create_instance(&json!({"name": "other"}));
    let mut case = m.case(&emu);
    case.apply(config(r#"resource "agent37_instance" "a" { name = "a" }"#));
    let own = case.tf().id_of("agent37_instance.a");
    case.verify_import("agent37_instance.a", &own, &["type"]);
    let message = panic_message(|| case.verify_import("agent37_instance.a", &other, &["type"]));
    assert!(
        message.contains("Cli import of agent37_instance.a")
            && message.contains("name: \"a\", \"other\""),
        "{message}"
    );
    // Nothing was imported into the case's own state.
    assert_eq!(case.tf().id_of("agent37_instance.a"), own);
}

matrix!(import_verification_fails_when_the_object_differs: tf_1_15);
