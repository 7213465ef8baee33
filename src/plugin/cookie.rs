//! The go-plugin "magic cookie": proof that the process was started by
//! Terraform rather than by a person at a shell.

use std::ffi::OsStr;

use super::host::Host;

/// Environment variable Terraform sets when it launches a provider.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";

/// The value Terraform puts in [`MAGIC_COOKIE_KEY`]. It is not a secret; it
/// only tells a plugin launched by hand apart from one launched by Terraform.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// The cookie was missing or did not match: a person started the provider `name` (source
/// `source_address`) by hand.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "This binary is a plugin for Terraform (the {name} provider). It is not meant to be run \
     directly: Terraform starts it when a configuration uses the {source_address} provider.\n\
     \n\
     To use it, declare the provider in a `required_providers` block and run `terraform init` / \
     `terraform plan` as usual. To debug it, run it with `--debug` and follow the printed \
     instructions."
)]
pub struct CookieError {
    pub name: &'static str,
    pub source_address: &'static str,
}

/// Checks the value of [`MAGIC_COOKIE_KEY`] (as read from the environment) for `host`.
pub fn check(host: &Host, value: Option<&OsStr>) -> Result<(), CookieError> {
    match value {
        Some(v) if v == OsStr::new(MAGIC_COOKIE_VALUE) => Ok(()),
        _ => Err(CookieError {
            name: host.name,
            source_address: host.source(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::host::TEST_HOST;

    #[test]
    fn accepts_only_the_exact_value() {
        let h = &TEST_HOST;
        assert_eq!(check(h, Some(OsStr::new(MAGIC_COOKIE_VALUE))), Ok(()));
        assert!(check(h, None).is_err());
        assert!(check(h, Some(OsStr::new(""))).is_err());
        let padded = format!("{MAGIC_COOKIE_VALUE} ");
        assert!(check(h, Some(OsStr::new(&padded))).is_err());
    }

    #[test]
    fn message_tells_a_human_what_this_is() {
        let msg = check(&TEST_HOST, None).expect_err("no cookie").to_string();
        assert!(msg.contains("plugin for Terraform"), "{msg}");
        assert!(msg.contains("the example provider"), "{msg}");
        assert!(msg.contains("the acme/example provider"), "{msg}");
        assert!(msg.contains("--debug"), "{msg}");
    }
}
