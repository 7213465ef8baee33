//! `cargo xtask demo`: the quickstart, applied for real against a local emulator.
//!
//! Everything lives in `target/demo/`: `emulator.db` (the emulator's state, kept between runs),
//! `api-key` and `port` (chosen once, so instance URLs in the Terraform state stay valid),
//! `emulator.log`, `cli.tfrc`, and `quickstart/` (a copy of `examples/quickstart/` plus the
//! Terraform state). The emulator runs only while the command does.

use std::collections::hash_map::RandomState;
use std::fs;
use std::hash::{BuildHasher, Hasher};
use std::io::IsTerminal;
use std::net::TcpListener;
use std::path::Path;
use std::process::{ExitCode, Stdio};
use std::time::Duration;

use testkit::{Emulator, Terraform, TfVersion, Workdir};

use crate::setup;
use crate::util::{self, Paths};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// What `cargo xtask demo` was asked to do.
#[derive(Debug, PartialEq, Eq)]
pub struct Args {
    pub mode: Mode,
    /// `--api-revision REV`: passed to the emulator as is (it validates the value).
    pub api_revision: Option<String>,
    /// `--scenario NAME`: apply `examples/scenarios/NAME/` instead of the quickstart.
    pub scenario: Option<String>,
}

impl Args {
    /// Parses the demo's arguments: `[--destroy | --serve] [--api-revision REV]
    /// [--scenario NAME]`, values also as `--flag=VALUE`.
    pub fn parse(args: &[String]) -> Result<Args, String> {
        let mut revision = None;
        let mut scenario = None;
        let mut modes = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
                _ => (a.as_str(), None),
            };
            let mut value = |slot: &mut Option<String>| -> Result<(), String> {
                let v = match inline.clone() {
                    Some(v) => v,
                    None => it.next().ok_or(format!("{flag} needs a value"))?.clone(),
                };
                *slot = Some(v);
                Ok(())
            };
            match flag {
                "--api-revision" => value(&mut revision)?,
                "--scenario" => value(&mut scenario)?,
                "--destroy" => modes.push(Mode::Destroy),
                "--serve" => modes.push(Mode::Serve),
                other => return Err(format!("`demo` does not know `{other}`")),
            }
        }
        let mode = match modes.as_slice() {
            [] => Mode::Apply,
            [one] => *one,
            _ => return Err("`demo` takes at most one of --destroy or --serve".into()),
        };
        if let Some(name) = &scenario {
            let plain = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !plain {
                return Err(format!(
                    "--scenario takes the name of a folder of examples/scenarios/, got `{name}`"
                ));
            }
        }
        Ok(Args {
            mode,
            api_revision: revision,
            scenario,
        })
    }
}

/// Where a demo run takes its configuration from and keeps its state.
struct Target {
    /// The example folder applied.
    example: std::path::PathBuf,
    /// The emulator's database, key, port and log (kept between runs).
    dir: std::path::PathBuf,
    /// The Terraform working directory (a copy of the example plus the state).
    work: std::path::PathBuf,
    /// The revision the emulator serves unless `--api-revision` says otherwise.
    default_revision: &'static str,
    /// Emulator options that shape the default workspace for this target.
    workspace_args: &'static [&'static str],
    /// The `demo` flags that select this target again, for the help texts.
    flags: String,
}

impl Target {
    fn of(paths: &Paths, scenario: Option<&str>) -> Target {
        match scenario {
            None => {
                let dir = paths.target.join("demo");
                Target {
                    example: paths.root.join("examples").join("quickstart"),
                    work: dir.join("quickstart"),
                    dir,
                    // The quickstart runs on every revision; the first one is the embedded
                    // default the README promises.
                    default_revision: "2026-06-25",
                    workspace_args: &[],
                    flags: String::new(),
                }
            }
            Some(name) => {
                // A scenario gets its own emulator database: its objects (and the revision it
                // needs) never mix with the quickstart's.
                let dir = paths.target.join("demo").join(format!("scenario-{name}"));
                Target {
                    example: paths.root.join("examples").join("scenarios").join(name),
                    work: dir.join(name),
                    dir,
                    // Scenarios show the platform as the service serves it today.
                    default_revision: "2026-08-21",
                    // Custom domains need $100 of top-ups in total (a scenario may register one).
                    workspace_args: &["--topups-micros", "100000000"],
                    flags: format!(" --scenario {name}"),
                }
            }
        }
    }
}

pub fn run(paths: &Paths, args: &Args) -> Result<ExitCode, String> {
    let mode = args.mode;
    let target = Target::of(paths, args.scenario.as_deref());
    // Explicit every time: the emulator stores the revision in its database, so a plain
    // `demo` after a `demo --api-revision 2026-08-21` must ask for the default again.
    let api_revision = Some(
        args.api_revision
            .as_deref()
            .unwrap_or(target.default_revision),
    );
    let (dir, work, example) = (&target.dir, &target.work, &target.example);
    if !example.is_dir() {
        return Err(format!(
            "{} does not exist: the scenarios are the folders of examples/scenarios/",
            paths.show(example)
        ));
    }

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
    if mode == Mode::Apply && !has_tf_files(example) {
        return Err(format!(
            "{} holds no .tf files: the quickstart example is needed for the demo",
            paths.show(example)
        ));
    }
    if mode == Mode::Destroy && !work.join("terraform.tfstate").is_file() {
        eprintln!(
            "xtask: nothing to destroy: {} holds no state",
            paths.show(work)
        );
        return Ok(ExitCode::SUCCESS);
    }

    util::create_dir_all(dir)?;
    let key = load_or_create_key(&dir.join("api-key"))?;
    let port = load_or_pick_port(&dir.join("port"))?;
    // Ctrl-C reaches Terraform (or, with --serve, the emulator) directly; we stay to clean up.
    util::ignore_sigint();
    let mut emulator = start_emulator(
        paths,
        dir,
        port,
        &key,
        mode != Mode::Serve,
        api_revision,
        target.workspace_args,
    )?;
    let root_url = emulator.root_url().to_string();

    if mode == Mode::Serve {
        print_serve_help(paths, &target, &root_url);
        let status = emulator
            .wait()
            .map_err(|e| format!("waiting for the emulator: {e}"))?;
        eprintln!("xtask: the emulator stopped ({})", util::exit_text(status));
        return Ok(ExitCode::SUCCESS);
    }

    let Some(launcher) = launcher else {
        return Err("internal error: no Terraform launcher".into());
    };
    let cli_config = dir.join("cli.tfrc");
    util::write_if_changed(
        &cli_config,
        util::dev_cli_config(&paths.debug_dir()).as_bytes(),
    )?;
    util::create_dir_all(work)?;
    let mut tf = Terraform::open(
        TfVersion::V1_15,
        launcher,
        Workdir::persistent(work),
        cli_config,
    );
    tf.use_emulator(&emulator)
        .set_color(std::io::stdout().is_terminal());

    let result = match mode {
        Mode::Apply => apply(example, &tf),
        _ => terraform(&tf, &["destroy", "-auto-approve"]),
    };
    emulator.stop();
    eprintln!("xtask: emulator stopped");
    result?;
    match mode {
        Mode::Apply => print_apply_help(paths, &target, &root_url),
        _ => println!(
            "\nThe demo objects are destroyed. The emulator database {} remains (with the \
             workspace and its history); `rm -rf {}` starts over from nothing.",
            paths.show(&dir.join("emulator.db")),
            paths.show(dir)
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn apply(example: &Path, tf: &Terraform) -> Result<(), String> {
    sync_example(example, tf.dir())?;
    terraform(tf, &["apply", "-auto-approve"])?;
    terraform(tf, &["output"])?;
    let mut plan = tf.command(&["plan", "-detailed-exitcode"]);
    plan.stdin(Stdio::null());
    util::step("terraform plan -detailed-exitcode (right after apply: expect no changes)");
    let status = util::status(&mut plan)?;
    match status.code() {
        Some(0) => eprintln!("xtask: the plan after apply is empty: No changes."),
        Some(2) => {
            return Err(
                "the plan right after apply proposes changes (see above): the provider is not \
                 idempotent on this example"
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

/// `terraform ARGS` in the demo directory, its output on the terminal.
fn terraform(tf: &Terraform, args: &[&str]) -> Result<(), String> {
    util::step(format!("terraform {}", args.join(" ")));
    let mut cmd = tf.command(args);
    cmd.stdin(Stdio::null());
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

fn print_apply_help(paths: &Paths, target: &Target, root_url: &str) {
    let key_file = paths.show(&target.dir.join("api-key"));
    let work = paths.show(&target.work);
    let flags = &target.flags;
    let what = if flags.is_empty() {
        "The quickstart".to_string()
    } else {
        format!("The scenario {}", paths.show(&target.example))
    };
    println!(
        "
{what} is applied. Look around (from the repository root):
  cargo xtask terraform -- -chdir={work} show
  cargo xtask terraform -- -chdir={work} output
  cargo xtask terraform -- -chdir={work} state list

The emulator is stopped; its database keeps the objects. To talk to it again:
  cargo xtask demo{flags} --serve        # serves {root_url}/v1 until Ctrl-C
  curl -s -H \"Authorization: Bearer $(cat {key_file})\" {root_url}/v1/instances
  curl -s {root_url}/_emulator/requests
  export AGENT37_BASE_URL={root_url}/v1 AGENT37_API_KEY=$(cat {key_file})
  cargo xtask terraform -- -chdir={work} plan    # with the two exports above

Destroy the demo objects: cargo xtask demo{flags} --destroy"
    );
}

fn print_serve_help(paths: &Paths, target: &Target, root_url: &str) {
    let key_file = paths.show(&target.dir.join("api-key"));
    let work = paths.show(&target.work);
    println!(
        "
The demo emulator serves {root_url}/v1 (database {db}); Ctrl-C stops it.
  curl -s -H \"Authorization: Bearer $(cat {key_file})\" {root_url}/v1/instances
  curl -s -H \"Authorization: Bearer $(cat {key_file})\" {root_url}/v1/templates
  curl -s {root_url}/_emulator/requests
In another terminal, Terraform on the demo state:
  export AGENT37_BASE_URL={root_url}/v1 AGENT37_API_KEY=$(cat {key_file})
  cargo xtask terraform -- -chdir={work} plan",
        db = paths.show(&target.dir.join("emulator.db")),
    );
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

/// The demo's emulator on its persistent database, key and port, logging to
/// `target/demo/emulator.log`; stopped with SIGTERM (then SIGKILL) when dropped.
fn start_emulator(
    paths: &Paths,
    dir: &Path,
    port: u16,
    key: &str,
    own_process_group: bool,
    api_revision: Option<&str>,
    workspace_args: &[&str],
) -> Result<Emulator, String> {
    let listen = format!("127.0.0.1:{port}");
    let db = dir.join("emulator.db").to_string_lossy().into_owned();
    let log = dir.join("emulator.log");
    // The default workspace (paid, 1000 USD) is made with this key on first use. The revision is
    // always named: the emulator stores it in its database, so a demo run under another
    // revision would otherwise stick.
    let mut args = vec!["--listen", &listen, "--db", &db, "--api-key", key];
    if let Some(rev) = api_revision {
        args.extend(["--api-revision", rev]);
    }
    args.extend(workspace_args);
    util::step(format!("agent37-emulator {}", args.join(" ")));
    let mut builder = Emulator::builder()
        .bin(paths.emulator_bin())
        .args(&args)
        .log_file(&log)
        .graceful_stop(Duration::from_secs(5));
    if own_process_group {
        // Out of the terminal's process group: Ctrl-C stops Terraform gracefully while the
        // emulator keeps answering it; we stop the emulator afterwards.
        builder = builder.own_process_group();
    }
    let emulator = builder.start().map_err(|e| e.to_string())?;
    eprintln!(
        "xtask: emulator at {} (log: {})",
        emulator.root_url(),
        paths.show(&log)
    );
    Ok(emulator)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, String> {
        Args::parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn arguments() {
        assert_eq!(
            parse(&[]),
            Ok(Args {
                mode: Mode::Apply,
                api_revision: None,
                scenario: None
            })
        );
        assert_eq!(
            parse(&["--scenario", "custom-domain-fleet", "--destroy"]),
            Ok(Args {
                mode: Mode::Destroy,
                api_revision: None,
                scenario: Some("custom-domain-fleet".into())
            })
        );
        assert_eq!(
            parse(&["--api-revision=2026-08-21", "--serve"]),
            Ok(Args {
                mode: Mode::Serve,
                api_revision: Some("2026-08-21".into()),
                scenario: None
            })
        );
        assert_eq!(
            parse(&["--destroy", "--serve"]),
            Err("`demo` takes at most one of --destroy or --serve".into())
        );
        assert_eq!(
            parse(&["--scenario"]),
            Err("--scenario needs a value".into())
        );
        assert_eq!(
            parse(&["--scenario", "../x"]),
            Err("--scenario takes the name of a folder of examples/scenarios/, got `../x`".into())
        );
        assert_eq!(
            parse(&["--fast"]),
            Err("`demo` does not know `--fast`".into())
        );
    }
}
