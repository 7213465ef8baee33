//! The HTTP client: one method per endpoint, retries, deadlines, cancellation, create safety.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{
    ACCEPT, AUTHORIZATION, CONTENT_TYPE, DATE, HeaderMap, HeaderValue, RETRY_AFTER,
};
use reqwest::{Method, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;

use super::adopt::{self, Claims};
use super::config::{AdoptionConfig, ClientConfig, Secret, header_value_ok, validate_base_url};
use super::error::{ApiError, ConfigError, error_from_answer, scrub, snippet};
use super::list_cache::{SharedList, Step};
use super::retry::{self, OpKind, RetryPolicy, Verdict};
use super::types::*;
use crate::timing;

/// Upper bound of list pages followed, against a server that never stops paging.
const MAX_LIST_PAGES: usize = 10_000;
/// Connecting never needs longer than this, whatever the request timeout.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Stand-in for "no deadline" where a caller passes an absurd timeout.
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);
/// How long an instance list answers the reads that follow it ([`Client::read_instance`]).
const LIST_WINDOW: Duration = Duration::from_secs(2);
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
    auth: HeaderValue,
    request_timeout: Duration,
    policy: RetryPolicy,
    adoption: AdoptionConfig,
    settle_poll: Duration,
    stop: CancellationToken,
    claims: Claims,
    /// Instance lists shared by the reads of a refresh; every instance write invalidates it.
    instance_reads: SharedList<Instance>,
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

/// A request as the retry loop sees it. Each attempt builds a fresh HTTP request from it,
/// with the whole body, so nothing consumed by one attempt is missing from the next.
struct Req {
    method: Method,
    url: Url,
    /// Path below the base URL, for logs and errors.
    path: String,
    body: Option<Vec<u8>>,
    kind: OpKind,
    /// Bounded by the operation's deadline rather than `request_timeout`.
    blocking: bool,
    /// The instance an action acts on (to wait for it to settle before sending again).
    instance: Option<String>,
}

impl Req {
    fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A success answer.
struct Answer {
    status: u16,
    body: Vec<u8>,
    date: Option<SystemTime>,
    received: Instant,
}

/// Counts kept by the retry loop for callers that resolve ambiguity themselves.
#[derive(Default)]
struct RunStats {
    attempts: u32,
    /// Attempts whose failure may hide an effect on the server.
    possibly_applied: u32,
}

impl Client {
    /// Builds a client sharing this process's claimed instance ids.
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        Self::with_claims(config, Claims::process())
    }

    /// Builds a client with its own set of claimed ids (tests, or several independent
    /// providers in one process).
    pub fn with_claims(config: ClientConfig, claims: Claims) -> Result<Self, ApiError> {
        let base = validate_base_url(&config.base_url).map_err(ConfigError::from)?;
        if config.api_key.is_empty() {
            return Err(ConfigError::EmptyApiKey.into());
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", config.api_key.expose()))
            .map_err(|_| ConfigError::ApiKeyNotHeaderSafe)?;
        // Keeps the header out of any debug output of the HTTP stack.
        auth.set_sensitive(true);
        if !header_value_ok(&config.user_agent) {
            return Err(ConfigError::UserAgent.into());
        }

        let mut builder = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            // A redirect could carry the key elsewhere; the API never redirects.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.request_timeout.min(MAX_CONNECT_TIMEOUT))
            .pool_idle_timeout(Duration::from_secs(30));
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
                auth,
                request_timeout: config.request_timeout,
                policy: RetryPolicy {
                    max_retries: config.max_retries,
                    backoff: config.backoff,
                },
                adoption: config.adoption,
                settle_poll: config.settle_poll_interval,
                stop: CancellationToken::new(),
                claims,
                instance_reads: SharedList::new(LIST_WINDOW, READ_BURST),
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

    // -----------------------------------------------------------------------------------------
    // Instances
    // -----------------------------------------------------------------------------------------

    /// `GET /instances`, following `next_cursor` when the server pages.
    pub async fn list_instances(&self, op: &Op) -> Result<Vec<Instance>, ApiError> {
        Ok(self.list(op, &["instances"]).await?.0)
    }

    /// `GET /instances/{id}`.
    pub async fn get_instance(&self, op: &Op, id: &str) -> Result<Instance, ApiError> {
        let req = self.req(
            Method::GET,
            &["instances", id],
            &[],
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }

    /// An instance as a refresh reads it: `GET /instances/{id}` for a lone read; when reads come
    /// in a burst, one `GET /instances` serves them all (and the reads of the next
    /// [`LIST_WINDOW`], unless this client writes an instance meanwhile). An id the list lacks
    /// is confirmed with its own GET, so the outcome (a 404 included) is the GET's.
    pub async fn read_instance(&self, op: &Op, id: &str) -> Result<Instance, ApiError> {
        let reads = &self.inner.instance_reads;
        let snapshot = match reads.begin(id, Instant::now()) {
            Step::Hit(instance) => return Ok(instance),
            Step::Get(_running) => return self.get_instance(op, id).await,
            Step::Wait(waiter) => {
                tokio::select! {
                    s = timing::waiting(waiter.wait()) => s,
                    _ = self.cancelled(op) => None,
                }
            }
            Step::List(leader) => {
                let listed = self.list_instances(op).await;
                if let Err(e) = &listed {
                    tracing::debug!(error = %e, "shared instance list failed; reading one by one");
                }
                leader.finish(listed.ok(), |i| i.id.as_str(), Instant::now())
            }
        };
        match snapshot.and_then(|s| s.get(id).cloned()) {
            Some(instance) => Ok(instance),
            None => self.get_instance(op, id).await,
        }
    }

    /// `POST /instances`, with the create-safety rule: retried only on answers that prove
    /// nothing was made; after an ambiguous outcome the instance the call made is found by
    /// listing and adopted, and a second one is never made.
    pub async fn create_instance(
        &self,
        op: &Op,
        body: &CreateInstance,
    ) -> Result<Created, ApiError> {
        let mut req = self.req(
            Method::POST,
            &["instances"],
            &[],
            Some(body),
            OpKind::Create,
        )?;
        req.blocking = true;
        let call_start = Instant::now();
        let call_start_local = SystemTime::now();
        let mut retries = 0u32;
        loop {
            self.check_live(op, &req)?;
            let attempt = {
                let _in_flight = self.inner.claims.begin_create(body);
                self.attempt(op, &req, retries).await
            };
            let err = match attempt {
                Ok(answer) => match self.decode::<Instance>(&req, &answer) {
                    Ok(instance) => {
                        return Ok(self
                            .own_created(body, instance, call_start, call_start_local, retries + 1)
                            .await);
                    }
                    Err(e) => e,
                },
                Err(e) => e,
            };
            let verdict = match &err {
                // Dropped while in flight: the request may have been processed.
                ApiError::Cancelled { .. } => Verdict::Ambiguous {
                    retry_if_absent: false,
                },
                ApiError::Timeout { .. } => Verdict::Ambiguous {
                    retry_if_absent: false,
                },
                e => retry::classify(e, OpKind::Create),
            };
            match verdict {
                Verdict::Stop => return Err(err),
                Verdict::Retry | Verdict::SettleThenRetry => {}
                Verdict::Ambiguous { retry_if_absent } => {
                    tracing::warn!(
                        error = %err,
                        "instance create outcome unknown; looking for the instance it may have made"
                    );
                    match self
                        .look_for_created(body, call_start, call_start_local)
                        .await
                    {
                        Ok(Some(instance)) => {
                            tracing::warn!(
                                id = %instance.id,
                                "adopted the instance made by an interrupted create"
                            );
                            return Ok(Created {
                                instance,
                                adopted: true,
                                attempts: retries + 1,
                            });
                        }
                        Ok(None) => {
                            if self.is_cancelled(op) {
                                return Err(ApiError::Cancelled {
                                    operation: req.label(),
                                });
                            }
                            if !retry_if_absent {
                                return Err(err);
                            }
                            tracing::info!("the interrupted create made no instance; retrying");
                        }
                        Err(lookup) => {
                            return Err(ApiError::OutcomeUnknown {
                                operation: "POST /instances".to_owned(),
                                detail: format!(
                                    "{err}; then listing instances to find what it made failed: \
                                     {lookup}. Check the workspace for an instance to import"
                                ),
                            });
                        }
                    }
                }
            }
            let delay = self.next_delay(op, retries, &err).ok_or(err)?;
            self.sleep(op, &req, delay).await?;
            retries += 1;
        }
    }

    /// The create answered with an instance: claim it. If an ambiguous sibling with an
    /// identical body already adopted it, take another identical unclaimed one (they are
    /// interchangeable) so that two resources never hold one instance.
    async fn own_created(
        &self,
        body: &CreateInstance,
        instance: Instance,
        call_start: Instant,
        call_start_local: SystemTime,
        attempts: u32,
    ) -> Created {
        if self.inner.claims.claim(&instance.id) {
            return Created {
                instance,
                adopted: false,
                attempts,
            };
        }
        tracing::warn!(
            id = %instance.id,
            "a concurrent create already adopted this instance; looking for the one it made"
        );
        match self
            .look_for_created(body, call_start, call_start_local)
            .await
        {
            Ok(Some(other)) => Created {
                instance: other,
                adopted: true,
                attempts,
            },
            _ => {
                tracing::warn!(id = %instance.id, "no other instance found; keeping the created one");
                Created {
                    instance,
                    adopted: false,
                    attempts,
                }
            }
        }
    }

    /// The create-safety look-up: bounded by the adoption budget even when the operation was
    /// cancelled or timed out, so that an instance the call made is returned, not orphaned.
    async fn look_for_created(
        &self,
        body: &CreateInstance,
        call_start: Instant,
        call_start_local: SystemTime,
    ) -> Result<Option<Instance>, ApiError> {
        let cfg = self.inner.adoption;
        // Deliberately not tied to the stop token.
        let lookup = Op::new(cfg.lookup_budget);
        let wait_until = Instant::now() + cfg.lookup_budget / 2;
        self.inner
            .claims
            .wait_identical_answered(body, wait_until)
            .await;
        for round in 0..2 {
            let (instances, date, received) =
                self.list_unbounded_retries(&lookup, &["instances"]).await?;
            let start = adopt::server_clock_at_start(call_start, call_start_local, received, date);
            let min_created = adopt::created_threshold(start, cfg.created_slack);
            if let Some(found) = self
                .inner
                .claims
                .claim_oldest_match(body, &instances, min_created)
            {
                return Ok(Some(found));
            }
            if round == 0 {
                if cfg.recheck_delay >= lookup.remaining() {
                    break;
                }
                tokio::time::sleep(cfg.recheck_delay).await;
            }
        }
        Ok(None)
    }

    /// `PATCH /instances/{id}`.
    pub async fn patch_instance(
        &self,
        op: &Op,
        id: &str,
        body: &PatchInstance,
    ) -> Result<Instance, ApiError> {
        let req = self.req(
            Method::PATCH,
            &["instances", id],
            &[],
            Some(body),
            OpKind::Write,
        )?;
        self.call(op, &req).await
    }

    /// `DELETE /instances/{id}`; a `404 not_found` is [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_instance(&self, op: &Op, id: &str) -> Result<DeleteOutcome, ApiError> {
        let req = self.req(
            Method::DELETE,
            &["instances", id],
            &[],
            None::<&()>,
            OpKind::Write,
        )?;
        self.delete(op, &req).await
    }

    /// `POST /instances/{id}/stop`, bounded by the operation's deadline.
    pub async fn stop_instance(&self, op: &Op, id: &str) -> Result<ActionAck, ApiError> {
        self.action(op, id, "stop", None::<&()>).await
    }

    /// `POST /instances/{id}/start`, bounded by the operation's deadline.
    pub async fn start_instance(&self, op: &Op, id: &str) -> Result<ActionAck, ApiError> {
        self.action(op, id, "start", None::<&()>).await
    }

    /// `POST /instances/{id}/restart`, bounded by the operation's deadline.
    pub async fn restart_instance(&self, op: &Op, id: &str) -> Result<ActionAck, ApiError> {
        self.action(op, id, "restart", None::<&()>).await
    }

    /// `POST /instances/{id}/update` (pulls the template's current image).
    pub async fn update_instance(&self, op: &Op, id: &str) -> Result<ActionAck, ApiError> {
        self.action(op, id, "update", None::<&()>).await
    }

    /// `POST /instances/{id}/resize`.
    pub async fn resize_instance(
        &self,
        op: &Op,
        id: &str,
        body: &Resize,
    ) -> Result<ActionAck, ApiError> {
        self.action(op, id, "resize", Some(body)).await
    }

    async fn action<B: Serialize>(
        &self,
        op: &Op,
        id: &str,
        action: &str,
        body: Option<&B>,
    ) -> Result<ActionAck, ApiError> {
        let mut req = self.req(
            Method::POST,
            &["instances", id, action],
            &[],
            body,
            OpKind::Action,
        )?;
        req.blocking = true;
        req.instance = Some(id.to_owned());
        self.call(op, &req).await
    }

    /// `POST /instances/{id}/exec`: bounded by the operation's deadline and never sent again
    /// once it may have reached the server.
    pub async fn exec(&self, op: &Op, id: &str, command: &str) -> Result<ExecResult, ApiError> {
        let body = ExecRequest {
            command: command.to_owned(),
        };
        let mut req = self.req(
            Method::POST,
            &["instances", id, "exec"],
            &[],
            Some(&body),
            OpKind::NonIdempotent,
        )?;
        req.blocking = true;
        self.call(op, &req).await
    }

    /// `POST /instances/{id}/signed-url`. Minting is harmless to repeat, so it is retried.
    pub async fn signed_url(
        &self,
        op: &Op,
        id: &str,
        body: &SignedUrlRequest,
    ) -> Result<SignedUrl, ApiError> {
        let req = self.req(
            Method::POST,
            &["instances", id, "signed-url"],
            &[],
            Some(body),
            OpKind::Write,
        )?;
        self.call(op, &req).await
    }

    /// `GET {instance_url}/v1/health` on the instance plane (the agent gateway of the default
    /// port), with the workspace key. `Ok(true)` once it answers `"ok": true`; `Ok(false)` while
    /// the container boots (the edge's `502`/`503`/`504`, or `"ok": false`). One attempt: the
    /// caller polls. The key only travels over https, or http to a loopback host.
    pub async fn instance_health(&self, op: &Op, instance_url: &str) -> Result<bool, ApiError> {
        #[derive(serde::Deserialize)]
        struct Health {
            #[serde(default)]
            ok: bool,
        }
        let mut url = validate_base_url(instance_url).map_err(|e| {
            ApiError::InvalidArgument(format!("instance URL {instance_url:?}: {e}"))
        })?;
        url.path_segments_mut()
            .map_err(|()| ApiError::InvalidArgument("the instance URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(["v1", "health"]);
        let req = Req {
            method: Method::GET,
            path: url.path().to_owned(),
            url,
            body: None,
            kind: OpKind::Read,
            blocking: false,
            instance: None,
        };
        self.check_live(op, &req)?;
        match self.attempt(op, &req, 0).await {
            Ok(answer) => Ok(self.decode::<Health>(&req, &answer)?.ok),
            Err(e) if matches!(e.status(), Some(502..=504)) => Ok(false),
            Err(e) => Err(e),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Templates
    // -----------------------------------------------------------------------------------------

    /// `GET /templates`.
    pub async fn list_templates(&self, op: &Op) -> Result<Vec<Template>, ApiError> {
        Ok(self.list(op, &["templates"]).await?.0)
    }

    /// `GET /templates/{name}`.
    pub async fn get_template(&self, op: &Op, name: &str) -> Result<Template, ApiError> {
        let req = self.req(
            Method::GET,
            &["templates", name],
            &[],
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }

    /// `POST /templates`. A retry after an ambiguous attempt that answers `template_conflict`
    /// is resolved by reading the template: if it is exactly what was sent, the first attempt
    /// made it.
    pub async fn create_template(
        &self,
        op: &Op,
        body: &CreateTemplate,
    ) -> Result<Template, ApiError> {
        let req = self.req(Method::POST, &["templates"], &[], Some(body), OpKind::Write)?;
        let mut stats = RunStats::default();
        let err = match self.run(op, &req, &mut stats).await {
            Ok(answer) => return self.decode(&req, &answer),
            Err(e) => e,
        };
        // Only a conflict after an attempt that may have made the template needs a look.
        if stats.possibly_applied == 0 || err.code() != Some("template_conflict") {
            return Err(err);
        }
        match self.get_template(op, &body.name).await {
            Ok(existing) if body.matches(&existing) => Ok(existing),
            _ => Err(err),
        }
    }

    /// `PATCH /templates/{name}`.
    pub async fn patch_template(
        &self,
        op: &Op,
        name: &str,
        body: &PatchTemplate,
    ) -> Result<Template, ApiError> {
        let req = self.req(
            Method::PATCH,
            &["templates", name],
            &[],
            Some(body),
            OpKind::Write,
        )?;
        self.call(op, &req).await
    }

    /// `DELETE /templates/{name}`; a `404 not_found` is [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_template(&self, op: &Op, name: &str) -> Result<DeleteOutcome, ApiError> {
        let req = self.req(
            Method::DELETE,
            &["templates", name],
            &[],
            None::<&()>,
            OpKind::Write,
        )?;
        self.delete(op, &req).await
    }

    // -----------------------------------------------------------------------------------------
    // Budgets and usage
    // -----------------------------------------------------------------------------------------

    /// `GET /instances/{id}/budget`.
    pub async fn get_budget(&self, op: &Op, instance_id: &str) -> Result<Budget, ApiError> {
        let req = self.req(
            Method::GET,
            &["instances", instance_id, "budget"],
            &[],
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }

    /// `PATCH /instances/{id}/budget` (idempotent).
    pub async fn patch_budget(
        &self,
        op: &Op,
        instance_id: &str,
        body: &PatchBudget,
    ) -> Result<Budget, ApiError> {
        let req = self.req(
            Method::PATCH,
            &["instances", instance_id, "budget"],
            &[],
            Some(body),
            OpKind::Write,
        )?;
        self.call(op, &req).await
    }

    /// `POST /instances/{id}/budget/top-up`. Retried like any idempotent write when it carries
    /// an idempotency key (see [`super::topup_idempotency_key`]); without one it is never sent
    /// twice once it may have reached the server.
    pub async fn top_up(
        &self,
        op: &Op,
        instance_id: &str,
        body: &TopUp,
    ) -> Result<Budget, ApiError> {
        let kind = if body.idempotency_key.is_some() {
            OpKind::Write
        } else {
            OpKind::NonIdempotent
        };
        let req = self.req(
            Method::POST,
            &["instances", instance_id, "budget", "top-up"],
            &[],
            Some(body),
            kind,
        )?;
        self.call(op, &req).await
    }

    /// `GET /instances/{id}/usage[?month=YYYY-MM]`.
    pub async fn get_usage(
        &self,
        op: &Op,
        instance_id: &str,
        month: Option<&str>,
    ) -> Result<Usage, ApiError> {
        let query: Vec<(&str, &str)> = month.map(|m| ("month", m)).into_iter().collect();
        let req = self.req(
            Method::GET,
            &["instances", instance_id, "usage"],
            &query,
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }

    // -----------------------------------------------------------------------------------------
    // Plumbing
    // -----------------------------------------------------------------------------------------

    fn req<B: Serialize + ?Sized>(
        &self,
        method: Method,
        segments: &[&str],
        query: &[(&str, &str)],
        body: Option<&B>,
        kind: OpKind,
    ) -> Result<Req, ApiError> {
        for s in segments {
            if s.is_empty() || *s == "." || *s == ".." {
                return Err(ApiError::InvalidArgument(format!(
                    "{s:?} cannot be used as an id or name in a URL path"
                )));
            }
        }
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .map_err(|()| ApiError::InvalidArgument("the base URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        let base_path = self.inner.base.path().trim_end_matches('/');
        let path = url
            .path()
            .strip_prefix(base_path)
            .unwrap_or(url.path())
            .to_owned();
        let body = match body {
            Some(b) => Some(serde_json::to_vec(b).map_err(|e| {
                ApiError::InvalidArgument(format!("request body cannot be encoded: {e}"))
            })?),
            None => None,
        };
        Ok(Req {
            method,
            url,
            path,
            body,
            kind,
            blocking: false,
            instance: None,
        })
    }

    async fn call<T: DeserializeOwned>(&self, op: &Op, req: &Req) -> Result<T, ApiError> {
        let answer = self.run(op, req, &mut RunStats::default()).await?;
        self.decode(req, &answer)
    }

    async fn delete(&self, op: &Op, req: &Req) -> Result<DeleteOutcome, ApiError> {
        match self.run(op, req, &mut RunStats::default()).await {
            // The acknowledgement carries nothing the caller needs; its body is not read.
            Ok(_) => Ok(DeleteOutcome::Deleted),
            Err(e) if e.is_not_found() => Ok(DeleteOutcome::AlreadyGone),
            Err(e) => Err(e),
        }
    }

    async fn list<T: DeserializeOwned>(
        &self,
        op: &Op,
        segments: &[&str],
    ) -> Result<(Vec<T>, Option<SystemTime>, Instant), ApiError> {
        self.list_pages(op, segments, false).await
    }

    /// A list whose retries are bounded only by the operation's deadline (the create look-up).
    async fn list_unbounded_retries<T: DeserializeOwned>(
        &self,
        op: &Op,
        segments: &[&str],
    ) -> Result<(Vec<T>, Option<SystemTime>, Instant), ApiError> {
        self.list_pages(op, segments, true).await
    }

    /// Follows `has_more`/`next_cursor`. Returns the items, and the `Date` and arrival time of
    /// the first page (the adoption clock).
    async fn list_pages<T: DeserializeOwned>(
        &self,
        op: &Op,
        segments: &[&str],
        unbounded_retries: bool,
    ) -> Result<(Vec<T>, Option<SystemTime>, Instant), ApiError> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        let mut seen = HashSet::new();
        let mut first: Option<(Option<SystemTime>, Instant)> = None;
        for _ in 0..MAX_LIST_PAGES {
            let query: Vec<(&str, &str)> = cursor
                .as_deref()
                .map(|c| ("cursor", c))
                .into_iter()
                .collect();
            let req = self.req(Method::GET, segments, &query, None::<&()>, OpKind::Read)?;
            let mut stats = RunStats::default();
            let answer = if unbounded_retries {
                self.run_with(op, &req, &mut stats, u32::MAX, false).await?
            } else {
                self.run(op, &req, &mut stats).await?
            };
            let page: ListPage<T> = self.decode(&req, &answer)?;
            first.get_or_insert((answer.date, answer.received));
            items.extend(page.data);
            match page.next_cursor.filter(|c| page.has_more && !c.is_empty()) {
                Some(next) => {
                    if !seen.insert(next.clone()) {
                        return Err(self.protocol_error(
                            &req,
                            &answer,
                            "the server sent the same list cursor twice",
                        ));
                    }
                    cursor = Some(next);
                }
                None => {
                    let (date, received) = first.unwrap_or((answer.date, answer.received));
                    return Ok((items, date, received));
                }
            }
        }
        Err(ApiError::Decode {
            method: "GET".into(),
            path: format!("/{}", segments.join("/")),
            status: 200,
            detail: format!("the list did not end after {MAX_LIST_PAGES} pages"),
            body_snippet: String::new(),
        })
    }

    fn protocol_error(&self, req: &Req, answer: &Answer, detail: &str) -> ApiError {
        ApiError::Decode {
            method: req.method.to_string(),
            path: req.path.clone(),
            status: answer.status,
            detail: detail.to_owned(),
            body_snippet: snippet(&answer.body, self.inner.key.expose()),
        }
    }

    fn decode<T: DeserializeOwned>(&self, req: &Req, answer: &Answer) -> Result<T, ApiError> {
        serde_json::from_slice(&answer.body).map_err(|e| ApiError::Decode {
            method: req.method.to_string(),
            path: req.path.clone(),
            status: answer.status,
            detail: scrub(&e.to_string(), self.inner.key.expose()),
            body_snippet: snippet(&answer.body, self.inner.key.expose()),
        })
    }

    /// The retry loop of every call but the instance create.
    async fn run(&self, op: &Op, req: &Req, stats: &mut RunStats) -> Result<Answer, ApiError> {
        self.run_with(op, req, stats, self.inner.policy.max_retries, true)
            .await
    }

    async fn run_with(
        &self,
        op: &Op,
        req: &Req,
        stats: &mut RunStats,
        max_retries: u32,
        cancellable: bool,
    ) -> Result<Answer, ApiError> {
        let mut retries = 0u32;
        loop {
            if cancellable {
                self.check_live(op, req)?;
            } else if op.remaining().is_zero() {
                return Err(self.timeout_error(op, req));
            }
            stats.attempts += 1;
            let result = if cancellable {
                self.attempt(op, req, retries).await
            } else {
                self.send_once(op, req, retries).await
            };
            let err = match result {
                Ok(answer) => return Ok(answer),
                Err(e) => e,
            };
            let verdict = retry::classify(&err, req.kind);
            // The create rule's "ambiguous" is exactly "the server may have applied it".
            if matches!(
                retry::classify(&err, OpKind::Create),
                Verdict::Ambiguous { .. }
            ) {
                stats.possibly_applied += 1;
            }
            if !matches!(verdict, Verdict::Retry | Verdict::SettleThenRetry) {
                return Err(err);
            }
            let policy = RetryPolicy {
                max_retries,
                ..self.inner.policy
            };
            let delay = {
                let mut rng = rand::rng();
                policy.next_delay(retries, err.retry_after(), op.remaining(), &mut rng)
            };
            let Some(delay) = delay else {
                return Err(err);
            };
            tracing::info!(
                method = %req.method, path = %req.path, attempt = retries + 1,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                error = %err, "retrying"
            );
            if cancellable {
                self.sleep(op, req, delay).await?;
            } else {
                tokio::time::sleep(delay).await;
            }
            if let (Verdict::SettleThenRetry, Some(id)) = (verdict, &req.instance) {
                // Boxed: settling reads the instance through this same loop.
                Box::pin(self.settle(op, id)).await?;
            }
            retries += 1;
        }
    }

    /// Waits until the instance leaves any transitional status, so that an action that may
    /// already be under way is not sent into a state that refuses it.
    async fn settle(&self, op: &Op, id: &str) -> Result<(), ApiError> {
        loop {
            let instance = self.get_instance(op, id).await?;
            if !instance.status.is_transitional() {
                return Ok(());
            }
            let req = self.req(
                Method::GET,
                &["instances", id],
                &[],
                None::<&()>,
                OpKind::Read,
            )?;
            if self.inner.settle_poll >= op.remaining() {
                return Err(self.timeout_error(op, &req));
            }
            self.sleep(op, &req, self.inner.settle_poll).await?;
        }
    }

    fn next_delay(&self, op: &Op, retries: u32, err: &ApiError) -> Option<Duration> {
        let mut rng = rand::rng();
        self.inner
            .policy
            .next_delay(retries, err.retry_after(), op.remaining(), &mut rng)
    }

    fn is_cancelled(&self, op: &Op) -> bool {
        op.cancel.is_cancelled() || self.inner.stop.is_cancelled()
    }

    async fn cancelled(&self, op: &Op) {
        tokio::select! {
            _ = op.cancel.cancelled() => {}
            _ = self.inner.stop.cancelled() => {}
        }
    }

    fn check_live(&self, op: &Op, req: &Req) -> Result<(), ApiError> {
        if self.is_cancelled(op) {
            return Err(ApiError::Cancelled {
                operation: req.label(),
            });
        }
        if op.remaining().is_zero() {
            return Err(self.timeout_error(op, req));
        }
        Ok(())
    }

    fn timeout_error(&self, op: &Op, req: &Req) -> ApiError {
        ApiError::Timeout {
            operation: req.label(),
            timeout: op.timeout,
        }
    }

    /// A retry's back-off: counted as waiting on the API, not as the provider's own time.
    async fn sleep(&self, op: &Op, req: &Req, delay: Duration) -> Result<(), ApiError> {
        timing::waiting(async {
            tokio::select! {
                _ = self.cancelled(op) => Err(ApiError::Cancelled { operation: req.label() }),
                _ = tokio::time::sleep(delay) => Ok(()),
            }
        })
        .await
    }

    /// One attempt, abandoned as soon as the operation is cancelled.
    async fn attempt(&self, op: &Op, req: &Req, retries: u32) -> Result<Answer, ApiError> {
        tokio::select! {
            _ = self.cancelled(op) => Err(ApiError::Cancelled { operation: req.label() }),
            r = self.send_once(op, req, retries) => r,
        }
    }

    /// Sends one freshly built request and reads the whole answer.
    async fn send_once(&self, op: &Op, req: &Req, retries: u32) -> Result<Answer, ApiError> {
        let remaining = op.remaining();
        // Blocking calls wait as long as the operation allows; the others get request_timeout.
        let (limit, is_deadline) = if req.blocking || remaining <= self.inner.request_timeout {
            (remaining, true)
        } else {
            (self.inner.request_timeout, false)
        };
        let mut builder = self
            .inner
            .http
            .request(req.method.clone(), req.url.clone())
            .header(AUTHORIZATION, self.inner.auth.clone())
            .header(ACCEPT, "application/json");
        if let Some(body) = &req.body {
            builder = builder
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone());
        }
        // Any instance write (or its attempt) makes listed instances stale, before and after.
        let writes_instance = req.method != Method::GET && req.path.starts_with("/instances");
        if writes_instance {
            self.inner.instance_reads.invalidate();
        }
        let started = Instant::now();
        let exchange = async {
            let resp = builder.send().await?;
            let status = resp.status().as_u16();
            let headers = resp.headers().clone();
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        let outcome = timing::waiting(tokio::time::timeout(limit, exchange)).await;
        if writes_instance {
            self.inner.instance_reads.invalidate();
        }
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let (status, headers, body) = match outcome {
            Err(_elapsed) => {
                tracing::debug!(method = %req.method, path = %req.path, attempt = retries + 1, elapsed_ms, "no answer in time");
                return Err(if is_deadline {
                    self.timeout_error(op, req)
                } else {
                    ApiError::Transport {
                        method: req.method.to_string(),
                        path: req.path.clone(),
                        message: format!("no answer within request_timeout ({limit:?})"),
                        may_have_reached_server: true,
                        timed_out: true,
                    }
                });
            }
            Ok(Err(e)) => {
                tracing::debug!(method = %req.method, path = %req.path, attempt = retries + 1, elapsed_ms, error = %error_chain(&e), "transport error");
                return Err(self.transport_error(req, &e));
            }
            Ok(Ok(parts)) => parts,
        };
        tracing::debug!(method = %req.method, path = %req.path, status, attempt = retries + 1, elapsed_ms, "answer");
        let now = SystemTime::now();
        let date = header_str(&headers, DATE).and_then(|d| httpdate::parse_http_date(d).ok());
        if (200..300).contains(&status) {
            return Ok(Answer {
                status,
                body: body.to_vec(),
                date,
                received: Instant::now(),
            });
        }
        let retry_after =
            header_str(&headers, RETRY_AFTER).and_then(|v| retry::parse_retry_after(v, now));
        Err(error_from_answer(
            req.method.as_str(),
            &req.path,
            status,
            &body,
            retry_after,
            self.inner.key.expose(),
        ))
    }

    fn transport_error(&self, req: &Req, e: &reqwest::Error) -> ApiError {
        // Only a failure to connect proves the request never left.
        let reached = !(e.is_connect() || e.is_builder());
        ApiError::Transport {
            method: req.method.to_string(),
            path: req.path.clone(),
            message: scrub(&error_chain(e), self.inner.key.expose()),
            may_have_reached_server: reached,
            timed_out: e.is_timeout(),
        }
    }
}

fn header_str(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// An error and its causes on one line (reqwest's top level alone says little).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}
