//! Both API revisions through one client: the union of their objects decodes, the revision
//! is told from answers (or one lazy probe), and a create never orphans what it made, whatever
//! the answer looks like.

use super::*;

/// An instance as revision 2026-08-21 answers: `url`, no `ports`, `image_ref` null (made from a
/// cloud-built template), `paid_through` gone.
fn instance_2026_08_21(id: &str, created: i64, name: &str, status: &str) -> Value {
    json!({
        "id": id, "status": status, "status_reason": null, "template": "crawler@3",
        "template_revision": 3, "image_ref": null,
        "image_digest": format!("sha256:{}", "d".repeat(64)),
        "resources": {"cpu": 2, "memory": 4, "disk": 4},
        "url": format!("https://{id}.agent37.app"), "domain_urls": [], "public_ports": [],
        "user": "cust_1", "name": name, "metadata": {"team": "a"}, "auto_sleep": false,
        "idle_timeout_seconds": 300, "past_due": false, "created": created
    })
}

fn system_template(revision_2026_08_21: bool) -> Value {
    if revision_2026_08_21 {
        json!({"name": "agent37-hermes", "scope": "system", "agents": ["hermes"],
               "image_ref": "ghcr.io/agent37-platform/hermes:2", "default_port": 3737,
               "revision": null})
    } else {
        json!({"name": "agent37-hermes", "scope": "system", "agents": ["hermes"],
               "image_ref": "ghcr.io/agent37-platform/hermes:1",
               "ports": [{"port": 3737, "default": true}]})
    }
}

#[tokio::test]
async fn objects_of_both_revisions_decode_and_tell_the_revision() {
    let now = now_secs();
    let server = FakeServer::start(move |r: &Recorded| match r.target.as_str() {
        "/v1/instances/new0000001" => Reply::Json(
            200,
            instance_2026_08_21("new0000001", now, "bot", "sleeping"),
        ),
        "/v1/instances/old0000001" => Reply::Json(200, instance("old0000001", now, "bot")),
        // A build-made template: no `image_ref` at all.
        "/v1/templates/crawler" => Reply::Json(
            200,
            json!({"name": "crawler", "scope": "workspace", "agents": [], "revision": 3,
                   "image_digest": format!("sha256:{}", "0".repeat(64)), "default_port": null,
                   "revisions": [{"revision": 3, "image_digest": "sha256:00", "created": 1}]}),
        ),
        _ => not_found(),
    })
    .await;
    let c = client(&server);
    assert_eq!(c.known_revision(), None);
    let new = c
        .get_instance(&op(), "new0000001")
        .await
        .expect("2026-08-21 instance");
    assert_eq!(new.image_ref, None);
    assert_eq!(new.status, InstanceStatus::Sleeping);
    assert_eq!(new.default_url(), Some("https://new0000001.agent37.app"));
    assert_eq!(new.template_name(), "crawler");
    assert_eq!(c.known_revision(), Some(ApiRevision::R2026_08_21));
    let old = c
        .get_instance(&op(), "old0000001")
        .await
        .expect("2026-06-25 instance");
    assert_eq!(old.default_url(), Some("http://x/old0000001"));
    assert_eq!(c.known_revision(), Some(ApiRevision::R2026_06_25));
    let t = c
        .get_template(&op(), "crawler")
        .await
        .expect("build-made template");
    assert_eq!(t.image_ref, None);
    assert_eq!(t.default_port(), Some(FALLBACK_DEFAULT_PORT));
    // The default port of a 2026-08-21 instance is its template's.
    assert_eq!(c.default_port(&op(), &new).await.expect("port"), Some(3737));
    assert_eq!(c.default_port(&op(), &old).await.expect("port"), Some(3737));
}

#[tokio::test]
async fn one_undecodable_instance_never_breaks_a_list() {
    let now = now_secs();
    let server = FakeServer::start(move |_r: &Recorded| {
        list(vec![
            instance_2026_08_21("good000001", now, "a", "running"),
            json!({"id": "bad0000001", "status": "running"}),
            instance("good000002", now, "b"),
        ])
    })
    .await;
    let c = client(&server);
    let all = c.list_instances(&op()).await.expect("list");
    let ids: Vec<_> = all.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["good000001", "good000002"]);
}

#[tokio::test]
async fn the_revision_is_probed_once_and_only_when_unknown() {
    let server = FakeServer::start(|r: &Recorded| match r.target.as_str() {
        "/v1/templates" => list(vec![system_template(true)]),
        _ => not_found(),
    })
    .await;
    let c = client(&server);
    let (o1, o2) = (op(), op());
    let (a, b) = tokio::join!(c.revision(&o1), c.revision(&o2));
    assert_eq!(a.expect("probe"), ApiRevision::R2026_08_21);
    assert_eq!(b.expect("probe"), ApiRevision::R2026_08_21);
    assert_eq!(
        c.revision(&op()).await.expect("known"),
        ApiRevision::R2026_08_21
    );
    assert_eq!(server.count("GET", "/v1/templates"), 1, "one probe, shared");

    // A fixed setting never probes.
    let mut cfg = config(&server);
    cfg.api_revision = RevisionSetting::Fixed(ApiRevision::R2026_06_25);
    let fixed = client_with(cfg);
    assert_eq!(
        fixed.revision(&op()).await.expect("fixed"),
        ApiRevision::R2026_06_25
    );
    assert_eq!(server.count("GET", "/v1/templates"), 1);

    // A 2026-06-25 catalog says so.
    let old = FakeServer::start(|_r: &Recorded| list(vec![system_template(false)])).await;
    assert_eq!(
        client(&old).revision(&op()).await.expect("probe"),
        ApiRevision::R2026_06_25
    );
}

#[tokio::test]
async fn a_create_answer_that_does_not_decode_still_names_the_instance() {
    let server = FakeServer::start(|r: &Recorded| match r.method.as_str() {
        // `resources` of a shape this client cannot read: the instance exists all the same.
        "POST" => Reply::Json(
            201,
            json!({"id": "made000001", "status": "running", "resources": "2/4"}),
        ),
        _ => list(vec![]),
    })
    .await;
    let c = client(&server);
    let got = c
        .create_instance(&op(), &create_body())
        .await
        .expect("the instance it made");
    assert_eq!(got.id, "made000001");
    assert!(got.instance.is_none());
    assert!(got.failure.is_some());
    assert_eq!(
        server.count("POST", "/v1/instances"),
        1,
        "never a second create"
    );
    assert!(c.claims().is_claimed("made000001"));
}

#[tokio::test]
async fn a_failed_create_keeps_its_leftover_and_its_detail_instead_of_creating_again() {
    let now = now_secs();
    let server = FakeServer::start(move |r: &Recorded| match r.method.as_str() {
        "POST" => Reply::Json(
            502,
            json!({"error": {"code": "provisioning_failed",
                             "message": "The container exited during boot.",
                             "detail": "Starting crawler...\nError: cannot find module '/app/server.js'\n"}}),
        ),
        _ => list(vec![
            instance_2026_08_21("running001", now, "bot", "running"),
            instance_2026_08_21("left000001", now, "bot", "failed"),
        ]),
    })
    .await;
    let c = client(&server);
    let mut body = create_body();
    body.template = Some("crawler@3".into());
    let got = c.create_instance(&op(), &body).await.expect("the leftover");
    assert_eq!(got.id, "left000001");
    assert_eq!(
        got.instance.as_ref().map(|i| &i.status),
        Some(&InstanceStatus::Failed)
    );
    let failure = got.failure.expect("the create's error");
    assert_eq!(failure.code(), Some("provisioning_failed"));
    assert!(
        failure
            .api_detail()
            .is_some_and(|d| d.contains("cannot find module")),
        "{failure:?}"
    );
    assert_eq!(
        server.count("POST", "/v1/instances"),
        1,
        "no blind re-create"
    );
}

#[tokio::test]
async fn a_failed_create_that_left_nothing_is_retried() {
    let now = now_secs();
    let n = Counter::default();
    let server = FakeServer::start(move |r: &Recorded| match (r.method.as_str(), n.next()) {
        ("POST", 0) => Reply::error(502, "provisioning_failed"),
        ("POST", _) => Reply::Json(201, instance("newinst001", now, "bot")),
        _ => list(vec![]),
    })
    .await;
    let c = client(&server);
    let got = c
        .create_instance(&op(), &create_body())
        .await
        .expect("made");
    assert_eq!(got.id, "newinst001");
    assert!(got.failure.is_none());
    assert_eq!(server.count("POST", "/v1/instances"), 2);
}

#[tokio::test]
async fn try_again_is_retried() {
    let n = Counter::default();
    let server = FakeServer::start(move |_r: &Recorded| match n.next() {
        0 => Reply::error(409, "try_again"),
        _ => Reply::Json(200, json!({"id": "abc123defg", "status": "stopped"})),
    })
    .await;
    let c = client(&server);
    let ack = c.stop_instance(&op(), "abc123defg").await.expect("retried");
    assert_eq!(ack.status, InstanceStatus::Stopped);
    assert_eq!(server.count("POST", "/v1/instances/abc123defg/stop"), 2);
}
