//! The test harness itself, proven with Terraform 1.15 and 1.11 on `terraform_data` only (built
//! into Terraform: no provider, no emulator needed). Run with `cargo xtask test`.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use support::{Terraform, TfVersion};

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

fn lifecycle(version: TfVersion) {
    let tf = Terraform::new(version);
    let out = tf.run_ok(&["version"]);
    assert!(
        out.stdout
            .contains(&format!("Terraform v{}", version.full())),
        "{out}"
    );

    tf.write_main(CONFIG);
    let first = tf.plan_json();
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

    tf.apply();
    assert_eq!(tf.output_json()["plain"]["value"], "one");
    assert_eq!(tf.state_values("terraform_data.plain")["input"], "one");
    tf.assert_no_changes();
    assert!(tf.planned_actions().is_empty());

    tf.write_main(
        &CONFIG
            .replace("\"one\"", "\"two\"")
            .replace("[\"a\"]", "[\"b\"]"),
    );
    let plan = tf.plan_json();
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

    tf.apply();
    assert_eq!(tf.output_json()["plain"]["value"], "two");
    tf.assert_no_changes();

    tf.destroy();
    let state = tf.show_state_json();
    assert!(
        state["values"]["root_module"]["resources"].is_null(),
        "state after destroy: {state:#}"
    );
}

#[test]
fn terraform_data_lifecycle_1_15() {
    lifecycle(TfVersion::V1_15);
}

#[test]
fn terraform_data_lifecycle_1_11() {
    lifecycle(TfVersion::V1_11);
}

fn validation(version: TfVersion) {
    let tf = Terraform::new(version);
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

#[test]
fn validate_json_names_the_attribute_1_15() {
    validation(TfVersion::V1_15);
}

#[test]
fn validate_json_names_the_attribute_1_11() {
    validation(TfVersion::V1_11);
}

/// A command past its time-out gets SIGTERM, and Terraform stops gracefully (instead of being
/// killed and leaving its plugins behind).
#[test]
fn timeout_stops_terraform_gracefully() {
    let mut tf = Terraform::new(TfVersion::V1_15);
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

#[test]
fn http_client_parses_responses() {
    let raw = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\nX-A: b\r\n\r\n{}";
    let r = support::http::parse_response(raw).unwrap();
    assert_eq!((r.status, r.text().as_str()), (201, "{}"));
    assert_eq!(r.header("X-A"), Some("b"));

    let raw =
        b"HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\nRetry-After: 1\r\n\r\n\
                13\r\n{\"error\":{\"code\":\"r\r\ne\r\nate_limited\"}}\r\n0\r\n\r\n";
    let r = support::http::parse_response(raw).unwrap();
    assert_eq!(r.error_code().as_deref(), Some("rate_limited"));
    assert_eq!(r.header("retry-after"), Some("1"));
}
