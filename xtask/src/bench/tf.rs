//! Terraform for the benchmarks: the project's runner (`testkit::Terraform`), timed, its
//! output in `DIR/terraform.log`, with a probe of the plugin processes it starts.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Instant;

use testkit::{Terraform, TfVersion, Workdir};

use super::procs::{RssProbe, Sample};
use crate::util;

pub(super) struct Tf {
    pub launcher: PathBuf,
    pub cli_config: PathBuf,
    /// For every command (the emulator's key and URL).
    pub env: Vec<(String, String)>,
}

impl Tf {
    /// Runs `terraform -chdir=DIR ARGS` (output to `DIR/terraform.log`) and returns its wall
    /// time in seconds; a failure (or, with `-detailed-exitcode`, a plan with changes) is an
    /// error showing the end of the log.
    pub fn time(
        &self,
        dir: &Path,
        args: &[&str],
        extra_env: &[(&str, String)],
    ) -> Result<f64, String> {
        self.time_probed(dir, args, extra_env, None).map(|(t, _)| t)
    }

    /// [`Tf::time`], also returning what a probe saw of the plugin processes running `probe`.
    pub fn time_probed(
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
        let mut terraform = Terraform::open(
            TfVersion::V1_15,
            self.launcher.clone(),
            Workdir::persistent(dir),
            self.cli_config.clone(),
        );
        // Logging would change what is measured, unless a benchmark asks for it.
        for key in ["TF_LOG", "TF_LOG_PROVIDER", "TF_LOG_CORE", "TF_LOG_PATH"] {
            terraform.unset_env(key);
        }
        for (k, v) in &self.env {
            terraform.set_env(k, v);
        }
        for (k, v) in extra_env {
            terraform.set_env(k, v);
        }
        let mut cmd = terraform.command(args);
        cmd.stdin(Stdio::null()).stdout(log).stderr(log_err);
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
