//! Scaling: does the provider's cost per resource stay flat from 100 to 5,000 resources?
//!
//! For each N of the set (`--scaling N,N,…`), one run each (the large N are slow):
//!
//! - `plan -refresh=false` over N imported instances: the provider's CPU per resource (all its
//!   processes, from `/proc`) against the same figure at the smallest N, its peak RSS, and
//!   Terraform's own CPU per resource with the plugin and with N `terraform_data` holding the
//!   same data (Terraform's own growth, which no provider can change);
//! - `plan` (with refresh) over the same state under each API revision: CPU per resource, the
//!   instance API requests the emulator counted, peak RSS;
//! - `apply` of N creates in a fresh workspace: CPU per resource and peak RSS.
//!
//! CPU times on a shared machine move with its load; the callgrind rows are the deterministic
//! per-call figures.

use std::path::Path;

use serde_json::json;
use testkit::Emulator;

use super::apply::fresh_workspace;
use super::fleet::{create_instances, request_counts};
use super::procs::Sample;
use super::results::{Row, Target, Unit};
use super::{Bench, control, start_emulator};
use crate::util;

/// The N set of a full run; `--scaling 100,1000,5000` gives the docs table.
pub(super) const DEFAULT_NS: [usize; 2] = [100, 1000];

/// The API revisions the refresh rows run under.
const REVISIONS: [&str; 2] = ["2026-06-25", "2026-08-21"];

/// Set (to anything), the scaling rows leave out the apply: Terraform's own apply of 5,000
/// creates takes about half an hour, and a change to reads or plans does not need it again.
const SKIP_APPLY: &str = "AGENT37_BENCH_SCALING_SKIP_APPLY";

/// Targets of issue 17 for the largest fleets.
const CPU_GROWTH: f64 = 1.2;
const REFRESH_REQUESTS: f64 = 3.0;
const PEAK_RSS_MIB: f64 = 16.0;

/// A probed command's provider figures for a fleet of `n`.
struct Probe {
    cpu_us_per_resource: f64,
    tf_cpu_us_per_resource: f64,
    peak_mib: f64,
}

impl Probe {
    fn of(s: Sample, n: usize) -> Probe {
        Probe {
            cpu_us_per_resource: s.cpu_secs * 1e6 / n as f64,
            tf_cpu_us_per_resource: s.root_cpu_secs * 1e6 / n as f64,
            peak_mib: s.peak_kib as f64 / 1024.0,
        }
    }
}

impl Bench {
    /// The scaling rows over the fleet sizes `ns` (ascending; the first is the reference).
    pub(super) fn scaling_benchmark(&mut self, ns: &[usize]) -> Result<(), String> {
        let Some(&largest) = ns.iter().max() else {
            return Ok(());
        };
        let emu = start_emulator(&self.emulator_bin, &self.work.join("emulator-scaling.log"))?;
        util::step(format!(
            "scaling: creating {largest} instances through the emulator's API"
        ));
        let ids = create_instances(&emu, largest)?;
        self.tf.env = emu.provider_env();
        // Per row name, the figure at the first N: the reference of the growth ratios.
        let mut first: Vec<(String, f64)> = Vec::new();
        for &n in ns {
            util::step(format!(
                "scaling: N = {n}: import, plan -refresh=false, refresh under {} revisions, apply",
                REVISIONS.len()
            ));
            let dir = self.import_fleet(&format!("scaling-{n}"), &ids[..n], 0)?;
            let peer_dir =
                self.terraform_data_copy(&format!("scaling-{n}-terraform_data"), &dir)?;
            let plan_args = ["plan", "-refresh=false", "-detailed-exitcode"];
            let (_, s) = self
                .tf
                .time_probed(&dir, &plan_args, &[], Some(&self.provider_bin))?;
            let plan = Probe::of(s, n);
            let (_, s) = self.tf.time_probed(&peer_dir, &plan_args, &[], None)?;
            let peer = Probe::of(s, n);
            let mut growth = |name: String, value: f64, unit: Unit, note: &str, target: bool| {
                let reference = match first.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => *v,
                    None => {
                        first.push((name.clone(), value));
                        value
                    }
                };
                Row {
                    peer_name: format!("{note} at N = {}", ns[0]),
                    target: (target && n != ns[0]).then_some(Target::Ratio(CPU_GROWTH)),
                    ..row(name, value, unit, Some(reference), n)
                }
            };
            let rows = vec![
                growth(
                    "scaling: plan -refresh=false, provider CPU/res".into(),
                    plan.cpu_us_per_resource,
                    Unit::Micros,
                    "the same",
                    true,
                ),
                rss_row(
                    "scaling: plan -refresh=false, provider peak RSS".into(),
                    plan.peak_mib,
                    n,
                ),
                Row {
                    peer_name: "Terraform CPU/res with terraform_data, same N".into(),
                    ..row(
                        "scaling: plan -refresh=false, Terraform CPU/res".into(),
                        plan.tf_cpu_us_per_resource,
                        Unit::Micros,
                        Some(peer.tf_cpu_us_per_resource),
                        n,
                    )
                },
                growth(
                    "scaling: terraform_data plan, Terraform CPU/res".into(),
                    peer.tf_cpu_us_per_resource,
                    Unit::Micros,
                    "Terraform's own growth: the same",
                    false,
                ),
            ];
            self.rows.extend(rows);
            for rev in REVISIONS {
                control(&emu, "POST", "config", Some(&json!({"api_revision": rev})))?;
                control(&emu, "POST", "requests/reset", None)?;
                // Without -detailed-exitcode: what a revision adds to the state is not measured.
                let (_, s) = self
                    .tf
                    .time_probed(&dir, &["plan"], &[], Some(&self.provider_bin))?;
                let refresh = Probe::of(s, n);
                let requests = request_counts(&emu)?.instances as f64;
                let rows = vec![
                    growth(
                        format!("scaling: refresh ({rev}), provider CPU/res"),
                        refresh.cpu_us_per_resource,
                        Unit::Micros,
                        "the same",
                        true,
                    ),
                    Row {
                        peer_name: "one GET per instance".into(),
                        target: Some(Target::Value(REFRESH_REQUESTS)),
                        ..row(
                            format!("scaling: refresh ({rev}), instance requests"),
                            requests,
                            Unit::Count,
                            Some(n as f64),
                            n,
                        )
                    },
                    rss_row(
                        format!("scaling: refresh ({rev}), provider peak RSS"),
                        refresh.peak_mib,
                        n,
                    ),
                ];
                self.rows.extend(rows);
            }
            control(
                &emu,
                "POST",
                "config",
                Some(&json!({"api_revision": REVISIONS[0]})),
            )?;
            if std::env::var_os(SKIP_APPLY).is_some() {
                continue;
            }
            let apply = Probe::of(self.apply_probed(&emu, n)?, n);
            let rows = vec![
                growth(
                    "scaling: apply (creates), provider CPU/res".into(),
                    apply.cpu_us_per_resource,
                    Unit::Micros,
                    "the same",
                    true,
                ),
                rss_row(
                    "scaling: apply (creates), provider peak RSS".into(),
                    apply.peak_mib,
                    n,
                ),
            ];
            self.rows.extend(rows);
        }
        Ok(())
    }

    /// `apply` of `n` new instances in a fresh workspace, probed.
    fn apply_probed(&self, emu: &Emulator, n: usize) -> Result<Sample, String> {
        let dir = self.creates_dir(&format!("scaling-{n}-apply"), n)?;
        let key = fresh_workspace(emu, &dir, n)?;
        let env = [
            ("AGENT37_API_KEY", key),
            ("AGENT37_BASE_URL", emu.base_url()),
        ];
        let (_, s) = self.tf.time_probed(
            &dir,
            &["apply", "-auto-approve"],
            &env,
            Some(Path::new(&self.provider_bin)),
        )?;
        Ok(s)
    }
}

/// The provider's peak RSS in one run at N = `n`, against the ceiling.
fn rss_row(name: String, mib: f64, n: usize) -> Row {
    Row {
        target: Some(Target::Value(PEAK_RSS_MIB)),
        ..row(name, mib, Unit::MiB, None, n)
    }
}

/// A row of one run at N = `n`.
fn row(name: String, value: f64, unit: Unit, peer: Option<f64>, n: usize) -> Row {
    Row {
        name,
        value,
        unit,
        peer,
        peer_name: String::new(),
        target: None,
        n,
        runs: 1,
        run_ratios: Vec::new(),
    }
}

/// `--scaling 100,1000,5000`: the fleet sizes, ascending.
pub fn parse_ns(text: &str) -> Result<Vec<usize>, String> {
    let mut ns = text
        .split(',')
        .map(|s| {
            s.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("--scaling takes fleet sizes like 100,1000,5000, got {s:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    ns.sort_unstable();
    ns.dedup();
    Ok(ns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleet_sizes_are_sorted_and_checked() {
        assert_eq!(parse_ns("5000,100, 1000"), Ok(vec![100, 1000, 5000]));
        assert!(parse_ns("100,x").is_err());
        assert!(parse_ns("0").is_err());
    }
}
