//! The control surface: workspaces, wallet renewals and past due driven by the clock,
//! traffic counters, out-of-band changes, the clock and reset.

use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::{Emulator, day_cost};

#[test]
fn workspaces_control() {
    let emu = Emulator::start(&[]);
    let key = "sk_live_ABCDEFGHIJKLMNOPQRSTUVWX12";
    let r = emu.control(
        "POST",
        "/workspaces",
        json!({"api_key": key, "tier": "free", "wallet_micros": 5}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["api_key"], key);
    let w = emu
        .control("GET", &format!("/workspaces/{key}"), Value::Null)
        .json();
    assert_eq!(
        w,
        json!({"api_key": key, "tier": "free", "wallet_micros": 5, "instance_limit": 1,
               "instance_limit_override": null, "instances": 0, "created": w["created"],
               "topups_total_micros": 0, "shared_enabled": false, "ip_allowlist": [],
               "instance_cap": 1, "suspended": false})
    );
    let r = emu.control("POST", "/workspaces", json!({"api_key": key}));
    assert_eq!((r.status, r.code().as_str()), (409, "conflict"));
    for body in [
        json!({"api_key": "sk_live_short"}),
        json!({"tier": "gold"}),
        json!({"wallet_micros": -1}),
        json!({"instance_limit": "x"}),
    ] {
        assert_eq!(
            emu.control("POST", "/workspaces", body.clone()).status,
            400,
            "{body}"
        );
    }
    let w = emu
        .control(
            "PATCH",
            &format!("/workspaces/{key}"),
            json!({"tier": "paid", "wallet_micros": 9}),
        )
        .json();
    assert_eq!(
        (
            w["tier"].clone(),
            w["instance_limit"].clone(),
            w["wallet_micros"].clone()
        ),
        (json!("paid"), json!(10), json!(9))
    );
    let w = emu
        .control(
            "PATCH",
            &format!("/workspaces/{key}"),
            json!({"instance_limit": 150}),
        )
        .json();
    assert_eq!(
        (
            w["instance_limit"].clone(),
            w["instance_limit_override"].clone()
        ),
        (json!(150), json!(150))
    );
    assert_eq!(
        emu.control("GET", "/workspaces/sk_live_nope", Value::Null)
            .status,
        404
    );
    let all = emu.control("GET", "/workspaces", Value::Null).json();
    assert_eq!(all["default_api_key"], emu.key.as_str());
    assert_eq!(all["data"].as_array().unwrap().len(), 2);
    // The new workspace's key works on the API at once.
    assert_eq!(emu.api_with(key).get("/instances").status, 200);
    assert_eq!(emu.control("GET", "/nope", Value::Null).status, 404);
}

#[test]
fn renewals_debit_a_day_every_24h_including_stopped() {
    let emu = Emulator::start(&[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let d = day_cost(2, 4, 6);
    let big = day_cost(4, 8, 20);
    let w0 = emu.wallet(&emu.key);
    let a = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let b = api.create(json!({"resources": {"cpu": 4, "memory": 8}}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.post(&format!("/instances/{b}/stop"), Value::Null);
    assert_eq!(emu.wallet(&emu.key), w0 - d - big);
    emu.advance(86_399);
    assert_eq!(emu.wallet(&emu.key), w0 - d - big, "not due yet");
    emu.advance(1);
    assert_eq!(
        emu.wallet(&emu.key),
        w0 - 2 * (d + big),
        "stopped bills like running"
    );
    assert_eq!(
        api.get(&format!("/instances/{a}")).json()["paid_through"],
        now + 2 * 86_400
    );
    emu.advance(3 * 86_400);
    assert_eq!(emu.wallet(&emu.key), w0 - 5 * (d + big));
    let got = api.get(&format!("/instances/{b}")).json();
    assert_eq!(
        (
            got["paid_through"].clone(),
            got["status"].clone(),
            got["past_due"].clone()
        ),
        (json!(now + 5 * 86_400), json!("stopped"), json!(false))
    );
    // A resize is billed from the next renewal on.
    api.post(
        &format!("/instances/{a}/resize"),
        json!({"cpu": 4, "memory": 8}),
    );
    emu.advance(86_400);
    assert_eq!(emu.wallet(&emu.key), w0 - 5 * (d + big) - 2 * big);
}

#[test]
fn past_due_stops_and_a_funded_start_clears_it() {
    let emu = Emulator::start(&[]);
    emu.freeze_clock();
    let d = day_cost(2, 4, 6);
    let key = emu.workspace(json!({"wallet_micros": d})).key.unwrap();
    let api = emu.api_with(&key);
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    assert_eq!(emu.wallet(&key), 0);
    let now = emu.advance(86_400);
    let got = api.get(&format!("/instances/{id}")).json();
    assert_eq!(
        (got["status"].clone(), got["past_due"].clone()),
        (json!("stopped"), json!(true))
    );
    let r = api.post(&format!("/instances/{id}/start"), Value::Null);
    assert_eq!((r.status, r.code().as_str()), (402, "insufficient_balance"));
    // Past-due instances are not renewed again meanwhile.
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"wallet_micros": d - 1}),
    );
    emu.advance(86_400);
    assert_eq!(emu.wallet(&key), d - 1);
    assert_eq!(
        api.post(&format!("/instances/{id}/start"), Value::Null)
            .code(),
        "insufficient_balance"
    );
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"wallet_micros": d + 5}),
    );
    let r = api.post(&format!("/instances/{id}/start"), Value::Null);
    assert_eq!(r.json(), json!({"id": id, "status": "running"}));
    let got = api.get(&format!("/instances/{id}")).json();
    assert_eq!(
        (
            got["status"].clone(),
            got["past_due"].clone(),
            got["paid_through"].clone()
        ),
        (json!("running"), json!(false), json!(now + 86_400 + 86_400))
    );
    assert_eq!(emu.wallet(&key), 5);
}

#[test]
fn renewals_drain_a_shared_wallet_oldest_first() {
    let emu = Emulator::start(&[]);
    emu.freeze_clock();
    let d = day_cost(2, 4, 6);
    let key = emu.workspace(json!({"wallet_micros": 62 * d})).key.unwrap();
    let api = emu.api_with(&key);
    let first = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let second = api.create(json!({}))["id"].as_str().unwrap().to_string();
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"wallet_micros": d}),
    );
    emu.advance(86_400);
    let a = api.get(&format!("/instances/{first}")).json();
    let b = api.get(&format!("/instances/{second}")).json();
    assert_eq!(
        (a["status"].clone(), a["past_due"].clone()),
        (json!("running"), json!(false))
    );
    assert_eq!(
        (b["status"].clone(), b["past_due"].clone()),
        (json!("stopped"), json!(true))
    );
    // Deleting a past-due instance refunds nothing (its day is over).
    api.delete(&format!("/instances/{second}"));
    assert_eq!(emu.wallet(&key), 0);
}

both_revisions! {
fn request_counters_and_log(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    for _ in 0..3 {
        api.get(&format!("/instances/{id}"));
    }
    api.get("/nope");
    emu.raw().send("GET", "/v1/instances", None);
    emu.control("GET", "/clock", Value::Null);
    let r = emu.control("GET", "/requests", Value::Null).json();
    assert_eq!(r["total"], 6);
    assert_eq!(
        r["counters"],
        json!({"GET (unmatched)": 1, "GET /v1/instances": 1, "GET /v1/instances/{id}": 3, "POST /v1/instances": 1})
    );
    assert_eq!(
        r["by_status"],
        json!({"200": 3, "201": 1, "401": 1, "404": 1})
    );
    let last = &r["recent"][5];
    assert_eq!(
        (
            last["method"].clone(),
            last["path"].clone(),
            last["status"].clone()
        ),
        (json!("GET"), json!("/v1/instances"), json!(401))
    );
    assert_eq!(r["recent"][1]["path"], format!("/v1/instances/{id}"));
    emu.control("POST", "/requests/reset", Value::Null);
    let r = emu.control("GET", "/requests", Value::Null).json();
    assert_eq!(
        (r["total"].clone(), r["recent"].clone()),
        (json!(0), json!([]))
    );
}
}

#[test]
fn out_of_band_changes_and_reset() {
    let emu = Emulator::start(&["--wallet-micros", "5000000000"]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let r = emu.control(
        "PATCH",
        &format!("/instances/{id}"),
        json!({"status": "failed", "image_ref": "acme/drift:1"}),
    );
    assert_eq!(r.status, 200);
    let got = api.get(&format!("/instances/{id}")).json();
    assert_eq!(
        (got["status"].clone(), got["image_ref"].clone()),
        (json!("failed"), json!("acme/drift:1"))
    );
    assert_eq!(
        emu.control(
            "PATCH",
            &format!("/instances/{id}"),
            json!({"status": "sleeping"})
        )
        .status,
        400
    );
    assert_eq!(
        emu.control("GET", "/instances/zzzzzzzzzz", Value::Null)
            .status,
        404
    );
    let other = emu.workspace(json!({}));
    api.post(
        "/templates",
        json!({"name": "mine", "image_ref": "acme/mine"}),
    );
    emu.control(
        "POST",
        "/faults",
        json!({"rules": [{"kind": "latency", "ms": 1}]}),
    );
    emu.advance(1000);
    let r = emu.control("POST", "/reset", Value::Null);
    assert_eq!(r.json(), json!({"reset": true, "default_api_key": emu.key}));
    // Everything is gone but the default workspace, which is back to its startup settings.
    assert_eq!(api.get("/instances").json()["data"], json!([]));
    assert_eq!(
        api.get("/templates").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(other.get("/instances").status, 401);
    assert_eq!(emu.wallet(&emu.key), 5_000_000_000);
    assert_eq!(
        emu.control("GET", "/clock", Value::Null).json()["offset_seconds"],
        0
    );
    assert_eq!(
        emu.control("GET", "/faults", Value::Null).json()["rules"],
        json!([])
    );
    // Counting restarted at the reset: only the three API calls above.
    assert_eq!(
        emu.control("GET", "/requests", Value::Null).json()["total"],
        3
    );
}

both_revisions! {
fn clock_control(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let c = emu.control("GET", "/clock", Value::Null).json();
    assert_eq!(
        (c["offset_seconds"].clone(), c["frozen"].clone()),
        (json!(0), json!(false))
    );
    let now = emu.freeze_clock();
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(
        emu.control("GET", "/clock", Value::Null).json()["now"],
        now,
        "frozen"
    );
    assert_eq!(emu.advance(100), now + 100);
    let c = emu
        .control("POST", "/clock", json!({"frozen": false}))
        .json();
    assert_eq!(c["frozen"], false);
    assert!(c["now"].as_i64().unwrap() >= now + 100);
    assert_eq!(
        emu.control("POST", "/clock", json!({"advance_seconds": -1}))
            .status,
        400
    );
    assert_eq!(
        emu.control("POST", "/clock", json!({"frozen": "yes"}))
            .status,
        400
    );
}
}
