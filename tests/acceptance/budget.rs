//! `agent37_budget`, its list resource and the `agent37_budget` / `agent37_budgets` /
//! `agent37_usage` data sources, against both API revisions (the budget's credit is called
//! `topup_*` on 2026-06-25 and `credit_*` on 2026-08-21). Instances are made through the
//! emulator's API directly, so these tests depend on no other resource.

use std::collections::BTreeSet;

use testkit::prelude::*;

use crate::common::example;

const ADDR: &str = "agent37_budget.b";
const TOPUP_ROUTE: &str = "POST /v1/instances/{id}/budget/top-up";

fn budget_config(instance_id: &str, cap: i64, credit: i64) -> String {
    config(&format!(
        r#"
resource "agent37_budget" "b" {{
  instance_id        = "{instance_id}"
  monthly_cap_micros = {cap}
  credit_micros      = {credit}
}}
"#
    ))
}

/// A new instance made through the API (with an initial budget), returning its id. The create
/// names the credit `credit_micros`, which both revisions take.
#[track_caller]
fn new_instance(emu: &Emulator, cap: i64, credit: i64) -> String {
    emu.create_instance(&json!({"budget": {"monthly_cap_micros": cap, "credit_micros": credit}}))
}

/// The warnings of a `plan -json` of the configuration as it is.
#[track_caller]
fn plan_warnings(case: &Case<'_>, summary: &str) -> Vec<testkit::terraform::Diagnostic> {
    let (out, lines) = case.tf().run_json_lines(&["plan", "-json"]);
    out.assert_success();
    testkit::terraform::diagnostics_in_stream(&lines)
        .into_iter()
        .filter(|d| d.severity == "warning" && d.summary == summary)
        .collect()
}

/// The one-time credit left, under whichever name the emulator serves.
#[track_caller]
fn headroom(b: &Value) -> i64 {
    b["topup_remaining_micros"]
        .as_i64()
        .or_else(|| b["credit_remaining_micros"].as_i64())
        .unwrap_or_else(|| panic!("no headroom field in {b}"))
}

fn actions(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Create, quiet plan, cap change in place, raises granting only the difference, a repeated
/// apply adding nothing, a lowering that warns and calls nothing, import-and-verify, destroy
/// keeping headroom.
fn lifecycle(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = new_instance(&emu, 0, 0);
    let mut case = m.case(&emu);
    case.check_destroy(|| assert_eq!(emu.budget(&id)["monthly_cap_micros"], 0));

    case.apply(budget_config(&id, 1_000_000, 2_000));
    let b = emu.budget(&id);
    assert_eq!(
        (b["monthly_cap_micros"].as_i64(), headroom(&b)),
        (Some(1_000_000), 2_000)
    );
    // Both names hold the one value, whatever the revision calls it.
    let state = case.tf().state_values(ADDR);
    assert_eq!(state["credit_remaining_micros"], 2_000, "{state:#}");
    assert_eq!(state["topup_remaining_micros"], 2_000, "{state:#}");
    assert_eq!(state["topup_micros"], 2_000, "{state:#}");
    assert_eq!(state["monthly_remaining_micros"], 1_000_000, "{state:#}");

    // A cap changed elsewhere is drift that the next apply puts back.
    let patch = json!({"monthly_cap_micros": 42});
    emu.api_ok("PATCH", &format!("/instances/{id}/budget"), Some(&patch));
    assert_eq!(case.replan().actions()[ADDR], actions(&["update"]));
    case.reapply();
    assert_eq!(emu.budget(&id)["monthly_cap_micros"], 1_000_000);

    // Cap change: in place.
    let plan = case.plan(budget_config(&id, 2_500_000, 2_000));
    assert_eq!(plan.actions_of(ADDR), actions(&["update"]));
    case.reapply();
    assert_eq!(emu.budget(&id)["monthly_cap_micros"], 2_500_000);
    assert_eq!(emu.count(TOPUP_ROUTE), 1);

    // Raise: exactly the difference, once; a second apply adds nothing.
    case.apply(budget_config(&id, 2_500_000, 5_000));
    assert_eq!(headroom(&emu.budget(&id)), 5_000);
    case.reapply();
    assert_eq!(headroom(&emu.budget(&id)), 5_000);
    assert_eq!(emu.count(TOPUP_ROUTE), 2);

    // Lowering: a warning on credit_micros, no call, the credit stays.
    case.tf().write_main(&budget_config(&id, 2_500_000, 1_000));
    let warnings = plan_warnings(&case, "Credit is not taken back");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0].detail.contains("no credit is removed"),
        "{}",
        warnings[0].detail
    );
    assert_eq!(warnings[0].attribute().as_deref(), Some("credit_micros"));
    // The lowering calls nothing, so the counters keep their values in the plan (issue 15: on
    // main every change marked them unknown).
    let plan = case.replan();
    let unknown = &plan.change(ADDR)["after_unknown"];
    for counter in [
        "credit_remaining_micros",
        "monthly_remaining_micros",
        "monthly_consumed_micros",
        "updated_at",
    ] {
        assert_ne!(
            unknown[counter], true,
            "{counter} must stay known: {unknown:#}"
        );
    }
    let applied = case.reapply().output;
    assert!(
        applied.combined().contains("Credit is not taken back"),
        "{applied}"
    );
    assert_eq!(headroom(&emu.budget(&id)), 5_000);
    assert_eq!(emu.count(TOPUP_ROUTE), 2, "lowering must not call top-up");
    assert_eq!(case.tf().state_values(ADDR)["credit_micros"], 1_000);

    // Raising again grants only what exceeds the highest value (5000).
    case.apply(budget_config(&id, 2_500_000, 4_000));
    assert_eq!(
        (headroom(&emu.budget(&id)), emu.count(TOPUP_ROUTE)),
        (5_000, 2)
    );
    case.apply(budget_config(&id, 2_500_000, 6_000));
    assert_eq!(
        (headroom(&emu.budget(&id)), emu.count(TOPUP_ROUTE)),
        (6_000, 3)
    );

    // Imported again (CLI, block, identity): the same budget, nothing to change, no top-up.
    case.verify_import(ADDR, &id, &[]);
    assert_eq!(emu.count(TOPUP_ROUTE), 3, "an import must not call top-up");

    // Destroy: the cap goes back to 0, granted headroom stays.
    case.destroy();
    let b = emu.budget(&id);
    assert_eq!(
        (b["monthly_cap_micros"].as_i64(), headroom(&b)),
        (Some(0), 6_000)
    );
}

matrix!(lifecycle: tf_1_15; api_2026_06_25, api_2026_08_21);

/// A top-up whose answer is lost after the server committed it: the failed apply and its
/// re-run add the headroom exactly once, on create and on update, with and without retries.
fn topup_is_never_added_twice(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = new_instance(&emu, 0, 0);
    let mut case = m.case(&emu);
    let drop_first = json!({"seed": 1, "rules": [
        {"route": TOPUP_ROUTE, "kind": "drop_after", "requests": [1]}
    ]});
    let no_retries = |topup: i64| {
        provider_config(
            "max_retries = 0",
            &format!(
                "resource \"agent37_budget\" \"b\" {{\n  instance_id = \"{id}\"\n  credit_micros = {topup}\n}}\n"
            ),
        )
    };

    // Create: the top-up commits, its answer is dropped, the apply fails (kept, tainted).
    emu.set_faults(&drop_first);
    let topup_failed = |summary: &str| {
        Diag::error(summary)
            .detail_contains(&format!("POST /instances/{id}/budget/top-up failed"))
            .address(ADDR)
    };
    case.step(
        Step::apply(no_retries(4_000))
            .expect_error(topup_failed("Unable to create budget: top-up failed")),
    );
    assert_eq!(headroom(&emu.budget(&id)), 4_000);
    case.reapply();
    assert_eq!(headroom(&emu.budget(&id)), 4_000, "the re-run added again");

    // Update: the same, for a raise.
    emu.set_faults(&drop_first);
    case.step(
        Step::apply(no_retries(7_000))
            .expect_error(topup_failed("Unable to update budget: top-up failed")),
    );
    assert_eq!(headroom(&emu.budget(&id)), 7_000);
    assert_eq!(case.replan().actions()[ADDR], actions(&["update"]));
    case.reapply();
    assert_eq!(headroom(&emu.budget(&id)), 7_000, "the re-run added again");

    // With retries, the client resends the same key within one apply.
    emu.set_faults(&drop_first);
    case.apply(budget_config(&id, 0, 9_000));
    assert_eq!(headroom(&emu.budget(&id)), 9_000);
    case.reapply();
    assert_eq!(headroom(&emu.budget(&id)), 9_000);
}

matrix!(topup_is_never_added_twice: tf_1_15; api_2026_06_25, api_2026_08_21);

/// CLI import: the next plan is empty when the configuration matches the budget, and a later
/// raise grants only the difference. Import block: the configured value is the baseline, no call.
fn import(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = new_instance(&emu, 1_000, 3_000);
    let mut case = m.case(&emu);
    case.step(Step::import(ADDR, &id).config(budget_config(&id, 1_000, 3_000)));
    assert_eq!(case.tf().state_values(ADDR)["credit_micros"], 3_000);
    case.apply(budget_config(&id, 1_000, 5_000));
    assert_eq!(headroom(&emu.budget(&id)), 5_000);
    assert_eq!(emu.count(TOPUP_ROUTE), 1);

    // An import block, on a budget whose credit was partly spent (3000 granted, 1000 left):
    // the configured 3000 is taken as it is, nothing is granted, and the plan says so (it
    // used to plan the change silently); a raise grants the difference.
    let other = new_instance(&emu, 0, 3_000);
    emu.spend(&other, &json!({"service": "llm", "micros": 2_000}));
    let mut case2 = m.case(&emu);
    let block = format!("import {{\n  to = {ADDR}\n  id = \"{other}\"\n}}\n");
    let plan = case2.plan(format!("{}{block}", budget_config(&other, 0, 3_000)));
    assert_eq!(plan.actions_of(ADDR), actions(&["update"]));
    assert_eq!(plan.change(ADDR)["importing"]["id"], other.as_str());
    let warnings = plan_warnings(&case2, "Imported credit: nothing is granted");
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert_eq!(warnings[0].attribute().as_deref(), Some("credit_micros"));
    for piece in ["1000 micros of credit left", "no top-up is made now"] {
        assert!(warnings[0].detail.contains(piece), "{}", warnings[0].detail);
    }
    case2.reapply();
    assert_eq!(headroom(&emu.budget(&other)), 1_000);
    assert_eq!(
        emu.count(TOPUP_ROUTE),
        1,
        "the imported baseline must not call top-up"
    );
    case2.apply(format!("{}{block}", budget_config(&other, 0, 3_500)));
    assert_eq!(headroom(&emu.budget(&other)), 1_500);

    // Terraform >= 1.12: an import block by identity; the state records the identity.
    if m.tf.has_identity_import() {
        let third = new_instance(&emu, 200, 0);
        let mut case3 = m.case(&emu);
        let block = format!(
            "import {{\n  to       = {ADDR}\n  identity = {{ instance_id = \"{third}\" }}\n}}\n"
        );
        let plan = case3.plan(format!("{}{block}", budget_config(&third, 200, 0)));
        assert!(plan.actions().is_empty(), "{:?}", plan.actions());
        assert!(
            plan.change(ADDR)["importing"].is_object(),
            "{:#}",
            plan.change(ADDR)
        );
        case3.reapply();
        assert_eq!(
            case3.tf().state_identity(ADDR),
            json!({"instance_id": third})
        );
    }
}

matrix!(import: tf_1_15; api_2026_06_25, api_2026_08_21);

/// instance_id change replaces; an instance deleted out of band leaves the state on refresh,
/// and destroying a budget whose instance is gone succeeds even without a refresh.
fn replace_and_instance_gone(m: Matrix) {
    let emu = m.emulator(&[]);
    let first = new_instance(&emu, 0, 0);
    let second = new_instance(&emu, 0, 0);
    let mut case = m.case(&emu);
    case.apply(budget_config(&first, 700, 0));

    let plan = case.plan(budget_config(&second, 700, 0));
    assert_eq!(plan.actions_of(ADDR), actions(&["delete", "create"]));
    assert_eq!(plan.change(ADDR)["replace_paths"], json!([["instance_id"]]));
    case.reapply();
    assert_eq!(emu.budget(&first)["monthly_cap_micros"], 0);
    assert_eq!(emu.budget(&second)["monthly_cap_micros"], 700);

    // Deleted out of band: destroy without refresh calls delete, which succeeds (and the
    // destroy step checks the state is empty).
    emu.api_ok("DELETE", &format!("/instances/{second}"), None);
    case.step(Step::destroy().args(&["-refresh=false"]));

    // Deleted out of band: a refresh removes it from state, so destroy has nothing to do and
    // a plan proposes to create it again.
    case.apply(budget_config(&first, 700, 0));
    emu.api_ok("DELETE", &format!("/instances/{first}"), None);
    assert_eq!(case.replan().actions()[ADDR], actions(&["create"]));
    case.destroy();
}

matrix!(replace_and_instance_gone: tf_1_15; api_2026_06_25, api_2026_08_21);

/// Spend shows in both data sources and in the resource's counters, against an emulator that
/// serves the later revision's field names (`credit_remaining_micros`).
fn spend_shows_in_data_sources(m: Matrix) {
    let emu = m.emulator(&["--budget-names", "credit"]);
    let id = new_instance(&emu, 0, 0);
    let month = emu.control_ok("GET", "clock", None)["month"]
        .as_str()
        .expect("month")
        .to_string();
    let mut case = m.case(&emu);
    case.apply(budget_config(&id, 10_000, 5_000));
    assert_eq!(emu.budget(&id)["credit_remaining_micros"], 5_000);
    assert_eq!(
        case.tf().state_values(ADDR)["credit_remaining_micros"],
        5_000
    );

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
    case.apply(budget_config(&id, 10_000, 5_000) + &data);
    let out = case.tf().output_json();
    let b = &out["budget"]["value"];
    assert_eq!(b["monthly_cap_micros"], 10_000, "{b:#}");
    assert_eq!(b["monthly_consumed_micros"], 10_000, "{b:#}");
    assert_eq!(b["monthly_remaining_micros"], 0, "{b:#}");
    assert_eq!(b["credit_remaining_micros"], 3_000, "{b:#}");
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

    // The refreshed resource shows the spend too (and the plan after the apply was quiet).
    let state = case.tf().state_values(ADDR);
    assert_eq!(state["credit_remaining_micros"], 3_000, "{state:#}");
    assert_eq!(state["monthly_consumed_micros"], 10_000, "{state:#}");
}

matrix!(spend_shows_in_data_sources: tf_1_15);

/// Static rules fail validation on the attribute at fault, saying what is allowed.
fn validation(m: Matrix) {
    let tf = Terraform::new(m.tf);
    tf.write_main(&provider_config(
        "",
        r#"
resource "agent37_budget" "b" {
  instance_id        = "Not-An-Id"
  monthly_cap_micros = -1
  credit_micros      = -5
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
        [
            "credit_micros",
            "instance_id",
            "month",
            "monthly_cap_micros"
        ],
        "{found:#?}"
    );
    let detail = |a: &str| &found.iter().find(|(n, _)| n == a).expect(a).1;
    assert!(
        detail("monthly_cap_micros").contains("whole number ≥ 0"),
        "{found:#?}"
    );
    assert!(
        detail("credit_micros").contains("whole number ≥ 0"),
        "{found:#?}"
    );
    assert!(detail("month").contains("YYYY-MM"), "{found:#?}");
    assert!(
        detail("instance_id").contains("10 lowercase letters or digits"),
        "{found:#?}"
    );

    // The credit under both names at once: one error, on the deprecated one.
    tf.write_main(&budget_config("abc123defg", 0, 5).replace(
        "credit_micros      = 5",
        "credit_micros      = 5\n  topup_micros       = 5",
    ));
    let v = tf.validate_json();
    let errors: Vec<_> = v
        .errors()
        .iter()
        .map(|d| (d.summary.clone(), d.attribute().unwrap_or_default()))
        .collect();
    assert_eq!(
        errors,
        [("Credit set twice".to_string(), "topup_micros".to_string())],
        "{:#}",
        v.json
    );

    // The deprecated name alone is valid, with a warning on it that names its successor.
    tf.write_main(&budget_config("abc123defg", 0, 5).replace("credit_micros ", "topup_micros  "));
    let v = tf.validate_json();
    assert!(v.valid, "{:#}", v.json);
    let warnings: Vec<_> = v
        .diagnostics
        .iter()
        .filter(|d| d.severity == "warning" && d.summary == "Deprecated attribute")
        .collect();
    assert_eq!(warnings.len(), 1, "{:#}", v.json);
    assert_eq!(warnings[0].attribute().as_deref(), Some("topup_micros"));
    assert!(
        warnings[0]
            .detail
            .starts_with("topup_micros is deprecated. Use `credit_micros`"),
        "{}",
        warnings[0].detail
    );
}

matrix!(validation: tf_1_15);

/// The examples of the docs, applied as they are written.
fn examples(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = new_instance(&emu, 2_000_000, 500_000);
    emu.spend(
        &id,
        &json!({"service": "llm", "micros": 2_250_000, "input_tokens": 1_000, "output_tokens": 234}),
    );
    let run = |path: &str| -> Value {
        let mut case = m.case(&emu);
        case.step(Step::apply(config(&example(path))).var("instance_id", &id));
        case.tf().output_json()
    };
    let out = run("data-sources/agent37_budget/data-source.tf");
    assert_eq!(out["monthly_left_usd"]["value"], "0.00", "{out:#}");
    assert_eq!(out["credit_left_usd"]["value"], "0.25", "{out:#}");
    let out = run("data-sources/agent37_usage/data-source.tf");
    assert_eq!(out["spend_this_month_usd"]["value"], "2.25", "{out:#}");
    assert_eq!(out["llm_tokens_this_month"]["value"], 1_234, "{out:#}");
    assert_eq!(out["spend_in_january_usd"]["value"], "0.00", "{out:#}");

    // The resource example, with the instance it makes.
    let mut case = m.case(&emu);
    case.apply(config(&example("resources/agent37_budget/resource.tf")));
    let made = case.tf().state_values("agent37_budget.support")["instance_id"]
        .as_str()
        .expect("instance_id")
        .to_string();
    let b = emu.budget(&made);
    assert_eq!(
        (b["monthly_cap_micros"].as_i64(), headroom(&b)),
        (Some(5_000_000), 1_000_000)
    );
}

// The Terraform 1.11 smoke of the budget, on both revisions.
matrix!(examples: tf_1_15, tf_1_11; api_2026_06_25, api_2026_08_21);

/// `create_before_destroy`, then `-replace`: Terraform creates the replacement (which sets the
/// cap) before destroying the deposed object, on the same one budget of the instance. The
/// destroy must leave the cap of its replacement alone: the server ends at the configured
/// cap, and the plan after the apply is empty (it used to end at 0, with the state at 5 USD).
fn create_before_destroy_keeps_the_cap(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = new_instance(&emu, 0, 0);
    let mut case = m.case(&emu);
    let cbd = config(&format!(
        r#"
resource "agent37_budget" "b" {{
  instance_id        = "{id}"
  monthly_cap_micros = 5000000
  credit_micros      = 1000

  lifecycle {{
    create_before_destroy = true
  }}
}}
"#
    ));
    case.apply(cbd.clone());
    assert_eq!(emu.budget(&id)["monthly_cap_micros"], 5_000_000);
    case.step(Step::apply(cbd).args(&[&format!("-replace={ADDR}")]));
    let b = emu.budget(&id);
    assert_eq!(
        (b["monthly_cap_micros"].as_i64(), headroom(&b)),
        (Some(5_000_000), 1_000),
        "the replacement grants nothing new"
    );
    // The replacement's create grants from zero under the same idempotency key as the first
    // grant (instance id + highest value), which the API answers without adding.
    assert_eq!(emu.count(TOPUP_ROUTE), 2);
    // A plain destroy still sets the cap back to 0.
    case.destroy();
    assert_eq!(emu.budget(&id)["monthly_cap_micros"], 0);
}

matrix!(create_before_destroy_keeps_the_cap: tf_1_15; api_2026_06_25, api_2026_08_21);

/// The `agent37_budgets` data source and the `agent37_budget` list resource: filtered like the
/// instances, and `terraform query -generate-config-out` adopts the budgets with an import
/// that plans no change (the generated credit is what the budget has left).
fn list_and_plural_data_source(m: Matrix) {
    let emu = m.emulator(&[]);
    let a = emu.create_instance(&json!({"name": "a", "user": "cust_4411",
        "budget": {"monthly_cap_micros": 700_000, "credit_micros": 300_000}}));
    let b = emu.create_instance(&json!({"name": "b", "user": "cust_4411",
        "budget": {"monthly_cap_micros": 0, "credit_micros": 0}}));
    let other = emu.create_instance(&json!({"name": "c", "user": "other"}));
    emu.spend(&a, &json!({"service": "llm", "micros": 800_000}));

    let mut case = m.case(&emu);
    case.apply(config(&example(
        "data-sources/agent37_budgets/data-source.tf",
    )));
    let out = case.tf().output_json();
    assert_eq!(
        out["credit_left_usd"]["value"],
        json!({ a.as_str(): "0.20", b.as_str(): "0.00" }),
        "{out:#}"
    );
    case.apply(config(
        "data \"agent37_budgets\" \"all\" {}\noutput \"all\" { value = data.agent37_budgets.all }\n",
    ));
    let all = &case.tf().output_json()["all"]["value"];
    let ids: BTreeSet<String> = all["instance_ids"]
        .as_array()
        .expect("instance_ids")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    assert_eq!(ids, crate::newer::set(&[&a, &b, &other]));
    let of_a = all["budgets"]
        .as_array()
        .and_then(|v| v.iter().find(|x| x["instance_id"] == a.as_str()))
        .expect("a's budget");
    assert_eq!(
        (
            of_a["monthly_cap_micros"].as_i64(),
            of_a["monthly_consumed_micros"].as_i64(),
            of_a["credit_remaining_micros"].as_i64()
        ),
        (Some(700_000), Some(700_000), Some(200_000)),
        "{of_a:#}"
    );

    // terraform query, then the generated configuration imports with no change.
    let tf = case.tf();
    tf.write_main(&config(""));
    tf.write_file(
        "budgets.tfquery.hcl",
        &example("list-resources/agent37_budget/list-resource.tfquery.hcl"),
    );
    let found = crate::newer::query(tf);
    assert_eq!(
        found.get("list.agent37_budget.customer"),
        Some(&crate::newer::set(&[&a, &b])),
        "{found:?}"
    );
    tf.run_ok(&["query", "-generate-config-out=generated.tf"]);
    let generated = tf.workdir().read("generated.tf");
    let lines: BTreeSet<String> = generated.lines().map(|l| l.replace(' ', "")).collect();
    for present in [
        "monthly_cap_micros=700000",
        "credit_micros=200000",
        "identity={",
    ] {
        assert!(lines.contains(present), "{present} not in:\n{generated}");
    }
    assert!(!generated.contains("topup_micros"), "{generated}");
    let plan = case.replan();
    assert!(
        plan.actions().is_empty(),
        "import only: {:?}",
        plan.actions()
    );
    assert_eq!(plan.imported().len(), 2, "{:?}", plan.imported());
    case.reapply();
    assert_eq!(emu.count(TOPUP_ROUTE), 0, "adopting grants nothing");
}

matrix!(list_and_plural_data_source: tf_1_15; api_2026_06_25, api_2026_08_21);

/// The files of the testing guide, as written: its fenced blocks whose first line is
/// `# <file name>`, in order.
fn guide_files() -> Vec<(String, String)> {
    let path = testkit::workspace_root().join("templates/guides/testing.md");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut files = Vec::new();
    let mut block: Option<Vec<&str>> = None;
    for line in text.lines() {
        match (&mut block, line.starts_with("```")) {
            (None, true) => block = Some(Vec::new()),
            (Some(lines), true) => {
                if let Some(name) = lines.first().and_then(|l| l.strip_prefix("# "))
                    && (name.ends_with(".tf") || name.ends_with(".tftest.hcl"))
                {
                    files.push((name.to_string(), lines[1..].join("\n") + "\n"));
                }
                block = None;
            }
            (Some(lines), false) => lines.push(line),
            (None, false) => {}
        }
    }
    files
}

/// The testing guide runs as written: the instance → budget pattern under
/// `mock_provider "agent37" {}` (whose made-up 8-character instance id used to fail the
/// `instance_id` check), and the same module against the emulator.
fn testing_guide(m: Matrix) {
    let files = guide_files();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "main.tf",
            "tests/mocked.tftest.hcl",
            "tests/emulator.tftest.hcl"
        ]
    );
    let emu = m.emulator(&[]);
    let mut tf = Terraform::new(m.tf);
    for (name, text) in &files {
        tf.write_file(name, text);
    }
    // Mocked: no emulator, no key.
    let out = tf.run(&["test", "-no-color", "-filter=tests/mocked.tftest.hcl"]);
    out.assert_success();
    assert!(out.stdout.contains("2 passed, 0 failed"), "{out}");
    assert!(emu.instances().is_empty());

    tf.use_emulator(&emu);
    let out = tf.run(&["test", "-no-color", "-filter=tests/emulator.tftest.hcl"]);
    out.assert_success();
    assert!(out.stdout.contains("2 passed, 0 failed"), "{out}");
    // terraform test destroys what it made: the instance is gone.
    assert!(emu.instances().is_empty(), "{:#?}", emu.instances());
    assert_eq!(emu.count(TOPUP_ROUTE), 1);
}

matrix!(testing_guide: tf_1_15, tf_1_11; api_2026_08_21);
