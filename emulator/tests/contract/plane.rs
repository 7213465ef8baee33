//! The instance plane on loopback (8.3, section 6 of the delta): both URL forms, health
//! authenticated under both revisions, the credentials and their counters (8.7), the status
//! table, listening ports, wakes, idle sleep, public ports and domain mirrors.

use serde_json::{Value, json};

use crate::harness::{Api, Emulator, PORT, Resp, Rev};

fn plane_counters(emu: &Emulator) -> Value {
    emu.requests()["plane"].clone()
}

/// A client sending the workspace key the way `rev`'s plane wants it.
fn keyed(emu: &Emulator, rev: Rev, key: &str) -> Api {
    if rev.is_v2() {
        emu.raw().with_header("x-agent37-key", key)
    } else {
        emu.api_with(key)
    }
}

both_revisions! {
/// Health needs the workspace key under both revisions; `/health` is the edge's, keyless.
fn health_is_authenticated(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let api = emu.api();
    let other = emu.workspace(json!({}));
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let path = format!("/_instances/{id}/3737/v1/health");
    let me = keyed(&emu, rev, &emu.key);
    let r = me.send("GET", &path, None);
    let mut want = json!({"ok": true, "agent": "hermes", "healthy": true});
    if rev.is_v2() {
        want["hermes"] = json!(true);
    }
    assert_eq!((r.status, r.json()), (200, want));
    let foreign = keyed(&emu, rev, other.key.as_deref().unwrap());
    for (client, want, why) in [
        (emu.raw(), (401, "invalid_api_key"), "no key"),
        (keyed(&emu, rev, "sk_live_abcdefghijklmnopqrstuvwx"), (401, "invalid_api_key"), "unknown key"),
        (keyed(&emu, rev, "nonsense"), (401, "invalid_api_key"), "malformed key"),
        (foreign, (404, "not_found"), "another workspace's key"),
    ] {
        let r = client.send("GET", &path, None);
        assert_eq!(r.flat(), (want.0, want.1.to_string()), "{why}");
    }
    let r = emu.raw().send("GET", &format!("/_instances/{id}/3737/health"), None);
    assert_eq!((r.status, r.json()), (200, json!({"ok": true})));
    let counters = plane_counters(&emu);
    let kind = if rev.is_v2() { "x_agent37_key" } else { "bearer" };
    assert_eq!(counters[kind], 1, "{counters}");
    assert_eq!(counters["rejected"], 4, "{counters}");
    assert_eq!(counters["deprecated_bearer"], 0);
    // Host form works under both (2026-06-25 hands out the path form).
    let r = me.send("GET", &format!("{}/v1/health", emu.plane_url(&id)), None);
    assert_eq!(r.status, 200, "{}", r.text());
    // A page: the path, the query without the token, and the port.
    let r = me.send("GET", &format!("/_instances/{id}/3737/chat/x?b=2&a=1"), None);
    let j = r.json();
    assert_eq!(
        (j["instance"].clone(), j["port"].clone(), j["path"].clone(), j["query"].clone()),
        (json!(id), json!(3737), json!("/chat/x"), json!("b=2&a=1"))
    );
    assert_eq!(j["authorization_forwarded"], false);
}
}

both_revisions! {
/// Signed URLs open their own instance and port without a key; expired or tampered ones do
/// not. Under 2026-08-21 the first use sets the `a37_session` cookie.
fn signed_tokens_and_cookies(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    emu.freeze_clock();
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let other = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let url = api
        .post(&format!("/instances/{id}/signed-url"), json!({"port": 3737, "ttl_seconds": 60}))
        .json()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let token = url.split("a37_token=").nth(1).unwrap().to_string();
    let plane = emu.raw();
    let r = plane.send("GET", &url, None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["query"], "", "the token is not forwarded");
    let cookie = r.header("set-cookie").map(str::to_string);
    assert_eq!(cookie.is_some(), rev.is_v2(), "{cookie:?}");
    let tampered = format!("{url}x");
    assert_eq!(plane.send("GET", &tampered, None).flat(), (401, "invalid_api_key".into()));
    // Bound to its instance and port.
    let elsewhere = if rev.is_v2() {
        format!("{}/?a37_token={token}", emu.plane_url(&other))
    } else {
        format!("/_instances/{other}/3737?a37_token={token}")
    };
    assert_eq!(plane.send("GET", &elsewhere, None).status, 401);
    if let Some(c) = cookie {
        let session = c.split(';').next().unwrap().to_string();
        assert!(c.contains("Max-Age=60"), "{c}");
        let with_cookie = plane.with_header("cookie", &session);
        let r = with_cookie.send("GET", &format!("{}/page", emu.plane_url(&id)), None);
        assert_eq!(r.status, 200, "the cookie alone: {}", r.text());
        let counters = plane_counters(&emu);
        assert_eq!((counters["signed_url"].clone(), counters["cookie"].clone()), (json!(1), json!(1)));
    }
    emu.advance(61);
    assert_eq!(plane.send("GET", &url, None).status, 401, "expired");
}
}

#[test]
fn the_2026_08_21_credentials_and_the_deprecated_bearer() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let url = format!("{}/v1/health", emu.plane_url(&id));
    // The deprecated Bearer still works and is counted.
    assert_eq!(api.send("GET", &url, None).status, 200);
    assert_eq!(plane_counters(&emu)["deprecated_bearer"], 1);
    // With both headers only X-Agent37-Key is read: a bad one never falls back.
    let both = api.with_header("x-agent37-key", "sk_live_abcdefghijklmnopqrstuvwx");
    assert_eq!(
        both.send("GET", &url, None).flat(),
        (401, "invalid_api_key".into())
    );
    // Other Authorization values reach the instance.
    let app = emu
        .raw()
        .with_header("x-agent37-key", &emu.key)
        .with_header("authorization", "Bearer my-app-token");
    let r = app.send("GET", &format!("{}/api", emu.plane_url(&id)), None);
    assert_eq!(r.json()["authorization_forwarded"], true);
    // plane_bearer: reject is the announced removal.
    emu.config(json!({"plane_bearer": "reject"}));
    assert_eq!(
        api.send("GET", &url, None).flat(),
        (401, "invalid_api_key".into())
    );
    assert_eq!(
        keyed(&emu, Rev::V2, &emu.key)
            .send("GET", &url, None)
            .status,
        200
    );
    // The IP allowlist applies to keys on the plane, not to signed URLs.
    let signed = api
        .post(
            &format!("/instances/{id}/signed-url"),
            json!({"port": 3737}),
        )
        .json()["url"]
        .as_str()
        .unwrap()
        .to_string();
    emu.control(
        "PATCH",
        &format!("/workspaces/{}", emu.key),
        json!({"ip_allowlist": ["10.0.0.0/8"]}),
    );
    let r = keyed(&emu, Rev::V2, &emu.key).send("GET", &url, None);
    assert_eq!(r.flat(), (403, "ip_not_allowed".into()));
    assert_eq!(emu.raw().send("GET", &signed, None).status, 200);
    let inside = keyed(&emu, Rev::V2, &emu.key).calling_from("10.1.2.3");
    assert_eq!(inside.send("GET", &url, None).status, 200);
    // Every request logs its Host and credential kind.
    let log = emu.requests()["recent"].as_array().unwrap().clone();
    let last = log.last().unwrap();
    assert_eq!(
        (
            last["host"].clone(),
            last["credential"].clone(),
            last["route"].clone()
        ),
        (
            json!(format!("{id}.localhost:{PORT}")),
            json!("x_agent37_key"),
            json!("GET {plane}/v1/health")
        )
    );
    assert_eq!(last["path"], "/v1/health");
}

#[test]
fn health_picks_the_harness_and_version_answers() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.api();
    let plane = keyed(&emu, Rev::V2, &emu.key);
    let id = api.create(json!({"template": "agent37-openclaw"}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let base = emu.plane_url(&id);
    let health = |q: &str| plane.send("GET", &format!("{base}/v1/health{q}"), None);
    assert_eq!(
        health("").json(),
        json!({"ok": true, "agent": "openclaw", "healthy": true})
    );
    assert_eq!(health("?agent=").json()["agent"], "openclaw");
    assert_eq!(
        health("?agent=hermes").json(),
        json!({"ok": true, "agent": "hermes", "healthy": false, "hermes": false})
    );
    let r = health("?agent=gpt");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["code"], "validation_error");
    let r = plane.send("GET", &format!("{base}/v1/version"), None);
    assert_eq!(
        r.json(),
        json!({"name": "agent37-gateway", "version": "emulator"})
    );
    // A workspace-template instance answers like the Hermes base.
    api.post(
        "/templates",
        json!({"name": "crawler", "image_ref": "acme/crawler:v1", "default_port": 9000}),
    );
    let c = api.create(json!({"template": "crawler"}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = plane.send("GET", &format!("{}/v1/health", emu.plane_url(&c)), None);
    assert_eq!(
        r.json(),
        json!({"ok": true, "agent": "hermes", "healthy": true, "hermes": true})
    );
}

#[test]
fn listening_ports_the_ssh_port_and_unknown_labels() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.api();
    let plane = keyed(&emu, Rev::V2, &emu.key);
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let get = |label: &str| plane.send("GET", &format!("{}/x", emu.plane_url(label)), None);
    for port in [3737, 9119, 7681, 8080] {
        assert_eq!(get(&format!("{id}-{port}")).status, 200, "{port}");
    }
    assert_eq!(
        get(&format!("{id}-5000")).flat(),
        (502, "container_unreachable".into())
    );
    assert_eq!(
        get(&format!("{id}-22022")).flat(),
        (501, "not_implemented".into())
    );
    let r = emu.control(
        "POST",
        &format!("/instances/{id}/listen"),
        json!({"ports": [5000]}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(get(&format!("{id}-5000")).json()["port"], 5000);
    // The path form takes any port under 2026-08-21.
    let r = plane.send("GET", &format!("/_instances/{id}/5000/x"), None);
    assert_eq!(r.status, 200);
    for label in ["zzzzzzzzzz", "www", &format!("{id}-0")] {
        assert_eq!(get(label).flat(), (404, "not_found".into()), "{label}");
    }
    // A host without a label is the API.
    let r = api.send(
        "GET",
        &format!("http://localhost:{PORT}/v1/instances"),
        None,
    );
    assert_eq!(r.status, 200);
    // A workspace template without default_port serves 3737; with one, that port.
    api.post(
        "/templates",
        json!({"name": "bare", "image_ref": "acme/bare:v1"}),
    );
    api.post(
        "/templates",
        json!({"name": "web", "image_ref": "acme/web:v1", "default_port": 9000}),
    );
    let b = api.create(json!({"template": "bare"}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let w = api.create(json!({"template": "web"}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(get(&b).json()["port"], 3737);
    assert_eq!(get(&w).json()["port"], 9000);
    assert_eq!(get(&format!("{w}-3737")).status, 502);
}

fn status_of(api: &Api, id: &str) -> Value {
    api.get(&format!("/instances/{id}")).json()
}

#[test]
fn the_status_table_of_the_plane() {
    let emu = Emulator::start_rev(Rev::V2, &["--boot-delay-ms", "60000"]);
    emu.freeze_clock();
    let api = emu.api();
    let plane = keyed(&emu, Rev::V2, &emu.key);
    let id = api.create(json!({"public_ports": [{"port": 9100, "prefix": "hooks"}]}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.control(
        "POST",
        &format!("/instances/{id}/listen"),
        json!({"ports": [9100]}),
    );
    let own = |label: &str| plane.send("GET", &format!("{}/", emu.plane_url(label)), None);
    let public = format!("hooks-{id}");
    assert_eq!(
        own(&id).flat(),
        (502, "container_unreachable".into()),
        "booting"
    );
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    assert_eq!(
        own(&id).flat(),
        (502, "container_unavailable".into()),
        "stopped"
    );
    assert_eq!(
        own(&public).flat(),
        (503, "unavailable".into()),
        "public port, stopped"
    );
    emu.control(
        "PATCH",
        &format!("/instances/{id}"),
        json!({"status": "failed"}),
    );
    assert_eq!(own(&id).flat(), (404, "not_found".into()), "failed");
    // Under 2026-06-25 the old table: not running is 502 container_unreachable.
    emu.config(json!({"api_revision": "2026-06-25"}));
    let v1 = emu.api();
    assert_eq!(
        v1.send("GET", &format!("/_instances/{id}/3737/"), None)
            .flat(),
        (502, "container_unreachable".into())
    );
}

#[test]
fn a_request_wakes_a_sleeper_and_suspension_refuses() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let plane = keyed(&emu, Rev::V2, &emu.key);
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let url = format!("{}/v1/health", emu.plane_url(&id));
    let sleep = || emu.control("POST", &format!("/instances/{id}/sleep"), json!({}));
    let wake = |body: Value| emu.control("POST", &format!("/instances/{id}/wake"), body);
    sleep();
    assert_eq!(
        plane.send("GET", &url, None).status,
        200,
        "woken, then answered"
    );
    assert_eq!(status_of(&api, &id)["status"], "running");
    let logs = api.get(&format!("/instances/{id}/logs")).json();
    assert_eq!(
        logs["health"]["restart_count"], 1,
        "a wake is a boot: {logs}"
    );
    // Slow: waking for wake_seconds (default 2), meanwhile the edge cannot reach it.
    sleep();
    wake(json!({"next": "slow"}));
    assert_eq!(
        plane.send("GET", &url, None).flat(),
        (502, "container_unreachable".into())
    );
    assert_eq!(status_of(&api, &id)["status"], "waking");
    emu.advance(2);
    assert_eq!(status_of(&api, &id)["status"], "running");
    // Fail: stays asleep with a status reason; the next request retries (fast).
    sleep();
    wake(json!({"next": "fail"}));
    assert_eq!(
        plane.send("GET", &url, None).flat(),
        (503, "wake_failed".into())
    );
    let s = status_of(&api, &id);
    assert_eq!(s["status"], "sleeping");
    assert_eq!(
        s["status_reason"]["code"].clone(),
        json!("wake_failed"),
        "{s}"
    );
    assert_eq!(s["status_reason"]["operation"], "wake");
    assert_eq!(plane.send("GET", &url, None).status, 200);
    assert_eq!(status_of(&api, &id)["status_reason"], Value::Null);
    // Timeout: 503, the wake goes on in the background; finish ends it.
    sleep();
    wake(json!({"next": "timeout"}));
    assert_eq!(
        plane.send("GET", &url, None).flat(),
        (503, "wake_timeout".into())
    );
    assert_eq!(status_of(&api, &id)["status"], "waking");
    let r = wake(json!({"finish": true}));
    assert_eq!(r.json()["instance"]["status"], "running");
    // The fault kinds do the same to one plane route.
    sleep();
    emu.control(
        "POST",
        "/faults",
        json!({"rules": [{"route": "GET {plane}/v1/health", "kind": "wake_failed", "first": 1}]}),
    );
    assert_eq!(
        plane.send("GET", &url, None).flat(),
        (503, "wake_failed".into())
    );
    assert_eq!(plane.send("GET", &url, None).status, 200);
    // now: wakes as a URL request would, and says how that request was answered.
    sleep();
    let r = wake(json!({"next": "slow", "now": true})).json();
    assert_eq!(
        (r["instance"]["status"].clone(), r["answer"].clone()),
        (
            json!("waking"),
            json!({"status": 502, "error": "container_unreachable"})
        )
    );
    assert_eq!(wake(json!({"now": true})).status, 400, "not asleep");
    // Suspended: 402 without a wake, public ports 503.
    emu.advance(2);
    emu.control(
        "PATCH",
        &format!("/workspaces/{}", emu.key),
        json!({"wallet_micros": -1}),
    );
    let s = status_of(&api, &id);
    assert_eq!(
        (
            s["status"].clone(),
            s["past_due"].clone(),
            s["slept_at"].clone()
        ),
        (json!("sleeping"), json!(true), json!(now + 4))
    );
    assert_eq!(
        plane.send("GET", &url, None).flat(),
        (402, "instance_suspended".into())
    );
    assert_eq!(status_of(&api, &id)["status"], "sleeping");
}

#[test]
fn idle_sleep_counts_plane_traffic_as_activity() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let plane = keyed(&emu, Rev::V2, &emu.key);
    let id = api.create(json!({"auto_sleep": true, "idle_timeout_seconds": 120}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.advance(100);
    assert_eq!(
        plane
            .send("GET", &format!("{}/", emu.plane_url(&id)), None)
            .status,
        200
    );
    // API reads and exec are not activity.
    emu.advance(100);
    api.post(&format!("/instances/{id}/exec"), json!({"command": "true"}));
    assert_eq!(status_of(&api, &id)["status"], "running");
    emu.advance(19);
    assert_eq!(status_of(&api, &id)["status"], "running");
    emu.advance(1);
    let s = status_of(&api, &id);
    assert_eq!(
        (s["status"].clone(), s["slept_at"].clone()),
        (json!("sleeping"), json!(now + 220))
    );
}

#[test]
fn public_ports_are_served_without_a_key() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let pp = api
        .post(
            &format!("/instances/{id}/public-ports"),
            json!({"port": 9100}),
        )
        .json();
    let url = pp["url"].as_str().unwrap().to_string();
    let raw = emu.raw();
    assert_eq!(
        raw.send("GET", &url, None).flat(),
        (502, "container_unreachable".into())
    );
    emu.control(
        "POST",
        &format!("/instances/{id}/listen"),
        json!({"ports": [9100]}),
    );
    let r = raw.send("GET", &format!("{url}/hook?x=1"), None);
    assert_eq!(
        (r.status, r.json()["port"].clone(), r.json()["path"].clone()),
        (200, json!(9100), json!("/hook"))
    );
    assert_eq!(plane_counters(&emu)["public"], 2);
    // Traffic wakes a sleeper.
    emu.control("POST", &format!("/instances/{id}/sleep"), json!({}));
    assert_eq!(raw.send("GET", &url, None).status, 200);
    assert_eq!(status_of(&api, &id)["status"], "running");
    // Deleting the entry retires its host; re-creating mints a new slug.
    api.delete(&format!("/instances/{id}/public-ports/9100"));
    assert_eq!(
        raw.send("GET", &url, None).flat(),
        (404, "not_found".into())
    );
    let again = api
        .post(
            &format!("/instances/{id}/public-ports"),
            json!({"port": 9100}),
        )
        .json();
    assert_ne!(again["url"], pp["url"]);
}

#[test]
fn active_domains_mirror_every_label_of_their_workspace() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.workspace(json!({"topups_total_micros": 100_000_000}));
    let key = api.key.clone().unwrap();
    let plane = keyed(&emu, Rev::V2, &key);
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let stranger = emu.api().create(json!({}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.post("/domains", json!({"domain": "bots-example.net"}));
    let mirror = |label: &str| format!("http://{label}.bots-example.net:{PORT}/v1/health");
    // Pending: not routed, so the request is an API call (and the API needs its key).
    let r: Resp = plane.send("GET", &mirror(&id), None);
    assert_eq!(r.err(), (401, "invalid_api_key".into()));
    api.post("/domains/bots-example.net/verify", Value::Null);
    assert_eq!(plane.send("GET", &mirror(&id), None).status, 200);
    let i = api.get(&format!("/instances/{id}")).json();
    assert_eq!(
        i["domain_urls"],
        json!([format!("http://{id}.bots-example.net:{PORT}")])
    );
    // Another workspace's instance is unknown under this domain.
    let theirs = keyed(&emu, Rev::V2, &emu.key);
    assert_eq!(
        theirs.send("GET", &mirror(&stranger), None).flat(),
        (404, "not_found".into())
    );
    assert_eq!(
        plane.send("GET", &mirror("zzzzzzzzzz"), None).flat(),
        (404, "not_found".into())
    );
}
