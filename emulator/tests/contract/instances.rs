//! Contract tests for auth, routing, and instances: create, list, get, patch, delete.

use crate::harness::{Emulator, day_cost};
use serde_json::{Value, json};

const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/v1/instances"),
    ("GET", "/v1/instances"),
    ("GET", "/v1/instances/abcdefghij"),
    ("PATCH", "/v1/instances/abcdefghij"),
    ("DELETE", "/v1/instances/abcdefghij"),
    ("POST", "/v1/instances/abcdefghij/stop"),
    ("POST", "/v1/instances/abcdefghij/start"),
    ("POST", "/v1/instances/abcdefghij/restart"),
    ("POST", "/v1/instances/abcdefghij/update"),
    ("POST", "/v1/instances/abcdefghij/resize"),
    ("POST", "/v1/instances/abcdefghij/exec"),
    ("POST", "/v1/instances/abcdefghij/signed-url"),
    ("GET", "/v1/instances/abcdefghij/budget"),
    ("PATCH", "/v1/instances/abcdefghij/budget"),
    ("POST", "/v1/instances/abcdefghij/budget/top-up"),
    ("GET", "/v1/instances/abcdefghij/usage"),
    ("GET", "/v1/templates"),
    ("POST", "/v1/templates"),
    ("GET", "/v1/templates/agent37-hermes"),
    ("PATCH", "/v1/templates/agent37-hermes"),
    ("DELETE", "/v1/templates/agent37-hermes"),
    ("GET", "/v1/no/such/path"),
    ("GET", "/nothing-here"),
];

/// The routes revision 2026-08-21 adds (404 like unknown paths under 2026-06-25).
const V2_ENDPOINTS: &[(&str, &str)] = &[
    ("GET", "/v1/instances/abcdefghij/public-ports"),
    ("POST", "/v1/instances/abcdefghij/public-ports"),
    ("DELETE", "/v1/instances/abcdefghij/public-ports/9100"),
    ("GET", "/v1/instances/abcdefghij/logs"),
    ("GET", "/v1/instances/abcdefghij/metrics"),
    ("GET", "/v1/instances/abcdefghij/integrations/toolkits"),
    ("POST", "/v1/instances/abcdefghij/integrations/connect"),
    ("GET", "/v1/instances/abcdefghij/integrations/connections"),
    (
        "DELETE",
        "/v1/instances/abcdefghij/integrations/connections/ca_1",
    ),
    ("GET", "/v1/domains"),
    ("POST", "/v1/domains"),
    ("GET", "/v1/domains/bots-example.net"),
    ("DELETE", "/v1/domains/bots-example.net"),
    ("POST", "/v1/domains/bots-example.net/verify"),
    ("GET", "/v1/ssh-keys"),
    ("POST", "/v1/ssh-keys"),
    ("DELETE", "/v1/ssh-keys/703eda28a72967dcfa7ba935"),
    ("POST", "/v1/template-builds"),
    ("GET", "/v1/template-builds/tb_0a1b2c3d4e5f60718293"),
    ("POST", "/v1/template-builds/tb_0a1b2c3d4e5f60718293/start"),
    ("GET", "/v1/template-builds/tb_0a1b2c3d4e5f60718293/logs"),
];

both_revisions! {
fn every_path_checks_the_key_first(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let keys: [(&str, Option<&str>); 4] = [
        ("missing", None),
        ("malformed", Some("sk_live_short")),
        ("wrong prefix", Some("sk_test_abcdefghijklmnopqrstuvwx")),
        ("unknown", Some("sk_live_abcdefghijklmnopqrstuvwx")),
    ];
    for (what, key) in keys {
        let api = emu.api_key(key);
        for (method, path) in ENDPOINTS.iter().chain(V2_ENDPOINTS) {
            let r = api.send(method, path, Some("{not json"));
            assert_eq!(r.status, 401, "{what} key, {method} {path}: {}", r.text());
            assert_eq!(r.code(), "invalid_api_key");
        }
    }
}
}

both_revisions! {
fn unknown_paths_and_methods_are_404_after_auth(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let api = emu.api();
    for (method, path) in [
        ("GET", "/v1/nope"),
        ("GET", "/v1"),
        ("GET", "/"),
        ("PUT", "/v1/instances"),
        ("POST", "/v1/instances/abcdefghij"),
        ("GET", "/v1/instances/abcdefghij/stop"),
        ("DELETE", "/v1/templates"),
        ("GET", "/v1/instances/abcdefghij/budget/top-up"),
    ] {
        let r = api.send(method, path, None);
        assert_eq!(r.status, 404, "{method} {path}: {}", r.text());
        assert_eq!(r.code(), "not_found");
    }
    // Under 2026-06-25 every route 2026-08-21 adds is an unknown path, and so is the upload
    // URL; under 2026-08-21 the SSH keys have no GET by id.
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let unknown: Vec<(String, String)> = if rev.is_v2() {
        vec![
            ("GET".into(), "/v1/ssh-keys/703eda28a72967dcfa7ba935".into()),
            ("PATCH".into(), format!("/v1/instances/{id}/public-ports/9100")),
            ("GET".into(), "/v1/template-builds".into()),
        ]
    } else {
        V2_ENDPOINTS
            .iter()
            .map(|(m, p)| (m.to_string(), p.replace("abcdefghij", &id)))
            .chain([
                ("PUT".into(), "/_uploads/tb_0a1b2c3d4e5f60718293?sig=x".into()),
                ("GET".into(), "/_composio/authorize/ca_1".into()),
            ])
            .collect()
    };
    for (method, path) in unknown {
        let r = api.send(&method, &path, Some("{}"));
        assert_eq!(r.err(), (404, "not_found".into()), "{method} {path}");
    }
    if !rev.is_v2() {
        // Without a key they are 401, like any unknown path.
        let r = emu.raw().send("PUT", "/_uploads/tb_0a1b2c3d4e5f60718293", None);
        assert_eq!(r.err(), (401, "invalid_api_key".into()));
    }
}
}

fn ids_ok(id: &str) -> bool {
    id.len() == 10
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[test]
fn create_default_instance_has_the_full_shape() {
    let emu = Emulator::start(&[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let before = emu.wallet(&emu.key);
    let r = api.post("/instances", Value::Null);
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(
        r.header("content-type")
            .is_some_and(|c| c.starts_with("application/json"))
    );
    let i = r.json();
    let keys: Vec<&String> = i.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "status",
            "template",
            "image_ref",
            "resources",
            "ports",
            "user",
            "name",
            "metadata",
            "paid_through",
            "past_due",
            "created"
        ]
    );
    let id = i["id"].as_str().unwrap();
    assert!(ids_ok(id), "{id}");
    assert_eq!(i["status"], "running");
    assert_eq!(i["template"], "agent37-hermes");
    assert_eq!(i["image_ref"], "ghcr.io/agent37-platform/hermes:2026.06.20");
    assert_eq!(i["resources"], json!({"cpu": 2, "memory": 4, "disk": 6}));
    let ports: Vec<(i64, bool)> = i["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["port"].as_i64().unwrap(), p["default"].as_bool().unwrap()))
        .collect();
    assert_eq!(
        ports,
        [(3737, true), (9119, false), (7681, false), (8080, false)]
    );
    for p in i["ports"].as_array().unwrap() {
        assert_eq!(
            p["url"],
            format!("{}/_instances/{id}/{}", emu.base, p["port"])
        );
    }
    assert_eq!(
        (i["user"].clone(), i["name"].clone(), i["metadata"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );
    assert_eq!(i["created"], now);
    assert_eq!(i["paid_through"], now + 86_400);
    assert_eq!(i["past_due"], false);
    assert_eq!(emu.wallet(&emu.key), before - day_cost(2, 4, 6));
    assert_eq!(day_cost(2, 4, 6), 162_411);
    // GET returns the same object.
    assert_eq!(api.get(&format!("/instances/{id}")).json(), i);
}

#[test]
fn create_shapes_and_templates() {
    let emu = Emulator::start(&["--instance-limit", "50"]);
    let api = emu.api();
    let rows: &[(Value, &str, (i64, i64, i64))] = &[
        (json!({}), "agent37-hermes", (2, 4, 6)),
        (
            json!({"template": "agent37-hermes-small"}),
            "agent37-hermes-small",
            (1, 3, 6),
        ),
        (
            json!({"template": "agent37-hermes-small", "resources": {"disk": 20}}),
            "agent37-hermes-small",
            (1, 3, 20),
        ),
        (
            json!({"template": "agent37-hermes-small", "resources": {"cpu": 2, "memory": 4}}),
            "agent37-hermes-small",
            (2, 4, 6),
        ),
        (
            json!({"resources": {"disk": 20}}),
            "agent37-hermes",
            (2, 4, 20),
        ),
        (
            json!({"resources": {"cpu": 4, "memory": 8}}),
            "agent37-hermes",
            (4, 8, 20),
        ),
        (
            json!({"resources": {"cpu": 4, "memory": 8, "disk": 40}}),
            "agent37-hermes",
            (4, 8, 40),
        ),
        (
            json!({"resources": {"cpu": 8, "memory": 16}}),
            "agent37-hermes",
            (8, 16, 40),
        ),
        (
            json!({"resources": {"cpu": 8, "memory": 16, "disk": 80}}),
            "agent37-hermes",
            (8, 16, 80),
        ),
        (
            json!({"template": "agent37-openclaw"}),
            "agent37-openclaw",
            (2, 4, 6),
        ),
        (
            json!({"template": "agent37-hermes", "resources": null, "unknown_field": [1, 2]}),
            "agent37-hermes",
            (2, 4, 6),
        ),
    ];
    for (body, template, (cpu, mem, disk)) in rows {
        let before = emu.wallet(&emu.key);
        let i = api.create(body.clone());
        assert_eq!(i["template"], *template, "{body}");
        assert_eq!(
            i["resources"],
            json!({"cpu": cpu, "memory": mem, "disk": disk}),
            "{body}"
        );
        assert_eq!(
            emu.wallet(&emu.key),
            before - day_cost(*cpu, *mem, *disk),
            "{body}"
        );
    }
    let claw = api.create(json!({"template": "agent37-openclaw"}));
    assert_eq!(
        claw["image_ref"],
        "ghcr.io/agent37-platform/openclaw:2026.06.20"
    );
    let ports: Vec<i64> = claw["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_i64().unwrap())
        .collect();
    assert_eq!(ports, [3737, 18789, 7681, 8080]);
}

#[test]
fn create_validation_rows_are_400() {
    let emu = Emulator::start(&[]);
    let api = emu.api();
    let big_meta = json!({"metadata": {"k": "x".repeat(4089)}});
    let rows: Vec<(Value, &str)> = vec![
        (json!({"template": "nope"}), "unknown template"),
        (
            json!({"template": "agent37-nope"}),
            "agent37- but not system",
        ),
        (json!({"template": "nginx:latest"}), "raw image"),
        (
            json!({"template": "ghcr.io/acme/agent:v1"}),
            "raw image with registry",
        ),
        (json!({"template": 5}), "template not a string"),
        (json!({"resources": {"cpu": 2}}), "cpu without memory"),
        (json!({"resources": {"memory": 4}}), "memory without cpu"),
        (json!({"resources": {"cpu": 3, "memory": 4}}), "not a shape"),
        (json!({"resources": {"cpu": 2, "memory": 8}}), "not a shape"),
        (
            json!({"resources": {"cpu": 1, "memory": 3}}),
            "1/3 is hermes-small only",
        ),
        (
            json!({"template": "agent37-openclaw", "resources": {"cpu": 1, "memory": 3}}),
            "1/3 is hermes-small only",
        ),
        (json!({"resources": {"disk": 5}}), "disk under range"),
        (json!({"resources": {"disk": 21}}), "disk over range"),
        (
            json!({"resources": {"cpu": 4, "memory": 8, "disk": 19}}),
            "disk under 4/8 range",
        ),
        (
            json!({"resources": {"cpu": 4, "memory": 8, "disk": 41}}),
            "disk over 4/8 range",
        ),
        (
            json!({"resources": {"cpu": 8, "memory": 16, "disk": 39}}),
            "disk under 8/16 range",
        ),
        (
            json!({"resources": {"cpu": 8, "memory": 16, "disk": 81}}),
            "disk over 8/16 range",
        ),
        (
            json!({"resources": {"cpu": 2.5, "memory": 4}}),
            "fractional cpu",
        ),
        (json!({"resources": "big"}), "resources not an object"),
        (json!({"user": "u".repeat(201)}), "user too long"),
        (json!({"name": "n".repeat(61)}), "name too long"),
        (json!({"name": 5}), "name not a string"),
        (json!({"user": ["a"]}), "user not a string"),
        (big_meta, "metadata over 4 KB"),
        (json!({"metadata": [1]}), "metadata not an object"),
        (json!({"metadata": "a=b"}), "metadata not an object"),
        (
            json!({"budget": {"monthly_cap_micros": -1}}),
            "negative cap",
        ),
        (json!({"budget": {"topup_micros": -1}}), "negative top-up"),
        (json!({"budget": {"credit_micros": -1}}), "negative credit"),
        (
            json!({"budget": {"topup_micros": "5"}}),
            "top-up not an int",
        ),
        (json!({"budget": 5}), "budget not an object"),
        (json!([]), "body not an object"),
        (json!("x"), "body not an object"),
    ];
    for (body, why) in rows {
        let r = api.post("/instances", body.clone());
        assert_eq!(r.status, 400, "{why}: {body} → {}", r.text());
        assert_eq!(r.code(), "invalid_request", "{why}");
    }
    for raw in ["{", "{\"template\": }", "nul", "{\"a\":1}}"] {
        let r = api.send("POST", "/v1/instances", Some(raw));
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "invalid_request"),
            "{raw}"
        );
    }
    // The bad-shape message lists the valid shapes.
    let r = api.post("/instances", json!({"resources": {"cpu": 3, "memory": 4}}));
    let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
    for shape in ["1/3", "2/4", "4/8", "8/16"] {
        assert!(msg.contains(shape), "{msg}");
    }
    // Nothing was created or charged by any of them.
    assert_eq!(api.get("/instances").json()["data"], json!([]));
    assert_eq!(emu.wallet(&emu.key), 1_000_000_000);
}

both_revisions! {
fn create_labels_metadata_and_limits_at_the_edge(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let api = emu.api();
    let meta_4096 = json!({"k": "x".repeat(4088)});
    let i = api.create(json!({
        "name": "é".repeat(60), "user": "u".repeat(200), "metadata": meta_4096,
    }));
    assert_eq!(i["name"].as_str().unwrap().chars().count(), 60);
    assert_eq!(i["user"].as_str().unwrap().len(), 200);
    assert_eq!(i["metadata"], meta_4096);
    // Empty name/user and {} metadata are "none"; metadata keeps the caller's key order.
    let r = api.post(
        "/instances",
        json!({"name": "", "user": "", "metadata": {}}),
    );
    let j = r.json();
    assert_eq!(
        (j["name"].clone(), j["user"].clone(), j["metadata"].clone()),
        (Value::Null, Value::Null, Value::Null)
    );
    let r = api.send(
        "POST",
        "/v1/instances",
        Some(r#"{"metadata":{"zeta":"1","alpha":"2","mid":{"b":1,"a":2}}}"#),
    );
    assert!(
        r.text()
            .contains(r#""metadata":{"zeta":"1","alpha":"2","mid":{"b":1,"a":2}}"#),
        "{}",
        r.text()
    );
}
}

#[test]
fn tier_limit_instance_limit_and_check_order() {
    let emu = Emulator::start(&[]);
    let free = emu.workspace(json!({"tier": "free", "wallet_micros": 1_000_000_000}));
    for body in [
        json!({"resources": {"cpu": 4, "memory": 8}}),
        json!({"resources": {"cpu": 8, "memory": 16}}),
    ] {
        let r = free.post("/instances", body);
        assert_eq!((r.status, r.code().as_str()), (403, "tier_limit"));
    }
    free.create(json!({"template": "agent37-hermes-small"}));
    // Free tier: 1 instance.
    let r = free.post("/instances", json!({}));
    assert_eq!(
        (r.status, r.code().as_str()),
        (409, "instance_limit_reached")
    );
    // Check order: validation (400) before tier (403) before limit (409).
    let r = free.post("/instances", json!({"resources": {"cpu": 3, "memory": 4}}));
    assert_eq!(r.status, 400);
    let r = free.post("/instances", json!({"resources": {"cpu": 4, "memory": 8}}));
    assert_eq!(r.code(), "tier_limit");
    // Limit (409) before balance (402).
    let broke = emu.workspace(json!({"tier": "paid", "wallet_micros": 0, "instance_limit": 0}));
    assert_eq!(
        broke.post("/instances", json!({})).code(),
        "instance_limit_reached"
    );
    emu.control(
        "PATCH",
        &format!("/workspaces/{}", broke.key.as_deref().unwrap()),
        json!({"instance_limit": null}),
    );
    assert_eq!(
        broke.post("/instances", json!({})).code(),
        "insufficient_balance"
    );
    // Paid tier default limit is 10.
    let paid = emu.workspace(json!({"tier": "paid", "wallet_micros": 100_000_000_000i64}));
    for _ in 0..10 {
        paid.create(json!({}));
    }
    let r = paid.post("/instances", json!({}));
    assert_eq!(
        (r.status, r.code().as_str()),
        (409, "instance_limit_reached")
    );
    // Deleting one frees a slot.
    let first = paid.get("/instances").json()["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(paid.delete(&format!("/instances/{first}")).status, 200);
    paid.create(json!({}));
}

#[test]
fn balance_rules_one_day_and_thirty_day_fleet() {
    let emu = Emulator::start(&[]);
    let d = day_cost(2, 4, 6);
    // One day: exactly enough works, one micro less is 402.
    let short = emu.workspace(json!({"wallet_micros": d - 1}));
    let r = short.post("/instances", json!({}));
    assert_eq!((r.status, r.code().as_str()), (402, "insufficient_balance"));
    let exact = emu.workspace(json!({"wallet_micros": d}));
    exact.create(json!({}));
    // Second instance: the wallet must hold 30 days of both (checked before the debit).
    let key = emu
        .workspace(json!({"wallet_micros": d + 60 * d - 1}))
        .key
        .unwrap();
    let ws = emu.api_with(&key);
    ws.create(json!({}));
    assert_eq!(emu.wallet(&key), 60 * d - 1);
    let r = ws.post("/instances", json!({}));
    assert_eq!((r.status, r.code().as_str()), (402, "insufficient_balance"));
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"wallet_micros": 60 * d}),
    );
    ws.create(json!({}));
    assert_eq!(emu.wallet(&key), 59 * d);
    // A bigger third shape needs 30 × (2d + its day).
    let big = day_cost(4, 8, 20);
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"wallet_micros": 30 * (2 * d + big) - 1}),
    );
    assert_eq!(
        ws.post("/instances", json!({"resources": {"cpu": 4, "memory": 8}}))
            .code(),
        "insufficient_balance"
    );
}

both_revisions! {
fn list_get_and_workspace_isolation(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let api = emu.api();
    let other = emu.workspace(json!({}));
    let a = api.create(json!({"name": "a"}));
    let b = api.create(json!({"name": "b"}));
    let c = api.create(json!({"name": "c"}));
    let theirs = other.create(json!({"name": "theirs"}));
    let names: Vec<Value> = api.get("/instances").json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].clone())
        .collect();
    assert_eq!(names, [json!("c"), json!("b"), json!("a")], "newest first");
    assert_eq!(
        api.delete(&format!("/instances/{}", b["id"].as_str().unwrap()))
            .status,
        200
    );
    let ids: Vec<Value> = api.get("/instances").json()["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(
        ids,
        [c["id"].clone(), a["id"].clone()],
        "deleted ones omitted"
    );
    let list = api.get("/instances").json();
    assert_eq!(list.as_object().unwrap().len(), 1, "only data: {list}");
    // Another workspace's instance answers exactly like a missing one.
    let tid = theirs["id"].as_str().unwrap();
    for (method, path, body) in [
        ("GET", format!("/v1/instances/{tid}"), None),
        (
            "PATCH",
            format!("/v1/instances/{tid}"),
            Some(r#"{"name":"x"}"#),
        ),
        ("DELETE", format!("/v1/instances/{tid}"), None),
        ("POST", format!("/v1/instances/{tid}/stop"), None),
        ("GET", format!("/v1/instances/{tid}/budget"), None),
        ("GET", "/v1/instances/zzzzzzzzzz".to_string(), None),
        ("GET", "/v1/instances/NOT-AN-ID".to_string(), None),
        (
            "GET",
            format!("/v1/instances/{}", b["id"].as_str().unwrap()),
            None,
        ),
    ] {
        let r = api.send(method, &path, body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (404, "not_found"),
            "{method} {path}"
        );
    }
    assert_eq!(
        other.get("/instances").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
}

both_revisions! {
fn patch_rules(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    // Frozen: under 2026-08-21 the stop below settles the meter, which a minute boundary
    // would move.
    emu.freeze_clock();
    let api = emu.api();
    let i = api.create(json!({"name": "n0", "user": "u0", "metadata": {"a": "1", "b": "2"}}));
    let path = format!("/instances/{}", i["id"].as_str().unwrap());
    let rows: Vec<(Value, Value, Value, Value)> = vec![
        (
            json!({"name": "n1"}),
            json!("n1"),
            json!("u0"),
            json!({"a": "1", "b": "2"}),
        ),
        (
            json!({"user": "u1"}),
            json!("n1"),
            json!("u1"),
            json!({"a": "1", "b": "2"}),
        ),
        (
            json!({"metadata": {"c": "3"}}),
            json!("n1"),
            json!("u1"),
            json!({"c": "3"}),
        ),
        (
            json!({"name": ""}),
            Value::Null,
            json!("u1"),
            json!({"c": "3"}),
        ),
        (
            json!({"name": "n2", "user": null}),
            json!("n2"),
            Value::Null,
            json!({"c": "3"}),
        ),
        (
            json!({"metadata": {}}),
            json!("n2"),
            Value::Null,
            Value::Null,
        ),
        (
            json!({"metadata": {"d": 4}, "ignored": true}),
            json!("n2"),
            Value::Null,
            json!({"d": 4}),
        ),
        (
            json!({"metadata": null, "user": ""}),
            json!("n2"),
            Value::Null,
            Value::Null,
        ),
    ];
    for (body, name, user, metadata) in rows {
        let r = api.patch(&path, body.clone());
        assert_eq!(r.status, 200, "{body}: {}", r.text());
        let j = r.json();
        assert_eq!(
            (j["name"].clone(), j["user"].clone(), j["metadata"].clone()),
            (name, user, metadata),
            "{body}"
        );
        assert_eq!(api.get(&path).json(), j, "{body}: GET agrees");
    }
    let bad: Vec<(Option<&str>, &str)> = vec![
        (None, "empty body"),
        (Some("{}"), "no field"),
        (Some(r#"{"other": 1}"#), "only unknown fields"),
        (Some("{bad"), "malformed"),
        (Some("[]"), "not an object"),
        (Some(r#"{"name": 1}"#), "name type"),
        (Some(r#"{"metadata": "x"}"#), "metadata type"),
    ];
    for (body, why) in bad {
        let r = api.send("PATCH", &format!("/v1{path}"), body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "invalid_request"),
            "{why}"
        );
    }
    let long = json!({"name": "n".repeat(61)});
    assert_eq!(api.patch(&path, long).status, 400);
    // PATCH works on a stopped instance and does not touch billing or state.
    let wallet = emu.wallet(&emu.key);
    api.post(&format!("{path}/stop"), Value::Null);
    let j = api.patch(&path, json!({"name": "stopped-one"})).json();
    assert_eq!(
        (j["status"].clone(), j["name"].clone()),
        (json!("stopped"), json!("stopped-one"))
    );
    assert_eq!(emu.wallet(&emu.key), wallet);
    // Lookup comes before body validation.
    let r = api.send("PATCH", "/v1/instances/zzzzzzzzzz", Some("{bad"));
    assert_eq!(r.status, 404);
}
}

#[test]
fn delete_refunds_the_unused_day_and_is_final() {
    let emu = Emulator::start(&[]);
    emu.freeze_clock();
    let api = emu.api();
    let d = day_cost(2, 4, 6);
    // (seconds elapsed in the day before delete, expected refund)
    let rows = [
        (0i64, d * (86_400 - 3_600) / 86_400),
        (1_800, d * (86_400 - 3_600) / 86_400),
        (3_600, d * (86_400 - 3_600) / 86_400),
        (7_200, d * (86_400 - 7_200) / 86_400),
        (80_000, d * (86_400 - 80_000) / 86_400),
        (86_399, d / 86_400),
    ];
    for (elapsed, refund) in rows {
        let i = api.create(json!({}));
        let id = i["id"].as_str().unwrap();
        if elapsed > 0 {
            emu.advance(elapsed);
        }
        let before = emu.wallet(&emu.key);
        let r = api.delete(&format!("/instances/{id}"));
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), json!({"id": id, "deleted": true}));
        assert_eq!(emu.wallet(&emu.key) - before, refund, "elapsed {elapsed}");
        let again = api.delete(&format!("/instances/{id}"));
        assert_eq!((again.status, again.code().as_str()), (404, "not_found"));
        for path in ["", "/stop", "/budget"] {
            let method = if path == "/stop" { "POST" } else { "GET" };
            assert_eq!(
                api.send(method, &format!("/v1/instances/{id}{path}"), None)
                    .status,
                404
            );
        }
        let oob = emu
            .control("GET", &format!("/instances/{id}"), Value::Null)
            .json();
        assert_eq!(oob["instance"]["status"], "deleted");
    }
    // 162_411 × 82_800 / 86_400 rounds down to 155_643.
    assert_eq!(d * 82_800 / 86_400, 155_643);
    // A bigger shape refunds from its own day cost.
    let i = api.create(json!({"resources": {"cpu": 8, "memory": 16, "disk": 80}}));
    emu.advance(43_200);
    let before = emu.wallet(&emu.key);
    api.delete(&format!("/instances/{}", i["id"].as_str().unwrap()));
    assert_eq!(emu.wallet(&emu.key) - before, day_cost(8, 16, 80) / 2);
}
