//! `terraform-provider-agent37`: started by Terraform (or with `--debug` by a person). The one
//! place that wires the go-plugin host (`plugin`) to the tfplugin6 server (`sdk`) serving the
//! agent37 provider; neither of the two knows the other.

use std::process::ExitCode;

use agent37_provider::plugin::{self, Host};
use agent37_provider::provider::Agent37;
use agent37_provider::sdk::Server;

const HOST: Host = Host {
    name: "agent37",
    binary: "terraform-provider-agent37",
    address: "registry.terraform.io/agent37/agent37",
    version: agent37_provider::provider::VERSION,
    env: agent37_provider::provider::config::PROCESS_ENV,
};

fn main() -> ExitCode {
    plugin::run(HOST, Server::new(Agent37))
}
