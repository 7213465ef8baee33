//! What needs the real process and a real socket: the command line and the startup lines,
//! persistence across restarts with `--db`, and connections dropped before or after a commit.
//! Everything else runs in process (`tests/contract/`). The process and its clients are the
//! project's one test harness (`testkit`), pointed at this build's binary.

use std::process::{Command, Stdio};

use serde_json::{Value, json};
use testkit::Emulator;
use testkit::emulator::Client;

const BIN: &str = env!("CARGO_BIN_EXE_agent37-emulator");

/// This build's emulator with `args` (under the default API revision).
fn start(args: &[&str]) -> Emulator {
    Emulator::builder()
        .bin(BIN)
        .args(args)
        .start()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn workspace(emu: &Emulator, key: &str) -> Value {
    emu.control_ok("GET", &format!("workspaces/{key}"), None)
}

fn wallet(emu: &Emulator, key: &str) -> i64 {
    workspace(emu, key)["wallet_micros"]
        .as_i64()
        .expect("wallet_micros")
}

/// Creates an instance; returns its JSON.
fn create(emu: &Emulator, body: Value) -> Value {
    emu.api_ok("POST", "/instances", Some(&body))
}

/// The contract's day cost: (0.80 cpu + 0.70 mem + 0.09 disk) USD × 24 / 730, half-up.
fn day_cost(cpu: i64, mem: i64, disk: i64) -> i64 {
    let monthly = 800_000 * cpu + 700_000 * mem + 90_000 * disk;
    (monthly * 24 + 365) / 730
}

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
    let emu = start(&[]);
    assert!(emu.root_url().starts_with("http://127.0.0.1:"));
    let key = emu.api_key();
    assert!(key.starts_with("sk_live_") && key.len() == 32, "{key}");
    let w = workspace(&emu, key);
    assert_eq!(
        (
            w["tier"].clone(),
            w["wallet_micros"].clone(),
            w["instance_limit"].clone()
        ),
        (json!("paid"), json!(1_000_000_000), json!(10))
    );
    let key = "sk_live_0123456789abcdefghijKLMN";
    let emu = start(&[
        "--api-key",
        key,
        "--tier",
        "free",
        "--wallet-micros",
        "77",
        "--instance-limit",
        "3",
    ]);
    assert_eq!(emu.api_key(), key);
    let w = workspace(&emu, key);
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
    let (instances, budget, templates, wallet_micros, clock, other_key, old_base) = {
        let emu = start(&["--db", db, "--api-key", key]);
        let api = |method: &str, path: &str, body: Value| {
            emu.api_ok(method, path, (!body.is_null()).then_some(&body))
        };
        emu.control_ok(
            "POST",
            "clock",
            Some(&json!({"frozen": true, "advance_seconds": 3600})),
        );
        api(
            "POST",
            "/templates",
            json!({"name": "kept", "image_ref": "acme/kept:v1", "ports": [{"port": 3000, "default": true}]}),
        );
        let a = create(
            &emu,
            json!({"name": "a", "metadata": {"z": 1, "a": 2}, "budget": {"monthly_cap_micros": 900, "topup_micros": 100}}),
        );
        let id = a["id"].as_str().unwrap().to_string();
        create(&emu, json!({"template": "kept", "user": "u"}));
        let stopped = create(&emu, json!({"resources": {"cpu": 4, "memory": 8}}));
        api(
            "POST",
            &format!("/instances/{}/stop", stopped["id"].as_str().unwrap()),
            Value::Null,
        );
        let gone = create(&emu, json!({}));
        api(
            "DELETE",
            &format!("/instances/{}", gone["id"].as_str().unwrap()),
            Value::Null,
        );
        api(
            "POST",
            &format!("/instances/{id}/budget/top-up"),
            json!({"amount_micros": 50, "idempotency_key": "once"}),
        );
        emu.spend(
            &id,
            &json!({"service": "llm", "micros": 300, "input_tokens": 9}),
        );
        let other = emu.create_workspace(&json!({"tier": "free", "wallet_micros": 123}));
        (
            api("GET", "/instances", Value::Null),
            api("GET", &format!("/instances/{id}/budget"), Value::Null),
            api("GET", "/templates", Value::Null),
            wallet(&emu, key),
            emu.control_ok("GET", "clock", None),
            other,
            emu.root_url().to_string(),
        )
        // the emulator is stopped here
    };
    assert_eq!(instances["data"].as_array().unwrap().len(), 3);
    let emu = start(&["--db", db, "--api-key", key]);
    let base = emu.root_url().to_string();
    let get = |path: &str| emu.api_ok("GET", path, None);
    // The same objects, ids and budgets come back; URLs follow the new address.
    let expected = instances.to_string().replace(&old_base, &base);
    assert_eq!(get("/instances").to_string(), expected);
    let id = instances["data"][2]["id"].as_str().unwrap();
    assert_eq!(get(&format!("/instances/{id}/budget")), budget);
    assert_eq!(get("/templates"), templates);
    assert_eq!(wallet(&emu, key), wallet_micros);
    assert_eq!(
        emu.control_ok("GET", "clock", None),
        clock,
        "a frozen clock stays where it was"
    );
    assert_eq!(wallet(&emu, &other_key), 123);
    // The top-up key is still remembered; usage is still there.
    let b = emu.api_ok(
        "POST",
        &format!("/instances/{id}/budget/top-up"),
        Some(&json!({"amount_micros": 50, "idempotency_key": "once"})),
    );
    assert_eq!(b, budget);
    assert_eq!(
        get(&format!("/instances/{id}/usage"))["by_integration"]["llm"]["input_tokens"],
        9
    );
    // Instance URLs are served on the new address.
    let url = get(&format!("/instances/{id}"))["ports"][0]["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with(&base));
    let health = emu
        .client()
        .send(
            "GET",
            &format!("{}/v1/health", url.trim_start_matches(&base)),
            None,
        )
        .expect("the instance plane answers");
    assert_eq!(health.status, 200);
    drop(emu);
    // Without --api-key, the key made for this database is reused.
    let db2 = dir.path().join("keyless.db");
    let first = start(&["--db", db2.to_str().unwrap()])
        .api_key()
        .to_string();
    let second = start(&["--db", db2.to_str().unwrap()])
        .api_key()
        .to_string();
    assert_eq!(first, second);
}

#[test]
fn dropped_connections_before_and_after_the_commit() {
    let emu = start(&[]);
    let api: Client = emu.client();
    let key = emu.api_key().to_string();
    let w0 = wallet(&emu, &key);
    let d = day_cost(2, 4, 6);
    let set = |rules: Value| {
        emu.set_faults(&json!({"seed": 1, "rules": rules}));
    };
    let count = || emu.instances().len();
    // Dropped before the change: the socket closes without an answer, nothing is created.
    set(json!([{"route": "POST /v1/instances", "kind": "drop_before", "first": 1}]));
    let err = api
        .send("POST", "/v1/instances", Some(&json!({})))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    assert_eq!((count(), wallet(&emu, &key)), (0, w0));
    // Dropped after the commit: no answer, but the instance exists and was charged.
    set(json!([{"route": "POST /v1/instances", "kind": "drop_after", "first": 1}]));
    let err = api
        .send("POST", "/v1/instances", Some(&json!({"name": "ghost"})))
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::UnexpectedEof);
    let list = emu.api_ok("GET", "/instances", None);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["name"], "ghost");
    assert_eq!(wallet(&emu, &key), w0 - d);
    // The server keeps serving other connections afterwards.
    assert_eq!(emu.api("POST", "/instances", Some(&json!({}))).status, 201);
}
