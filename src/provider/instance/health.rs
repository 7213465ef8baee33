//! Waiting until an instance is healthy: its default port's `/v1/health` answers `ok`, within
//! the operation's deadline, under either API revision (the client sends the key the way the
//! instance object's revision wants it). Shared by the resource (after create, start, resize,
//! repair, image pull) and the restart and update actions, which differ only in the advice they
//! give when the wait runs out.

use std::time::Duration;

use crate::api::{ApiError, Client, HealthPoll, Instance, Op};
use crate::provider::errors::api_error;
use crate::sdk::Diagnostics;

/// Between two health polls of a booting instance.
const HEALTH_POLL: Duration = Duration::from_secs(1);

/// What a resource that did not become healthy tells the user to do.
pub const RESOURCE_ADVICE: &str = "It exists and is kept in the state (tainted); raise `timeouts`, or set `wait_for_healthy = false`.";

/// Polls the default port's `/v1/health` until `ok`, within `op`'s deadline. Only templates
/// with agents run a gateway to poll; an instance without a URL, or whose template is gone,
/// has nothing to wait for. A booting or waking instance (the edge's 502/503/504, including
/// 2026-08-21's `wake_timeout` and `wake_failed`, which retry by themselves) is polled again;
/// a suspended one (`402 instance_suspended`) is an error at once. `advice` ends the timeout
/// diagnostic.
pub async fn wait_for_healthy(
    client: &Client,
    op: &Op,
    inst: &Instance,
    advice: &str,
) -> Result<(), Diagnostics> {
    if inst.default_url().is_none() {
        return Ok(());
    }
    let template = match client.get_template(op, &inst.template).await {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(api_error("Unable to read the instance's template", &e)),
    };
    if template.agents.is_empty() {
        return Ok(());
    }
    let mut last: Option<String> = None;
    loop {
        match client.instance_health(op, inst).await {
            Ok(HealthPoll::Healthy) => return Ok(()),
            Ok(HealthPoll::NotYet(why)) => last = Some(why),
            Ok(HealthPoll::Suspended) => return Err(suspended(inst)),
            Err(e @ (ApiError::Timeout { .. } | ApiError::Cancelled { .. })) => {
                return Err(unhealthy(inst, op, Some(&e), last.as_deref(), advice));
            }
            // The edge may drop connections while the container boots: keep polling.
            Err(e @ ApiError::Transport { .. }) => last = Some(e.to_string()),
            Err(e) => return Err(api_error("Unable to check instance health", &e)),
        }
        if op.remaining() <= HEALTH_POLL {
            return Err(unhealthy(inst, op, None, last.as_deref(), advice));
        }
        tokio::select! {
            _ = op.cancel_token().cancelled() => {
                return Err(unhealthy(inst, op, Some(&ApiError::Cancelled {
                    operation: "waiting for the instance to become healthy".into(),
                }), last.as_deref(), advice));
            }
            _ = tokio::time::sleep(HEALTH_POLL) => {}
        }
    }
}

fn suspended(inst: &Instance) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        "Instance suspended",
        format!(
            "Instance {} answered 402 instance_suspended: the workspace's balance is negative, so the platform suspended its instances and does not wake them. Top up the workspace; the next request then boots the instance.",
            inst.id
        ),
    );
    d
}

fn unhealthy(
    inst: &Instance,
    op: &Op,
    cause: Option<&ApiError>,
    last: Option<&str>,
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
        detail.push_str(&format!(" Last answer: {e}"));
    }
    let mut d = Diagnostics::new();
    d.error("Instance not healthy", detail);
    d
}
