//! The plan semantics of `agent37_instance` (issue 15's surprises, issue 13's `auto_update` by
//! revision): `auto_update` converging in one apply with the target image in the plan, refresh
//! warnings for failed and past-due instances, a misspelled template at plan, static defaults,
//! values known at plan, computed values kept by updates that make no lifecycle call.

use testkit::prelude::*;

use crate::common::no_instances_left;
use crate::template_revisions::build_born;

const INSTANCE: &str = "agent37_instance.a";

/// `auto_update = true` after the template moves: the plan shows the image it read (not
/// "known after apply"), one apply installs it and the next plan is empty. A template that
/// moves again between a saved plan and its apply is refused, nothing updated.
fn auto_update_converges_in_one_apply(m: Matrix) {
    let emu = m.emulator(&[]);
    emu.api_ok(
        "POST",
        "/templates",
        Some(&json!({"name": "custom", "image_ref": "acme/agent:v1"})),
    );
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let main = config(
        r#"
resource "agent37_instance" "a" {
  template    = "custom"
  auto_update = true
}
"#,
    );
    case.apply(main.clone());
    let id = case.tf().id_of(INSTANCE);
    assert_eq!(emu.instance(&id)["image_ref"], "acme/agent:v1");

    let bump = |image: &str| {
        emu.api_ok(
            "PATCH",
            "/templates/custom",
            Some(&json!({"image_ref": image})),
        );
    };
    bump("acme/agent:v2");
    let plan = case.replan();
    assert_eq!(plan.actions_of(INSTANCE), ["update"]);
    let change = plan.change(INSTANCE);
    assert_eq!(change["after"]["image_ref"], "acme/agent:v2", "{change:#}");
    assert_ne!(change["after_unknown"]["image_ref"], true, "{change:#}");
    // One apply converges: the step's own plan after it must be empty.
    case.reapply();
    let inst = emu.instance(&id);
    assert_eq!(inst["image_ref"], "acme/agent:v2");
    assert_eq!(
        case.tf().state_values(INSTANCE)["image_ref"],
        "acme/agent:v2"
    );
    if m.api == ApiRevision::R2026_08_21 {
        assert_eq!(inst["template_revision"], 2, "{inst:#}");
    }

    // A saved plan to v3; the template moves on to v4 before the apply: Terraform plans again
    // at apply, the provider now shows v4, and Terraform refuses the saved plan (the
    // provider's own check covers the window after that final plan). Nothing is updated.
    bump("acme/agent:v3");
    let saved = case.replan();
    assert_eq!(
        saved.change(INSTANCE)["after"]["image_ref"],
        "acme/agent:v3"
    );
    bump("acme/agent:v4");
    let updates = emu.count("POST /v1/instances/{id}/update");
    let out = case.tf().run(&["apply", "-no-color", "tfplan"]);
    assert!(!out.success(), "{out}");
    assert!(
        out.stderr.contains("inconsistent final plan") && out.stderr.contains("acme/agent:v4"),
        "{out}"
    );
    assert_eq!(emu.count("POST /v1/instances/{id}/update"), updates);
    assert_eq!(emu.instance(&id)["image_ref"], "acme/agent:v2");
    // Planned again, it converges on v4.
    case.reapply();
    assert_eq!(emu.instance(&id)["image_ref"], "acme/agent:v4");
    case.destroy();
}

matrix!(auto_update_converges_in_one_apply: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);

/// 2026-08-21: an instance of a template a cloud build published has no image on either side;
/// `auto_update` compares the template's `revision` with the instance's `template_revision`,
/// so a new build is pulled in one apply (it used to be missed: null equals null).
fn auto_update_follows_the_revision_of_a_built_template(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let dir = case.tf().workdir().path().join("context");
    std::fs::create_dir_all(&dir).expect("context dir");
    build_born(&emu, &dir, "crawler");
    case.apply(config(
        r#"
resource "agent37_instance" "a" {
  template    = "crawler"
  auto_update = true
}
"#,
    ));
    let id = case.tf().id_of(INSTANCE);
    assert_eq!(emu.instance(&id)["template_revision"], 1);

    build_born(&emu, &dir, "crawler");
    assert_eq!(emu.template("crawler")["revision"], 2);
    let plan = case.replan();
    assert_eq!(plan.actions_of(INSTANCE), ["update"]);
    let change = plan.change(INSTANCE);
    assert!(change["after"]["image_ref"].is_null(), "{change:#}");
    assert_ne!(change["after_unknown"]["image_ref"], true, "{change:#}");
    case.reapply();
    assert_eq!(emu.instance(&id)["template_revision"], 2);
    case.destroy();
}

matrix!(auto_update_follows_the_revision_of_a_built_template: tf_1_15, tf_1_11; api_2026_08_21);

/// The warnings of a `plan -json` of the configuration as it is.
#[track_caller]
fn plan_warnings(case: &Case<'_>) -> Vec<Diagnostic> {
    let (out, lines) = case.tf().run_json_lines(&["plan", "-json"]);
    out.assert_success();
    testkit::terraform::diagnostics_in_stream(&lines)
        .into_iter()
        .filter(|d| d.severity == "warning" && d.summary.starts_with("Instance is"))
        .collect()
}

/// A refresh that finds an instance failed or past due warns, on the attribute (a fleet
/// stopped for an empty wallet used to plan "No changes" and say nothing).
fn refresh_warns_about_failed_and_past_due_instances(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    case.apply(config(
        "resource \"agent37_instance\" \"a\" {}\nresource \"agent37_instance\" \"b\" {}\n",
    ));
    assert!(plan_warnings(&case).is_empty());
    let (a, b) = (
        case.tf().id_of(INSTANCE),
        case.tf().id_of("agent37_instance.b"),
    );
    emu.control_ok(
        "PATCH",
        &format!("instances/{a}"),
        Some(&json!({"status": "stopped", "past_due": true})),
    );
    emu.control_ok(
        "PATCH",
        &format!("instances/{b}"),
        Some(&json!({"status": "failed"})),
    );
    // Refresh reads run in parallel: compared as a set.
    let warnings = plan_warnings(&case);
    let found: std::collections::BTreeSet<(String, Option<String>)> = warnings
        .iter()
        .map(|d| (d.summary.clone(), d.address()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "Instance is past due".to_string(),
                Some(INSTANCE.to_string())
            ),
            (
                "Instance is failed".to_string(),
                Some("agent37_instance.b".to_string())
            ),
        ]
        .into(),
        "{warnings:#?}"
    );
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    let past_due = warnings
        .iter()
        .find(|d| d.summary == "Instance is past due")
        .map(|d| d.detail.clone())
        .unwrap_or_default();
    assert!(
        past_due.contains("Top up the workspace's wallet"),
        "{past_due}"
    );
    // The past-due instance reads as stopped, which its configuration accepts: no change; the
    // failed one plans its repair.
    let plan = case.replan();
    assert_eq!(plan.actions_of(INSTANCE), ["no-op"]);
    assert_eq!(plan.actions_of("agent37_instance.b"), ["update"]);
    // Funds back, the repair applied: no warning is left.
    emu.control_ok(
        "PATCH",
        &format!("instances/{a}"),
        Some(&json!({"status": "running", "past_due": false})),
    );
    case.reapply();
    assert_eq!(emu.instance(&b)["status"], "running");
    assert!(plan_warnings(&case).is_empty());
    case.destroy();
}

matrix!(refresh_warns_about_failed_and_past_due_instances: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);

/// A misspelled workspace template fails at plan, on `template`, naming the templates there
/// are and where to find them; a template made in the same configuration (unknown at plan)
/// and a system template are not looked up.
fn a_misspelled_template_fails_at_plan(m: Matrix) {
    let emu = m.emulator(&[]);
    emu.api_ok(
        "POST",
        "/templates",
        Some(&json!({"name": "support-agent", "image_ref": "acme/agent:v1"})),
    );
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let out = case.step(
        Step::plan(config(
            "resource \"agent37_instance\" \"a\" {\n  template = \"suport-agent\"\n}\n",
        ))
        .expect_error(
            Diag::error("Template not found")
                .attribute("template")
                .detail_contains("No template named \"suport-agent\" in this workspace. The workspace's templates are \"support-agent\"; the system templates are \"agent37-hermes\", \"agent37-hermes-small\", \"agent37-openclaw\"."),
        ),
    );
    assert!(
        out.diagnostics
            .iter()
            .any(|d| d.summary == "Template not found"
                && d.detail.contains("`agent37_templates` data source")),
        "{:#?}",
        out.diagnostics
    );
    assert_eq!(emu.count("POST /v1/instances"), 0);
    // Made in the same configuration: unknown at plan, created first, then used.
    case.apply(config(
        r#"
resource "agent37_template" "t" {
  name      = "fresh-agent"
  image_ref = "acme/agent:v1"
}
resource "agent37_instance" "a" {
  template = agent37_template.t.name
}
resource "agent37_instance" "sys" {
  template = "agent37-openclaw"
}
"#,
    ));
    let id = case.tf().id_of(INSTANCE);
    assert_eq!(emu.instance(&id)["template"], "fresh-agent");
    case.destroy();
}

matrix!(a_misspelled_template_fails_at_plan: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);

/// Static defaults come back when removed, derived values are kept, values known from the
/// configuration are known at plan, and an update without a lifecycle call keeps `status`,
/// `image_ref`, `paid_through` and `past_due` known in the plan.
fn plan_semantics(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let new = m.api == ApiRevision::R2026_08_21;
    let first = r#"
resource "agent37_instance" "a" {
  name             = "x"
  auto_update      = true
  wait_for_healthy = false
}
resource "agent37_instance" "b" {
  cpu = 4
}
resource "agent37_instance" "c" {
  template = "agent37-hermes-small"
}
"#;
    // Known at plan: the shape and disk the API will choose.
    let plan = case.plan(config(first));
    let dims = |address: &str| {
        let after = &plan.change(address)["after"];
        (
            after["cpu"].as_i64(),
            after["memory"].as_i64(),
            after["disk"].as_i64(),
        )
    };
    let (small_shape, b_disk, default_disk) = if new { ((2, 4), 6, 4) } else { ((1, 3), 20, 6) };
    assert_eq!(dims(INSTANCE), (Some(2), Some(4), Some(default_disk)));
    assert_eq!(dims("agent37_instance.b"), (Some(4), Some(8), Some(b_disk)));
    assert_eq!(
        dims("agent37_instance.c"),
        (Some(small_shape.0), Some(small_shape.1), Some(default_disk))
    );
    case.apply(config(first));
    let a = case.tf().id_of(INSTANCE);
    let before = case.tf().state_values(INSTANCE);

    // Labels only: no lifecycle call, the computed values stay known and unchanged.
    let relabel = first.replace("\"x\"", "\"y\"");
    let plan = case.plan(config(&relabel));
    assert_eq!(plan.actions_of(INSTANCE), ["update"]);
    let change = plan.change(INSTANCE);
    for key in ["status", "image_ref", "paid_through", "past_due"] {
        assert_ne!(change["after_unknown"][key], true, "{key}: {change:#}");
        assert_eq!(change["after"][key], before[key], "{key}: {change:#}");
    }
    case.apply(config(&relabel));
    assert_eq!(emu.instance(&a)["name"], "y");

    // Static defaults removed: back to the default. Derived values removed: kept.
    let removed = r#"
resource "agent37_instance" "a" {
  name = "y"
}
resource "agent37_instance" "b" {
}
resource "agent37_instance" "c" {
  template = "agent37-hermes-small"
}
"#;
    let plan = case.plan(config(removed));
    assert_eq!(plan.actions_of(INSTANCE), ["update"]);
    let after = &plan.change(INSTANCE)["after"];
    assert_eq!(
        (&after["auto_update"], &after["wait_for_healthy"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(plan.actions_of("agent37_instance.b"), ["no-op"]);
    case.apply(config(removed));
    let state = case.tf().state_values(INSTANCE);
    assert_eq!(
        (&state["auto_update"], &state["wait_for_healthy"]),
        (&json!(false), &json!(true))
    );
    assert_eq!(
        emu.instance(&case.tf().id_of("agent37_instance.b"))["resources"]["cpu"],
        4
    );
    case.destroy();
}

matrix!(plan_semantics: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);

/// The provider's `default_metadata` is merged into every instance's metadata (the instance's
/// own `metadata` wins); `metadata` stays as configured, `metadata_all` shows the merged map in
/// the plan; changing or removing the defaults updates the instances in place; no diff after.
fn default_metadata_is_merged_into_every_instance(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let resources = r#"
resource "agent37_instance" "a" {
  metadata = { env = "dev", k = "v" }
}
resource "agent37_instance" "b" {
}
"#;
    let with =
        |defaults: &str| provider_config(&format!("default_metadata = {defaults}"), resources);
    case.apply(with("{ team = \"platform\", env = \"prod\" }"));
    let (a, b) = (
        case.tf().id_of(INSTANCE),
        case.tf().id_of("agent37_instance.b"),
    );
    assert_eq!(
        emu.instance(&a)["metadata"],
        json!({"team": "platform", "env": "dev", "k": "v"})
    );
    assert_eq!(
        emu.instance(&b)["metadata"],
        json!({"team": "platform", "env": "prod"})
    );
    let state = case.tf().state_values(INSTANCE);
    assert_eq!(state["metadata"], json!({"env": "dev", "k": "v"}));
    assert_eq!(
        state["metadata_all"],
        json!({"env": "dev", "k": "v", "team": "platform"})
    );

    // New defaults: both update in place, the plan shows the merged maps.
    let plan = case.plan(with("{ team = \"ml\", env = \"prod\" }"));
    assert_eq!(plan.actions_of(INSTANCE), ["update"]);
    assert_eq!(plan.actions_of("agent37_instance.b"), ["update"]);
    assert_eq!(
        plan.change("agent37_instance.b")["after"]["metadata_all"],
        json!({"env": "prod", "team": "ml"})
    );
    assert!(plan.change("agent37_instance.b")["after"]["metadata"].is_null());
    case.reapply();
    assert_eq!(
        emu.instance(&b)["metadata"],
        json!({"team": "ml", "env": "prod"})
    );

    // Defaults removed: each instance keeps its own metadata only.
    case.apply(config(resources));
    assert_eq!(
        emu.instance(&a)["metadata"],
        json!({"env": "dev", "k": "v"})
    );
    assert!(
        emu.instance(&b)["metadata"].is_null(),
        "{:#}",
        emu.instance(&b)
    );
    case.destroy();
}

matrix!(default_metadata_is_merged_into_every_instance: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);
