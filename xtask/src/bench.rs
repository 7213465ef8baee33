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
//!
//! Everything runs against release builds of the provider and the emulator, with Terraform 1.15
//! from `cargo xtask setup`, in `target/bench/work/`.

mod http;
mod json;
mod procs;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::setup::{self, TfVersion};
use crate::util::{self, Paths};
use json::Json;
use procs::{RssProbe, Sample};

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

pub fn run(paths: &Paths, quick: bool) -> Result<ExitCode, String> {
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
    util::write_if_changed(&cli_config, util::cli_config(&release).as_bytes())?;
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

    bench.fleet_benchmarks()?;
    bench.apply_benchmark()?;
    bench.footprint()?;

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
// Results
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq)]
enum Unit {
    Seconds,
    Millis,
    Count,
    MiB,
}

impl Unit {
    fn show(self, v: f64) -> String {
        match self {
            Unit::Seconds => format!("{v:.2} s"),
            Unit::Millis => format!("{v:.2} ms"),
            Unit::Count => format!("{v:.0}"),
            Unit::MiB => format!("{v:.1} MiB"),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Millis => "ms",
            Unit::Count => "count",
            Unit::MiB => "MiB",
        }
    }
}

/// A target: the ratio (or the value itself) at most this.
#[derive(Clone, Copy, Debug)]
enum Target {
    Ratio(f64),
    Value(f64),
}

#[derive(Clone, Debug)]
struct Row {
    name: String,
    value: f64,
    unit: Unit,
    /// The peer's figure and what the peer is.
    peer: Option<f64>,
    peer_name: String,
    target: Option<Target>,
    n: usize,
    runs: usize,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        self.peer.filter(|p| *p > 0.0).map(|p| self.value / p)
    }

    fn pass(&self) -> Option<bool> {
        match self.target? {
            Target::Ratio(max) => self.ratio().map(|r| r <= max),
            Target::Value(max) => Some(self.value <= max),
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            None => "-".into(),
            Some(Target::Ratio(max)) => format!("ratio <= {max}"),
            Some(Target::Value(max)) => format!("<= {}", self.unit.show(max)),
        }
    }
}

fn print_table(rows: &[Row]) {
    println!();
    println!(
        "{:<46} {:>11} {:>11} {:>7}  {:<15} {:>5} {:>4}  peer is",
        "benchmark", "value", "peer", "ratio", "target", "N", "runs"
    );
    for r in rows {
        let pass = match r.pass() {
            Some(true) => " ok",
            Some(false) => " MISSED",
            None => "",
        };
        println!(
            "{:<46} {:>11} {:>11} {:>7}  {:<15} {:>5} {:>4}  {}{}",
            r.name,
            r.unit.show(r.value),
            r.peer.map_or("-".into(), |p| r.unit.show(p)),
            r.ratio().map_or("-".into(), |x| format!("{x:.3}")),
            r.target_text(),
            r.n,
            r.runs,
            r.peer_name,
            pass
        );
    }
    println!();
}

fn results_json(rows: &[Row], sizes: Sizes, quick: bool) -> String {
    let num = |v: f64| Json::Num((v * 1000.0).round() / 1000.0);
    let opt = |v: Option<f64>| v.map_or(Json::Null, num);
    let results = rows
        .iter()
        .map(|r| {
            let mut m = BTreeMap::new();
            m.insert("name".into(), Json::Str(r.name.clone()));
            m.insert("value".into(), num(r.value));
            m.insert("unit".into(), Json::Str(r.unit.name().into()));
            m.insert("peer".into(), opt(r.peer));
            m.insert("peer_name".into(), Json::Str(r.peer_name.clone()));
            m.insert("ratio".into(), opt(r.ratio()));
            m.insert("target".into(), Json::Str(r.target_text()));
            m.insert("pass".into(), r.pass().map_or(Json::Null, Json::Bool));
            m.insert("N".into(), Json::Num(r.n as f64));
            m.insert("runs".into(), Json::Num(r.runs as f64));
            Json::Obj(m)
        })
        .collect();
    let mut top = BTreeMap::new();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    top.insert("unix_time".into(), Json::Num(now as f64));
    top.insert("quick".into(), Json::Bool(quick));
    top.insert(
        "cores".into(),
        Json::Num(std::thread::available_parallelism().map_or(0, |n| n.get()) as f64),
    );
    top.insert("runs".into(), Json::Num(sizes.runs as f64));
    top.insert("results".into(), Json::Arr(results));
    let mut out = String::new();
    Json::Obj(top).write(&mut out);
    out.push('\n');
    out
}

fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

// ---------------------------------------------------------------------------------------------
// The benchmarks
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

impl Bench {
    /// RPC overhead and refresh, on one fleet of instances made through the API.
    fn fleet_benchmarks(&mut self) -> Result<(), String> {
        let Sizes {
            rpc_n,
            refresh_n,
            runs,
            ..
        } = self.sizes;
        let emu = Emulator::start(
            &self.emulator_bin,
            &self.work.join("emulator-fleet.log"),
            &[
                "--instance-limit",
                INSTANCE_LIMIT,
                "--wallet-micros",
                WALLET_MICROS,
            ],
        )?;
        let fleet = rpc_n.max(refresh_n);
        util::step(format!(
            "creating {fleet} instances through the emulator's API"
        ));
        let ids = create_instances(&emu, &emu.key, fleet)?;
        self.tf.env = emu.provider_env(&emu.key);

        let budgets = refresh_n / 10;
        util::step(format!(
            "importing {rpc_n} and {refresh_n} instances (and {budgets} budgets) into two states (import blocks, once)"
        ));
        let rpc_dir = self.import_fleet("rpc", &ids[..rpc_n], 0)?;
        let refresh_dir = self.import_fleet("refresh", &ids[..refresh_n], budgets)?;
        let same_dir = self.terraform_data_copy("terraform_data_same", &rpc_dir)?;
        let bare_dir = self.terraform_data_fleet("terraform_data_bare", rpc_n)?;

        // RPC overhead, at parallelism 1 and 10, runs interleaved with the peer's.
        let mut rss_peaks = Vec::new();
        for parallelism in [1usize, 10] {
            let p = format!("-parallelism={parallelism}");
            let args = ["plan", "-refresh=false", "-detailed-exitcode", p.as_str()];
            util::step(format!(
                "RPC overhead: plan -refresh=false {p}, {rpc_n} instances vs {rpc_n} terraform_data, {runs} runs"
            ));
            let (mut ours, mut peer, mut bare, mut cpu) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let (mut tf_ours, mut tf_peer) = (Vec::new(), Vec::new());
            for _ in 0..runs {
                let (t, seen) =
                    self.tf
                        .time_probed(&rpc_dir, &args, &[], Some(&self.provider_bin))?;
                ours.push(t);
                rss_peaks.push(seen.peak_kib as f64);
                cpu.push(seen.cpu_secs);
                tf_ours.push(seen.root_cpu_secs);
                let (t, seen) = self.tf.time_probed(&same_dir, &args, &[], None)?;
                peer.push(t);
                tf_peer.push(seen.root_cpu_secs);
                if parallelism == 1 {
                    bare.push(self.tf.time(&bare_dir, &args, &[])?);
                }
            }
            self.rows.push(Row {
                name: format!("RPC overhead: plan -refresh=false, p={parallelism}"),
                value: median(&ours),
                unit: Unit::Seconds,
                peer: Some(median(&peer)),
                peer_name: "terraform_data holding the same data".into(),
                target: (parallelism == 1).then_some(Target::Ratio(1.2)),
                n: rpc_n,
                runs,
            });
            if !bare.is_empty() {
                // A terraform_data with no attributes set: its state is a tenth of an
                // instance's, and Terraform's own work grows with the state's size.
                self.rows.push(Row {
                    name: format!("RPC overhead vs bare terraform_data, p={parallelism}"),
                    value: median(&ours),
                    unit: Unit::Seconds,
                    peer: Some(median(&bare)),
                    peer_name: "terraform_data with no attributes".into(),
                    target: None,
                    n: rpc_n,
                    runs,
                });
            }
            // The provider's own CPU, as a share of the plan's wall time.
            self.rows.push(Row {
                name: format!("RPC overhead: provider CPU, p={parallelism}"),
                value: median(&cpu),
                unit: Unit::Seconds,
                peer: Some(median(&ours)),
                peer_name: "the plan's wall time".into(),
                target: None,
                n: rpc_n,
                runs,
            });
            // Terraform's own CPU: the gRPC client side of every call, and its per-resource
            // work, which grows with the schema (terraform_data has 4 attributes, an instance 20).
            self.rows.push(Row {
                name: format!("RPC overhead: Terraform CPU, p={parallelism}"),
                value: median(&tf_ours),
                unit: Unit::Seconds,
                peer: Some(median(&tf_peer)),
                peer_name: "Terraform CPU with terraform_data".into(),
                target: None,
                n: rpc_n,
                runs,
            });
        }
        self.plan_rss = Some(PlanRss(median(&rss_peaks)));

        // Refresh: requests and wall time.
        util::step(format!(
            "refresh: plan vs plan -refresh=false over {refresh_n} instances, {runs} runs"
        ));
        let (mut refresh, mut no_refresh, mut instance_reqs, mut budget_reqs) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            emu.control_ok("POST", "/_emulator/requests/reset", None)?;
            refresh.push(
                self.tf
                    .time(&refresh_dir, &["plan", "-detailed-exitcode"], &[])?,
            );
            let counts = request_counts(&emu)?;
            instance_reqs.push(counts.instances as f64);
            budget_reqs.push(counts.budgets as f64);
            no_refresh.push(self.tf.time(
                &refresh_dir,
                &["plan", "-refresh=false", "-detailed-exitcode"],
                &[],
            )?);
        }
        self.rows.push(Row {
            name: "refresh: instance API requests".into(),
            value: median(&instance_reqs),
            unit: Unit::Count,
            peer: Some(refresh_n as f64),
            peer_name: "one GET per instance".into(),
            target: Some(Target::Value(refresh_n as f64 / 20.0)),
            n: refresh_n,
            runs,
        });
        self.rows.push(Row {
            name: "refresh: budget API requests".into(),
            value: median(&budget_reqs),
            unit: Unit::Count,
            peer: Some(budgets as f64),
            peer_name: format!("{budgets} budgets in the state: no list endpoint"),
            target: None,
            n: refresh_n,
            runs,
        });
        self.rows.push(Row {
            name: "refresh: plan wall time".into(),
            value: median(&refresh),
            unit: Unit::Seconds,
            peer: Some(median(&no_refresh)),
            peer_name: "plan -refresh=false".into(),
            target: Some(Target::Ratio(1.3)),
            n: refresh_n,
            runs,
        });
        Ok(())
    }

    /// A state holding `ids`, one `agent37_instance.iNNNNN` block each, and the budgets of the
    /// first `budgets` of them (`agent37_budget.bNNNNN`), made with import blocks. One literal
    /// block per resource, not `for_each`: Terraform re-evaluates a `for_each` expression for
    /// every instance it plans (quadratic in N, and over half of its CPU at N = 500), which would
    /// drown what is measured here.
    fn import_fleet(&self, name: &str, ids: &[String], budgets: usize) -> Result<PathBuf, String> {
        let dir = self.work.join(name);
        util::create_dir_all(&dir)?;
        let mut main = String::from(
            "terraform {\n  required_providers {\n    agent37 = { source = \"agent37/agent37\" }\n  }\n}\n\n\
             provider \"agent37\" {}\n",
        );
        let mut imports = String::new();
        for (i, id) in ids.iter().enumerate() {
            let id = util::hcl_string(id);
            main.push_str(&format!(
                "\nresource \"agent37_instance\" \"i{i:05}\" {{}}\n"
            ));
            imports.push_str(&format!(
                "import {{\n  to = agent37_instance.i{i:05}\n  id = {id}\n}}\n"
            ));
            if i < budgets {
                main.push_str(&format!(
                    "\nresource \"agent37_budget\" \"b{i:05}\" {{\n  instance_id = {id}\n}}\n"
                ));
                imports.push_str(&format!(
                    "import {{\n  to = agent37_budget.b{i:05}\n  id = {id}\n}}\n"
                ));
            }
        }
        write(&dir.join("main.tf"), &main)?;
        let import = dir.join("import.tf");
        write(&import, &imports)?;
        self.tf.time(&dir, &["apply", "-auto-approve"], &[])?;
        // Without the import blocks, the measured plans evaluate exactly the resources.
        fs::remove_file(&import).map_err(|e| format!("cannot remove {}: {e}", import.display()))?;
        self.tf
            .time(&dir, &["plan", "-refresh=false", "-detailed-exitcode"], &[])?;
        Ok(dir)
    }

    /// N `terraform_data` with no attributes set: the peer with no plugin at all.
    fn terraform_data_fleet(&self, name: &str, n: usize) -> Result<PathBuf, String> {
        let dir = self.work.join(name);
        util::create_dir_all(&dir)?;
        let main: String = (0..n)
            .map(|i| format!("resource \"terraform_data\" \"i{i:05}\" {{}}\n"))
            .collect();
        write(&dir.join("main.tf"), &main)?;
        self.tf.time(&dir, &["init", "-backend=false"], &[])?;
        self.tf.time(&dir, &["apply", "-auto-approve"], &[])?;
        Ok(dir)
    }

    /// As many `terraform_data` as there are instances in `instances_dir`'s state, each holding
    /// an instance's state values in `triggers_replace`: the same amount of data in state, with
    /// no plugin in the way. The values are one `local` that every block refers to, so that the
    /// peer's configuration costs Terraform as little to evaluate as the instances' empty blocks
    /// (literal objects in each block made the peer 30 % slower than the instances).
    fn terraform_data_copy(&self, name: &str, instances_dir: &Path) -> Result<PathBuf, String> {
        self.tf.time(instances_dir, &["show", "-json"], &[])?;
        let log = fs::read_to_string(instances_dir.join("terraform.log"))
            .map_err(|e| format!("cannot read terraform show -json output: {e}"))?;
        let state = log
            .lines()
            .find(|l| l.starts_with('{'))
            .ok_or("terraform show -json printed no JSON")
            .and_then(|l| json::parse(l).map_err(|_| "terraform show -json: bad JSON"))?;
        let resources = match state
            .get("values")
            .and_then(|v| v.get("root_module"))
            .and_then(|m| m.get("resources"))
        {
            Some(Json::Arr(items)) => items.clone(),
            _ => return Err("no resources in the instances' state".into()),
        };
        let values = resources
            .first()
            .and_then(|r| r.get("values"))
            .ok_or("no instance values in the state")?;
        let mut main = format!(
            "locals {{\n  instance = {}\n}}\n",
            json::hcl_literal(values)
        );
        for i in 0..resources.len() {
            main.push_str(&format!(
                "\nresource \"terraform_data\" \"i{i:05}\" {{\n  triggers_replace = local.instance\n}}\n"
            ));
        }
        let dir = self.work.join(name);
        util::create_dir_all(&dir)?;
        write(&dir.join("main.tf"), &main)?;
        self.tf.time(&dir, &["init", "-backend=false"], &[])?;
        self.tf.time(&dir, &["apply", "-auto-approve"], &[])?;
        Ok(dir)
    }

    /// N creates at parallelism 10, with and without 50 ms of API latency, each run in a new
    /// workspace; then one more logged run for the provider's own time per create.
    fn apply_benchmark(&mut self) -> Result<(), String> {
        let Sizes { apply_n, runs, .. } = self.sizes;
        let emu = Emulator::start(
            &self.emulator_bin,
            &self.work.join("emulator-apply.log"),
            &[
                "--instance-limit",
                INSTANCE_LIMIT,
                "--wallet-micros",
                WALLET_MICROS,
            ],
        )?;
        let dir = self.work.join("apply");
        util::create_dir_all(&dir)?;
        write(
            &dir.join("main.tf"),
            &format!(
                "terraform {{\n  required_providers {{\n    agent37 = {{ source = \"agent37/agent37\" }}\n  }}\n}}\n\n\
                 provider \"agent37\" {{}}\n\n\
                 resource \"agent37_instance\" \"c\" {{\n  count = {apply_n}\n}}\n"
            ),
        )?;
        let p = format!("-parallelism={APPLY_PARALLELISM}");
        util::step(format!(
            "apply: {apply_n} creates at {p}, with and without {LATENCY_MS} ms API latency, {runs} runs"
        ));
        let (mut slow, mut fast, mut calls) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            for latency in [false, true] {
                let (elapsed, requests) = self.apply_once(&emu, &dir, &p, latency, &[])?;
                if latency {
                    slow.push(elapsed);
                    calls.push(requests as f64 / apply_n as f64);
                } else {
                    fast.push(elapsed);
                }
            }
        }
        let calls_per_create = median(&calls);
        let ideal = (apply_n as f64 / APPLY_PARALLELISM as f64).ceil()
            * calls_per_create
            * LATENCY_MS as f64
            / 1000.0;
        self.rows.push(Row {
            name: format!("apply: {LATENCY_MS} ms latency, p={APPLY_PARALLELISM}"),
            value: median(&slow),
            unit: Unit::Seconds,
            peer: Some(median(&fast) + ideal),
            peer_name: format!(
                "no-latency run + ideal {ideal:.2} s ({calls_per_create:.1} calls/create)"
            ),
            target: None,
            n: apply_n,
            runs,
        });

        util::step("apply: one more run with the provider's debug log, for its own time");
        let log = self.work.join("apply-provider.log");
        let _ = fs::remove_file(&log);
        let log_env = [
            ("TF_LOG_PROVIDER", "debug".to_string()),
            ("TF_LOG_PATH", log.to_string_lossy().into_owned()),
        ];
        self.apply_once(&emu, &dir, &p, true, &log_env)?;
        let text = fs::read_to_string(&log)
            .map_err(|e| format!("cannot read the provider log {}: {e}", log.display()))?;
        let own = own_times_ms(&text, "ApplyResourceChange");
        if own.len() != apply_n {
            return Err(format!(
                "found {} ApplyResourceChange timings in {} for {apply_n} creates",
                own.len(),
                log.display()
            ));
        }
        self.rows.push(Row {
            name: "apply: provider own time per create".into(),
            value: median(&own),
            unit: Unit::Millis,
            peer: None,
            peer_name: format!("handler minus API wait; max {:.2} ms", max(&own)),
            target: Some(Target::Value(5.0)),
            n: apply_n,
            runs: 1,
        });
        Ok(())
    }

    /// One `apply` of the create config in a fresh workspace; returns its wall time and the
    /// number of API requests it made.
    fn apply_once(
        &self,
        emu: &Emulator,
        dir: &Path,
        parallelism: &str,
        latency: bool,
        extra_env: &[(&str, String)],
    ) -> Result<(f64, u64), String> {
        for f in ["terraform.tfstate", "terraform.tfstate.backup"] {
            let _ = fs::remove_file(dir.join(f));
        }
        let body = format!(
            "{{\"instance_limit\": {}, \"wallet_micros\": {WALLET_MICROS}}}",
            self.sizes.apply_n + 10
        );
        let ws = emu.control_ok("POST", "/_emulator/workspaces", Some(&body))?;
        let key = ws
            .get("api_key")
            .and_then(Json::as_str)
            .ok_or("the new workspace has no api_key")?
            .to_string();
        if latency {
            let faults = format!(
                "{{\"seed\": 1, \"rules\": [{{\"route\": \"*\", \"kind\": \"latency\", \"ms\": {LATENCY_MS}}}]}}"
            );
            emu.control_ok("POST", "/_emulator/faults", Some(&faults))?;
        } else {
            emu.control_ok("DELETE", "/_emulator/faults", None)?;
        }
        emu.control_ok("POST", "/_emulator/requests/reset", None)?;
        let mut env = emu.provider_env(&key);
        env.extend(extra_env.iter().cloned());
        let elapsed = self
            .tf
            .time(dir, &["apply", "-auto-approve", parallelism], &env)?;
        let requests = request_counts(emu)?.api;
        emu.control_ok("DELETE", "/_emulator/faults", None)?;
        Ok((elapsed, requests))
    }

    /// Spawn-to-handshake, peak RSS and binary size, against each Go provider found (one set of
    /// rows per peer), or with no peer when there is none.
    fn footprint(&mut self) -> Result<(), String> {
        let Sizes { handshakes, .. } = self.sizes;
        let peers: Vec<(PathBuf, String)> = procs::find_go_providers()
            .into_iter()
            .map(|p| {
                let name = format!(
                    "Go: {}",
                    p.file_name().unwrap_or_default().to_string_lossy()
                );
                (p, name)
            })
            .collect();
        let names: Vec<&str> = peers.iter().map(|(_, n)| n.as_str()).collect();
        util::step(format!(
            "footprint: {handshakes} handshakes each; peers: {}",
            if names.is_empty() {
                "no Go provider found".to_string()
            } else {
                names.join(", ")
            }
        ));
        let sockets = self.work.join("sockets");
        // Interleaved, so that a noisy moment hits every binary alike.
        let mut ours = HandshakeSamples::default();
        let mut theirs = vec![HandshakeSamples::default(); peers.len()];
        for _ in 0..handshakes {
            ours.add(procs::handshake(&self.provider_bin, &sockets)?);
            for ((go, _), samples) in peers.iter().zip(&mut theirs) {
                samples.add(procs::handshake(go, &sockets)?);
            }
        }

        // Both serve `terraform providers schema -json`: the lightest real workload a Go
        // provider of any kind can be given.
        util::step("footprint: peak RSS while serving `terraform providers schema -json`");
        let our_schema = self.schema_rss("agent37", "agent37/agent37", &self.provider_bin)?;
        let mut their_schema = Vec::new();
        for (go, _) in &peers {
            let name = go_type_name(go);
            their_schema.push(self.schema_rss(&name, &format!("bench/{name}"), go)?);
        }
        let size = |p: &Path| {
            fs::metadata(p)
                .map(|m| m.len() as f64 / (1024.0 * 1024.0))
                .map_err(|e| format!("{}: {e}", p.display()))
        };
        let our_size = size(&self.provider_bin)?;
        let plan_rss = self.plan_rss.take();

        let mut columns: Vec<Option<usize>> = (0..peers.len()).map(Some).collect();
        if columns.is_empty() {
            columns.push(None);
        }
        for peer in columns {
            let peer_name = peer.map_or("no Go peer found".to_string(), |i| peers[i].1.clone());
            let go = peer.map(|i| &theirs[i]);
            self.rows.push(Row {
                name: "footprint: spawn to handshake".into(),
                value: median(&ours.millis),
                unit: Unit::Millis,
                peer: go.map(|g| median(&g.millis)),
                peer_name: peer_name.clone(),
                target: Some(Target::Ratio(0.05)),
                n: 1,
                runs: handshakes,
            });
            self.rows.push(Row {
                name: "footprint: peak RSS at handshake".into(),
                value: median(&ours.rss_mib),
                unit: Unit::MiB,
                peer: go.map(|g| median(&g.rss_mib)),
                peer_name: peer_name.clone(),
                target: None,
                n: 1,
                runs: handshakes,
            });
            let schema = peer.map(|i| their_schema[i]);
            self.rows.push(Row {
                name: "footprint: peak RSS, providers schema".into(),
                value: our_schema,
                unit: Unit::MiB,
                peer: schema,
                peer_name: peer_name.clone(),
                target: Some(Target::Ratio(0.1)),
                n: 1,
                runs: 1,
            });
            if let Some(PlanRss(kib)) = &plan_rss {
                // A Go peer cannot plan agent37 instances: its figure is its schema peak, a
                // lighter workload, so this ratio can only flatter the peer.
                self.rows.push(Row {
                    name: "footprint: peak RSS, RPC-overhead plan".into(),
                    value: kib / 1024.0,
                    unit: Unit::MiB,
                    peer: schema,
                    peer_name: format!("{peer_name} (its schema peak)"),
                    target: Some(Target::Ratio(0.1)),
                    n: self.sizes.rpc_n,
                    runs: self.sizes.runs * 2,
                });
            }
            self.rows.push(Row {
                name: "footprint: binary size".into(),
                value: our_size,
                unit: Unit::MiB,
                peer: peer.map(|i| size(&peers[i].0)).transpose()?,
                peer_name,
                target: None,
                n: 1,
                runs: 1,
            });
        }
        Ok(())
    }

    /// Peak RSS (MiB) of `bin` while `terraform providers schema -json` runs with it as the
    /// provider `source` (a dev override), in its own directory.
    fn schema_rss(&self, type_name: &str, source: &str, bin: &Path) -> Result<f64, String> {
        let dir = self.work.join(format!("schema-{type_name}"));
        let plugin_dir = dir.join("plugin");
        util::create_dir_all(&plugin_dir)?;
        let link = plugin_dir.join(format!("terraform-provider-{type_name}"));
        let _ = fs::remove_file(&link);
        symlink(bin, &link)?;
        write(
            &dir.join("main.tf"),
            &format!(
                "terraform {{\n  required_providers {{\n    {type_name} = {{ source = \"{source}\" }}\n  }}\n}}\n"
            ),
        )?;
        let config = dir.join("cli.tfrc");
        write(
            &config,
            &format!(
                "provider_installation {{\n  dev_overrides {{\n    \"{source}\" = {}\n  }}\n  direct {{}}\n}}\n",
                util::hcl_string(&plugin_dir.to_string_lossy())
            ),
        )?;
        let tf = Tf {
            launcher: self.tf.launcher.clone(),
            cli_config: config,
            env: Vec::new(),
        };
        let (_, seen) = tf.time_probed(&dir, &["providers", "schema", "-json"], &[], Some(bin))?;
        let kib = seen.peak_kib;
        if kib == 0 {
            return Err(format!(
                "never saw {} running during `providers schema`",
                bin.display()
            ));
        }
        Ok(kib as f64 / 1024.0)
    }
}

fn max(values: &[f64]) -> f64 {
    values.iter().copied().fold(f64::NAN, f64::max)
}

/// The `own_us` of every `rpc` line of a Terraform log with the provider's debug lines, in ms.
fn own_times_ms(log: &str, rpc: &str) -> Vec<f64> {
    log.lines()
        .filter(|l| l.contains(rpc))
        .filter_map(|l| {
            let rest = &l[l.find("own_us=")? + "own_us=".len()..];
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse::<f64>().ok().map(|us| us / 1000.0)
        })
        .collect()
}

/// `terraform-provider-NAME_v1.2.3` → `NAME`.
fn go_type_name(bin: &Path) -> String {
    let name = bin.file_name().unwrap_or_default().to_string_lossy();
    let name = name.strip_prefix("terraform-provider-").unwrap_or(&name);
    let name = name.split('_').next().unwrap_or(name);
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if clean.is_empty() {
        "peer".into()
    } else {
        clean
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> Result<(), String> {
    std::os::unix::fs::symlink(target, link).map_err(|e| {
        format!(
            "cannot link {} to {}: {e}",
            link.display(),
            target.display()
        )
    })
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) -> Result<(), String> {
    fs::copy(target, link)
        .map(|_| ())
        .map_err(|e| format!("cannot copy {}: {e}", target.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    util::write_if_changed(path, text.as_bytes())
}

// ---------------------------------------------------------------------------------------------
// Terraform
// ---------------------------------------------------------------------------------------------

struct Tf {
    launcher: PathBuf,
    cli_config: PathBuf,
    env: Vec<(&'static str, String)>,
}

impl Tf {
    /// Runs `terraform -chdir=DIR ARGS` (output to `DIR/terraform.log`) and returns its wall
    /// time in seconds; a failure (or, with `-detailed-exitcode`, a plan with changes) is an
    /// error showing the end of the log.
    fn time(&self, dir: &Path, args: &[&str], extra_env: &[(&str, String)]) -> Result<f64, String> {
        self.time_probed(dir, args, extra_env, None).map(|(t, _)| t)
    }

    /// [`Tf::time`], also returning what a probe saw of the plugin processes running `probe`.
    fn time_probed(
        &self,
        dir: &Path,
        args: &[&str],
        extra_env: &[(&str, String)],
        probe: Option<&Path>,
    ) -> Result<(f64, Sample), String> {
        let log_path = dir.join("terraform.log");
        let log = fs::File::create(&log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        let mut cmd = Command::new(&self.launcher);
        cmd.arg(format!("-chdir={}", dir.display()))
            .args(args)
            .arg("-no-color")
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err);
        if matches!(args.first(), Some(&("plan" | "apply" | "init"))) {
            cmd.arg("-input=false");
        }
        util::terraform_env(&mut cmd, &self.cli_config);
        for key in [
            "TF_LOG",
            "TF_LOG_PROVIDER",
            "TF_LOG_CORE",
            "TF_LOG_PATH",
            "TF_CLI_ARGS",
        ] {
            cmd.env_remove(key);
        }
        cmd.env("TF_INPUT", "0");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot run `{}`: {e}", util::describe(&cmd)))?;
        let rss = RssProbe::start(probe, child.id());
        let status = child
            .wait()
            .map_err(|e| format!("waiting for `{}`: {e}", util::describe(&cmd)))?;
        let elapsed = started.elapsed().as_secs_f64();
        let sample = rss.finish();
        if status.success() {
            return Ok((elapsed, sample));
        }
        let text = fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        let why = if status.code() == Some(2) && args.contains(&"-detailed-exitcode") {
            "the plan has changes, where none were expected"
        } else {
            "it failed"
        };
        Err(format!(
            "`terraform {}` in {}: {why} ({}):\n{}",
            args.join(" "),
            dir.display(),
            util::exit_text(status),
            tail.join("\n")
        ))
    }
}

// ---------------------------------------------------------------------------------------------
// The emulator
// ---------------------------------------------------------------------------------------------

/// A release emulator on a free loopback port, with an in-memory database; stopped on drop.
struct Emulator {
    child: Option<Child>,
    root_url: String,
    key: String,
}

const LISTENING: &str = "agent37-emulator listening on ";
const API_KEY: &str = "agent37-emulator api key ";

impl Emulator {
    fn start(bin: &Path, log_path: &Path, args: &[&str]) -> Result<Emulator, String> {
        use std::io::{BufRead, BufReader};
        let log = fs::File::create(log_path)
            .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
        let mut child = Command::new(bin)
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stdout = child.stdout.take().ok_or("emulator stdout not captured")?;
        let mut emu = Emulator {
            child: Some(child),
            root_url: String::new(),
            key: String::new(),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        while emu.root_url.is_empty() || emu.key.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = rx.recv_timeout(left).map_err(|_| {
                format!(
                    "the emulator did not announce its URL and key (see {})",
                    log_path.display()
                )
            })?;
            if let Some(url) = line.trim().strip_prefix(LISTENING) {
                emu.root_url = url.trim_end_matches('/').to_string();
            } else if let Some(key) = line.trim().strip_prefix(API_KEY) {
                emu.key = key.to_string();
            }
        }
        Ok(emu)
    }

    fn provider_env(&self, key: &str) -> Vec<(&'static str, String)> {
        vec![
            ("AGENT37_API_KEY", key.to_string()),
            ("AGENT37_BASE_URL", format!("{}/v1", self.root_url)),
        ]
    }

    fn control_ok(&self, method: &str, path: &str, body: Option<&str>) -> Result<Json, String> {
        http::ok(method, &format!("{}{path}", self.root_url), body, None)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            util::signal(child.id(), "TERM");
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Creates `n` instances (the default template and shape) with four client threads; returns
/// their ids in creation order per thread.
fn create_instances(emu: &Emulator, key: &str, n: usize) -> Result<Vec<String>, String> {
    const THREADS: usize = 4;
    let url = format!("{}/v1/instances", emu.root_url);
    let results: Vec<Result<Vec<String>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let url = url.as_str();
                scope.spawn(move || {
                    let count = n / THREADS + usize::from(t < n % THREADS);
                    (0..count)
                        .map(|_| {
                            let created = http::ok("POST", url, Some("{}"), Some(key))?;
                            created
                                .get("id")
                                .and_then(Json::as_str)
                                .map(str::to_string)
                                .ok_or_else(|| "a created instance has no id".to_string())
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a create thread panicked".into()))
            })
            .collect()
    });
    let mut ids = Vec::with_capacity(n);
    for r in results {
        ids.extend(r?);
    }
    Ok(ids)
}

/// API requests since the last reset: all of `/v1`, the instance routes, the budget routes.
struct Counts {
    api: u64,
    instances: u64,
    budgets: u64,
}

fn request_counts(emu: &Emulator) -> Result<Counts, String> {
    let answer = emu.control_ok("GET", "/_emulator/requests", None)?;
    let counters = answer
        .get("counters")
        .and_then(Json::as_obj)
        .ok_or("no counters in /_emulator/requests")?;
    Ok(count_routes(counters))
}

fn count_routes(counters: &BTreeMap<String, Json>) -> Counts {
    let mut c = Counts {
        api: 0,
        instances: 0,
        budgets: 0,
    };
    for (route, n) in counters {
        let n = n.as_f64().unwrap_or(0.0) as u64;
        let path = route.split_whitespace().nth(1).unwrap_or("");
        if !path.starts_with("/v1/") {
            continue;
        }
        c.api += n;
        if path.contains("/budget") {
            c.budgets += n;
        } else if path.starts_with("/v1/instances") && !path.contains("/usage") {
            c.instances += n;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_runs() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn own_times_come_from_the_provider_debug_lines() {
        let log = "\
2026-01-01T00:00:00.000Z [DEBUG] provider.terraform-provider-agent37: ApplyResourceChange: api_us=51000 handler_us=52500 own_us=1500 type_name=agent37_instance
2026-01-01T00:00:00.000Z [DEBUG] provider.terraform-provider-agent37: ReadResource: own_us=99
2026-01-01T00:00:00.000Z [DEBUG] provider.terraform-provider-agent37: ApplyResourceChange: own_us=250 type_name=agent37_instance";
        assert_eq!(own_times_ms(log, "ApplyResourceChange"), vec![1.5, 0.25]);
    }

    #[test]
    fn routes_are_counted_by_kind() {
        let counters = json::parse(
            r#"{"GET /v1/instances": 2, "GET /v1/instances/{id}": 3,
                "GET /v1/instances/{id}/budget": 4, "POST /v1/instances": 5,
                "GET /v1/templates/{name}": 1, "GET /_instances/{id}/{port}/v1/health": 7}"#,
        )
        .unwrap();
        let c = count_routes(counters.as_obj().unwrap());
        assert_eq!((c.api, c.instances, c.budgets), (15, 10, 4));
    }

    #[test]
    fn go_type_names_come_from_the_file_name() {
        assert_eq!(
            go_type_name(Path::new("/x/terraform-provider-workato_v0.16.0")),
            "workato"
        );
        assert_eq!(go_type_name(Path::new("terraform-provider-null")), "null");
    }

    #[test]
    fn ratios_and_targets() {
        let row = Row {
            name: "x".into(),
            value: 1.1,
            unit: Unit::Seconds,
            peer: Some(1.0),
            peer_name: String::new(),
            target: Some(Target::Ratio(1.2)),
            n: 1,
            runs: 1,
        };
        assert_eq!(row.pass(), Some(true));
        let row = Row {
            peer: None,
            target: Some(Target::Value(1.0)),
            ..row
        };
        assert_eq!((row.ratio(), row.pass()), (None, Some(false)));
    }
}
