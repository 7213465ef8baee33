//! Cloud template builds (3.3, 8.4, 8.5): the keyless upload URL and its refusals, the context
//! read for real, statuses on the emulator clock, logs with offsets, publishing by poll, sweep
//! or control route, and build-born templates under both revisions.

use std::io::Write;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::harness::{Api, Emulator, PORT, Resp, Rev};

/// A gzipped ustar archive of `files`, written here independently of the emulator's reader.
fn context(files: &[(&str, &str)]) -> Vec<u8> {
    let mut tar = Vec::new();
    for (name, text) in files {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[108..116].copy_from_slice(b"0000000\0");
        h[116..124].copy_from_slice(b"0000000\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", text.len()).as_bytes());
        h[136..148].copy_from_slice(b"00000000000\0");
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| u32::from(*b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        tar.extend_from_slice(&h);
        tar.extend_from_slice(text.as_bytes());
        tar.resize(tar.len().div_ceil(512) * 512, 0);
    }
    tar.extend_from_slice(&[0u8; 1024]);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

const DOCKERFILE: &str = "# crawler\nFROM node:22\nRUN npm ci \\\n  --omit=dev\nCOPY . /app\n";

fn good_context() -> Vec<u8> {
    context(&[
        ("app/server.js", "console.log(1)\n"),
        ("Dockerfile", DOCKERFILE),
    ])
}

fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// `POST /template-builds` for `bytes` (asserting 201): the build's id and upload URL.
fn new_build(api: &Api, name: &str, bytes: &[u8], extra: Value) -> (String, String) {
    let mut body = json!({"name": name, "size_bytes": bytes.len()});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let r = api.post("/template-builds", body);
    assert_eq!(r.status, 201, "{}", r.text());
    let j = r.json();
    (
        j["id"].as_str().unwrap().to_string(),
        j["upload_url"].as_str().unwrap().to_string(),
    )
}

fn put(emu: &Emulator, url: &str, bytes: &[u8]) -> Resp {
    emu.raw()
        .try_send_bytes("PUT", url, Some(bytes.to_vec()), Some("application/gzip"))
        .unwrap()
}

fn build(api: &Api, id: &str) -> Value {
    api.get(&format!("/template-builds/{id}")).json()
}

fn start(api: &Api, id: &str) -> Resp {
    api.post(&format!("/template-builds/{id}/start"), Value::Null)
}

#[test]
fn a_build_uploads_builds_ingests_and_publishes_on_the_poll() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    let now = emu.freeze_clock();
    let api = emu.api();
    let bytes = good_context();
    let r = api.post(
        "/template-builds",
        json!({"name": "crawler", "size_bytes": bytes.len(), "default_port": 9000, "description": "Site crawler"}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let created = r.json();
    let id = created["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("tb_") && id.len() == 23, "{id}");
    let url = created["upload_url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("http://127.0.0.1:{PORT}/_uploads/{id}?sig=")),
        "{url}"
    );
    assert_eq!(
        created,
        json!({"id": id, "name": "crawler", "status": "created", "upload_url": url,
               "expires_at": now + 3600, "max_bytes": 100_000_000})
    );
    assert_eq!(
        build(&api, &id),
        json!({"id": id, "name": "crawler", "status": "created", "created": now})
    );
    let r = put(&emu, &url, &bytes);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        start(&api, &id).json(),
        json!({"id": id, "status": "building"})
    );
    assert_eq!(build(&api, &id)["status"], "building");
    let partial = api.get(&format!("/template-builds/{id}/logs")).json()["data"]
        .as_str()
        .unwrap()
        .to_string();
    emu.advance(3);
    assert_eq!(build(&api, &id)["status"], "ingesting");
    assert_eq!(
        api.get("/templates/crawler").err(),
        (404, "not_found".into()),
        "not yet"
    );
    emu.advance(1);
    let done = build(&api, &id);
    assert_eq!(
        done,
        json!({"id": id, "name": "crawler", "status": "succeeded",
               "template": {"name": "crawler", "revision": 1, "image_digest": digest(&bytes)},
               "created": now, "started": now, "finished": now + 4})
    );
    // The poll registered the template: no image_ref, the upload's digest.
    let t = api.get("/templates/crawler").json();
    assert!(t.get("image_ref").is_none(), "{t}");
    assert_eq!(
        (
            t["revision"].clone(),
            t["image_digest"].clone(),
            t["default_port"].clone(),
            t["description"].clone()
        ),
        (
            json!(1),
            json!(digest(&bytes)),
            json!(9000),
            json!("Site crawler")
        )
    );
    assert_eq!(
        t["revisions"],
        json!([{"revision": 1, "image_digest": digest(&bytes), "created": now + 4}])
    );
    // Logs: one #n step per Dockerfile instruction, readable after the end, the earlier read
    // a prefix of the whole.
    let l = api.get(&format!("/template-builds/{id}/logs")).json();
    let text = l["data"].as_str().unwrap();
    assert!(text.starts_with(&partial), "{partial:?} / {text:?}");
    assert_eq!(l["offset"], text.len());
    for (n, step) in ["FROM node:22", "RUN npm ci --omit=dev", "COPY . /app"]
        .iter()
        .enumerate()
    {
        let k = n + 1;
        assert!(
            text.contains(&format!("#{k} [{k}/3] {step}\n#{k} DONE")),
            "{text}"
        );
    }
    assert!(!text.contains("#4 "), "{text}");
    assert_eq!(l["status"], "succeeded");
    let tail = api
        .get(&format!("/template-builds/{id}/logs?offset=10"))
        .json();
    assert_eq!(tail["data"], text[10..]);
    let end = api
        .get(&format!("/template-builds/{id}/logs?offset=999999"))
        .json();
    assert_eq!(
        (end["data"].clone(), end["offset"].clone()),
        (json!(""), json!(text.len()))
    );
    for bad in ["-1", "x", "1.5"] {
        let r = api.get(&format!("/template-builds/{id}/logs?offset={bad}"));
        assert_eq!(r.err(), (400, "invalid_request".into()), "{bad}");
    }
    // An instance of a build-born template has no image_ref; under 2026-06-25 both get one
    // that passes that revision's format rule.
    let i = api.create(json!({"template": "crawler@1"}));
    assert_eq!(
        (i["image_ref"].clone(), i["image_digest"].clone()),
        (Value::Null, json!(digest(&bytes)))
    );
    emu.config(json!({"api_revision": "2026-06-25"}));
    let old = api.get("/templates/crawler").json();
    let image = old["image_ref"].as_str().unwrap().to_string();
    assert!(
        image.starts_with("builds.agent37.internal/")
            && image.ends_with(&format!("/crawler@{}", digest(&bytes))),
        "{image}"
    );
    let iid = i["id"].as_str().unwrap();
    assert_eq!(
        api.get(&format!("/instances/{iid}")).json()["image_ref"],
        image
    );
}

#[test]
fn the_next_build_is_the_next_revision_and_keeps_what_it_omits() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    emu.freeze_clock();
    let api = emu.api();
    let bytes = good_context();
    for (n, extra) in [
        (1, json!({"default_port": 9000, "description": "d"})),
        (2, json!({})),
        (3, json!({"default_port": null})),
    ] {
        let (id, url) = new_build(&api, "crawler", &bytes, extra);
        put(&emu, &url, &bytes);
        start(&api, &id);
        emu.advance(4);
        assert_eq!(
            build(&api, &id)["template"]["revision"],
            n,
            "the same digest still counts"
        );
    }
    let t = api.get("/templates/crawler").json();
    assert_eq!(
        (
            t["revision"].clone(),
            t["default_port"].clone(),
            t["description"].clone()
        ),
        (json!(3), Value::Null, json!("d"))
    );
    assert_eq!(t["revisions"].as_array().unwrap().len(), 3);
    // A registry image makes it registry-born again.
    let t = api
        .patch(
            "/templates/crawler",
            json!({"image_ref": "acme/crawler:v9"}),
        )
        .json();
    assert_eq!(
        (t["revision"].clone(), t["image_ref"].clone()),
        (json!(4), json!("acme/crawler:v9"))
    );
}

#[test]
fn create_and_start_refusals() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    emu.freeze_clock();
    let api = emu.api();
    for (body, why) in [
        (json!({"name": "Bad", "size_bytes": 10}), "name"),
        (
            json!({"name": "agent37-x", "size_bytes": 10}),
            "system prefix",
        ),
        (json!({"size_bytes": 10}), "no name"),
        (json!({"name": "ok", "size_bytes": 0}), "zero size"),
        (json!({"name": "ok", "size_bytes": 100_000_001}), "too big"),
        (json!({"name": "ok", "size_bytes": "10"}), "size type"),
        (json!({"name": "ok"}), "no size"),
        (
            json!({"name": "ok", "size_bytes": 10, "default_port": 8080}),
            "reserved port",
        ),
        (
            json!({"name": "ok", "size_bytes": 10, "description": 5}),
            "description",
        ),
    ] {
        assert_eq!(
            api.post("/template-builds", body).err(),
            (400, "invalid_request".into()),
            "{why}"
        );
    }
    let bytes = good_context();
    let (a, url_a) = new_build(&api, "alpha", &bytes, json!({}));
    assert_eq!(
        start(&api, &a).err(),
        (400, "invalid_request".into()),
        "no upload yet"
    );
    put(&emu, &url_a, &bytes);
    assert_eq!(start(&api, &a).status, 200);
    assert_eq!(
        start(&api, &a).err(),
        (409, "build_conflict".into()),
        "already started"
    );
    let (b, url_b) = new_build(&api, "beta", &bytes, json!({}));
    put(&emu, &url_b, &bytes);
    assert_eq!(
        start(&api, &b).err(),
        (409, "build_conflict".into()),
        "another build runs"
    );
    emu.advance(4);
    assert_eq!(start(&api, &b).status, 200, "alpha's end was observed");
    let other = emu.workspace(json!({}));
    for path in [
        format!("/template-builds/{a}"),
        "/template-builds/tb_00000000000000000000".into(),
        "/template-builds/nope".into(),
    ] {
        assert_eq!(other.get(&path).err(), (404, "not_found".into()), "{path}");
    }
}

#[test]
fn the_upload_url_needs_no_key_and_refuses_what_the_contract_lists() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    emu.freeze_clock();
    let api = emu.api();
    let bytes = good_context();
    let (id, url) = new_build(&api, "crawler", &bytes, json!({}));
    let bad_sig = format!("{}0", url);
    assert_eq!(
        put(&emu, &bad_sig, &bytes).flat(),
        (403, "invalid_signature".into())
    );
    let other_build = url.replace(&id, "tb_00000000000000000000");
    assert_eq!(
        put(&emu, &other_build, &bytes).flat(),
        (403, "invalid_signature".into())
    );
    assert_eq!(
        put(&emu, &url, &bytes[1..]).flat(),
        (400, "size_mismatch".into())
    );
    let r = emu
        .raw()
        .with_header("expect", "100-continue")
        .try_send_bytes("PUT", &url, Some(bytes.clone()), None)
        .unwrap();
    assert_eq!(r.status, 417);
    // A new PUT before start replaces the context: a bad one first, then the good one.
    let junk = vec![b'x'; bytes.len()];
    assert_eq!(put(&emu, &url, &junk).status, 200);
    assert_eq!(put(&emu, &url, &bytes).status, 200);
    start(&api, &id);
    assert_eq!(
        put(&emu, &url, &bytes).flat(),
        (409, "build_started".into())
    );
    emu.advance(4);
    assert_eq!(build(&api, &id)["status"], "succeeded");
    // Expired after an hour.
    let (_, late) = new_build(&api, "late", &bytes, json!({}));
    emu.advance(3601);
    assert_eq!(put(&emu, &late, &bytes).flat(), (403, "expired".into()));
    // Counted like any route, without a credential.
    let c = &emu.requests()["counters"];
    assert!(c["PUT /_uploads/{id}"].as_u64().unwrap() >= 8, "{c}");
}

#[test]
fn a_context_that_is_not_a_gzipped_tar_with_a_root_dockerfile_fails_the_build() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    emu.freeze_clock();
    let api = emu.api();
    let mut plain_gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    plain_gzip
        .write_all(b"just some text, not a tar archive")
        .unwrap();
    for (bytes, why) in [
        (b"plain text, not gzip".to_vec(), "not gzip"),
        (plain_gzip.finish().unwrap(), "not tar"),
        (
            context(&[("sub/Dockerfile", "FROM x\n")]),
            "no root Dockerfile",
        ),
        (
            context(&[("Dockerfile", "# only a comment\n")]),
            "no instructions",
        ),
    ] {
        let (id, url) = new_build(&api, "broken", &bytes, json!({}));
        assert_eq!(
            put(&emu, &url, &bytes).status,
            200,
            "the upload itself is fine"
        );
        assert_eq!(start(&api, &id).status, 200);
        let b = build(&api, &id);
        assert_eq!(
            (b["status"].clone(), b["error"]["code"].clone()),
            (json!("failed"), json!("invalid_request")),
            "{why}: {b}"
        );
        assert!(b.get("template").is_none());
        let log = api.get(&format!("/template-builds/{id}/logs")).json()["data"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(log.contains("ERROR: "), "{why}: {log}");
    }
    assert_eq!(api.get("/templates/broken").status, 404);
}

#[test]
fn control_finish_timeout_ingest_fault_and_the_sweep() {
    let emu = Emulator::start_rev(Rev::V2, &[]);
    emu.freeze_clock();
    let api = emu.api();
    let bytes = good_context();
    let run = |name: &str| {
        let (id, url) = new_build(&api, name, &bytes, json!({}));
        put(&emu, &url, &bytes);
        assert_eq!(start(&api, &id).status, 200);
        id
    };
    // build_seconds: null waits for the control route; a success publishes without a poll.
    emu.config(json!({"build_seconds": null}));
    let a = run("waits");
    emu.advance(600);
    assert_eq!(build(&api, &a)["status"], "building");
    let r = emu.control(
        "POST",
        &format!("/template-builds/{a}/finish"),
        json!({"status": "succeeded"}),
    );
    assert_eq!(r.json()["status"], "succeeded", "{}", r.text());
    assert_eq!(api.get("/templates/waits").json()["revision"], 1);
    assert_eq!(
        emu.control(
            "POST",
            &format!("/template-builds/{a}/finish"),
            json!({"status": "failed"})
        )
        .err(),
        (400, "invalid_request".into()),
        "only a running build"
    );
    // A failure with a code, message and log lines: the failing step, then the error, last.
    let b = run("fails");
    let r = emu.control(
        "POST",
        &format!("/template-builds/{b}/finish"),
        json!({"status": "failed", "message": "npm ci exited 1", "log": "npm ERR! 404 left-pad"}),
    );
    let j = r.json();
    assert_eq!(
        (j["status"].clone(), j["error"].clone()),
        (
            json!("failed"),
            json!({"code": "build_failed", "message": "npm ci exited 1"})
        )
    );
    let log = api.get(&format!("/template-builds/{b}/logs")).json()["data"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        log.ends_with("npm ERR! 404 left-pad\nERROR: build_failed: npm ci exited 1\n"),
        "{log}"
    );
    assert!(log.contains("ERROR: process \"/bin/sh -c"), "{log}");
    assert_eq!(
        emu.control(
            "POST",
            &format!("/template-builds/{b}/finish"),
            json!({"status": "failed", "code": "nope"})
        )
        .status,
        400
    );
    // Still waiting after 45 minutes: build_timeout.
    let c = run("slow");
    emu.advance(2700);
    let j = build(&api, &c);
    assert_eq!(
        (j["status"].clone(), j["error"]["code"].clone()),
        (json!("failed"), json!("build_timeout"))
    );
    // An injected ingest failure shows at the ingest step.
    emu.config(json!({"build_seconds": 3}));
    emu.control(
        "POST",
        "/faults",
        json!({"rules": [{"route": "POST /v1/template-builds/{id}/start", "kind": "image_ingest_failed", "first": 1}]}),
    );
    let d = run("ingest");
    emu.advance(3);
    assert_eq!(build(&api, &d)["status"], "ingesting");
    emu.advance(1);
    assert_eq!(build(&api, &d)["error"]["code"], "image_ingest_failed");
    // Nobody polls: the sweep publishes 300 s after the end.
    let e = run("swept");
    emu.advance(4 + 299);
    assert_eq!(api.get("/templates/swept").status, 404);
    emu.advance(1);
    assert_eq!(api.get("/templates/swept").json()["revision"], 1);
    let j = build(&api, &e);
    assert_eq!(
        (j["status"].clone(), j["finished"].clone()),
        (
            json!("succeeded"),
            j["started"].as_i64().map(|s| json!(s + 4)).unwrap()
        )
    );
}
