//! Revision 2026-08-21: what each status allows (2.6), update with `{"template"}` (pin, unpin,
//! roll back, migrate), resize keeping the disk, exec, signed URLs and `try_again` (2.7).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{Api, Emulator, PORT, Rev};

fn sha256(s: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(s.as_bytes())))
}

/// A fresh instance brought to `status` (`checkpointing`: asleep while the checkpoint is
/// written), through the control surface.
fn instance_in(emu: &Emulator, api: &Api, status: &str) -> String {
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let r = match status {
        "running" => return id,
        "sleeping" => emu.control("POST", &format!("/instances/{id}/sleep"), json!({})),
        "checkpointing" => emu.control(
            "POST",
            &format!("/instances/{id}/sleep"),
            json!({"checkpoint_seconds": 60}),
        ),
        other => emu.control(
            "PATCH",
            &format!("/instances/{id}"),
            json!({"status": other}),
        ),
    };
    assert_eq!(r.status, 200, "{status}: {}", r.text());
    id
}

/// The body each operation is called with.
fn call(api: &Api, op: &str, id: &str) -> crate::harness::Resp {
    let body = match op {
        "resize" => json!({"disk": 6}),
        "exec" => json!({"command": "echo hi"}),
        "signed-url" => json!({"port": 3737}),
        _ => Value::Null,
    };
    api.post(&format!("/instances/{id}/{op}"), body)
}

#[test]
fn what_each_status_allows() {
    let emu = Emulator::start_rev(Rev::V2, &["--instance-limit", "200"]);
    emu.freeze_clock();
    let api = emu.api();
    const OPS: [&str; 7] = [
        "stop",
        "start",
        "restart",
        "update",
        "resize",
        "exec",
        "signed-url",
    ];
    // Per status, per operation: Ok(status after) or Err((http, code)).
    type Cell = Result<&'static str, (u16, &'static str)>;
    let bad: Cell = Err((400, "invalid_request"));
    let again: Cell = Err((409, "try_again"));
    let table: [(&str, [Cell; 7]); 8] = [
        (
            "running",
            [
                Ok("stopped"),
                Ok("running"),
                Ok("running"),
                Ok("running"),
                Ok("running"),
                Ok("running"),
                Ok("running"),
            ],
        ),
        (
            "sleeping",
            [
                Ok("stopped"),
                Ok("running"),
                bad,
                bad,
                bad,
                bad,
                Ok("sleeping"),
            ],
        ),
        (
            "checkpointing",
            [again, again, bad, bad, bad, bad, Ok("sleeping")],
        ),
        ("waking", [again, again, bad, bad, bad, bad, Ok("waking")]),
        (
            "stopped",
            [
                Ok("stopped"),
                Ok("running"),
                bad,
                Ok("stopped"),
                bad,
                bad,
                bad,
            ],
        ),
        ("failed", [bad, bad, bad, Ok("running"), bad, bad, bad]),
        ("restarting", [bad, bad, again, bad, bad, bad, bad]),
        ("updating", [bad, bad, bad, bad, bad, bad, bad]),
    ];
    for (status, cells) in table {
        for (op, want) in OPS.iter().zip(cells) {
            let id = instance_in(&emu, &api, status);
            let r = call(&api, op, &id);
            let got: Result<String, (u16, String)> = if r.status == 200 {
                Ok(api.get(&format!("/instances/{id}")).json()["status"]
                    .as_str()
                    .unwrap()
                    .to_string())
            } else {
                Err(r.err())
            };
            let want = want
                .map(str::to_string)
                .map_err(|(s, c)| (s, c.to_string()));
            assert_eq!(got, want, "{op} while {status}: {}", r.text());
            if let Err((409, _)) = want {
                assert_eq!(r.header("retry-after"), Some("1"), "{op} while {status}");
            }
        }
    }
    // Logs, metrics, PATCH, budget, usage, public ports and integrations in every status.
    for status in ["sleeping", "waking", "stopped", "failed", "restarting"] {
        let id = instance_in(&emu, &api, status);
        for path in [
            "logs",
            "metrics",
            "budget",
            "usage",
            "public-ports",
            "integrations/connections",
        ] {
            let r = api.get(&format!("/instances/{id}/{path}"));
            assert_eq!(r.status, 200, "{path} while {status}: {}", r.text());
        }
        assert_eq!(
            api.patch(&format!("/instances/{id}"), json!({"name": "x"}))
                .status,
            200
        );
        assert_eq!(api.delete(&format!("/instances/{id}")).status, 200);
    }
}

#[test]
fn a_sleep_checkpoint_answers_try_again_until_written() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let id = instance_in(&emu, &api, "checkpointing");
    let got = api.get(&format!("/instances/{id}")).json();
    assert_eq!(
        (got["status"].clone(), got["slept_at"].clone()),
        (json!("sleeping"), Value::Null),
        "slept_at is null while the checkpoint is written"
    );
    let r = api.post(&format!("/instances/{id}/start"), Value::Null);
    assert_eq!(r.err(), (409, "try_again".into()));
    emu.advance(60);
    assert_eq!(api.get(&format!("/instances/{id}")).json()["slept_at"], now);
    let r = api.post(&format!("/instances/{id}/start"), Value::Null);
    assert_eq!(r.json(), json!({"id": id, "status": "running"}));
    let got = api.get(&format!("/instances/{id}")).json();
    assert!(
        got.get("slept_at").is_none(),
        "the key is only present while asleep"
    );
    // The control route refuses other statuses.
    api.post(&format!("/instances/{id}/stop"), Value::Null);
    let r = emu.control("POST", &format!("/instances/{id}/sleep"), json!({}));
    assert_eq!(r.err(), (400, "invalid_request".into()));
}

#[test]
fn update_pins_unpins_rolls_back_and_migrates() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.api();
    let t = api.post(
        "/templates",
        json!({"name": "crawler", "image_ref": "acme/crawler:v1", "default_port": 9000}),
    );
    assert_eq!(t.status, 201, "{}", t.text());
    api.patch(
        "/templates/crawler",
        json!({"image_ref": "acme/crawler:v2"}),
    );
    let i = api.create(json!({"template": "crawler@1", "public_ports": [{"port": 9100}]}));
    let id = i["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            i["template"].clone(),
            i["template_revision"].clone(),
            i["image_ref"].clone(),
            i["image_digest"].clone()
        ),
        (
            json!("crawler@1"),
            json!(1),
            json!("acme/crawler:v1"),
            json!(sha256("acme/crawler:v1"))
        )
    );
    let update = |body: Value| api.post(&format!("/instances/{id}/update"), body);
    // Body-less: a pinned instance stays put; the ack has no `template`.
    let ack = update(Value::Null).json();
    assert_eq!(
        ack,
        json!({"id": id, "status": "running", "image_ref": "acme/crawler:v1",
               "image_digest": sha256("acme/crawler:v1"), "template_revision": 1})
    );
    // Move the pin, unpin, roll back.
    for (name, revision, image) in [
        ("crawler@2", 2, "acme/crawler:v2"),
        ("crawler", 2, "acme/crawler:v2"),
        ("crawler@1", 1, "acme/crawler:v1"),
    ] {
        let ack = update(json!({"template": name})).json();
        assert_eq!(
            ack,
            json!({"id": id, "status": "running", "template": name, "image_ref": image,
                   "image_digest": sha256(image), "template_revision": revision}),
            "{name}"
        );
        assert_eq!(
            api.get(&format!("/instances/{id}")).json()["template"],
            name
        );
    }
    // Refused pins name the published revisions; nothing changes.
    for (body, why) in [
        (json!({"template": "crawler@9"}), "unpublished"),
        (json!({"template": "crawler@latest"}), "@latest"),
        (json!({"template": "nope"}), "unknown"),
        (
            json!({"template": "agent37-nope"}),
            "no such system template",
        ),
        (json!({"template": "acme/crawler:v1"}), "an image reference"),
        (json!({"template": 5}), "type"),
        (
            json!({"template": "crawler", "force": true}),
            "another field",
        ),
        (json!({"force": true}), "only another field"),
        (json!([]), "not an object"),
    ] {
        let r = update(body);
        assert_eq!(r.err(), (400, "invalid_request".into()), "{why}");
        if why == "unpublished" {
            let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
            assert!(msg.contains("2, 1"), "{msg}");
        }
    }
    // Migrate to another template: same id, URL and public ports; new image and agent.
    let before = api.get(&format!("/instances/{id}")).json();
    let ack = update(json!({"template": "agent37-openclaw"})).json();
    let image = "ghcr.io/agent37-platform/openclaw:2026.06.20";
    assert_eq!(
        ack,
        json!({"id": id, "status": "running", "template": "agent37-openclaw", "image_ref": image,
               "image_digest": sha256(image), "template_revision": null})
    );
    let after = api.get(&format!("/instances/{id}")).json();
    assert_eq!(
        (
            after["url"].clone(),
            after["public_ports"].clone(),
            after["resources"].clone()
        ),
        (
            before["url"].clone(),
            before["public_ports"].clone(),
            before["resources"].clone()
        )
    );
    let health = api.with_header("x-agent37-key", &emu.key).send(
        "GET",
        &format!("{}/v1/health", after["url"].as_str().unwrap()),
        None,
    );
    assert_eq!(health.json()["agent"], "openclaw");
}

#[test]
fn system_templates_pin_published_tags() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.api();
    let old = "ghcr.io/agent37-platform/hermes:2026.06.20";
    let new = "ghcr.io/agent37-platform/hermes:2026.09.01";
    let pinned = api.create(json!({"template": "agent37-hermes@2026.06.20"}));
    let loose = api.create(json!({}));
    let r = emu.control(
        "POST",
        "/system-templates/agent37-hermes",
        json!({"image_ref": new}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    for (i, image) in [(&pinned, old), (&loose, new)] {
        let id = i["id"].as_str().unwrap();
        let ack = api
            .post(&format!("/instances/{id}/update"), Value::Null)
            .json();
        assert_eq!(ack["image_ref"], image);
        assert_eq!(ack["template_revision"], Value::Null);
    }
    assert_eq!(pinned["template"], "agent37-hermes@2026.06.20");
    // Older tags stay pinnable; the probe answers each release.
    for (tag, image) in [("2026.06.20", old), ("2026.09.01", new)] {
        let t = api.get(&format!("/templates/agent37-hermes@{tag}")).json();
        assert_eq!(t["image_ref"], image, "{tag}");
        assert_eq!(
            api.create(json!({"template": format!("agent37-hermes@{tag}")}))["image_ref"],
            image
        );
    }
    for tag in ["latest", "2020.01.01"] {
        let r = api.get(&format!("/templates/agent37-hermes@{tag}"));
        assert_eq!(r.err(), (404, "not_found".into()), "{tag}");
        let r = api.post(
            "/instances",
            json!({"template": format!("agent37-hermes@{tag}")}),
        );
        assert_eq!(r.err(), (400, "invalid_request".into()), "{tag}");
    }
    assert_eq!(
        api.get("/templates/agent37-hermes%402026.06.20").json()["image_ref"],
        old,
        "@ percent-encoded"
    );
}

#[test]
fn resize_keeps_the_disk_and_validates_only_the_target() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.api();
    let id = api.create(json!({"resources": {"disk": 8}}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resize = |body: Value| api.post(&format!("/instances/{id}/resize"), body);
    let r = resize(json!({"cpu": 4, "memory": 8}));
    assert_eq!(
        r.json(),
        json!({"id": id, "status": "running", "resources": {"cpu": 4, "memory": 8, "disk": 8}})
    );
    assert_eq!(resize(json!({"disk": 20})).json()["resources"]["disk"], 20);
    assert_eq!(
        resize(json!({})).json()["resources"]["disk"],
        20,
        "same size: same ack"
    );
    for (body, why) in [
        (json!({"disk": 19}), "shrink"),
        (json!({"cpu": 2, "memory": 4}), "smaller shape"),
        (json!({"cpu": 8}), "8/8 is no shape"),
        (json!({"disk": 21}), "outside 4/8's range"),
        (json!({"disk": "21"}), "type"),
    ] {
        assert_eq!(resize(body).err(), (400, "invalid_request".into()), "{why}");
    }
    // No balance check on resize; tier still applies.
    let (poor, key) = {
        let a = emu.workspace(json!({"wallet_micros": 100_000}));
        let k = a.key.clone().unwrap();
        (a, k)
    };
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"wallet_micros": 1_000_000}),
    );
    let pid = poor.create(json!({}))["id"].as_str().unwrap().to_string();
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"wallet_micros": 0}),
    );
    let r = poor.post(
        &format!("/instances/{pid}/resize"),
        json!({"cpu": 8, "memory": 16}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let free = emu.workspace(json!({"tier": "free"}));
    let fid = free.create(json!({}))["id"].as_str().unwrap().to_string();
    let r = free.post(
        &format!("/instances/{fid}/resize"),
        json!({"cpu": 4, "memory": 8}),
    );
    assert_eq!(r.err(), (403, "tier_limit".into()));
}

#[test]
fn a_2026_06_25_shape_off_the_new_table_stays_until_resized() {
    let emu = Emulator::start(&[]);
    let api = emu.api();
    let id = api.create(json!({"resources": {"disk": 20}}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.config(json!({"api_revision": "2026-08-21"}));
    assert_eq!(
        api.get(&format!("/instances/{id}")).json()["resources"],
        json!({"cpu": 2, "memory": 4, "disk": 20}),
        "2/4 with 20 GB is off the 2026-08-21 table and stays"
    );
    assert_eq!(
        api.post(&format!("/instances/{id}/resize"), json!({"disk": 21}))
            .err(),
        (400, "invalid_request".into())
    );
    let r = api.post(
        &format!("/instances/{id}/resize"),
        json!({"cpu": 4, "memory": 8}),
    );
    assert_eq!(
        r.json()["resources"],
        json!({"cpu": 4, "memory": 8, "disk": 20})
    );
}

#[test]
fn exec_refuses_nul_and_does_not_wake_a_sleeper() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let exec = |cmd: &str| api.post(&format!("/instances/{id}/exec"), json!({"command": cmd}));
    assert_eq!(exec("echo a\u{0}b").err(), (400, "invalid_request".into()));
    assert_eq!(exec("echo ok").json()["stdout"], "ok\n");
    emu.control("POST", &format!("/instances/{id}/sleep"), json!({}));
    assert_eq!(exec("echo ok").err(), (400, "invalid_request".into()));
    assert_eq!(
        api.get(&format!("/instances/{id}")).json()["status"],
        "sleeping"
    );
}

#[test]
fn signed_urls_take_any_port_but_ssh_and_mirror_active_domains() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let now = emu.freeze_clock();
    let api = emu.workspace(json!({"topups_total_micros": 100_000_000}));
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let sign = |body: Value| api.post(&format!("/instances/{id}/signed-url"), body);
    let r = sign(json!({"port": 3737})).json();
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["url", "domain_urls", "port", "expires_at"]);
    let bare = format!("http://{id}.localhost:{PORT}/?a37_token=");
    assert!(r["url"].as_str().unwrap().starts_with(&bare), "{r}");
    assert_eq!(
        (r["expires_at"].clone(), r["domain_urls"].clone()),
        (json!(now + 3600), json!([]))
    );
    let r = sign(json!({"port": 9999, "ttl_seconds": 1_000_000})).json();
    let preview = format!("http://{id}-9999.localhost:{PORT}/?a37_token=");
    assert!(r["url"].as_str().unwrap().starts_with(&preview), "{r}");
    assert_eq!(r["expires_at"], now + 604_800);
    assert_eq!(
        sign(json!({"port": 1, "ttl_seconds": 1})).json()["expires_at"],
        now + 60
    );
    for (body, why) in [
        (json!({"port": 22022}), "ssh"),
        (json!({"port": 0}), "zero"),
        (json!({"port": 65_536}), "too big"),
        (json!({}), "missing"),
        (json!({"port": 3737, "ttl_seconds": 0}), "ttl zero"),
        (json!({"port": 3737, "ttl_seconds": 1.5}), "ttl fraction"),
    ] {
        assert_eq!(sign(body).err(), (400, "invalid_request".into()), "{why}");
    }
    // An active domain adds the same link under it.
    assert_eq!(
        api.post("/domains", json!({"domain": "bots-example.net"}))
            .status,
        201
    );
    api.post("/domains/bots-example.net/verify", Value::Null);
    let r = sign(json!({"port": 3737})).json();
    let token = r["url"]
        .as_str()
        .unwrap()
        .split("a37_token=")
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(
        r["domain_urls"],
        json!([format!(
            "http://{id}.bots-example.net:{PORT}/?a37_token={token}"
        )])
    );
}
