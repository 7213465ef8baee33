//! Revision 2026-08-21 templates (3.1, 3.2): `default_port` instead of `ports`, revisions and
//! pinned probes, the registry-image checks and the ingest fault.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{Emulator, Rev};

fn sha256(s: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(s.as_bytes())))
}

#[test]
fn default_port_replaces_ports() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let r = api.post(
        "/templates",
        json!({"name": "crawler", "image_ref": "acme/crawler:v1", "description": "Site crawler", "default_port": 9000}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let revisions =
        json!([{"revision": 1, "image_digest": sha256("acme/crawler:v1"), "created": now}]);
    let want = json!({"name": "crawler", "scope": "workspace", "agents": [], "image_ref": "acme/crawler:v1",
        "revision": 1, "image_digest": sha256("acme/crawler:v1"), "description": "Site crawler",
        "default_port": 9000, "created": now, "updated": now, "revisions": revisions});
    assert_eq!(r.json(), want);
    assert_eq!(api.get("/templates/crawler").json(), want);
    let list = api.get("/templates").json();
    let listed = list["data"].as_array().unwrap();
    assert_eq!(listed.len(), 4);
    assert!(
        listed[3].get("revisions").is_none(),
        "no revisions in the list"
    );
    assert_eq!(
        listed[0],
        json!({"name": "agent37-hermes", "scope": "system", "agents": ["hermes"],
               "image_ref": "ghcr.io/agent37-platform/hermes:2026.06.20", "revision": null,
               "description": "Hermes agent (the default template)", "default_port": 3737,
               "created": null, "updated": null})
    );
    for (body, why) in [
        (
            json!({"name": "p1", "image_ref": "acme/a:1", "ports": []}),
            "ports, any value",
        ),
        (
            json!({"name": "p2", "image_ref": "acme/a:1", "ports": null}),
            "ports null",
        ),
        (json!({"name": "p3"}), "no image_ref"),
        (
            json!({"name": "p4", "image_ref": "nginx:latest"}),
            "image format",
        ),
        (
            json!({"name": "p5", "image_ref": "acme/a:1", "default_port": 0}),
            "port 0",
        ),
        (
            json!({"name": "p6", "image_ref": "acme/a:1", "default_port": 65_536}),
            "port too big",
        ),
        (
            json!({"name": "p7", "image_ref": "acme/a:1", "default_port": "9000"}),
            "port type",
        ),
    ] {
        assert_eq!(
            api.post("/templates", body).err(),
            (400, "invalid_request".into()),
            "{why}"
        );
    }
    for reserved in [7681, 8080, 6080, 7890, 9119, 22022] {
        let r = api.post(
            "/templates",
            json!({"name": "rsv", "image_ref": "acme/a:1", "default_port": reserved}),
        );
        assert_eq!(r.err(), (400, "invalid_request".into()), "{reserved}");
    }
    let ok = api.post(
        "/templates",
        json!({"name": "gw", "image_ref": "acme/a:1", "default_port": 3737}),
    );
    assert_eq!(ok.json()["default_port"], 3737, "3737 is allowed");
    let none = api
        .post(
            "/templates",
            json!({"name": "none", "image_ref": "acme/a:1"}),
        )
        .json();
    assert_eq!(none["default_port"], Value::Null);
    assert_eq!(
        api.patch("/templates/crawler", json!({"ports": [{"port": 9000}]}))
            .err(),
        (400, "invalid_request".into())
    );
    let t = api
        .patch("/templates/crawler", json!({"default_port": null}))
        .json();
    assert_eq!(
        (t["default_port"].clone(), t["revision"].clone()),
        (Value::Null, json!(1))
    );
}

#[test]
fn revisions_move_only_with_a_new_image_and_pins_probe_them() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    api.post(
        "/templates",
        json!({"name": "crawler", "image_ref": "acme/crawler:v1"}),
    );
    let i = api.create(json!({"template": "crawler"}));
    let iid = i["id"].as_str().unwrap().to_string();
    emu.advance(10);
    for body in [
        json!({"description": "d"}),
        json!({"image_ref": "acme/crawler:v1"}),
        json!({"default_port": 9000}),
    ] {
        assert_eq!(
            api.patch("/templates/crawler", body.clone()).json()["revision"],
            1,
            "{body}"
        );
    }
    let t = api
        .patch(
            "/templates/crawler",
            json!({"image_ref": "acme/crawler:v2"}),
        )
        .json();
    assert_eq!(
        (
            t["revision"].clone(),
            t["image_digest"].clone(),
            t["updated"].clone()
        ),
        (json!(2), json!(sha256("acme/crawler:v2")), json!(now + 10))
    );
    assert_eq!(
        t["revisions"],
        json!([
            {"revision": 2, "image_digest": sha256("acme/crawler:v2"), "created": now + 10},
            {"revision": 1, "image_digest": sha256("acme/crawler:v1"), "created": now}
        ])
    );
    // A rename carries the revisions along.
    let t = api
        .patch("/templates/crawler", json!({"name": "crawler2"}))
        .json();
    assert_eq!(
        (
            t["revision"].clone(),
            t["revisions"].as_array().unwrap().len()
        ),
        (json!(2), 2)
    );
    // The pinned probe: the template as of that revision.
    let pinned = api.get("/templates/crawler2@1").json();
    assert_eq!(
        (
            pinned["revision"].clone(),
            pinned["image_ref"].clone(),
            pinned["image_digest"].clone()
        ),
        (
            json!(1),
            json!("acme/crawler:v1"),
            json!(sha256("acme/crawler:v1"))
        )
    );
    assert_eq!(pinned["revisions"].as_array().unwrap().len(), 2);
    for v in ["latest", "3", "0", "x"] {
        assert_eq!(
            api.get(&format!("/templates/crawler2@{v}")).err(),
            (404, "not_found".into()),
            "{v}"
        );
    }
    // The instance is behind (template_revision 1 < 2) until a body-less update... of its
    // template, which was renamed: the update keeps its image (as when deleted).
    assert_eq!(
        api.get(&format!("/instances/{iid}")).json()["template_revision"],
        1
    );
    let ack = api
        .post(&format!("/instances/{iid}/update"), Value::Null)
        .json();
    assert_eq!(
        (ack["image_ref"].clone(), ack["template_revision"].clone()),
        (json!("acme/crawler:v1"), json!(1))
    );
    let fresh = api.create(json!({"template": "crawler2"}));
    assert_eq!(
        (
            fresh["template_revision"].clone(),
            fresh["image_ref"].clone()
        ),
        (json!(2), json!("acme/crawler:v2"))
    );
}

#[test]
fn registry_images_are_checked_and_ingest_failures_change_nothing() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let api = emu.api();
    let declare = |body: Value| {
        let r = emu.control("POST", "/images", body);
        assert_eq!(r.status, 200, "{}", r.text());
    };
    declare(json!({"image_ref": "acme/private:v1", "public": false}));
    declare(json!({"image_ref": "acme/arm:v1", "platform": "linux/arm64"}));
    declare(json!({"image_ref": "acme/huge:v1", "size_bytes": 8_000_000_001_i64}));
    declare(json!({"image_ref": "acme/big:v1", "size_bytes": 8_000_000_000_i64}));
    let pinned = format!("sha256:{}", "ab".repeat(32));
    declare(json!({"image_ref": "acme/pinned:v1", "digest": pinned}));
    for (image, want) in [
        ("acme/private:v1", (400, "invalid_request")),
        ("acme/arm:v1", (400, "invalid_request")),
        ("acme/huge:v1", (400, "image_too_large")),
    ] {
        let r = api.post("/templates", json!({"name": "tpl", "image_ref": image}));
        assert_eq!(r.err(), (want.0, want.1.into()), "{image}");
    }
    assert_eq!(
        api.post(
            "/templates",
            json!({"name": "big", "image_ref": "acme/big:v1"})
        )
        .status,
        201
    );
    let t = api
        .post(
            "/templates",
            json!({"name": "pinned", "image_ref": "acme/pinned:v1"}),
        )
        .json();
    assert_eq!(
        t["image_digest"], pinned,
        "a declared digest is the snapshot's"
    );
    for bad in [
        json!({"image_ref": "nginx"}),
        json!({"image_ref": "acme/x:1", "digest": "sha256:abc"}),
        json!({"image_ref": "acme/x:1", "public": "yes"}),
        json!({"image_ref": "acme/x:1", "size_bytes": -1}),
        json!({}),
    ] {
        assert_eq!(
            emu.control("POST", "/images", bad.clone()).status,
            400,
            "{bad}"
        );
    }
    // image_ingest_failed: 502, nothing created or changed.
    let fault = |route: &str| {
        emu.control(
            "POST",
            "/faults",
            json!({"rules": [{"route": route, "kind": "image_ingest_failed", "first": 1}]}),
        );
    };
    fault("POST /v1/templates");
    let r = api.post(
        "/templates",
        json!({"name": "later", "image_ref": "acme/later:v1"}),
    );
    assert_eq!(r.err(), (502, "image_ingest_failed".into()));
    assert_eq!(api.get("/templates/later").status, 404);
    fault("PATCH /v1/templates/{name}");
    let r = api.patch("/templates/big", json!({"image_ref": "acme/big:v2"}));
    assert_eq!(r.err(), (502, "image_ingest_failed".into()));
    let t = api.get("/templates/big").json();
    assert_eq!(
        (t["image_ref"].clone(), t["revision"].clone()),
        (json!("acme/big:v1"), json!(1))
    );
    // A bad body is still 400 first.
    fault("POST /v1/templates");
    assert_eq!(
        api.post(
            "/templates",
            json!({"name": "xyz", "image_ref": "acme/x:1", "ports": []})
        )
        .err(),
        (400, "invalid_request".into())
    );
}
