//! The API revision a client talks to: what decoded objects showed, the configured setting,
//! and the one lazy probe (`GET /templates`) for decisions that come before any answer.

use super::super::error::ApiError;
use super::super::revision::{ApiRevision, RevisionHint, RevisionSetting};
use super::{Client, Op};

impl Client {
    /// The revision decisions use, when known without a request: the configured one, else the
    /// one the last decoded object showed.
    pub fn known_revision(&self) -> Option<ApiRevision> {
        self.inner.revision.known()
    }

    /// The `api_revision` setting.
    pub fn revision_setting(&self) -> RevisionSetting {
        self.inner.revision.setting()
    }

    /// The revision decisions use: known ([`Client::known_revision`]), or else found by one
    /// `GET /templates` (the system templates are always there and show the revision). Calls
    /// that arrive during a probe wait for it instead of probing again.
    pub async fn revision(&self, op: &Op) -> Result<ApiRevision, ApiError> {
        if let Some(r) = self.known_revision() {
            return Ok(r);
        }
        let _probing = tokio::select! {
            guard = self.inner.probe.lock() => guard,
            _ = self.cancelled(op) => {
                return Err(ApiError::Cancelled { operation: "GET /templates".into() });
            }
        };
        if let Some(r) = self.known_revision() {
            return Ok(r);
        }
        tracing::debug!("probing the API revision with GET /templates");
        self.list_templates(op).await?;
        self.known_revision().ok_or_else(|| ApiError::Decode {
            method: "GET".into(),
            path: "/templates".into(),
            status: 200,
            detail: "the list holds no template, so it does not tell the API revision; set \
                     api_revision in the provider block"
                .into(),
            body_snippet: String::new(),
        })
    }

    /// Records the revision `object` shows, and hands it back.
    pub(super) fn seen<T: RevisionHint>(&self, object: T) -> T {
        self.inner.revision.observe(object.revision_hint());
        object
    }

    /// [`Client::seen`] for every object of a list.
    pub(super) fn seen_all<T: RevisionHint>(&self, objects: Vec<T>) -> Vec<T> {
        if let Some(last) = objects.last() {
            self.inner.revision.observe(last.revision_hint());
        }
        objects
    }
}
