//! Every endpoint's method, path and body; paging; exec and top-up rules; the settle wait;
//! the instance health probe; the key kept out of every message.

use super::*;

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
        b.credit_remaining_micros, 1_000_000,
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
        ..Default::default()
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
    let ack = c
        .update_instance(&o, "abc123defg", None)
        .await
        .expect("update");
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
    // A 2026-06-25 instance: its default port's URL is in `ports`; the key goes as Bearer.
    let url = format!("http://{}/_instances/abc/3737", server.addr);
    let old = plane_instance(json!({"ports": [{"port": 3737, "default": true, "url": url}]}));
    let mut answers = Vec::new();
    for _ in 0..4 {
        answers.push(c.instance_health(&op(), &old).await.ok());
    }
    let not_yet = |why: &str| Some(HealthPoll::NotYet(why.into()));
    assert_eq!(
        answers,
        [
            not_yet("container_unavailable"),
            not_yet("container_unreachable"),
            not_yet("the gateway answered ok: false"),
            Some(HealthPoll::Healthy)
        ]
    );
    let err = c.instance_health(&op(), &old).await.unwrap_err();
    assert_eq!(err.code(), Some("invalid_api_key"));
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.is("GET", "/_instances/abc/3737/v1/health")
                && r.header("authorization") == Some(format!("Bearer {KEY}").as_str())
                && r.header("x-agent37-key").is_none())
    );
    // The key never goes in clear text to a host that is not loopback (a client of a loopback
    // base URL resolves every name to loopback, so this takes a client of the public API; the
    // call is refused before anything is sent).
    let public = Client::new(ClientConfig::new("https://api.agent37.com/v1", KEY)).expect("client");
    let far = plane_instance(json!({"url": "http://abc.agent37.app"}));
    let bad = public.instance_health(&op(), &far).await.unwrap_err();
    assert!(matches!(bad, ApiError::InvalidArgument(_)), "{bad:?}");
}

/// An instance object with the plane fields of `extra` (`url` or `ports`).
fn plane_instance(extra: Value) -> Instance {
    let mut v = json!({
        "id": "abc", "status": "running", "template": "agent37-hermes", "image_ref": null,
        "resources": {"cpu": 2, "memory": 4, "disk": 4}, "created": 1
    });
    if let (Some(o), Value::Object(e)) = (v.as_object_mut(), extra) {
        o.extend(e);
    }
    serde_json::from_value(v).expect("instance")
}

#[tokio::test]
async fn instance_health_of_a_2026_08_21_instance_sends_x_agent37_key_never_bearer() {
    let server = FakeServer::start(|r: &Recorded| match r.header("x-agent37-key") {
        Some(KEY) if r.header("authorization").is_none() => {
            Reply::Json(200, json!({"ok": true, "agent": "hermes", "healthy": true}))
        }
        _ => Reply::error(401, "invalid_api_key"),
    })
    .await;
    let c = client(&server);
    // Under 2026-08-21 the plane is a host of its own (`{id}.localhost`): a loopback client
    // resolves it to the base URL's address itself.
    let port = server.addr.port();
    let inst = plane_instance(json!({"url": format!("http://abc.localhost:{port}")}));
    assert_eq!(
        c.instance_health(&op(), &inst).await.expect("health"),
        HealthPoll::Healthy
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert!(reqs[0].is("GET", "/v1/health"));
    assert_eq!(
        reqs[0].header("host"),
        Some(format!("abc.localhost:{port}").as_str())
    );
}

#[tokio::test]
async fn a_suspended_instance_is_reported_not_polled_forever() {
    let server =
        FakeServer::start(|_r: &Recorded| Reply::Json(402, json!({"error": "instance_suspended"})))
            .await;
    let c = client(&server);
    let inst =
        plane_instance(json!({"url": format!("http://abc.localhost:{}", server.addr.port())}));
    assert_eq!(
        c.instance_health(&op(), &inst).await.expect("health"),
        HealthPoll::Suspended
    );
}
