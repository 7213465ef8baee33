//! API errors as diagnostics, in one place: the summary names the operation, the detail carries
//! the API's code, message and HTTP status (never the key: `ApiError` holds none), whether the
//! client gave up after retries, and the next step where the code has one. Details are
//! sentences: capitalised, ending with a full stop.

use crate::api::{ApiError, DeleteOutcome, GaveUpReason};
use crate::sdk::{Diagnostics, Outcome, Path};

/// Detail text for an API error: code, message and HTTP status when the API answered; how
/// often it was tried when the client gave up; what to do about it, when there is something to
/// do; and last the API's own `detail` when it sent one (2026-08-21: a failed create's console
/// tail), which may run to many lines.
pub fn detail(err: &ApiError) -> String {
    let last = err.last();
    let mut console = None;
    let mut text = match last {
        ApiError::Api {
            status,
            code,
            message,
            detail,
            ..
        } => {
            if let Some(d) = detail
                .as_deref()
                .map(str::trim_end)
                .filter(|d| !d.is_empty())
            {
                console = Some(d);
            }
            sentence(&format!(
                "The Agent37 API answered HTTP {status}, code {code}: {message}"
            ))
        }
        other => sentence(&other.to_string()),
    };
    if let ApiError::GaveUp {
        attempts, reason, ..
    } = err
    {
        text.push(' ');
        text.push_str(&match reason {
            GaveUpReason::RetriesExhausted => {
                format!("Gave up after {attempts} attempts (see `max_retries`).")
            }
            GaveUpReason::Deadline => format!(
                "Gave up after {attempts} attempts: the next retry would have started after the operation's timeout (see `timeouts`)."
            ),
        });
    }
    if let Some(step) = next_step(last) {
        text.push(' ');
        text.push_str(&step);
    }
    if let Some(d) = console {
        text.push_str("\n\nThe API's detail (the end of the container console):\n");
        text.push_str(d);
    }
    text
}

/// What the user can do about an API error, by its code.
fn next_step(err: &ApiError) -> Option<String> {
    let step = match err.code()? {
        "insufficient_balance" => {
            "The workspace's wallet cannot pay for this: top it up in the Agent37 dashboard, then apply again.".to_string()
        }
        "instance_limit_reached" => {
            "Delete an instance the workspace no longer needs, or raise the workspace's tier in the Agent37 dashboard, then apply again.".to_string()
        }
        "tier_limit" => {
            "Stay within what the workspace's tier allows (the API's message says which limit), or raise the tier in the Agent37 dashboard.".to_string()
        }
        "invalid_api_key" => {
            let origin = match err {
                ApiError::Api {
                    key_origin: Some(origin),
                    ..
                } => format!("The key came from {origin}"),
                _ => "The key comes from `api_key` in the provider block, else from the AGENT37_API_KEY environment variable".to_string(),
            };
            format!("{origin}: check that it is a current key of the workspace (sk_live_…), as the Agent37 dashboard shows it.")
        }
        "no_capacity" | "capacity_unavailable" => {
            "The platform has no room for it right now; apply again later.".to_string()
        }
        _ => return None,
    };
    Some(step)
}

/// `text` as a sentence: a first word in lower-case letters is capitalised (an identifier
/// such as `base_url` or a method such as `GET` is left alone), and a full stop ends it
/// unless a sentence mark (or the ellipsis of a cut excerpt) already does.
pub fn sentence(text: &str) -> String {
    let text = text.trim();
    let first_word = text.split(' ').next().unwrap_or_default();
    let mut out = if !first_word.is_empty() && first_word.chars().all(|c| c.is_ascii_lowercase()) {
        let mut chars = text.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    } else {
        text.to_string()
    };
    if !out.is_empty() && !out.ends_with(['.', '!', '?', '…']) {
        out.push('.');
    }
    out
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

/// A delete's answer as the delete hook's outcome: deleted, or already gone (a 404, out of band
/// or with its parent), is what a delete wants; a failure is `summary` with the API's error
/// (and the state stays). `summary` is made only for a failure.
pub fn delete_outcome(
    result: Result<DeleteOutcome, ApiError>,
    summary: impl FnOnce() -> String,
) -> Outcome<()> {
    match result {
        Ok(DeleteOutcome::Deleted | DeleteOutcome::AlreadyGone) => Outcome::ok(()),
        Err(e) => api_error(&summary(), &e).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_outcome_deleted_and_already_gone_succeed_a_failure_keeps_the_api_error() {
        for outcome in [DeleteOutcome::Deleted, DeleteOutcome::AlreadyGone] {
            let out = delete_outcome(Ok(outcome), || unreachable!("no summary on success"));
            assert!(out.diags.is_empty(), "{:?}", out.diags);
        }
        let out = delete_outcome(Err(api(409, "conflict", "busy")), || {
            "Unable to delete domain x.net".to_string()
        });
        let d = format!("{:?}", out.diags);
        assert!(
            d.contains("Unable to delete domain x.net") && d.contains("code conflict: busy"),
            "{d}"
        );
    }

    fn api(status: u16, code: &str, message: &str) -> ApiError {
        ApiError::Api {
            status,
            code: code.into(),
            message: message.into(),
            detail: None,
            retry_after: None,
            key_origin: None,
        }
    }

    #[test]
    fn carries_code_message_and_status() {
        let e = api(
            409,
            "template_conflict",
            "a template named x already exists",
        );
        let d = api_error("Unable to create template", &e);
        assert_eq!(d.0[0].summary, "Unable to create template");
        assert_eq!(
            d.0[0].detail,
            "The Agent37 API answered HTTP 409, code template_conflict: a template named x already exists."
        );
    }

    /// Issue 15: API errors add the next step where one exists.
    #[test]
    fn codes_with_a_next_step_name_it() {
        let e = api(
            409,
            "instance_limit_reached",
            "the workspace already has 10 instances",
        );
        assert_eq!(
            detail(&e),
            "The Agent37 API answered HTTP 409, code instance_limit_reached: the workspace already has 10 instances. Delete an instance the workspace no longer needs, or raise the workspace's tier in the Agent37 dashboard, then apply again."
        );
        let e = api(402, "insufficient_balance", "wallet empty.");
        assert!(
            detail(&e).ends_with("wallet empty. The workspace's wallet cannot pay for this: top it up in the Agent37 dashboard, then apply again."),
            "{}",
            detail(&e)
        );
        let e = api(401, "invalid_api_key", "unknown key");
        assert!(detail(&e).contains("The key comes from `api_key` in the provider block, else from the AGENT37_API_KEY environment variable: check"));
        let e = e.with_key_origin(Some("the AGENT37_API_KEY environment variable"));
        assert!(
            detail(&e).ends_with("unknown key. The key came from the AGENT37_API_KEY environment variable: check that it is a current key of the workspace (sk_live_…), as the Agent37 dashboard shows it."),
            "{}",
            detail(&e)
        );
        // The origin is only ever attached to an unknown key.
        let other = api(400, "invalid_request", "x").with_key_origin(Some("somewhere"));
        assert!(matches!(
            other,
            ApiError::Api {
                key_origin: None,
                ..
            }
        ));
        assert_eq!(next_step(&api(400, "invalid_request", "x")), None);
    }

    /// Issue 15: errors after retries say how often the call was tried and why it stopped.
    #[test]
    fn errors_after_retries_say_so() {
        let gave_up = ApiError::GaveUp {
            attempts: 7,
            reason: GaveUpReason::RetriesExhausted,
            last: Box::new(api(503, "no_capacity", "no host can fit it")),
        };
        assert_eq!(gave_up.code(), Some("no_capacity"));
        assert_eq!(
            detail(&gave_up),
            "The Agent37 API answered HTTP 503, code no_capacity: no host can fit it. Gave up after 7 attempts (see `max_retries`). The platform has no room for it right now; apply again later."
        );
        let by_deadline = ApiError::GaveUp {
            attempts: 3,
            reason: GaveUpReason::Deadline,
            last: Box::new(ApiError::Transport {
                method: "GET".into(),
                path: "/instances".into(),
                message: "connection refused".into(),
                may_have_reached_server: false,
                timed_out: false,
            }),
        };
        assert_eq!(
            detail(&by_deadline),
            "GET /instances failed: connection refused. Gave up after 3 attempts: the next retry would have started after the operation's timeout (see `timeouts`)."
        );
        assert!(by_deadline.to_string().ends_with("gave up after 3 attempts: the next retry would have started after the operation's timeout (see `timeouts`)"));
    }

    /// Issue 15, bug 7: messages derived from the API's (or the client's) start with a capital
    /// and end with a full stop.
    #[test]
    fn details_are_sentences() {
        assert_eq!(sentence("the API key is empty"), "The API key is empty.");
        assert_eq!(
            sentence("POST /instances/x/exec did not finish within its timeout of 5s"),
            "POST /instances/x/exec did not finish within its timeout of 5s."
        );
        assert_eq!(sentence("base_url is wrong"), "base_url is wrong.");
        assert_eq!(sentence("Done!"), "Done!");
        assert_eq!(sentence("starts with: abc…"), "Starts with: abc…");
        assert_eq!(sentence(""), "");
        let outcome = ApiError::OutcomeUnknown {
            operation: "POST /instances".into(),
            detail: "listing failed".into(),
        };
        assert_eq!(
            detail(&outcome),
            "The outcome of POST /instances is unknown: listing failed."
        );
        let failed = ApiError::Api {
            status: 502,
            code: "provisioning_failed".into(),
            message: "The container exited during boot.".into(),
            detail: Some("Starting crawler...\nError: cannot find module\n".into()),
            retry_after: None,
            key_origin: None,
        };
        assert_eq!(
            api_error("Unable to create instance", &failed).0[0].detail,
            "The Agent37 API answered HTTP 502, code provisioning_failed: The container exited during boot.\n\nThe API's detail (the end of the container console):\nStarting crawler...\nError: cannot find module"
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
