//! Contract tests for the lifecycle state machine, resize, update, exec, signed URLs and the
//! instance plane.

use serde_json::{Value, json};

use crate::harness::{Emulator, day_cost};

/// Sets the instance's status out of band.
fn force_status(emu: &Emulator, id: &str, status: &str) {
    let r = emu.control(
        "PATCH",
        &format!("/instances/{id}"),
        json!({"status": status}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn state_machine_allowed_and_refused_transitions() {
    let emu = Emulator::start(&["--instance-limit", "100"]);
    let api = emu.api();
    // (from, action, body, expected HTTP, expected ack status or error code, status afterwards)
    let rows: &[(&str, &str, Value, u16, &str, &str)] = &[
        ("running", "stop", Value::Null, 200, "stopped", "stopped"),
        ("stopped", "stop", Value::Null, 200, "stopped", "stopped"),
        ("stopped", "start", Value::Null, 200, "running", "running"),
        ("running", "start", Value::Null, 200, "running", "running"),
        ("running", "restart", Value::Null, 200, "running", "running"),
        ("running", "update", Value::Null, 200, "running", "running"),
        ("running", "update", json!({}), 200, "running", "running"),
        ("failed", "update", Value::Null, 200, "running", "running"),
        ("stopped", "update", Value::Null, 200, "stopped", "stopped"),
        ("running", "resize", json!({}), 200, "running", "running"),
        (
            "running",
            "resize",
            json!({"disk": 10}),
            200,
            "running",
            "running",
        ),
        (
            "stopped",
            "restart",
            Value::Null,
            400,
            "invalid_request",
            "stopped",
        ),
        (
            "stopped",
            "resize",
            json!({"disk": 10}),
            400,
            "invalid_request",
            "stopped",
        ),
        (
            "running",
            "update",
            json!({"image_ref": "acme/x:1"}),
            400,
            "invalid_request",
            "running",
        ),
        (
            "running",
            "update",
            json!([]),
            400,
            "invalid_request",
            "running",
        ),
        (
            "failed",
            "stop",
            Value::Null,
            400,
            "invalid_request",
            "failed",
        ),
        (
            "failed",
            "start",
            Value::Null,
            400,
            "invalid_request",
            "failed",
        ),
        (
            "failed",
            "restart",
            Value::Null,
            400,
            "invalid_request",
            "failed",
        ),
        (
            "failed",
            "resize",
            json!({"disk": 10}),
            400,
            "invalid_request",
            "failed",
        ),
    ];
    for (from, action, body, http, want, after) in rows {
        let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
        if *from != "running" {
            force_status(&emu, &id, from);
        }
        let r = api.post(&format!("/instances/{id}/{action}"), body.clone());
        assert_eq!(r.status, *http, "{from} --{action} {body}--> {}", r.text());
        if *http == 200 {
            let ack = r.json();
            assert_eq!(ack["id"], id.as_str());
            assert_eq!(ack["status"], *want, "{from} {action}");
            let expected_keys: &[&str] = match *action {
                "update" => &["id", "status", "image_ref"],
                "resize" => &["id", "status", "resources"],
                _ => &["id", "status"],
            };
            let keys: Vec<&str> = ack
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, expected_keys, "{action} ack");
        } else {
            assert_eq!(r.code(), *want, "{from} {action}");
        }
        assert_eq!(
            api.get(&format!("/instances/{id}")).json()["status"],
            *after,
            "{from} {action}"
        );
        api.delete(&format!("/instances/{id}"));
    }
    // Transitional states refuse every action (delete still works from any state).
    for from in [
        "provisioning",
        "stopping",
        "starting",
        "restarting",
        "updating",
        "deleting",
    ] {
        let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
        force_status(&emu, &id, from);
        for (action, body) in [
            ("stop", Value::Null),
            ("start", Value::Null),
            ("restart", Value::Null),
            ("update", Value::Null),
            ("resize", json!({"disk": 10})),
            ("exec", json!({"command": "echo hi"})),
            ("signed-url", json!({"port": 3737})),
        ] {
            let r = api.post(&format!("/instances/{id}/{action}"), body);
            assert_eq!(
                (r.status, r.code().as_str()),
                (400, "invalid_request"),
                "{from} {action}"
            );
        }
        assert_eq!(
            api.patch(&format!("/instances/{id}"), json!({"name": "still"}))
                .status,
            200
        );
        assert_eq!(
            api.delete(&format!("/instances/{id}")).status,
            200,
            "{from} delete"
        );
    }
    // Every action on an unknown id is 404, before body validation.
    for action in [
        "stop",
        "start",
        "restart",
        "update",
        "resize",
        "exec",
        "signed-url",
    ] {
        let r = api.send(
            "POST",
            &format!("/v1/instances/zzzzzzzzzz/{action}"),
            Some("{bad"),
        );
        assert_eq!(
            (r.status, r.code().as_str()),
            (404, "not_found"),
            "{action}"
        );
    }
}

#[test]
fn resize_rules() {
    let emu = Emulator::start(&[]);
    let api = emu.api();
    let id = api.create(json!({"resources": {"disk": 10}}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/instances/{id}/resize");
    let rows: &[(Value, u16, Value)] = &[
        (json!({"disk": 9}), 400, Value::Null),
        (json!({"cpu": 4}), 400, Value::Null),
        (json!({"cpu": 3, "memory": 4}), 400, Value::Null),
        (json!({"cpu": 1, "memory": 3}), 400, Value::Null),
        (json!({"disk": 21}), 400, Value::Null),
        (json!({"disk": "12"}), 400, Value::Null),
        (json!({}), 200, json!({"cpu": 2, "memory": 4, "disk": 10})),
        (
            json!({"cpu": 2, "memory": 4, "disk": 10}),
            200,
            json!({"cpu": 2, "memory": 4, "disk": 10}),
        ),
        (
            json!({"disk": 12}),
            200,
            json!({"cpu": 2, "memory": 4, "disk": 12}),
        ),
        (
            json!({"cpu": 4, "memory": 8}),
            200,
            json!({"cpu": 4, "memory": 8, "disk": 20}),
        ),
        (json!({"cpu": 2, "memory": 4}), 400, Value::Null),
        (json!({"disk": 19}), 400, Value::Null),
        (
            json!({"cpu": 8, "memory": 16, "disk": 50}),
            200,
            json!({"cpu": 8, "memory": 16, "disk": 50}),
        ),
        (
            json!({"cpu": 8, "memory": 16, "disk": 81}),
            400,
            Value::Null,
        ),
    ];
    for (body, http, resources) in rows {
        let wallet = emu.wallet(&emu.key);
        let r = api.post(&path, body.clone());
        assert_eq!(r.status, *http, "{body}: {}", r.text());
        if *http == 200 {
            assert_eq!(r.json()["resources"], *resources, "{body}");
            assert_eq!(
                api.get(&format!("/instances/{id}")).json()["resources"],
                *resources
            );
        } else {
            assert_eq!(r.code(), "invalid_request");
        }
        assert_eq!(emu.wallet(&emu.key), wallet, "resize charges nothing now");
    }
    // Free tier cannot grow past 2/4; a short wallet cannot take a bigger day.
    let free = emu.workspace(json!({"tier": "free"}));
    let fid = free.create(json!({}))["id"].as_str().unwrap().to_string();
    let r = free.post(
        &format!("/instances/{fid}/resize"),
        json!({"cpu": 4, "memory": 8}),
    );
    assert_eq!((r.status, r.code().as_str()), (403, "tier_limit"));
    let poor_key = emu
        .workspace(json!({"wallet_micros": day_cost(2, 4, 6) + day_cost(4, 8, 20) - 1}))
        .key
        .unwrap();
    let poor = emu.api_with(&poor_key);
    let pid = poor.create(json!({}))["id"].as_str().unwrap().to_string();
    let r = poor.post(
        &format!("/instances/{pid}/resize"),
        json!({"cpu": 4, "memory": 8}),
    );
    assert_eq!((r.status, r.code().as_str()), (402, "insufficient_balance"));
    // With two instances the fleet must hold 30 days including the new shape.
    let d = day_cost(2, 4, 6);
    let fleet_key = emu
        .workspace(json!({"wallet_micros": 2 * d + 30 * (d + day_cost(4, 8, 20)) - 1}))
        .key
        .unwrap();
    let fleet = emu.api_with(&fleet_key);
    let f1 = fleet.create(json!({}))["id"].as_str().unwrap().to_string();
    emu.control(
        "PATCH",
        &format!("/workspaces/{fleet_key}"),
        json!({"wallet_micros": 60 * d}),
    );
    fleet.create(json!({}));
    emu.control(
        "PATCH",
        &format!("/workspaces/{fleet_key}"),
        json!({"wallet_micros": 30 * (d + day_cost(4, 8, 20)) - 1}),
    );
    let r = fleet.post(
        &format!("/instances/{f1}/resize"),
        json!({"cpu": 4, "memory": 8}),
    );
    assert_eq!(r.code(), "insufficient_balance");
    emu.control(
        "PATCH",
        &format!("/workspaces/{fleet_key}"),
        json!({"wallet_micros": 30 * (d + day_cost(4, 8, 20))}),
    );
    assert_eq!(
        fleet
            .post(
                &format!("/instances/{f1}/resize"),
                json!({"cpu": 4, "memory": 8})
            )
            .status,
        200
    );
}

#[test]
fn update_pulls_the_current_system_image() {
    let emu = Emulator::start(&[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let new_image = "ghcr.io/agent37-platform/hermes:2026.07.01";
    let r = emu.control(
        "POST",
        "/system-templates/agent37-hermes",
        json!({"image_ref": new_image}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        api.get("/templates/agent37-hermes").json()["image_ref"],
        new_image
    );
    assert_eq!(
        api.get(&format!("/instances/{id}")).json()["image_ref"],
        "ghcr.io/agent37-platform/hermes:2026.06.20"
    );
    let ack = api
        .post(&format!("/instances/{id}/update"), Value::Null)
        .json();
    assert_eq!(
        ack,
        json!({"id": id, "status": "running", "image_ref": new_image})
    );
    assert_eq!(
        api.get(&format!("/instances/{id}")).json()["template"],
        "agent37-hermes"
    );
}

both_revisions! {
fn exec_echo_language_and_caps(rev) {
    let emu = Emulator::start_rev(rev, &[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let path = format!("/instances/{id}/exec");
    let rows: &[(&str, i64, &str, &str)] = &[
        ("echo hello", 0, "hello\n", ""),
        ("echo a; echo b", 0, "a\nb\n", ""),
        (
            "echo 'quoted text'\necho oops >&2",
            0,
            "quoted text\n",
            "oops\n",
        ),
        ("exit 3", 3, "", ""),
        ("echo before; exit 42; echo after", 42, "before\n", ""),
        ("uname -a", 127, "", "sh: uname: not found\n"),
        ("false", 1, "", ""),
        ("sleep 0.05; true", 0, "", ""),
        ("", 0, "", ""),
    ];
    for (command, code, stdout, stderr) in rows {
        let r = api.post(&path, json!({"command": command}));
        assert_eq!(r.status, 200, "{command}: {}", r.text());
        assert_eq!(
            r.json(),
            json!({"exit_code": code, "stdout": stdout, "stderr": stderr, "truncated": false}),
            "{command}"
        );
    }
    // Exactly at the cap: not truncated. Over it: the middle is cut, 524 288 bytes kept.
    let r = api.post(&path, json!({"command": "emit 524288"})).json();
    assert_eq!(
        (r["stdout"].as_str().unwrap().len(), r["truncated"].clone()),
        (524_288, json!(false))
    );
    let r = api
        .post(
            &path,
            json!({"command": "emit 1000000; emit-stderr 600000"}),
        )
        .json();
    let out = r["stdout"].as_str().unwrap();
    assert_eq!(
        (out.len(), r["stderr"].as_str().unwrap().len()),
        (524_288, 524_288)
    );
    assert_eq!(r["truncated"], true);
    assert!(out.starts_with("abcdefghijklmnopqrstuvwxyz\n"));
    assert!(out.ends_with("xyz\na"), "the tail is the stream's real end");
    // Over 280 s → 502 provisioning_failed (answered at once).
    let r = api.post(&path, json!({"command": "sleep 281"}));
    assert_eq!((r.status, r.code().as_str()), (502, "provisioning_failed"));
    // Body validation, then state.
    for body in [
        json!({}),
        json!({"command": 5}),
        json!({"command": null}),
        json!([]),
    ] {
        let r = api.post(&path, body.clone());
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "invalid_request"),
            "{body}"
        );
    }
    assert_eq!(api.send("POST", &format!("/v1{path}"), None).status, 400);
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    let r = api.post(&path, json!({"command": "echo hi"}));
    assert_eq!((r.status, r.code().as_str()), (400, "invalid_request"));
}
}

#[test]
fn exec_host_mode_runs_sh_in_a_scratch_dir() {
    let dir = tempfile::tempdir().unwrap();
    let dir_s = dir.path().to_str().unwrap();
    let emu = Emulator::start(&["--exec", "host", "--exec-dir", dir_s]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let r = api.post(
        &format!("/instances/{id}/exec"),
        json!({"command": "echo hi > f; cat f; pwd; echo e >&2; exit 4"}),
    );
    let j = r.json();
    assert_eq!(j["exit_code"], 4);
    assert_eq!(j["stderr"], "e\n");
    let out = j["stdout"].as_str().unwrap();
    assert!(out.starts_with("hi\n"), "{out}");
    assert!(
        out.trim_end().ends_with(&id),
        "runs in a per-instance directory: {out}"
    );
    assert!(dir.path().join(&id).join("f").exists());
}

#[test]
fn signed_urls_clamp_and_serve() {
    let emu = Emulator::start(&[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let i = api.create(json!({}));
    let id = i["id"].as_str().unwrap().to_string();
    let path = format!("/instances/{id}/signed-url");
    let rows: &[(Value, i64)] = &[
        (json!({"port": 3737}), 3600),
        (json!({"port": 3737, "ttl_seconds": 1}), 60),
        (json!({"port": 9119, "ttl_seconds": 59}), 60),
        (json!({"port": 3737, "ttl_seconds": 60}), 60),
        (json!({"port": 7681, "ttl_seconds": 7200}), 7200),
        (json!({"port": 8080, "ttl_seconds": 86_400}), 86_400),
        (json!({"port": 3737, "ttl_seconds": 1_000_000}), 86_400),
        (json!({"port": 3737, "ttl_seconds": null}), 3600),
    ];
    let mut urls = Vec::new();
    for (body, ttl) in rows {
        let r = api.post(&path, body.clone());
        assert_eq!(r.status, 200, "{body}: {}", r.text());
        let j = r.json();
        let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["url", "port", "expires_at"]);
        assert_eq!(j["expires_at"], now + ttl, "{body}");
        assert_eq!(j["port"], body["port"]);
        let url = j["url"].as_str().unwrap().to_string();
        let base = format!("{}/_instances/{id}/{}?a37_token=", emu.base, body["port"]);
        assert!(url.starts_with(&base), "{url}");
        urls.push(url);
    }
    assert_eq!(urls[0].len(), urls[7].len());
    assert_ne!(urls[0], urls[7], "every call mints a new token");
    for (body, why) in [
        (json!({"port": 3737, "ttl_seconds": 0}), "zero ttl"),
        (json!({"port": 3737, "ttl_seconds": -5}), "negative ttl"),
        (json!({"port": 3737, "ttl_seconds": "60"}), "ttl type"),
        (json!({"port": 1234}), "undeclared port"),
        (json!({"port": "3737"}), "port type"),
        (json!({}), "missing port"),
    ] {
        let r = api.post(&path, body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "invalid_request"),
            "{why}"
        );
    }
    // The signed URL is served by the emulator; a tampered token is refused.
    let plane = emu.raw();
    let rel = urls[0].trim_start_matches(&emu.base).to_string();
    let r = plane.send("GET", &rel, None);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["instance"], id.as_str());
    let tampered = format!("{}x", rel);
    assert_eq!(
        plane.send("GET", &tampered, None).json(),
        json!({"error": "invalid_api_key"})
    );
    assert_eq!(
        plane
            .send("GET", &format!("/_instances/{id}/3737/chat"), None)
            .status,
        401
    );
    assert_eq!(
        emu.api()
            .send("GET", &format!("/_instances/{id}/3737/chat"), None)
            .status,
        200,
        "Bearer key works too"
    );
    // Expired after its ttl.
    emu.advance(3601);
    assert_eq!(plane.send("GET", &rel, None).status, 401);
    // Not running → 400.
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    let r = api.post(&path, json!({"port": 3737}));
    assert_eq!((r.status, r.code().as_str()), (400, "invalid_request"));
}

#[test]
fn instance_plane_health() {
    let emu = Emulator::start(&[]);
    let api = emu.api();
    // Health is authenticated: the workspace's Bearer key under 2026-06-25.
    let plane = emu.api();
    let health = |inst: &Value, n: usize| -> crate::harness::Resp {
        let url = inst["ports"][n]["url"]
            .as_str()
            .unwrap()
            .trim_start_matches(&emu.base)
            .to_string();
        plane.send("GET", &format!("{url}/v1/health"), None)
    };
    let hermes = api.create(json!({}));
    let r = health(&hermes, 0);
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        json!({"ok": true, "agent": "hermes", "healthy": true})
    );
    assert_eq!(health(&hermes, 2).status, 200, "every declared port");
    let claw = api.create(json!({"template": "agent37-openclaw"}));
    assert_eq!(health(&claw, 0).json()["agent"], "openclaw");
    let id = hermes["id"].as_str().unwrap();
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    let r = health(&hermes, 0);
    assert_eq!(
        (r.status, r.json()),
        (502, json!({"error": "container_unreachable"}))
    );
    api.delete(&format!("/instances/{id}"));
    let r = health(&hermes, 0);
    assert_eq!((r.status, r.json()), (404, json!({"error": "not_found"})));
    let r = plane.send(
        "GET",
        &format!(
            "/_instances/{}/1234/v1/health",
            claw["id"].as_str().unwrap()
        ),
        None,
    );
    assert_eq!(r.status, 404, "undeclared port");
    let hid = claw["id"].as_str().unwrap();
    let r = emu
        .raw()
        .send("GET", &format!("/_instances/{hid}/3737/v1/health"), None);
    assert_eq!(
        (r.status, r.json()),
        (401, json!({"error": "invalid_api_key"})),
        "no key"
    );
}

#[test]
fn boot_delay_makes_health_503_then_ok() {
    let emu = Emulator::start(&["--boot-delay-ms", "600"]);
    let api = emu.api();
    let plane = emu.api();
    let started = std::time::Instant::now();
    let i = api.create(json!({}));
    assert_eq!(i["status"], "running", "create answers running at once");
    let url = format!(
        "{}/v1/health",
        i["ports"][0]["url"]
            .as_str()
            .unwrap()
            .trim_start_matches(&emu.base)
    );
    let r = plane.send("GET", &url, None);
    assert_eq!(
        (r.status, r.text()),
        (503, r#"{"error":"container_unavailable"}"#.to_string())
    );
    while started.elapsed() < std::time::Duration::from_millis(700) {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(plane.send("GET", &url, None).status, 200);
    // A restart boots again.
    api.post(
        &format!("/instances/{}/restart", i["id"].as_str().unwrap()),
        Value::Null,
    );
    assert_eq!(plane.send("GET", &url, None).status, 503);
}
