//! The provider block through real Terraform: an empty configuration plans, and a missing key or
//! an `http://` URL to a non-loopback host gives the diagnostics the spec describes.

use testkit::hcl::REQUIRED_PROVIDERS;
use testkit::prelude::*;

/// Something that makes Terraform configure the provider without touching any server: an
/// ephemeral resource consumed by a provisioner.
const USES_PROVIDER: &str = r#"
ephemeral "agent37_signed_url" "x" {
  instance_id = "abcdefghij"
  port        = 3737
}

resource "terraform_data" "x" {
  provisioner "local-exec" {
    command     = "true"
    environment = { URL = ephemeral.agent37_signed_url.x.url }
  }
}
"#;

#[track_caller]
fn isolated(version: TfVersion) -> Terraform {
    let mut tf = Terraform::new(version);
    // Empty counts as unset, so a developer's own environment cannot leak into the test.
    tf.set_env("AGENT37_API_KEY", "")
        .set_env("AGENT37_BASE_URL", "");
    tf
}

fn provider_block(m: Matrix) {
    let version = m.tf;
    // An empty configuration plans with no key at all.
    let tf = isolated(version);
    tf.write_main(&format!(
        "{REQUIRED_PROVIDERS}\nprovider \"agent37\" {{}}\n"
    ));
    tf.assert_no_changes();

    // No key anywhere: the error names both places.
    tf.write_main(&format!(
        "{REQUIRED_PROVIDERS}\nprovider \"agent37\" {{}}\n{USES_PROVIDER}"
    ));
    let out = tf.run(&["plan"]);
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("Missing API key"), "{out}");
    assert!(
        out.stderr.contains("api_key") && out.stderr.contains("AGENT37_API_KEY"),
        "{out}"
    );

    // http:// to a non-loopback host is refused at validate, on base_url.
    tf.write_main(&format!(
        "{REQUIRED_PROVIDERS}\nprovider \"agent37\" {{\n  base_url = \"http://api.example.com/v1\"\n}}\n{USES_PROVIDER}"
    ));
    let v = tf.validate_json();
    let errors = v.errors();
    assert_eq!(errors.len(), 1, "{v:?}");
    assert_eq!(errors[0].attribute().as_deref(), Some("base_url"), "{v:?}");
    assert!(errors[0].detail.contains("http"), "{v:?}");

    // The same through the environment: refused when the provider is configured.
    let mut tf = isolated(version);
    tf.set_env("AGENT37_API_KEY", "sk_live_abcdefghijklmnopqrstuvwx")
        .set_env("AGENT37_BASE_URL", "http://api.example.com/v1");
    tf.write_main(&format!(
        "{REQUIRED_PROVIDERS}\nprovider \"agent37\" {{}}\n{USES_PROVIDER}"
    ));
    let out = tf.run(&["plan"]);
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("Invalid base URL"), "{out}");
    assert!(out.stderr.contains("AGENT37_BASE_URL"), "{out}");

    // Bad values of the other settings are caught at validate on their attribute.
    tf.write_main(&format!(
        "{REQUIRED_PROVIDERS}\nprovider \"agent37\" {{\n  request_timeout = \"soon\"\n  max_retries = -1\n}}\n{USES_PROVIDER}"
    ));
    let v = tf.validate_json();
    let mut attrs: Vec<String> = v.errors().iter().filter_map(|d| d.attribute()).collect();
    attrs.sort();
    assert_eq!(attrs, ["max_retries", "request_timeout"], "{v:?}");
}

matrix!(provider_block);

/// Issue 15: an error after retries says how often the call was tried and which setting bounds
/// it.
fn errors_after_retries_say_so(m: Matrix) {
    let emu = m.emulator(&[]);
    emu.set_faults(&json!({"seed": 1, "rules": [
        {"route": "GET /v1/templates", "kind": "rate_limited", "retry_after": 1}
    ]}));
    let mut case = m.case(&emu);
    case.step(
        Step::plan(testkit::hcl::provider_config(
            "max_retries = 1",
            "data \"agent37_templates\" \"all\" {}\n",
        ))
        .expect_error(
            Diag::error("Unable to list templates")
                .detail_contains("HTTP 429, code rate_limited")
                .detail_contains("Gave up after 2 attempts (see `max_retries`)."),
        ),
    );
}

matrix!(errors_after_retries_say_so: tf_1_15);
