//! API errors as diagnostics, in one place: the summary names the operation, the detail carries
//! the API's code, message and HTTP status (never the key: `ApiError` holds none).

use crate::api::ApiError;
use crate::sdk::{Diagnostics, Path};

/// Detail text for an API error: code, message and HTTP status when the API answered, and the
/// API's own `detail` when it sent one (2026-08-21: a failed create's console tail).
pub fn detail(err: &ApiError) -> String {
    match err {
        ApiError::Api {
            status,
            code,
            message,
            detail,
            ..
        } => {
            let mut text =
                format!("The Agent37 API answered HTTP {status}, code {code}: {message}");
            if let Some(d) = detail
                .as_deref()
                .map(str::trim_end)
                .filter(|d| !d.is_empty())
            {
                text.push_str("\n\nThe API's detail (the end of the container console):\n");
                text.push_str(d);
            }
            text
        }
        other => other.to_string(),
    }
}

/// A diagnostic for a failed operation, e.g. `api_error("Unable to create instance", &e)`.
pub fn api_error(summary: &str, err: &ApiError) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(summary, detail(err));
    d
}

/// The same, pointing at the attribute the failure is about (e.g. `state` for a failed start).
pub fn api_attr_error(summary: &str, path: Path, err: &ApiError) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.attr_error(path, summary, detail(err));
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_code_message_and_status() {
        let e = ApiError::Api {
            status: 409,
            code: "instance_limit_reached".into(),
            message: "the workspace already has 10 instances".into(),
            detail: None,
            retry_after: None,
        };
        let d = api_error("Unable to create instance", &e);
        assert_eq!(d.0[0].summary, "Unable to create instance");
        assert_eq!(
            d.0[0].detail,
            "The Agent37 API answered HTTP 409, code instance_limit_reached: the workspace already has 10 instances"
        );
        let failed = ApiError::Api {
            status: 502,
            code: "provisioning_failed".into(),
            message: "The container exited during boot.".into(),
            detail: Some("Starting crawler...\nError: cannot find module\n".into()),
            retry_after: None,
        };
        assert_eq!(
            api_error("Unable to create instance", &failed).0[0].detail,
            "The Agent37 API answered HTTP 502, code provisioning_failed: The container exited during boot.\n\nThe API's detail (the end of the container console):\nStarting crawler...\nError: cannot find module"
        );
    }
}
