//! The provider block: schema, and resolution against the environment into client settings.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::api::RevisionSetting;
use crate::sdk::model::Attr;
use crate::sdk::validate::{IntRange, OneOf, Validator, check};
use crate::sdk::value::Number;
use crate::sdk::{Diagnostics, Model, Path, Schema, Value, duration};

pub const DEFAULT_BASE_URL: &str = "https://api.agent37.com/v1";
pub const ENV_API_KEY: &str = "AGENT37_API_KEY";
pub const ENV_BASE_URL: &str = "AGENT37_BASE_URL";
pub const ENV_API_REVISION: &str = "AGENT37_API_REVISION";
/// The values of `api_revision`.
pub const API_REVISIONS: &[&str] = &["auto", "2026-06-25", "2026-08-21"];
/// The environment variables the provider process reads, with what each is for (the
/// binary's `--help` and `--debug` list them).
pub const PROCESS_ENV: &[(&str, &str)] = &[
    (
        ENV_API_KEY,
        "the workspace API key, when the provider block sets no `api_key`",
    ),
    (
        ENV_BASE_URL,
        "the API's base URL, when the provider block sets no `base_url` (default https://api.agent37.com/v1)",
    ),
    (
        ENV_API_REVISION,
        "the API revision, when the provider block sets no `api_revision` (default auto)",
    ),
    (
        "SSL_CERT_FILE",
        "on Linux, a CA bundle trusted instead of the system's",
    ),
    (
        "SSL_CERT_DIR",
        "on Linux, a CA directory trusted instead of the system's",
    ),
    (
        "TF_APPEND_USER_AGENT",
        "text appended to the User-Agent of every API request",
    ),
];
const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const DEFAULT_MAX_RETRIES: u32 = 6;

fn base_url_rule() -> impl Validator + 'static {
    check(
        "An absolute `https://` URL, or `http://` to a loopback host, whose path ends in `/v1` (or is empty: `/v1` is added).",
        |v| {
            v.as_str().map_or(Ok(()), |s| {
                crate::api::api_base_url(s)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        },
    )
}

fn request_timeout_rule() -> impl Validator + 'static {
    check(
        "A duration longer than zero, such as `\"30s\"` or `\"2m\"`.",
        |v| {
            v.as_str().map_or(Ok(()), |s| match duration::parse(s)? {
                d if d.is_zero() => Err("request_timeout must be longer than zero.".to_string()),
                _ => Ok(()),
            })
        },
    )
}

/// The provider block.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct ProviderConfig {
    #[attr(
        optional,
        sensitive,
        describe = "Workspace API key (`sk_live_…`). Falls back to the `AGENT37_API_KEY` environment variable. Never written to logs, plans or state."
    )]
    pub api_key: Attr<String>,
    #[attr(
        optional,
        describe = "Base URL of the hosting API, including `/v1`. Falls back to `AGENT37_BASE_URL`, then `https://api.agent37.com/v1`. A URL with no path at all (`http://127.0.0.1:8080`) gets `/v1` added; any other path must end in `/v1` (a gateway may serve the API under a prefix, such as `https://gw.example/agent37/v1`) and is refused otherwise. `http://` is accepted only for a loopback host (such as the local emulator). Whatever the URL, a `404 not_found` removes an object from the state only once the API has shown it answers at this URL.",
        validate = base_url_rule()
    )]
    pub base_url: Attr<String>,
    #[attr(
        optional,
        describe = "Time limit of one HTTP request that does not wait on the platform, as a duration such as `\"60s\"`. Default `\"60s\"`. Calls that wait for the platform (create, start, resize, exec…) are bounded by the resource's `timeouts` instead.",
        validate = request_timeout_rule()
    )]
    pub request_timeout: Attr<String>,
    /// A number, not a whole one necessarily: a fraction is refused with its own message.
    #[attr(
        optional,
        describe = "How many times a retryable failure (rate limiting, no capacity, transport errors) is retried, with exponential backoff and jitter. Default `6`.",
        validate = IntRange::between(0, 100)
    )]
    pub max_retries: Attr<Number>,
    #[attr(
        optional,
        describe = "An extra certificate authority (PEM) to trust for TLS to the API, for private deployments. Certificates are always verified."
    )]
    pub ca_cert_pem: Attr<String>,
    #[attr(
        optional,
        describe = "The hosting API revision to speak: `\"auto\"` (default: the provider tells it from the API's answers, with at most one `GET /templates` when a decision comes before any answer), `\"2026-06-25\"` or `\"2026-08-21\"` (no probe). Falls back to `AGENT37_API_REVISION`. A plan records the revision it used; an apply against another one fails and asks for a new plan.",
        validate = OneOf(API_REVISIONS)
    )]
    pub api_revision: Attr<String>,
    #[attr(
        optional,
        describe = "Key/value pairs merged into the metadata of every `agent37_instance` (like the AWS provider's `default_tags`); an instance's own `metadata` wins on a shared key. Each instance's `metadata` stays what its configuration says; its computed `metadata_all` is the merged map the plan shows and the API holds. Changing the defaults updates each instance's metadata in place (no restart). At most 4096 bytes as compact JSON once merged (the API's limit).",
        validate = check("At most 4096 bytes as compact JSON.", crate::provider::instance::model::check_metadata)
    )]
    pub default_metadata: Attr<BTreeMap<String, Option<String>>>,
}

pub fn schema() -> Schema {
    ProviderConfig::schema("Configures access to the Agent37 hosting API.")
}

/// Where the API key came from, named when the API does not know the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// `api_key` in the provider block.
    ProviderBlock,
    /// The `AGENT37_API_KEY` environment variable of the provider's process.
    Environment,
}

impl KeySource {
    /// The source as a phrase ("the key came from …").
    pub fn describe(self) -> String {
        match self {
            Self::ProviderBlock => "`api_key` in the provider block".to_string(),
            Self::Environment => format!(
                "the {ENV_API_KEY} environment variable (the provider block sets no `api_key`)"
            ),
        }
    }
}

/// Client settings after configuration and environment are merged and checked.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    pub api_key: String,
    pub key_source: KeySource,
    pub base_url: String,
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub ca_cert_pem: Option<String>,
    pub api_revision: RevisionSetting,
    /// `default_metadata`: pairs with a value (a null value in the map is left out).
    pub default_metadata: BTreeMap<String, String>,
}

impl std::fmt::Debug for Settings {
    // Hand-written so the key can never reach a log through `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("api_key", &"<redacted>")
            .field("key_source", &self.key_source)
            .field("base_url", &self.base_url)
            .field("request_timeout", &self.request_timeout)
            .field("max_retries", &self.max_retries)
            .field("ca_cert_pem", &self.ca_cert_pem.is_some())
            .field("api_revision", &self.api_revision)
            .field("default_metadata", &self.default_metadata)
            .finish()
    }
}

fn non_empty(v: &Attr<String>) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Merges the provider block with the environment (`env` looks a variable up).
pub fn resolve(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Settings, Diagnostics> {
    let config = match ProviderConfig::from_value(config) {
        Ok(c) => c,
        Err(e) => return Err(e.diagnostics()),
    };
    let mut diags = Diagnostics::new();
    let from_env = |name: &str| {
        env(name)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    };

    let api_key = match non_empty(&config.api_key) {
        Some(key) => Some((key, KeySource::ProviderBlock)),
        None => from_env(ENV_API_KEY).map(|key| (key, KeySource::Environment)),
    };
    if api_key.is_none() {
        diags.attr_error(
            Path::attr(ProviderConfig::API_KEY),
            "Missing API key",
            format!("Set api_key in the provider block or the {ENV_API_KEY} environment variable to a workspace API key (sk_live_…)."),
        );
    }

    let (base_url_raw, base_url_path) = match non_empty(&config.base_url) {
        Some(u) => (u, Some(Path::attr(ProviderConfig::BASE_URL))),
        None => match from_env(ENV_BASE_URL) {
            Some(u) => (u, None),
            None => (DEFAULT_BASE_URL.to_string(), None),
        },
    };
    let base_url = match crate::api::api_base_url(&base_url_raw) {
        Ok(u) => Some(u.to_string().trim_end_matches('/').to_string()),
        Err(e) => {
            let summary = "Invalid base URL";
            match base_url_path {
                Some(p) => diags.attr_error(p, summary, e.to_string()),
                None => diags.error(summary, format!("{ENV_BASE_URL}: {e}")),
            }
            None
        }
    };

    let request_timeout = match non_empty(&config.request_timeout) {
        None => DEFAULT_REQUEST_TIMEOUT,
        Some(s) => match duration::parse(&s) {
            Ok(d) if !d.is_zero() => d,
            Ok(_) => {
                diags.attr_error(
                    Path::attr(ProviderConfig::REQUEST_TIMEOUT),
                    "Invalid request_timeout",
                    "request_timeout must be longer than zero.",
                );
                DEFAULT_REQUEST_TIMEOUT
            }
            Err(e) => {
                diags.attr_error(
                    Path::attr(ProviderConfig::REQUEST_TIMEOUT),
                    "Invalid request_timeout",
                    e,
                );
                DEFAULT_REQUEST_TIMEOUT
            }
        },
    };

    let max_retries = match &config.max_retries {
        Attr::Null => DEFAULT_MAX_RETRIES,
        // Unknown (it depends on something not yet created) is as unusable as a bad value.
        v => match v
            .known()
            .and_then(Number::as_i64)
            .and_then(|n| u32::try_from(n).ok())
        {
            Some(n) if n <= 100 => n,
            _ => {
                diags.attr_error(
                    Path::attr(ProviderConfig::MAX_RETRIES),
                    "Invalid max_retries",
                    "max_retries must be a whole number from 0 to 100.",
                );
                DEFAULT_MAX_RETRIES
            }
        },
    };

    let ca_cert_pem = non_empty(&config.ca_cert_pem);

    let api_revision = match non_empty(&config.api_revision) {
        Some(s) => RevisionSetting::parse(&s).unwrap_or_else(|e| {
            diags.attr_error(
                Path::attr(ProviderConfig::API_REVISION),
                "Invalid api_revision",
                e.to_string(),
            );
            RevisionSetting::Auto
        }),
        None => match from_env(ENV_API_REVISION) {
            Some(s) => RevisionSetting::parse(&s).unwrap_or_else(|e| {
                diags.error("Invalid api_revision", format!("{ENV_API_REVISION}: {e}"));
                RevisionSetting::Auto
            }),
            None => RevisionSetting::Auto,
        },
    };

    match (api_key, base_url) {
        (Some((api_key, key_source)), Some(base_url)) if !diags.has_errors() => Ok(Settings {
            api_key,
            key_source,
            base_url,
            request_timeout,
            max_retries,
            ca_cert_pem,
            api_revision,
            default_metadata: config
                .default_metadata
                .known()
                .map(|m| {
                    m.iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
                        .collect()
                })
                .unwrap_or_default(),
        }),
        _ => Err(diags),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::value::ValueMap;

    fn config(pairs: &[(&str, Value)]) -> Value {
        let mut m: ValueMap = [
            "api_key",
            "base_url",
            "request_timeout",
            "max_retries",
            "ca_cert_pem",
            "api_revision",
        ]
        .iter()
        .map(|k| (k.to_string(), Value::Null))
        .collect();
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn missing_key_names_both_places() {
        let err = resolve(&config(&[]), &no_env).unwrap_err();
        let d = &err.0[0];
        assert_eq!(d.attribute, Some(Path::attr("api_key")));
        assert!(
            d.detail.contains("api_key") && d.detail.contains(ENV_API_KEY),
            "{}",
            d.detail
        );
    }

    #[test]
    fn env_fills_key_and_url_with_defaults() {
        let env = |k: &str| match k {
            ENV_API_KEY => Some("sk_live_abcdefghijklmnopqrstuvwx".to_string()),
            ENV_BASE_URL => Some("http://127.0.0.1:8080/v1".to_string()),
            _ => None,
        };
        let s = resolve(&config(&[]), &env).unwrap();
        assert_eq!(s.base_url, "http://127.0.0.1:8080/v1");
        assert_eq!(s.key_source, KeySource::Environment);
        assert_eq!(s.request_timeout, DEFAULT_REQUEST_TIMEOUT);
        assert_eq!(s.max_retries, DEFAULT_MAX_RETRIES);
        assert!(!format!("{s:?}").contains("sk_live"));
    }

    #[test]
    fn config_wins_over_env_and_is_checked() {
        let env =
            |k: &str| (k == ENV_API_KEY).then(|| "sk_live_fromenvfromenvfromenvxx".to_string());
        let err = resolve(
            &config(&[("base_url", Value::string("http://api.example.com/v1"))]),
            &env,
        )
        .unwrap_err();
        assert_eq!(err.0[0].attribute, Some(Path::attr("base_url")));

        let s = resolve(
            &config(&[
                ("api_key", Value::string("sk_live_fromconfigfromconfigfro")),
                ("request_timeout", Value::string("5s")),
                ("max_retries", Value::number(2)),
            ]),
            &env,
        )
        .unwrap();
        assert_eq!(s.api_key, "sk_live_fromconfigfromconfigfro");
        assert_eq!(s.key_source, KeySource::ProviderBlock);
        assert_eq!(s.base_url, DEFAULT_BASE_URL);
        assert_eq!(s.request_timeout, Duration::from_secs(5));
        assert_eq!(s.max_retries, 2);
    }

    #[test]
    fn api_revision_from_config_or_env() {
        let key =
            |k: &str| (k == ENV_API_KEY).then(|| "sk_live_fromenvfromenvfromenvxx".to_string());
        assert_eq!(
            resolve(&config(&[]), &key).unwrap().api_revision,
            RevisionSetting::Auto
        );
        let env = |k: &str| match k {
            ENV_API_REVISION => Some("2026-06-25".to_string()),
            other => key(other),
        };
        assert_eq!(
            resolve(&config(&[]), &env).unwrap().api_revision,
            RevisionSetting::Fixed(crate::api::ApiRevision::R2026_06_25)
        );
        let s = resolve(
            &config(&[("api_revision", Value::string("2026-08-21"))]),
            &env,
        )
        .unwrap();
        assert_eq!(
            s.api_revision,
            RevisionSetting::Fixed(crate::api::ApiRevision::R2026_08_21)
        );
        let bad = |k: &str| match k {
            ENV_API_REVISION => Some("v2".to_string()),
            other => key(other),
        };
        let err = resolve(&config(&[]), &bad).unwrap_err();
        assert!(
            err.0[0].detail.contains("AGENT37_API_REVISION"),
            "{}",
            err.0[0].detail
        );
    }

    /// Issue 15, bug 1: a base URL without `/v1` found no route, and the API's `404 not_found`
    /// removed instances from the state. No path gets `/v1`; another path is refused.
    #[test]
    fn base_url_without_a_path_gets_v1_and_another_path_is_refused() {
        let key =
            |k: &str| (k == ENV_API_KEY).then(|| "sk_live_abcdefghijklmnopqrstuvwx".to_string());
        let with_env_url = |url: &'static str| {
            move |k: &str| match k {
                ENV_BASE_URL => Some(url.to_string()),
                other => key(other),
            }
        };
        let s = resolve(&config(&[]), &with_env_url("http://127.0.0.1:8080")).unwrap();
        assert_eq!(s.base_url, "http://127.0.0.1:8080/v1");
        let s = resolve(
            &config(&[("base_url", Value::string("https://api.agent37.com/"))]),
            &key,
        )
        .unwrap();
        assert_eq!(s.base_url, "https://api.agent37.com/v1");

        let err = resolve(&config(&[]), &with_env_url("http://127.0.0.1:8080/api")).unwrap_err();
        assert_eq!(err.0[0].summary, "Invalid base URL");
        assert!(
            err.0[0]
                .detail
                .starts_with("AGENT37_BASE_URL: base_url's path \"/api\" does not end in /v1"),
            "{}",
            err.0[0].detail
        );
        let err = resolve(
            &config(&[("base_url", Value::string("http://127.0.0.1:8080/instances"))]),
            &key,
        )
        .unwrap_err();
        assert_eq!(err.0[0].attribute, Some(Path::attr("base_url")));
    }
}
