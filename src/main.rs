//! `terraform-provider-agent37`: started by Terraform (or with `--debug` by a person).

use std::process::ExitCode;

fn main() -> ExitCode {
    agent37_provider::plugin::run(agent37_provider::sdk::Server::new(
        agent37_provider::provider::Agent37,
    ))
}
