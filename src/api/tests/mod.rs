//! The client against a scripted server on 127.0.0.1: retries, create safety, cancellation,
//! deadlines and error mapping, asserting on the requests the server received. This module
//! holds the shared fixtures; each child module one topic.

mod create;
mod endpoints;
mod reads;
mod retries;
mod revisions;
mod routes;
mod setup;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::fake_server::{FakeServer, Recorded, Reply};
use super::*;

const KEY: &str = "sk_live_TESTKEY0123456789abcdefABCD";

fn config(server: &FakeServer) -> ClientConfig {
    let mut c = ClientConfig::new(server.base_url(), KEY);
    c.request_timeout = Duration::from_secs(5);
    c.max_retries = 3;
    c.backoff = Backoff {
        base: Duration::from_millis(5),
        cap: Duration::from_millis(20),
    };
    c.adoption = AdoptionConfig {
        lookup_budget: Duration::from_secs(5),
        created_slack: Duration::from_secs(2),
        recheck_delay: Duration::from_millis(20),
    };
    c.settle_poll_interval = Duration::from_millis(10);
    c.user_agent = user_agent("0.1.0", Some("1.15.5"), Some("suite/1"));
    c
}

fn client_with(config: ClientConfig) -> Client {
    Client::with_claims(config, Claims::default()).expect("client builds")
}

fn client(server: &FakeServer) -> Client {
    client_with(config(server))
}

fn op() -> Op {
    Op::new(Duration::from_secs(10))
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn instance(id: &str, created: i64, name: &str) -> Value {
    json!({
        "id": id, "status": "running", "template": "agent37-hermes",
        "image_ref": "ghcr.io/agent37-platform/hermes:1",
        "resources": {"cpu": 2, "memory": 4, "disk": 6},
        "ports": [{"port": 3737, "default": true, "url": format!("http://x/{id}")}],
        "user": "cust_1", "name": name, "metadata": {"team": "a"},
        "paid_through": null, "past_due": false, "created": created
    })
}

// The spread is deliberate: a field the API type gains needs no change here.
#[allow(clippy::needless_update)]
fn create_body() -> CreateInstance {
    CreateInstance {
        template: Some("agent37-hermes".into()),
        resources: Some(ResourcesRequest {
            cpu: Some(2),
            memory: Some(4),
            disk: None,
        }),
        user: Some("cust_1".into()),
        name: Some("bot".into()),
        metadata: json!({"team": "a"}).as_object().cloned(),
        budget: Some(CreateBudget {
            monthly_cap_micros: 5_000_000,
            topup_micros: 0,
        }),
        ..Default::default()
    }
}

fn list(items: Vec<Value>) -> Reply {
    Reply::Json(200, json!({ "data": items }))
}

fn budget(field: &str) -> Value {
    json!({
        "monthly_cap_micros": 5, "monthly_consumed_micros": 0, "monthly_remaining_micros": 5,
        "monthly_period": "2026-06", field: 1_000_000, "updated_at": 1
    })
}

/// Counts calls per scripted route, so a handler can answer the n-th request differently.
#[derive(Clone, Default)]
struct Counter(Arc<AtomicUsize>);

impl Counter {
    fn next(&self) -> usize {
        self.0.fetch_add(1, Ordering::SeqCst)
    }
}

fn not_found() -> Reply {
    Reply::error(404, "not_found")
}
