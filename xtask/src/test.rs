//! `cargo xtask test`: everything CI checks, in the order a failure is cheapest to read.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{ExitCode, Stdio};

use crate::cross::{self, Profile, Runner};
use crate::setup;
use crate::util::{self, Paths};

/// `AGENT37_CROSS_TESTS=0` skips the cross builds (the qemu/Wine tests then say they skipped).
const CROSS_TESTS_VAR: &str = "AGENT37_CROSS_TESTS";

pub fn run(paths: &Paths, extra: &[String]) -> Result<ExitCode, String> {
    util::step("setup: Terraform 1.15 and 1.11");
    let launchers = setup::ensure_all(paths)?;

    util::step("cargo build --workspace --bins");
    util::run(
        util::cargo()
            .current_dir(&paths.root)
            .args(["build", "--workspace", "--bins"]),
    )?;

    let mut failed = Vec::new();

    let cross_env = match cross_test_binaries(paths) {
        Ok(env) => env,
        Err(err) => {
            eprintln!("xtask test: cross builds failed: {err}");
            failed.push("cross builds for the qemu/Wine tests");
            Vec::new()
        }
    };

    let mut tests = util::cargo();
    tests.current_dir(&paths.root);
    if use_nextest()? {
        tests.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        tests.args(["test", "--workspace", "--no-fail-fast"]);
    }
    tests.args(extra);
    for (version, launcher) in &launchers {
        tests.env(version.env_var(), launcher);
    }
    tests
        .env("AGENT37_PROVIDER_DIR", paths.debug_dir())
        .env("AGENT37_EMULATOR_BIN", paths.emulator_bin())
        .envs(cross_env)
        .stdin(Stdio::null());
    util::step(util::describe(&tests));
    if !util::status(&mut tests)?.success() {
        failed.push("tests");
    }

    // Quiet unless they find something, so a clean run ends with the test runner's summary.
    let mut fmt = util::cargo();
    fmt.current_dir(&paths.root)
        .args(["fmt", "--all", "--", "--check"]);
    if !util::status(&mut fmt)?.success() {
        failed.push("cargo fmt --all -- --check");
    }
    let mut clippy = util::cargo();
    clippy.current_dir(&paths.root).args([
        "clippy",
        "--quiet",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    if !util::status(&mut clippy)?.success() {
        failed.push("cargo clippy --workspace --all-targets -- -D warnings");
    }

    if failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("xtask test: FAILED: {}", failed.join("; "));
        Ok(ExitCode::FAILURE)
    }
}

/// The tools of the platform tests: qemu-user and Wine (installed with apt-get when possible),
/// gpg for the signed-release tests, and the cross toolchain; then the `cross-test` builds of
/// the provider for the platforms whose runner is there. Returns the variables that tell the
/// tests where everything is. A runner that cannot be installed is a warning (its test says it
/// skipped); a toolchain or build failure is an error.
fn cross_test_binaries(paths: &Paths) -> Result<Vec<(&'static str, OsString)>, String> {
    let runners = [Runner::Qemu, Runner::Wine];
    for missing in cross::ensure_debian_packages(&runners, &[("gpg", "gnupg")]) {
        eprintln!("xtask: warning: missing {missing}: the tests that need it will skip");
    }
    if std::env::var(CROSS_TESTS_VAR).as_deref() == Ok("0") {
        eprintln!("xtask: {CROSS_TESTS_VAR}=0: no cross builds, the qemu/Wine tests will skip");
        return Ok(Vec::new());
    }
    let available: Vec<(Runner, PathBuf)> = runners
        .iter()
        .filter_map(|&runner| cross::find_runner(runner).map(|program| (runner, program)))
        .collect();
    if available.is_empty() {
        return Ok(Vec::new());
    }
    let targets: Vec<cross::Target> = available.iter().map(|(r, _)| r.target()).collect();
    util::step(format!(
        "cross builds for {}",
        targets
            .iter()
            .map(|t| t.platform.name())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let toolchain = cross::ensure_toolchain(paths, &targets)?;
    let mut env: Vec<(&'static str, OsString)> = Vec::new();
    for (runner, program) in &available {
        match runner {
            Runner::Qemu => {
                env.push(("AGENT37_QEMU", program.clone().into()));
                env.push(("AGENT37_QEMU_LD_PREFIX", cross::QEMU_SYSROOT.into()));
            }
            Runner::Wine => {
                let prefix = cross::ensure_wine_prefix(paths, &toolchain, program)?;
                env.push(("AGENT37_WINE", program.clone().into()));
                env.push(("AGENT37_WINEPREFIX", prefix.into()));
            }
        }
    }
    let binaries = cross::build(paths, &toolchain, &targets, Profile::CrossTest)?;
    for ((runner, _), binary) in available.iter().zip(binaries) {
        env.push((runner.binary_env_var(), binary.into()));
    }
    Ok(env)
}

/// cargo-nextest when installed, unless `AGENT37_TEST_RUNNER` says `cargo` (plain `cargo test`,
/// which also runs doc tests) or `nextest`.
fn use_nextest() -> Result<bool, String> {
    match std::env::var("AGENT37_TEST_RUNNER").as_deref() {
        Err(_) | Ok("") => Ok(nextest_installed()),
        Ok("nextest") => Ok(true),
        Ok("cargo") => Ok(false),
        Ok(other) => Err(format!(
            "AGENT37_TEST_RUNNER={other}: expected `nextest` or `cargo`"
        )),
    }
}

fn nextest_installed() -> bool {
    util::cargo()
        .args(["nextest", "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
