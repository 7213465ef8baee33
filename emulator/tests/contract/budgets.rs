//! Contract tests for budgets, idempotent top-ups, usage, managed spend, month rollover and
//! the later revision's `credit_*` field names.

use crate::harness::Emulator;
use serde_json::{Value, json};

/// Seconds from `now` to the first second of the next UTC month.
fn to_next_month(now: i64) -> i64 {
    // Walk day by day; a month is at most 31 days, so this is cheap and obviously right.
    let month = |t: i64| {
        let days = t.div_euclid(86_400);
        // civil-from-days, as in the emulator but written independently
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = yoe + era * 400 + i64::from(m <= 2);
        format!("{y:04}-{m:02}")
    };
    let start = month(now);
    let mut t = (now.div_euclid(86_400) + 1) * 86_400;
    while month(t) == start {
        t += 86_400;
    }
    t - now
}

/// A create body's `budget` with the revision's headroom field.
fn budget(rev: crate::harness::Rev, cap: i64, headroom: i64) -> Value {
    let mut b = json!({ "monthly_cap_micros": cap });
    b[rev.headroom()] = json!(headroom);
    b
}

fn month_of_clock(emu: &Emulator) -> String {
    emu.control("GET", "/clock", Value::Null).json()["month"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn budget_defaults_and_create_values() {
    let emu = Emulator::start(&[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let month = month_of_clock(&emu);
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let b = api.get(&format!("/instances/{id}/budget")).json();
    let keys: Vec<&str> = b.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "monthly_cap_micros",
            "monthly_consumed_micros",
            "monthly_remaining_micros",
            "monthly_period",
            "topup_remaining_micros",
            "updated_at"
        ]
    );
    assert_eq!(
        b,
        json!({"monthly_cap_micros": 0, "monthly_consumed_micros": 0, "monthly_remaining_micros": 0,
               "monthly_period": month, "topup_remaining_micros": 0, "updated_at": now})
    );
    for budget in [
        json!({"monthly_cap_micros": 5_000_000, "topup_micros": 700}),
        json!({"monthly_cap_micros": 5_000_000, "credit_micros": 700}),
    ] {
        let id = api.create(json!({"budget": budget}))["id"]
            .as_str()
            .unwrap()
            .to_string();
        let b = api.get(&format!("/instances/{id}/budget")).json();
        assert_eq!(
            (
                b["monthly_cap_micros"].clone(),
                b["monthly_remaining_micros"].clone()
            ),
            (json!(5_000_000), json!(5_000_000))
        );
        assert_eq!(b["topup_remaining_micros"], 700, "{budget}");
    }
    let r = api.post(
        "/instances",
        json!({"budget": {"topup_micros": 1, "credit_micros": 1}}),
    );
    assert_eq!(r.status, 400);
}

both_revisions! {
fn cap_patch_is_idempotent_and_validated(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let path = format!("/instances/{id}/budget");
    emu.advance(5);
    let b = api.patch(&path, json!({"monthly_cap_micros": 1000})).json();
    assert_eq!(
        (
            b["monthly_cap_micros"].clone(),
            b["monthly_remaining_micros"].clone(),
            b["updated_at"].clone()
        ),
        (json!(1000), json!(1000), json!(now + 5))
    );
    emu.advance(5);
    assert_eq!(
        api.patch(&path, json!({"monthly_cap_micros": 1000})).json(),
        b,
        "same cap is not a write"
    );
    assert_eq!(api.get(&path).json(), b);
    for (body, why) in [
        (Some(r#"{"monthly_cap_micros": -1}"#), "negative"),
        (Some(r#"{"monthly_cap_micros": "5"}"#), "string"),
        (Some(r#"{"monthly_cap_micros": 1.5}"#), "fraction"),
        (Some(r#"{"monthly_cap_micros": null}"#), "null"),
        (Some("{}"), "missing"),
        (None, "empty body"),
        (Some("{x"), "malformed"),
    ] {
        let r = api.send("PATCH", &format!("/v1{path}"), body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "invalid_request"),
            "{why}"
        );
    }
    assert_eq!(
        api.patch(&path, json!({"monthly_cap_micros": 0})).json()["monthly_cap_micros"],
        0
    );
    let r = api.send("PATCH", "/v1/instances/zzzzzzzzzz/budget", Some("{x"));
    assert_eq!(r.status, 404, "lookup before validation");
}
}

both_revisions! {
fn top_ups_add_and_replays_do_not(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let a = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let b = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let wallet = emu.wallet(&emu.key);
    let up = |id: &str, body: Value| api.post(&format!("/instances/{id}/budget/top-up"), body);
    emu.advance(3);
    let r = up(&a, json!({"amount_micros": 100}));
    assert_eq!(r.status, 200);
    assert_eq!(
        (
            r.json()[rev.remaining()].clone(),
            r.json()["updated_at"].clone()
        ),
        (json!(100), json!(now + 3))
    );
    assert_eq!(
        up(&a, json!({"amount_micros": 50, "idempotency_key": "k-1"})).json()[rev.remaining()],
        150
    );
    // A known key returns the current budget and adds nothing, whatever the amount.
    emu.advance(3);
    let replay = up(&a, json!({"amount_micros": 999, "idempotency_key": "k-1"})).json();
    assert_eq!(
        (
            replay[rev.remaining()].clone(),
            replay["updated_at"].clone()
        ),
        (json!(150), json!(now + 3))
    );
    // Keys are scoped to the instance.
    assert_eq!(
        up(&b, json!({"amount_micros": 7, "idempotency_key": "k-1"})).json()[rev.remaining()],
        7
    );
    assert_eq!(
        up(&a, json!({"amount_micros": 1, "idempotency_key": "K_2-x"})).json()[rev.remaining()],
        151
    );
    // A budget is a ceiling, not money: the wallet does not move.
    assert_eq!(emu.wallet(&emu.key), wallet);
    let long_key = "k".repeat(65);
    for (body, why) in [
        (json!({"amount_micros": 0}), "zero"),
        (json!({"amount_micros": -5}), "negative"),
        (json!({"amount_micros": "5"}), "string"),
        (json!({}), "missing amount"),
        (
            json!({"amount_micros": 5, "idempotency_key": ""}),
            "empty key",
        ),
        (
            json!({"amount_micros": 5, "idempotency_key": "has space"}),
            "bad char",
        ),
        (
            json!({"amount_micros": 5, "idempotency_key": long_key}),
            "65 chars",
        ),
        (
            json!({"amount_micros": 5, "idempotency_key": 5}),
            "key type",
        ),
        (
            json!({"amount_micros": 0, "idempotency_key": "k-1"}),
            "known key, bad amount",
        ),
    ] {
        let r = up(&a, body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "invalid_request"),
            "{why}"
        );
    }
    assert_eq!(
        up(
            &a,
            json!({"amount_micros": 1, "idempotency_key": "k".repeat(64)})
        )
        .status,
        200
    );
    assert_eq!(
        api.get(&format!("/instances/{a}/budget")).json()[rev.remaining()],
        152
    );
}
}

both_revisions! {
fn spend_order_usage_and_refusal(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    emu.freeze_clock();
    let api = emu.api();
    let month = month_of_clock(&emu);
    let id = api.create(json!({"budget": budget(rev, 1000, 500)}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let spend = |body: Value| emu.control("POST", &format!("/instances/{id}/spend"), body);
    let wallet = emu.wallet(&emu.key);
    let r =
        spend(json!({"service": "llm", "micros": 800, "input_tokens": 1000, "output_tokens": 200}));
    assert_eq!(r.status, 200, "{}", r.text());
    let b = api.get(&format!("/instances/{id}/budget")).json();
    assert_eq!(
        (
            b["monthly_consumed_micros"].clone(),
            b["monthly_remaining_micros"].clone(),
            b[rev.remaining()].clone()
        ),
        (json!(800), json!(200), json!(500))
    );
    // The monthly remainder first, then the top-up headroom.
    spend(json!({"service": "brave", "micros": 300, "calls": 3}));
    let b = api.get(&format!("/instances/{id}/budget")).json();
    assert_eq!(
        (
            b["monthly_consumed_micros"].clone(),
            b["monthly_remaining_micros"].clone(),
            b[rev.remaining()].clone()
        ),
        (json!(1000), json!(0), json!(400))
    );
    spend(json!({"service": "composio", "micros": 400}));
    let r = spend(json!({"service": "llm", "micros": 1}));
    assert_eq!((r.status, r.code().as_str()), (402, "budget_exhausted"));
    assert_eq!(
        emu.wallet(&emu.key),
        wallet - 1500,
        "spend is paid from the wallet"
    );
    let u = api.get(&format!("/instances/{id}/usage")).json();
    assert_eq!(
        u,
        json!({"period": month, "total_micros": 1500, "by_integration": {
            "llm": {"cost_micros": 800, "calls": 1, "input_tokens": 1000, "output_tokens": 200},
            "brave": {"cost_micros": 300, "calls": 3},
            "composio": {"cost_micros": 400, "calls": 1}}})
    );
    assert_eq!(
        api.get(&format!("/instances/{id}/usage?month={month}"))
            .json(),
        u
    );
    let empty = api
        .get(&format!("/instances/{id}/usage?month=2001-01"))
        .json();
    assert_eq!(
        (empty["period"].clone(), empty["total_micros"].clone()),
        (json!("2001-01"), json!(0))
    );
    for bad in [
        "2026-13",
        "2026-1",
        "26-01",
        "2026/01",
        "",
        "abcd-ef",
        "2026-01-01",
    ] {
        let r = api.get(&format!("/instances/{id}/usage?month={bad}"));
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "invalid_request"),
            "{bad:?}"
        );
    }
    assert_eq!(
        api.get("/instances/zzzzzzzzzz/usage?month=bad").status,
        404,
        "lookup first"
    );
    // Raising the cap gives headroom again (no funds move).
    api.patch(
        &format!("/instances/{id}/budget"),
        json!({"monthly_cap_micros": 1100}),
    );
    assert_eq!(spend(json!({"service": "llm", "micros": 100})).status, 200);
    for body in [
        json!({"service": "gpt", "micros": 1}),
        json!({"service": "llm"}),
        json!({"service": "llm", "micros": -1}),
    ] {
        assert_eq!(spend(body.clone()).status, 400, "{body}");
    }
}
}

both_revisions! {
fn month_rollover_resets_monthly_counters_only(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let id = api.create(json!({"budget": budget(rev, 1000, 500)}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let first_month = month_of_clock(&emu);
    emu.control(
        "POST",
        &format!("/instances/{id}/spend"),
        json!({"service": "llm", "micros": 1200}),
    );
    let before = api.get(&format!("/instances/{id}/budget")).json();
    assert_eq!(
        (
            before["monthly_consumed_micros"].clone(),
            before[rev.remaining()].clone()
        ),
        (json!(1000), json!(300))
    );
    // One second before the month ends nothing changes; at the first second of the next it resets.
    let gap = to_next_month(now);
    emu.advance(gap - 1);
    assert_eq!(
        api.get(&format!("/instances/{id}/budget")).json()["monthly_consumed_micros"],
        1000
    );
    emu.advance(1);
    let next_month = month_of_clock(&emu);
    assert_ne!(next_month, first_month);
    let after = api.get(&format!("/instances/{id}/budget")).json();
    assert_eq!(
        after,
        json!({"monthly_cap_micros": 1000, "monthly_consumed_micros": 0, "monthly_remaining_micros": 1000,
               "monthly_period": next_month, (rev.remaining()): 300, "updated_at": before["updated_at"]})
    );
    // Usage stays with its month.
    assert_eq!(
        api.get(&format!("/instances/{id}/usage")).json()["total_micros"],
        0
    );
    assert_eq!(
        api.get(&format!("/instances/{id}/usage?month={first_month}"))
            .json()["total_micros"],
        1200
    );
}
}

#[test]
fn credit_names_option() {
    let emu = Emulator::start(&["--budget-names", "credit"]);
    let api = emu.api();
    // Under the credit names the old create field is silently ignored, as the live service
    // does (issue 12): no headroom results from it.
    for (body, headroom) in [
        (json!({"budget": {"topup_micros": 40}}), 0),
        (
            json!({"budget": {"credit_micros": 40, "topup_micros": 7}}),
            40,
        ),
        (json!({"budget": {"credit_micros": 40}}), 40),
    ] {
        let id = api.create(body)["id"].as_str().unwrap().to_string();
        let b = api.get(&format!("/instances/{id}/budget")).json();
        assert_eq!(b["credit_remaining_micros"], headroom);
        assert!(b.get("topup_remaining_micros").is_none(), "{b}");
        let b = api
            .post(
                &format!("/instances/{id}/budget/top-up"),
                json!({"amount_micros": 2}),
            )
            .json();
        assert_eq!(b["credit_remaining_micros"], headroom + 2);
        let b = api
            .patch(
                &format!("/instances/{id}/budget"),
                json!({"monthly_cap_micros": 2}),
            )
            .json();
        assert_eq!(b["credit_remaining_micros"], headroom + 2);
    }
    // The served names can also be switched at run time.
    let id = api.get("/instances").json()["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.control("POST", "/config", json!({"budget_names": "topup"}));
    assert_eq!(
        api.get(&format!("/instances/{id}/budget")).json()["topup_remaining_micros"],
        42
    );
    assert_eq!(
        emu.control("POST", "/config", json!({"budget_names": "other"}))
            .status,
        400
    );
}
