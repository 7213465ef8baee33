//! Revision 2026-08-21: the instance object, create (shapes, disk, type, env, auto-sleep,
//! public ports, budget names), the create gate, failed creates, the cap ladder, PATCH and
//! DELETE (sections 1, 2.1-2.5, 2.8 and 5 of the delta).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{Api, Emulator, PORT, Rev};

fn v2(args: &[&str]) -> Emulator {
    Emulator::start_rev(Rev::V2, args)
}

/// A workspace made through the control surface, and its key.
fn workspace(emu: &Emulator, body: Value) -> (Api, String) {
    let api = emu.workspace(body);
    let key = api.key.clone().unwrap();
    (api, key)
}

/// The 2026-08-21 day cost at the running rate: monthly × 24 / 730, half-up.
fn day(cpu: i64, memory: i64, disk: i64) -> i64 {
    ((800_000 * cpu + 700_000 * memory + 90_000 * disk) * 24 + 365) / 730
}

fn sha256(s: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(s.as_bytes())))
}

#[test]
fn a_created_instance_has_the_2026_08_21_shape_and_costs_nothing_yet() {
    let emu = v2(&[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let wallet = emu.wallet(&emu.key);
    let i = api.create(json!({}));
    let id = i["id"].as_str().unwrap();
    let keys: Vec<&str> = i.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "status",
            "status_reason",
            "template",
            "template_revision",
            "image_ref",
            "image_digest",
            "resources",
            "url",
            "domain_urls",
            "public_ports",
            "user",
            "name",
            "metadata",
            "auto_sleep",
            "idle_timeout_seconds",
            "past_due",
            "created"
        ],
        "no ports, paid_through or slept_at (only while asleep): {i}"
    );
    let image = "ghcr.io/agent37-platform/hermes:2026.06.20";
    assert_eq!(
        i,
        json!({
            "id": id, "status": "running", "status_reason": null, "template": "agent37-hermes",
            "template_revision": null, "image_ref": image, "image_digest": sha256(image),
            "resources": {"cpu": 2, "memory": 4, "disk": 4},
            "url": format!("http://{id}.localhost:{PORT}"), "domain_urls": [], "public_ports": [],
            "user": null, "name": null, "metadata": null, "auto_sleep": false,
            "idle_timeout_seconds": 300, "past_due": false, "created": now
        })
    );
    assert_eq!(emu.wallet(&emu.key), wallet, "nothing is debited at create");
    assert_eq!(api.get(&format!("/instances/{id}")).json(), i);
    assert_eq!(api.get("/instances").json()["data"][0], i);
}

#[test]
fn shapes_disk_ranges_and_defaults() {
    let emu = v2(&[]);
    let api = emu.api();
    let rows: &[(Value, [i64; 3])] = &[
        (json!({}), [2, 4, 4]),
        (json!({"resources": {"disk": 2}}), [2, 4, 2]),
        (json!({"resources": {"disk": 12}}), [2, 4, 12]),
        (json!({"resources": {"cpu": 4, "memory": 8}}), [4, 8, 6]),
        (
            json!({"resources": {"cpu": 4, "memory": 8, "disk": 20}}),
            [4, 8, 20],
        ),
        (json!({"resources": {"cpu": 8, "memory": 16}}), [8, 16, 12]),
        (
            json!({"resources": {"cpu": 8, "memory": 16, "disk": 40}}),
            [8, 16, 40],
        ),
        (json!({"template": "agent37-hermes-small"}), [2, 4, 4]),
        (
            json!({"template": "agent37-openclaw", "resources": {"disk": 3}}),
            [2, 4, 3],
        ),
    ];
    for (body, [cpu, memory, disk]) in rows {
        let i = api.create(body.clone());
        assert_eq!(
            i["resources"],
            json!({"cpu": cpu, "memory": memory, "disk": disk}),
            "{body}"
        );
    }
    for body in [
        json!({"template": "agent37-hermes-small", "resources": {"cpu": 1, "memory": 3}}),
        json!({"resources": {"cpu": 2, "memory": 8}}),
        json!({"resources": {"disk": 1}}),
        json!({"resources": {"disk": 13}}),
        json!({"resources": {"cpu": 4, "memory": 8, "disk": 21}}),
        json!({"resources": {"cpu": 8, "memory": 16, "disk": 41}}),
        json!({"resources": {"cpu": 4}}),
        json!({"resources": {"disk": 4.5}}),
    ] {
        let r = api.post("/instances", body.clone());
        assert_eq!(r.err(), (400, "invalid_request".into()), "{body}");
        let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
        if body["resources"].get("cpu").is_some() && body["resources"].get("memory").is_some() {
            assert!(
                msg.contains("2/4 disk 2-12"),
                "the shapes are listed: {msg}"
            );
        }
    }
    // Free tier: 2/4 only.
    let (free, _) = workspace(&emu, json!({"tier": "free"}));
    let r = free.post("/instances", json!({"resources": {"cpu": 4, "memory": 8}}));
    assert_eq!(r.err(), (403, "tier_limit".into()));
}

#[test]
fn type_env_auto_sleep_and_public_ports_at_create() {
    let emu = v2(&[]);
    let api = emu.api();
    let i = api.create(json!({
        "type": "dedicated",
        "env": {"API_URL": "https://x.example", "MODE_2": ""},
        "auto_sleep": true,
        "idle_timeout_seconds": 900,
        "public_ports": [{"port": 9100, "prefix": "hooks", "label": "inbound"}, {"port": 9200}],
    }));
    let id = i["id"].as_str().unwrap();
    assert_eq!(
        (i["auto_sleep"].clone(), i["idle_timeout_seconds"].clone()),
        (json!(true), json!(900))
    );
    assert!(
        i.get("env").is_none() && i.get("type").is_none(),
        "never returned"
    );
    let pp = i["public_ports"].as_array().unwrap();
    assert_eq!(pp.len(), 2);
    assert_eq!(
        pp[0],
        json!({"port": 9100, "url": format!("http://hooks-{id}.localhost:{PORT}"),
               "domain_urls": [], "prefix": "hooks", "label": "inbound", "created": i["created"]})
    );
    let slug = pp[1]["url"].as_str().unwrap();
    let label = slug
        .strip_prefix("http://")
        .and_then(|s| s.split('.').next())
        .unwrap();
    assert_eq!(label.len(), 20, "a minted slug: {slug}");
    assert!(
        label
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    );
    assert_eq!(pp[1]["prefix"], Value::Null);
    // The control surface shows what the API never returns.
    let oob = emu
        .control("GET", &format!("/instances/{id}"), Value::Null)
        .json();
    assert_eq!(
        (oob["env"].clone(), oob["type"].clone()),
        (
            json!({"API_URL": "https://x.example", "MODE_2": ""}),
            json!("dedicated")
        )
    );
    // env null = omitted; idle_timeout accepted with auto_sleep off.
    let j = api.create(json!({"env": null, "idle_timeout_seconds": 60}));
    assert_eq!(
        (j["auto_sleep"].clone(), j["idle_timeout_seconds"].clone()),
        (json!(false), json!(60))
    );
    let too_many: serde_json::Map<String, Value> =
        (0..33).map(|n| (format!("K{n}"), json!("v"))).collect();
    let ports21: Vec<Value> = (0..21).map(|n| json!({"port": 10_000 + n})).collect();
    for (body, why) in [
        (json!({"type": "spot"}), "type"),
        (json!({"env": {"lower": "x"}}), "env key"),
        (json!({"env": {"A": 1}}), "env number"),
        (json!({"env": {"A": null}}), "env null value"),
        (json!({"env": {"AGENT37_INSTANCE_ID": "x"}}), "reserved env"),
        (
            json!({"env": {"OPENCLAW_GATEWAY_PORT": "1"}}),
            "reserved env",
        ),
        (json!({"env": {"A": "x".repeat(4097)}}), "env value length"),
        (json!({"env": too_many}), "33 env entries"),
        (json!({"env": ["A"]}), "env array"),
        (json!({"auto_sleep": "yes"}), "auto_sleep type"),
        (json!({"idle_timeout_seconds": 59}), "idle below"),
        (json!({"idle_timeout_seconds": 86_401}), "idle above"),
        (json!({"public_ports": [{"port": 3737}]}), "reserved port"),
        (json!({"public_ports": [{"port": 22022}]}), "ssh port"),
        (
            json!({"public_ports": [{"port": 9100}, {"port": 9100}]}),
            "a port twice",
        ),
        (
            json!({"public_ports": [{"port": 9100, "prefix": "Bad"}]}),
            "prefix",
        ),
        (
            json!({"public_ports": [{"port": 9100, "label": "l".repeat(65)}]}),
            "label",
        ),
        (json!({"public_ports": ports21}), "21 public ports"),
        (json!({"public_ports": {"port": 1}}), "public_ports type"),
    ] {
        let r = api.post("/instances", body);
        assert_eq!(r.err(), (400, "invalid_request".into()), "{why}");
    }
    // Shared needs the workspace to have it enabled; nothing is provisioned otherwise.
    let before = api.get("/instances").json()["data"]
        .as_array()
        .unwrap()
        .len();
    let r = api.post("/instances", json!({"type": "shared"}));
    assert_eq!(r.err(), (403, "shared_unavailable".into()));
    assert_eq!(
        api.get("/instances").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        before
    );
    let (shared, _) = workspace(&emu, json!({"shared_enabled": true}));
    let s = shared.create(json!({"type": "shared"}));
    let oob = emu
        .control(
            "GET",
            &format!("/instances/{}", s["id"].as_str().unwrap()),
            Value::Null,
        )
        .json();
    assert_eq!(oob["type"], "shared");
}

#[test]
fn budget_names_credit_and_the_old_field_ignored() {
    let emu = v2(&[]);
    let api = emu.api();
    for (budget, headroom) in [
        (json!({"credit_micros": 40}), 40),
        (json!({"topup_micros": 40}), 0),
        (json!({"topup_micros": -1, "credit_micros": 5}), 5),
    ] {
        let id = api.create(json!({"budget": budget.clone()}))["id"]
            .as_str()
            .unwrap()
            .to_string();
        let b = api.get(&format!("/instances/{id}/budget")).json();
        assert_eq!(b["credit_remaining_micros"], headroom, "{budget}");
        assert!(b.get("topup_remaining_micros").is_none());
    }
    let r = api.post("/instances", json!({"budget": {"credit_micros": -1}}));
    assert_eq!(r.err(), (400, "invalid_request".into()));
}

#[test]
fn the_create_gate_holds_one_day_at_the_running_rate_and_debits_nothing() {
    let emu = v2(&[]);
    emu.freeze_clock();
    let d = day(2, 4, 4);
    let (short, _) = workspace(&emu, json!({"wallet_micros": d - 1}));
    let r = short.post("/instances", json!({}));
    assert_eq!(r.err(), (402, "insufficient_balance".into()));
    let (exact, key) = workspace(&emu, json!({"wallet_micros": d}));
    exact.create(json!({}));
    assert_eq!(emu.wallet(&key), d, "a gate, not a debit");
    // No fleet rule: a second one passes the same gate.
    exact.create(json!({}));
    let r = exact.post("/instances", json!({"resources": {"cpu": 4, "memory": 8}}));
    assert_eq!(
        r.err(),
        (402, "insufficient_balance".into()),
        "4/8 needs {}",
        day(4, 8, 6)
    );
}

#[test]
fn check_order_400_tier_shared_cap_balance_capacity() {
    let emu = v2(&[]);
    let (free, key) = workspace(&emu, json!({"tier": "free", "wallet_micros": 0}));
    let first = |body: Value| free.post("/instances", body).err();
    assert_eq!(
        first(json!({"resources": {"cpu": 4, "memory": 8}, "env": {"x": "1"}})),
        (400, "invalid_request".into())
    );
    assert_eq!(
        first(json!({"resources": {"cpu": 4, "memory": 8}, "type": "shared"})),
        (403, "tier_limit".into())
    );
    assert_eq!(
        first(json!({"type": "shared"})),
        (403, "shared_unavailable".into())
    );
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"instance_limit": 0, "shared_enabled": true}),
    );
    assert_eq!(first(json!({})), (409, "instance_limit_reached".into()));
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"instance_limit": null}),
    );
    assert_eq!(first(json!({})), (402, "insufficient_balance".into()));
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"wallet_micros": 1_000_000}),
    );
    let fault = |kind: &str| {
        let rules = json!([{"route": "POST /v1/instances", "kind": kind, "first": 1}]);
        emu.control("POST", "/faults", json!({ "rules": rules }));
    };
    fault("no_capacity");
    assert_eq!(first(json!({})), (503, "no_capacity".into()));
    fault("provisioning_failed");
    assert_eq!(first(json!({})), (502, "provisioning_failed".into()));
    assert_eq!(
        free.get("/instances").json()["data"],
        json!([]),
        "nothing left"
    );
    // A capacity fault still comes after every earlier check.
    fault("no_capacity");
    assert_eq!(
        first(json!({"resources": {"cpu": 4, "memory": 8}})),
        (403, "tier_limit".into())
    );
}

#[test]
fn a_failed_create_leaves_a_failed_instance_with_the_console_detail() {
    let emu = v2(&[]);
    let now = emu.freeze_clock();
    let (api, key) = workspace(&emu, json!({"tier": "paid", "instance_limit": 2}));
    let wallet = emu.wallet(&key);
    let detail = "Starting crawler...\nError: cannot find module '/app/server.js'\n";
    emu.control(
        "POST",
        "/faults",
        json!({"rules": [{"route": "POST /v1/instances", "kind": "create_failed", "detail": detail, "first": 1}]}),
    );
    let r = api.post(
        "/instances",
        json!({"name": "n1", "user": "u1", "template": "agent37-openclaw"}),
    );
    assert_eq!(r.status, 502);
    let err = &r.json()["error"];
    assert_eq!(
        (err["code"].clone(), err["detail"].clone()),
        (json!("provisioning_failed"), json!(detail))
    );
    assert!(err.get("id").is_none(), "the error carries no id");
    let list = api.get("/instances").json();
    let failed = &list["data"][0];
    assert_eq!(
        (
            failed["status"].clone(),
            failed["name"].clone(),
            failed["template"].clone()
        ),
        (json!("failed"), json!("n1"), json!("agent37-openclaw"))
    );
    assert_eq!(
        failed["status_reason"],
        json!({"code": "provisioning_failed", "message": err["message"], "detail": detail,
               "operation": "create", "at": now})
    );
    let id = failed["id"].as_str().unwrap().to_string();
    // Its logs hold the console; it bills nothing; it counts toward the cap.
    let logs = api.get(&format!("/instances/{id}/logs")).json();
    assert!(
        logs["logs"]
            .as_str()
            .unwrap()
            .contains("cannot find module"),
        "{logs}"
    );
    assert_eq!(logs["health"]["running"], false);
    emu.advance(3600);
    emu.control("POST", &format!("/workspaces/{key}/settle"), Value::Null);
    assert_eq!(emu.wallet(&key), wallet);
    api.create(json!({}));
    assert_eq!(
        api.post("/instances", json!({})).err(),
        (409, "instance_limit_reached".into()),
        "the leftover counts"
    );
    // Patchable, and update repairs it.
    assert_eq!(
        api.patch(&format!("/instances/{id}"), json!({"name": "n2"}))
            .status,
        200
    );
    let ack = api
        .post(&format!("/instances/{id}/update"), Value::Null)
        .json();
    assert_eq!(ack["status"], "running");
    let repaired = api.get(&format!("/instances/{id}")).json();
    assert_eq!(repaired["status_reason"], Value::Null);
    assert_eq!(api.delete(&format!("/instances/{id}")).status, 200);
    // persist: false is the 2026-06-25 shape: nothing is left, the detail is still sent.
    emu.control(
        "POST",
        "/faults",
        json!({"rules": [{"route": "POST /v1/instances", "kind": "create_failed", "persist": false, "first": 1}]}),
    );
    let before = api.get("/instances").json();
    let r = api.post("/instances", json!({}));
    assert_eq!(r.status, 502);
    assert!(
        r.json()["error"]["detail"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
    assert_eq!(api.get("/instances").json(), before);
}

#[test]
fn the_instance_cap_ladder_follows_total_top_ups() {
    let emu = v2(&[]);
    for (topups, cap, tier) in [
        (0, 1, "free"),
        (1_000_000, 10, "paid"),
        (99_999_999, 10, "paid"),
        (100_000_000, 50, "paid"),
        (250_000_000, 200, "paid"),
    ] {
        let (_, key) = workspace(&emu, json!({"topups_total_micros": topups}));
        let w = emu
            .control("GET", &format!("/workspaces/{key}"), Value::Null)
            .json();
        assert_eq!(
            (
                w["instance_cap"].clone(),
                w["tier"].clone(),
                w["suspended"].clone()
            ),
            (json!(cap), json!(tier), json!(false)),
            "{topups}"
        );
    }
    // Enforced: a free workspace holds 1; its first top-up raises the cap to 10.
    let (free, key) = workspace(&emu, json!({"tier": "free"}));
    free.create(json!({}));
    assert_eq!(
        free.post("/instances", json!({})).err(),
        (409, "instance_limit_reached".into())
    );
    let r = emu.control(
        "POST",
        &format!("/workspaces/{key}/top-up"),
        json!({"amount_micros": 5_000_000}),
    );
    assert_eq!(r.json()["instance_cap"], 10);
    for _ in 1..10 {
        free.create(json!({}));
    }
    assert_eq!(
        free.post("/instances", json!({})).err(),
        (409, "instance_limit_reached".into())
    );
    // `tier` still works on the control surface: paid means at least the smallest top-up.
    let (_, k2) = workspace(&emu, json!({"tier": "paid"}));
    let w = emu
        .control("GET", &format!("/workspaces/{k2}"), Value::Null)
        .json();
    assert_eq!(w["topups_total_micros"], 5_000_000);
}

#[test]
fn patch_auto_sleep_and_immutable_fields() {
    let emu = v2(&[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let path = format!("/instances/{id}");
    let j = api
        .patch(
            &path,
            json!({"auto_sleep": true, "idle_timeout_seconds": 120}),
        )
        .json();
    assert_eq!(
        (j["auto_sleep"].clone(), j["idle_timeout_seconds"].clone()),
        (json!(true), json!(120))
    );
    for (body, why) in [
        (json!({"auto_sleep": null}), "null auto_sleep"),
        (json!({"idle_timeout_seconds": null}), "null timeout"),
        (json!({"idle_timeout_seconds": 59}), "timeout range"),
        (json!({"env": {"A": "b"}}), "env is immutable"),
        (json!({"type": "shared", "name": "x"}), "type is immutable"),
        (json!({"other": 1}), "no known field"),
    ] {
        assert_eq!(
            api.patch(&path, body).err(),
            (400, "invalid_request".into()),
            "{why}"
        );
    }
    // Enabling started the idle timer: asleep at now + 120, slept_at when it fell due.
    emu.advance(119);
    assert_eq!(api.get(&path).json()["status"], "running");
    emu.advance(1);
    let asleep = api.get(&path).json();
    assert_eq!(
        (asleep["status"].clone(), asleep["slept_at"].clone()),
        (json!("sleeping"), json!(now + 120))
    );
    // Turning auto_sleep off does not wake a sleeper; PATCH works in any status.
    let j = api.patch(&path, json!({"auto_sleep": false})).json();
    assert_eq!(
        (j["status"].clone(), j["auto_sleep"].clone()),
        (json!("sleeping"), json!(false))
    );
}

#[test]
fn delete_settles_the_last_minutes_and_refunds_nothing() {
    let emu = v2(&[]);
    // Inside one emulator-hour, so the hourly settle does not split the minutes.
    emu.freeze_clock();
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let wallet = emu.wallet(&emu.key);
    emu.advance(10 * 60 + 59);
    assert_eq!(
        api.delete(&format!("/instances/{id}")).json(),
        json!({"id": id, "deleted": true})
    );
    // 10 whole minutes of 2/4/4 ($4.76 a month): 4_760_000 × 10 / 43_800 = 1086.76 → 1087.
    assert_eq!(wallet - emu.wallet(&emu.key), 1087);
    assert_eq!(
        api.delete(&format!("/instances/{id}")).err(),
        (404, "not_found".into())
    );
}
