//! Errors of the hosting-API client, and the parsing of error answers.
//!
//! Every message is safe to show to a user: the API key is scrubbed from anything that came
//! from the network, and bodies are cut to a short snippet.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::retry::{self, OpKind, Verdict};

/// Longest body excerpt carried by an error, in characters.
const SNIPPET_CHARS: usize = 200;
/// Longest `error.detail` kept (the contract caps it at 2,000 characters).
const DETAIL_CHARS: usize = 4000;

/// What can go wrong in a call to the hosting API.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The API answered with its error envelope `{"error": {"code", "message", "detail"?}}`.
    #[error("the Agent37 API answered HTTP {status} with code `{code}`: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        /// 2026-08-21: the container console's last lines of a failed create.
        detail: Option<String>,
        /// `Retry-After` of the answer, when it carried one.
        retry_after: Option<Duration>,
        /// Where the key came from, as the client's configuration describes it; set on
        /// `invalid_api_key` answers only (see [`ApiError::with_key_origin`]).
        key_origin: Option<String>,
    },

    /// A retryable failure that was tried as often as allowed: the last failure, and why no
    /// further attempt was made.
    #[error("{last}; gave up after {attempts} {}{}", plural(*attempts), reason.explain())]
    GaveUp {
        attempts: u32,
        reason: GaveUpReason,
        last: Box<ApiError>,
    },

    /// A `404 not_found` the client could not attribute to the object: the API answers an
    /// unknown route exactly like a missing object, and it did not show that it serves the
    /// base URL (`probe` is what the check of a route every API serves answered).
    #[error("{}", unconfirmed_not_found(method, path, base_url, probe))]
    UnconfirmedNotFound {
        method: String,
        path: String,
        base_url: String,
        probe: Box<ApiError>,
    },

    /// An error status whose body is not the API's envelope (a proxy page, a flat
    /// `{"error": "x"}` from the instance edge, an empty body…): probably not the API speaking.
    #[error(
        "{method} {path} answered HTTP {status} with {what}, not the API's error envelope; \
         the body starts with: {snippet}"
    )]
    UnexpectedResponse {
        method: String,
        path: String,
        status: u16,
        /// What the body looked like ("an HTML page", "a flat error `x`", ...).
        what: BodyShape,
        snippet: String,
        retry_after: Option<Duration>,
    },

    /// The request failed below HTTP (connect, TLS, reset, per-request timeout).
    #[error("{method} {path} failed: {message}")]
    Transport {
        method: String,
        path: String,
        message: String,
        /// False only when the failure proves the request never left (connection refused, DNS,
        /// connect timeout): then even a non-idempotent call is safe to send again.
        may_have_reached_server: bool,
        /// The per-request timeout (`request_timeout`) elapsed.
        timed_out: bool,
    },

    /// A success status with a body that does not decode as the expected object.
    #[error(
        "{method} {path} answered HTTP {status} with a body that could not be read ({detail}); \
         the body starts with: {body_snippet}"
    )]
    Decode {
        method: String,
        path: String,
        status: u16,
        detail: String,
        body_snippet: String,
    },

    /// The operation's deadline (the resource's `timeouts`) passed.
    #[error("{operation} did not finish within its timeout of {timeout:?}")]
    Timeout {
        operation: String,
        timeout: Duration,
    },

    /// The provider is stopping (StopProvider) or the caller cancelled the operation.
    #[error("{operation} was cancelled")]
    Cancelled { operation: String },

    /// An instance create may or may not have made an instance and the client could not tell
    /// (the look-up that would have found it failed). Nothing was created a second time.
    #[error("the outcome of {operation} is unknown: {detail}")]
    OutcomeUnknown { operation: String, detail: String },

    /// The client's configuration is unusable.
    #[error(transparent)]
    InvalidConfig(#[from] ConfigError),

    /// An argument the client refuses to put on the wire (an empty id, a path traversal...).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

/// Why the client stopped retrying a retryable failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GaveUpReason {
    /// `max_retries` retries were made.
    RetriesExhausted,
    /// The next wait would have ended after the operation's deadline.
    Deadline,
}

impl GaveUpReason {
    fn explain(self) -> &'static str {
        match self {
            Self::RetriesExhausted => " (see `max_retries`)",
            Self::Deadline => {
                ": the next retry would have started after the operation's timeout (see `timeouts`)"
            }
        }
    }
}

fn plural(attempts: u32) -> &'static str {
    if attempts == 1 { "attempt" } else { "attempts" }
}

fn unconfirmed_not_found(method: &str, path: &str, base_url: &str, probe: &ApiError) -> String {
    let head = format!("{method} {path} answered HTTP 404 not_found");
    if probe.is_not_found() {
        format!(
            "{head}, and so did GET /templates, a route every Agent37 API serves: the base URL \
             {base_url} does not lead to the Agent37 API (check `base_url` or AGENT37_BASE_URL). \
             Nothing is concluded about the object: it is kept in the state"
        )
    } else {
        format!(
            "{head}, but whether the API answers at {base_url} could not be checked \
             (GET /templates: {probe}). Nothing is concluded about the object: it is kept in \
             the state"
        )
    }
}

impl ApiError {
    /// The error the retry loop gave up on (itself for any other error).
    pub fn last(&self) -> &ApiError {
        match self {
            Self::GaveUp { last, .. } => last.last(),
            other => other,
        }
    }

    /// The API's error code, when the API answered with its envelope.
    pub fn code(&self) -> Option<&str> {
        match self.last() {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self.last() {
            Self::Api { status, .. }
            | Self::UnexpectedResponse { status, .. }
            | Self::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The API's `detail` (a failed create's console tail, 2026-08-21), when it sent one.
    pub fn api_detail(&self) -> Option<&str> {
        match self {
            Self::Api { detail, .. } => detail.as_deref(),
            _ => None,
        }
    }

    /// The code of a flat `{"error": "<code>"}` answer (the instance plane's edge).
    pub fn flat_code(&self) -> Option<&str> {
        match self {
            Self::UnexpectedResponse {
                what: BodyShape::Flat(code),
                ..
            } => Some(code),
            _ => None,
        }
    }

    /// The API's human message, when the API answered with its envelope.
    pub fn api_message(&self) -> Option<&str> {
        match self.last() {
            Self::Api { message, .. } => Some(message),
            _ => None,
        }
    }

    /// A `404 not_found` from the API itself, about the object: a bare 404 from a proxy does
    /// not count, nor does one the client could not tell from "no such route"
    /// ([`ApiError::UnconfirmedNotFound`]): treating those as "gone" would drop real objects
    /// from state.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::Api { status: 404, code, .. } if code == "not_found")
    }

    /// Names where the key came from on an `invalid_api_key` answer (other errors unchanged).
    pub fn with_key_origin(mut self, origin: Option<&str>) -> Self {
        if let Self::Api {
            code, key_origin, ..
        } = &mut self
            && code == "invalid_api_key"
        {
            *key_origin = origin.map(str::to_owned);
        }
        self
    }

    pub fn is_cancelled(&self) -> bool {
        matches!(self, Self::Cancelled { .. })
    }

    /// Whether the retry rule would try this error again for this kind of operation (ambiguous
    /// outcomes of a create count: they are retried once a look-up shows nothing was made).
    pub fn is_retryable(&self, kind: OpKind) -> bool {
        match retry::classify(self.last(), kind) {
            Verdict::Retry | Verdict::SettleThenRetry => true,
            Verdict::Ambiguous { retry_if_absent } => retry_if_absent,
            Verdict::Stop => false,
        }
    }

    /// `Retry-After` of the answer, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.last() {
            Self::Api { retry_after, .. } | Self::UnexpectedResponse { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// Whether the request may have been processed by the server.
    pub fn may_have_reached_server(&self) -> bool {
        match self.last() {
            Self::Transport {
                may_have_reached_server,
                ..
            } => *may_have_reached_server,
            Self::Cancelled { .. } | Self::InvalidConfig(_) | Self::InvalidArgument(_) => false,
            _ => true,
        }
    }
}

/// A configuration the client cannot work with. Messages never include the API key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    BaseUrl(#[from] BaseUrlError),
    #[error("the API key is empty")]
    EmptyApiKey,
    #[error("the API key contains characters that cannot be sent in an HTTP header")]
    ApiKeyNotHeaderSafe,
    #[error("ca_cert_pem holds no usable PEM certificate: {0}")]
    CaCert(String),
    #[error("the user agent cannot be sent in an HTTP header")]
    UserAgent,
    #[error("could not build the HTTP client: {0}")]
    Http(String),
}

/// Why a base URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    #[error("base_url {input:?} is not an absolute URL: {reason}")]
    NotAbsolute { input: String, reason: String },
    #[error("base_url must use https:// (or http:// to a loopback host), not {scheme}://")]
    UnsupportedScheme { scheme: String },
    #[error(
        "base_url uses http:// to {host}, which is not a loopback host; use https://, or \
         http:// only with localhost, 127.0.0.0/8 or [::1]"
    )]
    InsecureHttp { host: String },
    #[error("base_url must not carry a user name or password; the API key goes in api_key")]
    HasCredentials,
    #[error("base_url must not carry a query string or fragment")]
    HasQueryOrFragment,
    #[error(
        "base_url's path {path:?} does not end in /v1: every route of the Agent37 API lives \
         under /v1 (https://api.agent37.com/v1, or http://127.0.0.1:PORT/v1 for the emulator); \
         a base URL with no path at all gets /v1 added"
    )]
    NoApiPath { path: String },
}

// ---------------------------------------------------------------------------------------------
// Error answers
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Envelope {
    error: EnvelopeError,
}

#[derive(Deserialize)]
struct EnvelopeError {
    code: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default, deserialize_with = "super::types::lenient")]
    detail: Option<String>,
}

#[derive(Deserialize)]
struct FlatError {
    error: String,
}

/// Turns a non-success answer into an error: the API's envelope when the body is one, else an
/// [`ApiError::UnexpectedResponse`] saying what the body looked like.
pub fn error_from_answer(
    method: &str,
    path: &str,
    status: u16,
    body: &[u8],
    retry_after: Option<Duration>,
    secret: &str,
) -> ApiError {
    if let Ok(env) = serde_json::from_slice::<Envelope>(body) {
        return ApiError::Api {
            status,
            code: scrub(&env.error.code, secret),
            message: scrub(&env.error.message.unwrap_or_default(), secret),
            detail: env
                .error
                .detail
                .map(|d| scrub(&clip(&d, DETAIL_CHARS), secret)),
            retry_after,
            key_origin: None,
        };
    }
    let what = match serde_json::from_slice::<FlatError>(body) {
        Ok(flat) => BodyShape::Flat(clip(&scrub(&flat.error, secret), 60)),
        Err(_) => BodyShape::Other(describe_body(body)),
    };
    ApiError::UnexpectedResponse {
        method: method.to_owned(),
        path: path.to_owned(),
        status,
        what,
        snippet: snippet(body, secret),
        retry_after,
    }
}

/// What the body of an error answer that is not the API's envelope looked like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyShape {
    /// A flat `{"error": "<code>"}` (the instance plane's edge answers so), with its code.
    Flat(String),
    /// Anything else: "an HTML page", "an empty body", ...
    Other(&'static str),
}

impl fmt::Display for BodyShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyShape::Flat(code) => write!(f, "a flat error `{code}`"),
            BodyShape::Other(what) => f.write_str(what),
        }
    }
}

fn describe_body(body: &[u8]) -> &'static str {
    let text = String::from_utf8_lossy(&body[..body.len().min(512)]);
    let t = text.trim_start().to_ascii_lowercase();
    if t.is_empty() {
        "an empty body"
    } else if t.starts_with("<!doctype html") || t.starts_with("<html") || t.contains("<body") {
        "an HTML page"
    } else if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
        "JSON of another shape"
    } else {
        "a body that is not JSON"
    }
}

/// A short, single-line, key-free excerpt of a body for error messages.
pub(crate) fn snippet(body: &[u8], secret: &str) -> String {
    if body.is_empty() {
        return "(empty)".to_owned();
    }
    // Scrub before cutting, so a key split by the cut cannot leave a readable prefix behind.
    let head = String::from_utf8_lossy(&body[..body.len().min(8192)]);
    let one_line: String = head
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let collapsed = one_line.split_whitespace().collect::<Vec<_>>().join(" ");
    clip(&scrub(&collapsed, secret), SNIPPET_CHARS)
}

/// Replaces every occurrence of the key. Keys shorter than 8 characters are not real keys and
/// scrubbing them would mangle ordinary text.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.len() >= 8 && text.contains(secret) {
        text.replace(secret, "[redacted]")
    } else {
        text.to_owned()
    }
}

fn clip(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sk_live_ABCDEFGHIJKLMNOPQRSTUVWX";

    #[test]
    fn envelope_becomes_api_error() {
        let e = error_from_answer(
            "POST",
            "/instances",
            503,
            br#"{"error":{"code":"no_capacity","message":"no host"}}"#,
            None,
            KEY,
        );
        assert_eq!(e.code(), Some("no_capacity"));
        assert_eq!(e.status(), Some(503));
        assert_eq!(e.api_message(), Some("no host"));
        assert!(e.to_string().contains("HTTP 503") && e.to_string().contains("no_capacity"));
    }

    #[test]
    fn flat_error_is_not_an_envelope() {
        let e = error_from_answer(
            "GET",
            "/x",
            502,
            br#"{"error":"container_unavailable"}"#,
            None,
            KEY,
        );
        assert_eq!(e.code(), None);
        let text = e.to_string();
        assert!(text.contains("HTTP 502"), "{text}");
        assert!(
            text.contains("flat error `container_unavailable`"),
            "{text}"
        );
    }

    #[test]
    fn html_and_empty_bodies_are_described() {
        let html = format!(
            "<!DOCTYPE html><html><body>{}</body></html>",
            "x".repeat(1000)
        );
        let e = error_from_answer("GET", "/x", 504, html.as_bytes(), None, KEY);
        let text = e.to_string();
        assert!(
            text.contains("an HTML page") && text.contains("HTTP 504"),
            "{text}"
        );
        assert!(text.len() < 600, "snippet is cut: {}", text.len());
        let e = error_from_answer("GET", "/x", 500, b"", None, KEY);
        assert!(e.to_string().contains("an empty body"), "{e}");
        let e = error_from_answer("GET", "/x", 500, b"oops", None, KEY);
        assert!(e.to_string().contains("not JSON"), "{e}");
        let e = error_from_answer(
            "GET",
            "/x",
            500,
            br#"{"error":{"message":"no code"}}"#,
            None,
            KEY,
        );
        assert!(e.to_string().contains("JSON of another shape"), "{e}");
    }

    #[test]
    fn key_is_scrubbed_from_everything_echoed() {
        let body = format!(r#"{{"error":{{"code":"invalid_api_key","message":"bad key {KEY}"}}}}"#);
        let e = error_from_answer("GET", "/x", 401, body.as_bytes(), None, KEY);
        assert!(!e.to_string().contains(KEY));
        assert!(!format!("{e:?}").contains(KEY));
        let body = format!("<html>Authorization: Bearer {KEY}</html>");
        let e = error_from_answer("GET", "/x", 502, body.as_bytes(), None, KEY);
        assert!(!e.to_string().contains(KEY) && !format!("{e:?}").contains("ABCDEFGH"));
    }

    #[test]
    fn snippet_is_short_and_single_line() {
        let s = snippet("é\n\t".repeat(500).as_bytes(), KEY);
        assert!(s.chars().count() <= SNIPPET_CHARS + 1);
        assert!(!s.contains('\n'));
        assert_eq!(snippet(&[0xff, b'a'], KEY), "\u{FFFD}a");
        assert_eq!(snippet(b"", KEY), "(empty)");
    }

    #[test]
    fn not_found_needs_the_envelope() {
        let api = error_from_answer(
            "DELETE",
            "/x",
            404,
            br#"{"error":{"code":"not_found","message":"m"}}"#,
            None,
            KEY,
        );
        assert!(api.is_not_found());
        let bare = error_from_answer("DELETE", "/x", 404, b"<html>nginx</html>", None, KEY);
        assert!(!bare.is_not_found());
    }
}
