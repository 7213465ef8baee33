//! The transport: requests built from path segments, the retry loop with its deadlines and
//! cancellation, one HTTP exchange, and the errors each failure maps to.

use std::collections::HashSet;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, DATE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::super::error::{ApiError, GaveUpReason, error_from_answer, scrub, snippet};
use super::super::retry::{self, OpKind, RetryPolicy, Verdict};
use super::super::types::*;
use super::{Client, MAX_LIST_PAGES, Op, routes};
use crate::timing;

/// The 2026-08-21 instance plane's key header.
const AGENT_KEY: &str = "x-agent37-key";

/// A request as the retry loop sees it. Each attempt builds a fresh HTTP request from it,
/// with the whole body, so nothing consumed by one attempt is missing from the next.
pub(super) struct Req {
    pub(super) method: Method,
    pub(super) url: Url,
    /// Path below the base URL, for logs and errors.
    pub(super) path: String,
    pub(super) body: Option<Vec<u8>>,
    pub(super) kind: OpKind,
    /// Bounded by the operation's deadline rather than `request_timeout`.
    pub(super) blocking: bool,
    /// The instance an action acts on (to wait for it to settle before sending again).
    pub(super) instance: Option<String>,
    /// How the key travels.
    pub(super) auth: Auth,
}

/// How a request carries the workspace key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Auth {
    /// `Authorization: Bearer <key>`: the hosting API, and the 2026-06-25 instance plane.
    Bearer,
    /// `X-Agent37-Key: <key>`: the 2026-08-21 instance plane (never the deprecated Bearer).
    AgentKey,
    /// No key: a presigned URL, itself the credential (a build's context upload). The body is
    /// sent raw as `application/gzip`, and errors never show the URL.
    Presigned,
}

impl Req {
    pub(super) fn label(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A success answer.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) body: Vec<u8>,
    pub(super) date: Option<SystemTime>,
    pub(super) received: Instant,
}

/// Counts kept by the retry loop for callers that resolve ambiguity themselves.
#[derive(Default)]
pub(super) struct RunStats {
    pub(super) attempts: u32,
    /// Attempts whose failure may hide an effect on the server.
    pub(super) possibly_applied: u32,
}

impl Client {
    // -----------------------------------------------------------------------------------------
    // Plumbing
    // -----------------------------------------------------------------------------------------

    pub(super) fn req<B: Serialize + ?Sized>(
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
            auth: Auth::Bearer,
        })
    }

    pub(super) async fn call<T: DeserializeOwned>(
        &self,
        op: &Op,
        req: &Req,
    ) -> Result<T, ApiError> {
        let answer = self.run(op, req, &mut RunStats::default()).await?;
        self.decode(req, &answer)
    }

    pub(super) async fn delete(&self, op: &Op, req: &Req) -> Result<DeleteOutcome, ApiError> {
        match self.run(op, req, &mut RunStats::default()).await {
            // The acknowledgement carries nothing the caller needs; its body is not read.
            Ok(_) => Ok(DeleteOutcome::Deleted),
            Err(e) if e.is_not_found() => Ok(DeleteOutcome::AlreadyGone),
            Err(e) => Err(e),
        }
    }

    pub(super) async fn list<T: DeserializeOwned>(
        &self,
        op: &Op,
        segments: &[&str],
    ) -> Result<(Vec<T>, Option<SystemTime>, Instant), ApiError> {
        self.list_pages(op, segments, false).await
    }

    /// A list whose retries are bounded only by the operation's deadline (the create look-up).
    pub(super) async fn list_unbounded_retries<T: DeserializeOwned>(
        &self,
        op: &Op,
        segments: &[&str],
    ) -> Result<(Vec<T>, Option<SystemTime>, Instant), ApiError> {
        self.list_pages(op, segments, true).await
    }

    /// Follows `has_more`/`next_cursor`. Returns the items, and the `Date` and arrival time of
    /// the first page (the adoption clock).
    pub(super) async fn list_pages<T: DeserializeOwned>(
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
            // Items borrowed from the body, not copied: a list of 5,000 instances is megabytes.
            let page: ListPage<&RawValue> = self.decode(&req, &answer)?;
            first.get_or_insert((answer.date, answer.received));
            items.extend(page.data.iter().filter_map(|raw| self.list_item(&req, raw)));
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

    /// One item of a list. An item that does not decode is left out with a warning, so that
    /// one object this client cannot read never breaks every list of the workspace (a read of
    /// that object by its id still reports the error).
    pub(super) fn list_item<T: DeserializeOwned>(&self, req: &Req, raw: &RawValue) -> Option<T> {
        match serde_json::from_str(raw.get()) {
            Ok(item) => Some(item),
            Err(e) => {
                tracing::warn!(
                    path = %req.path,
                    object = %object_key(raw.get()),
                    error = %scrub(&e.to_string(), self.inner.key.expose()),
                    "left an object this provider cannot read out of the list"
                );
                None
            }
        }
    }

    pub(super) fn protocol_error(&self, req: &Req, answer: &Answer, detail: &str) -> ApiError {
        ApiError::Decode {
            method: req.method.to_string(),
            path: req.path.clone(),
            status: answer.status,
            detail: detail.to_owned(),
            body_snippet: snippet(&answer.body, self.inner.key.expose()),
        }
    }

    pub(super) fn decode<'a, T: Deserialize<'a>>(
        &self,
        req: &Req,
        answer: &'a Answer,
    ) -> Result<T, ApiError> {
        serde_json::from_slice(&answer.body).map_err(|e| ApiError::Decode {
            method: req.method.to_string(),
            path: req.path.clone(),
            status: answer.status,
            detail: scrub(&e.to_string(), self.inner.key.expose()),
            body_snippet: snippet(&answer.body, self.inner.key.expose()),
        })
    }

    /// The retry loop of every call but the instance create.
    /// A `404 not_found` is about the object only once the API has shown it answers at the
    /// base URL (see `routes`).
    pub(super) async fn run(
        &self,
        op: &Op,
        req: &Req,
        stats: &mut RunStats,
    ) -> Result<Answer, ApiError> {
        match self
            .run_with(op, req, stats, self.inner.policy.max_retries, true)
            .await
        {
            Ok(answer) => {
                self.api_answered();
                Ok(answer)
            }
            Err(e) if e.is_not_found() => Err(self.confirm_not_found(op, req, e).await),
            Err(e) => {
                if routes::found_a_route(&e) {
                    self.api_answered();
                }
                Err(e)
            }
        }
    }

    pub(super) async fn run_with(
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
                return Err(gave_up(err, stats.attempts, retries >= max_retries));
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
    pub(super) async fn settle(&self, op: &Op, id: &str) -> Result<(), ApiError> {
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

    pub(super) fn next_delay(&self, op: &Op, retries: u32, err: &ApiError) -> Option<Duration> {
        let mut rng = rand::rng();
        self.inner
            .policy
            .next_delay(retries, err.retry_after(), op.remaining(), &mut rng)
    }

    pub(super) fn is_cancelled(&self, op: &Op) -> bool {
        op.cancel.is_cancelled() || self.inner.stop.is_cancelled()
    }

    pub(super) async fn cancelled(&self, op: &Op) {
        tokio::select! {
            _ = op.cancel.cancelled() => {}
            _ = self.inner.stop.cancelled() => {}
        }
    }

    pub(super) fn check_live(&self, op: &Op, req: &Req) -> Result<(), ApiError> {
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

    pub(super) fn timeout_error(&self, op: &Op, req: &Req) -> ApiError {
        ApiError::Timeout {
            operation: req.label(),
            timeout: op.timeout,
        }
    }

    /// A retry's back-off: counted as waiting on the API, not as the provider's own time.
    pub(super) async fn sleep(&self, op: &Op, req: &Req, delay: Duration) -> Result<(), ApiError> {
        timing::waiting(async {
            tokio::select! {
                _ = self.cancelled(op) => Err(ApiError::Cancelled { operation: req.label() }),
                _ = tokio::time::sleep(delay) => Ok(()),
            }
        })
        .await
    }

    /// One attempt, abandoned as soon as the operation is cancelled.
    pub(super) async fn attempt(
        &self,
        op: &Op,
        req: &Req,
        retries: u32,
    ) -> Result<Answer, ApiError> {
        tokio::select! {
            _ = self.cancelled(op) => Err(ApiError::Cancelled { operation: req.label() }),
            r = self.send_once(op, req, retries) => r,
        }
    }

    /// Sends one freshly built request and reads the whole answer.
    pub(super) async fn send_once(
        &self,
        op: &Op,
        req: &Req,
        retries: u32,
    ) -> Result<Answer, ApiError> {
        let remaining = op.remaining();
        // Blocking calls wait as long as the operation allows; the others get request_timeout.
        let (limit, is_deadline) = if req.blocking || remaining <= self.inner.request_timeout {
            (remaining, true)
        } else {
            (self.inner.request_timeout, false)
        };
        let builder = self.inner.http.request(req.method.clone(), req.url.clone());
        let mut builder = match req.auth {
            Auth::Bearer => builder.header(AUTHORIZATION, self.inner.auth.clone()),
            Auth::AgentKey => builder.header(AGENT_KEY, self.inner.plane_key.clone()),
            Auth::Presigned => builder,
        }
        .header(ACCEPT, "application/json");
        if let Some(body) = &req.body {
            let content_type = match req.auth {
                Auth::Presigned => "application/gzip",
                Auth::Bearer | Auth::AgentKey => "application/json",
            };
            builder = builder
                .header(CONTENT_TYPE, content_type)
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
        )
        .with_key_origin(self.inner.key_origin.as_deref()))
    }

    pub(super) fn transport_error(&self, req: &Req, e: &reqwest::Error) -> ApiError {
        // Only a failure to connect proves the request never left.
        let reached = !(e.is_connect() || e.is_builder());
        let message = match req.auth {
            // The URL is the credential: reqwest's error text would show it.
            Auth::Presigned => error_chain(&without_url(e)),
            Auth::Bearer | Auth::AgentKey => error_chain(e),
        };
        ApiError::Transport {
            method: req.method.to_string(),
            path: req.path.clone(),
            message: scrub(&message, self.inner.key.expose()),
            may_have_reached_server: reached,
            timed_out: e.is_timeout(),
        }
    }
}
/// `e` without the URL it names (a copy: reqwest errors cannot be cloned).
fn without_url(e: &reqwest::Error) -> impl std::error::Error + '_ {
    struct NoUrl<'a>(&'a reqwest::Error);
    impl std::fmt::Debug for NoUrl<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            std::fmt::Display::fmt(self, f)
        }
    }
    impl std::fmt::Display for NoUrl<'_> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let what = if self.0.is_timeout() {
                "timed out"
            } else if self.0.is_connect() {
                "could not connect"
            } else if self.0.is_body() || self.0.is_request() {
                "the request failed"
            } else {
                "the exchange failed"
            };
            f.write_str(what)
        }
    }
    impl std::error::Error for NoUrl<'_> {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            std::error::Error::source(self.0)
        }
    }
    NoUrl(e)
}

/// The `id` (or `name`) of an object that did not decode, for the warning that names it.
pub(super) fn object_key(json: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(json) else {
        return "(not JSON)".to_owned();
    };
    ["id", "name"]
        .iter()
        .find_map(|k| v.get(*k).and_then(|x| x.as_str()))
        .map_or_else(|| "(no id)".to_owned(), |s| s.chars().take(80).collect())
}

/// The error a retry loop ends with after `attempts` tries of a retryable failure: said so
/// (with `max_retries` or the deadline as the reason) once it was tried more than once; a
/// single attempt (a call that is never retried, `max_retries = 0`, or a deadline that left no
/// room) is its own error.
pub(super) fn gave_up(last: ApiError, attempts: u32, retries_exhausted: bool) -> ApiError {
    if attempts <= 1 {
        return last;
    }
    ApiError::GaveUp {
        attempts,
        reason: if retries_exhausted {
            GaveUpReason::RetriesExhausted
        } else {
            GaveUpReason::Deadline
        },
        last: Box::new(last),
    }
}

pub(super) fn header_str(headers: &HeaderMap, name: reqwest::header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// An error and its causes on one line (reqwest's top level alone says little).
pub(super) fn error_chain(e: &dyn std::error::Error) -> String {
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
