//! The Agent37 emulator as a child process of a test: started on a free loopback port, killed
//! when dropped (its log is printed when the test failed).

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use serde_json::Value;

use super::http::{self, Response};
use super::workspace_root;

const LISTENING: &str = "agent37-emulator listening on ";
const API_KEY: &str = "agent37-emulator api key ";
const START_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Emulator {
    child: Option<Child>,
    root_url: String,
    api_key: String,
    log: Arc<Mutex<String>>,
}

impl Emulator {
    /// The emulator binary: `AGENT37_EMULATOR_BIN` (set by `cargo xtask test`), else
    /// `target/debug/agent37-emulator`.
    pub fn bin() -> PathBuf {
        let path = std::env::var_os("AGENT37_EMULATOR_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace_root().join("target/debug/agent37-emulator"));
        assert!(
            path.is_file(),
            "the emulator binary {} does not exist: run the tests with `cargo xtask test` (it \
             builds it and sets AGENT37_EMULATOR_BIN), or `cargo build --workspace --bins` first",
            path.display()
        );
        path
    }

    /// Starts `agent37-emulator --listen 127.0.0.1:0 ARGS...` (ARGS as in its CLI, e.g.
    /// `["--tier", "free"]`; a `--listen` in ARGS replaces the default) and waits until it
    /// listens. The API key is the `--api-key` given, or the one the emulator generated.
    pub fn start(args: &[&str]) -> Emulator {
        let bin = Self::bin();
        let mut cmd = Command::new(&bin);
        if !args
            .iter()
            .any(|a| *a == "--listen" || a.starts_with("--listen="))
        {
            cmd.args(["--listen", "127.0.0.1:0"]);
        }
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let given_key = args
            .iter()
            .position(|a| *a == "--api-key")
            .and_then(|i| args.get(i + 1).map(|k| k.to_string()))
            .or_else(|| {
                args.iter()
                    .find_map(|a| a.strip_prefix("--api-key=").map(str::to_string))
            });

        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", bin.display()));
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("piped stdout");
        let stdout_log = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                push_log(&stdout_log, &line);
                let _ = tx.send(line);
            }
        });
        let mut stderr = child.stderr.take().expect("piped stderr");
        let stderr_log = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut log) = stderr_log.lock() {
                    log.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });

        let mut emulator = Emulator {
            child: Some(child),
            root_url: String::new(),
            api_key: given_key.clone().unwrap_or_default(),
            log,
        };
        let deadline = std::time::Instant::now() + START_TIMEOUT;
        while emulator.root_url.is_empty() || emulator.api_key.is_empty() {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.trim().strip_prefix(LISTENING) {
                        emulator.root_url = url.trim_end_matches('/').to_string();
                    } else if let Some(key) = line
                        .trim()
                        .strip_prefix(API_KEY)
                        .filter(|_| given_key.is_none())
                    {
                        emulator.api_key = key.to_string();
                    }
                }
                Err(_) => {
                    let log = emulator.log();
                    drop(emulator);
                    panic!(
                        "the emulator ({} {}) did not announce its URL and key within {:?}; its \
                         output:\n{log}",
                        bin.display(),
                        args.join(" "),
                        START_TIMEOUT
                    );
                }
            }
        }
        emulator
    }

    /// The API base URL for clients: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.root_url)
    }

    /// `http://127.0.0.1:PORT`, where `/_emulator/` lives.
    pub fn root_url(&self) -> &str {
        &self.root_url
    }

    pub fn port(&self) -> u16 {
        self.root_url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {}", self.root_url))
    }

    /// The workspace key: the `--api-key` given to `start`, or the generated one.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// What the provider needs to talk to this emulator: `AGENT37_API_KEY`, `AGENT37_BASE_URL`.
    pub fn provider_env(&self) -> Vec<(String, String)> {
        vec![
            ("AGENT37_API_KEY".to_string(), self.api_key.clone()),
            ("AGENT37_BASE_URL".to_string(), self.base_url()),
        ]
    }

    /// Everything the emulator printed so far (stdout and stderr).
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    // ---- the API, as a client with the workspace key ----

    /// `METHOD /v1{path}` with `Authorization: Bearer <api key>`.
    pub fn api(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        self.api_with_key(&self.api_key, method, path, body)
    }

    /// `METHOD /v1{path}` with another key (another workspace, or a bad key).
    pub fn api_with_key(
        &self,
        key: &str,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let auth = format!("Bearer {key}");
        self.send(
            method,
            &format!("{}{path}", self.base_url()),
            &[("Authorization", &auth)],
            body,
        )
    }

    /// `METHOD /v1{path}`, asserting a 2xx answer; returns its JSON (`null` for an empty body).
    #[track_caller]
    pub fn api_ok(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let response = self.api(method, path, body);
        json_of_success(method, path, &response)
    }

    // ---- the control surface, /_emulator/ (no key) ----

    /// `METHOD /_emulator/{path}`.
    pub fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        let path = path.trim_start_matches('/');
        self.send(
            method,
            &format!("{}/_emulator/{path}", self.root_url),
            &[],
            body,
        )
    }

    /// `METHOD /_emulator/{path}`, asserting a 2xx answer; returns its JSON.
    #[track_caller]
    pub fn control_ok(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let response = self.control(method, path, body);
        json_of_success(method, path, &response)
    }

    /// `POST /_emulator/workspaces` (`{"tier", "wallet_micros", "api_key"?, "instance_limit"?}`);
    /// returns the new workspace's key.
    #[track_caller]
    pub fn create_workspace(&self, body: &Value) -> String {
        let json = self.control_ok("POST", "workspaces", Some(body));
        json["api_key"]
            .as_str()
            .or_else(|| json["key"].as_str())
            .unwrap_or_else(|| panic!("no api_key in the workspace answer: {json}"))
            .to_string()
    }

    /// `POST /_emulator/faults`.
    #[track_caller]
    pub fn set_faults(&self, body: &Value) -> Value {
        self.control_ok("POST", "faults", Some(body))
    }

    /// `GET /_emulator/requests`: request counters and the recent-request log.
    #[track_caller]
    pub fn requests(&self) -> Value {
        self.control_ok("GET", "requests", None)
    }

    /// `POST /_emulator/clock`.
    #[track_caller]
    pub fn advance_clock(&self, body: &Value) -> Value {
        self.control_ok("POST", "clock", Some(body))
    }

    /// `POST /_emulator/instances/{id}/spend`.
    #[track_caller]
    pub fn spend(&self, instance_id: &str, body: &Value) -> Value {
        self.control_ok(
            "POST",
            &format!("instances/{instance_id}/spend"),
            Some(body),
        )
    }

    /// `POST /_emulator/reset`.
    #[track_caller]
    pub fn reset(&self) {
        self.control_ok("POST", "reset", None);
    }

    fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Response {
        http::request(method, url, headers, body)
            .unwrap_or_else(|e| panic!("{method} {url}: {e}\nemulator log:\n{}", self.log()))
    }
}

#[track_caller]
fn json_of_success(method: &str, path: &str, response: &Response) -> Value {
    assert!(
        response.is_success(),
        "{method} {path}: HTTP {}: {}",
        response.status,
        response.text()
    );
    if response.body.is_empty() {
        Value::Null
    } else {
        response.json()
    }
}

fn push_log(log: &Mutex<String>, line: &str) {
    if let Ok(mut log) = log.lock() {
        log.push_str(line);
        log.push('\n');
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if std::thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(60).collect();
            eprintln!(
                "--- emulator {} log (last {} lines) ---",
                self.root_url,
                tail.len()
            );
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}
