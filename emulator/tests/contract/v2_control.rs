//! The emulator's own surface under revision 2026-08-21 (8.1, 8.5): the run-time config keys,
//! the workspace fields that drive allowlists, and instance drift of the new fields.

use serde_json::{Value, json};

use crate::harness::{Emulator, PORT, Rev};

#[test]
fn config_keys_are_validated_echoed_and_plane_host_moves_the_urls() {
    let emu = Emulator::start_rev(Rev::V2, &["--plane-host", "emu.test"]);
    let cfg = emu.control("GET", "/config", Value::Null).json();
    for (k, v) in [
        ("api_revision", json!("2026-08-21")),
        ("budget_names", json!("credit")),
        ("plane_bearer", json!("accept")),
        ("plane_host", json!("emu.test")),
        ("domain_verify_polls", json!(1)),
        ("build_seconds", json!(3)),
        ("ingest_seconds", json!(1)),
        ("ingest_delay_ms", json!(0)),
        ("wake_seconds", json!(2)),
        ("integrations_available", json!(true)),
    ] {
        assert_eq!(cfg[k], v, "{k}");
    }
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let url = api.get(&format!("/instances/{id}")).json()["url"].clone();
    assert_eq!(url, format!("http://{id}.emu.test:{PORT}"));
    let plane = emu.raw().with_header("x-agent37-key", &emu.key);
    let health = |url: &str| plane.send("GET", &format!("{url}/v1/health"), None);
    assert_eq!(health(url.as_str().unwrap()).status, 200);
    // At run time too; the old suffix is then an ordinary host (the API).
    let c =
        emu.config(json!({"plane_host": "Other.Test", "ingest_delay_ms": 5, "wake_seconds": 0}));
    assert_eq!(
        (c["plane_host"].clone(), c["ingest_delay_ms"].clone()),
        (json!("other.test"), json!(5))
    );
    assert_eq!(
        health(&format!("http://{id}.other.test:{PORT}")).status,
        200
    );
    assert_eq!(
        health(&format!("http://{id}.emu.test:{PORT}")).err(),
        (401, "invalid_api_key".into())
    );
    for bad in [
        json!({"plane_bearer": "maybe"}),
        json!({"plane_host": "bad host"}),
        json!({"domain_verify_polls": -1}),
        json!({"build_seconds": "3"}),
        json!({"ingest_seconds": -1}),
        json!({"wake_seconds": 1.5}),
        json!({"integrations_available": "no"}),
        json!({"api_revision": "2026-08-22"}),
        json!({"budget_names": "dollars"}),
        // One bad key refuses the whole body: the good one does not apply either.
        json!({"wake_seconds": 9, "plane_bearer": "maybe"}),
    ] {
        assert_eq!(
            emu.control("POST", "/config", bad.clone()).status,
            400,
            "{bad}"
        );
    }
    assert_eq!(
        emu.control("GET", "/config", Value::Null).json()["wake_seconds"],
        0
    );
}

#[test]
fn an_ip_allowlist_refuses_other_callers_before_routing() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.workspace(json!({"ip_allowlist": ["192.0.2.0/24", "2001:db8::1"]}));
    let key = api.key.clone().unwrap();
    let w = emu
        .control("GET", &format!("/workspaces/{key}"), Value::Null)
        .json();
    assert_eq!(w["ip_allowlist"], json!(["192.0.2.0/24", "2001:db8::1"]));
    let r = api.get("/instances");
    assert_eq!(
        r.err(),
        (403, "ip_not_allowed".into()),
        "loopback is not on the list"
    );
    assert!(
        r.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1")
    );
    assert_eq!(
        api.get("/no/such/route").err(),
        (403, "ip_not_allowed".into()),
        "before the route"
    );
    assert_eq!(api.calling_from("192.0.2.7").get("/instances").status, 200);
    assert_eq!(
        api.calling_from("2001:db8::1").get("/instances").status,
        200
    );
    assert_eq!(
        emu.api_key(Some("sk_live_abcdefghijklmnopqrstuvwx"))
            .get("/instances")
            .err(),
        (401, "invalid_api_key".into()),
        "auth comes first"
    );
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"ip_allowlist": []}),
    );
    assert_eq!(api.get("/instances").status, 200, "[] = any caller");
    for bad in [
        json!({"ip_allowlist": ["nope"]}),
        json!({"ip_allowlist": vec!["10.0.0.1"; 21]}),
    ] {
        assert_eq!(
            emu.control("PATCH", &format!("/workspaces/{key}"), bad)
                .status,
            400
        );
    }
    // Under 2026-06-25 the allowlist is not enforced.
    emu.control(
        "PATCH",
        &format!("/workspaces/{key}"),
        json!({"ip_allowlist": ["192.0.2.0/24"]}),
    );
    emu.config(json!({"api_revision": "2026-06-25"}));
    assert_eq!(api.get("/instances").status, 200);
}

#[test]
fn instance_drift_of_the_new_fields() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.api();
    let id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    let reason = json!({"code": "provisioning_failed", "message": "m", "detail": "d", "operation": "update", "at": 5});
    let digest = format!("sha256:{}", "cd".repeat(32));
    let r = emu.control(
        "PATCH",
        &format!("/instances/{id}"),
        json!({"status": "waking", "status_reason": reason, "slept_at": 7, "image_digest": digest,
               "template_revision": 4, "auto_sleep": true}),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let i = api.get(&format!("/instances/{id}")).json();
    assert_eq!(
        (
            i["status"].clone(),
            i["status_reason"].clone(),
            i["slept_at"].clone(),
            i["image_digest"].clone(),
            i["template_revision"].clone(),
            i["auto_sleep"].clone()
        ),
        (
            json!("waking"),
            reason,
            json!(7),
            json!(digest),
            json!(4),
            json!(true)
        )
    );
    for bad in [
        json!({"status": "dreaming"}),
        json!({"status_reason": {"code": "x", "message": "m", "operation": "fly", "at": 1}}),
        json!({"slept_at": "x"}),
        json!({"auto_sleep": 1}),
    ] {
        assert_eq!(
            emu.control("PATCH", &format!("/instances/{id}"), bad.clone())
                .status,
            400,
            "{bad}"
        );
    }
    // Under 2026-06-25 the two new statuses are not accepted.
    emu.config(json!({"api_revision": "2026-06-25"}));
    assert_eq!(
        emu.control(
            "PATCH",
            &format!("/instances/{id}"),
            json!({"status": "sleeping"})
        )
        .status,
        400
    );
}

#[test]
fn shared_instances_meter_at_the_dedicated_rate() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    emu.freeze_clock();
    let api = emu.workspace(json!({"shared_enabled": true}));
    let key = api.key.clone().unwrap();
    let shared = api.create(json!({"type": "shared"}))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let dedicated = api.create(json!({}))["id"].as_str().unwrap().to_string();
    emu.advance(600);
    let s = emu
        .control("POST", &format!("/workspaces/{key}/settle"), Value::Null)
        .json();
    assert_eq!(s["debits"][&shared], s["debits"][&dedicated]);
    assert_eq!(s["debits"][&shared], 1087);
}
