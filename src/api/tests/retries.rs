//! Retries, deadlines, cancellation and error mapping of ordinary calls.

use super::*;

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
        // The API answers at the base URL, so its 404s are about the objects.
        "/v1/templates" => list(vec![]),
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
    // The first 404 was checked once against a route every API serves; later ones need not be.
    assert_eq!(server.count("GET", "/v1/templates"), 1);
    assert_eq!(server.requests().len(), 5);
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
            err.last(),
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
