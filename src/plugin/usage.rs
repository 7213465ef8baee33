//! The command line: what the process was asked to do, and the texts of `--help` and
//! `--version`. Terraform starts the binary with no arguments (managed mode); a person may ask
//! for `--debug`, `--version` or `--help`, each also in Go's one-dash form.

use std::ffi::OsString;

use super::Mode;
use super::error::PluginError;
use super::host::Host;
use super::version::PROTOCOL_VERSION;

/// What the command line asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invocation {
    /// Serve the provider (no argument: started by Terraform; `--debug`: by a person).
    Serve(Mode),
    /// Print the version and exit.
    Version,
    /// Print the help and exit.
    Help,
}

impl Invocation {
    /// Parses the arguments (without the program name). At most one option; anything else is
    /// a usage error.
    pub fn from_args<I: IntoIterator<Item = OsString>>(
        host: &Host,
        args: I,
    ) -> Result<Self, PluginError> {
        let args: Vec<OsString> = args.into_iter().collect();
        let wanted = match args.as_slice() {
            [] => return Ok(Self::Serve(Mode::Managed)),
            [one] => match one.to_str() {
                Some("--debug" | "-debug") => Some(Self::Serve(Mode::Debug)),
                Some("--version" | "-version" | "-v") => Some(Self::Version),
                Some("--help" | "-help" | "-h") => Some(Self::Help),
                _ => None,
            },
            _ => None,
        };
        wanted.ok_or_else(|| {
            let shown: Vec<String> = args
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            PluginError::Usage(format!(
                "unexpected arguments {shown:?}\n{}\n(Terraform starts this provider itself; \
                 see --help)",
                usage_line(host)
            ))
        })
    }
}

fn usage_line(host: &Host) -> String {
    format!("usage: {} [--debug | --version | --help]", host.binary)
}

/// `--version`: the binary, its version and the plugin protocol it speaks.
pub fn version_text(host: &Host) -> String {
    format!(
        "{} {} (Terraform plugin protocol {PROTOCOL_VERSION})\n",
        host.binary, host.version
    )
}

/// The environment variables of the provider process, one line each.
pub(crate) fn env_lines(host: &Host, indent: &str) -> String {
    let width = host
        .env
        .iter()
        .map(|(name, _)| name.len())
        .max()
        .unwrap_or(0);
    host.env
        .iter()
        .map(|(name, what)| format!("{indent}{name:<width$}  {what}\n"))
        .collect()
}

/// `--help`: what the binary is, how Terraform uses it, the options and the environment.
pub fn help_text(host: &Host) -> String {
    format!(
        "{binary} {version}: the {name} provider for Terraform ({address}), plugin protocol \
         {PROTOCOL_VERSION}.\n\
         \n\
         Terraform starts this binary itself (with no arguments) when a configuration uses the \
         provider; there is nothing to run by hand. Declare it in `required_providers` (source \
         \"{source}\") and run `terraform init`, or point a CLI configuration's `dev_overrides` \
         at the folder holding this binary.\n\
         \n\
         {usage}\n\
         \x20 --debug    run on its own and print the TF_REATTACH_PROVIDERS value that makes \
         Terraform use this process (for a debugger, or to watch its logs)\n\
         \x20 --version  print the version and exit\n\
         \x20 --help     print this text and exit\n\
         \n\
         Environment of the provider process (with --debug: of this process, not of the shell \
         running Terraform):\n\
         {env}\
         \x20 TF_LOG_PROVIDER, TF_LOG  level of the log lines written on stderr (trace, debug, \
         info, warn, error)\n",
        binary = host.binary,
        version = host.version,
        name = host.name,
        address = host.address,
        source = host.source(),
        usage = usage_line(host),
        env = env_lines(host, "  "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::host::TEST_HOST;

    fn parse(a: &[&str]) -> Result<Invocation, PluginError> {
        Invocation::from_args(&TEST_HOST, a.iter().map(OsString::from))
    }

    #[test]
    fn arguments_select_what_to_do() {
        assert_eq!(parse(&[]).unwrap(), Invocation::Serve(Mode::Managed));
        assert_eq!(parse(&["--debug"]).unwrap(), Invocation::Serve(Mode::Debug));
        assert_eq!(parse(&["-debug"]).unwrap(), Invocation::Serve(Mode::Debug));
        for v in ["--version", "-version", "-v"] {
            assert_eq!(parse(&[v]).unwrap(), Invocation::Version, "{v}");
        }
        for h in ["--help", "-help", "-h"] {
            assert_eq!(parse(&[h]).unwrap(), Invocation::Help, "{h}");
        }
        for bad in [&["--bogus"][..], &["--debug", "--version"], &["debug"]] {
            let err = parse(bad).unwrap_err().to_string();
            assert!(
                err.contains("usage: terraform-provider-example [--debug | --version | --help]"),
                "{err}"
            );
            assert!(err.contains("see --help"), "{err}");
        }
    }

    #[test]
    fn version_and_help_texts() {
        assert_eq!(
            version_text(&TEST_HOST),
            "terraform-provider-example 1.2.3 (Terraform plugin protocol 6)\n"
        );
        let help = help_text(&TEST_HOST);
        assert!(help.starts_with("terraform-provider-example 1.2.3: the example provider for Terraform (registry.terraform.io/acme/example), plugin protocol 6."), "{help}");
        assert!(help.contains("source \"acme/example\""), "{help}");
        assert!(
            help.contains("  --version  print the version and exit\n"),
            "{help}"
        );
        assert!(
            help.contains("  EXAMPLE_TOKEN  the token\n  EXAMPLE_URL    the URL\n"),
            "{help}"
        );
    }
}
