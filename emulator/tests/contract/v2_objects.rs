//! Revision 2026-08-21's new objects on the API: public ports (7.1), custom domains (7.2),
//! SSH keys (7.3), instance logs (7.4) and metrics (7.5), integrations (7.6).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::harness::{Api, Emulator, PORT, Rev};

fn v2() -> Emulator {
    Emulator::start_rev(Rev::V2, &[])
}

fn new_instance(api: &Api) -> String {
    api.create(json!({}))["id"].as_str().unwrap().to_string()
}

#[test]
fn public_ports_create_list_delete() {
    let emu = v2();
    let now = emu.freeze_clock();
    let api = emu.api();
    let id = new_instance(&api);
    let path = format!("/instances/{id}/public-ports");
    let r = api.post(
        &path,
        json!({"port": 9100, "prefix": "hooks", "label": "inbound webhooks"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({"port": 9100, "url": format!("http://hooks-{id}.localhost:{PORT}"), "domain_urls": [],
               "prefix": "hooks", "label": "inbound webhooks", "created": now})
    );
    let slug = api.post(&path, json!({"port": 9200})).json();
    assert_eq!(
        (slug["prefix"].clone(), slug["label"].clone()),
        (Value::Null, Value::Null)
    );
    let list = api.get(&path).json();
    let ports: Vec<&Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["port"])
        .collect();
    assert_eq!(ports, [&json!(9100), &json!(9200)], "creation order");
    assert_eq!(
        api.get(&format!("/instances/{id}")).json()["public_ports"],
        list["data"]
    );
    for (body, want) in [
        (json!({"port": 9100}), (409, "public_port_exists")),
        (
            json!({"port": 9300, "prefix": "hooks"}),
            (409, "public_port_exists"),
        ),
        (json!({"port": 3737}), (400, "invalid_request")),
        (json!({"port": 7890}), (400, "invalid_request")),
        (json!({"port": 65_536}), (400, "invalid_request")),
        (
            json!({"port": 9300, "prefix": "-x"}),
            (400, "invalid_request"),
        ),
        (
            json!({"port": 9300, "label": "l".repeat(65)}),
            (400, "invalid_request"),
        ),
        (json!({}), (400, "invalid_request")),
    ] {
        assert_eq!(
            api.post(&path, body.clone()).err(),
            (want.0, want.1.into()),
            "{body}"
        );
    }
    for n in 0..18 {
        assert_eq!(api.post(&path, json!({"port": 10_000 + n})).status, 201);
    }
    assert_eq!(
        api.post(&path, json!({"port": 11_000})).err(),
        (400, "invalid_request".into()),
        "the 21st"
    );
    let r = api.delete(&format!("{path}/9200"));
    assert_eq!(r.json(), json!({"port": 9200, "deleted": true}));
    assert_eq!(
        api.delete(&format!("{path}/9200")).err(),
        (404, "not_found".into())
    );
    assert_eq!(
        api.delete(&format!("{path}/abc")).err(),
        (404, "not_found".into())
    );
    // Any status but deleted; another workspace's instance is unknown.
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    assert_eq!(api.post(&path, json!({"port": 9200})).status, 201);
    let other = emu.workspace(json!({}));
    assert_eq!(other.get(&path).err(), (404, "not_found".into()));
    // They go with the instance.
    api.delete(&format!("/instances/{id}"));
    assert_eq!(api.get(&path).err(), (404, "not_found".into()));
}

#[test]
fn domains_register_verify_and_delete() {
    let emu = v2();
    let now = emu.freeze_clock();
    let api = emu.workspace(json!({"topups_total_micros": 100_000_000}));
    let poor = emu.workspace(json!({"topups_total_micros": 99_999_999}));
    assert_eq!(
        poor.post("/domains", json!({"domain": "bad..name"})).err(),
        (400, "invalid_request".into()),
        "400 before 403"
    );
    assert_eq!(
        poor.post("/domains", json!({"domain": "poor-example.net"}))
            .err(),
        (403, "tier_limit".into())
    );
    let r = api.post("/domains", json!({"domain": "Bots-Example.NET"}));
    assert_eq!(r.status, 201, "{}", r.text());
    let d = json!({"domain": "bots-example.net", "status": "pending",
        "dns": {"type": "NS", "name": "bots-example.net",
                "nameservers": ["ns1.emulator.invalid", "ns2.emulator.invalid"]},
        "created": now});
    assert_eq!(r.json(), d);
    assert_eq!(api.get("/domains/bots-example.net").json(), d);
    assert_eq!(api.get("/domains/BOTS-example.net").json(), d);
    for (body, want) in [
        (
            json!({"domain": "bots-example.net"}),
            (409, "domain_exists"),
        ),
        (json!({"domain": "example.net."}), (400, "invalid_request")),
        (
            json!({"domain": "www.example.net"}),
            (400, "invalid_request"),
        ),
        (
            json!({"domain": "mine.agent37.app"}),
            (400, "invalid_request"),
        ),
        (json!({"domain": "agent37.com"}), (400, "invalid_request")),
        (json!({"domain": 5}), (400, "invalid_request")),
        (json!({}), (400, "invalid_request")),
    ] {
        assert_eq!(
            api.post("/domains", body.clone()).err(),
            (want.0, want.1.into()),
            "{body}"
        );
    }
    // Held by another workspace: 409; reading it from there is 404.
    let rich = emu.workspace(json!({"topups_total_micros": 250_000_000}));
    assert_eq!(
        rich.post("/domains", json!({"domain": "bots-example.net"}))
            .err(),
        (409, "domain_exists".into())
    );
    for (method, path) in [
        ("GET", "/v1/domains/bots-example.net"),
        ("POST", "/v1/domains/bots-example.net/verify"),
        ("DELETE", "/v1/domains/bots-example.net"),
    ] {
        assert_eq!(
            rich.send(method, path, None).err(),
            (404, "not_found".into()),
            "{path}"
        );
    }
    // Verify polls: the n-th activates (default 1); 0 leaves it to the control route.
    emu.config(json!({"domain_verify_polls": 2}));
    let verify = || {
        api.post("/domains/bots-example.net/verify", Value::Null)
            .json()
    };
    assert_eq!(
        verify(),
        json!({"domain": "bots-example.net", "status": "pending"})
    );
    assert_eq!(
        verify(),
        json!({"domain": "bots-example.net", "status": "active"})
    );
    assert_eq!(verify()["status"], "active", "idempotent");
    emu.config(json!({"domain_verify_polls": 0}));
    api.post("/domains", json!({"domain": "second.org"}));
    for _ in 0..3 {
        assert_eq!(
            api.post("/domains/second.org/verify", Value::Null).json()["status"],
            "pending"
        );
    }
    let r = emu.control("POST", "/domains/second.org/activate", json!({}));
    assert_eq!(r.json()["status"], "active");
    let r = emu.control(
        "POST",
        "/domains/second.org/activate",
        json!({"status": "pending"}),
    );
    assert_eq!(r.json()["status"], "pending");
    let list = api.get("/domains").json();
    let names: Vec<&Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["domain"])
        .collect();
    assert_eq!(
        names,
        [&json!("bots-example.net"), &json!("second.org")],
        "oldest first"
    );
    // At most 10.
    for n in 3..=10 {
        assert_eq!(
            api.post("/domains", json!({"domain": format!("d{n}.net")}))
                .status,
            201
        );
    }
    assert_eq!(
        api.post("/domains", json!({"domain": "d11.net"})).err(),
        (400, "invalid_request".into())
    );
    let r = api.delete("/domains/second.org");
    assert_eq!(r.json(), json!({"domain": "second.org", "deleted": true}));
    assert_eq!(
        api.delete("/domains/second.org").err(),
        (404, "not_found".into())
    );
}

/// Made with `ssh-keygen`; the fingerprints are what `ssh-keygen -l` printed for them.
const KEYS: [(&str, &str, &str); 3] = [
    (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBAu6EFxrNkCDh1V1PFfScQuLdnTeoV/3nmU7y9+KzPm ci runner",
        "ssh-ed25519",
        "SHA256:WzIyx6U2CCKlC/w1B/4fFzpyvYl4WHNiOCS/ffMHzRw",
    ),
    (
        "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQCn8hdUYUhoiDkHbc0Zh0mX+cjG63DMw5gn00q4Wrv2JIW0+KaVr6j+k7yuRszCgFSO5w40zJ+OmaQ7/c8g8s27Q3Vb13+mupuQN7XPlYJU2/JekpPzc+yM49/kIGOZBUIIbJR3ibiYhPFqGIE0sCvVQ/fq0EUaJcrAymwSQuxkAw== rsa-key",
        "ssh-rsa",
        "SHA256:HBVns4rDKq5gXvfGMqdFmUv7URTPNTIwW+G6UweAFTQ",
    ),
    (
        "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBMfC+tCLJsqsYgR/4Ir+kncEITeP5OjT4Fc02WgYgkhMF6FJ/gSSkM8aZeRmLBfMmZcRKFtYnYYDdWEZmdBvQ8irckvuo9KJkPmm5+JeJnkUPuWaWRUh/HSgQFwgyiNI4g==",
        "ecdsa-sha2-nistp384",
        "SHA256:yRq1o9CzkkBIItbPgta0T6tfRjMZGJVzKEnGqIhahzo",
    ),
];

/// A well-formed ed25519 public key line whose key bytes are all `n`.
fn synthetic_key(n: u8) -> String {
    let mut blob = Vec::new();
    for part in [b"ssh-ed25519".as_slice(), &[n; 32]] {
        blob.extend_from_slice(&(part.len() as u32).to_be_bytes());
        blob.extend_from_slice(part);
    }
    format!("ssh-ed25519 {}", STANDARD.encode(blob))
}

#[test]
fn ssh_keys_are_fingerprinted_for_real() {
    let emu = v2();
    let now = emu.freeze_clock();
    let api = emu.api();
    let mut ids = Vec::new();
    for ((line, kind, fingerprint), (name, want_name)) in KEYS.iter().zip([
        (json!("ci-runner"), json!("ci-runner")),
        (Value::Null, json!("rsa-key")),
        (Value::Null, Value::Null),
    ]) {
        let r = api.post("/ssh-keys", json!({"public_key": line, "name": name}));
        assert_eq!(r.status, 201, "{}", r.text());
        let k = r.json();
        let id = k["id"].as_str().unwrap().to_string();
        assert!(
            id.len() == 24
                && id
                    .bytes()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(
            k,
            json!({"id": id, "name": want_name, "type": kind, "fingerprint": fingerprint, "created": now})
        );
        ids.push(id);
    }
    let list = api.get("/ssh-keys").json();
    let listed: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [ids[2].as_str(), ids[1].as_str(), ids[0].as_str()],
        "newest first"
    );
    assert!(
        !list.to_string().contains("AAAA"),
        "the key text is never echoed"
    );
    // The same key again (another comment) is the same fingerprint.
    let again = KEYS[0].0.replace("ci runner", "laptop");
    assert_eq!(
        api.post("/ssh-keys", json!({"public_key": again})).err(),
        (409, "ssh_key_exists".into())
    );
    for (body, why) in [
        (
            json!({"public_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----"}),
            "private",
        ),
        (
            json!({"public_key": "ssh-dss AAAAB3NzaC1kc3MAAACBAP"}),
            "type",
        ),
        (json!({"public_key": "ssh-ed25519 notbase64!"}), "malformed"),
        (
            json!({"public_key": format!("{}\n{}", KEYS[0].0, KEYS[1].0)}),
            "two lines",
        ),
        (
            json!({"public_key": synthetic_key(9), "name": ""}),
            "empty name",
        ),
        (
            json!({"public_key": synthetic_key(9), "name": "n".repeat(65)}),
            "long name",
        ),
        (json!({"public_key": 5}), "type of public_key"),
        (json!({}), "missing"),
    ] {
        assert_eq!(
            api.post("/ssh-keys", body).err(),
            (400, "invalid_request".into()),
            "{why}"
        );
    }
    for n in 0..17 {
        assert_eq!(
            api.post("/ssh-keys", json!({"public_key": synthetic_key(n)}))
                .status,
            201
        );
    }
    assert_eq!(
        api.post("/ssh-keys", json!({"public_key": synthetic_key(99)}))
            .err(),
        (400, "invalid_request".into()),
        "the 21st"
    );
    // No GET by id; another workspace cannot delete it; delete, then 404.
    assert_eq!(
        api.get(&format!("/ssh-keys/{}", ids[0])).err(),
        (404, "not_found".into())
    );
    let other = emu.workspace(json!({}));
    assert_eq!(
        other.delete(&format!("/ssh-keys/{}", ids[0])).err(),
        (404, "not_found".into())
    );
    let r = api.delete(&format!("/ssh-keys/{}", ids[0]));
    assert_eq!(r.json(), json!({"id": ids[0], "deleted": true}));
    assert_eq!(
        api.delete(&format!("/ssh-keys/{}", ids[0])).err(),
        (404, "not_found".into())
    );
    // The same key in another workspace is fine.
    assert_eq!(
        other
            .post("/ssh-keys", json!({"public_key": KEYS[1].0}))
            .status,
        201
    );
}

#[test]
fn instance_logs_tail_health_and_the_control_route() {
    let emu = v2();
    let now = emu.freeze_clock();
    let api = emu.api();
    let id = new_instance(&api);
    let logs = |q: &str| api.get(&format!("/instances/{id}/logs{q}"));
    let l = logs("").json();
    assert_eq!(
        (l["truncated"].clone(), l["fetched_at"].clone()),
        (json!(false), json!(now))
    );
    assert!(
        l["logs"]
            .as_str()
            .unwrap()
            .starts_with(&format!("[boot] {id} starting agent37-hermes")),
        "{l}"
    );
    assert_eq!(
        l["health"],
        json!({"running": true, "restart_count": 0, "exit_code": null, "oom_suspected": false,
               "resource_verdict": {"memory": "healthy", "cpu": "healthy", "disk": "healthy", "overall": "healthy"}})
    );
    let r = emu.control(
        "POST",
        &format!("/instances/{id}/logs"),
        json!({"append": "line one\nline two", "restart_count": 4, "oom_suspected": true,
               "resource_verdict": {"memory": "critical", "cpu": "pressure", "disk": "healthy", "overall": "critical"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(logs("?tail=1").json()["logs"], "line two\n");
    assert_eq!(logs("?tail=2").json()["logs"], "line one\nline two\n");
    assert_eq!(logs("?tail=99999").status, 200, "clamped to 2000");
    let h = logs("").json()["health"].clone();
    assert_eq!(
        (
            h["restart_count"].clone(),
            h["oom_suspected"].clone(),
            h["resource_verdict"]["overall"].clone()
        ),
        (json!(4), json!(true), json!("critical"))
    );
    for bad in ["0", "-1", "1.5", "x", ""] {
        assert_eq!(
            logs(&format!("?tail={bad}")).err(),
            (400, "invalid_request".into()),
            "{bad:?}"
        );
    }
    // Stopped: not running, no verdict, the last exit code.
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    emu.control(
        "POST",
        &format!("/instances/{id}/logs"),
        json!({"exit_code": 137, "restart_count": null}),
    );
    let h = logs("").json()["health"].clone();
    assert_eq!(
        (
            h["running"].clone(),
            h["exit_code"].clone(),
            h["resource_verdict"].clone(),
            h["restart_count"].clone()
        ),
        (json!(false), json!(137), Value::Null, json!(0))
    );
    // A boot (start) writes its lines and counts.
    api.post(&format!("/instances/{id}/start"), Value::Null);
    let l = logs("?tail=3").json();
    assert!(
        l["logs"].as_str().unwrap().ends_with("[boot] ready\n"),
        "{l}"
    );
    assert_eq!(l["health"]["restart_count"], 1);
    // At most 512 KB, oldest lines dropped.
    let big = "x".repeat(1023);
    let chunk: String = (0..600).map(|_| format!("{big}\n")).collect();
    emu.control(
        "POST",
        &format!("/instances/{id}/logs"),
        json!({"append": chunk}),
    );
    let l = logs("?tail=2000").json();
    assert_eq!(l["truncated"], true);
    let text = l["logs"].as_str().unwrap();
    assert!(
        text.len() <= 512 * 1024 && text.len() > 500 * 1024,
        "{}",
        text.len()
    );
    // The host unreachable: 502.
    emu.control(
        "POST",
        "/faults",
        json!({"rules": [{"route": "GET /v1/instances/{id}/logs", "kind": "provisioning_failed", "first": 1}]}),
    );
    assert_eq!(logs("").err(), (502, "provisioning_failed".into()));
}

#[test]
fn metrics_are_deterministic_and_gapped_while_not_running() {
    let emu = v2();
    let now = emu.freeze_clock();
    let api = emu.api();
    let id = new_instance(&api);
    let metrics = |q: &str| api.get(&format!("/instances/{id}/metrics{q}"));
    let fresh = metrics("").json();
    assert_eq!(
        fresh,
        json!({"series": {"cpu_cores": [], "memory_bytes": [], "disk_bytes": []},
               "limits": {"cpu_cores": 2, "memory_bytes": 4_i64 << 30, "disk_bytes": 4_i64 << 30},
               "hours": 24, "step_seconds": 240, "fetched_at": now})
    );
    emu.advance(3600);
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    emu.advance(1800);
    let m = metrics("?hours=2").json();
    assert_eq!(
        m,
        metrics("?hours=2").json(),
        "the same answer at the same time"
    );
    assert_eq!(m["step_seconds"], 60);
    let times = |k: &str| -> Vec<i64> {
        m["series"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[0].as_i64().unwrap())
            .collect()
    };
    let (cpu, disk) = (times("cpu_cores"), times("disk_bytes"));
    assert!(
        cpu.windows(2).all(|w| w[0] < w[1]) && disk.windows(2).all(|w| w[0] < w[1]),
        "ascending"
    );
    assert!(
        cpu.iter().all(|t| *t >= now + 120 && *t < now + 3600),
        "CPU only while running"
    );
    assert!(
        disk.iter().any(|t| *t > now + 3600),
        "disk also while stopped"
    );
    assert_eq!(cpu.len(), times("memory_bytes").len());
    assert!(
        m["series"]["cpu_cores"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p[1].as_f64().unwrap() <= 2.0)
    );
    assert_eq!(metrics("?hours=336").json()["step_seconds"], 3360);
    for bad in ["0", "337", "-1", "x", "1.5"] {
        assert_eq!(
            metrics(&format!("?hours={bad}")).err(),
            (400, "invalid_request".into()),
            "{bad}"
        );
    }
    // The store down: 503 try_again.
    emu.control(
        "POST",
        "/faults",
        json!({"rules": [{"route": "GET /v1/instances/{id}/metrics", "kind": "try_again", "first": 1}]}),
    );
    let r = metrics("");
    assert_eq!(
        (r.err(), r.header("retry-after")),
        ((503, "try_again".into()), Some("1"))
    );
}

#[test]
fn integrations_catalogue_connect_and_authorize() {
    let emu = v2();
    let now = emu.freeze_clock();
    let api = emu.api();
    let id = new_instance(&api);
    let base = format!("/instances/{id}/integrations");
    let page = api.get(&format!("{base}/toolkits")).json();
    assert_eq!(
        (
            page["items"].as_array().unwrap().len(),
            page["totalItems"].clone()
        ),
        (12, json!(30))
    );
    let t = &page["items"][0];
    let mut keys: Vec<&str> = t.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "authSchemes",
            "description",
            "enabled",
            "isNoAuth",
            "logo",
            "name",
            "slug"
        ]
    );
    // Follow the cursors to the end.
    let mut seen = 12;
    let mut cursor = page["nextCursor"].as_str().unwrap().to_string();
    loop {
        let p = api.get(&format!("{base}/toolkits?cursor={cursor}")).json();
        seen += p["items"].as_array().unwrap().len();
        match p["nextCursor"].as_str() {
            Some(c) => cursor = c.to_string(),
            None => break,
        }
    }
    assert_eq!(seen, 30);
    let g = api
        .get(&format!("{base}/toolkits?search=GOOGLE&limit=2"))
        .json();
    assert_eq!(
        (
            g["totalItems"].clone(),
            g["items"].as_array().unwrap().len()
        ),
        (json!(4), 2)
    );
    assert_eq!(
        api.get(&format!("{base}/toolkits?limit=99")).json()["items"]
            .as_array()
            .unwrap()
            .len(),
        24
    );
    for q in ["search=go", "cursor=nope", "limit=x"] {
        assert_eq!(
            api.get(&format!("{base}/toolkits?{q}")).err(),
            (400, "invalid_request".into()),
            "{q}"
        );
    }
    // Connect: INITIATED until the person finishes the flow.
    let r = api.post(
        &format!("{base}/connect"),
        json!({"toolkit": "slack", "callbackUrl": "https://app.example/done"}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let c = r.json();
    let cid = c["connectedAccountId"].as_str().unwrap().to_string();
    assert_eq!(
        c["redirectUrl"],
        format!("http://127.0.0.1:{PORT}/_composio/authorize/{cid}")
    );
    let conns = api.get(&format!("{base}/connections")).json();
    assert_eq!(
        conns["connections"][0],
        json!({"id": cid, "toolkitSlug": "slack", "toolkitName": "Slack", "status": "INITIATED",
               "authConfigId": "ac_managed_slack", "authScheme": "OAUTH2", "isDisabled": false,
               "createdAt": now * 1000, "updatedAt": now * 1000})
    );
    let r = emu
        .raw()
        .send("GET", &format!("/_composio/authorize/{cid}"), None);
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location"),
        Some(format!("https://app.example/done?status=success&connectedAccountId={cid}").as_str())
    );
    assert_eq!(
        api.get(&format!("{base}/connections")).json()["connections"][0]["status"],
        "ACTIVE"
    );
    // Again adds an account; the filter; the control flip.
    let second = api
        .post(&format!("{base}/connect"), json!({"toolkit": "gmail"}))
        .json();
    let sid = second["connectedAccountId"].as_str().unwrap().to_string();
    let r = emu
        .raw()
        .send("GET", &format!("/_composio/authorize/{sid}"), None);
    assert_eq!(
        (r.status, r.json()["status"].clone()),
        (200, json!("ACTIVE"))
    );
    api.post(&format!("{base}/connect"), json!({"toolkit": "slack"}));
    let slack = api.get(&format!("{base}/connections?toolkit=slack")).json();
    assert_eq!(slack["connections"].as_array().unwrap().len(), 2);
    let r = emu.control(
        "POST",
        &format!("/integrations/connections/{sid}"),
        json!({"status": "EXPIRED"}),
    );
    assert_eq!(r.json()["status"], "EXPIRED");
    assert_eq!(
        emu.control(
            "POST",
            &format!("/integrations/connections/{sid}"),
            json!({"status": "GONE"})
        )
        .status,
        400
    );
    // Refusals: custom auth is a flat 422; bad bodies 400.
    let r = api.post(&format!("{base}/connect"), json!({"toolkit": "salesforce"}));
    assert_eq!(
        (r.status, r.json()),
        (
            422,
            json!({"error": "custom_auth_required", "toolkit": "salesforce"})
        )
    );
    for body in [
        json!({"toolkit": "nope"}),
        json!({"toolkit": "slack", "callbackUrl": "http://app.example/done"}),
        json!({"toolkit": "slack", "callbackUrl": "/done"}),
        json!({}),
    ] {
        assert_eq!(
            api.post(&format!("{base}/connect"), body.clone()).err(),
            (400, "invalid_request".into()),
            "{body}"
        );
    }
    // Another instance's connection is unknown here; delete; repeat 404.
    let other = new_instance(&api);
    let r = api.delete(&format!(
        "/instances/{other}/integrations/connections/{cid}"
    ));
    assert_eq!(r.err(), (404, "not_found".into()));
    let r = api.delete(&format!("{base}/connections/{cid}"));
    assert_eq!(r.json(), json!({"id": cid, "deleted": true}));
    assert_eq!(
        api.delete(&format!("{base}/connections/{cid}")).err(),
        (404, "not_found".into())
    );
    // Managed Composio down: a flat 503 on every integrations route.
    emu.config(json!({"integrations_available": false}));
    for (method, path) in [
        ("GET", format!("/v1{base}/toolkits")),
        ("POST", format!("/v1{base}/connect")),
        ("GET", format!("/v1{base}/connections")),
        ("DELETE", format!("/v1{base}/connections/{sid}")),
    ] {
        let r = api.send(method, &path, Some(r#"{"toolkit": "slack"}"#));
        assert_eq!(
            (r.status, r.json()),
            (503, json!({"error": "integrations_unavailable"})),
            "{path}"
        );
    }
    emu.config(json!({"integrations_available": true}));
    // Connections go with the instance.
    api.delete(&format!("/instances/{id}"));
    let r = emu
        .raw()
        .send("GET", &format!("/_composio/authorize/{sid}"), None);
    assert_eq!(r.flat(), (404, "not_found".into()));
}

/// The agent plane's file API ([decided], README "Instance plane"): put, stat, delete, the
/// path rule, the file's own 404, stored with the instance and gone with it.
#[test]
fn plane_files_put_stat_delete() {
    let emu = v2();
    emu.freeze_clock();
    let api = emu.api();
    let id = new_instance(&api);
    let me = emu.raw().with_header("x-agent37-key", &emu.key);
    let file = |p: &str| format!("/_instances/{id}/3737/v1/files/{p}");
    let put = me.send(
        "PUT",
        &file("skills/a.md"),
        Some(r#"{"content_base64": "aGk="}"#),
    );
    let stat = json!({"path": "skills/a.md", "size": 2, "modified": put.json()["modified"].clone(),
        "sha256": "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"});
    assert_eq!((put.status, put.json()), (200, stat.clone()));
    // The host form reaches the same file; GET is a stat.
    let r = me.send(
        "GET",
        &format!("{}/v1/files/skills/a.md", emu.plane_url(&id)),
        None,
    );
    assert_eq!((r.status, r.json()), (200, stat));
    // A write later moves the modification time.
    emu.advance(5);
    let again = me.send(
        "PUT",
        &file("skills/a.md"),
        Some(r#"{"content_base64": "aG8="}"#),
    );
    assert_eq!(
        again.json()["modified"].as_i64(),
        put.json()["modified"].as_i64().map(|m| m + 5)
    );
    for (path, body, want) in [
        (
            "..%2Fx",
            r#"{"content_base64": "aGk="}"#,
            (400, "invalid_path"),
        ),
        (
            "a//b",
            r#"{"content_base64": "aGk="}"#,
            (400, "invalid_path"),
        ),
        ("a", r#"{"content": "hi"}"#, (400, "invalid_request")),
        ("a", r#"{"content_base64": "%%"}"#, (400, "invalid_request")),
    ] {
        let r = me.send("PUT", &file(path), Some(body));
        assert_eq!(r.flat(), (want.0, want.1.to_string()), "{path} {body}");
    }
    // No key: the plane's own refusal, before any file rule.
    assert_eq!(
        emu.raw().send("GET", &file("skills/a.md"), None).flat(),
        (401, "invalid_api_key".into())
    );
    let r = me.send("DELETE", &file("skills/a.md"), None);
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"path": "skills/a.md", "deleted": true}))
    );
    for method in ["GET", "DELETE"] {
        assert_eq!(
            me.send(method, &file("skills/a.md"), None).flat(),
            (404, "file_not_found".into())
        );
    }
    // Files go with their instance.
    me.send("PUT", &file("b"), Some(r#"{"content_base64": "aGk="}"#));
    api.delete(&format!("/instances/{id}"));
    assert_eq!(
        me.send("GET", &file("b"), None).flat(),
        (404, "not_found".into())
    );
}
