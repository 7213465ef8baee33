//! The model of `agent37_signed_url`: its schema, declared once.

use crate::provider::budget::instance_id_rule;
use crate::sdk::model::Attr;
use crate::sdk::validate::IntRange;
use crate::sdk::{Diagnostics, Model, Path, Schema};

pub const TYPE_NAME: &str = "agent37_signed_url";

const DESCRIPTION: &str = "Mints a signed browser URL for one port of an instance. Every run mints a new URL, and the API cannot revoke them before they expire: prefer a short `ttl_seconds`. The URL never appears in plans or state; pass it to a provisioner or another ephemeral context.";

/// `agent37_signed_url`: its configuration, and the result once opened.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct SignedUrl {
    #[attr(
        required,
        describe = "The id of the instance whose port the URL opens (10 lowercase letters and digits).",
        validate = instance_id_rule()
    )]
    pub instance_id: Attr<String>,
    #[attr(
        optional,
        computed,
        describe = "One of the instance's ports. Default: the instance's default port.",
        validate = IntRange::between(1, 65535)
    )]
    pub port: Attr<i64>,
    #[attr(
        optional,
        describe = "Lifetime of the URL in seconds. Default 3600. The API clamps it to 60–86400: a value outside that range is a warning, and the URL lives 60 (or 86400) seconds; `expires_at` shows when it ends.",
        validate = IntRange::at_least(1)
    )]
    pub ttl_seconds: Attr<i64>,
    #[attr(
        computed,
        sensitive,
        describe = "The signed URL: a bearer credential for browsers (the `a37_token` query parameter). Treat it as a secret."
    )]
    pub url: Attr<String>,
    #[attr(computed, describe = "When the URL stops working, in epoch seconds.")]
    pub expires_at: Attr<i64>,
}

pub fn schema() -> Schema {
    SignedUrl::schema(DESCRIPTION)
}

/// The lifetimes the API grants: `ttl_seconds` is clamped to this range (contract 2).
pub const TTL_RANGE: std::ops::RangeInclusive<i64> = 60..=86_400;

/// Validation beyond the attributes' own: a `ttl_seconds` the API will clamp is a warning (the
/// URL still opens, with another lifetime than the one written).
pub fn validate(config: &SignedUrl, diags: &mut Diagnostics) {
    let Some(ttl) = config.ttl_seconds.get() else {
        return;
    };
    // Non-positive values are refused by the attribute's own rule.
    if ttl < 1 || TTL_RANGE.contains(&ttl) {
        return;
    }
    let granted = ttl.clamp(*TTL_RANGE.start(), *TTL_RANGE.end());
    diags.attr_warning(
        Path::attr(SignedUrl::TTL_SECONDS),
        "ttl_seconds is clamped by the API",
        format!(
            "The API grants signed URLs a lifetime from {} to {} seconds, so ttl_seconds = {ttl} gives a URL that lives {granted} seconds (see `expires_at`).",
            TTL_RANGE.start(),
            TTL_RANGE.end()
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn warnings(ttl: Option<i64>) -> Vec<String> {
        let config = SignedUrl {
            ttl_seconds: Attr::from_option(ttl),
            ..Default::default()
        };
        let mut d = Diagnostics::new();
        validate(&config, &mut d);
        d.0.iter().map(|d| d.detail.clone()).collect()
    }

    /// Issue 15: a `ttl_seconds` the API clamps warns, naming the lifetime the URL gets.
    #[test]
    fn a_ttl_outside_the_api_range_warns() {
        assert_eq!(
            warnings(Some(30)),
            [
                "The API grants signed URLs a lifetime from 60 to 86400 seconds, so ttl_seconds = 30 gives a URL that lives 60 seconds (see `expires_at`)."
            ]
        );
        assert!(warnings(Some(90_000))[0].contains("lives 86400 seconds"));
        for fine in [None, Some(60), Some(3600), Some(86_400), Some(0)] {
            assert!(warnings(fine).is_empty(), "{fine:?}");
        }
    }
}
