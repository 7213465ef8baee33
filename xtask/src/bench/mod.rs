//! `cargo xtask bench [--quick]`: the benchmarks of `docs/contract/design.md` section 5. Every figure is a ratio
//! against a peer run in the same invocation (the machine is noisy; absolute times mean little),
//! the median of several runs, printed as a table and written to `target/bench/results.json`.
//!
//! - RPC overhead: `plan -refresh=false` over N instances in state vs N `terraform_data`.
//! - Refresh: `plan` over N instances: instance API requests (counted by the emulator) and wall
//!   time vs `plan -refresh=false`.
//! - Apply: N creates with 50 ms injected API latency at parallelism 10 vs the same run without
//!   latency plus the ideal, and the provider's own time per create (from its debug log).
//! - Footprint: spawn-to-handshake, peak RSS, binary size, against each Go provider installed
//!   (or named in `AGENT37_BENCH_GO_PROVIDER`).
//! - Scaling: `plan -refresh=false`, refresh (both API revisions) and apply at several N
//!   (`--scaling N,N,…` runs only these), the provider's CPU per resource and peak RSS.
//! - Callgrind: the provider's instructions per resource in a `plan -refresh=false`, per RPC
//!   kind and per handshake (deterministic, unlike times); `--callgrind` runs only these.
//!
//! Everything runs against release builds of the provider and the emulator, with Terraform 1.15
//! from `cargo xtask setup`, in `target/bench/work/`.

mod apply;
mod callgrind;
mod cgfile;
mod fleet;
mod footprint;
mod procs;
mod results;
mod scaling;
mod tf;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::Value;
use testkit::Emulator;

use crate::setup::{self, TfVersion};
use crate::util::{self, Paths};
use results::{Row, print_table, results_json};
use tf::Tf;

/// How big and how often.
#[derive(Clone, Copy, Debug)]
struct Sizes {
    rpc_n: usize,
    refresh_n: usize,
    apply_n: usize,
    runs: usize,
    handshakes: usize,
}

impl Sizes {
    fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                rpc_n: 100,
                refresh_n: 200,
                apply_n: 40,
                runs: 3,
                handshakes: 10,
            }
        } else {
            Sizes {
                rpc_n: 500,
                refresh_n: 1000,
                apply_n: 200,
                runs: 5,
                handshakes: 20,
            }
        }
    }
}

/// The API latency injected in the apply benchmark, and its parallelism.
const LATENCY_MS: u64 = 50;
const APPLY_PARALLELISM: usize = 10;
/// Enough money and room for any fleet the bench makes.
const WALLET_MICROS: &str = "10000000000000";
const INSTANCE_LIMIT: &str = "100000";

/// What `cargo xtask bench` runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Full,
    /// Smaller N, fewer runs.
    Quick,
    /// Only the callgrind rows.
    Callgrind,
    /// Only the scaling rows, at the N given.
    Scaling,
}

pub use scaling::parse_ns as parse_scaling_ns;

/// `mode`, and the fleet sizes of the scaling rows (a full run's default when empty).
pub fn run(paths: &Paths, mode: Mode, scaling_ns: Vec<usize>) -> Result<ExitCode, String> {
    let quick = mode != Mode::Full;
    let sizes = Sizes::new(quick);
    let started = Instant::now();
    util::step("cargo build --release (provider and emulator)");
    util::run(util::cargo().current_dir(&paths.root).args([
        "build",
        "--quiet",
        "--release",
        "--package",
        "terraform-provider-agent37",
        "--package",
        "agent37-emulator",
        "--bins",
    ]))?;
    let launcher = setup::ensure(paths, TfVersion::V1_15)?;
    let release = paths.target.join("release");
    let bench_dir = paths.target.join("bench");
    let work = bench_dir.join("work");
    util::remove_dir_all_if_present(&work)?;
    util::create_dir_all(&work)?;
    let cli_config = work.join("cli.tfrc");
    util::write_if_changed(&cli_config, util::dev_cli_config(&release).as_bytes())?;
    let mut bench = Bench {
        sizes,
        tf: Tf {
            launcher,
            cli_config,
            env: Vec::new(),
        },
        provider_bin: release.join("terraform-provider-agent37"),
        emulator_bin: release.join("agent37-emulator"),
        work,
        rows: Vec::new(),
        plan_rss: None,
    };
    // Ctrl-C reaches Terraform directly; we stay to stop the emulators.
    util::ignore_sigint();

    let scaling_ns = if scaling_ns.is_empty() {
        scaling::DEFAULT_NS.to_vec()
    } else {
        scaling_ns
    };
    match mode {
        Mode::Full | Mode::Quick => {
            bench.fleet_benchmarks()?;
            bench.apply_benchmark()?;
            bench.footprint()?;
            if mode == Mode::Full {
                bench.scaling_benchmark(&scaling_ns)?;
            }
            bench.callgrind_benchmark()?;
        }
        Mode::Callgrind => bench.callgrind_benchmark()?,
        Mode::Scaling => bench.scaling_benchmark(&scaling_ns)?,
    }

    let rows = std::mem::take(&mut bench.rows);
    print_table(&rows);
    let results = bench_dir.join("results.json");
    util::write_if_changed(&results, results_json(&rows, sizes, quick).as_bytes())?;
    eprintln!(
        "xtask: bench took {:.0} s; results in {}",
        started.elapsed().as_secs_f64(),
        paths.show(&results)
    );
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// The benchmarks' shared state and helpers
// ---------------------------------------------------------------------------------------------

struct Bench {
    sizes: Sizes,
    tf: Tf,
    provider_bin: PathBuf,
    emulator_bin: PathBuf,
    work: PathBuf,
    rows: Vec<Row>,
    /// Measured during the RPC-overhead plans, reported with the footprint.
    plan_rss: Option<PlanRss>,
}

/// Peak RSS of the provider during the RPC-overhead plans (median over runs), in KiB.
struct PlanRss(f64);

/// Spawn-to-handshake times (ms) and peak RSS at the handshake (MiB) of one binary.
#[derive(Clone, Default)]
struct HandshakeSamples {
    millis: Vec<f64>,
    rss_mib: Vec<f64>,
}

impl HandshakeSamples {
    fn add(&mut self, h: procs::Handshake) {
        self.millis.push(h.elapsed.as_secs_f64() * 1000.0);
        self.rss_mib.push(h.rss_kib as f64 / 1024.0);
    }
}

/// A release emulator on a free loopback port, with an in-memory database and the room the
/// benchmarks need, logging to `log`; stopped (SIGTERM, then SIGKILL) when dropped.
fn start_emulator(bin: &Path, log: &Path) -> Result<Emulator, String> {
    let _ = std::fs::remove_file(log);
    Emulator::builder()
        .bin(bin)
        .args(&[
            "--instance-limit",
            INSTANCE_LIMIT,
            "--wallet-micros",
            WALLET_MICROS,
        ])
        .log_file(log)
        .graceful_stop(Duration::from_secs(5))
        .start()
        .map_err(|e| e.to_string())
}

/// `METHOD /_emulator/PATH` on the control surface: its JSON answer.
fn control(
    emu: &Emulator,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    emu.raw_client()
        .json(method, &format!("/_emulator/{path}"), body)
        .map_err(|e| e.to_string())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    util::write_if_changed(path, text.as_bytes())
}
