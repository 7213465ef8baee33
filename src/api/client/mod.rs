//! The HTTP client: [`Client`] and [`Op`] here; one method per endpoint in `endpoints`; the
//! create-safety rule of `POST /instances` (and the claims every instance read makes) in
//! `create`; the retry loop, deadlines, cancellation and the HTTP exchange in `transport`; the
//! instance plane (health) in `plane`; the API revision (detection and the lazy probe) in
//! `revision`; loopback name resolution in `resolve`;
//! telling "no such route" from "no such object" in `routes`.

mod conflict;
mod create;
mod domain;
mod endpoints;
mod files;
mod integration;
mod observe;
mod plane;
mod public_port;
mod resolve;
mod revision;
mod routes;
mod ssh_key;
mod template_build;
mod transport;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::header::HeaderValue;
use tokio_util::sync::CancellationToken;

use super::adopt::Claims;
use super::config::{AdoptionConfig, ClientConfig, Secret, api_base_url, header_value_ok};
use super::error::{ApiError, ConfigError};
use super::list_cache::SharedList;
use super::retry::RetryPolicy;
use super::revision::Detected;
use super::types::*;
pub use plane::HealthPoll;
use resolve::LoopbackResolver;
use transport::error_chain;

/// Upper bound of list pages followed, against a server that never stops paging.
const MAX_LIST_PAGES: usize = 10_000;
/// Connecting never needs longer than this, whatever the request timeout.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Stand-in for "no deadline" where a caller passes an absurd timeout.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
/// How long an instance list answers the reads that follow it, and the longest pause between
/// two reads it answers ([`Client::read_instance`]).
const LIST_WINDOW: Duration = Duration::from_secs(2);
/// The oldest an instance list may be and still answer a read: one refresh, however large,
/// reads from one list; a minute bounds how stale the last of its reads may be.
const LIST_MAX_AGE: Duration = Duration::from_secs(60);
/// A read this close to another one is part of a burst (a refresh) and worth a list.
const READ_BURST: Duration = Duration::from_millis(50);

/// One operation's bounds: its deadline (from the resource's `timeouts`) and a cancellation
/// token. Retries and long blocking calls stop at the deadline; cancelling the token (or the
/// client's stop token, see [`Client::cancel_all`]) stops the call promptly.
#[derive(Clone, Debug)]
pub struct Op {
    timeout: Duration,
    deadline: Instant,
    cancel: CancellationToken,
}

impl Op {
    /// An operation that must end within `timeout` from now.
    pub fn new(timeout: Duration) -> Self {
        let now = Instant::now();
        let deadline = now.checked_add(timeout).unwrap_or_else(|| now + FAR_FUTURE);
        Self {
            timeout,
            deadline,
            cancel: CancellationToken::new(),
        }
    }

    /// The same bounds, cancelled by `token` as well.
    pub fn with_cancel(mut self, token: CancellationToken) -> Self {
        self.cancel = token;
        self
    }

    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Time left before the deadline (zero once passed).
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    pub fn cancel_token(&self) -> &CancellationToken {
        &self.cancel
    }
}

/// The hosting-API client. Cheap to clone; clones share connections, the stop token and the
/// claimed instance ids.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    key: Secret,
    /// `Authorization: Bearer <key>`: the hosting API (both revisions) and the 2026-06-25
    /// instance plane.
    /// Where the key came from (see [`ClientConfig::key_origin`]).
    key_origin: Option<String>,
    auth: HeaderValue,
    /// `X-Agent37-Key: <key>`: the 2026-08-21 instance plane (Bearer is deprecated there).
    plane_key: HeaderValue,
    /// The base URL is on loopback: every name resolves to it (see `resolve`).
    loopback: bool,
    request_timeout: Duration,
    policy: RetryPolicy,
    adoption: AdoptionConfig,
    settle_poll: Duration,
    stop: CancellationToken,
    claims: Claims,
    /// Instance lists shared by the reads of a refresh; every instance write invalidates it.
    instance_reads: SharedList<Instance>,
    /// The API revision: the setting and the revision of the last object decoded.
    revision: Detected,
    /// One revision probe at a time (the others wait for its answer).
    probe: tokio::sync::Mutex<()>,
    /// The API has answered a request at the base URL (see `routes`).
    api_answered: AtomicBool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("request_timeout", &self.inner.request_timeout)
            .field("max_retries", &self.inner.policy.max_retries)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client sharing this process's claimed instance ids.
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        Self::with_claims(config, Claims::process())
    }

    /// Builds a client with its own set of claimed ids (tests, or several independent
    /// providers in one process).
    pub fn with_claims(config: ClientConfig, claims: Claims) -> Result<Self, ApiError> {
        let base = api_base_url(&config.base_url).map_err(ConfigError::from)?;
        if config.api_key.is_empty() {
            return Err(ConfigError::EmptyApiKey.into());
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.api_key.expose()))
            .map_err(|_| ConfigError::ApiKeyNotHeaderSafe)?;
        // Keeps the header out of any debug output of the HTTP stack.
        auth.set_sensitive(true);
        let mut plane_key = HeaderValue::from_str(config.api_key.expose())
            .map_err(|_| ConfigError::ApiKeyNotHeaderSafe)?;
        plane_key.set_sensitive(true);
        if !header_value_ok(&config.user_agent) {
            return Err(ConfigError::UserAgent.into());
        }

        let mut builder = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            // A redirect could carry the key elsewhere; the API never redirects.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.request_timeout.min(MAX_CONNECT_TIMEOUT))
            .pool_idle_timeout(Duration::from_secs(30));
        let resolver = LoopbackResolver::for_base(&base);
        let loopback = resolver.is_some();
        if let Some(r) = resolver {
            builder = builder.dns_resolver(r);
        }
        if let Some(pem) = config
            .ca_cert_pem
            .as_deref()
            .filter(|p| !p.trim().is_empty())
        {
            let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| ConfigError::CaCert(e.to_string()))?;
            if certs.is_empty() {
                return Err(ConfigError::CaCert("no certificate found".to_owned()).into());
            }
            // Added to the system roots; verification itself is never relaxed.
            builder = builder.tls_certs_merge(certs);
        } else if base.scheme() == "http" {
            // A plain-http base (loopback only, checked above) never uses TLS, and redirects
            // are off: loading the system roots would cost ~10 ms of CPU at every configure.
            builder = builder.tls_certs_only(Vec::<reqwest::Certificate>::new());
        }
        let http = builder
            .build()
            .map_err(|e| ConfigError::Http(error_chain(&e)))?;

        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base,
                key: config.api_key,
                key_origin: config.key_origin,
                auth,
                plane_key,
                loopback,
                request_timeout: config.request_timeout,
                policy: RetryPolicy {
                    max_retries: config.max_retries,
                    backoff: config.backoff,
                },
                adoption: config.adoption,
                settle_poll: config.settle_poll_interval,
                stop: CancellationToken::new(),
                claims,
                instance_reads: SharedList::new(LIST_WINDOW, READ_BURST, LIST_MAX_AGE),
                revision: Detected::new(config.api_revision),
                probe: tokio::sync::Mutex::new(()),
                api_answered: AtomicBool::new(false),
            }),
        })
    }

    /// The normalised base URL.
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// An operation bounded by `timeout` and cancelled by [`Client::cancel_all`].
    pub fn op(&self, timeout: Duration) -> Op {
        Op::new(timeout).with_cancel(self.inner.stop.child_token())
    }

    /// StopProvider: cancels every call in flight and every later one (an interrupted create
    /// still finishes its bounded look-up so that what it made is returned).
    pub fn cancel_all(&self) {
        self.inner.stop.cancel();
    }

    /// The token [`Client::cancel_all`] cancels, for the caller's own waits.
    pub fn stop_token(&self) -> CancellationToken {
        self.inner.stop.clone()
    }

    /// Marks an instance id as held by this process, so no ambiguous create adopts it.
    pub fn claim(&self, instance_id: &str) {
        self.inner.claims.claim(instance_id);
    }

    pub fn claims(&self) -> &Claims {
        &self.inner.claims
    }
}
