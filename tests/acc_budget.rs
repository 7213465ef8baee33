//! Acceptance tests of `agent37_budget` and the `agent37_budget` / `agent37_usage` data sources:
//! real Terraform (1.15 and 1.11) against the emulator. Instances are made through the
//! emulator's API directly, so these tests depend on no other resource. Run with
//! `cargo xtask test` (or set the variables it sets, see `tests/support/mod.rs`).

mod support;

use serde_json::{Value, json};
use support::terraform::diagnostics_in_stream;
use support::{Emulator, Terraform, TfVersion};

const ADDR: &str = "agent37_budget.b";
const TOPUP_ROUTE: &str = "POST /v1/instances/{id}/budget/top-up";

/// A configuration: the provider source and block, then `body`.
fn config(provider: &str, body: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    agent37 = {{ source = "agent37/agent37" }}
  }}
}}

provider "agent37" {{
  {provider}
}}
{body}
"#
    )
}

fn budget_config(instance_id: &str, cap: i64, topup: i64) -> String {
    config(
        "",
        &format!(
            r#"
resource "agent37_budget" "b" {{
  instance_id        = "{instance_id}"
  monthly_cap_micros = {cap}
  topup_micros       = {topup}
}}
"#
        ),
    )
}

/// A new instance made through the API (with an initial budget), returning its id.
#[track_caller]
fn new_instance(emu: &Emulator, cap: i64, topup: i64) -> String {
    let body = json!({"budget": {"monthly_cap_micros": cap, "topup_micros": topup}});
    let made = emu.api_ok("POST", "/instances", Some(&body));
    made["id"].as_str().expect("instance id").to_string()
}

/// The instance's budget as the API serves it.
#[track_caller]
fn budget(emu: &Emulator, id: &str) -> Value {
    emu.api_ok("GET", &format!("/instances/{id}/budget"), None)
}

/// The one-time headroom, under whichever name the emulator serves.
fn headroom(b: &Value) -> i64 {
    b["topup_remaining_micros"]
        .as_i64()
        .or_else(|| b["credit_remaining_micros"].as_i64())
        .unwrap_or_else(|| panic!("no headroom field in {b}"))
}

/// Top-up requests the emulator has received so far.
fn topups(emu: &Emulator) -> i64 {
    emu.requests()["counters"][TOPUP_ROUTE]
        .as_i64()
        .unwrap_or(0)
}

fn actions(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Create, quiet plan, cap change in place, raises granting only the difference, a repeated
/// apply adding nothing, a lowering that warns and calls nothing, destroy keeping headroom.
fn lifecycle(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let id = new_instance(&emu, 0, 0);
    let tf = Terraform::with_emulator(version, &emu);

    tf.write_main(&budget_config(&id, 1_000_000, 2_000));
    tf.apply();
    let b = budget(&emu, &id);
    assert_eq!(
        (b["monthly_cap_micros"].as_i64(), headroom(&b)),
        (Some(1_000_000), 2_000)
    );
    let state = tf.state_values(ADDR);
    assert_eq!(state["topup_remaining_micros"], 2_000, "{state:#}");
    assert_eq!(state["monthly_remaining_micros"], 1_000_000, "{state:#}");
    tf.assert_no_changes();

    // A cap changed elsewhere is drift that the next apply puts back.
    let patch = json!({"monthly_cap_micros": 42});
    emu.api_ok("PATCH", &format!("/instances/{id}/budget"), Some(&patch));
    assert_eq!(tf.planned_actions()[ADDR], actions(&["update"]));
    tf.apply();
    assert_eq!(budget(&emu, &id)["monthly_cap_micros"], 1_000_000);

    // Cap change: in place.
    tf.write_main(&budget_config(&id, 2_500_000, 2_000));
    let plan = tf.plan_json();
    assert_eq!(plan.actions_of(ADDR), actions(&["update"]));
    tf.apply();
    assert_eq!(budget(&emu, &id)["monthly_cap_micros"], 2_500_000);
    assert_eq!(topups(&emu), 1);

    // Raise: exactly the difference, once; a second apply adds nothing.
    tf.write_main(&budget_config(&id, 2_500_000, 5_000));
    tf.apply();
    assert_eq!(headroom(&budget(&emu, &id)), 5_000);
    tf.apply();
    assert_eq!(headroom(&budget(&emu, &id)), 5_000);
    assert_eq!(topups(&emu), 2);
    tf.assert_no_changes();

    // Lowering: a warning on topup_micros, no call, the headroom stays.
    tf.write_main(&budget_config(&id, 2_500_000, 1_000));
    let (out, lines) = tf.run_json_lines(&["plan", "-json"]);
    out.assert_success();
    let warnings: Vec<_> = diagnostics_in_stream(&lines)
        .into_iter()
        .filter(|d| d.severity == "warning" && d.summary == "Top-up headroom is not taken back")
        .collect();
    assert_eq!(warnings.len(), 1, "{}", out.stdout);
    assert!(
        warnings[0].detail.contains("no headroom is removed"),
        "{}",
        warnings[0].detail
    );
    assert_eq!(warnings[0].attribute().as_deref(), Some("topup_micros"));
    let applied = tf.apply();
    assert!(
        applied
            .combined()
            .contains("Top-up headroom is not taken back"),
        "{applied}"
    );
    assert_eq!(headroom(&budget(&emu, &id)), 5_000);
    assert_eq!(topups(&emu), 2, "lowering must not call top-up");
    assert_eq!(tf.state_values(ADDR)["topup_micros"], 1_000);
    tf.assert_no_changes();

    // Raising again grants only what exceeds the highest value (5000).
    tf.write_main(&budget_config(&id, 2_500_000, 4_000));
    tf.apply();
    assert_eq!((headroom(&budget(&emu, &id)), topups(&emu)), (5_000, 2));
    tf.write_main(&budget_config(&id, 2_500_000, 6_000));
    tf.apply();
    assert_eq!((headroom(&budget(&emu, &id)), topups(&emu)), (6_000, 3));
    tf.assert_no_changes();

    // Destroy: the cap goes back to 0, granted headroom stays.
    tf.destroy();
    let b = budget(&emu, &id);
    assert_eq!(
        (b["monthly_cap_micros"].as_i64(), headroom(&b)),
        (Some(0), 6_000)
    );
}

#[test]
fn lifecycle_1_15() {
    lifecycle(TfVersion::V1_15);
}

#[test]
fn lifecycle_1_11() {
    lifecycle(TfVersion::V1_11);
}

/// A top-up whose answer is lost after the server committed it: the failed apply and its
/// re-run add the headroom exactly once, on create and on update, with and without retries.
fn topup_is_never_added_twice(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let id = new_instance(&emu, 0, 0);
    let tf = Terraform::with_emulator(version, &emu);
    let drop_first = json!({"seed": 1, "rules": [
        {"route": TOPUP_ROUTE, "kind": "drop_after", "requests": [1]}
    ]});
    let no_retries = |topup: i64| {
        config(
            "max_retries = 0",
            &format!(
                "resource \"agent37_budget\" \"b\" {{\n  instance_id = \"{id}\"\n  topup_micros = {topup}\n}}\n"
            ),
        )
    };

    // Create: the top-up commits, its answer is dropped, the apply fails (kept, tainted).
    emu.set_faults(&drop_first);
    tf.write_main(&no_retries(4_000));
    tf.apply_with(&[]).assert_failure();
    assert_eq!(headroom(&budget(&emu, &id)), 4_000);
    tf.apply();
    assert_eq!(
        headroom(&budget(&emu, &id)),
        4_000,
        "the re-run added again"
    );
    tf.assert_no_changes();

    // Update: the same, for a raise.
    emu.set_faults(&drop_first);
    tf.write_main(&no_retries(7_000));
    let failed = tf.apply_with(&[]);
    failed.assert_failure();
    assert!(failed.combined().contains("top-up failed"), "{failed}");
    assert_eq!(headroom(&budget(&emu, &id)), 7_000);
    assert_eq!(tf.planned_actions()[ADDR], actions(&["update"]));
    tf.apply();
    assert_eq!(
        headroom(&budget(&emu, &id)),
        7_000,
        "the re-run added again"
    );
    tf.assert_no_changes();

    // With retries, the client resends the same key within one apply.
    emu.set_faults(&drop_first);
    tf.write_main(&budget_config(&id, 0, 9_000));
    tf.apply();
    assert_eq!(headroom(&budget(&emu, &id)), 9_000);
    tf.apply();
    assert_eq!(headroom(&budget(&emu, &id)), 9_000);
}

#[test]
fn topup_is_never_added_twice_1_15() {
    topup_is_never_added_twice(TfVersion::V1_15);
}

#[test]
fn topup_is_never_added_twice_1_11() {
    topup_is_never_added_twice(TfVersion::V1_11);
}

/// CLI import: the next plan is empty when the configuration matches the budget, and a later
/// raise grants only the difference. Import block: the configured value is the baseline, no call.
fn import(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let id = new_instance(&emu, 1_000, 3_000);
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(&budget_config(&id, 1_000, 3_000));
    tf.run_ok(&["import", ADDR, &id]);
    assert_eq!(tf.state_values(ADDR)["topup_micros"], 3_000);
    tf.assert_no_changes();
    tf.write_main(&budget_config(&id, 1_000, 5_000));
    tf.apply();
    assert_eq!(headroom(&budget(&emu, &id)), 5_000);
    assert_eq!(topups(&emu), 1);
    tf.assert_no_changes();

    // An import block, on a budget whose headroom was partly spent (3000 granted, 1000 left):
    // the configured 3000 is taken as it is, nothing is granted; a raise grants the difference.
    let other = new_instance(&emu, 0, 3_000);
    emu.spend(&other, &json!({"service": "llm", "micros": 2_000}));
    let tf2 = Terraform::with_emulator(version, &emu);
    let block = format!("import {{\n  to = {ADDR}\n  id = \"{other}\"\n}}\n");
    tf2.write_main(&format!("{}{block}", budget_config(&other, 0, 3_000)));
    let plan = tf2.plan_json();
    assert_eq!(plan.actions_of(ADDR), actions(&["update"]));
    assert_eq!(plan.change(ADDR)["importing"]["id"], other.as_str());
    tf2.apply();
    assert_eq!(headroom(&budget(&emu, &other)), 1_000);
    assert_eq!(
        topups(&emu),
        1,
        "the imported baseline must not call top-up"
    );
    tf2.assert_no_changes();
    tf2.write_main(&format!("{}{block}", budget_config(&other, 0, 3_500)));
    tf2.apply();
    assert_eq!(headroom(&budget(&emu, &other)), 1_500);

    // Terraform >= 1.12: an import block by identity; the state records the identity.
    if version == TfVersion::V1_15 {
        let third = new_instance(&emu, 200, 0);
        let tf3 = Terraform::with_emulator(version, &emu);
        let block = format!(
            "import {{\n  to       = {ADDR}\n  identity = {{ instance_id = \"{third}\" }}\n}}\n"
        );
        tf3.write_main(&format!("{}{block}", budget_config(&third, 200, 0)));
        let plan = tf3.plan_json();
        assert!(plan.actions().is_empty(), "{:?}", plan.actions());
        assert!(
            plan.change(ADDR)["importing"].is_object(),
            "{:#}",
            plan.change(ADDR)
        );
        tf3.apply();
        let state = tf3.show_state_json();
        let ident = state["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|rs| rs.iter().find(|r| r["address"] == ADDR))
            .map(|r| r["identity"].clone());
        assert_eq!(ident, Some(json!({"instance_id": third})));
        tf3.assert_no_changes();
    }
}

#[test]
fn import_1_15() {
    import(TfVersion::V1_15);
}

#[test]
fn import_1_11() {
    import(TfVersion::V1_11);
}

/// instance_id change replaces; an instance deleted out of band leaves the state on refresh,
/// and destroying a budget whose instance is gone succeeds even without a refresh.
fn replace_and_instance_gone(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let first = new_instance(&emu, 0, 0);
    let second = new_instance(&emu, 0, 0);
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(&budget_config(&first, 700, 0));
    tf.apply();

    tf.write_main(&budget_config(&second, 700, 0));
    let plan = tf.plan_json();
    assert_eq!(plan.actions_of(ADDR), actions(&["delete", "create"]));
    assert_eq!(plan.change(ADDR)["replace_paths"], json!([["instance_id"]]));
    tf.apply();
    assert_eq!(budget(&emu, &first)["monthly_cap_micros"], 0);
    assert_eq!(budget(&emu, &second)["monthly_cap_micros"], 700);

    // Deleted out of band: destroy without refresh calls delete, which succeeds.
    emu.api_ok("DELETE", &format!("/instances/{second}"), None);
    tf.run_ok(&["destroy", "-auto-approve", "-refresh=false"]);
    assert!(tf.show_state_json()["values"]["root_module"]["resources"].is_null());

    // Deleted out of band: a refresh removes it from state, so destroy has nothing to do and
    // a plan proposes to create it again.
    tf.write_main(&budget_config(&first, 700, 0));
    tf.apply();
    emu.api_ok("DELETE", &format!("/instances/{first}"), None);
    assert_eq!(tf.planned_actions()[ADDR], actions(&["create"]));
    tf.destroy();
}

#[test]
fn replace_and_instance_gone_1_15() {
    replace_and_instance_gone(TfVersion::V1_15);
}

#[test]
fn replace_and_instance_gone_1_11() {
    replace_and_instance_gone(TfVersion::V1_11);
}

/// Spend shows in both data sources and in the resource's counters, against an emulator that
/// serves the later revision's field names (`credit_remaining_micros`).
fn spend_shows_in_data_sources(version: TfVersion) {
    let emu = Emulator::start(&["--budget-names", "credit"]);
    let id = new_instance(&emu, 0, 0);
    let month = emu.control_ok("GET", "clock", None)["month"]
        .as_str()
        .expect("month")
        .to_string();
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(&budget_config(&id, 10_000, 5_000));
    tf.apply();
    assert_eq!(budget(&emu, &id)["credit_remaining_micros"], 5_000);
    assert_eq!(tf.state_values(ADDR)["topup_remaining_micros"], 5_000);

    // 12000 spent: the monthly 10000 first, then 2000 of the headroom.
    emu.spend(
        &id,
        &json!({"service": "llm", "micros": 11_000, "calls": 2, "input_tokens": 300, "output_tokens": 40}),
    );
    emu.spend(&id, &json!({"service": "brave", "micros": 1_000}));
    let data = format!(
        r#"
data "agent37_budget" "b" {{
  instance_id = "{id}"
}}

data "agent37_usage" "now" {{
  instance_id = "{id}"
}}

data "agent37_usage" "then" {{
  instance_id = "{id}"
  month       = "2020-01"
}}

output "budget" {{ value = data.agent37_budget.b }}
output "now" {{ value = data.agent37_usage.now }}
output "then" {{ value = data.agent37_usage.then }}
"#
    );
    tf.write_main(&(budget_config(&id, 10_000, 5_000) + &data));
    tf.apply();
    let out = tf.output_json();
    let b = &out["budget"]["value"];
    assert_eq!(b["monthly_cap_micros"], 10_000, "{b:#}");
    assert_eq!(b["monthly_consumed_micros"], 10_000, "{b:#}");
    assert_eq!(b["monthly_remaining_micros"], 0, "{b:#}");
    assert_eq!(b["topup_remaining_micros"], 3_000, "{b:#}");
    assert_eq!(b["monthly_period"], month.as_str(), "{b:#}");
    let now = &out["now"]["value"];
    let expected = json!({
        "instance_id": id, "month": null, "period": month, "total_micros": 12_000,
        "llm_cost_micros": 11_000, "llm_calls": 2, "llm_input_tokens": 300, "llm_output_tokens": 40,
        "brave_cost_micros": 1_000, "brave_calls": 1, "composio_cost_micros": 0, "composio_calls": 0
    });
    assert_eq!(now, &expected);
    let then = &out["then"]["value"];
    assert_eq!(
        (then["period"].as_str(), then["total_micros"].as_i64()),
        (Some("2020-01"), Some(0))
    );

    // The refreshed resource shows the spend too, with a quiet plan.
    let state = tf.state_values(ADDR);
    assert_eq!(state["topup_remaining_micros"], 3_000, "{state:#}");
    assert_eq!(state["monthly_consumed_micros"], 10_000, "{state:#}");
    tf.assert_no_changes();
}

#[test]
fn spend_shows_in_data_sources_1_15() {
    spend_shows_in_data_sources(TfVersion::V1_15);
}

#[test]
fn spend_shows_in_data_sources_1_11() {
    spend_shows_in_data_sources(TfVersion::V1_11);
}

/// Static rules fail validation on the attribute at fault, saying what is allowed.
fn validation(version: TfVersion) {
    let tf = Terraform::new(version);
    tf.write_main(&config(
        "",
        r#"
resource "agent37_budget" "b" {
  instance_id        = "Not-An-Id"
  monthly_cap_micros = -1
  topup_micros       = -5
}

data "agent37_usage" "u" {
  instance_id = "abc123defg"
  month       = "2026-13"
}
"#,
    ));
    let v = tf.validate_json();
    assert!(!v.valid, "{:#}", v.json);
    let mut found: Vec<(String, String)> = v
        .errors()
        .iter()
        .map(|d| (d.attribute().unwrap_or_default(), d.detail.clone()))
        .collect();
    found.sort();
    let attrs: Vec<&str> = found.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        attrs,
        ["instance_id", "month", "monthly_cap_micros", "topup_micros"],
        "{found:#?}"
    );
    let detail = |a: &str| &found.iter().find(|(n, _)| n == a).expect(a).1;
    assert!(
        detail("monthly_cap_micros").contains("whole number ≥ 0"),
        "{found:#?}"
    );
    assert!(
        detail("topup_micros").contains("whole number ≥ 0"),
        "{found:#?}"
    );
    assert!(detail("month").contains("YYYY-MM"), "{found:#?}");
    assert!(
        detail("instance_id").contains("10 lowercase letters or digits"),
        "{found:#?}"
    );
}

#[test]
fn validation_1_15() {
    validation(TfVersion::V1_15);
}

#[test]
fn validation_1_11() {
    validation(TfVersion::V1_11);
}

/// The examples of the docs, applied as they are written.
fn examples(version: TfVersion) {
    let emu = Emulator::start(&[]);
    let id = new_instance(&emu, 2_000_000, 500_000);
    emu.spend(
        &id,
        &json!({"service": "llm", "micros": 2_250_000, "input_tokens": 1_000, "output_tokens": 234}),
    );
    let run = |example: &str| -> Value {
        let path = support::workspace_root().join(example);
        let hcl = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let tf = Terraform::with_emulator(version, &emu);
        tf.write_main(&config("", &hcl));
        tf.run_ok(&["apply", "-auto-approve", &format!("-var=instance_id={id}")]);
        tf.output_json()
    };
    let out = run("examples/data-sources/agent37_budget/data-source.tf");
    assert_eq!(out["monthly_left_usd"]["value"], "0.00", "{out:#}");
    assert_eq!(out["headroom_left_usd"]["value"], "0.25", "{out:#}");
    let out = run("examples/data-sources/agent37_usage/data-source.tf");
    assert_eq!(out["spend_this_month_usd"]["value"], "2.25", "{out:#}");
    assert_eq!(out["llm_tokens_this_month"]["value"], 1_234, "{out:#}");
    assert_eq!(out["spend_in_january_usd"]["value"], "0.00", "{out:#}");

    // The resource example, with the instance it makes.
    let path = support::workspace_root().join("examples/resources/agent37_budget/resource.tf");
    let hcl = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let tf = Terraform::with_emulator(version, &emu);
    tf.write_main(&config("", &hcl));
    tf.apply();
    let made = tf.state_values("agent37_budget.support")["instance_id"]
        .as_str()
        .expect("instance_id")
        .to_string();
    let b = budget(&emu, &made);
    assert_eq!(
        (b["monthly_cap_micros"].as_i64(), headroom(&b)),
        (Some(5_000_000), 1_000_000)
    );
    tf.assert_no_changes();
}

#[test]
fn examples_1_15() {
    examples(TfVersion::V1_15);
}

#[test]
fn examples_1_11() {
    examples(TfVersion::V1_11);
}
