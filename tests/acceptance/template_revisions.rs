//! `agent37_template` against both API revisions: `default_port`, the computed revision
//! attributes and the revision-only rules on 2026-08-21, `default_port` refused on 2026-06-25,
//! and a template a cloud build published (no `image_ref`) read by the data sources and the
//! list. A template of 2026-06-25 that plans no change once the service moved to 2026-08-21 is
//! part of the fleet of `revisions::upgrade`.

use testkit::prelude::*;

use crate::common::actions;

const T: &str = "agent37_template.t";

/// One template resource `agent37_template.t` with the given attribute lines.
fn template(lines: &str) -> String {
    config(&format!(
        "resource \"agent37_template\" \"t\" {{\n{lines}\n}}\n"
    ))
}

/// 2026-08-21: `default_port` in place, `revision` moves only with `image_ref`, `ports` refused
/// at plan on the attribute, import finds the same state.
fn default_port_and_revisions(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| assert_eq!(emu.workspace_templates(), Vec::<String>::new()));

    case.apply(template(
        "  name         = \"crawler\"\n  image_ref    = \"ghcr.io/acme/crawler:v1\"\n  default_port = 8000",
    ));
    let t = emu.template("crawler");
    assert_eq!(
        (t["default_port"].as_i64(), t["revision"].as_i64()),
        (Some(8000), Some(1))
    );
    let state = case.tf().state_values(T);
    assert_eq!(state["revision"], 1, "{state:#}");
    assert_eq!(state["image_digest"], t["image_digest"], "{state:#}");
    assert_eq!(
        state["revisions"].as_array().map(Vec::len),
        Some(1),
        "{state:#}"
    );

    // default_port and description change in place; the revision stays known in the plan.
    let plan = case.plan(template(
        "  name         = \"crawler\"\n  image_ref    = \"ghcr.io/acme/crawler:v1\"\n  default_port = 9000\n  description  = \"x\"",
    ));
    assert_eq!(plan.actions(), actions(&[(T, &["update"])]));
    assert_eq!(plan.change(T)["after"]["revision"], 1);
    case.reapply();
    assert_eq!(emu.template("crawler")["default_port"], 9000);

    // A new image publishes revision 2 (unknown in the plan).
    let v2 = template(
        "  name         = \"crawler\"\n  image_ref    = \"ghcr.io/acme/crawler:v2\"\n  default_port = 9000\n  description  = \"x\"",
    );
    let plan = case.plan(v2.clone());
    assert_eq!(plan.change(T)["after_unknown"]["revision"], true);
    case.reapply();
    let state = case.tf().state_values(T);
    assert_eq!(state["revision"], 2, "{state:#}");
    assert_eq!(
        state["revisions"].as_array().map(Vec::len),
        Some(2),
        "{state:#}"
    );

    // `ports` is what 2026-08-21 refuses: an error at plan, on the attribute, nothing sent.
    case.step(
        Step::apply(template(
            "  name      = \"crawler\"\n  image_ref = \"ghcr.io/acme/crawler:v2\"\n  ports     = [{ port = 8000, default = true }]",
        ))
        .expect_error(
            Diag::error("ports needs API revision 2026-06-25")
                .attribute("ports")
                .detail_contains("Set `default_port`"),
        ),
    );
    assert_eq!(emu.count("PATCH /v1/templates/{name}"), 2);

    case.step(Step::apply(v2));
    case.verify_import(T, "crawler", &[]);
    case.destroy();
}

matrix!(default_port_and_revisions: tf_1_15; api_2026_08_21);

/// 2026-06-25 has no `default_port`: setting it is an error at plan on the attribute, and
/// nothing is created.
fn default_port_refused_on_2026_06_25(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.step(
        Step::apply(template(
            "  name         = \"crawler\"\n  image_ref    = \"ghcr.io/acme/crawler:v1\"\n  default_port = 8000",
        ))
        .expect_error(
            Diag::error("default_port needs API revision 2026-08-21").attribute("default_port"),
        ),
    );
    assert_eq!(emu.workspace_templates(), Vec::<String>::new());
}

matrix!(default_port_refused_on_2026_06_25: tf_1_15; api_2026_06_25);

/// A template a cloud build published has no `image_ref` (2026-08-21). Published through the
/// emulator's build routes directly, from a context (a gzipped tar with a root `Dockerfile`)
/// made by the system's `tar` in `dir`.
#[track_caller]
pub(crate) fn build_born(emu: &Emulator, dir: &std::path::Path, name: &str) {
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM ghcr.io/acme/base:v1\nRUN true\n",
    )
    .expect("Dockerfile");
    let tar = std::process::Command::new("tar")
        .args(["-czf", "-", "-C"])
        .arg(dir)
        .arg("Dockerfile")
        .output()
        .expect("tar runs");
    assert!(
        tar.status.success(),
        "{}",
        String::from_utf8_lossy(&tar.stderr)
    );
    let context = tar.stdout;
    let made = emu.api_ok(
        "POST",
        "/template-builds",
        Some(&json!({"name": name, "size_bytes": context.len(), "default_port": 8081})),
    );
    let id = made["id"].as_str().expect("build id").to_string();
    let url = made["upload_url"].as_str().expect("upload_url");
    let put = testkit::http::request("PUT", url, &[], Some(&context)).expect("upload");
    assert!(put.is_success(), "{}", put.text());
    emu.api_ok("POST", &format!("/template-builds/{id}/start"), None);
    emu.control_ok(
        "POST",
        &format!("template-builds/{id}/finish"),
        Some(&json!({"status": "succeeded"})),
    );
}

/// One build-born template breaks neither data source nor the list: `image_ref` reads as null,
/// the revision attributes are set (the list used to fail on the whole workspace).
fn build_born_templates_are_read(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    build_born(&emu, case.tf().workdir().path(), "crawler");
    assert!(emu.template("crawler").get("image_ref").is_none());
    case.apply(config(
        r#"
data "agent37_template" "c" {
  name = "crawler"
}

data "agent37_templates" "mine" {
  scope = "workspace"
}

output "one" { value = data.agent37_template.c }
output "names" { value = data.agent37_templates.mine.names }
"#,
    ));
    let out = case.tf().output_json();
    let one = &out["one"]["value"];
    assert!(one["image_ref"].is_null(), "{one:#}");
    assert_eq!(
        (one["default_port"].as_i64(), one["revision"].as_i64()),
        (Some(8081), Some(1)),
        "{one:#}"
    );
    assert_eq!(out["names"]["value"], json!(["crawler"]));

    // name@version: a published revision reads as of it; an unpublished one says so.
    case.apply(config(
        "data \"agent37_template\" \"v1\" {\n  name = \"crawler@1\"\n}\noutput \"v1\" { value = data.agent37_template.v1.revision }\n",
    ));
    assert_eq!(case.tf().output_json()["v1"]["value"], 1);
    case.step(
        Step::apply(config(
            "data \"agent37_template\" \"v7\" {\n  name = \"crawler@7\"\n}\n",
        ))
        .expect_error(
            Diag::error("Template version not published")
                .attribute("name")
                .detail_contains("\"crawler\" has no published version \"7\""),
        ),
    );

    let tf = case.tf();
    tf.write_main(&config(""));
    tf.write_file(
        "all.tfquery.hcl",
        "list \"agent37_template\" \"all\" {\n  provider = agent37\n}\n",
    );
    let found = crate::newer::query(tf);
    assert_eq!(
        found.get("list.agent37_template.all"),
        Some(&crate::newer::set(&["crawler"])),
        "{found:?}"
    );
}

matrix!(build_born_templates_are_read: tf_1_15; api_2026_08_21);

/// 2026-08-21 copies the image before it answers a template write: a copy slower than
/// `request_timeout` is waited for within the resource's timeouts, sent once (it used to
/// time out after `request_timeout` and re-send).
fn slow_registration_waits_for_the_copy(m: Matrix) {
    let emu = m.emulator(&[]);
    emu.control_ok("POST", "config", Some(&json!({"ingest_delay_ms": 2500})));
    let mut case = m.case(&emu);
    let body = |image: &str| {
        provider_config(
            "request_timeout = \"1s\"",
            &format!(
                "resource \"agent37_template\" \"t\" {{\n  name      = \"slow\"\n  image_ref = \"ghcr.io/acme/slow:{image}\"\n}}\n"
            ),
        )
    };
    case.apply(body("v1"));
    case.apply(body("v2"));
    assert_eq!(emu.template("slow")["revision"], 2);
    assert_eq!(emu.count("POST /v1/templates"), 1);
    assert_eq!(emu.count("PATCH /v1/templates/{name}"), 1);
}

matrix!(slow_registration_waits_for_the_copy: tf_1_15; api_2026_08_21);
