//! The in-process harness: the emulator's service built from the same command-line options as
//! the binary, driven with `oneshot` on a private runtime. The calls are blocking, so a test
//! reads like a script (and threads can call concurrently); nothing listens on a socket.
#![allow(dead_code)]

use std::net::IpAddr;
use std::sync::Arc;

use agent37_emulator::routes::{ClientAddr, DropConnection, Service};
use agent37_emulator::{App, cli};
use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use tower::ServiceExt;

/// The address the in-process emulator pretends to listen on (nothing binds it).
pub const ADDR: &str = "127.0.0.1:47037";
/// Its port, which every 2026-08-21 plane URL carries.
pub const PORT: u16 = 47037;

/// An API revision the emulator serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rev {
    /// 2026-06-25 (`hosting-api.md`).
    V1,
    /// 2026-08-21 (`hosting-api-2026-08.md`).
    V2,
}

impl Rev {
    pub fn as_str(self) -> &'static str {
        match self {
            Rev::V1 => "2026-06-25",
            Rev::V2 => "2026-08-21",
        }
    }

    pub fn is_v2(self) -> bool {
        self == Rev::V2
    }

    /// The budget object's headroom field under the revision's default names.
    pub fn remaining(self) -> &'static str {
        match self {
            Rev::V1 => "topup_remaining_micros",
            Rev::V2 => "credit_remaining_micros",
        }
    }

    /// The create body's headroom field the revision documents.
    pub fn headroom(self) -> &'static str {
        match self {
            Rev::V1 => "topup_micros",
            Rev::V2 => "credit_micros",
        }
    }
}

/// A test whose body runs once under each API revision (two tests: `NAME::rev_2026_06_25` and
/// `NAME::rev_2026_08_21`), for the rules both revisions share.
macro_rules! both_revisions {
    ($(#[doc = $doc:literal])* fn $name:ident($rev:ident) $body:block) => {
        $(#[doc = $doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            fn run($rev: crate::harness::Rev) $body

            #[test]
            fn rev_2026_06_25() {
                run(crate::harness::Rev::V1)
            }

            #[test]
            fn rev_2026_08_21() {
                run(crate::harness::Rev::V2)
            }
        }
    };
}

/// An emulator in this process: its state, its service and a runtime to drive it.
pub struct Emulator {
    rt: Arc<Runtime>,
    svc: Service,
    pub app: Arc<App>,
    /// `127.0.0.1:PORT`
    pub addr: String,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The default workspace's key.
    pub key: String,
}

impl Emulator {
    /// The emulator the binary would run with `args` (always in memory unless `--db`).
    pub fn start(args: &[&str]) -> Emulator {
        let opts = cli::parse(args.iter().map(|s| s.to_string())).expect("emulator options");
        let base = format!("http://{ADDR}");
        let app = agent37_emulator::open(&opts, base.clone()).expect("emulator state");
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        Emulator {
            rt: Arc::new(rt),
            svc: agent37_emulator::service(app.clone()),
            key: app.default_key(),
            app,
            addr: ADDR.to_string(),
            base,
        }
    }

    /// The emulator under API revision `rev` (its `--api-revision`) with `args`.
    pub fn start_rev(rev: Rev, args: &[&str]) -> Emulator {
        let mut all = vec!["--api-revision", rev.as_str()];
        all.extend_from_slice(args);
        Emulator::start(&all)
    }

    /// `http://{label}.localhost:PORT`: a 2026-08-21 plane host.
    pub fn plane_url(&self, label: &str) -> String {
        format!("http://{label}.localhost:{PORT}")
    }

    /// `GET /_emulator/requests`.
    pub fn requests(&self) -> Value {
        self.control("GET", "/requests", Value::Null).json()
    }

    /// `POST /_emulator/config`, asserting 200.
    pub fn config(&self, body: Value) -> Value {
        let r = self.control("POST", "/config", body);
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()
    }

    fn client(&self, key: Option<&str>) -> Api {
        Api {
            rt: self.rt.clone(),
            svc: self.svc.clone(),
            addr: self.addr.clone(),
            key: key.map(str::to_string),
            headers: Vec::new(),
            peer: None,
        }
    }

    /// A client of the default workspace.
    pub fn api(&self) -> Api {
        self.client(Some(&self.key))
    }

    pub fn api_with(&self, key: &str) -> Api {
        self.client(Some(key))
    }

    /// A client sending exactly this `Authorization: Bearer` key, or none.
    pub fn api_key(&self, key: Option<&str>) -> Api {
        self.client(key)
    }

    /// A client without a key, for `/_emulator/` and the instance plane.
    pub fn raw(&self) -> Api {
        self.client(None)
    }

    /// Creates a workspace through the control surface and returns a client for it.
    pub fn workspace(&self, body: Value) -> Api {
        let r = self
            .raw()
            .send("POST", "/_emulator/workspaces", Some(&body.to_string()));
        assert_eq!(r.status, 201, "{}", r.text());
        self.api_with(r.json()["api_key"].as_str().expect("api_key"))
    }

    pub fn control(&self, method: &str, path: &str, body: Value) -> Resp {
        let body = if body.is_null() {
            None
        } else {
            Some(body.to_string())
        };
        self.raw()
            .send(method, &format!("/_emulator{path}"), body.as_deref())
    }

    pub fn wallet(&self, key: &str) -> i64 {
        let r = self.control("GET", &format!("/workspaces/{key}"), Value::Null);
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["wallet_micros"].as_i64().expect("wallet")
    }

    /// Freezes the clock at the first second of the next emulator-hour (the hourly meter settle
    /// has run there), so a test's minutes stay inside one hour unless it moves on. Always
    /// aligned: the store-wide settle runs once per started hour, so a clock frozen at whatever
    /// second the wall clock showed added a settle whenever a test's small advances crossed an
    /// hour, and the same test failed at some minutes of the day only.
    pub fn freeze_clock(&self) -> i64 {
        let r = self.control("POST", "/clock", json!({"frozen": true}));
        assert_eq!(r.status, 200, "{}", r.text());
        let now = r.json()["now"].as_i64().expect("now");
        self.advance(3600 - now.rem_euclid(3600))
    }

    pub fn advance(&self, seconds: i64) -> i64 {
        let r = self.control("POST", "/clock", json!({"advance_seconds": seconds}));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["now"].as_i64().expect("now")
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `(status, code)`, the envelope checked as `code()` does.
    pub fn err(&self) -> (u16, String) {
        (self.status, self.code())
    }

    /// The flat body of the instance plane and the other edge answers: `(status, error)`.
    pub fn flat(&self) -> (u16, String) {
        let v = self.json();
        let code = v["error"]
            .as_str()
            .unwrap_or_else(|| panic!("not a flat error: {v}"))
            .to_string();
        (self.status, code)
    }

    /// The error code, after checking the envelope has exactly `code` and `message`.
    pub fn code(&self) -> String {
        let v = self.json();
        let err = v["error"]
            .as_object()
            .unwrap_or_else(|| panic!("no error envelope: {v}"));
        assert_eq!(
            v.as_object().map(|o| o.len()),
            Some(1),
            "envelope has extra keys: {v}"
        );
        let mut keys: Vec<&String> = err.keys().collect();
        keys.sort();
        assert_eq!(keys, ["code", "message"], "envelope keys: {v}");
        assert!(
            err["message"].as_str().is_some_and(|m| !m.is_empty()),
            "empty message: {v}"
        );
        err["code"].as_str().unwrap_or_default().to_string()
    }
}

/// A client: a key (sent as `Authorization: Bearer`), extra headers and a caller address.
#[derive(Clone)]
pub struct Api {
    rt: Arc<Runtime>,
    svc: Service,
    pub addr: String,
    pub key: Option<String>,
    headers: Vec<(String, String)>,
    peer: Option<IpAddr>,
}

impl Api {
    /// The same client with one more header on every request.
    pub fn with_header(&self, name: &str, value: &str) -> Api {
        let mut a = self.clone();
        a.headers.push((name.to_string(), value.to_string()));
        a
    }

    /// The same client calling from `ip` (the server sets the peer address; here we do).
    pub fn calling_from(&self, ip: &str) -> Api {
        let mut a = self.clone();
        a.peer = Some(ip.parse().expect("ip"));
        a
    }

    /// One request. `target` is a path (`/v1/…`) or an absolute `http://host[:port]/…` URL,
    /// whose host becomes the `Host` header. Err when the emulator would drop the connection.
    pub fn try_send_bytes(
        &self,
        method: &str,
        target: &str,
        body: Option<Vec<u8>>,
        content_type: Option<&str>,
    ) -> std::io::Result<Resp> {
        let (host, path) = match target.strip_prefix("http://") {
            Some(rest) => match rest.find('/') {
                Some(i) => (rest[..i].to_string(), rest[i..].to_string()),
                None => (rest.to_string(), "/".to_string()),
            },
            None => (self.addr.clone(), target.to_string()),
        };
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header("host", host);
        if let Some(k) = &self.key {
            b = b.header("authorization", format!("Bearer {k}"));
        }
        for (k, v) in &self.headers {
            b = b.header(k.as_str(), v.as_str());
        }
        let body = match body {
            Some(bytes) => {
                b = b
                    .header("content-type", content_type.unwrap_or("application/json"))
                    .header("content-length", bytes.len());
                Body::from(bytes)
            }
            None => Body::empty(),
        };
        let mut req = b.body(body).map_err(std::io::Error::other)?;
        if let Some(ip) = self.peer {
            req.extensions_mut().insert(ClientAddr(ip));
        }
        let svc = self.svc.clone();
        self.rt.block_on(async move {
            let resp = match svc.oneshot(req).await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            if resp.extensions().get::<DropConnection>().is_some() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed without a response",
                ));
            }
            let status = resp.status().as_u16();
            let headers = resp
                .headers()
                .iter()
                .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into()))
                .collect();
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .map_err(std::io::Error::other)?
                .to_vec();
            Ok(Resp {
                status,
                headers,
                body,
            })
        })
    }

    pub fn try_send(&self, method: &str, path: &str, body: Option<&str>) -> std::io::Result<Resp> {
        self.try_send_bytes(method, path, body.map(|b| b.as_bytes().to_vec()), None)
    }

    pub fn send(&self, method: &str, path: &str, body: Option<&str>) -> Resp {
        self.try_send(method, path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    pub fn get(&self, path: &str) -> Resp {
        self.send("GET", &format!("/v1{path}"), None)
    }

    pub fn delete(&self, path: &str) -> Resp {
        self.send("DELETE", &format!("/v1{path}"), None)
    }

    pub fn post(&self, path: &str, body: Value) -> Resp {
        let b = if body.is_null() {
            None
        } else {
            Some(body.to_string())
        };
        self.send("POST", &format!("/v1{path}"), b.as_deref())
    }

    pub fn patch(&self, path: &str, body: Value) -> Resp {
        self.send("PATCH", &format!("/v1{path}"), Some(&body.to_string()))
    }

    /// Creates an instance and returns its JSON (asserting 201).
    pub fn create(&self, body: Value) -> Value {
        let r = self.post("/instances", body);
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()
    }
}

/// The contract's day cost: (0.80 cpu + 0.70 mem + 0.09 disk) USD × 24 / 730, half-up.
pub fn day_cost(cpu: i64, mem: i64, disk: i64) -> i64 {
    let monthly = 800_000 * cpu + 700_000 * mem + 90_000 * disk;
    (monthly * 24 + 365) / 730
}
