//! Create safety: retries that prove nothing was made, adoption after an ambiguous create,
//! claims, and the template create's conflict check.

use super::*;

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
    assert_eq!(got.id, "newinst001");
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
    assert_eq!(got.id, "made000001");
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
        ids.insert(got.id);
    }
    let want: HashSet<String> = ["made000001", "made000002", "made000003"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(ids, want);
    assert_eq!(server.count("POST", "/v1/instances"), 3);
}

/// A refresh's read claims the instance: an ambiguous create never adopts what a resource of
/// this process already holds, even when it matches the request exactly.
#[tokio::test]
async fn an_instance_read_by_a_refresh_is_never_adopted() {
    let now = now_secs();
    let server = FakeServer::start(move |r: &Recorded| {
        if r.method == "POST" {
            Reply::Drop
        } else if r.is("GET", "/v1/instances/held000001") {
            Reply::Json(200, instance("held000001", now, "bot"))
        } else {
            list(vec![instance("held000001", now, "bot")])
        }
    })
    .await;
    let c = client(&server);
    let read = c.read_instance(&op(), "held000001").await.expect("read");
    assert_eq!(read.id, "held000001");
    assert!(c.claims().is_claimed("held000001"));
    // Every attempt drops; the only matching instance is held, so each look-up finds nothing
    // this call made, and the create ends in its own error instead of adopting it.
    let err = c
        .create_instance(&op(), &create_body())
        .await
        .expect_err("the held instance is not adopted");
    assert!(matches!(err.last(), ApiError::Transport { .. }), "{err:?}");
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
    assert_ne!(a.id, b.id);
    let ids: HashSet<_> = [a.id, b.id].into_iter().collect();
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
    assert_eq!(got.id, "made000001");
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
        default_port: None,
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
