//! Concurrency: limits and idempotency hold exactly when many clients call at once (the
//! store serializes operations), driven from many threads in process.

use std::sync::{Arc, Barrier};

use serde_json::json;

use crate::harness::{Emulator, day_cost};

both_revisions! {
fn parallel_creates_hold_the_instance_limit_exactly(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    emu.freeze_clock();
    // 2026-06-25 prepays a day of 2/4/6; 2026-08-21 debits nothing at create (2/4/4).
    let d = day_cost(2, 4, 6);
    // Enough for 150 instances and the 30-day fleet rule at every step.
    let wallet = 150 * d + 30 * 151 * d;
    let key = emu
        .workspace(json!({"tier": "paid", "wallet_micros": wallet, "instance_limit": 150}))
        .key
        .unwrap();
    let api = emu.api_with(&key);
    let barrier = Arc::new(Barrier::new(200));
    let handles: Vec<_> = (0..200)
        .map(|n| {
            let api = api.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let r = api.post("/instances", json!({"name": format!("p{n}")}));
                let code = if r.status == 201 {
                    String::new()
                } else {
                    r.code()
                };
                (r.status, code)
            })
        })
        .collect();
    let results: Vec<(u16, String)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    let refused = results
        .iter()
        .filter(|(s, c)| *s == 409 && c == "instance_limit_reached")
        .count();
    assert_eq!((created, refused), (150, 50), "{results:?}");
    let list = api.get("/instances").json();
    let ids: std::collections::BTreeSet<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 150, "150 distinct ids");
    let charged = if rev.is_v2() { 0 } else { 150 * d };
    assert_eq!(emu.wallet(&key), wallet - charged, "exactly 150 creates charged");
}
}

both_revisions! {
fn parallel_top_ups_with_one_key_add_once(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let barrier = Arc::new(Barrier::new(40));
    let handles: Vec<_> = (0..40)
        .map(|n| {
            let api = api.clone();
            let id = id.clone();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let key = if n % 2 == 0 { "same-key" } else { "other-key" };
                api.post(
                    &format!("/instances/{id}/budget/top-up"),
                    json!({"amount_micros": 1000, "idempotency_key": key}),
                )
                .status
            })
        })
        .collect();
    assert!(handles.into_iter().all(|h| h.join().unwrap() == 200));
    assert_eq!(
        api.get(&format!("/instances/{id}/budget")).json()[rev.remaining()],
        2000
    );
}
}
