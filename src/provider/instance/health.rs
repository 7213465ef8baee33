//! Waiting until an instance is healthy: its default port's `/v1/health` answers `ok`, within
//! the operation's deadline, under either API revision (the client sends the key the way the
//! instance object's revision wants it). Shared by the resource (after create, start, resize,
//! repair, image pull) and the restart and update actions, which differ only in the advice they
//! give when the wait runs out.

use std::time::Duration;

use crate::api::{ApiError, Client, HealthPoll, Instance, Op};
use crate::provider::errors::{api_error, sentence};
use crate::sdk::Diagnostics;

/// Between two health polls of a booting instance.
const HEALTH_POLL: Duration = Duration::from_secs(1);
/// Connections to the instance's host that fail in a row before the wait stops: a booting
/// container is answered for by the edge (502/503), so a host that takes no connection at all
/// is down or unreachable, and waiting out the whole timeout would only hide that.
const MAX_UNREACHABLE: u32 = 10;

/// How the wait polls (tests shorten it).
#[derive(Clone, Copy, Debug)]
struct Polling {
    interval: Duration,
    max_unreachable: u32,
}

const POLLING: Polling = Polling {
    interval: HEALTH_POLL,
    max_unreachable: MAX_UNREACHABLE,
};

/// The refused-connection rule, as data: failed connections in a row, reset by any answer.
#[derive(Debug, Default)]
struct Unreachable(u32);

impl Unreachable {
    /// Records a poll's outcome (`connected`: the host took the connection, whatever it
    /// answered); true once `max` connections in a row have failed.
    fn record(&mut self, connected: bool, max: u32) -> bool {
        self.0 = if connected { 0 } else { self.0 + 1 };
        self.0 >= max
    }
}

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
    wait_with(client, op, inst, advice, POLLING).await
}

async fn wait_with(
    client: &Client,
    op: &Op,
    inst: &Instance,
    advice: &str,
    polling: Polling,
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
    let mut last: Option<String> = None;
    let mut unreachable = Unreachable::default();
    loop {
        let connected = match client.instance_health(op, inst).await {
            Ok(HealthPoll::Healthy) => return Ok(()),
            Ok(HealthPoll::NotYet(why)) => {
                last = Some(why);
                true
            }
            Ok(HealthPoll::Suspended) => return Err(suspended(inst)),
            // Classified by the last failure: the client may have retried it already.
            Err(e) => match e.last() {
                ApiError::Timeout { .. } | ApiError::Cancelled { .. } => {
                    return Err(unhealthy(inst, op, Some(&e), last.as_deref(), advice));
                }
                // The edge may drop connections while the container boots: keep polling. A
                // connection that never opened is another matter (counted below).
                ApiError::Transport { .. } => {
                    last = Some(sentence(&e.to_string()));
                    e.may_have_reached_server()
                }
                _ => return Err(api_error("Unable to check instance health", &e)),
            },
        };
        if unreachable.record(connected, polling.max_unreachable) {
            return Err(host_unreachable(inst, url, unreachable.0, last.as_deref()));
        }
        if op.remaining() <= polling.interval {
            return Err(unhealthy(inst, op, None, last.as_deref(), advice));
        }
        tokio::select! {
            _ = op.cancel_token().cancelled() => {
                return Err(unhealthy(inst, op, Some(&ApiError::Cancelled {
                    operation: "waiting for the instance to become healthy".into(),
                }), last.as_deref(), advice));
            }
            _ = tokio::time::sleep(polling.interval) => {}
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

/// The wait stopped because the instance's host took no connection: the platform's edge (or
/// the API host serving it) is down or unreachable from here, which no amount of waiting for
/// the container fixes.
fn host_unreachable(inst: &Instance, url: &str, attempts: u32, last: Option<&str>) -> Diagnostics {
    let mut detail = format!(
        "The host of instance {}'s URL ({url}) refused or could not take {attempts} connections in a row, so the wait for /v1/health stopped: nothing is listening there. This is not a container still booting (the platform's edge answers for a booting container); check that the Agent37 API and its instance URLs are reachable from this machine (a proxy, a firewall, or an API host that is down). Once it answers, run the operation again, or set `wait_for_healthy = false` to skip this wait.",
        inst.id
    );
    if let Some(e) = last {
        detail.push_str(&format!(" Last error: {e}"));
    }
    let mut d = Diagnostics::new();
    d.error("Instance host unreachable", detail);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::fake_server::{FakeServer, Recorded, Reply};
    use crate::api::{Backoff, Claims, ClientConfig};
    use serde_json::json;

    #[test]
    fn unreachable_counts_failed_connections_in_a_row() {
        let mut u = Unreachable::default();
        assert!(!u.record(false, 3));
        assert!(!u.record(false, 3));
        assert!(!u.record(true, 3), "an answer resets the count");
        assert!(!u.record(false, 3));
        assert!(!u.record(false, 3));
        assert!(u.record(false, 3));
    }

    /// Issue 15: when the instance's host refuses connections, the wait says so and stops
    /// after a bounded number of them, instead of waiting out the timeout as for a container
    /// that is still booting.
    #[tokio::test]
    async fn a_host_that_refuses_connections_ends_the_wait_early() {
        let api = FakeServer::start(|r: &Recorded| {
            if r.is("GET", "/v1/templates/agent37-hermes") {
                Reply::Json(
                    200,
                    json!({"name": "agent37-hermes", "scope": "system", "agents": ["hermes"],
                           "image_ref": "img", "ports": [{"port": 3737, "default": true}]}),
                )
            } else {
                Reply::error(404, "not_found")
            }
        })
        .await;
        // Bind, then close: the port refuses connections.
        let closed = {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            l.local_addr().expect("addr")
        };
        let mut cfg = ClientConfig::new(api.base_url(), "sk_live_TESTKEY0123456789abcdefABCD");
        cfg.backoff = Backoff {
            base: Duration::from_millis(1),
            cap: Duration::from_millis(2),
        };
        let client = Client::with_claims(cfg, Claims::default()).expect("client");
        let inst: Instance = serde_json::from_value(json!({
            "id": "abc123defg", "status": "running", "template": "agent37-hermes",
            "image_ref": "img", "resources": {"cpu": 2, "memory": 4, "disk": 6},
            "ports": [{"port": 3737, "default": true, "url": format!("http://{closed}")}],
            "created": 1
        }))
        .expect("instance");
        let polling = Polling {
            interval: Duration::from_millis(5),
            max_unreachable: 4,
        };
        // A whole minute to wait: only the refused connections can end it early.
        let op = client.op(Duration::from_secs(60));
        let started = std::time::Instant::now();
        let diags = wait_with(&client, &op, &inst, "advice", polling)
            .await
            .expect_err("the host refuses");
        assert!(started.elapsed() < Duration::from_secs(30), "stopped early");
        let d = &diags.0[0];
        assert_eq!(d.summary, "Instance host unreachable");
        assert!(
            d.detail.starts_with(&format!(
                "The host of instance abc123defg's URL (http://{closed}) refused or could not take 4 connections in a row"
            )),
            "{}",
            d.detail
        );
        assert!(
            d.detail.contains("not a container still booting"),
            "{}",
            d.detail
        );
        assert!(
            d.detail.contains("Last error: GET /v1/health failed"),
            "{}",
            d.detail
        );
    }
}
