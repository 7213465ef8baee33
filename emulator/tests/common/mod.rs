//! Test harness: spawns the built emulator on 127.0.0.1:0 and talks plain HTTP/1.1 to it
//! over std sockets (a hand-rolled client sees a dropped connection exactly as it happens).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_agent37-emulator");

/// A running emulator; killed (and reaped) on drop, also when the test panics.
pub struct Emulator {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    /// `127.0.0.1:PORT`
    pub addr: String,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The default workspace's key (line 2, or the `--api-key` given).
    pub key: String,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Emulator {
    pub fn start(args: &[&str]) -> Emulator {
        let mut child = Command::new(BIN)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn emulator");
        let stdout = child.stdout.take().expect("stdout");
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        reader.read_line(&mut line).expect("line 1");
        let base = line
            .trim()
            .strip_prefix("agent37-emulator listening on ")
            .unwrap_or_else(|| panic!("unexpected line 1: {line:?}"))
            .to_string();
        let addr = base.trim_start_matches("http://").to_string();
        let key = match args.iter().position(|a| *a == "--api-key") {
            Some(i) => args[i + 1].to_string(),
            None => {
                let mut l2 = String::new();
                reader.read_line(&mut l2).expect("line 2");
                l2.trim()
                    .strip_prefix("agent37-emulator api key ")
                    .unwrap_or_else(|| panic!("unexpected line 2: {l2:?}"))
                    .to_string()
            }
        };
        Emulator {
            child,
            _stdout: reader,
            addr,
            base,
            key,
        }
    }

    /// A client of the default workspace.
    pub fn api(&self) -> Api {
        Api {
            addr: self.addr.clone(),
            key: Some(self.key.clone()),
        }
    }

    pub fn api_with(&self, key: &str) -> Api {
        Api {
            addr: self.addr.clone(),
            key: Some(key.to_string()),
        }
    }

    /// A client without a key, for `/_emulator/` and the instance plane.
    pub fn raw(&self) -> Api {
        Api {
            addr: self.addr.clone(),
            key: None,
        }
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

    pub fn freeze_clock(&self) -> i64 {
        let r = self.control("POST", "/clock", json!({"frozen": true}));
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["now"].as_i64().expect("now")
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

#[derive(Clone)]
pub struct Api {
    pub addr: String,
    pub key: Option<String>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(i) = find(b, b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&b[..i]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = i + 2;
        out.extend_from_slice(&b[start..(start + size).min(b.len())]);
        b = &b[(start + size + 2).min(b.len())..];
    }
    out
}

impl Api {
    /// One request on a fresh connection. Err when the server closed it without an answer.
    pub fn try_send(&self, method: &str, path: &str, body: Option<&str>) -> std::io::Result<Resp> {
        let mut s = TcpStream::connect(&self.addr)?;
        s.set_read_timeout(Some(Duration::from_secs(30)))?;
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if let Some(k) = &self.key {
            req.push_str(&format!("Authorization: Bearer {k}\r\n"));
        }
        if let Some(b) = body {
            req.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                b.len()
            ));
        } else if method != "GET" && method != "DELETE" {
            req.push_str("Content-Length: 0\r\n");
        }
        req.push_str("\r\n");
        if let Some(b) = body {
            req.push_str(b);
        }
        s.write_all(req.as_bytes())?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)?;
        let split = find(&raw, b"\r\n\r\n").ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed without a response",
            )
        })?;
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status: u16 = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        let rest = &raw[split + 4..];
        let chunked = headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
        let body = if chunked {
            dechunk(rest)
        } else {
            rest.to_vec()
        };
        Ok(Resp {
            status,
            headers,
            body,
        })
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
