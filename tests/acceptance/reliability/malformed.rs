//! Malformed API answers: invalid JSON, wrong types, a body cut off in transit, an HTML error
//! page from a proxy, a 200 carrying an error envelope, an error that repeats the API key. Each
//! gives a clear diagnostic naming the operation and what was wrong with the answer (never the
//! key), the provider never panics, and the state is left exactly as it was. A create whose answer cannot be read (the instance was made) adopts
//! the instance instead of orphaning it.
//!
//! The odd answers come from a tiny HTTP server in this file (the provider's `base_url` points
//! at it); the create case uses the emulator's `malformed` fault.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use testkit::prelude::*;
use testkit::terraform::diagnostics_in_stream;

use crate::common::no_instances_left;

const KEY: &str = "sk_live_malformedMALFORMEDmalformed";

const HEADER: &str = r#"
terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

# One retry: the answers below never get better, and a gateway page is retried.
provider "agent37" {
  max_retries = 1
}
"#;

/// The odd answers: (name used in the config, instance id, what the diagnostic must say).
const SHAPES: &[(&str, &str, &str)] = &[
    ("bad-json", "badjson001", "could not be read"),
    ("wrong-types", "wrongtype1", "invalid type"),
    ("truncated", "truncated1", "failed"),
    ("html-page", "htmlpage01", "an HTML page"),
    ("error-in-200", "errorin200", "missing field"),
    // An error whose message repeats the key (a careless proxy or API): scrubbed.
    ("echo-key", "echokey001", "[redacted]"),
];

// ---------------------------------------------------------------------------------------------
// A tiny API server: valid answers until `malformed` is switched on, then one odd answer per
// shape (chosen by the instance id or template name in the path).
// ---------------------------------------------------------------------------------------------

struct FakeApi {
    port: u16,
    malformed: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    requests: Arc<Mutex<Vec<String>>>,
    accept: Option<JoinHandle<()>>,
}

struct Reply {
    status: u16,
    content_type: &'static str,
    body: String,
    /// Announce the whole length but send only half, then close.
    cut: bool,
}

impl Reply {
    fn json(status: u16, body: String) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body,
            cut: false,
        }
    }
}

impl FakeApi {
    fn start() -> FakeApi {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let malformed = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let accept = {
            let (malformed, stop, requests) = (malformed.clone(), stop.clone(), requests.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (malformed, requests) = (malformed.clone(), requests.clone());
                    std::thread::spawn(move || serve(conn, &malformed, &requests));
                }
            })
        };
        FakeApi {
            port,
            malformed,
            stop,
            requests,
            accept: Some(accept),
        }
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    fn set_malformed(&self, on: bool) {
        self.malformed.store(on, Ordering::SeqCst);
    }

    fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

fn serve(conn: TcpStream, malformed: &AtomicBool, requests: &Mutex<Vec<String>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(30)));
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return;
    }
    let mut content_length = 0usize;
    let mut authorized = false;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            content_length = v.trim().parse().unwrap_or(0);
        }
        if line.trim() == format!("authorization: Bearer {KEY}")
            || line.trim() == format!("Authorization: Bearer {KEY}")
        {
            authorized = true;
        }
    }
    let mut body = vec![0u8; content_length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    if let Ok(mut r) = requests.lock() {
        r.push(format!("{method} {path}"));
    }
    let reply = if !authorized {
        Reply::json(
            401,
            r#"{"error":{"code":"invalid_api_key","message":"bad key"}}"#.into(),
        )
    } else {
        route(&method, &path, &body, malformed.load(Ordering::SeqCst))
    };
    write_reply(conn, &reply);
}

fn write_reply(mut conn: TcpStream, reply: &Reply) {
    let head = format!(
        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    );
    let body = if reply.cut {
        &reply.body.as_bytes()[..reply.body.len() / 2]
    } else {
        reply.body.as_bytes()
    };
    let _ = conn.write_all(head.as_bytes());
    let _ = conn.write_all(body);
    let _ = conn.flush();
    let _ = conn.shutdown(std::net::Shutdown::Both);
}

fn instance(id: &str, name: &str) -> serde_json::Value {
    json!({
        "id": id, "status": "running", "template": "agent37-hermes",
        "image_ref": "ghcr.io/agent37-platform/hermes:2026.06.20",
        "resources": {"cpu": 2, "memory": 4, "disk": 6}, "ports": [],
        "user": null, "name": name, "metadata": null,
        "paid_through": 1_790_086_400, "past_due": false, "created": 1_790_000_000
    })
}

fn template(name: &str) -> serde_json::Value {
    json!({
        "name": name, "scope": "workspace", "agents": [], "image_ref": "ghcr.io/acme/agent:v1",
        "description": null, "ports": [], "created": 1_790_000_000, "updated": 1_790_000_000
    })
}

fn route(method: &str, path: &str, body: &[u8], malformed: bool) -> Reply {
    let segments: Vec<&str> = path.trim_start_matches("/v1/").split('/').collect();
    match (method, segments.as_slice()) {
        ("POST", ["instances"]) => {
            let name = serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|b| b["name"].as_str().map(str::to_string))
                .unwrap_or_default();
            let id = SHAPES
                .iter()
                .find(|(n, _, _)| *n == name)
                .map(|(_, id, _)| *id)
                .unwrap_or("plainid001");
            Reply::json(201, instance(id, &name).to_string())
        }
        ("GET", ["instances", id]) => {
            let name = SHAPES
                .iter()
                .find(|(_, i, _)| i == id)
                .map(|(n, _, _)| *n)
                .unwrap_or("plain");
            if malformed {
                odd(name, &instance(id, name))
            } else {
                Reply::json(200, instance(id, name).to_string())
            }
        }
        // A refresh may read many instances through one list: a broken list must fall back to
        // the reads one by one, which then meet their own odd answers.
        ("GET", ["instances"]) => {
            if malformed {
                Reply::json(200, r#"{"data": [{"id": "#.into())
            } else {
                let all: Vec<serde_json::Value> =
                    SHAPES.iter().map(|(n, id, _)| instance(id, n)).collect();
                Reply::json(200, json!({ "data": all }).to_string())
            }
        }
        ("DELETE", ["instances", id]) => {
            Reply::json(200, json!({"id": id, "deleted": true}).to_string())
        }
        // The revision probe a plan may make (the real API always serves the list).
        ("GET", ["templates"]) => Reply::json(
            200,
            json!({ "data": [template("agent37-hermes")] }).to_string(),
        ),
        ("GET", ["templates", name]) => {
            if malformed {
                odd(name, &template(name))
            } else {
                Reply::json(200, template(name).to_string())
            }
        }
        _ => Reply::json(
            404,
            r#"{"error":{"code":"not_found","message":"no such path"}}"#.into(),
        ),
    }
}

/// The odd answer of a shape, built from the object a good answer would carry.
fn odd(shape: &str, good: &serde_json::Value) -> Reply {
    match shape {
        "bad-json" => Reply::json(200, format!("{{\"id\": {},, }}", good["name"])),
        "wrong-types" => {
            let mut v = good.clone();
            if v.get("resources").is_some() {
                v["resources"]["cpu"] = json!("two");
            } else {
                // Not `ports`: a field one revision lacks decodes leniently (the union of both
                // revisions' shapes); a time must be a number in both.
                v["created"] = json!("yesterday");
            }
            Reply::json(200, v.to_string())
        }
        "truncated" => Reply {
            cut: true,
            ..Reply::json(200, good.to_string())
        },
        "html-page" => Reply {
            status: 502,
            content_type: "text/html",
            body: "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\
                   <body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>\n"
                .into(),
            cut: false,
        },
        "echo-key" => Reply::json(
            400,
            format!(
                r#"{{"error":{{"code":"invalid_request","message":"request with key {KEY} refused"}}}}"#
            ),
        ),
        "error-in-200" => Reply::json(
            200,
            r#"{"error":{"code":"internal_error","message":"database unavailable"}}"#.into(),
        ),
        _ => Reply::json(200, good.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

fn config() -> String {
    let mut hcl = HEADER.to_string();
    for (name, _, _) in SHAPES {
        hcl.push_str(&format!(
            r#"
resource "agent37_instance" "{name}" {{
  name             = "{name}"
  wait_for_healthy = false
}}

data "agent37_template" "{name}" {{
  name = "{name}"
}}
"#
        ));
    }
    hcl
}

fn assert_no_crash(text: &str) {
    for sign in [
        "panic",
        "stack backtrace",
        "Plugin did not respond",
        "plugin exited",
    ] {
        assert!(!text.contains(sign), "{sign:?} in the output:\n{text}");
    }
}

fn malformed_answers(m: Matrix) {
    let api = FakeApi::start();
    let mut case = Case::new(m);
    case.tf_mut()
        .set_env("AGENT37_API_KEY", KEY)
        .set_env("AGENT37_BASE_URL", &api.base_url());
    case.apply(config());
    let tf = case.tf();
    let state_before = tf.workdir().read("terraform.tfstate");

    // Every read now gets an odd answer: refreshing fails resource by resource and data source
    // by data source, each with its own clear error, and the state file is not touched.
    api.set_malformed(true);
    let (out, lines) = tf.run_json_lines(&["apply", "-refresh-only", "-auto-approve", "-json"]);
    assert!(!out.success(), "{out}");
    assert_no_crash(&out.combined());
    let errors: Vec<_> = diagnostics_in_stream(&lines)
        .into_iter()
        .filter(|d| d.severity == "error")
        .collect();
    for (name, _, says) in SHAPES {
        let resource = format!("agent37_instance.{name}");
        let data = format!("data.agent37_template.{name}");
        for (address, summary) in [
            (resource.as_str(), "Unable to read instance".to_string()),
            (data.as_str(), format!("Unable to read template \"{name}\"")),
        ] {
            let d = errors
                .iter()
                .find(|d| d.address().as_deref() == Some(address))
                .unwrap_or_else(|| panic!("no error for {address}: {errors:#?}"));
            assert_eq!(d.summary, summary, "{address}: {d:#?}");
            assert!(
                d.detail.contains(says),
                "{address}: the detail does not say {says:?}: {}",
                d.detail
            );
            // An answer that is not the API's error envelope: the detail names the request.
            if *name != "echo-key" {
                assert!(d.detail.contains("GET /"), "{address}: {}", d.detail);
            }
            assert!(!d.detail.contains(KEY), "{address}: {}", d.detail);
        }
    }
    assert_eq!(
        errors.len(),
        2 * SHAPES.len(),
        "one error per resource and data source: {errors:#?}"
    );
    assert_eq!(
        tf.workdir().read("terraform.tfstate"),
        state_before,
        "the state changed"
    );

    // A plan says the same and changes nothing either.
    let out = tf.run(&["plan"]);
    assert!(!out.success(), "{out}");
    assert_no_crash(&out.combined());
    assert_eq!(tf.workdir().read("terraform.tfstate"), state_before);

    // Once the API is itself again, everything is as it was: no changes.
    api.set_malformed(false);
    tf.assert_no_changes();
    assert!(
        api.requests()
            .iter()
            .any(|r| r.starts_with("GET /v1/instances/")),
        "the reads reached the fake API"
    );
}

matrix!(malformed_answers);

/// The instance create commits and then answers `200` with invalid JSON: the provider cannot
/// read the answer, looks the instance up, adopts it and keeps it in state. One instance, no
/// orphan; a refresh whose answer is malformed fails clearly and keeps the state.
fn malformed_create_is_adopted(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    emu.set_faults(&json!({"seed": 1, "rules": [
        {"route": "POST /v1/instances", "kind": "malformed", "requests": [1]}
    ]}));
    let out = case
        .apply(format!(
            "{HEADER}\nresource \"agent37_instance\" \"a\" {{\n  name = \"adopt-me\"\n}}\n"
        ))
        .output;
    assert_no_crash(&out.combined());
    let on_server: Vec<Value> = emu.instances().into_values().collect();
    assert_eq!(on_server.len(), 1, "{on_server:#?}");
    let tf = case.tf();
    let id = tf.id_of("agent37_instance.a");
    assert_eq!(on_server[0]["id"].as_str(), Some(id.as_str()));
    assert_eq!(emu.requests()["faults"]["malformed"], json!(1));

    // A malformed read: a clear error, the state untouched.
    let state_before = tf.workdir().read("terraform.tfstate");
    emu.set_faults(&json!({"rules": [
        {"route": "GET /v1/instances/{id}", "kind": "malformed"}
    ]}));
    let out = tf.run(&["apply", "-refresh-only", "-auto-approve"]);
    assert!(!out.success(), "{out}");
    assert_no_crash(&out.combined());
    assert!(out.stderr.contains("Unable to read instance"), "{out}");
    assert!(
        out.stderr
            .contains(&format!("GET /instances/{id} answered HTTP 200")),
        "{out}"
    );
    assert_eq!(tf.workdir().read("terraform.tfstate"), state_before);

    emu.clear_faults();
    tf.assert_no_changes();
    case.check_destroy(|| no_instances_left(&emu));
    case.destroy();
}

matrix!(malformed_create_is_adopted);
