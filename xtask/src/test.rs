//! `cargo xtask test`: everything CI checks, in the order a failure is cheapest to read.

use std::process::{ExitCode, Stdio};

use crate::setup;
use crate::util::{self, Paths};

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
