//! A fleet under fire: instances with budgets applied, refreshed and destroyed while the
//! emulator injects about 20 % mixed faults on every API route (429 with Retry-After, 503
//! no_capacity, 502 provisioning_failed on creates, connections dropped before and after the
//! change commits) plus latency. Asserted through the emulator's API, not Terraform's word:
//! after apply exactly the configured instances exist (no duplicate, no orphan), each top-up was
//! applied exactly once, the state matches the server; after destroy nothing is left. An apply
//! that fails is applied again, and the same guarantees hold once it converges.
//!
//! The emulator's faults are seeded: the k-th request to a route meets the same fault in every
//! run. The fault counts are printed (`cargo xtask test -- reliability::faults --no-capture`).

use std::collections::BTreeMap;
use std::time::Instant;

use testkit::prelude::*;

const CAP: i64 = 2_000_000;
/// Top-up of instance i: distinct per instance, so a double grant shows as a wrong amount.
const TOPUP_BASE: i64 = 1_000_000;
/// Instances (each with a budget) in the fleet.
const FLEET: usize = 50;
/// Bounded re-runs of a Terraform command that failed under faults.
const MAX_RUNS: usize = 4;

fn config(count: usize) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    agent37 = {{ source = "agent37/agent37" }}
  }}
}}

provider "agent37" {{
  max_retries = 10
}}

resource "agent37_instance" "fleet" {{
  count = {count}
  name  = "fleet-${{count.index}}"
  user  = "cust_${{count.index}}"
}}

resource "agent37_budget" "fleet" {{
  count              = {count}
  instance_id        = agent37_instance.fleet[count.index].id
  monthly_cap_micros = {CAP}
  topup_micros       = {TOPUP_BASE} + count.index
}}
"#
    )
}

/// About 20 % of the requests of every route fail, in every way the emulator can fail them,
/// and a fifth are slowed down. Create-only kinds go on the create route: on other routes they
/// would not be the API's answers. A few faults land on fixed requests, so every run has
/// dropped create and top-up answers (the cases that could duplicate) whatever the draw, and the
/// first apply fails: top-ups 3 to 5 get an error the provider must not retry, very likely
/// including the resend of a top-up that already landed (its answer dropped), which the next
/// apply sends again with the same idempotency key.
fn faults(seed: u64) -> Value {
    json!({"seed": seed, "rules": [
        {"route": "POST /v1/instances", "kind": "drop_after", "requests": [1, 2]},
        {"route": "POST /v1/instances/{id}/budget/top-up", "kind": "drop_after", "requests": [1, 2]},
        {"route": "POST /v1/instances/{id}/budget/top-up", "kind": "provisioning_failed", "requests": [3, 4, 5]},
        {"route": "POST /v1/instances", "kind": "no_capacity", "probability": 0.05},
        {"route": "POST /v1/instances", "kind": "provisioning_failed", "probability": 0.05},
        {"route": "*", "kind": "rate_limited", "retry_after": 1, "probability": 0.05},
        {"route": "*", "kind": "no_capacity", "probability": 0.04},
        {"route": "*", "kind": "drop_before", "probability": 0.04},
        {"route": "*", "kind": "drop_after", "probability": 0.04},
        {"route": "*", "kind": "latency", "ms": 150, "probability": 0.2}
    ]})
}

/// Installs `faults(seed)` with the traffic counters (and injected-fault counts) zeroed.
#[track_caller]
fn arm(emu: &Emulator, seed: u64) {
    emu.reset_requests();
    emu.set_faults(&faults(seed));
}

/// Injected faults since `arm`, by kind (from the emulator's fault state).
fn injected(emu: &Emulator) -> BTreeMap<String, u64> {
    let state = emu.control_ok("GET", "faults", None);
    state["injected"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default()
}

fn add(total: &mut BTreeMap<String, u64>, more: BTreeMap<String, u64>) {
    for (k, v) in more {
        *total.entry(k).or_default() += v;
    }
}

/// Runs `terraform ARGS` until it succeeds, at most `MAX_RUNS` times; returns how many runs.
fn converge(tf: &Terraform, args: &[&str]) -> usize {
    let mut failures = Vec::new();
    for run in 1..=MAX_RUNS {
        let out = tf.run(args);
        assert!(
            !out.combined().contains("panic"),
            "the provider panicked:\n{out}"
        );
        if out.success() {
            return run;
        }
        eprintln!(
            "terraform {} failed under faults (run {run}), running it again",
            args.join(" ")
        );
        failures.push(out);
    }
    panic!(
        "terraform {} did not converge in {MAX_RUNS} runs; last:\n{}",
        args.join(" "),
        failures.last().map(|o| o.to_string()).unwrap_or_default()
    );
}

/// Instances whose top-up landed but lost its answer (`drop_after`) and was sent again
/// afterwards, from the emulator's request log: each such resend must have added nothing.
fn resent_after_commit(requests: &Value) -> usize {
    let log = requests["recent"].as_array().cloned().unwrap_or_default();
    let topups: Vec<(&str, Option<&str>)> = log
        .iter()
        .filter(|r| r["route"] == "POST /v1/instances/{id}/budget/top-up")
        .map(|r| (r["path"].as_str().unwrap_or_default(), r["fault"].as_str()))
        .collect();
    let mut resent = 0;
    for (i, (path, fault)) in topups.iter().enumerate() {
        if *fault == Some("drop_after") && topups[i + 1..].iter().any(|(p, _)| p == path) {
            resent += 1;
        }
    }
    resent
}

/// Every resource of the state: address → values.
#[track_caller]
fn state_resources(tf: &Terraform) -> BTreeMap<String, Value> {
    tf.state_resources()
        .into_iter()
        .map(|(address, r)| (address, r["values"].clone()))
        .collect()
}

fn headroom(budget: &Value) -> i64 {
    budget["topup_remaining_micros"]
        .as_i64()
        .or_else(|| budget["credit_remaining_micros"].as_i64())
        .unwrap_or(-1)
}

/// The default workspace's wallet, in micros (control surface: never faulted).
fn wallet(emu: &Emulator) -> i64 {
    let key = emu.api_key().to_string();
    emu.control_ok("GET", &format!("workspaces/{key}"), None)["wallet_micros"]
        .as_i64()
        .unwrap_or_else(|| panic!("no wallet for the default workspace"))
}

/// Exactly the configured fleet exists, each top-up landed once, and the state says so.
/// Returns what each instance's current day cost (for the refund check after destroy).
fn assert_fleet(tf: &Terraform, emu: &Emulator, count: usize) -> Vec<i64> {
    let mut day_paid = Vec::new();
    let on_server = emu.instances(); // faults are off: this goes through the API
    let state = state_resources(tf);

    // No duplicate: each name once; no orphan: the server holds exactly the state's ids.
    let mut names: Vec<String> = on_server
        .values()
        .map(|i| i["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    let mut expected: Vec<String> = (0..count).map(|i| format!("fleet-{i}")).collect();
    expected.sort();
    assert_eq!(names, expected, "the instances on the server");

    for i in 0..count {
        let inst = &state[&format!("agent37_instance.fleet[{i}]")];
        let id = inst["id"].as_str().unwrap_or_default();
        let server = on_server
            .get(id)
            .unwrap_or_else(|| panic!("fleet[{i}] holds {id}, which the server does not have"));
        // The state matches the server.
        for key in ["name", "user", "status", "template", "image_ref", "created"] {
            assert_eq!(inst[key], server[key], "fleet[{i}].{key}");
        }
        assert_eq!(inst["cpu"], server["resources"]["cpu"], "fleet[{i}].cpu");

        let budget_state = &state[&format!("agent37_budget.fleet[{i}]")];
        assert_eq!(budget_state["instance_id"].as_str(), Some(id));
        // Out of band (the control surface is never faulted).
        let record = emu.control_ok("GET", &format!("instances/{id}"), None);
        day_paid.push(record["day_paid_micros"].as_i64().unwrap_or(0));
        let budget = &record["budget"];
        assert_eq!(budget["monthly_cap_micros"].as_i64(), Some(CAP), "{budget}");
        let want = TOPUP_BASE + i as i64;
        assert_eq!(
            headroom(budget),
            want,
            "fleet[{i}] ({id}): the top-up must have been applied exactly once: {budget}"
        );
        assert_eq!(
            budget_state["topup_micros"].as_i64(),
            Some(want),
            "fleet[{i}] budget state"
        );
        for key in ["monthly_cap_micros", "monthly_period"] {
            assert_eq!(budget_state[key], budget[key], "fleet[{i}] budget {key}");
        }
        assert_eq!(
            budget_state["topup_remaining_micros"].as_i64(),
            Some(headroom(budget)),
            "fleet[{i}] budget headroom in state"
        );
    }
    let ids: Vec<&str> = (0..count)
        .filter_map(|i| state[&format!("agent37_instance.fleet[{i}]")]["id"].as_str())
        .collect();
    assert_eq!(ids.len(), on_server.len(), "state and server disagree");
    day_paid
}

/// Faults make a Terraform command fail now and then, so these steps run until they converge
/// rather than as `Case` steps; the empty-plan check of the apply is the refresh under faults,
/// which converges only when `plan -detailed-exitcode` exits 0 (no changes).
fn fleet_under_faults(m: Matrix) {
    let count = FLEET;
    let started = Instant::now();
    let emu = m.emulator(&["--instance-limit", "60", "--wallet-micros", "100000000000"]);
    let tf = Terraform::with_emulator(m.tf, &emu);
    tf.write_main(&config(count));
    let mut total = BTreeMap::new();
    let wallet_before = wallet(&emu);

    // Apply under faults, again until it converges.
    arm(&emu, 37);
    let apply_runs = converge(&tf, &["apply", "-auto-approve", "-parallelism=10"]);
    assert!(
        apply_runs >= 2,
        "the fixed faults make the first apply fail"
    );
    let apply_faults = injected(&emu);
    let requests = emu.requests();
    add(&mut total, apply_faults.clone());
    emu.clear_faults();
    let day_paid = assert_fleet(&tf, &emu, count);
    // Billed once per instance: one day of compute each, nothing for failed or retried creates.
    assert_eq!(
        wallet(&emu),
        wallet_before - day_paid.iter().sum::<i64>(),
        "the wallet after the apply"
    );
    let topups = requests["counters"]["POST /v1/instances/{id}/budget/top-up"]
        .as_u64()
        .unwrap_or(0);
    let creates = requests["counters"]["POST /v1/instances"]
        .as_u64()
        .unwrap_or(0);
    assert!(
        topups > count as u64 && creates > count as u64,
        "the faults made the provider send again: {topups} top-ups, {creates} creates"
    );
    let resent = resent_after_commit(&requests);
    assert!(
        resent >= 2,
        "top-ups that landed with their answer lost were sent again (same key): {resent}"
    );

    // Refresh under the same faults: nothing to change.
    arm(&emu, 38);
    let refresh_runs = converge(&tf, &["plan", "-detailed-exitcode", "-parallelism=10"]);
    add(&mut total, injected(&emu));
    emu.clear_faults();
    assert_fleet(&tf, &emu, count);

    // Destroy under the same faults: nothing is left.
    arm(&emu, 39);
    let destroy_runs = converge(&tf, &["destroy", "-auto-approve", "-parallelism=10"]);
    add(&mut total, injected(&emu));
    emu.clear_faults();
    assert!(
        emu.instances().is_empty(),
        "left after destroy: {:#?}",
        emu.instances()
    );
    assert!(state_resources(&tf).is_empty(), "the state is not empty");
    // Each instance refunded once: what is left of its day, at least an hour billed (the whole
    // test takes far less than that hour, so the refund is exact). The clock is not frozen:
    // create safety compares `created` with the server's `Date` header, which is real time.
    let kept: i64 = day_paid
        .iter()
        .map(|d| d - d * (86_400 - 3_600) / 86_400)
        .sum();
    assert_eq!(
        wallet(&emu),
        wallet_before - kept,
        "the wallet after destroy"
    );

    println!(
        "reliability_faults (Terraform {}, {count} instances + budgets): apply converged in \
         {apply_runs} run(s), refresh in {refresh_runs}, destroy in {destroy_runs}; \
         {creates} create and {topups} top-up requests, {resent} top-ups resent after \
         landing; faults injected: {total:?} \
         (apply alone: {apply_faults:?}); {:.0?}",
        m.tf.full(),
        started.elapsed()
    );
}

matrix!(fleet_under_faults);
