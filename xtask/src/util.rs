//! Paths of the checkout, running commands with clear errors, and the Terraform environment.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// Where things are: the workspace root and cargo's target directory.
pub struct Paths {
    pub root: PathBuf,
    pub target: PathBuf,
}

impl Paths {
    pub fn discover() -> Result<Paths, String> {
        // `cargo run` sets CARGO_MANIFEST_DIR at run time too; the compile-time value is the
        // fallback when the binary is started by hand.
        let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        let root = manifest_dir
            .parent()
            .filter(|root| root.join("Cargo.toml").is_file())
            .ok_or_else(|| {
                format!(
                    "cannot find the workspace root above {}",
                    manifest_dir.display()
                )
            })?
            .to_path_buf();
        let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
        let target = ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"]
            .iter()
            .find_map(|name| std::env::var_os(name).filter(|v| !v.is_empty()))
            .map(|dir| cwd.join(dir))
            .unwrap_or_else(|| root.join("target"));
        Ok(Paths { root, target })
    }

    /// `target/debug`: where `cargo build` puts the provider and the emulator.
    pub fn debug_dir(&self) -> PathBuf {
        self.target.join("debug")
    }

    pub fn emulator_bin(&self) -> PathBuf {
        self.debug_dir().join("agent37-emulator")
    }

    /// `target/terraform`: the venvs, the launchers and the wrapper they run.
    pub fn terraform_dir(&self) -> PathBuf {
        self.target.join("terraform")
    }

    /// A path as a person would type it from the workspace root (relative when inside it).
    pub fn show(&self, path: &Path) -> String {
        path.strip_prefix(&self.root)
            .unwrap_or(path)
            .display()
            .to_string()
    }
}

/// `cargo` as cargo itself was found (cargo sets `CARGO` for the programs it runs).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The command line as a person reads it, for messages.
pub fn describe(cmd: &Command) -> String {
    let program = Path::new(cmd.get_program())
        .file_name()
        .unwrap_or(cmd.get_program())
        .to_string_lossy()
        .into_owned();
    std::iter::once(program)
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs to completion with inherited stdio; returns the status (spawn failures are errors).
pub fn status(cmd: &mut Command) -> Result<ExitStatus, String> {
    cmd.status()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))
}

/// Runs to completion with inherited stdio; a non-zero exit is an error.
pub fn run(cmd: &mut Command) -> Result<(), String> {
    let status = status(cmd)?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "`{}` failed ({})",
            describe(cmd),
            exit_text(status)
        ))
    }
}

pub fn exit_text(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => format!("{status}"),
    }
}

pub fn step(text: impl std::fmt::Display) {
    eprintln!("==> {text}");
}

/// Writes only when the content differs (keeps mtimes stable for re-runs).
pub fn write_if_changed(path: &Path, content: &[u8]) -> Result<(), String> {
    if fs::read(path).is_ok_and(|old| old == content) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        create_dir_all(parent)?;
    }
    fs::write(path, content).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

pub fn create_dir_all(path: &Path) -> Result<(), String> {
    fs::create_dir_all(path).map_err(|e| format!("cannot create {}: {e}", path.display()))
}

pub fn remove_dir_all_if_present(path: &Path) -> Result<(), String> {
    match fs::remove_dir_all(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}

#[cfg(unix)]
pub fn make_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("cannot make {} executable: {e}", path.display()))
}

#[cfg(not(unix))]
pub fn make_executable(_path: &Path) -> Result<(), String> {
    Ok(())
}

/// The CLI configuration of xtask's own Terraform runs: `agent37/agent37` from `provider_dir`
/// (no `terraform init` needed), every other provider the usual way.
pub fn dev_cli_config(provider_dir: &Path) -> String {
    testkit::hcl::dev_overrides(provider_dir, &["agent37/agent37"])
}

/// Makes this process survive SIGINT, so that Ctrl-C is left to the child in the foreground
/// (Terraform then stops gracefully) and we still clean up after it. A do-nothing handler, not
/// SIG_IGN: an ignored signal would stay ignored in the children we start, a handler does not.
#[cfg(unix)]
pub fn ignore_sigint() {
    unsafe extern "C" {
        fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
    }
    extern "C" fn do_nothing(_: i32) {}
    const SIGINT: i32 = 2;
    // SAFETY: the handler does nothing, so it is async-signal-safe; glibc's signal() keeps it
    // installed and restarts interrupted system calls.
    unsafe {
        signal(SIGINT, do_nothing);
    }
}

#[cfg(not(unix))]
pub fn ignore_sigint() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dev_cli_config_points_dev_overrides_at_the_dir() {
        let text = dev_cli_config(Path::new("build/debug"));
        assert!(text.contains("\"agent37/agent37\" = \"build/debug\""));
        assert!(text.contains("direct {}"));
    }
}
