//! The client against a scripted server on 127.0.0.1: retries, create safety, cancellation,
//! deadlines and error mapping, asserting on the requests the server received.

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

#[tokio::test]
async fn rate_limited_call_honours_retry_after_then_succeeds() {
    let n = Counter::default();
    let server = FakeServer::start(move |r: &Recorded| {
        if !r.is("GET", "/v1/instances/abc123defg") {
            return not_found();
        }
        match n.next() {
            0 => Reply::Raw {
                status: 429,
                headers: vec![("Retry-After".into(), "1".into())],
                body: br#"{"error":{"code":"rate_limited","message":"slow down"}}"#.to_vec(),
            },
            _ => Reply::Json(200, instance("abc123defg", 1, "bot")),
        }
    })
    .await;
    let c = client(&server);
    let started = Instant::now();
    let got = c.get_instance(&op(), "abc123defg").await.expect("succeeds");
    assert_eq!(got.id, "abc123defg");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After honoured"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {KEY}").as_str())
        );
        assert_eq!(
            r.header("user-agent"),
            Some("terraform-provider-agent37/0.1.0 terraform/1.15.5 suite/1")
        );
        assert_eq!(r.header("accept"), Some("application/json"));
    }
}

#[tokio::test]
async fn create_is_retried_after_no_capacity() {
    let n = Counter::default();
    let created = now_secs();
    let server = FakeServer::start(move |r: &Recorded| match (r.method.as_str(), n.next()) {
        ("POST", 0) => Reply::error(503, "no_capacity"),
        ("POST", _) => Reply::Json(201, instance("newinst001", created, "bot")),
        _ => list(vec![]),
    })
    .await;
    let c = client(&server);
    let got = c
        .create_instance(&op(), &create_body())
        .await
        .expect("created");
    assert!(!got.adopted);
    assert_eq!(got.attempts, 2);
    assert_eq!(got.instance.id, "newinst001");
    assert_eq!(server.count("POST", "/v1/instances"), 2);
    assert_eq!(server.count("GET", "/v1/instances"), 0, "no look-up needed");
    assert!(c.claims().is_claimed("newinst001"));
    let bodies: Vec<_> = server.requests().iter().map(Recorded::json).collect();
    assert_eq!(bodies[0], bodies[1], "every attempt sends the same body");
    assert_eq!(bodies[0]["budget"]["topup_micros"], json!(0));
}

#[tokio::test]
async fn create_with_dropped_connection_adopts_the_instance_it_made() {
    let now = now_secs();
    let server = FakeServer::start(move |r: &Recorded| match r.method.as_str() {
        "POST" => Reply::Drop,
        _ => list(vec![
            instance("othername1", now, "other"),
            instance("made000001", now, "bot"),
            instance("oldbot0001", now - 3600, "bot"),
        ]),
    })
    .await;
    let c = client(&server);
    let got = c
        .create_instance(&op(), &create_body())
        .await
        .expect("adopted");
    assert!(got.adopted);
    assert_eq!(got.instance.id, "made000001");
    assert_eq!(
        server.count("POST", "/v1/instances"),
        1,
        "never a second create"
    );
    assert_eq!(server.count("GET", "/v1/instances"), 1);
}

#[tokio::test]
async fn concurrent_identical_creates_each_adopt_a_different_instance() {
    let now = now_secs();
    let server = FakeServer::start(move |r: &Recorded| match r.method.as_str() {
        "POST" => Reply::Drop,
        _ => list(vec![
            instance("held000001", now, "bot"),
            instance("made000003", now, "bot"),
            instance("made000002", now, "bot"),
            instance("made000001", now - 1, "bot"),
        ]),
    })
    .await;
    let c = client(&server);
    c.claim("held000001");
    let body = create_body();
    let calls = (0..3).map(|_| {
        let c = c.clone();
        let body = body.clone();
        tokio::spawn(async move { c.create_instance(&op(), &body).await })
    });
    let mut ids = HashSet::new();
    for call in calls {
        let got = call.await.expect("joined").expect("adopted");
        assert!(got.adopted);
        ids.insert(got.instance.id);
    }
    let want: HashSet<String> = ["made000001", "made000002", "made000003"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(ids, want);
    assert_eq!(server.count("POST", "/v1/instances"), 3);
}

#[tokio::test]
async fn ambiguous_sibling_waits_for_an_identical_create_in_flight() {
    // One create's connection drops; an identical one answers later. The instance the second
    // one made is the older of the two, so without waiting the first would adopt it.
    let now = now_secs();
    let posts = Counter::default();
    let server = FakeServer::start(move |r: &Recorded| match r.method.as_str() {
        "POST" => match posts.next() {
            0 => Reply::After(Duration::from_millis(50), Box::new(Reply::Drop)),
            _ => Reply::After(
                Duration::from_millis(300),
                Box::new(Reply::Json(201, instance("second0001", now - 1, "bot"))),
            ),
        },
        _ => list(vec![
            instance("first00001", now, "bot"),
            instance("second0001", now - 1, "bot"),
        ]),
    })
    .await;
    let c = client(&server);
    let body = create_body();
    let a = {
        let (c, body) = (c.clone(), body.clone());
        tokio::spawn(async move { c.create_instance(&op(), &body).await })
    };
    tokio::time::sleep(Duration::from_millis(10)).await;
    let b = {
        let (c, body) = (c.clone(), body.clone());
        tokio::spawn(async move { c.create_instance(&op(), &body).await })
    };
    let a = a.await.expect("joined").expect("a");
    let b = b.await.expect("joined").expect("b");
    assert_ne!(a.instance.id, b.instance.id);
    let ids: HashSet<_> = [a.instance.id, b.instance.id].into_iter().collect();
    assert!(ids.contains("first00001") && ids.contains("second0001"));
    assert_eq!(server.count("POST", "/v1/instances"), 2);
}

#[tokio::test]
async fn ambiguous_create_that_made_nothing_is_sent_again() {
    let now = now_secs();
    let posts = Counter::default();
    let server = FakeServer::start(move |r: &Recorded| match r.method.as_str() {
        "POST" => match posts.next() {
            0 => Reply::Drop,
            _ => Reply::Json(201, instance("made000001", now, "bot")),
        },
        _ => list(vec![instance("oldbot0001", now - 3600, "bot")]),
    })
    .await;
    let c = client(&server);
    let got = c
        .create_instance(&op(), &create_body())
        .await
        .expect("created");
    assert!(!got.adopted);
    assert_eq!(got.instance.id, "made000001");
    assert_eq!(server.count("POST", "/v1/instances"), 2);
    assert_eq!(
        server.count("GET", "/v1/instances"),
        2,
        "looked twice before re-sending"
    );
}

#[tokio::test]
async fn create_with_undecodable_success_body_adopts() {
    let now = now_secs();
    let server = FakeServer::start(move |r: &Recorded| match r.method.as_str() {
        "POST" => Reply::Raw {
            status: 201,
            headers: vec![],
            body: b"{\"id\": ".to_vec(),
        },
        _ => list(vec![instance("made000001", now, "bot")]),
    })
    .await;
    let c = client(&server);
    let got = c
        .create_instance(&op(), &create_body())
        .await
        .expect("adopted");
    assert!(got.adopted);
    assert_eq!(server.count("POST", "/v1/instances"), 1);
}

#[tokio::test]
async fn create_refused_with_a_4xx_is_not_retried() {
    let server = FakeServer::start(|_: &Recorded| Reply::error(402, "insufficient_balance")).await;
    let c = client(&server);
    let err = c
        .create_instance(&op(), &create_body())
        .await
        .expect_err("refused");
    assert_eq!(err.code(), Some("insufficient_balance"));
    assert_eq!(err.status(), Some(402));
    assert_eq!(server.requests().len(), 1, "no retry, no look-up");
}

#[tokio::test]
async fn create_interrupted_by_stop_still_returns_what_it_made() {
    let now = now_secs();
    let server = FakeServer::start(move |r: &Recorded| match r.method.as_str() {
        "POST" => Reply::Hang,
        _ => list(vec![instance("made000001", now, "bot")]),
    })
    .await;
    let c = client(&server);
    let call = {
        let c = c.clone();
        tokio::spawn(async move {
            c.create_instance(&c.op(Duration::from_secs(60)), &create_body())
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let stopped = Instant::now();
    c.cancel_all();
    let got = tokio::time::timeout(Duration::from_secs(3), call)
        .await
        .expect("prompt")
        .expect("joined")
        .expect("adopted despite the stop");
    assert!(got.adopted);
    assert!(stopped.elapsed() < Duration::from_secs(2));
    assert_eq!(server.count("POST", "/v1/instances"), 1);

    // Once stopped, new calls fail at once without a request.
    let before = server.requests().len();
    let err = c
        .get_instance(&op(), "made000001")
        .await
        .expect_err("stopped");
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(server.requests().len(), before);
}

#[tokio::test]
async fn create_interrupted_with_nothing_made_is_cancelled() {
    let server = FakeServer::start(|r: &Recorded| match r.method.as_str() {
        "POST" => Reply::Hang,
        _ => list(vec![]),
    })
    .await;
    let c = client(&server);
    let token = CancellationToken::new();
    let call = {
        let c = c.clone();
        let op = op().with_cancel(token.clone());
        tokio::spawn(async move { c.create_instance(&op, &create_body()).await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    token.cancel();
    let err = tokio::time::timeout(Duration::from_secs(3), call)
        .await
        .expect("prompt")
        .expect("joined")
        .expect_err("cancelled");
    assert!(err.is_cancelled(), "{err}");
    assert_eq!(server.count("POST", "/v1/instances"), 1);
}

#[tokio::test]
async fn other_4xx_are_not_retried() {
    let server = FakeServer::start(|r: &Recorded| match r.method.as_str() {
        "PATCH" => Reply::error(400, "invalid_request"),
        _ => not_found(),
    })
    .await;
    let c = client(&server);
    let patch = PatchInstance {
        name: Patch::Value("x".into()),
        ..Default::default()
    };
    let err = c
        .patch_instance(&op(), "abc123defg", &patch)
        .await
        .expect_err("400");
    assert_eq!(err.code(), Some("invalid_request"));
    assert!(err.to_string().contains("HTTP 400"), "{err}");
    let err = c.get_instance(&op(), "abc123defg").await.expect_err("404");
    assert!(err.is_not_found());
    assert_eq!(server.requests().len(), 2);
    assert_eq!(server.requests()[0].json(), json!({"name": "x"}));
}

#[tokio::test]
async fn delete_of_a_missing_object_is_success() {
    let server = FakeServer::start(|r: &Recorded| match r.target.as_str() {
        "/v1/instances/gone000001" | "/v1/templates/gone" => not_found(),
        "/v1/instances/here000001" => {
            Reply::Json(200, json!({"id": "here000001", "deleted": true}))
        }
        _ => Reply::Raw {
            status: 404,
            headers: vec![],
            body: b"<html><body>404 nginx</body></html>".to_vec(),
        },
    })
    .await;
    let c = client(&server);
    assert_eq!(
        c.delete_instance(&op(), "gone000001").await.ok(),
        Some(DeleteOutcome::AlreadyGone)
    );
    assert_eq!(
        c.delete_template(&op(), "gone").await.ok(),
        Some(DeleteOutcome::AlreadyGone)
    );
    assert_eq!(
        c.delete_instance(&op(), "here000001").await.ok(),
        Some(DeleteOutcome::Deleted)
    );
    let err = c
        .delete_instance(&op(), "proxy00001")
        .await
        .expect_err("bare 404 is not gone");
    assert!(err.to_string().contains("HTML page"), "{err}");
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn list_follows_the_cursor() {
    let server = FakeServer::start(|r: &Recorded| match r.target.as_str() {
        "/v1/instances" => Reply::Json(
            200,
            json!({"data": [instance("page1inst1", 2, "a")], "has_more": true, "next_cursor": "c 2"}),
        ),
        "/v1/instances?cursor=c+2" => Reply::Json(
            200,
            json!({"data": [instance("page2inst1", 1, "b")], "has_more": false}),
        ),
        "/v1/templates" => Reply::Json(
            200,
            json!({"data": [], "has_more": true, "next_cursor": "same"}),
        ),
        "/v1/templates?cursor=same" => Reply::Json(
            200,
            json!({"data": [], "has_more": true, "next_cursor": "same"}),
        ),
        _ => not_found(),
    })
    .await;
    let c = client(&server);
    let all = c.list_instances(&op()).await.expect("listed");
    let ids: Vec<_> = all.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, vec!["page1inst1", "page2inst1"]);
    assert_eq!(server.requests().len(), 2);

    let err = c.list_templates(&op()).await.expect_err("cursor loop");
    assert!(err.to_string().contains("same list cursor"), "{err}");
}

#[tokio::test]
async fn cancellation_stops_a_pending_retry_promptly() {
    let server = FakeServer::start(|_: &Recorded| Reply::Raw {
        status: 429,
        headers: vec![("Retry-After".into(), "30".into())],
        body: br#"{"error":{"code":"rate_limited","message":"later"}}"#.to_vec(),
    })
    .await;
    let c = client(&server);
    let call = {
        let c = c.clone();
        tokio::spawn(async move {
            let op = c.op(Duration::from_secs(120));
            c.get_instance(&op, "abc123defg").await
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let stopped = Instant::now();
    c.cancel_all();
    let err = tokio::time::timeout(Duration::from_secs(2), call)
        .await
        .expect("prompt")
        .expect("joined")
        .expect_err("cancelled");
    assert!(err.is_cancelled(), "{err}");
    // Generous for a loaded machine; without cancellation the call would wait 120 s.
    assert!(stopped.elapsed() < Duration::from_millis(1500));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn cancellation_stops_a_request_in_flight() {
    let server = FakeServer::start(|_: &Recorded| Reply::Hang).await;
    let c = client(&server);
    let token = CancellationToken::new();
    let call = {
        let c = c.clone();
        let op = op().with_cancel(token.clone());
        tokio::spawn(async move { c.stop_instance(&op, "abc123defg").await })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    token.cancel();
    let err = tokio::time::timeout(Duration::from_secs(1), call)
        .await
        .expect("prompt")
        .expect("joined")
        .expect_err("cancelled");
    assert!(err.is_cancelled());
}

#[tokio::test]
async fn malformed_success_bodies_are_decode_errors() {
    let server = FakeServer::start(|r: &Recorded| match r.target.as_str() {
        "/v1/instances/abc123defg" => Reply::Raw {
            status: 200,
            headers: vec![],
            body: b"<html>maintenance</html>".to_vec(),
        },
        "/v1/instances/abc123defg/budget" => Reply::Json(200, json!({"monthly_cap_micros": "x"})),
        _ => Reply::Json(200, json!({"data": "not a list"})),
    })
    .await;
    let c = client(&server);
    let err = c
        .get_instance(&op(), "abc123defg")
        .await
        .expect_err("decode");
    match &err {
        ApiError::Decode {
            status,
            body_snippet,
            ..
        } => {
            assert_eq!(*status, 200);
            assert!(body_snippet.contains("maintenance"));
        }
        other => panic!("expected Decode, got {other:?}"),
    }
    assert!(matches!(
        c.get_budget(&op(), "abc123defg").await,
        Err(ApiError::Decode { .. })
    ));
    assert!(matches!(
        c.list_instances(&op()).await,
        Err(ApiError::Decode { .. })
    ));
    assert_eq!(server.requests().len(), 3, "decode errors are not retried");
}

#[tokio::test]
async fn exec_is_never_sent_twice_after_it_may_have_arrived() {
    let n = Counter::default();
    let server = FakeServer::start(move |r: &Recorded| match (r.target.as_str(), n.next()) {
        ("/v1/instances/dropped001/exec", _) => Reply::Drop,
        ("/v1/instances/limited001/exec", 1) => Reply::error(429, "rate_limited"),
        ("/v1/instances/limited001/exec", _) => Reply::Json(
            200,
            json!({"exit_code": 3, "stdout": "out", "stderr": "", "truncated": false}),
        ),
        _ => not_found(),
    })
    .await;
    let c = client(&server);
    let err = c
        .exec(&op(), "dropped001", "echo hi")
        .await
        .expect_err("ambiguous");
    assert!(err.may_have_reached_server(), "{err}");
    assert_eq!(server.count("POST", "/v1/instances/dropped001/exec"), 1);

    let got = c
        .exec(&op(), "limited001", "false")
        .await
        .expect("429 is safe to retry");
    assert_eq!(got.exit_code, 3);
    assert_eq!(server.count("POST", "/v1/instances/limited001/exec"), 2);
    assert_eq!(server.requests()[1].json(), json!({"command": "false"}));
}

#[tokio::test]
async fn keyed_top_up_is_retried_with_the_same_key() {
    let n = Counter::default();
    let server = FakeServer::start(move |r: &Recorded| match (r.method.as_str(), n.next()) {
        ("POST", 0) => Reply::Drop,
        ("POST", _) => Reply::Json(200, budget("credit_remaining_micros")),
        _ => not_found(),
    })
    .await;
    let c = client(&server);
    let key = topup_idempotency_key("abc123defg", 1_000_000);
    let body = TopUp {
        amount_micros: 1_000_000,
        idempotency_key: Some(key.clone()),
    };
    let b = c
        .top_up(&op(), "abc123defg", &body)
        .await
        .expect("topped up");
    assert_eq!(
        b.topup_remaining_micros, 1_000_000,
        "read from the later field name"
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.target, "/v1/instances/abc123defg/budget/top-up");
        assert_eq!(
            r.json(),
            json!({"amount_micros": 1_000_000, "idempotency_key": key})
        );
    }

    // Without a key a top-up is not idempotent: not sent again.
    let server2 = FakeServer::start(|_: &Recorded| Reply::Drop).await;
    let c2 = client(&server2);
    let unkeyed = TopUp {
        amount_micros: 5,
        idempotency_key: None,
    };
    assert!(c2.top_up(&op(), "abc123defg", &unkeyed).await.is_err());
    assert_eq!(server2.requests().len(), 1);
}

#[tokio::test]
async fn blocking_calls_use_the_operation_deadline_not_request_timeout() {
    let server = FakeServer::start(|r: &Recorded| match r.method.as_str() {
        "POST" => Reply::After(
            Duration::from_millis(600),
            Box::new(Reply::Json(
                200,
                json!({"id": "abc123defg", "status": "stopped"}),
            )),
        ),
        _ => Reply::After(
            Duration::from_millis(600),
            Box::new(Reply::Json(200, instance("abc123defg", 1, "bot"))),
        ),
    })
    .await;
    let mut cfg = config(&server);
    cfg.request_timeout = Duration::from_millis(200);
    cfg.max_retries = 1;
    let c = client_with(cfg);
    let ack = c
        .stop_instance(&op(), "abc123defg")
        .await
        .expect("waits past request_timeout");
    assert_eq!(ack.status, InstanceStatus::Stopped);
    assert_eq!(server.count("POST", "/v1/instances/abc123defg/stop"), 1);

    let err = c
        .get_instance(&op(), "abc123defg")
        .await
        .expect_err("request_timeout");
    assert!(
        matches!(
            err,
            ApiError::Transport {
                timed_out: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        server.count("GET", "/v1/instances/abc123defg"),
        2,
        "timed out twice"
    );

    // A blocking call still ends at the operation's deadline.
    let err = c
        .restart_instance(&Op::new(Duration::from_millis(300)), "abc123defg")
        .await
        .expect_err("deadline");
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn the_operation_deadline_bounds_retries() {
    let server = FakeServer::start(|_: &Recorded| Reply::error(503, "no_capacity")).await;
    let mut cfg = config(&server);
    cfg.max_retries = 1000;
    cfg.backoff = Backoff {
        base: Duration::from_millis(40),
        cap: Duration::from_millis(40),
    };
    let c = client_with(cfg);
    let started = Instant::now();
    let err = c
        .get_template(&Op::new(Duration::from_millis(400)), "mine")
        .await
        .expect_err("gives up");
    // Well above the 400 ms deadline for a loaded machine; unbounded it would be 40 s.
    assert!(
        started.elapsed() < Duration::from_millis(2000),
        "{:?}",
        started.elapsed()
    );
    assert!(
        err.code() == Some("no_capacity") || matches!(err, ApiError::Timeout { .. }),
        "{err:?}"
    );
    let n = server.requests().len();
    assert!(n > 1 && n < 100, "{n} requests");
}

#[tokio::test]
async fn gateway_errors_and_flat_bodies_are_retried_for_reads() {
    let n = Counter::default();
    let server = FakeServer::start(move |_: &Recorded| match n.next() {
        0 => Reply::Raw {
            status: 502,
            headers: vec![],
            body: b"<html><body>Bad gateway</body></html>".to_vec(),
        },
        1 => Reply::Json(503, json!({"error": "container_unavailable"})),
        _ => Reply::Json(200, json!({"data": []})),
    })
    .await;
    let c = client(&server);
    assert!(
        c.list_templates(&op())
            .await
            .expect("third time")
            .is_empty()
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn an_action_that_may_have_run_waits_for_the_instance_to_settle() {
    let posts = Counter::default();
    let gets = Counter::default();
    let server = FakeServer::start(move |r: &Recorded| match r.method.as_str() {
        "POST" => match posts.next() {
            0 => Reply::Drop,
            _ => Reply::Json(200, json!({"id": "abc123defg", "status": "stopped"})),
        },
        _ => {
            let mut i = instance("abc123defg", 1, "bot");
            i["status"] = json!(if gets.next() == 0 {
                "stopping"
            } else {
                "stopped"
            });
            Reply::Json(200, i)
        }
    })
    .await;
    let c = client(&server);
    let ack = c.stop_instance(&op(), "abc123defg").await.expect("stopped");
    assert_eq!(ack.status, InstanceStatus::Stopped);
    assert_eq!(server.count("POST", "/v1/instances/abc123defg/stop"), 2);
    assert_eq!(server.count("GET", "/v1/instances/abc123defg"), 2);
    // The re-send came after the instance had settled.
    let order: Vec<_> = server.requests().iter().map(|r| r.method.clone()).collect();
    assert_eq!(order, vec!["POST", "GET", "GET", "POST"]);
}

#[tokio::test]
async fn template_create_conflict_after_a_drop_is_resolved_by_reading() {
    let posts = Counter::default();
    let server = FakeServer::start(move |r: &Recorded| match (r.method.as_str(), r.target.as_str()) {
        ("POST", _) => match posts.next() {
            0 => Reply::Drop,
            _ => Reply::error(409, "template_conflict"),
        },
        ("GET", "/v1/templates/mine") => Reply::Json(
            200,
            json!({"name": "mine", "scope": "workspace", "agents": [], "image_ref": "acme/agent:v1",
                   "description": "d", "ports": [{"port": 9000, "default": true}],
                   "created": 1, "updated": 1}),
        ),
        _ => not_found(),
    })
    .await;
    let c = client(&server);
    let body = CreateTemplate {
        name: "mine".into(),
        image_ref: "acme/agent:v1".into(),
        description: Some("d".into()),
        ports: Some(vec![TemplatePort {
            port: 9000,
            default: true,
        }]),
    };
    let t = c
        .create_template(&op(), &body)
        .await
        .expect("made by the first attempt");
    assert_eq!(t.scope, TemplateScope::Workspace);
    assert_eq!(server.count("POST", "/v1/templates"), 2);

    // A conflict with a different template stays an error.
    let other = CreateTemplate {
        image_ref: "acme/agent:v2".into(),
        ..body
    };
    let err = c
        .create_template(&op(), &other)
        .await
        .expect_err("conflict");
    assert_eq!(err.code(), Some("template_conflict"));
}

#[tokio::test]
async fn paths_and_queries_are_encoded_and_checked() {
    let server = FakeServer::start(|r: &Recorded| match r.target.as_str() {
        "/v1/instances/abc123defg/usage?month=2026-06" | "/v1/instances/abc123defg/usage" => {
            Reply::Json(
                200,
                json!({"period": "2026-06", "total_micros": 0, "by_integration": {}}),
            )
        }
        _ => not_found(),
    })
    .await;
    let c = client(&server);
    let u = c
        .get_usage(&op(), "abc123defg", Some("2026-06"))
        .await
        .expect("usage");
    assert_eq!(u.period, "2026-06");
    // An absurd timeout is "no deadline", not an overflow.
    c.get_usage(&Op::new(Duration::MAX), "abc123defg", None)
        .await
        .expect("usage");
    assert!(c.get_template(&op(), "a/b").await.is_err());
    assert_eq!(server.requests()[2].target, "/v1/templates/a%2Fb");
    for bad in ["", ".", ".."] {
        assert!(matches!(
            c.get_instance(&op(), bad).await,
            Err(ApiError::InvalidArgument(_))
        ));
    }
    assert_eq!(server.requests().len(), 3, "refused arguments send nothing");
}

#[tokio::test]
async fn every_endpoint_sends_its_method_path_and_body() {
    let server = FakeServer::start(|r: &Recorded| {
        let t = r.target.as_str();
        match (r.method.as_str(), t) {
            ("PATCH", "/v1/instances/abc123defg") => Reply::Json(200, instance("abc123defg", 1, "bot")),
            ("POST", "/v1/instances/abc123defg/resize") => Reply::Json(
                200,
                json!({"id": "abc123defg", "status": "running", "resources": {"cpu": 4, "memory": 8, "disk": 20}}),
            ),
            ("POST", "/v1/instances/abc123defg/update") => Reply::Json(
                200,
                json!({"id": "abc123defg", "status": "running", "image_ref": "img:2"}),
            ),
            ("POST", p) if p.starts_with("/v1/instances/abc123defg/st") || p.ends_with("/restart") => {
                Reply::Json(200, json!({"id": "abc123defg", "status": "running"}))
            }
            ("POST", "/v1/instances/abc123defg/signed-url") => Reply::Json(
                200,
                json!({"url": "http://x/?a37_token=t", "port": 3737, "expires_at": 9}),
            ),
            ("PATCH", "/v1/instances/abc123defg/budget") => Reply::Json(200, budget("topup_remaining_micros")),
            ("GET", "/v1/instances/abc123defg/budget") => Reply::Json(200, budget("topup_remaining_micros")),
            ("PATCH", "/v1/templates/mine") => Reply::Json(
                200,
                json!({"name": "mine", "scope": "workspace", "image_ref": "acme/a:v2"}),
            ),
            _ => not_found(),
        }
    })
    .await;
    let c = client(&server);
    let o = op();
    let patch = PatchInstance {
        name: Patch::Null,
        user: Patch::Value("u".into()),
        metadata: Patch::Absent,
    };
    c.patch_instance(&o, "abc123defg", &patch)
        .await
        .expect("patch");
    let resize = Resize {
        cpu: Some(4),
        memory: Some(8),
        disk: None,
    };
    let ack = c
        .resize_instance(&o, "abc123defg", &resize)
        .await
        .expect("resize");
    assert_eq!(ack.resources.map(|r| r.cpu), Some(4));
    let ack = c.update_instance(&o, "abc123defg").await.expect("update");
    assert_eq!(ack.image_ref.as_deref(), Some("img:2"));
    c.start_instance(&o, "abc123defg").await.expect("start");
    c.stop_instance(&o, "abc123defg").await.expect("stop");
    c.restart_instance(&o, "abc123defg").await.expect("restart");
    let url = c
        .signed_url(
            &o,
            "abc123defg",
            &SignedUrlRequest {
                port: 3737,
                ttl_seconds: Some(60),
            },
        )
        .await
        .expect("signed url");
    assert_eq!(url.port, 3737);
    c.patch_budget(
        &o,
        "abc123defg",
        &PatchBudget {
            monthly_cap_micros: 7,
        },
    )
    .await
    .expect("budget");
    c.get_budget(&o, "abc123defg").await.expect("budget");
    let pt = PatchTemplate {
        image_ref: Some("acme/a:v2".into()),
        description: Patch::Null,
        ..Default::default()
    };
    c.patch_template(&o, "mine", &pt)
        .await
        .expect("patch template");

    let seen: Vec<(String, String, Value)> = server
        .requests()
        .iter()
        .map(|r| (r.method.clone(), r.target.clone(), r.json()))
        .collect();
    let p = |s: &str| format!("/v1/instances/abc123defg{s}");
    let expected = vec![
        ("PATCH".into(), p(""), json!({"name": null, "user": "u"})),
        ("POST".into(), p("/resize"), json!({"cpu": 4, "memory": 8})),
        ("POST".into(), p("/update"), Value::Null),
        ("POST".into(), p("/start"), Value::Null),
        ("POST".into(), p("/stop"), Value::Null),
        ("POST".into(), p("/restart"), Value::Null),
        (
            "POST".into(),
            p("/signed-url"),
            json!({"port": 3737, "ttl_seconds": 60}),
        ),
        (
            "PATCH".into(),
            p("/budget"),
            json!({"monthly_cap_micros": 7}),
        ),
        ("GET".into(), p("/budget"), Value::Null),
        (
            "PATCH".into(),
            "/v1/templates/mine".into(),
            json!({"image_ref": "acme/a:v2", "description": null}),
        ),
    ];
    assert_eq!(seen, expected);
    // Bodiless actions send no body at all.
    assert!(server.requests()[2].body.is_empty());
}

#[tokio::test]
async fn the_key_never_appears_in_errors_or_debug_output() {
    let server = FakeServer::start(|r: &Recorded| Reply::Raw {
        status: 500,
        headers: vec![],
        body: format!("debug: {}", r.header("authorization").unwrap_or_default()).into_bytes(),
    })
    .await;
    let c = client(&server);
    let err = c.get_instance(&op(), "abc123defg").await.expect_err("500");
    for shown in [
        err.to_string(),
        format!("{err:?}"),
        format!("{c:?}"),
        format!("{:?}", config(&server)),
    ] {
        assert!(!shown.contains("TESTKEY"), "{shown}");
    }
}

#[tokio::test]
async fn connection_refused_is_retried_even_for_exec() {
    // Bind then close, so the port refuses connections.
    let addr = {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        l.local_addr().expect("addr")
    };
    let mut cfg = ClientConfig::new(format!("http://{addr}/v1"), KEY);
    cfg.max_retries = 2;
    cfg.backoff = Backoff {
        base: Duration::from_millis(1),
        cap: Duration::from_millis(2),
    };
    let c = client_with(cfg);
    let err = c
        .exec(&op(), "abc123defg", "true")
        .await
        .expect_err("refused");
    assert!(!err.may_have_reached_server(), "{err}");
    assert!(err.is_retryable(OpKind::NonIdempotent));
}

/// A CA, and a server certificate for `localhost` that it signed, behind a TLS acceptor.
fn tls_fixture() -> (String, tokio_rustls::TlsAcceptor) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca =
        CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key")).expect("ca");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["localhost".to_owned()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca.der().clone()], key)
        .expect("server config");
    (ca.pem(), tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

#[tokio::test]
async fn an_extra_ca_is_trusted_and_verification_stays_on() {
    let (ca_pem, acceptor) = tls_fixture();
    let server = FakeServer::start_tls(
        |_: &Recorded| Reply::Json(200, instance("abc123defg", 1, "bot")),
        acceptor,
    )
    .await;
    let base = format!("https://localhost:{}/v1", server.addr.port());

    let mut cfg = ClientConfig::new(base.clone(), KEY);
    cfg.ca_cert_pem = Some(ca_pem);
    let c = client_with(cfg);
    let got = c
        .get_instance(&op(), "abc123defg")
        .await
        .expect("trusted through the extra CA");
    assert_eq!(got.id, "abc123defg");
    assert_eq!(server.requests().len(), 1);

    let mut cfg = ClientConfig::new(base, KEY);
    cfg.max_retries = 0;
    let c = client_with(cfg);
    let err = c
        .get_instance(&op(), "abc123defg")
        .await
        .expect_err("unknown CA refused");
    assert!(
        !err.may_have_reached_server(),
        "a TLS failure happens before sending: {err}"
    );
    assert_eq!(
        server.requests().len(),
        1,
        "nothing was served without the CA"
    );
}

#[test]
fn client_config_is_validated() {
    let bad = |cfg: ClientConfig| match Client::with_claims(cfg, Claims::default()) {
        Err(ApiError::InvalidConfig(e)) => e.to_string(),
        Err(other) => panic!("unexpected {other}"),
        Ok(_) => panic!("accepted"),
    };
    assert!(bad(ClientConfig::new("http://api.agent37.com/v1", KEY)).contains("loopback"));
    assert!(bad(ClientConfig::new("https://api.agent37.com/v1", "")).contains("empty"));
    assert!(bad(ClientConfig::new("https://api.agent37.com/v1", "bad\nkey")).contains("header"));
    let mut cfg = ClientConfig::new("https://api.agent37.com/v1", KEY);
    cfg.ca_cert_pem =
        Some("-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n".into());
    assert!(bad(cfg).contains("ca_cert_pem"));
    let mut cfg = ClientConfig::new("https://api.agent37.com/v1", KEY);
    cfg.ca_cert_pem = Some("no pem here".into());
    assert!(bad(cfg).contains("ca_cert_pem"));
    let ok = Client::with_claims(
        ClientConfig::new("https://api.agent37.com/v1/", KEY),
        Claims::default(),
    )
    .expect("valid");
    assert_eq!(ok.base_url(), "https://api.agent37.com/v1");
}

/// The provider runs calls on a multi-threaded runtime: every future must be `Send`.
#[allow(dead_code)]
fn futures_are_send(c: &Client, o: &Op) {
    fn send<T: Send>(_: T) {}
    send(c.create_instance(o, &CreateInstance::default()));
    send(c.list_instances(o));
    send(c.stop_instance(o, "x"));
    send(c.exec(o, "x", "y"));
    send(c.create_template(
        o,
        &CreateTemplate {
            name: String::new(),
            image_ref: String::new(),
            description: None,
            ports: None,
        },
    ));
    send(c.top_up(
        o,
        "x",
        &TopUp {
            amount_micros: 1,
            idempotency_key: None,
        },
    ));
}

#[tokio::test]
async fn instance_health_reads_ok_and_treats_edge_errors_as_booting() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hits);
    let server = FakeServer::start(
        move |_r: &Recorded| match h.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::Json(503, json!({"error": "container_unavailable"})),
            1 => Reply::Json(502, json!({"error": "container_unreachable"})),
            2 => Reply::Json(
                200,
                json!({"ok": false, "agent": "hermes", "healthy": false}),
            ),
            3 => Reply::Json(200, json!({"ok": true, "agent": "hermes", "healthy": true})),
            _ => Reply::error(401, "invalid_api_key"),
        },
    )
    .await;
    let c = client(&server);
    let url = format!("http://{}/_instances/abc/3737", server.addr);
    let answers = [
        c.instance_health(&op(), &url).await.ok(),
        c.instance_health(&op(), &url).await.ok(),
        c.instance_health(&op(), &url).await.ok(),
        c.instance_health(&op(), &url).await.ok(),
    ];
    assert_eq!(answers, [Some(false), Some(false), Some(false), Some(true)]);
    let err = c.instance_health(&op(), &url).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_api_key"));
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.is("GET", "/_instances/abc/3737/v1/health")
                && r.header("authorization") == Some(format!("Bearer {KEY}").as_str()))
    );
    // The key never goes in clear text to a host that is not loopback.
    let bad = c
        .instance_health(&op(), "http://abc.agent37.app")
        .await
        .unwrap_err();
    assert!(matches!(bad, ApiError::InvalidArgument(_)), "{bad:?}");
}

// ---------------------------------------------------------------------------------------------
// Instance reads sharing list requests (`Client::read_instance`)
// ---------------------------------------------------------------------------------------------

/// A server holding `ids`, answering the list and the single GETs after `delay`; after a PATCH
/// every instance is named "after".
async fn fleet_server(ids: Vec<String>, delay: Duration) -> FakeServer {
    let patched = Arc::new(AtomicUsize::new(0));
    FakeServer::start(move |r: &Recorded| {
        let name = if patched.load(Ordering::SeqCst) > 0 {
            "after"
        } else {
            "before"
        };
        let reply = match (r.method.as_str(), r.target.as_str()) {
            ("GET", "/v1/instances") => list(
                ids.iter()
                    .map(|id| instance(id, now_secs(), name))
                    .collect(),
            ),
            ("GET", t) => match t.strip_prefix("/v1/instances/") {
                Some(id) if ids.iter().any(|i| i == id) => {
                    Reply::Json(200, instance(id, now_secs(), name))
                }
                _ => not_found(),
            },
            ("PATCH", t) => {
                patched.fetch_add(1, Ordering::SeqCst);
                let id = t.trim_start_matches("/v1/instances/");
                Reply::Json(200, instance(id, now_secs(), "after"))
            }
            _ => not_found(),
        };
        Reply::After(delay, Box::new(reply))
    })
    .await
}

fn fleet_ids(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("inst{i:06}")).collect()
}

/// Reads every id at once, as Terraform does at `-parallelism=ids.len()`.
async fn read_all(c: &Client, ids: &[String]) -> Vec<Result<Instance, ApiError>> {
    let o = op();
    futures::future::join_all(ids.iter().map(|id| c.read_instance(&o, id))).await
}

#[tokio::test]
async fn a_lone_instance_read_is_one_get() {
    let ids = fleet_ids(3);
    let server = fleet_server(ids.clone(), Duration::ZERO).await;
    let got = client(&server).read_instance(&op(), &ids[1]).await;
    assert_eq!(got.map(|i| i.id).ok(), Some(ids[1].clone()));
    assert_eq!(server.count("GET", "/v1/instances/inst000001"), 1);
    assert_eq!(server.count("GET", "/v1/instances"), 0);
}

#[tokio::test]
async fn a_burst_of_instance_reads_shares_one_list_and_the_next_reads_too() {
    let ids = fleet_ids(20);
    let server = fleet_server(ids.clone(), Duration::from_millis(30)).await;
    let c = client(&server);
    for (id, got) in ids.iter().zip(read_all(&c, &ids).await) {
        assert_eq!(got.map(|i| i.id).ok().as_ref(), Some(id));
    }
    // One read went first as a single GET; the others arrived while it ran and shared a list.
    assert_eq!(server.requests().len(), 2, "{:?}", server.requests());
    assert_eq!(server.count("GET", "/v1/instances"), 1);
    // Sequential reads right after (Terraform at -parallelism=1) are served by that list.
    for id in &ids {
        assert!(c.read_instance(&op(), id).await.is_ok());
    }
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_write_of_this_client_makes_the_next_reads_fetch_again() {
    let ids = fleet_ids(10);
    let server = fleet_server(ids.clone(), Duration::from_millis(20)).await;
    let c = client(&server);
    read_all(&c, &ids).await;
    let before = server.requests().len();
    let patch = PatchInstance {
        name: Patch::set(Some("after".to_string())),
        ..Default::default()
    };
    c.patch_instance(&op(), &ids[0], &patch)
        .await
        .expect("patch");
    // Within the list's window, yet every read sees the server's state after the write.
    for got in read_all(&c, &ids).await {
        assert_eq!(got.ok().and_then(|i| i.name).as_deref(), Some("after"));
    }
    assert!(server.requests().len() > before + 1);
}

#[tokio::test]
async fn an_id_missing_from_a_shared_list_is_confirmed_by_its_own_get() {
    let ids = fleet_ids(8);
    let server = fleet_server(ids.clone(), Duration::from_millis(20)).await;
    let c = client(&server);
    let mut wanted = ids.clone();
    wanted.push("gone000000".to_string());
    let got = read_all(&c, &wanted).await;
    let last = got.last().expect("a result per id");
    assert!(matches!(last, Err(e) if e.is_not_found()), "{last:?}");
    assert_eq!(server.count("GET", "/v1/instances/gone000000"), 1);
    assert!(got[..ids.len()].iter().all(Result::is_ok));
}
