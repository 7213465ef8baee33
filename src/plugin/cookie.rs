//! The go-plugin "magic cookie": proof that the process was started by
//! Terraform rather than by a person at a shell.

use std::ffi::OsStr;

/// Environment variable Terraform sets when it launches a provider.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";

/// The value Terraform puts in [`MAGIC_COOKIE_KEY`]. It is not a secret; it
/// only tells a plugin launched by hand apart from one launched by Terraform.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// The cookie was missing or did not match.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "This binary is a plugin for Terraform (the agent37 provider). It is not meant to be run \
     directly: Terraform starts it when a configuration uses the agent37/agent37 provider.\n\
     \n\
     To use it, declare the provider in a `required_providers` block and run `terraform init` / \
     `terraform plan` as usual. To debug it, run it with `--debug` and follow the printed \
     instructions."
)]
pub struct CookieError;

/// Checks the value of [`MAGIC_COOKIE_KEY`] (as read from the environment).
pub fn check(value: Option<&OsStr>) -> Result<(), CookieError> {
    match value {
        Some(v) if v == OsStr::new(MAGIC_COOKIE_VALUE) => Ok(()),
        _ => Err(CookieError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_only_the_exact_value() {
        assert_eq!(check(Some(OsStr::new(MAGIC_COOKIE_VALUE))), Ok(()));
        assert_eq!(check(None), Err(CookieError));
        assert_eq!(check(Some(OsStr::new(""))), Err(CookieError));
        let padded = format!("{MAGIC_COOKIE_VALUE} ");
        assert_eq!(check(Some(OsStr::new(&padded))), Err(CookieError));
    }

    #[test]
    fn message_tells_a_human_what_this_is() {
        let msg = CookieError.to_string();
        assert!(msg.contains("plugin for Terraform"), "{msg}");
        assert!(msg.contains("--debug"), "{msg}");
    }
}
