//! `cargo xtask demo`: the quickstart, applied for real against a local emulator.
//!
//! Everything lives in `target/demo/`: `emulator.db` (the emulator's state, kept between runs),
//! `api-key` and `port` (chosen once, so instance URLs in the Terraform state stay valid),
//! `emulator.log`, `cli.tfrc`, and `quickstart/` (a copy of `examples/quickstart/` plus the
//! Terraform state). The emulator runs only while the command does.

use std::collections::hash_map::RandomState;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::setup::{self, TfVersion};
use crate::util::{self, Paths};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Apply the quickstart, show outputs and a no-op plan.
    Apply,
    /// Destroy what the demo applied.
    Destroy,
    /// Serve the demo emulator in the foreground until Ctrl-C.
    Serve,
}

/// The port the demo emulator prefers the first time (any free one otherwise).
const PREFERRED_PORT: u16 = 37037;

/// Takes `--api-revision REV` (or `--api-revision=REV`) out of the demo's arguments.
pub fn split_api_revision(args: &[String]) -> Result<(Option<String>, Vec<String>), String> {
    let mut revision = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--api-revision" {
            revision = Some(it.next().ok_or("--api-revision needs a value")?.clone());
        } else if let Some(v) = a.strip_prefix("--api-revision=") {
            revision = Some(v.to_string());
        } else {
            rest.push(a.clone());
        }
    }
    Ok((revision, rest))
}

pub fn run(paths: &Paths, mode: Mode, api_revision: Option<&str>) -> Result<ExitCode, String> {
    // Explicit every time: the emulator stores the revision in its database, so a plain
    // `demo` after a `demo --api-revision 2026-08-21` must ask for 2026-06-25 again.
    let api_revision = Some(api_revision.unwrap_or("2026-06-25"));
    let dir = paths.target.join("demo");
    let work = dir.join("quickstart");
    let example = paths.root.join("examples").join("quickstart");

    let mut build = util::cargo();
    build.current_dir(&paths.root).args(["build", "--quiet"]);
    if mode != Mode::Serve {
        build.args(["--package", "terraform-provider-agent37"]);
    }
    build.args(["--package", "agent37-emulator", "--bins"]);
    util::step(util::describe(&build));
    util::run(&mut build)?;

    let launcher = match mode {
        Mode::Serve => None,
        _ => Some(setup::ensure(paths, TfVersion::V1_15)?),
    };
    if mode == Mode::Apply && !has_tf_files(&example) {
        return Err(format!(
            "{} holds no .tf files: the quickstart example is needed for the demo",
            paths.show(&example)
        ));
    }
    if mode == Mode::Destroy && !work.join("terraform.tfstate").is_file() {
        eprintln!(
            "xtask: nothing to destroy: {} holds no state",
            paths.show(&work)
        );
        return Ok(ExitCode::SUCCESS);
    }

    util::create_dir_all(&dir)?;
    let key = load_or_create_key(&dir.join("api-key"))?;
    let port = load_or_pick_port(&dir.join("port"))?;
    // Ctrl-C reaches Terraform (or, with --serve, the emulator) directly; we stay to clean up.
    util::ignore_sigint();
    let mut emulator = Emulator::start(paths, &dir, port, &key, mode != Mode::Serve, api_revision)?;
    let root_url = emulator.root_url.clone();
    let base_url = format!("{root_url}/v1");

    if mode == Mode::Serve {
        print_serve_help(paths, &dir, &work, &root_url);
        let status = emulator.wait()?;
        eprintln!("xtask: the emulator stopped ({})", util::exit_text(status));
        return Ok(ExitCode::SUCCESS);
    }

    let Some(launcher) = launcher else {
        return Err("internal error: no Terraform launcher".into());
    };
    let cli_config = dir.join("cli.tfrc");
    util::write_if_changed(&cli_config, util::cli_config(&paths.debug_dir()).as_bytes())?;
    let tf = DemoTerraform {
        launcher,
        cli_config,
        work: work.clone(),
        key: key.clone(),
        base_url,
    };

    let result = match mode {
        Mode::Apply => apply(&example, &tf),
        _ => destroy(&tf),
    };
    drop(emulator);
    result?;
    match mode {
        Mode::Apply => print_apply_help(paths, &tf),
        _ => println!(
            "\nThe demo objects are destroyed. The emulator database {} remains (with the \
             workspace and its history); `rm -rf {}` starts over from nothing.",
            paths.show(&dir.join("emulator.db")),
            paths.show(&dir)
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn apply(example: &Path, tf: &DemoTerraform) -> Result<(), String> {
    sync_example(example, &tf.work)?;
    tf.run(&["apply", "-auto-approve"])?;
    tf.run(&["output"])?;
    let mut plan = tf.command(&["plan", "-detailed-exitcode"]);
    util::step("terraform plan -detailed-exitcode (right after apply: expect no changes)");
    let status = util::status(&mut plan)?;
    match status.code() {
        Some(0) => eprintln!("xtask: the plan after apply is empty: No changes."),
        Some(2) => {
            return Err(
                "the plan right after apply proposes changes (see above): the provider is not \
                 idempotent on the quickstart"
                    .into(),
            );
        }
        _ => {
            return Err(format!(
                "`terraform plan` failed ({})",
                util::exit_text(status)
            ));
        }
    }
    Ok(())
}

fn destroy(tf: &DemoTerraform) -> Result<(), String> {
    tf.run(&["destroy", "-auto-approve"])
}

fn print_apply_help(paths: &Paths, tf: &DemoTerraform) {
    let work = paths.show(&tf.work);
    let key_file = paths.show(&tf.work.with_file_name("api-key"));
    let root_url = tf.base_url.trim_end_matches("/v1");
    println!(
        "
The quickstart is applied. Look around (from the repository root):
  cargo xtask terraform -- -chdir={work} show
  cargo xtask terraform -- -chdir={work} output chat_url
  cargo xtask terraform -- -chdir={work} state list

The emulator is stopped; its database keeps the objects. To talk to it again:
  cargo xtask demo --serve        # serves {root_url}/v1 until Ctrl-C
  curl -s -H \"Authorization: Bearer $(cat {key_file})\" {root_url}/v1/instances
  curl -s {root_url}/_emulator/requests
  export AGENT37_BASE_URL={root_url}/v1 AGENT37_API_KEY=$(cat {key_file})
  cargo xtask terraform -- -chdir={work} plan    # with the two exports above

Destroy the demo objects: cargo xtask demo --destroy"
    );
}

fn print_serve_help(paths: &Paths, dir: &Path, work: &Path, root_url: &str) {
    let key_file = paths.show(&dir.join("api-key"));
    let work = paths.show(work);
    println!(
        "
The demo emulator serves {root_url}/v1 (database {db}); Ctrl-C stops it.
  curl -s -H \"Authorization: Bearer $(cat {key_file})\" {root_url}/v1/instances
  curl -s -H \"Authorization: Bearer $(cat {key_file})\" {root_url}/v1/templates
  curl -s {root_url}/_emulator/requests
In another terminal, Terraform on the demo state:
  export AGENT37_BASE_URL={root_url}/v1 AGENT37_API_KEY=$(cat {key_file})
  cargo xtask terraform -- -chdir={work} plan",
        db = paths.show(&dir.join("emulator.db")),
    );
}

/// Terraform 1.15 in the demo's work directory, with the emulator's key and URL.
struct DemoTerraform {
    launcher: PathBuf,
    cli_config: PathBuf,
    work: PathBuf,
    key: String,
    base_url: String,
}

impl DemoTerraform {
    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.launcher);
        cmd.arg(format!("-chdir={}", self.work.display()))
            .args(args)
            .stdin(Stdio::null());
        util::terraform_env(&mut cmd, &self.cli_config);
        cmd.env("TF_INPUT", "0")
            .env("TF_DATA_DIR", self.work.join(".terraform"))
            .env("AGENT37_API_KEY", &self.key)
            .env("AGENT37_BASE_URL", &self.base_url);
        if !std::io::stdout().is_terminal() {
            cmd.env("TF_CLI_ARGS", "-no-color");
        }
        cmd
    }

    fn run(&self, args: &[&str]) -> Result<(), String> {
        util::step(format!("terraform {}", args.join(" ")));
        let mut cmd = self.command(args);
        let status = util::status(&mut cmd)?;
        if status.success() {
            Ok(())
        } else {
            Err(format!(
                "`terraform {}` failed ({})",
                args.join(" "),
                util::exit_text(status)
            ))
        }
    }
}

fn has_tf_files(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.path().extension().is_some_and(|ext| ext == "tf"))
    })
}

/// Copies the example's files into the work directory, replacing the configuration files of an
/// earlier run but keeping the state and `.terraform/`.
fn sync_example(example: &Path, work: &Path) -> Result<(), String> {
    util::create_dir_all(work)?;
    let read =
        |dir: &Path| fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()));
    for entry in read(work)?.flatten() {
        let path = entry.path();
        let is_config = path
            .extension()
            .is_some_and(|ext| ext == "tf" || ext == "tfvars");
        if is_config && path.is_file() {
            fs::remove_file(&path).map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
        }
    }
    for entry in read(example)?.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let skip = name == ".terraform"
            || name == ".terraform.lock.hcl"
            || name.to_string_lossy().contains(".tfstate");
        if skip || !path.is_file() {
            continue;
        }
        fs::copy(&path, work.join(&name)).map_err(|e| {
            format!(
                "cannot copy {} into {}: {e}",
                path.display(),
                work.display()
            )
        })?;
    }
    Ok(())
}

fn load_or_create_key(path: &Path) -> Result<String, String> {
    if let Ok(key) = fs::read_to_string(path) {
        let key = key.trim();
        if key.starts_with("sk_live_") && key.len() >= 32 {
            return Ok(key.to_string());
        }
    }
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut key = String::from("sk_live_");
    let state = RandomState::new();
    for i in 0..32u64 {
        let mut hasher = state.build_hasher();
        hasher.write_u64(i);
        key.push(ALPHABET[(hasher.finish() % ALPHABET.len() as u64) as usize] as char);
    }
    fs::write(path, format!("{key}\n"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(key)
}

/// The demo keeps one port for good: the instance URLs in its state contain it.
fn load_or_pick_port(path: &Path) -> Result<u16, String> {
    if let Some(port) = fs::read_to_string(path)
        .ok()
        .and_then(|p| p.trim().parse::<u16>().ok())
    {
        return if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            Ok(port)
        } else {
            Err(format!(
                "port {port} on 127.0.0.1 is in use (is `cargo xtask demo --serve` running in \
                 another terminal?). The demo keeps its port because the instance URLs in its \
                 state contain it; `rm -rf {}` starts over on a new one.",
                path.parent().unwrap_or(path).display()
            ))
        };
    }
    let port = match TcpListener::bind(("127.0.0.1", PREFERRED_PORT)) {
        Ok(_) => PREFERRED_PORT,
        Err(_) => TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))?,
    };
    fs::write(path, format!("{port}\n"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(port)
}

/// The demo's emulator process: stopped (SIGTERM, then SIGKILL) when dropped.
struct Emulator {
    child: Option<Child>,
    root_url: String,
}

impl Emulator {
    fn start(
        paths: &Paths,
        dir: &Path,
        port: u16,
        key: &str,
        own_process_group: bool,
        api_revision: Option<&str>,
    ) -> Result<Emulator, String> {
        let log_path = dir.join("emulator.log");
        let log = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
        let mut cmd = Command::new(paths.emulator_bin());
        cmd.arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--db")
            .arg(dir.join("emulator.db"))
            .arg("--api-key")
            .arg(key) // the default workspace (paid, 1000 USD) is made on first use
            .args(
                api_revision
                    .map(|r| ["--api-revision", r])
                    .into_iter()
                    .flatten(),
            )
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_err);
        #[cfg(unix)]
        if own_process_group {
            // Out of the terminal's process group: Ctrl-C stops Terraform gracefully while the
            // emulator keeps answering it; we stop the emulator afterwards.
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        #[cfg(not(unix))]
        let _ = own_process_group;
        util::step(util::describe(&cmd));
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", paths.emulator_bin().display()))?;

        // Its stdout goes to the log, and the first line (the URL) to us.
        let stdout = child.stdout.take().ok_or("emulator stdout not captured")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut log = log;
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = writeln!(log, "{line}");
                let _ = tx.send(line);
            }
        });
        let mut emulator = Emulator {
            child: Some(child),
            root_url: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let prefix = "agent37-emulator listening on ";
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.trim().strip_prefix(prefix) {
                        emulator.root_url = url.trim_end_matches('/').to_string();
                        eprintln!(
                            "xtask: emulator at {} (log: {})",
                            emulator.root_url,
                            paths.show(&log_path)
                        );
                        return Ok(emulator);
                    }
                }
                Err(_) => {
                    // Its own last words (e.g. a database of another layout) say why.
                    let log = fs::read_to_string(&log_path).unwrap_or_default();
                    let last = log
                        .lines()
                        .rev()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("");
                    return Err(format!(
                        "the emulator did not print `{prefix}...` (see {}): {last}",
                        log_path.display()
                    ));
                }
            }
        }
    }

    fn wait(&mut self) -> Result<std::process::ExitStatus, String> {
        let mut child = self.child.take().ok_or("the emulator is not running")?;
        child
            .wait()
            .map_err(|e| format!("waiting for the emulator: {e}"))
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        if let Ok(None) = child.try_wait() {
            util::signal(child.id(), "TERM");
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    eprintln!("xtask: emulator stopped");
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
        }
        let _ = child.wait();
        eprintln!("xtask: emulator stopped");
    }
}
