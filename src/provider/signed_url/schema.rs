//! The model of `agent37_signed_url`: its schema, declared once.

use crate::sdk::Value;
use crate::sdk::model::Attr;
use crate::sdk::validate::{IntRange, check};
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
        describe = "A port of the instance, 1–65535 except 22022 (the SSH tunnel). API revision 2026-06-25: one of the instance's declared ports; 2026-08-21: any port. Default: the instance's default port (2026-08-21: its template's `default_port`, else 3737).",
        validate = check("1 to 65535, not 22022 (the SSH tunnel).", check_port)
    )]
    pub port: Attr<i64>,
    #[attr(
        optional,
        describe = "Lifetime of the URL in seconds; the API clamps it to 60–86400 (API revision 2026-06-25) or 60–604800 (2026-08-21). Default 3600.",
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

/// The SSH tunnel's port: no signed URL reaches it (either revision).
pub const SSH_PORT: i64 = 22022;

fn check_port(v: &Value) -> Result<(), String> {
    match v.as_i64() {
        Some(SSH_PORT) => Err("22022 is the SSH tunnel's port; no signed URL reaches it".into()),
        Some(p) if (1..=65535).contains(&p) => Ok(()),
        _ => Err("must be a port from 1 to 65535".into()),
    }
}

pub fn schema() -> Schema {
    SignedUrl::schema(DESCRIPTION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ssh_port_is_refused() {
        assert!(check_port(&Value::number(3737)).is_ok());
        assert!(
            check_port(&Value::number(22022))
                .unwrap_err()
                .contains("SSH")
        );
        assert!(check_port(&Value::number(0)).is_err());
        assert!(check_port(&Value::number(65536)).is_err());
    }
}
