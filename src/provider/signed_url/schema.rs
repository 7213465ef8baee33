use crate::sdk::validate::IntRange;
use crate::sdk::{Attribute, Schema};

pub const TYPE_NAME: &str = "agent37_signed_url";

pub fn schema() -> Schema {
    Schema::new(
        "Mints a signed browser URL for one port of an instance. Every run mints a new URL, and the API cannot revoke them before they expire: prefer a short `ttl_seconds`. The URL never appears in plans or state; pass it to a provisioner or another ephemeral context.",
        vec![
            Attribute::string("instance_id")
                .required()
                .describe("The instance whose port the URL opens."),
            Attribute::number("port")
                .optional()
                .computed()
                .describe("One of the instance's ports. Default: the instance's default port.")
                .validate(IntRange::between(1, 65535)),
            Attribute::number("ttl_seconds")
                .optional()
                .describe("Lifetime of the URL in seconds; the API clamps it to 60–86400. Default 3600.")
                .validate(IntRange::at_least(1)),
            Attribute::string("url")
                .computed()
                .sensitive()
                .describe("The signed URL: a bearer credential for browsers (the `a37_token` query parameter). Treat it as a secret."),
            Attribute::number("expires_at")
                .computed()
                .describe("When the URL stops working, in epoch seconds."),
        ],
    )
}
