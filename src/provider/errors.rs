//! API errors as diagnostics, in one place: the summary names the operation, the detail carries
//! the API's code, message and HTTP status (never the key: `ApiError` holds none).

use crate::api::ApiError;
use crate::sdk::{Diagnostics, Path};

/// Detail text for an API error: code, message and HTTP status when the API answered.
pub fn detail(err: &ApiError) -> String {
    match err {
        ApiError::Api {
            status,
            code,
            message,
            ..
        } => format!("The Agent37 API answered HTTP {status}, code {code}: {message}"),
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

/// A create the API refused because the object already exists (`409 …_exists`): the API's
/// error, then how to manage the existing object instead: the import command and block for
/// `import_id` (Terraform does not tell a provider the resource's address, so `<name>` stands
/// for it).
pub fn exists_error(
    summary: &str,
    err: &ApiError,
    type_name: &str,
    import_id: &str,
) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        summary,
        format!(
            "{}\n\nIt already exists. To manage the existing one with Terraform, import it instead \
             of creating it:\n  terraform import {type_name}.<name> {import_id}\nor, in the \
             configuration:\n  import {{\n    to = {type_name}.<name>\n    id = \"{import_id}\"\n  }}",
            detail(err)
        ),
    );
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
            retry_after: None,
        };
        let d = api_error("Unable to create instance", &e);
        assert_eq!(d.0[0].summary, "Unable to create instance");
        assert_eq!(
            d.0[0].detail,
            "The Agent37 API answered HTTP 409, code instance_limit_reached: the workspace already has 10 instances"
        );
    }

    #[test]
    fn an_existing_object_suggests_its_import() {
        let e = crate::api::error::error_from_answer(
            "POST",
            "/domains",
            409,
            br#"{"error": {"code": "domain_exists", "message": "bots-example.net is already registered"}}"#,
            None,
            "",
        );
        let d = exists_error(
            "Unable to create domain",
            &e,
            "agent37_domain",
            "bots-example.net",
        );
        let detail = &d.0[0].detail;
        assert!(detail.starts_with("The Agent37 API answered HTTP 409, code domain_exists"));
        assert!(
            detail.contains("terraform import agent37_domain.<name> bots-example.net"),
            "{detail}"
        );
        assert!(
            detail.contains("to = agent37_domain.<name>\n    id = \"bots-example.net\""),
            "{detail}"
        );
    }
}
