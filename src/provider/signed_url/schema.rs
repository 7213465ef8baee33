//! The model of `agent37_signed_url`: its schema, declared once.

use crate::sdk::model::Attr;
use crate::sdk::validate::IntRange;
use crate::sdk::{Model, Schema};

pub const TYPE_NAME: &str = "agent37_signed_url";

const DESCRIPTION: &str = "Mints a signed browser URL for one port of an instance. Every run mints a new URL, and the API cannot revoke them before they expire: prefer a short `ttl_seconds`. The URL never appears in plans or state; pass it to a provisioner or another ephemeral context.";

/// `agent37_signed_url`: its configuration, and the result once opened.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct SignedUrl {
    #[attr(required, describe = "The instance whose port the URL opens.")]
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
        describe = "Lifetime of the URL in seconds; the API clamps it to 60–86400. Default 3600.",
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
