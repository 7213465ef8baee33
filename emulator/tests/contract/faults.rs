//! Seeded fault injection: determinism, every kind, the capacity stage of the check order.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{Emulator, day_cost};

fn uniform(seed: u64, route: &str, k: u64, rule: u64) -> f64 {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(route.as_bytes());
    h.update([0u8]);
    h.update(k.to_le_bytes());
    h.update(rule.to_le_bytes());
    let d = h.finalize();
    let x = u64::from_le_bytes(d[..8].try_into().unwrap());
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// The request numbers on `route` that got a fault, from the recent-request log.
fn faulted_ks(emu: &Emulator, route: &str) -> BTreeSet<u64> {
    let log = emu.control("GET", "/requests", Value::Null).json();
    log["recent"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["route"] == route && !e["fault"].is_null())
        .map(|e| e["k"].as_u64().unwrap())
        .collect()
}

both_revisions! {
fn seeded_faults_hit_the_same_requests_even_with_concurrent_clients(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let route = "GET /v1/instances/{id}";
    let config = json!({"seed": 1234, "rules": [{"route": route, "kind": "no_capacity", "probability": 0.3}]});
    let run = |threads: usize| -> (BTreeSet<u64>, usize) {
        assert_eq!(emu.control("POST", "/faults", config.clone()).status, 200);
        emu.control("POST", "/requests/reset", Value::Null);
        let per = 60 / threads;
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let api = api.clone();
                let id = id.clone();
                std::thread::spawn(move || {
                    (0..per)
                        .filter(|_| api.get(&format!("/instances/{id}")).status == 503)
                        .count()
                })
            })
            .collect();
        let got_503: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        (faulted_ks(&emu, route), got_503)
    };
    let (sequential, n1) = run(1);
    let (concurrent, n2) = run(6);
    assert_eq!(sequential, concurrent);
    assert_eq!((n1, n2), (sequential.len(), sequential.len()));
    // It is the documented function of (seed, route, k).
    let expected: BTreeSet<u64> = (1..=60)
        .filter(|k| uniform(1234, route, *k, 0) < 0.3)
        .collect();
    assert_eq!(sequential, expected);
    assert!((5..=35).contains(&expected.len()), "{}", expected.len());
    let injected =
        emu.control("GET", "/requests", Value::Null).json()["faults"]["no_capacity"].clone();
    assert_eq!(injected, json!(expected.len()));
    // Another seed hits other requests.
    emu.control(
        "POST",
        "/faults",
        json!({"seed": 99, "rules": config["rules"]}),
    );
    emu.control("POST", "/requests/reset", Value::Null);
    for _ in 0..60 {
        api.get(&format!("/instances/{id}"));
    }
    assert_ne!(faulted_ks(&emu, route), expected);
}
}

#[test]
fn fault_kinds_answer_as_documented() {
    let emu = Emulator::start(&[]);
    let api = emu.api();
    let w0 = emu.wallet(&emu.key);
    let d = day_cost(2, 4, 6);
    let set = |rules: Value| {
        let r = emu.control("POST", "/faults", json!({"seed": 1, "rules": rules}));
        assert_eq!(r.status, 200, "{}", r.text());
    };
    let count = || {
        api.get("/instances").json()["data"]
            .as_array()
            .unwrap()
            .len()
    };

    set(
        json!([{"route": "POST /v1/instances", "kind": "rate_limited", "retry_after": 7, "requests": [1]}]),
    );
    let r = api.post("/instances", json!({}));
    assert_eq!(
        (r.status, r.code().as_str(), r.header("retry-after")),
        (429, "rate_limited", Some("7"))
    );
    assert_eq!(
        api.post("/instances", json!({})).status,
        201,
        "only request 1"
    );

    set(json!([{"route": "POST /v1/instances", "kind": "no_capacity", "first": 1}]));
    let r = api.post("/instances", json!({}));
    assert_eq!((r.status, r.code().as_str()), (503, "no_capacity"));

    set(json!([{"route": "POST /v1/instances", "kind": "provisioning_failed", "first": 1}]));
    let r = api.post("/instances", json!({}));
    assert_eq!((r.status, r.code().as_str()), (502, "provisioning_failed"));
    assert_eq!(
        (count(), emu.wallet(&emu.key)),
        (1, w0 - d),
        "failed creates leave nothing and charge nothing"
    );

    // Dropped before the change: no answer, nothing created.
    set(json!([{"route": "POST /v1/instances", "kind": "drop_before", "first": 1}]));
    assert!(api.try_send("POST", "/v1/instances", Some("{}")).is_err());
    assert_eq!((count(), emu.wallet(&emu.key)), (1, w0 - d));

    // Dropped after the commit: no answer, but the instance exists and was charged.
    set(json!([{"route": "POST /v1/instances", "kind": "drop_after", "first": 1}]));
    let err = api
        .try_send("POST", "/v1/instances", Some(r#"{"name": "ghost"}"#))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    let list = api.get("/instances").json();
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    assert_eq!(list["data"][0]["name"], "ghost");
    assert_eq!(emu.wallet(&emu.key), w0 - 2 * d);
    let log = emu.control("GET", "/requests", Value::Null).json();
    let last_create = log["recent"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["route"] == "POST /v1/instances")
        .unwrap()
        .clone();
    assert_eq!(
        (last_create["status"].clone(), last_create["fault"].clone()),
        (Value::Null, json!("drop_after"))
    );

    // Malformed: a 200 whose body is not JSON (the handler ran).
    set(json!([{"route": "GET /v1/instances", "kind": "malformed", "first": 1}]));
    let r = api.get("/instances");
    assert_eq!(r.status, 200);
    assert!(
        serde_json::from_slice::<Value>(&r.body).is_err(),
        "{}",
        r.text()
    );

    // capacity_unavailable on start.
    let id = list["data"][0]["id"].as_str().unwrap().to_string();
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    set(
        json!([{"route": "POST /v1/instances/{id}/start", "kind": "capacity_unavailable", "first": 1}]),
    );
    let r = api.post(&format!("/instances/{id}/start"), Value::Null);
    assert_eq!((r.status, r.code().as_str()), (409, "capacity_unavailable"));
    assert_eq!(
        api.get(&format!("/instances/{id}")).json()["status"],
        "stopped"
    );

    // Latency, on every /v1 route through "*", and combined with another kind.
    set(json!([
        {"route": "*", "kind": "latency", "ms": 1500},
        {"route": "GET /v1/templates", "kind": "rate_limited", "requests": [1]}
    ]));
    let t = Instant::now();
    assert_eq!(api.get("/templates").status, 429);
    assert_eq!(api.get("/instances").status, 200);
    assert!(
        t.elapsed() >= Duration::from_millis(3000),
        "{:?}",
        t.elapsed()
    );
    // "*" leaves the instance plane alone; it can be named explicitly.
    let t = Instant::now();
    emu.raw()
        .send("GET", &format!("/_instances/{id}/3737/v1/health"), None);
    // Far below the injected 1.5 s, with room for a loaded machine.
    assert!(t.elapsed() < Duration::from_millis(1500));
    set(json!([{"route": "GET /_instances/{id}/{port}/v1/health", "kind": "no_capacity"}]));
    assert_eq!(
        emu.raw()
            .send("GET", &format!("/_instances/{id}/3737/v1/health"), None)
            .status,
        503
    );

    // Clearing.
    let r = emu.control("DELETE", "/faults", Value::Null).json();
    assert_eq!(r["rules"], json!([]));
    assert_eq!(api.post("/instances", json!({})).status, 201);
}

both_revisions! {
fn fault_config_is_validated_and_echoed(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let body = json!({"seed": 5, "rules": [
        {"route": "GET /v1/instances", "kind": "rate_limited", "probability": 0.5},
        {"route": "*", "kind": "latency", "ms": 10, "count": 3},
        {"route": "POST /v1/instances", "kind": "drop_after", "requests": [3, 1]}
    ]});
    let r = emu.control("POST", "/faults", body).json();
    assert_eq!(r["seed"], 5);
    assert_eq!(
        r["rules"][0],
        json!({"route": "GET /v1/instances", "kind": "rate_limited", "retry_after": 1, "probability": 0.5})
    );
    assert_eq!(
        r["rules"][1],
        json!({"route": "*", "kind": "latency", "ms": 10, "first": 3})
    );
    assert_eq!(r["rules"][2]["requests"], json!([1, 3]));
    assert_eq!(
        emu.control("GET", "/faults", Value::Null).json()["rules"],
        r["rules"]
    );
    for bad in [
        json!({"rules": [{"kind": "explode"}]}),
        json!({"rules": [{"kind": "latency"}]}),
        json!({"rules": [{"kind": "no_capacity", "probability": 1.5}]}),
        json!({"rules": [{"kind": "no_capacity", "probability": 0.5, "first": 1}]}),
        json!({"rules": [{"kind": "no_capacity", "route": "instances"}]}),
        json!({"seed": "x"}),
    ] {
        assert_eq!(
            emu.control("POST", "/faults", bad.clone()).status,
            400,
            "{bad}"
        );
    }
}
}

#[test]
fn capacity_faults_come_after_validation_limits_and_balance() {
    let emu = Emulator::start(&[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let set = |route: &str, kind: &str| {
        let r = emu.control(
            "POST",
            "/faults",
            json!({"seed": 3, "rules": [{"route": route, "kind": kind}]}),
        );
        assert_eq!(r.status, 200, "{}", r.text());
    };
    set("POST /v1/instances", "no_capacity");
    assert_eq!(
        api.post("/instances", json!({"template": "nope"})).status,
        400,
        "validation first"
    );
    assert_eq!(
        api.post("/instances", json!({"resources": {"cpu": 4, "memory": 8}}))
            .code(),
        "no_capacity"
    );
    let broke = emu.workspace(json!({"wallet_micros": 0}));
    assert_eq!(
        broke.post("/instances", json!({})).code(),
        "insufficient_balance",
        "balance before capacity"
    );
    // Lifecycle actions: state first, then the injected failure; nothing changes.
    for (action, kind, code) in [
        ("restart", "provisioning_failed", "provisioning_failed"),
        ("update", "provisioning_failed", "provisioning_failed"),
        ("exec", "provisioning_failed", "provisioning_failed"),
        ("resize", "capacity_unavailable", "capacity_unavailable"),
        ("stop", "provisioning_failed", "provisioning_failed"),
    ] {
        set(&format!("POST /v1/instances/{{id}}/{action}"), kind);
        let body = match action {
            "exec" => json!({"command": "echo hi"}),
            "resize" => json!({"disk": 12}),
            _ => Value::Null,
        };
        let r = api.post(&format!("/instances/{id}/{action}"), body);
        assert_eq!(
            (r.status, r.code()),
            (
                if code == "capacity_unavailable" {
                    409
                } else {
                    502
                },
                code.to_string()
            ),
            "{action}"
        );
        let got = api.get(&format!("/instances/{id}")).json();
        assert_eq!(
            (got["status"].clone(), got["resources"]["disk"].clone()),
            (json!("running"), json!(6)),
            "{action}"
        );
    }
    emu.control("DELETE", "/faults", Value::Null);
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    set("POST /v1/instances/{id}/restart", "provisioning_failed");
    assert_eq!(
        api.post(&format!("/instances/{id}/restart"), Value::Null)
            .code(),
        "invalid_request",
        "state before the fault"
    );
}

#[test]
fn the_2026_08_21_fault_kinds() {
    let emu = crate::harness::Emulator::start_rev(crate::harness::Rev::V2, &[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let set = |rules: Value| {
        let r = emu.control("POST", "/faults", json!({"seed": 3, "rules": rules}));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    };
    // try_again: 409 (503 when asked) with Retry-After: 1; the handler does not run.
    set(
        json!([{"route": "POST /v1/instances", "kind": "try_again", "first": 1},
               {"route": "GET /v1/instances/{id}", "kind": "try_again", "status": 503, "first": 1}]),
    );
    let r = api.post("/instances", json!({"name": "never"}));
    assert_eq!(
        (r.err(), r.header("retry-after")),
        ((409, "try_again".into()), Some("1"))
    );
    assert!(!api.get("/instances").text().contains("never"));
    let r = api.get(&format!("/instances/{id}"));
    assert_eq!(r.err(), (503, "try_again".into()));
    // Every kind applies to the new routes too.
    set(
        json!([{"route": "POST /v1/instances/{id}/public-ports", "kind": "rate_limited", "retry_after": 2, "first": 1}]),
    );
    let r = api.post(
        &format!("/instances/{id}/public-ports"),
        json!({"port": 9100}),
    );
    assert_eq!(
        (r.err(), r.header("retry-after")),
        ((429, "rate_limited".into()), Some("2"))
    );
    assert_eq!(
        api.post(
            &format!("/instances/{id}/public-ports"),
            json!({"port": 9100})
        )
        .status,
        201
    );
    // Echoed with their fields; bad fields refused.
    let echo = set(json!([
        {"route": "POST /v1/instances", "kind": "create_failed", "detail": "boom", "persist": false},
        {"route": "GET {plane}/v1/health", "kind": "wake_timeout"},
        {"route": "POST /v1/templates", "kind": "image_ingest_failed"}
    ]));
    assert_eq!(
        echo["rules"][0],
        json!({"route": "POST /v1/instances", "kind": "create_failed", "detail": "boom", "persist": false, "probability": 1.0})
    );
    assert_eq!(echo["rules"][1]["kind"], "wake_timeout");
    for bad in [
        json!({"rules": [{"kind": "try_again", "status": 500}]}),
        json!({"rules": [{"kind": "create_failed", "detail": 5}]}),
        json!({"rules": [{"kind": "create_failed", "persist": "no"}]}),
        json!({"rules": [{"kind": "wake_failed", "route": "plane"}]}),
    ] {
        assert_eq!(
            emu.control("POST", "/faults", bad.clone()).status,
            400,
            "{bad}"
        );
    }
}
