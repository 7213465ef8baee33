//! The Agent37 emulator as a child process: started on a free loopback port (or the caller's
//! address and database), ready once it has announced its URL (and generated key), stopped when
//! dropped. The one launcher of the acceptance tests, the emulator's contract tests, and
//! `cargo xtask demo` / `bench`.

mod api;

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

pub use api::Client;

use crate::paths;
use crate::process;
use crate::version::ApiRevision;

/// The line the emulator prints first: `agent37-emulator listening on http://127.0.0.1:PORT`.
const LISTENING: &str = "agent37-emulator listening on ";
/// The line it prints next when it generated the default workspace's key.
const API_KEY: &str = "agent37-emulator api key ";
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// How to start an emulator; [`Emulator::builder`].
#[derive(Clone, Debug)]
pub struct Builder {
    bin: Option<PathBuf>,
    args: Vec<String>,
    api_revision: ApiRevision,
    log_file: Option<PathBuf>,
    own_process_group: bool,
    graceful_stop: Option<Duration>,
}

/// Why an emulator did not start.
#[derive(Debug)]
pub enum StartError {
    Missing(PathBuf),
    Spawn {
        bin: PathBuf,
        source: std::io::Error,
    },
    LogFile {
        path: PathBuf,
        source: std::io::Error,
    },
    /// It did not announce its URL (and key) in time; what it printed says why.
    NotReady {
        command: String,
        log: String,
    },
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Missing(bin) => write!(
                f,
                "the emulator binary {} does not exist: run the tests with `cargo xtask test` (it \
                 builds it and sets AGENT37_EMULATOR_BIN), or `cargo build --workspace --bins` first",
                bin.display()
            ),
            StartError::Spawn { bin, source } => {
                write!(f, "cannot start {}: {source}", bin.display())
            }
            StartError::LogFile { path, source } => {
                write!(
                    f,
                    "cannot open the emulator log {}: {source}",
                    path.display()
                )
            }
            StartError::NotReady { command, log } => write!(
                f,
                "the emulator (`{command}`) did not announce its URL within {START_TIMEOUT:?}; its \
                 output:\n{log}"
            ),
        }
    }
}

impl std::error::Error for StartError {}

impl Builder {
    /// The binary to run (default: [`paths::emulator_bin`]); the emulator's own tests pass
    /// `env!("CARGO_BIN_EXE_agent37-emulator")`.
    pub fn bin(mut self, bin: impl Into<PathBuf>) -> Builder {
        self.bin = Some(bin.into());
        self
    }

    /// Command-line arguments (`--tier free`, `--instance-limit 1`, `--db PATH`, …). A `--listen`
    /// among them replaces the default `127.0.0.1:0`.
    pub fn args<S: AsRef<str>>(mut self, args: &[S]) -> Builder {
        self.args
            .extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// Serve this API revision (passed as `--api-revision` unless it is the default).
    pub fn api_revision(mut self, revision: ApiRevision) -> Builder {
        self.api_revision = revision;
        self
    }

    /// Append stdout and stderr to this file instead of keeping them in memory.
    pub fn log_file(mut self, path: impl Into<PathBuf>) -> Builder {
        self.log_file = Some(path.into());
        self
    }

    /// Start it in a process group of its own, out of the terminal's: Ctrl-C then reaches
    /// Terraform (which stops gracefully) while the emulator keeps answering it.
    pub fn own_process_group(mut self) -> Builder {
        self.own_process_group = true;
        self
    }

    /// Stop it with SIGTERM (it closes its database), SIGKILL only after `grace`; the default is
    /// SIGKILL at once, which is what a test wants.
    pub fn graceful_stop(mut self, grace: Duration) -> Builder {
        self.graceful_stop = Some(grace);
        self
    }

    fn has_arg(&self, name: &str) -> bool {
        let with_value = format!("{name}=");
        self.args
            .iter()
            .any(|a| a == name || a.starts_with(&with_value))
    }

    fn given_key(&self) -> Option<String> {
        let i = self.args.iter().position(|a| a == "--api-key");
        i.and_then(|i| self.args.get(i + 1).cloned()).or_else(|| {
            self.args
                .iter()
                .find_map(|a| a.strip_prefix("--api-key=").map(str::to_string))
        })
    }

    /// The full argument list: `--listen 127.0.0.1:0` unless given, the revision, the rest.
    fn command_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        if !self.has_arg("--listen") {
            args.extend(["--listen".to_string(), "127.0.0.1:0".to_string()]);
        }
        if !self.has_arg("--api-revision") {
            args.extend(self.api_revision.emulator_args());
        }
        args.extend(self.args.iter().cloned());
        args
    }

    /// Starts it and waits until it listens.
    pub fn start(self) -> Result<Emulator, StartError> {
        let bin = self.bin.clone().unwrap_or_else(paths::emulator_bin);
        if !bin.is_file() {
            return Err(StartError::Missing(bin));
        }
        let args = self.command_args();
        let command = format!("{} {}", bin.display(), args.join(" "));
        let mut cmd = Command::new(&bin);
        cmd.args(&args).stdin(Stdio::null()).stdout(Stdio::piped());
        let log = match &self.log_file {
            Some(path) => {
                let open = || {
                    File::options()
                        .create(true)
                        .append(true)
                        .open(path)
                        .map_err(|source| StartError::LogFile {
                            path: path.clone(),
                            source,
                        })
                };
                cmd.stderr(open()?);
                Log::File {
                    path: path.clone(),
                    file: Arc::new(Mutex::new(open()?)),
                }
            }
            None => {
                cmd.stderr(Stdio::piped());
                Log::Memory(Arc::new(Mutex::new(String::new())))
            }
        };
        #[cfg(unix)]
        if self.own_process_group {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let mut child = cmd.spawn().map_err(|source| StartError::Spawn {
            bin: bin.clone(),
            source,
        })?;

        let (tx, lines) = mpsc::channel::<String>();
        if let Some(stdout) = child.stdout.take() {
            let log = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    log.push_line(&line);
                    let _ = tx.send(line);
                }
            });
        }
        if let (Some(mut stderr), Log::Memory(buffer)) = (child.stderr.take(), &log) {
            let buffer = Arc::clone(buffer);
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    if let Ok(mut text) = buffer.lock() {
                        text.push_str(&String::from_utf8_lossy(&chunk[..n]));
                    }
                }
            });
        }

        let given_key = self.given_key();
        let mut emulator = Emulator {
            child: Some(child),
            root_url: String::new(),
            api_key: given_key.clone().unwrap_or_default(),
            api_revision: std::sync::Mutex::new(self.api_revision),
            log,
            graceful_stop: self.graceful_stop,
        };
        let deadline = Instant::now() + START_TIMEOUT;
        while emulator.root_url.is_empty() || emulator.api_key.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    let line = line.trim();
                    if let Some(url) = line.strip_prefix(LISTENING) {
                        emulator.root_url = url.trim_end_matches('/').to_string();
                    } else if let Some(key) =
                        line.strip_prefix(API_KEY).filter(|_| given_key.is_none())
                    {
                        emulator.api_key = key.to_string();
                    }
                }
                Err(_) => {
                    // Let it finish writing why it stopped, if it did.
                    std::thread::sleep(Duration::from_millis(100));
                    let log = emulator.log_tail(40);
                    emulator.stop();
                    return Err(StartError::NotReady { command, log });
                }
            }
        }
        Ok(emulator)
    }
}

/// Where the emulator's output goes.
#[derive(Clone, Debug)]
enum Log {
    Memory(Arc<Mutex<String>>),
    File {
        path: PathBuf,
        file: Arc<Mutex<File>>,
    },
}

impl Log {
    fn push_line(&self, line: &str) {
        match self {
            Log::Memory(text) => {
                if let Ok(mut text) = text.lock() {
                    text.push_str(line);
                    text.push('\n');
                }
            }
            Log::File { file, .. } => {
                if let Ok(mut file) = file.lock() {
                    let _ = writeln!(file, "{line}");
                }
            }
        }
    }
}

/// A running emulator; stopped when dropped (its log is printed when the test failed).
pub struct Emulator {
    child: Option<Child>,
    root_url: String,
    api_key: String,
    /// What it serves now: a `Mutex` so a test can switch it through the `&Emulator` its
    /// `Case` borrows ([`Emulator::set_api_revision`]).
    api_revision: std::sync::Mutex<ApiRevision>,
    log: Log,
    graceful_stop: Option<Duration>,
}

impl Emulator {
    pub fn builder() -> Builder {
        Builder {
            bin: None,
            args: Vec::new(),
            api_revision: ApiRevision::default(),
            log_file: None,
            own_process_group: false,
            graceful_stop: None,
        }
    }

    /// Starts `agent37-emulator --listen 127.0.0.1:0 ARGS...` under the default API revision;
    /// panics (with its output) when it does not start. The key is the `--api-key` given, or the
    /// one the emulator generated.
    #[track_caller]
    pub fn start(args: &[&str]) -> Emulator {
        Emulator::builder()
            .args(args)
            .start()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `http://127.0.0.1:PORT`, where `/_emulator/` lives.
    pub fn root_url(&self) -> &str {
        &self.root_url
    }

    /// The API base URL for clients: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("{}/v1", self.root_url)
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        self.root_url
            .strip_prefix("http://")
            .unwrap_or(&self.root_url)
    }

    #[track_caller]
    pub fn port(&self) -> u16 {
        self.root_url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {}", self.root_url))
    }

    /// The default workspace's key: the `--api-key` given, or the generated one.
    pub fn api_key(&self) -> &str {
        &self.api_key
    }

    /// The API revision it serves: the one it was started with, or the last
    /// [`Emulator::set_api_revision`].
    pub fn api_revision(&self) -> ApiRevision {
        *self
            .api_revision
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What the provider needs to talk to this emulator: `AGENT37_API_KEY`, `AGENT37_BASE_URL`.
    pub fn provider_env(&self) -> Vec<(String, String)> {
        self.provider_env_with_key(&self.api_key)
    }

    /// The same for another workspace's key.
    pub fn provider_env_with_key(&self, key: &str) -> Vec<(String, String)> {
        vec![
            ("AGENT37_API_KEY".to_string(), key.to_string()),
            ("AGENT37_BASE_URL".to_string(), self.base_url()),
        ]
    }

    /// Everything it printed so far (stdout and stderr), or its log file's content.
    pub fn log(&self) -> String {
        match &self.log {
            Log::Memory(text) => text.lock().map(|t| t.clone()).unwrap_or_default(),
            Log::File { path, .. } => std::fs::read_to_string(path).unwrap_or_default(),
        }
    }

    /// The last `lines` lines of [`Emulator::log`].
    pub fn log_tail(&self, lines: usize) -> String {
        let log = self.log();
        let tail: Vec<&str> = log.lines().rev().take(lines).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// The log file, when it logs to one.
    pub fn log_file(&self) -> Option<&Path> {
        match &self.log {
            Log::File { path, .. } => Some(path),
            Log::Memory(_) => None,
        }
    }

    /// Waits until it exits by itself (or by a signal someone else sent it).
    pub fn wait(&mut self) -> std::io::Result<ExitStatus> {
        match self.child.take() {
            Some(mut child) => child.wait(),
            None => Err(std::io::Error::other("the emulator is not running")),
        }
    }

    /// Stops it now (as dropping it would).
    pub fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        match self.graceful_stop {
            Some(grace) => process::terminate(&mut child, grace),
            None => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
        if !std::thread::panicking() {
            return;
        }
        if let Some(path) = self.log_file() {
            eprintln!("--- emulator {} log: {} ---", self.root_url, path.display());
            return;
        }
        eprintln!(
            "--- emulator {} log (last 60 lines) ---\n{}",
            self.root_url,
            self.log_tail(60)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_default_the_listen_address_and_pass_a_new_revision() {
        let b = Emulator::builder().args(&["--tier", "free"]);
        assert_eq!(
            b.command_args(),
            ["--listen", "127.0.0.1:0", "--tier", "free"]
        );
        let b = Emulator::builder()
            .args(&["--listen=127.0.0.1:37037", "--api-key", "sk_live_x"])
            .api_revision(ApiRevision::R2026_08_21);
        assert_eq!(
            b.command_args(),
            [
                "--api-revision",
                "2026-08-21",
                "--listen=127.0.0.1:37037",
                "--api-key",
                "sk_live_x"
            ]
        );
        assert_eq!(b.given_key().as_deref(), Some("sk_live_x"));
        assert_eq!(
            Emulator::builder()
                .args(&["--api-key=sk_live_y"])
                .given_key()
                .as_deref(),
            Some("sk_live_y")
        );
    }

    #[test]
    fn a_missing_binary_says_how_to_build_it() {
        let err = Emulator::builder()
            .bin("/nonexistent/agent37-emulator")
            .start()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("cargo xtask test"), "{err}");
    }
}
