//! Revision 2026-08-21 money (section 5, 8.4, 8.5): the per-minute meter at full and disk-only
//! rates, settles at transitions, hourly and on the control route, suspension and top-ups.

use serde_json::{Value, json};

use crate::harness::{Api, Emulator, Rev};

/// Micros for `minutes` at `monthly` micros a month, half-up (written independently).
fn meter(monthly: i64, minutes: i64) -> i64 {
    (monthly * minutes * 2 + 43_800) / (2 * 43_800)
}

const FULL_2_4_4: i64 = 4_760_000;
const DISK_4: i64 = 360_000;

fn settle(emu: &Emulator, key: &str) -> Value {
    let r = emu.control("POST", &format!("/workspaces/{key}/settle"), Value::Null);
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

fn create(api: &Api, body: Value) -> String {
    api.create(body)["id"].as_str().unwrap().to_string()
}

#[test]
fn the_meter_charges_whole_minutes_at_the_status_rate() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    // Each step below stays inside one emulator-hour, so only the named settles run.
    emu.freeze_clock();
    let api = emu.api();
    let key = emu.key.clone();
    let w0 = emu.wallet(&key);
    let id = create(&api, json!({}));
    emu.advance(10 * 60 + 30);
    let s = settle(&emu, &key);
    assert_eq!(meter(FULL_2_4_4, 10), 1087);
    assert_eq!(
        s,
        json!({"wallet_micros": w0 - 1087, "debits": {(id.clone()): 1087}, "suspended": false})
    );
    // The 30 leftover seconds carry over.
    emu.advance(30);
    assert_eq!(settle(&emu, &key)["debits"][&id], meter(FULL_2_4_4, 1));
    // Stopped: disk only ($0.09 per GB-month).
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    emu.advance(600);
    assert_eq!(settle(&emu, &key)["debits"][&id], meter(DISK_4, 10));
    // Sleeping: disk only too; running again: the full rate.
    api.post(&format!("/instances/{id}/start"), Value::Null);
    emu.control("POST", &format!("/instances/{id}/sleep"), json!({}));
    emu.advance(300);
    assert_eq!(settle(&emu, &key)["debits"][&id], meter(DISK_4, 5));
    // Settles happen at every rate change: a resize bills the old shape up to now.
    api.post(&format!("/instances/{id}/start"), Value::Null);
    emu.advance(120);
    let before = emu.wallet(&key);
    api.post(
        &format!("/instances/{id}/resize"),
        json!({"cpu": 4, "memory": 8}),
    );
    assert_eq!(before - emu.wallet(&key), meter(FULL_2_4_4, 2));
    emu.advance(60);
    assert_eq!(
        settle(&emu, &key)["debits"][&id],
        meter(800_000 * 4 + 700_000 * 8 + 90_000 * 4, 1)
    );
    // A failed create bills nothing; failed after a run bills the disk.
    emu.control(
        "POST",
        "/faults",
        json!({"rules": [{"route": "POST /v1/instances", "kind": "create_failed", "first": 1}]}),
    );
    let failed = api.get("/instances").json()["data"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(api.post("/instances", json!({})).status, 502);
    let fid = api.get("/instances").json()["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        api.get("/instances").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        failed + 1
    );
    emu.control(
        "PATCH",
        &format!("/instances/{id}"),
        json!({"status": "failed"}),
    );
    emu.advance(60);
    let s = settle(&emu, &key);
    assert_eq!(s["debits"][&fid], 0);
    assert_eq!(s["debits"][&id], meter(90_000 * 4, 1));
    // At the next emulator-hour everything is settled without being asked.
    let wallet = emu.wallet(&key);
    emu.advance(3600);
    assert_eq!(wallet - emu.wallet(&key), meter(90_000 * 4, 60));
    assert_eq!(settle(&emu, &key)["debits"][&id], 0);
}

#[test]
fn the_hourly_settle_and_suspension_then_a_top_up() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    emu.freeze_clock();
    let day = (FULL_2_4_4 * 24 + 365) / 730;
    assert_eq!(day, 156_493);
    let api = emu.workspace(json!({"wallet_micros": day}));
    let key = api.key.clone().unwrap();
    let id = create(&api, json!({}));
    // Once per started emulator-hour, without any request in between: 25 h at once.
    emu.advance(25 * 3600);
    let w = emu
        .control("GET", &format!("/workspaces/{key}"), Value::Null)
        .json();
    assert_eq!(w["wallet_micros"], day - meter(FULL_2_4_4, 25 * 60));
    assert_eq!(w["suspended"], true);
    let i = api.get(&format!("/instances/{id}")).json();
    assert_eq!(
        (i["status"].clone(), i["past_due"].clone()),
        (json!("sleeping"), json!(true)),
        "force-slept without a checkpoint"
    );
    assert_eq!(
        api.post(&format!("/instances/{id}/start"), Value::Null)
            .err(),
        (402, "insufficient_balance".into())
    );
    // Suspended time is free.
    let wallet = emu.wallet(&key);
    emu.advance(10 * 3600);
    assert_eq!(settle(&emu, &key)["debits"][&id], 0);
    assert_eq!(emu.wallet(&key), wallet);
    // A top-up clears past_due at once, re-anchors the meters and raises the total.
    let r = emu.control(
        "POST",
        &format!("/workspaces/{key}/top-up"),
        json!({"amount_micros": 25_000_000}),
    );
    let w = r.json();
    assert_eq!(
        (
            w["wallet_micros"].clone(),
            w["suspended"].clone(),
            w["topups_total_micros"].clone(),
            w["instance_cap"].clone()
        ),
        (
            json!(wallet + 25_000_000),
            json!(false),
            json!(30_000_000),
            json!(10)
        )
    );
    let i = api.get(&format!("/instances/{id}")).json();
    assert_eq!(
        (i["status"].clone(), i["past_due"].clone()),
        (json!("sleeping"), json!(false))
    );
    emu.advance(60);
    assert_eq!(
        settle(&emu, &key)["debits"][&id],
        meter(DISK_4, 1),
        "asleep: disk only"
    );
    assert_eq!(
        api.post(&format!("/instances/{id}/start"), Value::Null)
            .status,
        200
    );
    for bad in [
        json!({"amount_micros": 0}),
        json!({"amount_micros": "5"}),
        json!({}),
    ] {
        assert_eq!(
            emu.control("POST", &format!("/workspaces/{key}/top-up"), bad)
                .status,
            400
        );
    }
}

#[test]
fn a_negative_wallet_suspends_at_once() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let (api, key) = {
        let a = emu.workspace(json!({}));
        let k = a.key.clone().unwrap();
        (a, k)
    };
    let id = create(&api, json!({}));
    let stopped = create(&api, json!({}));
    api.post(&format!("/instances/{stopped}/stop"), Value::Null);
    let r = emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"wallet_micros": -5}),
    );
    assert_eq!(r.json()["suspended"], true);
    let a = api.get(&format!("/instances/{id}")).json();
    let b = api.get(&format!("/instances/{stopped}")).json();
    assert_eq!(
        (
            a["status"].clone(),
            a["past_due"].clone(),
            b["status"].clone(),
            b["past_due"].clone()
        ),
        (
            json!("sleeping"),
            json!(true),
            json!("stopped"),
            json!(true)
        ),
        "every instance is past due; running ones sleep"
    );
    let w = emu.workspace(json!({"wallet_micros": -1}));
    let k = w.key.unwrap();
    assert_eq!(
        emu.control("GET", &format!("/workspaces/{k}"), Value::Null)
            .json()["suspended"],
        true
    );
    assert_eq!(
        emu.control(
            "POST",
            "/workspaces/sk_live_nosuchkeynosuchkeynosuch/settle",
            Value::Null
        )
        .status,
        404
    );
}
