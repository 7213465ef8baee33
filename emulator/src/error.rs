//! The API's error envelope: `{"error": {"code", "message"}}` with exactly those two keys.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Every error the emulated API can answer, one variant per contract code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    InvalidApiKey(String),
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    TierLimit(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    InsufficientBalance(String),
    #[error("{0}")]
    InstanceLimitReached(String),
    #[error("{0}")]
    CapacityUnavailable(String),
    #[error("{0}")]
    TemplateConflict(String),
    #[error("{0}")]
    NoCapacity(String),
    #[error("{0}")]
    ProvisioningFailed(String),
    #[error("{message}")]
    RateLimited { message: String, retry_after: u64 },
    /// A failed create that leaves a console tail (`error.detail`, 2026-08-21).
    #[error("{message}")]
    CreateFailed { message: String, detail: String },
    #[error("{0}")]
    IpNotAllowed(String),
    #[error("{0}")]
    ImageTooLarge(String),
    #[error("{0}")]
    SharedUnavailable(String),
    #[error("{0}")]
    BuildConflict(String),
    #[error("{0}")]
    DomainExists(String),
    #[error("{0}")]
    PublicPortExists(String),
    #[error("{0}")]
    SshKeyExists(String),
    /// Transient: 409, or 503 on the metrics route; answered with `Retry-After: 1`.
    #[error("{message}")]
    TryAgain { message: String, status: u16 },
    #[error("{0}")]
    ImageIngestFailed(String),
    /// Control-surface only: a managed call the budget cannot cover.
    #[error("{0}")]
    BudgetExhausted(String),
    /// Control-surface only: a workspace key that already exists.
    #[error("{0}")]
    Conflict(String),
    /// Storage or other failure inside the emulator; not part of the contract.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::InvalidApiKey(_) => "invalid_api_key",
            ApiError::InvalidRequest(_) => "invalid_request",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::TierLimit(_) => "tier_limit",
            ApiError::NotFound(_) => "not_found",
            ApiError::InsufficientBalance(_) => "insufficient_balance",
            ApiError::InstanceLimitReached(_) => "instance_limit_reached",
            ApiError::CapacityUnavailable(_) => "capacity_unavailable",
            ApiError::TemplateConflict(_) => "template_conflict",
            ApiError::NoCapacity(_) => "no_capacity",
            ApiError::ProvisioningFailed(_) => "provisioning_failed",
            ApiError::RateLimited { .. } => "rate_limited",
            ApiError::CreateFailed { .. } => "provisioning_failed",
            ApiError::IpNotAllowed(_) => "ip_not_allowed",
            ApiError::ImageTooLarge(_) => "image_too_large",
            ApiError::SharedUnavailable(_) => "shared_unavailable",
            ApiError::BuildConflict(_) => "build_conflict",
            ApiError::DomainExists(_) => "domain_exists",
            ApiError::PublicPortExists(_) => "public_port_exists",
            ApiError::SshKeyExists(_) => "ssh_key_exists",
            ApiError::TryAgain { .. } => "try_again",
            ApiError::ImageIngestFailed(_) => "image_ingest_failed",
            ApiError::BudgetExhausted(_) => "budget_exhausted",
            ApiError::Conflict(_) => "conflict",
            ApiError::Internal(_) => "internal_error",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::InvalidApiKey(_) => StatusCode::UNAUTHORIZED,
            ApiError::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Forbidden(_)
            | ApiError::TierLimit(_)
            | ApiError::IpNotAllowed(_)
            | ApiError::SharedUnavailable(_) => StatusCode::FORBIDDEN,
            ApiError::ImageTooLarge(_) => StatusCode::BAD_REQUEST,
            ApiError::BuildConflict(_)
            | ApiError::DomainExists(_)
            | ApiError::PublicPortExists(_)
            | ApiError::SshKeyExists(_) => StatusCode::CONFLICT,
            ApiError::TryAgain { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::CONFLICT)
            }
            ApiError::ImageIngestFailed(_) | ApiError::CreateFailed { .. } => {
                StatusCode::BAD_GATEWAY
            }
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::InsufficientBalance(_) | ApiError::BudgetExhausted(_) => {
                StatusCode::PAYMENT_REQUIRED
            }
            ApiError::InstanceLimitReached(_)
            | ApiError::CapacityUnavailable(_)
            | ApiError::TemplateConflict(_)
            | ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::NoCapacity(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::ProvisioningFailed(_) => StatusCode::BAD_GATEWAY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn not_found(what: impl std::fmt::Display) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::InvalidRequest(message.into())
    }
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        ApiError::Internal(format!("storage: {e}"))
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> Self {
        ApiError::Internal(format!("stored JSON: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match &self {
            ApiError::CreateFailed { message, detail } => json!({"error": {
                "code": self.code(), "message": message, "detail": detail}}),
            _ => json!({"error": {"code": self.code(), "message": self.to_string()}}),
        };
        let mut resp = (self.status(), crate::routes::json_body(&body)).into_response();
        let retry_after = match &self {
            ApiError::RateLimited { retry_after, .. } => Some(*retry_after),
            ApiError::TryAgain { .. } => Some(1),
            _ => None,
        };
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
