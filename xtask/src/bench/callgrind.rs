//! `cargo xtask bench --callgrind`: the provider's instructions per resource and per RPC, counted
//! by valgrind's callgrind: deterministic where wall-clock times on a shared machine move by
//! ±10 %.
//!
//! Terraform starts the provider as always (dev_overrides, AutoMTLS, one process per phase of
//! a command), but through a wrapper script that runs the release binary under
//! `valgrind --tool=callgrind`, one profile per process. Measured, each command in a directory
//! of its own:
//!
//! - `plan -refresh=false` over N instances in the state: the headline, the provider's
//!   instructions per resource (every process of the command, handshakes included), and per
//!   call of `UpgradeResourceState`, `ValidateResourceConfig`, `PlanResourceChange`;
//! - `plan` (with refresh) over the same state: per `ReadResource`;
//! - `apply` of N creates: per `ApplyResourceChange`;
//! - one start as Terraform starts a plugin, to its handshake line, then SIGTERM: per handshake.
//!
//! A call's figure is the inclusive cost of the SDK server's handler for that RPC (decoding the
//! values, the semantic layer, the resource's code, encoding); what the process spends around
//! the handlers (TLS, HTTP/2, protobuf, the runtime) is shown as the transport share of the plan.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::cgfile::{FnCost, Profile};
use super::fleet::create_instances;
use super::procs;
use super::results::{Row, Unit};
use super::tf::Tf;
use super::{Bench, start_emulator, write};
use crate::{cross, util};

/// The fleet of the callgrind runs: small, since valgrind runs the provider about 50× slower.
pub(super) const CALLGRIND_N: usize = 100;

/// How long a provider under valgrind may take to write its profile after Terraform is done.
const EXIT_WAIT: Duration = Duration::from_secs(120);

/// The RPCs measured, with the name of the SDK server's handler.
const RPCS: [(&str, &str); 5] = [
    ("UpgradeResourceState", "upgrade_resource_state"),
    ("ValidateResourceConfig", "validate_resource_config"),
    ("PlanResourceChange", "plan_resource_change"),
    ("ReadResource", "read_resource"),
    ("ApplyResourceChange", "apply_resource_change"),
];

/// valgrind, installed with apt-get when this process may; else why the callgrind rows are
/// skipped.
pub(super) fn ensure_valgrind() -> Result<(), String> {
    let missing = cross::ensure_debian_packages(&[], &[("valgrind", "valgrind")]);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "skipping the callgrind rows: missing {}",
            missing.join(", ")
        ))
    }
}

/// The profiles of every provider process one command started.
struct CommandProfile {
    processes: Vec<Profile>,
}

impl CommandProfile {
    fn total_ir(&self) -> u64 {
        self.processes.iter().map(|p| p.total_ir).sum()
    }

    /// The handler of RPC `method` over all processes.
    fn handler(&self, method: &str) -> FnCost {
        let mut sum = FnCost::default();
        for p in &self.processes {
            let c = handler_cost(p, method);
            sum.inclusive_ir += c.inclusive_ir;
            sum.calls += c.calls;
        }
        sum
    }
}

/// The cost of the SDK server's handler `method` in one profile. The `async_trait` handler is a
/// boxed future: its `{{closure}}` is the work (polled once per call when nothing waits, more
/// often for a call doing I/O), and the future is dropped once per call (where the compiler
/// inlined that drop, the polls count the calls).
fn handler_cost(p: &Profile, method: &str) -> FnCost {
    let body = format!("provider_server::Provider>::{method}::{{{{closure}}}}");
    let dropped = format!("{body}>");
    let body_cost = p.matching(|name| name.ends_with(&body));
    let drops = p
        .matching(|name| name.starts_with("core::ptr::drop_in_place<") && name.ends_with(&dropped));
    FnCost {
        self_ir: body_cost.self_ir,
        inclusive_ir: body_cost.inclusive_ir,
        calls: if drops.calls > 0 {
            drops.calls
        } else {
            body_cost.calls
        },
    }
}

impl Bench {
    /// The callgrind rows: instructions per resource of a `plan -refresh=false` over
    /// [`CALLGRIND_N`] instances, per RPC kind and per handshake.
    pub(super) fn callgrind_benchmark(&mut self) -> Result<(), String> {
        let n = CALLGRIND_N;
        if let Err(why) = ensure_valgrind() {
            eprintln!("xtask: {why}");
            return Ok(());
        }
        let root = self.work.join("callgrind");
        util::create_dir_all(&root)?;
        let emu = start_emulator(
            &self.emulator_bin,
            &self.work.join("emulator-callgrind.log"),
        )?;
        util::step(format!("callgrind: creating {n} instances, importing them"));
        let ids = create_instances(&emu, n)?;
        self.tf.env = emu.provider_env();
        let plan_dir = self.import_fleet("callgrind-fleet", &ids, 0)?;

        let wrapper_dir = root.join("bin");
        let profiles = root.join("profiles");
        let cg_tf = Tf {
            launcher: self.tf.launcher.clone(),
            cli_config: root.join("cli.tfrc"),
            env: self.tf.env.clone(),
        };
        util::create_dir_all(&wrapper_dir)?;
        write(&cg_tf.cli_config, &util::dev_cli_config(&wrapper_dir))?;

        util::step(format!(
            "callgrind: plan -refresh=false over {n} instances, the provider under valgrind"
        ));
        let plan = profile_command(
            &cg_tf,
            &self.provider_bin,
            &wrapper_dir,
            &profiles.join("plan"),
            &plan_dir,
            &["plan", "-refresh=false", "-detailed-exitcode"],
        )?;
        util::step(format!("callgrind: plan (with refresh) over {n} instances"));
        let refresh = profile_command(
            &cg_tf,
            &self.provider_bin,
            &wrapper_dir,
            &profiles.join("refresh"),
            &plan_dir,
            &["plan", "-detailed-exitcode"],
        )?;
        util::step(format!("callgrind: apply of {n} creates"));
        let apply_dir = self.creates_dir("callgrind-apply", n)?;
        let apply = profile_command(
            &cg_tf,
            &self.provider_bin,
            &wrapper_dir,
            &profiles.join("apply"),
            &apply_dir,
            &["apply", "-auto-approve"],
        )?;
        util::step("callgrind: one plugin start to its handshake line");
        let handshake = profile_handshake(&self.provider_bin, &profiles.join("handshake"))?;

        let total = plan.total_ir();
        let processes = plan.processes.len();
        let handlers: u64 = RPCS[..3]
            .iter()
            .map(|(_, m)| plan.handler(m).inclusive_ir)
            .sum();
        self.rows.push(instructions_row(
            "callgrind: plan -refresh=false, per resource",
            total as f64 / n as f64,
            format!(
                "{processes} provider processes, {} instructions in all",
                group(total)
            ),
            n,
        ));
        let startup = handshake as f64 * processes as f64;
        self.rows.push(instructions_row(
            "callgrind: plan, transport per resource",
            (total as f64 - handlers as f64 - startup).max(0.0) / n as f64,
            "outside the handlers and the process starts: TLS, HTTP/2, protobuf, runtime".into(),
            n,
        ));
        for (rpc, method) in RPCS {
            let from = match rpc {
                "ReadResource" => &refresh,
                "ApplyResourceChange" => &apply,
                _ => &plan,
            };
            let cost = from.handler(method);
            let calls = if cost.calls > 0 { cost.calls } else { n as u64 };
            self.rows.push(instructions_row(
                &format!("callgrind: {rpc}, per call"),
                cost.inclusive_ir as f64 / calls as f64,
                format!("the SDK server's handler, {calls} calls"),
                n,
            ));
        }
        self.rows.push(instructions_row(
            "callgrind: start to handshake (and stop)",
            handshake as f64,
            "AutoMTLS key and certificate, runtime, listener".into(),
            1,
        ));
        Ok(())
    }
}

fn instructions_row(name: &str, value: f64, note: String, n: usize) -> Row {
    Row {
        name: name.into(),
        value,
        unit: Unit::Instructions,
        peer: None,
        peer_name: note,
        target: None,
        n,
        runs: 1,
        run_ratios: Vec::new(),
    }
}

/// `1234567` as `1,234,567`.
fn group(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The valgrind command line of one profiled provider process, writing to `out`.
fn valgrind_args(out: &Path, name: &str) -> Vec<String> {
    vec![
        "--tool=callgrind".into(),
        format!(
            "--callgrind-out-file={}",
            out.join(format!("{name}.out")).display()
        ),
        format!("--log-file={}", out.join(format!("{name}.log")).display()),
        "--dump-instr=no".into(),
        "--dump-line=no".into(),
    ]
}

/// Runs `terraform ARGS` in `dir` with every provider process under callgrind, waits for the
/// processes to have written their profiles, and reads them.
fn profile_command(
    tf: &Tf,
    provider_bin: &Path,
    wrapper_dir: &Path,
    out: &Path,
    dir: &Path,
    args: &[&str],
) -> Result<CommandProfile, String> {
    util::remove_dir_all_if_present(out)?;
    util::create_dir_all(out)?;
    write_wrapper(wrapper_dir, provider_bin, out)?;
    tf.time(dir, args, &[])?;
    // Terraform stops a plugin with a Shutdown call and kills it 2 s later; the wrapper shell
    // may die then, but valgrind goes on to write its profile: wait for every process started.
    let deadline = Instant::now() + EXIT_WAIT;
    let mut processes = Vec::new();
    for pid in started_pids(out)? {
        while !gone(pid) {
            if Instant::now() > deadline {
                return Err(format!(
                    "a provider under valgrind (pid {pid}) did not exit within {} s",
                    EXIT_WAIT.as_secs()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        processes.push(read_profile(&out.join(format!("{pid}.out")))?);
    }
    if processes.is_empty() {
        return Err(format!(
            "`terraform {}` started no provider process",
            args.join(" ")
        ));
    }
    Ok(CommandProfile { processes })
}

/// The process is no more (or a zombie: it has written its profile).
fn gone(pid: u32) -> bool {
    !Path::new(&format!("/proc/{pid}")).exists() || testkit::process::has_exited(pid)
}

/// The provider's stand-in for Terraform: runs the real binary under callgrind in the
/// background (so that a kill of this shell leaves valgrind to finish its profile), records
/// its pid, and waits for it.
fn write_wrapper(wrapper_dir: &Path, provider_bin: &Path, out: &Path) -> Result<(), String> {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let mut args: Vec<String> = valgrind_args(out, "$$")
        .into_iter()
        .map(|a| a.replace("$$", "%p"))
        .map(|a| quote(&a))
        .collect();
    args.push(quote(&provider_bin.to_string_lossy()));
    let script = format!(
        "#!/bin/sh\n\
         # Written by cargo xtask bench --callgrind: the provider under callgrind.\n\
         valgrind {} \"$@\" &\n\
         child=$!\n\
         : > {}/\"$child\".pid\n\
         wait \"$child\"\n",
        args.join(" "),
        quote(&out.to_string_lossy()),
    );
    let path = wrapper_dir.join("terraform-provider-agent37");
    write(&path, &script)?;
    make_executable(&path)
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt as _;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("cannot make {} executable: {e}", path.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), String> {
    Err("the callgrind bench needs a Unix machine".into())
}

/// The pids the wrapper recorded in `out` (`PID.pid`), in order.
fn started_pids(out: &Path) -> Result<Vec<u32>, String> {
    let entries = fs::read_dir(out).map_err(|e| format!("cannot read {}: {e}", out.display()))?;
    let mut pids: Vec<u32> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".pid")?.parse().ok()
        })
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

fn read_profile(path: &Path) -> Result<Profile, String> {
    let text = fs::read_to_string(path)
        .map_err(|e| format!("cannot read the profile {}: {e}", path.display()))?;
    Profile::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// One start of the provider under callgrind as Terraform starts it, until its handshake line,
/// then SIGTERM: its instructions.
fn profile_handshake(provider_bin: &Path, out: &Path) -> Result<u64, String> {
    util::remove_dir_all_if_present(out)?;
    util::create_dir_all(out)?;
    let mut cmd = Command::new("valgrind");
    cmd.args(valgrind_args(out, "handshake")).arg(provider_bin);
    procs::as_terraform_starts(&mut cmd, &out.join("sockets"))?;
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start valgrind: {e}"))?;
    let line = child.stdout.take().map(|stdout| {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        line
    });
    testkit::process::terminate(&mut child, EXIT_WAIT);
    match line {
        Some(l) if l.trim().split('|').count() >= 5 => {}
        other => return Err(format!("no handshake line under valgrind: {other:?}")),
    }
    Ok(read_profile(&out.join("handshake.out"))?.total_ir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(12345678), "12,345,678");
    }

    #[test]
    fn a_handler_is_its_future_and_its_calls_are_the_futures_dropped() {
        let text = "events: Ir\n\
            fn=(1) tonic::call\n\
            cfn=(2) core::ptr::drop_in_place<<sdk::Server<A> as proto::provider_server::Provider>::read_resource::{{closure}}>\n\
            calls=3 0\n\
            0 30\n\
            cfn=(3) <sdk::Server<P> as proto::provider_server::Provider>::read_resource::{{closure}}\n\
            calls=5 0\n\
            0 500\n\
            fn=(2)\n0 30\nfn=(3)\n0 500\n";
        let p = Profile::parse(text).expect("parses");
        let c = handler_cost(&p, "read_resource");
        assert_eq!((c.inclusive_ir, c.calls), (500, 3));
    }
}
