//! The models of `agent37_instance_integration` (resource and list filter), declared once with
//! their docs; the static rules (toolkit slugs, the callback URL) as validators, so that
//! `terraform validate` reports them on the exact attribute.

use reqwest::Url;

use crate::provider::ids;
use crate::sdk::model::Attr;
use crate::sdk::timeouts::Timeouts;
use crate::sdk::validate::Validator;
use crate::sdk::{Diagnostics, Model, Path, Schema, Value};

/// The resource's schema version; `upgrade_state` is the identity until it moves.
pub const VERSION: i64 = 0;
pub const TOOLKIT_MAX_CHARS: usize = 64;
pub const TOOLKIT_ALLOWED: &str =
    "a toolkit slug: 1 to 64 lowercase letters, digits, `_` or `-` (e.g. `gmail`, `slack`)";

/// A toolkit slug as Composio writes them.
pub fn toolkit_ok(s: &str) -> bool {
    (1..=TOOLKIT_MAX_CHARS).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-')
}

/// Why `s` is not an absolute https URL the API accepts as `callbackUrl`; `None` when it is.
pub fn callback_problem(s: &str) -> Option<&'static str> {
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Some("it contains spaces or control characters");
    }
    match Url::parse(s) {
        Err(_) => Some("it is not an absolute URL"),
        Ok(u) if u.scheme() != "https" => Some("it must use https://"),
        Ok(u) if u.host_str().is_none_or(str::is_empty) => Some("it has no host"),
        Ok(u) if !u.username().is_empty() || u.password().is_some() => {
            Some("it must not carry a user name or password")
        }
        Ok(_) => None,
    }
}

struct ToolkitRule;

impl Validator for ToolkitRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(t) = value.as_str()
            && !toolkit_ok(t)
        {
            diags.attr_error(
                path.clone(),
                "Invalid toolkit",
                format!("{path} is {t:?}; it must be {TOOLKIT_ALLOWED}."),
            );
        }
    }
    fn description(&self) -> String {
        format!("{TOOLKIT_ALLOWED}.")
    }
}

struct CallbackRule;

impl Validator for CallbackRule {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(u) = value.as_str()
            && let Some(why) = callback_problem(u)
        {
            diags.attr_error(
                path.clone(),
                "Invalid callback URL",
                format!(
                    "{path} is {u:?}: {why}. The API takes an absolute https URL, e.g. \"https://app.example.com/connected\"."
                ),
            );
        }
    }
    fn description(&self) -> String {
        "An absolute https URL.".to_string()
    }
}

pub const RESOURCE: &str = "An app integration of an instance (API revision 2026-08-21): a managed Composio connection of one toolkit (Gmail, Slack, GitHub…) that the instance's agent can use. Like a certificate's validation, a connection needs a person: create returns `redirect_url`, where someone signs in to the app (OAuth) to make the connection `ACTIVE`; with `wait_for_active` the apply waits for that within `timeouts.create`. Toolkits without auth are `ACTIVE` at once. A connection whose status turns `FAILED` or `EXPIRED` is planned for replacement (a new connection, to be finished again). Connections survive stop, start and update of the instance, go with it, and are free. Import with `<instance_id>/<connected_account_id>`.";

const STATUS_DOC: &str = "Composio's status of the connection: `INITIATED` (waiting for a person at `redirect_url`), `ACTIVE`, `FAILED`, `EXPIRED`, or another status Composio reports.";

/// The state of `agent37_instance_integration`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Integration {
    #[attr(
        required,
        requires_replace,
        describe = "The instance whose agent gets the connection (each instance is its own Composio entity). Changing it replaces the connection.",
        validate = ids::rule()
    )]
    pub instance_id: Attr<String>,
    #[attr(
        required,
        requires_replace,
        describe = "The toolkit's slug, as `GET /v1/instances/{id}/integrations/toolkits` lists them: 1–64 lowercase letters, digits, `_` or `-` (e.g. `gmail`, `slack`, `github`). A toolkit without managed OAuth is refused by the API (`custom_auth_required`). Changing it replaces the connection. Connecting a toolkit twice makes two accounts.",
        validate = ToolkitRule
    )]
    pub toolkit: Attr<String>,
    #[attr(
        optional,
        describe = "Where the browser goes once the person finished the OAuth flow: an absolute https URL (the API adds `status` and `connectedAccountId` to it). Used when connecting only: changing it later changes nothing on the server and replaces nothing; an import leaves it null.",
        validate = CallbackRule
    )]
    pub callback_url: Attr<String>,
    #[attr(
        default = Value::bool(false),
        describe = "When true, create (and an update that turns it on) waits within the timeout until a person finished the flow and the connection is `ACTIVE`; `FAILED` or `EXPIRED` ends the wait with an error, and a connection still waiting at the deadline is kept, tainted. Default false: the apply ends with the connection `INITIATED` and its `redirect_url` to hand to a person."
    )]
    pub wait_for_active: Attr<bool>,
    #[attr(
        computed,
        describe = "Composio's id of the connected account (opaque); with `instance_id` the import id: `terraform import agent37_instance_integration.example <instance_id>/<connected_account_id>`."
    )]
    pub connected_account_id: Attr<String>,
    #[attr(computed, describe = STATUS_DOC)]
    pub status: Attr<String>,
    #[attr(
        computed,
        sensitive,
        describe = "Where a person finishes the OAuth flow (sign in to the app and allow access): whoever opens it attaches their account to the instance, so it is sensitive. Known only from the create's answer: null after an import."
    )]
    pub redirect_url: Attr<String>,
    #[attr(computed, describe = "The toolkit's display name (e.g. `Gmail`).")]
    pub toolkit_name: Attr<String>,
    #[attr(
        computed,
        describe = "How the connection authenticates (`OAUTH2`, `API_KEY`, `NO_AUTH`…)."
    )]
    pub auth_scheme: Attr<String>,
    #[attr(
        computed,
        describe = "When the connection was made, in epoch seconds (the API's milliseconds, truncated)."
    )]
    pub created: Attr<i64>,
    #[block]
    pub timeouts: Timeouts,
}

pub fn resource() -> Schema {
    Integration::schema(RESOURCE).version(VERSION)
}

pub const LIST: &str = "Finds app integrations for `terraform query` (API revision 2026-08-21): the connections of one instance with `instance_id`, else those of every instance of the workspace. Each result is named `<instance_id>/<connected_account_id>`, carries its identity `{ instance_id, connected_account_id }`, and can be turned into configuration with `terraform query -generate-config-out=FILE`.";

/// The filter of the `agent37_instance_integration` list resource.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct IntegrationFilter {
    #[attr(
        optional,
        describe = "Only the connections of this instance (one request); without it, every instance's (one request per instance).",
        validate = ids::rule()
    )]
    pub instance_id: Attr<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::validate::validate_block;

    fn errors(toolkit: &str, callback: Option<&str>) -> Vec<(String, String)> {
        let cfg = Integration {
            instance_id: "abc123defg".into(),
            toolkit: toolkit.into(),
            callback_url: Attr::from_option(callback.map(str::to_string)),
            ..Integration::default()
        };
        let mut d = Diagnostics::new();
        validate_block(&resource().block, &cfg.to_value(), &Path::root(), &mut d);
        d.iter()
            .map(|d| {
                let at = d.attribute.as_ref().map(Path::to_string);
                (at.unwrap_or_default(), d.summary.clone())
            })
            .collect()
    }

    #[test]
    fn static_rules_on_their_attribute() {
        assert!(errors("gmail", Some("https://app.example/cb?x=1")).is_empty());
        assert!(errors("google_calendar", None).is_empty());
        for bad in ["", "Gmail", "gm ail", "gmail/x", &"a".repeat(65)] {
            assert_eq!(
                errors(bad, None),
                [("toolkit".into(), "Invalid toolkit".into())],
                "{bad}"
            );
        }
        for bad in [
            "http://app.example/cb",
            "/cb",
            "https://",
            "https://app.example/a b",
            "https://user:pw@app.example/cb",
        ] {
            assert_eq!(
                errors("gmail", Some(bad)),
                [("callback_url".into(), "Invalid callback URL".into())],
                "{bad}"
            );
        }
    }

    #[test]
    fn schema_shape() {
        let s = resource();
        let a = |n: &str| s.block.attribute(n).expect(n);
        for n in ["instance_id", "toolkit"] {
            assert!(a(n).requires_replace, "{n}");
        }
        for n in ["callback_url", "wait_for_active"] {
            assert!(!a(n).requires_replace, "{n}");
        }
        assert!(a("redirect_url").sensitive && a("redirect_url").computed);
        for a in &s.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
        }
    }
}
