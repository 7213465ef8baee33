//! The instance-id rule, in two tiers, for every `instance_id` argument.
//!
//! Instance ids are 10 characters of `[a-z0-9]` (hosting API, conventions). The check is split
//! so that `terraform test` with `mock_provider "agent37" {}` works: a mocked provider still
//! sends configurations to the real provider's ValidateResourceConfig, with the ids it makes up
//! for computed strings (8 characters of `[a-z0-9]`), but it never calls PlanResourceChange or
//! ReadDataSource. So:
//!
//! - [`rule`] (the attribute validator, at validate and whenever Terraform validates again with
//!   known values) refuses what can never be an id: anything outside `[a-z0-9]`, or too long;
//! - [`check`] (at plan, and in a data source's read before any call) also requires exactly 10
//!   characters.

use crate::sdk::validate::{Validator, check as check_with};

/// The length of every instance id.
pub const INSTANCE_ID_CHARS: usize = 10;

/// What an instance id is, for messages.
pub const ALLOWED: &str = "an instance id is 10 lowercase letters or digits";

fn bad(s: &str) -> String {
    format!("{s:?} is not an instance id: {ALLOWED}.")
}

/// The alphabet and an upper bound only: what no mocked or real id ever violates.
pub fn check_alphabet(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.chars().count() <= INSTANCE_ID_CHARS
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok { Ok(()) } else { Err(bad(s)) }
}

/// The whole rule: exactly 10 characters of `[a-z0-9]`.
pub fn check(s: &str) -> Result<(), String> {
    check_alphabet(s)?;
    if s.chars().count() == INSTANCE_ID_CHARS {
        Ok(())
    } else {
        Err(bad(s))
    }
}

/// The validator of `instance_id` attributes (see the module comment for why it checks the
/// alphabet only).
pub fn rule() -> impl Validator + 'static {
    check_with("An instance id: 10 lowercase letters or digits.", |v| {
        v.as_str().map_or(Ok(()), check_alphabet)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_tiers() {
        assert!(check("abc123defg").is_ok());
        // What a mocked provider makes up passes validation, and only validation.
        assert!(check_alphabet("k3j9x0qa").is_ok());
        assert!(check("k3j9x0qa").is_err());
        for bad in [
            "",
            "ABC123DEFG",
            "abc123defg1",
            "abc-23defg",
            "Not-An-Id",
            "é",
        ] {
            assert!(check_alphabet(bad).is_err(), "{bad}");
            assert!(check(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check("abc").expect_err("short"),
            "\"abc\" is not an instance id: an instance id is 10 lowercase letters or digits."
        );
    }
}
