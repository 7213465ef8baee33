//! One database, two revisions: the in-place migration of a database of the first layout, the
//! revision switch at run time and on the command line, and objects read across the switch.

use serde_json::{Value, json};

use crate::harness::Emulator;

/// A copy of the committed database of the first layout, and what the emulator of that layout
/// answered about it (`tests/data/make-layout-v1.py`).
fn fixture() -> (tempfile::TempDir, String, Value) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("v1.db");
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
    std::fs::copy(format!("{data}/layout-v1.db"), &db).unwrap();
    let answers: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{data}/layout-v1.json")).unwrap())
            .unwrap();
    (dir, db.to_str().unwrap().to_string(), answers)
}

#[test]
fn a_database_of_the_first_layout_reads_the_same_after_migration() {
    let (_dir, db, want) = fixture();
    let emu = Emulator::start(&["--db", &db]);
    let old_base = want["base"].as_str().unwrap();
    let same = |got: Value, want: &Value, what: &str| {
        let want: Value =
            serde_json::from_str(&want.to_string().replace(old_base, &emu.base)).unwrap();
        assert_eq!(got, want, "{what}");
    };
    for key in want["keys"].as_array().unwrap() {
        let key = key.as_str().unwrap();
        same(
            emu.api_with(key).get("/instances").json(),
            &want["instances"][key],
            key,
        );
    }
    let k1 = want["keys"][0].as_str().unwrap();
    let api = emu.api_with(k1);
    same(
        api.get("/templates").json(),
        &want["templates"],
        "templates",
    );
    same(
        emu.control("GET", "/clock", Value::Null).json(),
        &want["clock"],
        "clock",
    );
    for id in want["ids"].as_array().unwrap() {
        let id = id.as_str().unwrap();
        same(
            emu.control("GET", &format!("/instances/{id}"), Value::Null)
                .json(),
            &want["control"][id],
            id,
        );
    }
    let a = want["ids"][0].as_str().unwrap();
    same(
        api.get(&format!("/instances/{a}/budget")).json(),
        &want["budget"],
        "budget",
    );
    same(
        api.get(&format!("/instances/{a}/usage")).json(),
        &want["usage"],
        "usage",
    );
    // Workspaces keep every old key and value; tiers became total top-ups.
    let ws = emu.control("GET", "/workspaces", Value::Null).json();
    for (got, old) in ws["data"]
        .as_array()
        .unwrap()
        .iter()
        .zip(want["workspaces"]["data"].as_array().unwrap())
    {
        for (k, v) in old.as_object().unwrap() {
            assert_eq!(&got[k], v, "{k}");
        }
        let paid = old["tier"] == "paid";
        assert_eq!(got["topups_total_micros"], if paid { 5_000_000 } else { 0 });
    }
    // The top-up key is still remembered.
    let b = api.post(
        &format!("/instances/{a}/budget/top-up"),
        json!({"amount_micros": 5000, "idempotency_key": "once"}),
    );
    same(b.json(), &want["budget"], "replayed top-up");
}

#[test]
fn migrated_objects_read_under_2026_08_21_with_the_new_fields_at_their_defaults() {
    let (_dir, db, want) = fixture();
    let emu = Emulator::start(&["--db", &db, "--api-revision", "2026-08-21"]);
    let k1 = want["keys"][0].as_str().unwrap();
    let api = emu.api_with(k1);
    let list = api.get("/instances").json();
    let kept = &list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["template"] == "kept")
        .unwrap()
        .clone();
    let id = kept["id"].as_str().unwrap();
    assert_eq!(
        kept["url"],
        format!(
            "http://{id}.localhost:{}",
            emu.addr.rsplit(':').next().unwrap()
        )
    );
    assert_eq!(
        (
            kept["image_digest"].clone(),
            kept["template_revision"].clone(),
            kept["status_reason"].clone()
        ),
        (Value::Null, Value::Null, Value::Null),
        "null until an update stamps them"
    );
    assert_eq!(
        (
            kept["auto_sleep"].clone(),
            kept["idle_timeout_seconds"].clone()
        ),
        (json!(false), json!(300))
    );
    assert_eq!(kept["public_ports"], json!([]));
    assert!(kept.get("ports").is_none() && kept.get("paid_through").is_none());
    // A 1/3 instance of the first layout keeps its off-table shape.
    let small = emu
        .api_with(want["keys"][1].as_str().unwrap())
        .get("/instances")
        .json();
    assert_eq!(
        small["data"][0]["resources"],
        json!({"cpu": 1, "memory": 3, "disk": 6})
    );
    // Templates: default_port from the default port, revision 1 with one entry.
    let t = api.get("/templates/kept").json();
    assert_eq!(
        (t["default_port"].clone(), t["revision"].clone()),
        (json!(3000), json!(1))
    );
    assert_eq!(t["revisions"].as_array().unwrap().len(), 1);
    assert!(t.get("ports").is_none());
    assert_eq!(
        api.get("/templates/nodefault").json()["default_port"],
        Value::Null
    );
    // An update stamps the digest and the revision.
    let ack = api
        .post(&format!("/instances/{id}/update"), Value::Null)
        .json();
    assert_eq!(ack["template_revision"], 1);
    assert_eq!(ack["image_digest"], t["image_digest"]);
    assert_eq!(
        emu.control("GET", "/config", Value::Null).json()["api_revision"],
        "2026-08-21"
    );
}

#[test]
fn the_revision_switches_at_run_time_and_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("switch.db");
    let db = db.to_str().unwrap();
    let key = "sk_live_SWITCHswitch0123456789abcd";
    let emu = Emulator::start(&["--db", db, "--api-key", key]);
    let cfg = emu.control("GET", "/config", Value::Null).json();
    assert_eq!(
        (cfg["api_revision"].clone(), cfg["budget_names"].clone()),
        (json!("2026-06-25"), json!("topup"))
    );
    let api = emu.api();
    let old = api.create(json!({"name": "old", "budget": {"topup_micros": 9}}));
    let id = old["id"].as_str().unwrap().to_string();
    // New routes are unknown paths under 2026-06-25.
    assert_eq!(api.get("/ssh-keys").code(), "not_found");
    let r = emu.control("POST", "/config", json!({"api_revision": "2026-08-21"}));
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        (
            r.json()["api_revision"].clone(),
            r.json()["budget_names"].clone()
        ),
        (json!("2026-08-21"), json!("credit"))
    );
    let got = api.get(&format!("/instances/{id}")).json();
    assert_eq!(got["name"], "old");
    assert!(got.get("url").is_some() && got.get("ports").is_none());
    assert_eq!(
        api.get(&format!("/instances/{id}/budget")).json()["credit_remaining_micros"],
        9
    );
    // Made under 2026-08-21, read under 2026-06-25: ports from the template, a prepaid day
    // starting at the switch without a debit.
    let new = api.create(json!({"name": "new", "auto_sleep": true}));
    let nid = new["id"].as_str().unwrap().to_string();
    assert_eq!(new["resources"], json!({"cpu": 2, "memory": 4, "disk": 4}));
    let wallet = emu.wallet(key);
    drop(emu);
    // Stored: a restart on the same database serves 2026-08-21 again; a flag wins.
    let emu = Emulator::start(&["--db", db, "--api-key", key]);
    assert_eq!(
        emu.control("GET", "/config", Value::Null).json()["api_revision"],
        "2026-08-21"
    );
    let now = emu.freeze_clock();
    let r = emu.control("POST", "/config", json!({"api_revision": "v1"}));
    assert_eq!(r.json()["api_revision"], "2026-06-25");
    let api = emu.api();
    let back = api.get(&format!("/instances/{nid}")).json();
    assert_eq!(back["ports"][0]["port"], 3737);
    assert_eq!(back["paid_through"], now + 86_400);
    assert!(
        emu.wallet(key) <= wallet,
        "the switch debits nothing beyond settled minutes"
    );
    assert_eq!(
        emu.control("POST", "/config", json!({"api_revision": "2027-01-01"}))
            .status,
        400
    );
    drop(emu);
    let emu = Emulator::start(&["--db", db, "--api-key", key, "--api-revision", "2026-08-21"]);
    assert_eq!(
        emu.control("GET", "/config", Value::Null).json()["api_revision"],
        "2026-08-21"
    );
}

/// Micros for `minutes` at `monthly` micros a month, half-up.
fn meter(monthly: i64, minutes: i64) -> i64 {
    (monthly * minutes * 2 + 43_800) / (2 * 43_800)
}

#[test]
fn objects_read_across_the_switch_both_ways() {
    let emu = Emulator::start(&[]);
    let t0 = emu.freeze_clock();
    let api = emu.api();
    // Made under 2026-06-25.
    api.post(
        "/templates",
        json!({"name": "kept", "image_ref": "acme/kept:v1", "ports": [{"port": 3000, "default": true}, {"port": 5000}]}),
    );
    let a = api.create(json!({"template": "kept", "budget": {"topup_micros": 9}}));
    let a_id = a["id"].as_str().unwrap().to_string();
    let old_url = a["ports"][0]["url"].as_str().unwrap().to_string();
    let b_id = api.create(json!({}))["id"].as_str().unwrap().to_string();
    api.post(&format!("/instances/{b_id}/stop"), Value::Null);
    let wallet = emu.wallet(&emu.key);
    // To 2026-08-21.
    emu.config(json!({"api_revision": "2026-08-21"}));
    let i = api.get(&format!("/instances/{a_id}")).json();
    assert_eq!(
        (
            i["url"].clone(),
            i["template"].clone(),
            i["template_revision"].clone(),
            i["image_digest"].clone()
        ),
        (
            json!(format!("http://{a_id}.localhost:47037")),
            json!("kept"),
            Value::Null,
            Value::Null
        )
    );
    assert_eq!(i["resources"], json!({"cpu": 2, "memory": 4, "disk": 6}));
    assert!(i.get("ports").is_none() && i.get("paid_through").is_none());
    assert_eq!(
        api.get(&format!("/instances/{a_id}/budget")).json()["credit_remaining_micros"],
        9
    );
    let t = api.get("/templates/kept").json();
    assert_eq!(
        (t["default_port"].clone(), t["revision"].clone()),
        (json!(3000), json!(1))
    );
    assert!(t.get("ports").is_none());
    // The URL handed out under 2026-06-25 keeps working, with the new header.
    let plane = emu.raw().with_header("x-agent37-key", &emu.key);
    assert_eq!(
        plane
            .send("GET", &format!("{old_url}/v1/health"), None)
            .status,
        200
    );
    assert_eq!(
        plane
            .send(
                "GET",
                &format!("{}/v1/health", i["url"].as_str().unwrap()),
                None
            )
            .json()["healthy"],
        true
    );
    // The meters start at the switch: no charge for the time before it.
    assert_eq!(emu.wallet(&emu.key), wallet, "the switch debits nothing");
    emu.advance(600);
    let s = emu
        .control(
            "POST",
            &format!("/workspaces/{}/settle", emu.key),
            Value::Null,
        )
        .json();
    assert_eq!(s["debits"][&a_id], meter(4_940_000, 10));
    assert_eq!(s["debits"][&b_id], meter(540_000, 10), "stopped: disk only");
    // Made under 2026-08-21.
    api.post(
        "/templates",
        json!({"name": "born", "image_ref": "acme/born:v1", "default_port": 7000}),
    );
    let c = api.create(json!({"template": "born", "public_ports": [{"port": 9100}]}));
    let c_id = c["id"].as_str().unwrap().to_string();
    emu.control("POST", &format!("/instances/{a_id}/sleep"), json!({}));
    let key = api.post("/ssh-keys", json!({"public_key": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBAu6EFxrNkCDh1V1PFfScQuLdnTeoV/3nmU7y9+KzPm"}));
    assert_eq!(key.status, 201);
    // Back to 2026-06-25.
    let switched = emu.config(json!({"api_revision": "2026-06-25"}))["api_revision"].clone();
    assert_eq!(switched, "2026-06-25");
    let now = t0 + 600;
    let a = api.get(&format!("/instances/{a_id}")).json();
    assert_eq!(
        a["status"], "running",
        "that revision has no sleep: sleepers wake"
    );
    let c = api.get(&format!("/instances/{c_id}")).json();
    assert_eq!(
        c["ports"],
        json!([{"port": 7000, "default": true, "url": format!("{}/_instances/{c_id}/7000", emu.base)}])
    );
    assert_eq!(
        c["paid_through"],
        now + 86_400,
        "a prepaid day from the switch"
    );
    assert!(c.get("url").is_none() && c.get("public_ports").is_none());
    let t = api.get("/templates/born").json();
    assert_eq!(t["ports"], json!([{"port": 7000, "default": true}]));
    assert!(t.get("default_port").is_none() && t.get("revision").is_none());
    assert_eq!(
        api.get(&format!("/instances/{a_id}/budget")).json()["topup_remaining_micros"],
        9
    );
    assert_eq!(api.get("/ssh-keys").err(), (404, "not_found".into()));
    assert_eq!(
        api.get(&format!("/instances/{c_id}/public-ports")).err(),
        (404, "not_found".into())
    );
    // And forward again: nothing was lost.
    emu.config(json!({"api_revision": "2026-08-21"}));
    assert_eq!(
        api.get("/ssh-keys").json()["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        api.get(&format!("/instances/{c_id}")).json()["public_ports"][0]["port"],
        9100
    );
    assert!(
        api.get(&format!("/instances/{c_id}"))
            .json()
            .get("paid_through")
            .is_none()
    );
}
