//! `terraform-provider-sdktest`: the test provider of [`sdk_test_provider`] as a plugin binary,
//! started by Terraform in `tests/sdk_terraform.rs`. It logs, and answers `--debug`, as itself.

use std::process::ExitCode;

use agent37_provider::plugin::{self, Host};
use agent37_provider::sdk::Server;

const HOST: Host = Host {
    name: "sdktest",
    binary: "terraform-provider-sdktest",
    address: "registry.terraform.io/test/sdktest",
    version: env!("CARGO_PKG_VERSION"),
    env: &[],
};

fn main() -> ExitCode {
    plugin::run(HOST, Server::new(sdk_test_provider::TestProvider))
}
