//! Running a child process with captured output and a time-out that ends it gracefully.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What a finished (or timed-out) process left behind.
#[derive(Clone)]
pub struct Output {
    /// The command line, for messages.
    pub command: String,
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// True when the time-out expired and the process was signalled.
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0) && !self.timed_out
    }

    /// Panics, showing everything, unless the process exited with 0.
    #[track_caller]
    pub fn assert_success(&self) -> &Output {
        assert!(self.success(), "expected success:\n{self}");
        self
    }

    /// Panics, showing everything, unless the process exited with a non-zero code.
    #[track_caller]
    pub fn assert_failure(&self) -> &Output {
        assert!(
            !self.timed_out && matches!(self.code, Some(c) if c != 0),
            "expected a failure exit code:\n{self}"
        );
        self
    }

    /// stdout followed by stderr.
    pub fn combined(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ended = match (self.timed_out, self.code) {
            (true, _) => "TIMED OUT".to_string(),
            (false, Some(code)) => format!("exit code {code}"),
            (false, None) => "killed by a signal".to_string(),
        };
        write!(
            f,
            "$ {}\n[{ended} after {:.1?}]\n--- stdout ---\n{}\n--- stderr ---\n{}\n--- end ---",
            self.command, self.elapsed, self.stdout, self.stderr
        )
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Runs `cmd` (stdin from /dev/null, stdout and stderr captured) in its own process group.
/// After `timeout`, SIGTERM goes to the process (Terraform then stops gracefully and tells its
/// providers to stop); after `grace` more, SIGKILL goes to the whole group. Whatever is left in
/// the group when the process exits (an orphaned provider or provisioner child) is killed too.
pub fn run(mut cmd: Command, command: String, timeout: Duration, grace: Duration) -> Output {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start `{command}`: {e}"));
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());

    // Poll until the leader has exited. It is reaped only after SIGKILL went to its whole group,
    // so the group id cannot have been reused, and nothing it started (a provider, a
    // provisioner's child) outlives it or keeps our pipes open.
    let deadline = started + timeout;
    let mut timed_out = false;
    let mut terminated_at: Option<Instant> = None;
    let status = loop {
        match state(&mut child) {
            State::Exited => {
                signal(&child, "KILL", true);
                break child
                    .wait()
                    .unwrap_or_else(|e| panic!("waiting for `{command}`: {e}"));
            }
            State::Reaped(status) => break status,
            State::Running => {}
        }
        let now = Instant::now();
        match terminated_at {
            None if now >= deadline => {
                timed_out = true;
                signal(&child, "TERM", false);
                terminated_at = Some(now);
            }
            Some(at) if now >= at + grace => {
                signal(&child, "KILL", true);
                break child
                    .wait()
                    .unwrap_or_else(|e| panic!("waiting for `{command}`: {e}"));
            }
            _ => {}
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        command,
        code: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        timed_out,
        elapsed: started.elapsed(),
    }
}

fn drain(pipe: Option<impl Read + Send + 'static>) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

enum State {
    Running,
    /// Exited but not reaped (a zombie): its process group id is still ours.
    Exited,
    /// Exited and reaped (where /proc is not available to look without reaping).
    Reaped(std::process::ExitStatus),
}

fn state(child: &mut Child) -> State {
    // Linux: read the state in /proc without reaping.
    if std::path::Path::new(&format!("/proc/{}/stat", child.id())).exists() {
        return if has_exited(child.id()) {
            State::Exited
        } else {
            State::Running
        };
    }
    match child.try_wait() {
        Ok(Some(status)) => State::Reaped(status),
        Ok(None) => State::Running,
        Err(e) => panic!("waiting for process {}: {e}", child.id()),
    }
}

/// `kill -NAME PID` (or `-PGID` for the whole group), with the system's `kill`.
pub fn signal(child: &Child, name: &str, whole_group: bool) {
    if whole_group {
        signal_group(child.id(), name);
    } else {
        signal_pid(child.id(), name);
    }
}

/// Stops a child this program started: SIGTERM (it can clean up: close a database, remove a
/// socket), SIGKILL if it is still there after `grace`; then reaps it.
pub fn terminate(child: &mut Child, grace: Duration) {
    if let Ok(None) = child.try_wait() {
        signal_pid(child.id(), "TERM");
        let deadline = Instant::now() + grace;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends signal `name` (`TERM`, `INT`, `KILL`) to one process this program started; true if
/// `kill` succeeded.
pub fn signal_pid(pid: u32, name: &str) -> bool {
    kill(name, &pid.to_string())
}

/// Sends signal `name` to the process group `pgid` (a group this program made).
pub fn signal_group(pgid: u32, name: &str) -> bool {
    kill(name, &format!("-{pgid}"))
}

fn kill(name: &str, target: &str) -> bool {
    Command::new("kill")
        .arg(format!("-{name}"))
        .arg("--")
        .arg(target)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether `pid` (a child not reaped yet) has exited: a zombie in `/proc`. Looking does not
/// reap it, so its process group id stays ours until the caller reaps it.
pub fn has_exited(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let i = stat.rfind(')')?;
            stat[i + 1..].trim_start().chars().next()
        })
        .is_some_and(|state| matches!(state, 'Z' | 'X'))
}
