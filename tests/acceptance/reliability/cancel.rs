//! Ctrl-C during an apply of 30 creates, about half of them slow (5 s on the server): SIGINT goes
//! to Terraform's process group (as a terminal sends it), Terraform stops the provider, the
//! provider's in-flight calls stop promptly (an interrupted create only finishes its bounded
//! look-up), Terraform saves the instances already made in its state and exits; a re-apply then
//! converges with exactly 30 instances on the server: none duplicated, none orphaned.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use testkit::prelude::*;
use testkit::process;

use crate::common::no_instances_left;

const COUNT: usize = 30;
/// Each create takes this long on the server (the emulator's latency fault).
const CREATE_MS: u64 = 5000;
/// Terraform must be gone this long after the interrupt: the provider stops its calls at once,
/// and an interrupted create's look-up is bounded (30 s at most by the spec, far less here).
const EXIT_WITHIN: Duration = Duration::from_secs(20);

fn config() -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    agent37 = {{ source = "agent37/agent37" }}
  }}
}}

provider "agent37" {{}}

resource "agent37_instance" "slow" {{
  count = {COUNT}
  name  = "slow-${{count.index}}"
}}
"#
    )
}

/// `cmd` with SIGINT back to its default disposition. A process started in the background by a
/// non-interactive shell (as a CI step may be) inherits SIGINT ignored, and Terraform would then
/// never see the interrupt; Python (which the Terraform launcher runs) can reset it before it
/// execs the command.
fn with_default_sigint(cmd: Command) -> Command {
    let mut wrapped = Command::new("python3");
    wrapped
        .arg("-c")
        .arg(
            "import os, signal, sys\n\
             signal.signal(signal.SIGINT, signal.SIG_DFL)\n\
             os.execv(sys.argv[1], sys.argv[1:])",
        )
        .arg(cmd.get_program())
        .args(cmd.get_args());
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    for (key, value) in cmd.get_envs() {
        match value {
            Some(v) => wrapped.env(key, v),
            None => wrapped.env_remove(key),
        };
    }
    wrapped
}

/// Terraform's process group, killed whole when finished or dropped (also when the test
/// fails), so no Terraform or provider process outlives the test. The leader is reaped only
/// after that, so the group id cannot have been reused by then.
struct Group(Child, Option<std::process::ExitStatus>);

impl Group {
    /// The leader has exited (a zombie, not reaped yet).
    fn exited(&self) -> bool {
        process::has_exited(self.0.id())
    }

    /// Kills what is left of the group and reaps the leader: its exit status.
    fn finish(&mut self) -> Option<std::process::ExitStatus> {
        if self.1.is_none() {
            process::signal(&self.0, "KILL", true);
            self.1 = self.0.wait().ok();
        }
        self.1
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

fn creates_sent(emu: &Emulator) -> u64 {
    emu.count("POST /v1/instances")
}

fn interrupted_apply(m: Matrix) {
    let emu = m.emulator(&["--instance-limit", "60", "--wallet-micros", "100000000000"]);
    let mut case = m.case(&emu);
    case.check_destroy(|| no_instances_left(&emu));
    let tf = case.tf();
    tf.write_main(&config());
    // About half the creates are slow; the others finish before the interrupt and must be in
    // the saved state.
    emu.set_faults(&json!({"seed": 7, "rules": [
        {"route": "POST /v1/instances", "kind": "latency", "ms": CREATE_MS, "probability": 0.5}
    ]}));

    let mut cmd = with_default_sigint(tf.command(&["apply", "-auto-approve", "-parallelism=30"]));
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut group = Group(cmd.spawn().expect("start terraform apply"), None);
    let child = &mut group.0;
    // stdout line by line, so the test sees the creates start; stderr as a whole.
    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    let stdout_pipe = child.stdout.take().expect("piped stdout");
    let stdout = std::thread::spawn(move || {
        let mut text = String::new();
        for line in BufReader::new(stdout_pipe).lines().map_while(Result::ok) {
            text.push_str(&line);
            text.push('\n');
            let _ = lines_tx.send(line);
        }
        text
    });
    let mut stderr_pipe = child.stderr.take().expect("piped stderr");
    let stderr = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });

    // Interrupt once every create is on the wire (each takes CREATE_MS on the server).
    let mut creating = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    while creating < COUNT {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines_rx.recv_timeout(left) {
            Ok(line) if line.ends_with(": Creating...") => creating += 1,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert_eq!(creating, COUNT, "the creates did not start");
    std::thread::sleep(Duration::from_millis(1000));
    let sent_before = creates_sent(&emu);
    process::signal(child, "INT", true);
    let interrupted = Instant::now();

    while !group.exited() {
        if interrupted.elapsed() > EXIT_WITHIN + Duration::from_secs(30) {
            panic!("terraform did not exit after the interrupt");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let exit_after = interrupted.elapsed();
    // Nothing the group started may outlive it (a provider left behind).
    let status = group.finish().expect("reap terraform");
    let out = format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        stdout.join().unwrap_or_default(),
        stderr.join().unwrap_or_default()
    );
    assert!(!status.success(), "an interrupted apply fails:\n{out}");
    assert!(!out.contains("panic"), "{out}");
    assert!(
        exit_after < EXIT_WITHIN,
        "terraform took {exit_after:?} to exit after the interrupt:\n{out}"
    );
    assert!(
        exit_after < Duration::from_millis(CREATE_MS),
        "the in-flight creates were not cut short ({exit_after:?}):\n{out}"
    );
    let state = tf.workdir().read("terraform.tfstate");
    let state: Value = serde_json::from_str(&state).expect("the state is JSON");
    let saved = state["resources"]
        .as_array()
        .map(|r| {
            r.iter()
                .map(|res| res["instances"].as_array().map_or(0, Vec::len))
                .sum::<usize>()
        })
        .unwrap_or(0);
    assert!(
        saved > 0 && saved < COUNT,
        "the fast creates are saved, the slow ones are not: {saved} in state\n{out}"
    );
    assert!(
        out.contains("Interrupt received") && out.contains("was cancelled"),
        "{out}"
    );

    // The platform finishes what it had accepted; then apply again without faults (and the
    // plan after it is empty).
    emu.clear_faults();
    std::thread::sleep(Duration::from_millis(CREATE_MS + 1000));
    let late = emu.instances().len();
    case.step(Step::reapply().args(&["-parallelism=30"]));
    let tf = case.tf();
    let on_server = emu.instances();
    let mut names: Vec<String> = on_server
        .values()
        .map(|i| i["name"].as_str().unwrap_or_default().to_string())
        .collect();
    names.sort();
    let mut expected: Vec<String> = (0..COUNT).map(|i| format!("slow-{i}")).collect();
    expected.sort();
    assert_eq!(
        names, expected,
        "exactly the configured instances, once each, after the re-apply"
    );
    let in_state: Vec<String> = (0..COUNT)
        .map(|i| {
            tf.state_values(&format!("agent37_instance.slow[{i}]"))["id"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    for id in &in_state {
        assert!(
            on_server.contains_key(id),
            "{id} is in state, not on the server"
        );
    }
    println!(
        "reliability_cancel (Terraform {}): {COUNT} creates started, {sent_before} answered before the interrupt, the rest in flight, \
         terraform exited {exit_after:.1?} after it, {saved} instance(s) saved in state, \
         {late} on the server once the platform finished, {} after the re-apply",
        m.tf.full(),
        on_server.len()
    );
    case.destroy();
}

matrix!(interrupted_apply);
