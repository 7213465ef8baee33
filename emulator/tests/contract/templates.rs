//! Contract tests for templates: the system catalog, workspace templates and their rules,
//! and how instances use them.

use crate::harness::Emulator;
use serde_json::{Value, json};

#[test]
fn system_catalog_first_then_workspace_templates_by_name() {
    let emu = Emulator::start(&[]);
    let api = emu.api();
    for name in ["zeta", "alpha", "mid-one"] {
        let r = api.post(
            "/templates",
            json!({"name": name, "image_ref": "acme/agent:v1"}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let list = api.get("/templates").json();
    let names: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "agent37-hermes",
            "agent37-hermes-small",
            "agent37-openclaw",
            "alpha",
            "mid-one",
            "zeta"
        ]
    );
    let hermes = &list["data"][0];
    let keys: Vec<&str> = hermes
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "name",
            "scope",
            "agents",
            "image_ref",
            "description",
            "ports",
            "created",
            "updated"
        ]
    );
    assert_eq!(hermes["scope"], "system");
    assert_eq!(hermes["agents"], json!(["hermes"]));
    assert_eq!(
        hermes["image_ref"],
        "ghcr.io/agent37-platform/hermes:2026.06.20"
    );
    assert_eq!(
        hermes["ports"],
        json!([{"port": 3737, "default": true}, {"port": 9119, "default": false},
               {"port": 7681, "default": false}, {"port": 8080, "default": false}])
    );
    assert_eq!(
        (hermes["created"].clone(), hermes["updated"].clone()),
        (Value::Null, Value::Null)
    );
    assert_eq!(list["data"][2]["agents"], json!(["openclaw"]));
    assert_eq!(
        list["data"][2]["ports"][1],
        json!({"port": 18789, "default": false})
    );
    for name in ["agent37-hermes", "agent37-hermes-small", "agent37-openclaw"] {
        assert_eq!(api.get(&format!("/templates/{name}")).status, 200);
    }
    let r = api.get("/templates/nope");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    // Another workspace sees only the catalog.
    let other = emu.workspace(json!({}));
    assert_eq!(
        other.get("/templates").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(other.get("/templates/alpha").status, 404);
}

#[test]
fn create_template_and_its_shape() {
    let emu = Emulator::start(&[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let r = api.post(
        "/templates",
        json!({"name": "my-agent", "image_ref": "ghcr.io/acme/agent:v1", "description": "mine",
               "ports": [{"port": 3000, "default": true}, {"port": 4000}], "extra": 1}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let t = r.json();
    assert_eq!(
        t,
        json!({"name": "my-agent", "scope": "workspace", "agents": [], "image_ref": "ghcr.io/acme/agent:v1",
               "description": "mine", "ports": [{"port": 3000, "default": true}, {"port": 4000, "default": false}],
               "created": now, "updated": now})
    );
    assert_eq!(api.get("/templates/my-agent").json(), t);
    let minimal = api
        .post(
            "/templates",
            json!({"name": "bare", "image_ref": "acme/bare"}),
        )
        .json();
    assert_eq!(
        (minimal["ports"].clone(), minimal["description"].clone()),
        (json!([]), Value::Null)
    );
    let r = api.post(
        "/templates",
        json!({"name": "my-agent", "image_ref": "acme/other:v2"}),
    );
    assert_eq!((r.status, r.code().as_str()), (409, "template_conflict"));
}

#[test]
fn template_validation_rows_are_400() {
    let emu = Emulator::start(&[]);
    let api = emu.api();
    let img = "acme/agent:v1";
    let mut rows: Vec<(Value, String)> = vec![
        (json!({"image_ref": img}), "missing name".into()),
        (json!({"name": "ok-name"}), "missing image_ref".into()),
        (json!({"name": 5, "image_ref": img}), "name type".into()),
        (
            json!({"name": "ok-name", "image_ref": 5}),
            "image type".into(),
        ),
        (
            json!({"name": "ok-name", "image_ref": img, "description": 5}),
            "description type".into(),
        ),
        (
            json!({"name": "ok-name", "image_ref": img, "ports": {"port": 3000}}),
            "ports not an array".into(),
        ),
        (json!([]), "body not an object".into()),
    ];
    for bad_name in [
        "a",
        "1abc",
        "Abc",
        "ab_c",
        "ab c",
        "-abc",
        "agent37-mine",
        "agent37-hermes",
        &"a".repeat(64),
    ] {
        rows.push((
            json!({"name": bad_name, "image_ref": img}),
            format!("name {bad_name:?}"),
        ));
    }
    let digest_bad = "acme/agent@sha256:1234";
    let long = format!("acme/{}", "a".repeat(251));
    for bad_image in [
        "nginx:latest",
        "nginx",
        "Acme/agent:v1",
        "acme/Agent",
        "acme/agent:",
        "acme/agent:-x",
        "acme//agent",
        digest_bad,
        "",
        &long,
    ] {
        rows.push((
            json!({"name": "ok-name", "image_ref": bad_image}),
            format!("image {bad_image:?}"),
        ));
    }
    let many: Vec<Value> = (1..=21).map(|p| json!({"port": 10_000 + p})).collect();
    let port_rows: Vec<(Value, &str)> = vec![
        (json!([{"port": 0}]), "port 0"),
        (json!([{"port": 65_536}]), "port 65536"),
        (json!([{"port": -1}]), "negative port"),
        (json!([{"port": "3000"}]), "port type"),
        (json!([{"default": true}]), "port missing"),
        (json!([{"port": 3000}, {"port": 3000}]), "duplicate"),
        (
            json!([{"port": 3000, "default": true}, {"port": 3001, "default": true}]),
            "two defaults",
        ),
        (json!([{"port": 3000, "default": "yes"}]), "default type"),
        (json!(many), "21 ports"),
    ];
    for (ports, why) in port_rows {
        rows.push((
            json!({"name": "ok-name", "image_ref": img, "ports": ports}),
            why.to_string(),
        ));
    }
    for reserved in [3737, 7681, 8080, 6080, 7890, 6969, 9119] {
        rows.push((
            json!({"name": "ok-name", "image_ref": img, "ports": [{"port": reserved}]}),
            format!("reserved {reserved}"),
        ));
    }
    for (body, why) in rows {
        let r = api.post("/templates", body.clone());
        assert_eq!(r.status, 400, "{why}: {body} → {}", r.text());
        assert_eq!(r.code(), "invalid_request", "{why}");
    }
    assert_eq!(
        api.send("POST", "/v1/templates", None).status,
        400,
        "empty body"
    );
    assert_eq!(
        api.send("POST", "/v1/templates", Some("{x")).status,
        400,
        "malformed"
    );
    // Edge values that are fine.
    let twenty: Vec<Value> = (1..=20).map(|p| json!({"port": 10_000 + p})).collect();
    let digest = format!(
        "registry.example.com:5000/acme/team/agent:v1.2_3@sha256:{}",
        "0".repeat(64)
    );
    for (name, image, ports) in [
        (
            "ab".to_string(),
            "acme/agent".to_string(),
            json!([{"port": 1}, {"port": 65_535}]),
        ),
        ("a".repeat(63), digest, json!(twenty)),
        (
            "x1-2".to_string(),
            "localhost:5000/acme/agent:latest".to_string(),
            json!([]),
        ),
    ] {
        let r = api.post(
            "/templates",
            json!({"name": name, "image_ref": image, "ports": ports}),
        );
        assert_eq!(r.status, 201, "{name} {image}: {}", r.text());
    }
    assert_eq!(
        api.get("/templates").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        6
    );
}

#[test]
fn patch_and_delete_rules() {
    let emu = Emulator::start(&[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    api.post(
        "/templates",
        json!({"name": "one", "image_ref": "acme/one:v1", "ports": [{"port": 3000}]}),
    );
    api.post(
        "/templates",
        json!({"name": "two", "image_ref": "acme/two:v1"}),
    );
    // System templates are read-only: 403 whatever the body.
    for name in ["agent37-hermes", "agent37-hermes-small", "agent37-openclaw"] {
        for body in [Some(r#"{"description":"x"}"#), Some("{bad"), None] {
            let r = api.send("PATCH", &format!("/v1/templates/{name}"), body);
            assert_eq!((r.status, r.code().as_str()), (403, "forbidden"), "{name}");
        }
        let r = api.delete(&format!("/templates/{name}"));
        assert_eq!((r.status, r.code().as_str()), (403, "forbidden"));
    }
    let r = api.patch("/templates/nope", json!({"description": "x"}));
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
    for (body, why) in [
        (Some("{}"), "no field"),
        (Some(r#"{"other": 1}"#), "unknown field only"),
        (None, "empty body"),
        (Some("{bad"), "malformed"),
        (Some(r#"{"name": "agent37-x"}"#), "reserved prefix"),
        (Some(r#"{"image_ref": "nginx"}"#), "bad image"),
        (Some(r#"{"ports": [{"port": 8080}]}"#), "reserved port"),
    ] {
        let r = api.send("PATCH", "/v1/templates/one", body);
        assert_eq!(
            (r.status, r.code().as_str()),
            (400, "invalid_request"),
            "{why}"
        );
    }
    emu.advance(10);
    // Ports are replaced whole; PATCH is idempotent (a repeat changes nothing, not even `updated`).
    let body = json!({"ports": [{"port": 4000, "default": true}], "description": "d"});
    let first = api.patch("/templates/one", body.clone()).json();
    assert_eq!(first["ports"], json!([{"port": 4000, "default": true}]));
    assert_eq!(
        (first["created"].clone(), first["updated"].clone()),
        (json!(now), json!(now + 10))
    );
    emu.advance(10);
    assert_eq!(api.patch("/templates/one", body).json(), first);
    assert_eq!(
        api.patch("/templates/one", json!({"description": null}))
            .json()["description"],
        Value::Null
    );
    // Rename: onto an existing name is 409; otherwise the old name is gone.
    let r = api.patch("/templates/one", json!({"name": "two"}));
    assert_eq!((r.status, r.code().as_str()), (409, "template_conflict"));
    let renamed = api
        .patch(
            "/templates/one",
            json!({"name": "uno", "image_ref": "acme/one:v2"}),
        )
        .json();
    assert_eq!(
        (renamed["name"].clone(), renamed["image_ref"].clone()),
        (json!("uno"), json!("acme/one:v2"))
    );
    assert_eq!(api.get("/templates/one").status, 404);
    assert_eq!(api.get("/templates/uno").json(), renamed);
    // Delete, then a repeat is 404.
    let r = api.delete("/templates/uno");
    assert_eq!(
        (r.status, r.json()),
        (200, json!({"name": "uno", "deleted": true}))
    );
    let r = api.delete("/templates/uno");
    assert_eq!((r.status, r.code().as_str()), (404, "not_found"));
}

#[test]
fn instances_from_workspace_templates() {
    let emu = Emulator::start(&[]);
    let api = emu.api();
    api.post(
        "/templates",
        json!({"name": "custom", "image_ref": "acme/custom:v1", "ports": [{"port": 3000, "default": true}, {"port": 5000}]}),
    );
    api.post(
        "/templates",
        json!({"name": "portless", "image_ref": "acme/portless:v1"}),
    );
    let i = api.create(json!({"template": "custom"}));
    let id = i["id"].as_str().unwrap().to_string();
    assert_eq!(
        (i["template"].clone(), i["image_ref"].clone()),
        (json!("custom"), json!("acme/custom:v1"))
    );
    assert_eq!(i["resources"], json!({"cpu": 2, "memory": 4, "disk": 6}));
    assert_eq!(
        i["ports"][0],
        json!({"port": 3000, "default": true, "url": format!("{}/_instances/{id}/3000", emu.base)})
    );
    assert_eq!(
        i["ports"][1]["url"],
        format!("{}/_instances/{id}/5000", emu.base)
    );
    let health = api.send("GET", &format!("/_instances/{id}/3000/v1/health"), None);
    assert_eq!(
        health.json(),
        json!({"ok": true, "agent": "custom", "healthy": true})
    );
    assert_eq!(
        api.create(json!({"template": "portless"}))["ports"],
        json!([])
    );
    // A template change reaches the instance only through update; ports stay as snapshotted.
    api.patch(
        "/templates/custom",
        json!({"image_ref": "acme/custom:v2", "ports": []}),
    );
    let got = api.get(&format!("/instances/{id}")).json();
    assert_eq!(
        (
            got["image_ref"].clone(),
            got["ports"].as_array().unwrap().len()
        ),
        (json!("acme/custom:v1"), 2)
    );
    let ack = api
        .post(&format!("/instances/{id}/update"), Value::Null)
        .json();
    assert_eq!(ack["image_ref"], "acme/custom:v2");
    // Deleting the template leaves the instance running; update then keeps its image.
    api.delete("/templates/custom");
    let ack = api
        .post(&format!("/instances/{id}/update"), json!({}))
        .json();
    assert_eq!(
        ack,
        json!({"id": id, "status": "running", "image_ref": "acme/custom:v2"})
    );
    assert_eq!(
        api.get(&format!("/instances/{id}")).json()["template"],
        "custom"
    );
    // Gone templates and other workspaces' templates cannot be used.
    let r = api.post("/instances", json!({"template": "custom"}));
    assert_eq!((r.status, r.code().as_str()), (400, "invalid_request"));
    let other = emu.workspace(json!({}));
    let r = other.post("/instances", json!({"template": "portless"}));
    assert_eq!((r.status, r.code().as_str()), (400, "invalid_request"));
    // A workspace template cannot use the hermes-small shape.
    let r = api.post(
        "/instances",
        json!({"template": "portless", "resources": {"cpu": 1, "memory": 3}}),
    );
    assert_eq!(r.status, 400);
}
