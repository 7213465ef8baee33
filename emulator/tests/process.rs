//! What needs the real process and a real socket: the command line and the startup lines,
//! persistence across restarts with `--db`, and connections dropped before or after a commit.
//! Everything else runs in process (`tests/contract/`).

mod common;

use std::process::{Command, Stdio};

use common::{BIN, Emulator, day_cost};
use serde_json::{Value, json};

#[test]
fn command_line_refusals_and_help() {
    for args in [
        vec!["--listen", "0.0.0.0:0"],
        vec!["--tier", "gold"],
        vec!["--api-key", "sk_live_short"],
        vec!["--exec", "docker"],
        vec!["--budget-names", "x"],
        vec!["--wallet-micros", "lots"],
        vec!["--bogus"],
    ] {
        let out = Command::new(BIN)
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
        assert!(!out.stderr.is_empty());
    }
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--boot-delay-ms"));
}

#[test]
fn startup_lines_and_defaults() {
    let emu = Emulator::start(&[]);
    assert!(emu.base.starts_with("http://127.0.0.1:"));
    assert!(
        emu.key.starts_with("sk_live_") && emu.key.len() == 32,
        "{}",
        emu.key
    );
    let w = emu
        .control("GET", &format!("/workspaces/{}", emu.key), Value::Null)
        .json();
    assert_eq!(
        (
            w["tier"].clone(),
            w["wallet_micros"].clone(),
            w["instance_limit"].clone()
        ),
        (json!("paid"), json!(1_000_000_000), json!(10))
    );
    let key = "sk_live_0123456789abcdefghijKLMN";
    let emu = Emulator::start(&[
        "--api-key",
        key,
        "--tier",
        "free",
        "--wallet-micros",
        "77",
        "--instance-limit",
        "3",
    ]);
    assert_eq!(emu.key, key);
    let w = emu
        .control("GET", &format!("/workspaces/{key}"), Value::Null)
        .json();
    assert_eq!(
        (
            w["tier"].clone(),
            w["wallet_micros"].clone(),
            w["instance_limit"].clone()
        ),
        (json!("free"), json!(77), json!(3))
    );
}

#[test]
fn restart_with_db_keeps_every_object() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("emu.db");
    let db = db.to_str().unwrap();
    let key = "sk_live_PERSISTpersist0123456789ab";
    let (instances, budget, templates, wallet, clock, other_key, old_base) = {
        let emu = Emulator::start(&["--db", db, "--api-key", key]);
        let api = emu.api();
        emu.control(
            "POST",
            "/clock",
            json!({"frozen": true, "advance_seconds": 3600}),
        );
        api.post("/templates", json!({"name": "kept", "image_ref": "acme/kept:v1", "ports": [{"port": 3000, "default": true}]}));
        let a = api.create(json!({"name": "a", "metadata": {"z": 1, "a": 2}, "budget": {"monthly_cap_micros": 900, "topup_micros": 100}}));
        let id = a["id"].as_str().unwrap().to_string();
        api.create(json!({"template": "kept", "user": "u"}));
        let stopped = api.create(json!({"resources": {"cpu": 4, "memory": 8}}));
        api.post(
            &format!("/instances/{}/stop", stopped["id"].as_str().unwrap()),
            Value::Null,
        );
        let gone = api.create(json!({}));
        api.delete(&format!("/instances/{}", gone["id"].as_str().unwrap()));
        api.post(
            &format!("/instances/{id}/budget/top-up"),
            json!({"amount_micros": 50, "idempotency_key": "once"}),
        );
        emu.control(
            "POST",
            &format!("/instances/{id}/spend"),
            json!({"service": "llm", "micros": 300, "input_tokens": 9}),
        );
        let other = emu.workspace(json!({"tier": "free", "wallet_micros": 123}));
        (
            api.get("/instances").json(),
            api.get(&format!("/instances/{id}/budget")).json(),
            api.get("/templates").json(),
            emu.wallet(key),
            emu.control("GET", "/clock", Value::Null).json(),
            other.key.unwrap(),
            emu.base.clone(),
        )
        // the emulator is killed here
    };
    assert_eq!(instances["data"].as_array().unwrap().len(), 3);
    let emu = Emulator::start(&["--db", db, "--api-key", key]);
    let api = emu.api();
    // The same objects, ids and budgets come back; URLs follow the new address.
    let expected = instances.to_string().replace(&old_base, &emu.base);
    assert_eq!(api.get("/instances").json().to_string(), expected);
    let id = instances["data"][2]["id"].as_str().unwrap();
    assert_eq!(api.get(&format!("/instances/{id}/budget")).json(), budget);
    assert_eq!(api.get("/templates").json(), templates);
    assert_eq!(emu.wallet(key), wallet);
    assert_eq!(
        emu.control("GET", "/clock", Value::Null).json(),
        clock,
        "a frozen clock stays where it was"
    );
    assert_eq!(emu.wallet(&other_key), 123);
    // The top-up key is still remembered; usage is still there.
    let b = api
        .post(
            &format!("/instances/{id}/budget/top-up"),
            json!({"amount_micros": 50, "idempotency_key": "once"}),
        )
        .json();
    assert_eq!(b, budget);
    assert_eq!(
        api.get(&format!("/instances/{id}/usage")).json()["by_integration"]["llm"]["input_tokens"],
        9
    );
    // Instance URLs are served on the new address.
    let url = api.get(&format!("/instances/{id}")).json()["ports"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with(&emu.base));
    assert_eq!(
        api.send(
            "GET",
            &format!("{}/v1/health", url.trim_start_matches(&emu.base)),
            None
        )
        .status,
        200
    );
    drop(emu);
    // Without --api-key, the key made for this database is reused.
    let db2 = dir.path().join("keyless.db");
    let first = Emulator::start(&["--db", db2.to_str().unwrap()])
        .key
        .clone();
    let second = Emulator::start(&["--db", db2.to_str().unwrap()])
        .key
        .clone();
    assert_eq!(first, second);
}

#[test]
fn dropped_connections_before_and_after_the_commit() {
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
    // Dropped before the change: the socket closes without an answer, nothing is created.
    set(json!([{"route": "POST /v1/instances", "kind": "drop_before", "first": 1}]));
    let err = api
        .try_send("POST", "/v1/instances", Some("{}"))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    assert_eq!((count(), emu.wallet(&emu.key)), (0, w0));
    // Dropped after the commit: no answer, but the instance exists and was charged.
    set(json!([{"route": "POST /v1/instances", "kind": "drop_after", "first": 1}]));
    let err = api
        .try_send("POST", "/v1/instances", Some(r#"{"name": "ghost"}"#))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    let list = api.get("/instances").json();
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["name"], "ghost");
    assert_eq!(emu.wallet(&emu.key), w0 - d);
    // The server keeps serving other connections afterwards.
    assert_eq!(api.post("/instances", json!({})).status, 201);
}
