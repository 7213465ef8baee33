//! `cargo xtask fuzz`: builds the stable-Rust fuzz driver (`fuzz/`, profile `fuzz`: optimised,
//! with debug assertions and overflow checks) and runs it. Arguments go to the driver.

use std::process::ExitCode;

use crate::util::{self, Paths};

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
