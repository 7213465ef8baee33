//! Waiting until an instance is healthy: its default port's `/v1/health` answers `ok`, within
//! the operation's deadline. Shared by the resource (after create, start, resize, repair, image
//! pull) and the restart and update actions, which differ only in the advice they give when the
//! wait runs out.

use std::time::Duration;

use crate::api::{ApiError, Client, Instance, Op};
use crate::provider::errors::api_error;
use crate::sdk::Diagnostics;

/// Between two health polls of a booting instance.
const HEALTH_POLL: Duration = Duration::from_secs(1);

/// What a resource that did not become healthy tells the user to do.
pub const RESOURCE_ADVICE: &str = "It exists and is kept in the state (tainted); raise `timeouts`, or set `wait_for_healthy = false`.";

/// Polls the default port's `/v1/health` until `ok`, within `op`'s deadline. Only templates
/// with agents run a gateway to poll; an instance without a default port, or whose template is
/// gone, has nothing to wait for. `advice` ends the timeout diagnostic.
pub async fn wait_for_healthy(
    client: &Client,
    op: &Op,
    inst: &Instance,
    advice: &str,
) -> Result<(), Diagnostics> {
    let Some(url) = inst.default_url() else {
        return Ok(());
    };
    let template = match client.get_template(op, &inst.template).await {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(api_error("Unable to read the instance's template", &e)),
    };
    if template.agents.is_empty() {
        return Ok(());
    }
    let mut last: Option<ApiError> = None;
    loop {
        match client.instance_health(op, url).await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e @ (ApiError::Timeout { .. } | ApiError::Cancelled { .. })) => {
                return Err(unhealthy(inst, op, Some(&e), last.as_ref(), advice));
            }
            // The edge may drop connections while the container boots: keep polling.
            Err(e @ ApiError::Transport { .. }) => last = Some(e),
            Err(e) => return Err(api_error("Unable to check instance health", &e)),
        }
        if op.remaining() <= HEALTH_POLL {
            return Err(unhealthy(inst, op, None, last.as_ref(), advice));
        }
        tokio::select! {
            _ = op.cancel_token().cancelled() => {
                return Err(unhealthy(inst, op, Some(&ApiError::Cancelled {
                    operation: "waiting for the instance to become healthy".into(),
                }), last.as_ref(), advice));
            }
            _ = tokio::time::sleep(HEALTH_POLL) => {}
        }
    }
}

fn unhealthy(
    inst: &Instance,
    op: &Op,
    cause: Option<&ApiError>,
    last: Option<&ApiError>,
    advice: &str,
) -> Diagnostics {
    let mut detail = match cause {
        Some(ApiError::Cancelled { .. }) => format!(
            "Waiting for instance {} to answer ok on /v1/health was cancelled.",
            inst.id
        ),
        _ => format!(
            "Instance {} did not answer ok on /v1/health within the timeout ({:?}). {advice}",
            inst.id,
            op.timeout()
        ),
    };
    if let Some(e) = last {
        detail.push_str(&format!(" Last error: {e}"));
    }
    let mut d = Diagnostics::new();
    d.error("Instance not healthy", detail);
    d
}
