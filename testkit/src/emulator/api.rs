//! The emulator's API and control surface, as a client: [`Client`] returns errors (for xtask
//! and for tests of failures), the `Emulator` methods panic with the emulator's log (for tests).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Emulator;
use crate::http::{self, HttpError, Response};
use crate::version::ApiRevision;

/// A client of one emulator: `Send` and `Clone`, for threads. Paths are absolute
/// (`/v1/instances`, `/_emulator/faults`).
#[derive(Clone, Debug)]
pub struct Client {
    root_url: String,
    key: Option<String>,
}

impl Client {
    /// `METHOD path` with a JSON body.
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> std::io::Result<Response> {
        let bytes = body.map(|b| b.to_string().into_bytes());
        self.send_raw(method, path, bytes.as_deref())
    }

    /// `METHOD path` with a body sent as it is (what a test of malformed input needs).
    pub fn send_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> std::io::Result<Response> {
        let auth = self.key.as_ref().map(|k| format!("Bearer {k}"));
        let headers: Vec<(&str, &str)> = auth
            .as_deref()
            .map(|a| vec![("Authorization", a)])
            .unwrap_or_default();
        http::request(method, &format!("{}{path}", self.root_url), &headers, body)
    }

    /// `METHOD path`: a 2xx answer's JSON (`null` when empty), or why not.
    pub fn json(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, HttpError> {
        http::json(
            method,
            &format!("{}{path}", self.root_url),
            self.key.as_deref(),
            body,
        )
    }
}

impl Emulator {
    /// A client with the default workspace's key.
    pub fn client(&self) -> Client {
        self.client_with_key(&self.api_key)
    }

    /// A client with another key (another workspace, or a bad key).
    pub fn client_with_key(&self, key: &str) -> Client {
        Client {
            root_url: self.root_url.clone(),
            key: Some(key.to_string()),
        }
    }

    /// A client without a key: the control surface and the instance plane.
    pub fn raw_client(&self) -> Client {
        Client {
            root_url: self.root_url.clone(),
            key: None,
        }
    }

    // ---- the API, with the workspace key ----

    /// `METHOD /v1{path}` with `Authorization: Bearer <api key>`.
    #[track_caller]
    pub fn api(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        self.api_with_key(&self.api_key, method, path, body)
    }

    /// `METHOD /v1{path}` with another key (another workspace, or a bad key).
    #[track_caller]
    pub fn api_with_key(
        &self,
        key: &str,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Response {
        let path = format!("/v1{path}");
        self.client_with_key(key)
            .send(method, &path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\nemulator log:\n{}", self.log()))
    }

    /// `METHOD /v1{path}`, asserting a 2xx answer; returns its JSON (`null` for an empty body).
    #[track_caller]
    pub fn api_ok(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        json_of_success(method, path, &self.api(method, path, body))
    }

    // ---- the control surface, /_emulator/ (no key) ----

    /// `METHOD /_emulator/{path}`.
    #[track_caller]
    pub fn control(&self, method: &str, path: &str, body: Option<&Value>) -> Response {
        let path = format!("/_emulator/{}", path.trim_start_matches('/'));
        self.raw_client()
            .send(method, &path, body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}\nemulator log:\n{}", self.log()))
    }

    /// `METHOD /_emulator/{path}`, asserting a 2xx answer; returns its JSON.
    #[track_caller]
    pub fn control_ok(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        json_of_success(method, path, &self.control(method, path, body))
    }

    /// `POST /_emulator/workspaces` (`{"tier", "wallet_micros", "api_key"?, "instance_limit"?}`);
    /// returns the new workspace's key.
    #[track_caller]
    pub fn create_workspace(&self, body: &Value) -> String {
        let json = self.control_ok("POST", "workspaces", Some(body));
        json["api_key"]
            .as_str()
            .unwrap_or_else(|| panic!("no api_key in the workspace answer: {json}"))
            .to_string()
    }

    /// `POST /_emulator/faults`.
    #[track_caller]
    pub fn set_faults(&self, body: &Value) -> Value {
        self.control_ok("POST", "faults", Some(body))
    }

    /// `DELETE /_emulator/faults`.
    #[track_caller]
    pub fn clear_faults(&self) {
        self.control_ok("DELETE", "faults", None);
    }

    /// `GET /_emulator/requests`: request counters and the recent-request log.
    #[track_caller]
    pub fn requests(&self) -> Value {
        self.control_ok("GET", "requests", None)
    }

    /// `POST /_emulator/requests/reset`: counters back to zero.
    #[track_caller]
    pub fn reset_requests(&self) {
        self.control_ok("POST", "requests/reset", None);
    }

    /// How many requests it counted on `route` (`POST /v1/instances/{id}/exec`).
    #[track_caller]
    pub fn count(&self, route: &str) -> u64 {
        self.requests()["counters"][route].as_u64().unwrap_or(0)
    }

    /// `POST /_emulator/clock`.
    #[track_caller]
    pub fn advance_clock(&self, body: &Value) -> Value {
        self.control_ok("POST", "clock", Some(body))
    }

    /// `POST /_emulator/instances/{id}/spend`.
    #[track_caller]
    pub fn spend(&self, instance_id: &str, body: &Value) -> Value {
        self.control_ok(
            "POST",
            &format!("instances/{instance_id}/spend"),
            Some(body),
        )
    }

    /// `POST /_emulator/reset`.
    #[track_caller]
    pub fn reset(&self) {
        self.control_ok("POST", "reset", None);
    }

    /// `POST /_emulator/config {"api_revision": …}`: switch the revision it serves at run time.
    #[track_caller]
    pub fn set_api_revision(&self, revision: ApiRevision) {
        self.control_ok(
            "POST",
            "config",
            Some(&json!({"api_revision": revision.as_str()})),
        );
        *self
            .api_revision
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = revision;
    }

    // ---- the workspace's objects, as the API serves them ----

    /// Every live instance of the workspace, by id.
    #[track_caller]
    pub fn instances(&self) -> BTreeMap<String, Value> {
        self.api_ok("GET", "/instances", None)["data"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|i| (i["id"].as_str().unwrap_or_default().to_string(), i))
            .collect()
    }

    /// `GET /v1/instances/{id}`, asserting it exists.
    #[track_caller]
    pub fn instance(&self, id: &str) -> Value {
        self.api_ok("GET", &format!("/instances/{id}"), None)
    }

    /// `POST /v1/instances` with `body`; returns the new instance's id.
    #[track_caller]
    pub fn create_instance(&self, body: &Value) -> String {
        let made = self.api_ok("POST", "/instances", Some(body));
        made["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in the created instance: {made}"))
            .to_string()
    }

    /// `GET /v1/templates/{name}`, asserting it exists.
    #[track_caller]
    pub fn template(&self, name: &str) -> Value {
        self.api_ok("GET", &format!("/templates/{name}"), None)
    }

    /// The names of the workspace's own templates.
    #[track_caller]
    pub fn workspace_templates(&self) -> Vec<String> {
        self.api_ok("GET", "/templates", None)["data"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|t| t["scope"] == "workspace")
                    .filter_map(|t| t["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `GET /v1/instances/{id}/budget`.
    #[track_caller]
    pub fn budget(&self, instance_id: &str) -> Value {
        self.api_ok("GET", &format!("/instances/{instance_id}/budget"), None)
    }
}

#[track_caller]
fn json_of_success(method: &str, path: &str, response: &Response) -> Value {
    assert!(
        response.is_success(),
        "{method} {path}: HTTP {}: {}",
        response.status,
        response.text()
    );
    response.json()
}
