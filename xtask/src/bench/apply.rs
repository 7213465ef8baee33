//! Apply under API latency: N creates at parallelism 10 with and without latency, and the
//! provider's own time per create from its debug log.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::json;
use testkit::Emulator;

use super::fleet::request_counts;
use super::results::{Row, Target, Unit, median};
use super::{
    APPLY_PARALLELISM, Bench, LATENCY_MS, Sizes, WALLET_MICROS, control, start_emulator, write,
};
use crate::util;

impl Bench {
    /// `WORK/NAME` holding a configuration of `n` new `agent37_instance`s (`count`).
    pub(super) fn creates_dir(&self, name: &str, n: usize) -> Result<PathBuf, String> {
        let dir = self.work.join(name);
        util::create_dir_all(&dir)?;
        write(
            &dir.join("main.tf"),
            &format!(
                "terraform {{\n  required_providers {{\n    agent37 = {{ source = \"agent37/agent37\" }}\n  }}\n}}\n\n\
                 provider \"agent37\" {{}}\n\n\
                 resource \"agent37_instance\" \"c\" {{\n  count = {n}\n}}\n"
            ),
        )?;
        Ok(dir)
    }

    /// N creates at parallelism 10, with and without 50 ms of API latency, each run in a new
    /// workspace; then one more logged run for the provider's own time per create.
    pub(super) fn apply_benchmark(&mut self) -> Result<(), String> {
        let Sizes { apply_n, runs, .. } = self.sizes;
        let emu = start_emulator(&self.emulator_bin, &self.work.join("emulator-apply.log"))?;
        let dir = self.creates_dir("apply", apply_n)?;
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
            run_ratios: Vec::new(),
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
            run_ratios: Vec::new(),
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
        let key = fresh_workspace(emu, dir, self.sizes.apply_n)?;
        if latency {
            let faults = json!({"seed": 1, "rules": [
                {"route": "*", "kind": "latency", "ms": LATENCY_MS}
            ]});
            control(emu, "POST", "faults", Some(&faults))?;
        } else {
            control(emu, "DELETE", "faults", None)?;
        }
        control(emu, "POST", "requests/reset", None)?;
        let mut env: Vec<(&str, String)> = vec![
            ("AGENT37_API_KEY", key),
            ("AGENT37_BASE_URL", emu.base_url()),
        ];
        env.extend(extra_env.iter().cloned());
        let elapsed = self
            .tf
            .time(dir, &["apply", "-auto-approve", parallelism], &env)?;
        let requests = request_counts(emu)?.api;
        control(emu, "DELETE", "faults", None)?;
        Ok((elapsed, requests))
    }
}

/// Empties `dir`'s state and makes a new emulator workspace with room for `n` creates; returns
/// its API key.
pub(super) fn fresh_workspace(emu: &Emulator, dir: &Path, n: usize) -> Result<String, String> {
    for f in ["terraform.tfstate", "terraform.tfstate.backup"] {
        let _ = fs::remove_file(dir.join(f));
    }
    let body = json!({
        "instance_limit": n + 10,
        "wallet_micros": WALLET_MICROS.parse::<u64>().map_err(|e| e.to_string())?,
    });
    let ws = control(emu, "POST", "workspaces", Some(&body))?;
    ws["api_key"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| "the new workspace has no api_key".to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_times_come_from_the_provider_debug_lines() {
        let log = "\
2026-01-01T00:00:00.000Z [DEBUG] provider.terraform-provider-agent37: ApplyResourceChange: api_us=51000 handler_us=52500 own_us=1500 type_name=agent37_instance
2026-01-01T00:00:00.000Z [DEBUG] provider.terraform-provider-agent37: ReadResource: own_us=99
2026-01-01T00:00:00.000Z [DEBUG] provider.terraform-provider-agent37: ApplyResourceChange: own_us=250 type_name=agent37_instance";
        assert_eq!(own_times_ms(log, "ApplyResourceChange"), vec![1.5, 0.25]);
    }
}
