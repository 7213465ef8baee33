//! `exec`: the default `echo` mode interprets a tiny deterministic language and runs nothing
//! on the host; `host` mode (opt-in) runs `sh -c` in a per-instance scratch directory.
//! Both cap each stream at 512 KB by cutting the middle, and enforce the 280 s limit.

use std::collections::VecDeque;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt};

use crate::model::{EXEC_CAP, EXEC_LIMIT_SECS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExecMode {
    Echo,
    Host,
}

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("exec exceeded the {EXEC_LIMIT_SECS} s limit")]
    TimedOut,
    #[error("exec could not start: {0}")]
    Spawn(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecResult {
    pub exit_code: i64,
    pub stdout: String,
    pub stderr: String,
    pub truncated: bool,
}

impl ExecResult {
    pub fn to_json(&self) -> Value {
        json!({
            "exit_code": self.exit_code,
            "stdout": self.stdout,
            "stderr": self.stderr,
            "truncated": self.truncated,
        })
    }
}

/// A stream kept within the cap: the first and last halves survive, the middle is cut.
#[derive(Debug, Default)]
pub struct CappedBuf {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: usize,
}

impl CappedBuf {
    const HALF: usize = EXEC_CAP / 2;

    pub fn write(&mut self, mut bytes: &[u8]) {
        self.total += bytes.len();
        if self.head.len() < Self::HALF {
            let n = (Self::HALF - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
        if bytes.len() >= Self::HALF {
            self.tail.clear();
            self.tail.extend(&bytes[bytes.len() - Self::HALF..]);
        } else {
            let overflow = (self.tail.len() + bytes.len()).saturating_sub(Self::HALF);
            self.tail.drain(..overflow);
            self.tail.extend(bytes);
        }
    }

    pub fn truncated(&self) -> bool {
        self.total > EXEC_CAP
    }

    /// The kept text; a character split by the cut is replaced rather than failing.
    pub fn into_string(self) -> String {
        let mut bytes = self.head;
        bytes.extend(self.tail);
        match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }
}

fn finish(exit_code: i64, out: CappedBuf, err: CappedBuf) -> ExecResult {
    let truncated = out.truncated() || err.truncated();
    ExecResult {
        exit_code,
        stdout: out.into_string(),
        stderr: err.into_string(),
        truncated,
    }
}

/// The byte pattern `emit` writes: the alphabet and a newline, repeated.
const EMIT_PATTERN: &[u8] = b"abcdefghijklmnopqrstuvwxyz\n";
/// Upper bound on one `emit`, so a typo cannot spin for minutes.
const EMIT_MAX: u64 = 1 << 30;

fn emit(buf: &mut CappedBuf, n: u64) {
    let chunk: Vec<u8> = EMIT_PATTERN
        .iter()
        .copied()
        .cycle()
        .take(EMIT_PATTERN.len() * 2048)
        .collect();
    let mut left = n as usize;
    let mut offset = 0usize;
    while left > 0 {
        // Keep the pattern continuous across chunks.
        let start = offset % EMIT_PATTERN.len();
        let take = left.min(chunk.len() - start);
        buf.write(&chunk[start..start + take]);
        offset += take;
        left -= take;
    }
}

/// Strips one level of matching quotes around `echo`'s text.
fn unquote(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// The `echo` language. Commands are separated by `;` or newlines:
/// `echo TEXT` (stdout), `echo TEXT >&2` (stderr), `exit N`, `sleep S`, `emit N`,
/// `emit-stderr N`, `true`, `false`; anything else prints `sh: CMD: not found` and sets 127.
pub async fn run_echo(command: &str) -> Result<ExecResult, ExecError> {
    let mut out = CappedBuf::default();
    let mut err = CappedBuf::default();
    let mut status: i64 = 0;
    let mut slept = 0.0f64;
    for raw in command.split([';', '\n']) {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let (word, rest) = match line.split_once(char::is_whitespace) {
            Some((w, r)) => (w, r.trim()),
            None => (line, ""),
        };
        match word {
            "echo" => {
                let (text, to_err) = match rest.strip_suffix(">&2") {
                    Some(t) => (t.trim_end(), true),
                    None => (rest, false),
                };
                let target = if to_err { &mut err } else { &mut out };
                target.write(unquote(text).as_bytes());
                target.write(b"\n");
                status = 0;
            }
            "exit" => {
                if rest.is_empty() {
                    return Ok(finish(status, out, err));
                }
                return Ok(match rest.parse::<i64>() {
                    Ok(n) => finish(n.rem_euclid(256), out, err),
                    Err(_) => {
                        err.write(format!("sh: exit: Illegal number: {rest}\n").as_bytes());
                        finish(2, out, err)
                    }
                });
            }
            "sleep" => match rest.parse::<f64>() {
                Ok(s) if s.is_finite() && s >= 0.0 => {
                    slept += s;
                    if slept > EXEC_LIMIT_SECS as f64 {
                        // Past the limit the platform gives up; no need to wait it out.
                        return Err(ExecError::TimedOut);
                    }
                    tokio::time::sleep(Duration::from_secs_f64(s)).await;
                    status = 0;
                }
                _ => {
                    err.write(format!("sleep: invalid time interval '{rest}'\n").as_bytes());
                    status = 1;
                }
            },
            "emit" | "emit-stderr" => match rest.parse::<u64>() {
                Ok(n) if n <= EMIT_MAX => {
                    emit(if word == "emit" { &mut out } else { &mut err }, n);
                    status = 0;
                }
                _ => {
                    err.write(format!("{word}: invalid byte count '{rest}'\n").as_bytes());
                    status = 2;
                }
            },
            "true" => status = 0,
            "false" => status = 1,
            other => {
                err.write(format!("sh: {other}: not found\n").as_bytes());
                status = 127;
            }
        }
    }
    Ok(finish(status, out, err))
}

async fn drain(mut r: impl AsyncRead + Unpin) -> CappedBuf {
    let mut buf = CappedBuf::default();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match r.read(&mut chunk).await {
            Ok(0) | Err(_) => return buf,
            Ok(n) => buf.write(&chunk[..n]),
        }
    }
}

/// Runs `sh -c command` in `dir` (created if needed), killed after the limit.
pub async fn run_host(command: &str, dir: &Path) -> Result<ExecResult, ExecError> {
    std::fs::create_dir_all(dir).map_err(|e| ExecError::Spawn(e.to_string()))?;
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| ExecError::Spawn(e.to_string()))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| ExecError::Spawn("no stdout".into()))?;
    let stderr = child
        .stderr
        .take()
        .ok_or_else(|| ExecError::Spawn("no stderr".into()))?;
    let work = async {
        let (out, err, status) = tokio::join!(drain(stdout), drain(stderr), child.wait());
        (out, err, status)
    };
    match tokio::time::timeout(Duration::from_secs(EXEC_LIMIT_SECS), work).await {
        Ok((out, err, status)) => {
            let status = status.map_err(|e| ExecError::Spawn(e.to_string()))?;
            // A signal death reads like a shell's 128 + signal.
            let code = status.code().map(i64::from).unwrap_or_else(|| {
                use std::os::unix::process::ExitStatusExt;
                128 + i64::from(status.signal().unwrap_or(9))
            });
            Ok(finish(code, out, err))
        }
        Err(_) => Err(ExecError::TimedOut), // dropping the child kills it (kill_on_drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    #[test]
    fn echo_language() {
        let r = rt()
            .block_on(run_echo("echo hello; echo 'to err' >&2\necho \"q\""))
            .unwrap();
        assert_eq!(r.stdout, "hello\nq\n");
        assert_eq!(r.stderr, "to err\n");
        assert_eq!(r.exit_code, 0);
        let r = rt().block_on(run_echo("echo a; exit 3; echo b")).unwrap();
        assert_eq!((r.stdout.as_str(), r.exit_code), ("a\n", 3));
        let r = rt().block_on(run_echo("ls -la")).unwrap();
        assert_eq!(
            (r.stderr.as_str(), r.exit_code),
            ("sh: ls: not found\n", 127)
        );
        let r = rt().block_on(run_echo("")).unwrap();
        assert_eq!(
            r,
            ExecResult {
                exit_code: 0,
                stdout: String::new(),
                stderr: String::new(),
                truncated: false
            }
        );
        assert!(matches!(
            rt().block_on(run_echo("sleep 0.01; sleep 280")),
            Err(ExecError::TimedOut)
        ));
    }

    #[test]
    fn caps_cut_the_middle() {
        let r = rt().block_on(run_echo("emit 524288")).unwrap();
        assert_eq!((r.stdout.len(), r.truncated), (EXEC_CAP, false));
        let r = rt()
            .block_on(run_echo("emit 1000000; emit-stderr 10"))
            .unwrap();
        assert_eq!((r.stdout.len(), r.truncated), (EXEC_CAP, true));
        assert!(r.stdout.starts_with("abcdefghijklmnopqrstuvwxyz\nabc"));
        // The tail is the stream's real end: 1_000_000 % 27 = 1 → it ends in "…\na".
        assert!(r.stdout.ends_with("xyz\na"));
        assert_eq!(r.stderr, "abcdefghij");
    }

    #[test]
    fn capped_buf_keeps_head_and_tail() {
        let mut b = CappedBuf::default();
        for i in 0..(EXEC_CAP + 10) {
            b.write(&[(i % 251) as u8]);
        }
        assert!(b.truncated());
        assert_eq!(b.head.len() + b.tail.len(), EXEC_CAP);
        assert_eq!(*b.tail.back().unwrap(), ((EXEC_CAP + 9) % 251) as u8);
    }
}
