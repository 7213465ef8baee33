//! Fuzz targets for the emulator: request bodies, query strings and `Host` headers sent to the
//! emulator's service in process under both API revisions (`emulator`), and the formats it
//! reads itself (`emulator_formats`: build contexts, SSH keys, domains, CIDRs, query strings,
//! plane host labels).
//!
//! An input is `SELECTOR\nPAYLOAD`. A selector that names a known route (`v2 POST
//! /v1/instances`) picks it; any other first line picks one by its hash, so mutated selectors
//! still land somewhere. A request must never panic, never answer `500 internal_error` (a
//! storage failure or a bug) and always answer JSON: the API's envelope on `/v1` errors.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex, OnceLock};

use agent37_emulator::routes::Service;
use agent37_emulator::{App, cli, model};
use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;

/// The routes the `emulator` target drives. `{id}`, `{name}`, `{key}`, `{domain}`, `{build}`
/// and `{cid}` are objects made at start; `?` routes take the payload as their query string,
/// `HOST` routes as `host\npath`, `PUT /_uploads/{build}` as the build context.
pub const ROUTES: &[&str] = &[
    "v1 POST /v1/instances",
    "v1 PATCH /v1/instances/{id}",
    "v1 POST /v1/instances/{id}/update",
    "v1 POST /v1/instances/{id}/resize",
    "v1 POST /v1/instances/{id}/signed-url",
    "v1 PATCH /v1/instances/{id}/budget",
    "v1 POST /v1/instances/{id}/budget/top-up",
    "v1 GET /v1/instances/{id}/usage?",
    "v1 POST /v1/templates",
    "v1 PATCH /v1/templates/{name}",
    "v1 POST /_emulator/workspaces",
    "v1 PATCH /_emulator/workspaces/{key}",
    "v1 PATCH /_emulator/instances/{id}",
    "v1 POST /_emulator/instances/{id}/spend",
    "v1 HOST",
    "v2 POST /v1/instances",
    "v2 PATCH /v1/instances/{id}",
    "v2 POST /v1/instances/{id}/update",
    "v2 POST /v1/instances/{id}/resize",
    "v2 POST /v1/instances/{id}/signed-url",
    "v2 POST /v1/instances/{id}/public-ports",
    "v2 GET /v1/instances/{id}/logs?",
    "v2 GET /v1/instances/{id}/metrics?",
    "v2 GET /v1/instances/{id}/integrations/toolkits?",
    "v2 POST /v1/instances/{id}/integrations/connect",
    "v2 GET /v1/instances/{id}/integrations/connections?",
    "v2 POST /v1/templates",
    "v2 PATCH /v1/templates/{name}",
    "v2 GET /v1/templates/{name}@?",
    "v2 POST /v1/domains",
    "v2 POST /v1/ssh-keys",
    "v2 POST /v1/template-builds",
    "v2 GET /v1/template-builds/{build}/logs?",
    "v2 PUT /_uploads/{build}",
    "v2 POST /_emulator/workspaces",
    "v2 PATCH /_emulator/workspaces/{key}",
    "v2 POST /_emulator/workspaces/{key}/top-up",
    "v2 PATCH /_emulator/instances/{id}",
    "v2 POST /_emulator/instances/{id}/sleep",
    "v2 POST /_emulator/instances/{id}/wake",
    "v2 POST /_emulator/instances/{id}/listen",
    "v2 POST /_emulator/instances/{id}/logs",
    "v2 POST /_emulator/domains/{domain}/activate",
    "v2 POST /_emulator/template-builds/{build}/finish",
    "v2 POST /_emulator/images",
    "v2 POST /_emulator/integrations/connections/{cid}",
    "v2 HOST",
];

/// One emulator in memory and what the routes refer to.
struct Emu {
    rt: tokio::runtime::Runtime,
    svc: Service,
    /// Kept so the state outlives every request of this emulator.
    _app: Arc<App>,
    vars: Vec<(&'static str, String)>,
    runs: u64,
}

/// The emulator is rebuilt this often, so state from earlier inputs stays bounded.
const REBUILD_EVERY: u64 = 2_000;

fn send(rt: &tokio::runtime::Runtime, svc: &Service, req: Request<Body>) -> (u16, Vec<u8>) {
    let svc = svc.clone();
    rt.block_on(async move {
        let resp = match svc.oneshot(req).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = resp.status().as_u16();
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .map(|b| b.to_vec())
            .unwrap_or_default();
        (status, body)
    })
}

fn request(method: &str, path: &str, key: Option<&str>, body: Vec<u8>) -> Option<Request<Body>> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:47037");
    if let Some(k) = key {
        b = b.header("authorization", format!("Bearer {k}"));
    }
    b.body(Body::from(body)).ok()
}

impl Emu {
    fn new(revision: &str) -> Emu {
        let args = [
            "--api-revision",
            revision,
            "--instance-limit",
            "25",
            "--wallet-micros",
            "1000000000000",
        ];
        let opts = cli::parse(args.iter().map(|s| s.to_string())).expect("emulator options");
        let app =
            agent37_emulator::open(&opts, "http://127.0.0.1:47037".into()).expect("emulator state");
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let svc = agent37_emulator::service(app.clone());
        let key = app.default_key();
        let mut emu = Emu {
            rt,
            svc,
            _app: app,
            vars: vec![("{key}", key)],
            runs: 0,
        };
        emu.fixtures(revision == "2026-08-21");
        emu
    }

    fn call(&self, method: &str, path: &str, body: Value) -> Value {
        let key = self.vars[0].1.clone();
        let req = request(method, path, Some(&key), body.to_string().into_bytes())
            .expect("fixture request");
        let (_, out) = send(&self.rt, &self.svc, req);
        serde_json::from_slice(&out).unwrap_or(Value::Null)
    }

    /// The objects the routes name: an instance, a template, and under 2026-08-21 a domain,
    /// a build and a connection.
    fn fixtures(&mut self, v2: bool) {
        let key = self.vars[0].1.clone();
        let id = self.call("POST", "/v1/instances", json!({}))["id"]
            .as_str()
            .unwrap_or("aaaaaaaaaa")
            .to_string();
        let tpl = if v2 {
            json!({"name": "fuzzed", "image_ref": "acme/fuzzed:v1", "default_port": 9000})
        } else {
            json!({"name": "fuzzed", "image_ref": "acme/fuzzed:v1", "ports": [{"port": 9000, "default": true}]})
        };
        self.call("POST", "/v1/templates", tpl);
        self.vars.push(("{id}", id.clone()));
        self.vars.push(("{name}", "fuzzed".into()));
        if !v2 {
            return;
        }
        self.call(
            "POST",
            &format!("/_emulator/workspaces/{key}/top-up"),
            json!({"amount_micros": 300_000_000}),
        );
        self.call("POST", "/v1/domains", json!({"domain": "fuzz-example.net"}));
        self.vars.push(("{domain}", "fuzz-example.net".into()));
        let build = self.call(
            "POST",
            "/v1/template-builds",
            json!({"name": "built", "size_bytes": 1}),
        );
        self.vars.push((
            "{build}",
            build["id"].as_str().unwrap_or("tb_0").to_string(),
        ));
        let c = self.call(
            "POST",
            &format!("/v1/instances/{id}/integrations/connect"),
            json!({"toolkit": "slack"}),
        );
        self.vars.push((
            "{cid}",
            c["connectedAccountId"]
                .as_str()
                .unwrap_or("ca_0")
                .to_string(),
        ));
    }

    fn fill(&self, template: &str) -> String {
        self.vars
            .iter()
            .fold(template.to_string(), |acc, (k, v)| acc.replace(k, v))
    }
}

fn emulator(v2: bool) -> &'static Mutex<Option<Emu>> {
    static V1: OnceLock<Mutex<Option<Emu>>> = OnceLock::new();
    static V2: OnceLock<Mutex<Option<Emu>>> = OnceLock::new();
    if v2 { &V2 } else { &V1 }.get_or_init(|| Mutex::new(None))
}

fn split(input: &[u8]) -> (&[u8], &[u8]) {
    match input.iter().position(|b| *b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &[]),
    }
}

/// The route a selector line names, or one picked by its hash.
pub fn route_of(selector: &[u8]) -> &'static str {
    if let Some(r) = ROUTES.iter().find(|r| r.as_bytes() == selector) {
        return r;
    }
    let mut h = DefaultHasher::new();
    selector.hash(&mut h);
    ROUTES[(h.finish() % ROUTES.len() as u64) as usize]
}

/// The request an input makes, or None when it cannot be one (an invalid URI or header).
fn build_request(emu: &Emu, route: &str, payload: &[u8]) -> Option<Request<Body>> {
    let (rev, rest) = route.split_once(' ')?;
    let key = emu.vars[0].1.clone();
    if rest == "HOST" {
        let (host, path) = split(payload);
        let host = std::str::from_utf8(host).ok()?;
        let path = std::str::from_utf8(path)
            .ok()
            .filter(|p| p.starts_with('/'))?;
        let id = emu.fill("{id}");
        let b = Request::builder()
            .method("GET")
            .uri(path)
            .header("host", host.replace("{id}", &id))
            .header("x-agent37-key", key.as_str());
        let _ = rev;
        return b.body(Body::empty()).ok();
    }
    let (method, path) = rest.split_once(' ')?;
    let path = emu.fill(path);
    if let Some(base) = path.strip_suffix('?') {
        // The payload is the query string (or, for `@?`, the pinned version).
        let q = std::str::from_utf8(payload).ok()?;
        let uri = if base.ends_with('@') {
            format!("{base}{q}")
        } else {
            format!("{base}?{q}")
        };
        return request(method, &uri, Some(&key), Vec::new());
    }
    if path.starts_with("/_uploads/") {
        // A build of exactly this size, so the context itself is read (else: size_mismatch).
        let b = emu.call(
            "POST",
            "/v1/template-builds",
            json!({"name": "uploaded", "size_bytes": payload.len()}),
        );
        let url = b["upload_url"].as_str().unwrap_or("/_uploads/tb_0?sig=0");
        let target = url.strip_prefix("http://127.0.0.1:47037").unwrap_or(url);
        return request(method, target, None, payload.to_vec());
    }
    let key = (!path.starts_with("/_emulator/")).then_some(key.as_str());
    request(method, &path, key, payload.to_vec())
}

/// Checks an answer: never a 500, always JSON, the envelope on `/v1` errors.
fn check(route: &str, status: u16, body: &[u8]) {
    assert_ne!(
        status,
        500,
        "{route} answered 500: {}",
        String::from_utf8_lossy(body)
    );
    if body.is_empty() {
        return;
    }
    let v: Value = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "{route} answered non-JSON ({e}): {}",
            String::from_utf8_lossy(body)
        )
    });
    let api_error = status >= 400 && route.contains(" /v1/") && status != 422 && status != 503;
    if api_error {
        let err = &v["error"];
        assert!(
            err["code"].is_string() && err["message"].is_string(),
            "{route} error without the envelope: {v}"
        );
    }
}

pub fn run_requests(input: &[u8]) -> u64 {
    let (selector, payload) = split(input);
    let route = route_of(selector);
    let v2 = route.starts_with("v2");
    let cell = emulator(v2);
    // A panic mid-request poisons the lock: the next input starts from a fresh emulator.
    let mut guard = cell.lock().unwrap_or_else(|p| {
        let mut g = p.into_inner();
        *g = None;
        g
    });
    let rebuild = guard.as_ref().is_none_or(|e| e.runs >= REBUILD_EVERY);
    if rebuild {
        *guard = Some(Emu::new(if v2 { "2026-08-21" } else { "2026-06-25" }));
    }
    let Some(emu) = guard.as_mut() else {
        return 0;
    };
    emu.runs += 1;
    let Some(req) = build_request(emu, route, payload) else {
        return crate::targets::sig((route, "no request"));
    };
    let (status, body) = send(&emu.rt, &emu.svc, req);
    check(route, status, &body);
    let answer = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let code = answer["error"]["code"]
        .as_str()
        .or_else(|| answer["error"].as_str())
        .map(str::to_string);
    // The message up to the first quoted value: which rule refused, not with what.
    let rule = answer["error"]["message"].as_str().map(outcome_text);
    crate::targets::sig((route, status, code, rule))
}

/// An outcome's text without the values it quotes, for the driver's novelty signature.
fn outcome_text(text: &str) -> String {
    let head = text.split(['"', '{']).next().unwrap_or_default();
    crate::targets::error_sig(head).chars().take(48).collect()
}

pub fn generate_request(rng: &mut rand::rngs::StdRng) -> Vec<u8> {
    use rand::Rng;
    let route = ROUTES[rng.random_range(0..ROUTES.len())];
    let body = crate::generate::random_string(rng);
    format!("{route}\n{{\"x\": {body:?}}}").into_bytes()
}

pub const REQUEST_DICT: &[&[u8]] = &[
    b"\"template\":",
    b"\"resources\":",
    b"\"cpu\":",
    b"\"memory\":",
    b"\"disk\":",
    b"\"env\":",
    b"\"type\":\"shared\"",
    b"\"public_ports\":[{\"port\":9100}]",
    b"\"prefix\":",
    b"\"auto_sleep\":true",
    b"\"idle_timeout_seconds\":",
    b"\"budget\":{\"credit_micros\":",
    b"\"topup_micros\":",
    b"\"default_port\":",
    b"\"ports\":",
    b"\"image_ref\":\"acme/a:1\"",
    b"\"port\":",
    b"\"ttl_seconds\":",
    b"\"checkpoint_seconds\":",
    b"\"next\":\"slow\"",
    b"\"now\":true",
    b"\"wallet_micros\":",
    b"\"amount_micros\":",
    b"\"ip_allowlist\":[\"10.0.0.0/8\"]",
    b"\"status\":\"sleeping\"",
    b"\"size_bytes\":",
    b"\"domain\":\"a-b.net\"",
    b"\"public_key\":\"ssh-ed25519 AAAA\"",
    b"\"toolkit\":\"slack\"",
    b"\"callbackUrl\":\"https://x/\"",
    b"9223372036854775807",
    b"-9223372036854775808",
    b"1e400",
    b"null",
    b"fuzzed@1",
    b"agent37-hermes@2026.06.20",
    b"tail=",
    b"hours=",
    b"offset=",
    b"%40",
    b"{id}.localhost:47037",
    b"{id}-9119.localhost",
];

// ---------------------------------------------------------------------------------------------
// Formats the emulator reads itself

/// The parsers of `emulator_formats`, by selector.
pub const FORMATS: &[&str] = &[
    "context",
    "ssh-key",
    "domain",
    "cidr",
    "query",
    "host",
    "image-ref",
    "env",
];

pub fn run_formats(input: &[u8]) -> u64 {
    let (selector, payload) = split(input);
    let name = FORMATS
        .iter()
        .find(|f| f.as_bytes() == selector)
        .copied()
        .unwrap_or_else(|| {
            let mut h = DefaultHasher::new();
            selector.hash(&mut h);
            FORMATS[(h.finish() % FORMATS.len() as u64) as usize]
        });
    let text = String::from_utf8_lossy(payload);
    let outcome: String = match name {
        "context" => match agent37_emulator::routes::uploads::analyse(payload) {
            Ok(steps) => {
                assert!(!steps.is_empty(), "an accepted context has instructions");
                assert!(
                    steps.iter().all(|s| !s.is_empty() && !s.contains('\n')),
                    "one instruction per line: {steps:?}"
                );
                format!("ok:{}", steps.len().min(8))
            }
            Err(e) => e,
        },
        "ssh-key" => match model::parse_public_key(&text) {
            Ok(k) => {
                assert!(
                    k.fingerprint.starts_with("SHA256:") && k.fingerprint.len() == 50,
                    "{k:?}"
                );
                format!("ok:{}", k.key_type)
            }
            Err(e) => e,
        },
        "domain" => match model::validate_domain(&text) {
            Ok(d) => {
                assert_eq!(
                    model::validate_domain(&d).as_ref(),
                    Ok(&d),
                    "not idempotent"
                );
                assert_eq!(d, d.to_ascii_lowercase());
                "ok".into()
            }
            Err(_) => "err".into(),
        },
        "cidr" => match model::Cidr::parse(&text) {
            Ok(c) => {
                let back = model::Cidr::parse(&c.to_string())
                    .unwrap_or_else(|e| panic!("{c} does not parse back: {e}"));
                assert_eq!(back, c);
                "ok".into()
            }
            Err(_) => "err".into(),
        },
        "query" => {
            let got = model::query_param(Some(&text), "a");
            let _ = model::query_without(Some(&text), "a37_token");
            let _ = model::percent_decode(&text);
            format!("{:?}", got.map(|g| g.len().min(4)))
        }
        "host" => {
            let label = model::plane_label(&text, "localhost");
            let parsed = label.as_deref().map(model::parse_plane_label);
            let _ = model::split_first_label(&text);
            let _ = model::strip_port(&text);
            format!("{parsed:?}").chars().take(12).collect()
        }
        "image-ref" => match model::validate_image_ref(&text) {
            Ok(()) => {
                assert!(!model::looks_like_image_ref(&text) || text.contains('/'));
                "ok".into()
            }
            Err(_) => "err".into(),
        },
        "env" => match serde_json::from_slice::<Value>(payload) {
            Ok(v) => format!(
                "{:?}",
                model::parse_env(&v).map(|e| e.map(|m| m.len())).is_ok()
            ),
            Err(_) => "not json".into(),
        },
        _ => String::new(),
    };
    crate::targets::sig((name, outcome_text(&outcome)))
}

pub fn generate_format(rng: &mut rand::rngs::StdRng) -> Vec<u8> {
    use rand::Rng;
    let name = FORMATS[rng.random_range(0..FORMATS.len())];
    format!("{name}\n{}", crate::generate::random_string(rng)).into_bytes()
}

pub const FORMAT_DICT: &[&[u8]] = &[
    b"\x1f\x8b\x08\x00",
    b"ustar\x00",
    b"Dockerfile",
    b"./Dockerfile",
    b"FROM ",
    b"RUN ",
    b"\\\n",
    b"ssh-ed25519 ",
    b"ssh-rsa ",
    b"ecdsa-sha2-nistp256 ",
    b"AAAAC3NzaC1lZDI1NTE5AAAAI",
    b".co.uk",
    b".agent37.app",
    b"/24",
    b"/128",
    b"::ffff:",
    b"%zz",
    b"%C3%A9",
    b"a37_token=",
    b".localhost:",
    b"[::1]:",
    b"@sha256:",
];
