//! "No such route" or "no such object" (issue 15, bug 1): a `404 not_found` removes an object
//! from the state only once the API has shown it answers at the base URL.

use super::*;

/// A server that answers every route with the API's `404 not_found`, as the API does for a
/// base URL whose path leads nowhere (`http://127.0.0.1:PORT` instead of `…/v1`).
async fn no_routes() -> FakeServer {
    FakeServer::start(|r: &Recorded| {
        Reply::Json(
            404,
            json!({"error": {"code": "not_found", "message": format!("no route for {} {}", r.method, r.target)}}),
        )
    })
    .await
}

#[tokio::test]
async fn a_404_from_a_base_url_that_serves_no_route_is_not_gone() {
    let server = no_routes().await;
    let c = client(&server);
    let err = c
        .get_instance(&op(), "abc123defg")
        .await
        .expect_err("nothing answers");
    assert!(!err.is_not_found(), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "GET /instances/abc123defg answered HTTP 404 not_found, and so did GET /templates, a \
             route every Agent37 API serves: the base URL {} does not lead to the Agent37 API \
             (check `base_url` or AGENT37_BASE_URL). Nothing is concluded about the object: it \
             is kept in the state",
            server.base_url()
        )
    );
    // A destroy does not take it for "already gone" either.
    let err = c
        .delete_instance(&op(), "abc123defg")
        .await
        .expect_err("not gone");
    assert!(!err.is_not_found(), "{err:?}");
    assert_eq!(server.count("GET", "/v1/templates"), 2);
}

#[tokio::test]
async fn a_404_is_about_the_object_once_the_api_answers_at_the_base_url() {
    let server = FakeServer::start(|r: &Recorded| match r.target.as_str() {
        "/v1/templates" => list(vec![]),
        "/v1/instances/here000001" => Reply::Json(200, instance("here000001", 1, "bot")),
        _ => not_found(),
    })
    .await;
    // A client whose first answer is a 404 checks the base URL once, then believes it.
    let c = client(&server);
    let err = c.get_instance(&op(), "gone000001").await.expect_err("404");
    assert!(err.is_not_found(), "{err:?}");
    let err = c.get_instance(&op(), "gone000002").await.expect_err("404");
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(server.count("GET", "/v1/templates"), 1);

    // A client that has had an answer already (a refresh's first reads) checks nothing.
    let c = client(&server);
    c.get_instance(&op(), "here000001").await.expect("read");
    let err = c.get_instance(&op(), "gone000001").await.expect_err("404");
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(server.count("GET", "/v1/templates"), 1);
}
