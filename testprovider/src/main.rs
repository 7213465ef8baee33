//! `terraform-provider-sdktest`: the test provider of [`sdk_test_provider`] as a plugin binary,
//! started by Terraform in `tests/sdk_terraform.rs`.

use std::process::ExitCode;

fn main() -> ExitCode {
    agent37_provider::plugin::run(agent37_provider::sdk::Server::new(
        sdk_test_provider::TestProvider,
    ))
}
