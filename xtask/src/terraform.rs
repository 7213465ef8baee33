//! `cargo xtask terraform [--version 1.15|1.11] -- ARGS`: Terraform for a person, with the
//! provider from this checkout.

use std::process::{Command, ExitCode};

use crate::setup::{self, TfVersion};
use crate::util::{self, Paths};

pub fn run(paths: &Paths, version: TfVersion, args: &[String]) -> Result<ExitCode, String> {
    build_provider(paths)?;
    let launcher = setup::ensure(paths, version)?;
    let config = paths.terraform_dir().join("dev.tfrc");
    util::write_if_changed(&config, util::dev_cli_config(&paths.debug_dir()).as_bytes())?;

    let mut cmd = Command::new(&launcher);
    cmd.args(args);
    testkit::terraform::base_env(&mut cmd, &config);
    // Ctrl-C goes to Terraform (same terminal), which stops gracefully; we wait for it.
    util::ignore_sigint();
    let status = util::status(&mut cmd)?;
    Ok(match status.code() {
        Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        None => ExitCode::FAILURE,
    })
}

/// `cargo build` of the provider binary only (quiet unless something is wrong).
pub fn build_provider(paths: &Paths) -> Result<(), String> {
    util::run(util::cargo().current_dir(&paths.root).args([
        "build",
        "--quiet",
        "--package",
        "terraform-provider-agent37",
        "--bin",
        "terraform-provider-agent37",
    ]))
}
