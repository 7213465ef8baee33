//! The client's configuration and the pure helpers the provider's configuration uses: base URL
//! rule, User-Agent, the API key wrapper, the top-up idempotency key.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;
use sha2::{Digest, Sha256};

use super::error::BaseUrlError;
use super::retry::Backoff;
use super::revision::RevisionSetting;

/// The public API, used when neither the configuration nor the environment names another.
pub const DEFAULT_BASE_URL: &str = "https://api.agent37.com/v1";
/// Per-request bound of calls that do not block on the platform.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Retries after the first attempt.
pub const DEFAULT_MAX_RETRIES: u32 = 6;

/// A value that must never be shown: `Debug` and `Display` print `[redacted]`, and there is no
/// `Serialize`. Read it with [`Secret::expose`] only where it goes on the wire.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// How the client finds the instance an ambiguous create made (see the create-safety rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AdoptionConfig {
    /// Upper bound of the whole look-up (waiting for identical creates in flight, listing,
    /// retries of the list). It applies even after cancellation, so it stays short.
    pub lookup_budget: Duration,
    /// Clock slack: an instance counts as made by the call if `created ≥ start − slack`.
    pub created_slack: Duration,
    /// Pause before the second and last listing when the first found nothing, so that a
    /// create the server was still accepting when the connection broke shows up.
    pub recheck_delay: Duration,
}

impl Default for AdoptionConfig {
    fn default() -> Self {
        Self {
            lookup_budget: Duration::from_secs(30),
            created_slack: Duration::from_secs(2),
            recheck_delay: Duration::from_secs(2),
        }
    }
}

/// Everything [`super::Client::new`] needs. `Debug` never shows the key.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Absolute http(s) URL ending before `/instances` (checked by [`api_base_url`]).
    pub base_url: String,
    pub api_key: Secret,
    /// Bound of each request that does not block on the platform.
    pub request_timeout: Duration,
    /// Retries after the first attempt, for one call.
    pub max_retries: u32,
    /// Extra CA certificates (PEM) trusted besides the system roots.
    pub ca_cert_pem: Option<String>,
    /// Where the key came from, in the caller's words; named in `invalid_api_key` errors.
    pub key_origin: Option<String>,
    /// Full User-Agent header value; see [`user_agent`].
    pub user_agent: String,
    pub backoff: Backoff,
    pub adoption: AdoptionConfig,
    /// Poll interval while waiting for an instance to leave a transitional status before an
    /// action is sent again.
    pub settle_poll_interval: Duration,
    /// `api_revision`: detect the revision (default), or take this one without a probe.
    pub api_revision: RevisionSetting,
}

impl ClientConfig {
    /// A configuration with the provider's defaults.
    pub fn new(base_url: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: api_key.into(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            ca_cert_pem: None,
            key_origin: None,
            user_agent: user_agent(env!("CARGO_PKG_VERSION"), None, None),
            backoff: Backoff::default(),
            adoption: AdoptionConfig::default(),
            settle_poll_interval: Duration::from_secs(1),
            api_revision: RevisionSetting::Auto,
        }
    }
}

/// Checks and normalises a base URL: absolute `https://`, or `http://` to a loopback host
/// (localhost, 127.0.0.0/8, ::1) only; no credentials, query or fragment; trailing slashes
/// dropped (`https://h/v1/` → `https://h/v1`).
pub fn validate_base_url(input: &str) -> Result<Url, BaseUrlError> {
    let input = input.trim();
    let mut url = Url::parse(input).map_err(|e| BaseUrlError::NotAbsolute {
        input: input.to_owned(),
        reason: e.to_string(),
    })?;
    let scheme = url.scheme().to_owned();
    if scheme != "https" && scheme != "http" {
        return Err(BaseUrlError::UnsupportedScheme { scheme });
    }
    let Some(host) = url.host_str().map(str::to_owned) else {
        return Err(BaseUrlError::NotAbsolute {
            input: input.to_owned(),
            reason: "it has no host".to_owned(),
        });
    };
    if scheme == "http" && !is_loopback(&host) {
        return Err(BaseUrlError::InsecureHttp { host });
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(BaseUrlError::HasCredentials);
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(BaseUrlError::HasQueryOrFragment);
    }
    let trimmed = url.path().trim_end_matches('/').to_owned();
    url.set_path(&trimmed);
    Ok(url)
}

/// The path segment every route of the hosting API lives under (`https://api.agent37.com/v1`).
pub const API_PATH_SEGMENT: &str = "v1";

/// The API's base URL: [`validate_base_url`], then the path rule. A base URL with no path
/// (`http://127.0.0.1:8080`, `https://api.agent37.com`) gets `/v1` added, since every route
/// lives under it and that is the one sensible reading; any other path must end in `/v1`
/// (a gateway may put the API under a prefix, `https://gw.example/agent37/v1`), and is refused
/// otherwise rather than guessed at: a base URL without the API's path finds no route, and the
/// API answers an unknown route exactly like a missing object (`404 not_found`).
pub fn api_base_url(input: &str) -> Result<Url, BaseUrlError> {
    let mut url = validate_base_url(input)?;
    let path = url.path().trim_end_matches('/').to_owned();
    if path.is_empty() {
        url.set_path(&format!("/{API_PATH_SEGMENT}"));
    } else if path.rsplit('/').next() != Some(API_PATH_SEGMENT) {
        return Err(BaseUrlError::NoApiPath { path });
    }
    Ok(url)
}

/// `host` as `Url::host_str` gives it (IPv6 in brackets, names lowercased).
pub(crate) fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(ip) => ip.to_canonical().is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// `terraform-provider-agent37/<version> terraform/<version>`, then `TF_APPEND_USER_AGENT`'s
/// value when given. Characters a header cannot carry are replaced.
pub fn user_agent(
    provider_version: &str,
    terraform_version: Option<&str>,
    append: Option<&str>,
) -> String {
    let mut ua = format!(
        "terraform-provider-agent37/{}",
        header_safe(provider_version)
    );
    if let Some(tf) = terraform_version.map(str::trim).filter(|v| !v.is_empty()) {
        ua.push_str(" terraform/");
        ua.push_str(&header_safe(tf));
    }
    if let Some(extra) = append.map(str::trim).filter(|v| !v.is_empty()) {
        ua.push(' ');
        ua.push_str(&header_safe(extra));
    }
    ua
}

/// [`user_agent`] with `TF_APPEND_USER_AGENT` read from the environment.
pub fn user_agent_from_env(provider_version: &str, terraform_version: Option<&str>) -> String {
    let append = std::env::var("TF_APPEND_USER_AGENT").ok();
    user_agent(provider_version, terraform_version, append.as_deref())
}

fn header_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub(crate) fn header_value_ok(s: &str) -> bool {
    HeaderValue::from_str(s).is_ok()
}

/// The idempotency key of the top-up that raises an instance's granted headroom to
/// `new_highest_micros`: the same for every retry of that grant, new for every later one.
/// Matches `^[A-Za-z0-9_-]{1,64}$`.
pub fn topup_idempotency_key(instance_id: &str, new_highest_micros: i64) -> String {
    let plain = format!("tf-{instance_id}-{new_highest_micros}");
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if plain.len() <= 64 && plain.chars().all(allowed) {
        return plain;
    }
    // Ids outside the contract's alphabet or length still get a valid, stable key.
    let digest = Sha256::digest(format!("{instance_id}\0{new_highest_micros}").as_bytes());
    format!("tf-h-{}", &hex::encode(digest)[..59])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        match validate_base_url(input) {
            Ok(u) => u.to_string(),
            Err(e) => panic!("{input}: {e}"),
        }
    }

    #[test]
    fn base_url_rule() {
        assert_eq!(
            ok("https://api.agent37.com/v1"),
            "https://api.agent37.com/v1"
        );
        assert_eq!(
            ok("https://api.agent37.com/v1/"),
            "https://api.agent37.com/v1"
        );
        assert_eq!(
            ok(" https://api.agent37.com/v1// "),
            "https://api.agent37.com/v1"
        );
        assert_eq!(ok("http://127.0.0.1:8080/v1/"), "http://127.0.0.1:8080/v1");
        assert_eq!(ok("http://127.10.0.1/v1"), "http://127.10.0.1/v1");
        assert_eq!(ok("http://localhost:9/v1"), "http://localhost:9/v1");
        assert_eq!(ok("http://LOCALHOST:9/v1"), "http://localhost:9/v1");
        assert_eq!(ok("http://[::1]:9/v1"), "http://[::1]:9/v1");
        assert_eq!(ok("https://example.com"), "https://example.com/");

        let err = |s: &str| {
            validate_base_url(s)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(err("http://api.agent37.com/v1").contains("not a loopback host"));
        assert!(err("http://10.0.0.1/v1").contains("not a loopback host"));
        assert!(err("http://localhost.evil.com/v1").contains("not a loopback host"));
        assert!(err("ftp://127.0.0.1/v1").contains("https://"));
        assert!(err("api.agent37.com/v1").contains("not an absolute URL"));
        assert!(err("").contains("not an absolute URL"));
        assert!(err("/v1").contains("not an absolute URL"));
        assert!(err("https://user:pw@api.agent37.com/v1").contains("user name or password"));
        assert!(err("https://api.agent37.com/v1?x=1").contains("query"));
        assert!(err("https://api.agent37.com/v1#f").contains("query"));
        assert!(matches!(
            validate_base_url("mailto:x@y"),
            Err(BaseUrlError::UnsupportedScheme { .. })
        ));
    }

    #[test]
    fn api_base_url_gets_v1_or_must_end_in_it() {
        let api = |s: &str| api_base_url(s).map(|u| u.to_string());
        assert_eq!(
            api("http://127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080/v1")
        );
        assert_eq!(
            api("https://api.agent37.com/").as_deref(),
            Ok("https://api.agent37.com/v1")
        );
        assert_eq!(
            api("https://api.agent37.com/v1/").as_deref(),
            Ok("https://api.agent37.com/v1")
        );
        assert_eq!(
            api("https://gw.example/agent37/v1").as_deref(),
            Ok("https://gw.example/agent37/v1")
        );
        for bad in [
            "https://api.agent37.com/api",
            "https://api.agent37.com/v1/instances",
            "http://127.0.0.1:8080/v2",
            "http://127.0.0.1:8080/xv1",
        ] {
            let err = api(bad).expect_err(bad).to_string();
            assert!(err.contains("end in /v1"), "{bad}: {err}");
        }
        // The general rules come first.
        assert!(matches!(
            api_base_url("http://api.agent37.com"),
            Err(BaseUrlError::InsecureHttp { .. })
        ));
    }

    #[test]
    fn user_agent_format() {
        assert_eq!(
            user_agent("0.1.0", Some("1.15.5"), None),
            "terraform-provider-agent37/0.1.0 terraform/1.15.5"
        );
        assert_eq!(
            user_agent("0.1.0", Some("1.15.5"), Some(" ci-run/7 ")),
            "terraform-provider-agent37/0.1.0 terraform/1.15.5 ci-run/7"
        );
        assert_eq!(
            user_agent("0.1.0", None, Some("")),
            "terraform-provider-agent37/0.1.0"
        );
        let odd = user_agent("0.1.0", Some("1.15"), Some("é\nx"));
        assert!(header_value_ok(&odd), "{odd}");
    }

    #[test]
    fn secret_never_shows() {
        let cfg = ClientConfig::new("https://x/v1", "sk_live_SECRETSECRETSECRETSECRET");
        let shown = format!("{cfg:?} {}", cfg.api_key);
        assert!(!shown.contains("SECRET"), "{shown}");
        assert_eq!(cfg.api_key.expose(), "sk_live_SECRETSECRETSECRETSECRET");
    }

    #[test]
    fn topup_key_is_valid_and_deterministic() {
        let valid = |k: &str| {
            !k.is_empty()
                && k.len() <= 64
                && k.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        let k = topup_idempotency_key("abc123defg", 1_000_000);
        assert_eq!(k, "tf-abc123defg-1000000");
        assert_eq!(k, topup_idempotency_key("abc123defg", 1_000_000));
        assert_ne!(k, topup_idempotency_key("abc123defg", 2_000_000));
        assert_ne!(k, topup_idempotency_key("abc123defh", 1_000_000));
        for (id, v) in [
            ("abc123defg", i64::MAX),
            ("abc123defg", -5),
            ("x".repeat(80).as_str(), 1),
            ("weird id/with:chars", 1),
            ("", 0),
        ] {
            let key = topup_idempotency_key(id, v);
            assert!(valid(&key), "{id:?} {v} → {key}");
            assert_eq!(key, topup_idempotency_key(id, v));
        }
        assert_ne!(
            topup_idempotency_key(&"x".repeat(80), 1),
            topup_idempotency_key(&"x".repeat(80), 2)
        );
    }
}
