//! Instance reads sharing list requests (`Client::read_instance`).

use super::*;

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
