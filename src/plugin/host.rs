//! Who the plugin is: the names the go-plugin host uses for the provider it serves, given by
//! the caller (`main`), so that each provider binary built on this host (the agent37 provider,
//! the SDK's test provider) logs, answers `--debug` and greets a person by its own name.

/// The provider a plugin process serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Host {
    /// The provider's local name, e.g. `agent37`.
    pub name: &'static str,
    /// The binary, e.g. `terraform-provider-agent37`: hclog's `@module` is `provider.<binary>`,
    /// the usage line names it, and its crate's events follow the configured log level in full.
    pub binary: &'static str,
    /// The source address, e.g. `registry.terraform.io/agent37/agent37`: the key of
    /// `TF_REATTACH_PROVIDERS` in `--debug`.
    pub address: &'static str,
    /// The provider's version, as `--version` and `--help` show it.
    pub version: &'static str,
    /// The environment variables the provider process reads, with what each is for: `--help`
    /// lists them, and `--debug` says which are set, since a provider started by hand reads
    /// its own environment, not that of the shell running Terraform.
    pub env: &'static [(&'static str, &'static str)],
}

impl Host {
    /// hclog's `@module` of every line.
    pub fn module(&self) -> String {
        format!("provider.{}", self.binary)
    }

    /// The `tracing` target prefix of the binary's own crate.
    pub fn crate_target(&self) -> String {
        self.binary.replace('-', "_")
    }

    /// The source address without its registry host, as configurations write it
    /// (`agent37/agent37`).
    pub fn source(&self) -> &'static str {
        match self.address.split_once('/') {
            Some((host, rest)) if host.contains('.') => rest,
            _ => self.address,
        }
    }
}

#[cfg(test)]
pub(crate) const TEST_HOST: Host = Host {
    name: "example",
    binary: "terraform-provider-example",
    address: "registry.terraform.io/acme/example",
    version: "1.2.3",
    env: &[("EXAMPLE_TOKEN", "the token"), ("EXAMPLE_URL", "the URL")],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_derive_from_the_callers() {
        assert_eq!(TEST_HOST.module(), "provider.terraform-provider-example");
        assert_eq!(TEST_HOST.crate_target(), "terraform_provider_example");
        assert_eq!(TEST_HOST.source(), "acme/example");
        let local = Host {
            address: "acme/example",
            ..TEST_HOST
        };
        assert_eq!(local.source(), "acme/example");
    }
}
