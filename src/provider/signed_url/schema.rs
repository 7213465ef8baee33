//! The model of `agent37_signed_url`: its schema, declared once.

use crate::api::Instance;
use crate::provider::ids;
use crate::sdk::model::Attr;
use crate::sdk::validate::{IntRange, check};
use crate::sdk::{Diagnostics, Model, Path, Schema, Value};

pub const TYPE_NAME: &str = "agent37_signed_url";

const DESCRIPTION: &str = "Mints a signed browser URL for one port of an instance. Every run mints a new URL, and the API cannot revoke them before they expire: prefer a short `ttl_seconds`. The URL never appears in plans or state; pass it to a provisioner or another ephemeral context.\n\nThe API mints URLs only for a running instance. For an instance that is not running (stopped, failed, or being repaired by this very plan), opening succeeds with a warning and `url` and `expires_at` null, so the configuration keeps planning and applying: write whatever uses `url` to allow for null, for example `environment = { URL = ephemeral.agent37_signed_url.chat.url != null ? ephemeral.agent37_signed_url.chat.url : \"\" }` with a command that skips an empty URL, or `count`/`for_each` on the instance's `status` for a consumer that cannot take null.";

/// `agent37_signed_url`: its configuration, and the result once opened.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct SignedUrl {
    #[attr(
        required,
        describe = "The id of the instance whose port the URL opens (10 lowercase letters and digits).",
        validate = ids::rule()
    )]
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
        describe = "Lifetime of the URL in seconds. Default 3600. The API clamps it to at least 60 seconds (a lower value is a warning) and at most 86400 (API revision 2026-06-25) or 604800 (2026-08-21); `expires_at` shows when the URL ends.",
        validate = IntRange::at_least(1)
    )]
    pub ttl_seconds: Attr<i64>,
    #[attr(
        computed,
        sensitive,
        describe = "The signed URL: a bearer credential for browsers (the `a37_token` query parameter). Treat it as a secret. Null when the instance is not running (see above)."
    )]
    pub url: Attr<String>,
    #[attr(
        computed,
        describe = "When the URL stops working, in epoch seconds; null when no URL was minted."
    )]
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

/// The shortest lifetime the API grants (both revisions): a lower `ttl_seconds` is raised to it.
pub const MIN_TTL: i64 = 60;

/// Validation beyond the attributes' own: a `ttl_seconds` the API raises is a warning (the
/// URL still opens, with another lifetime than the one written). The upper bound differs
/// between API revisions and is documented on the attribute instead.
pub fn validate(config: &SignedUrl, diags: &mut Diagnostics) {
    let Some(ttl) = config.ttl_seconds.get() else {
        return;
    };
    // Non-positive values are refused by the attribute's own rule.
    if !(1..MIN_TTL).contains(&ttl) {
        return;
    }
    diags.attr_warning(
        Path::attr(SignedUrl::TTL_SECONDS),
        "ttl_seconds is raised by the API",
        format!(
            "The API grants signed URLs a lifetime of at least {MIN_TTL} seconds, so ttl_seconds = {ttl} gives a URL that lives {MIN_TTL} seconds (see `expires_at`)."
        ),
    );
}

/// Whether a refused mint was refused because the instance cannot serve one now, rather than
/// for the port: any status but `running` and `sleeping` (the 2026-08-21 revision mints for a
/// sleeping instance, on any port), or `sleeping` with a port the instance declares (2026-06-25
/// mints for running instances only).
pub fn unavailable(inst: &Instance, port: u16) -> bool {
    match inst.status.as_str() {
        "running" => false,
        "sleeping" => inst.ports.iter().any(|p| p.port == port),
        _ => true,
    }
}

/// The result for `config` when no URL could be minted: `url` and `expires_at` null.
pub fn not_minted(config: SignedUrl, port: u16) -> SignedUrl {
    SignedUrl {
        port: i64::from(port).into(),
        url: Attr::Null,
        expires_at: Attr::Null,
        ..config
    }
}

/// The warning's detail for an instance in `status` that cannot serve a signed URL.
pub fn not_minted_detail(id: &str, status: &str) -> String {
    format!(
        "Instance {id} is {status}, and the API mints signed URLs only for a running instance, so `url` and `expires_at` are null for this run; the plan or apply goes on (it may be the one that repairs or starts the instance). Once the instance runs, the next run mints a URL."
    )
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

    fn warnings(ttl: Option<i64>) -> Vec<String> {
        let config = SignedUrl {
            ttl_seconds: Attr::from_option(ttl),
            ..Default::default()
        };
        let mut d = Diagnostics::new();
        validate(&config, &mut d);
        d.0.iter().map(|d| d.detail.clone()).collect()
    }

    /// Issue 15: a `ttl_seconds` below the API's minimum warns, naming the lifetime the URL
    /// gets.
    #[test]
    fn a_ttl_below_the_api_minimum_warns() {
        assert_eq!(
            warnings(Some(30)),
            [
                "The API grants signed URLs a lifetime of at least 60 seconds, so ttl_seconds = 30 gives a URL that lives 60 seconds (see `expires_at`)."
            ]
        );
        // The upper bound depends on the API revision: documented, not warned about.
        for fine in [
            None,
            Some(60),
            Some(3600),
            Some(86_400),
            Some(90_000),
            Some(0),
        ] {
            assert!(warnings(fine).is_empty(), "{fine:?}");
        }
    }

    fn instance(status: &str) -> Instance {
        serde_json::from_value(serde_json::json!({
            "id": "abc123defg", "status": status, "template": "agent37-hermes",
            "image_ref": "img", "resources": {"cpu": 2, "memory": 4, "disk": 6},
            "ports": [{"port": 3737, "default": true, "url": "https://abc123defg.agent37.app"}],
            "created": 1
        }))
        .expect("instance")
    }

    /// Issue 15, bug 5: a refused mint for an instance that cannot serve one is "no URL this
    /// run", not an error that blocks every plan; a refused port stays an error.
    #[test]
    fn which_refused_mints_mean_no_url_this_run() {
        for status in ["stopped", "failed", "starting", "provisioning", "updating"] {
            assert!(unavailable(&instance(status), 3737), "{status}");
        }
        assert!(!unavailable(&instance("running"), 3737));
        assert!(unavailable(&instance("sleeping"), 3737));
        assert!(
            !unavailable(&instance("sleeping"), 8080),
            "the port is the problem"
        );

        let config = SignedUrl {
            instance_id: "abc123defg".into(),
            ttl_seconds: 120.into(),
            ..SignedUrl::default()
        };
        let result = not_minted(config, 3737);
        crate::sdk::model::conforms(&result.to_value(), &schema().value_type())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(result.url, Attr::Null);
        assert_eq!(result.expires_at, Attr::Null);
        assert_eq!(result.port.get(), Some(3737));
    }
}
