//! `cargo xtask fuzz`: builds the stable-Rust fuzz driver (`fuzz/`, profile `fuzz`: optimised,
//! with debug assertions and overflow checks) and runs it. Arguments go to the driver.

use std::process::ExitCode;

use crate::util::{self, Paths};

pub const HELP: &str = "\
  fuzz [--seconds N] [--target T]... [--seed S] [--debug]
                         fuzz the decoders (msgpack/JSON values, type specs, configuration,
                         API answers, configuration strings) for N seconds per target (default
                         10), from the committed corpus in fuzz/corpus/; crashing inputs go to
                         fuzz/artifacts/. --debug uses the dev profile (no optimised build).
                         `cargo run -p agent37-fuzz -- list` shows the targets
";

pub fn run(paths: &Paths, args: &[String]) -> Result<ExitCode, String> {
    let debug = args.iter().any(|a| a == "--debug");
    let driver_args: Vec<&String> = args.iter().filter(|a| *a != "--debug").collect();
    let profile = if debug { "dev" } else { "fuzz" };
    let mut cmd = util::cargo();
    cmd.current_dir(&paths.root).args([
        "run",
        "--quiet",
        "--profile",
        profile,
        "--package",
        "agent37-fuzz",
        "--",
    ]);
    cmd.args(driver_args);
    util::step(util::describe(&cmd));
    let status = util::status(&mut cmd)?;
    Ok(if status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
