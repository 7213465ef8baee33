//! The Agent37 hosting-API client: serde types, an HTTP client with retries, deadlines and
//! cancellation, error mapping. It knows nothing of Terraform: the provider turns its errors
//! into diagnostics (each carries the API's code, message and HTTP status when there is one).
//!
//! - [`types`]: the API's objects and request bodies.
//! - [`error`]: [`ApiError`], and how error answers are read.
//! - [`retry`]: the retry rule as pure functions.
//! - [`revision`]: the API revisions (2026-06-25, 2026-08-21) and how the client tells them.
//! - [`adopt`]: create safety (which instance an ambiguous create made).
//! - [`config`]: [`ClientConfig`], base URL rule, User-Agent, top-up idempotency keys.
//! - [`list_cache`]: the rules by which a burst of instance reads shares one list request.
//! - `client`: [`Client`], one method per endpoint.

pub mod adopt;
mod client;
pub mod config;
pub mod error;
pub mod list_cache;
pub mod retry;
pub mod revision;
pub mod types;

#[cfg(test)]
pub(crate) mod fake_server;
#[cfg(test)]
mod tests;

pub use adopt::Claims;
pub use client::{Client, HealthPoll, Op};
pub use config::{
    AdoptionConfig, ClientConfig, DEFAULT_BASE_URL, DEFAULT_MAX_RETRIES, DEFAULT_REQUEST_TIMEOUT,
    Secret, api_base_url, topup_idempotency_key, user_agent, user_agent_from_env,
    validate_base_url,
};
pub use error::{ApiError, BaseUrlError, ConfigError, GaveUpReason};
pub use retry::{Backoff, OpKind, RetryPolicy};
pub use revision::{ApiRevision, RevisionHint, RevisionSetting};
pub use tokio_util::sync::CancellationToken;
pub use types::*;
