//! Cloud template builds (revision 2026-08-21, contract 3.3): the build object, its log chunk,
//! the create body and the create answer with its presigned upload URL.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::lenient;
use crate::api::config::Secret;

/// Where a build is.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BuildStatus {
    Created,
    Building,
    Ingesting,
    Succeeded,
    Failed,
    /// A status this client does not know: treated as still running.
    #[serde(other)]
    Other,
}

impl BuildStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            BuildStatus::Created => "created",
            BuildStatus::Building => "building",
            BuildStatus::Ingesting => "ingesting",
            BuildStatus::Succeeded => "succeeded",
            BuildStatus::Failed => "failed",
            BuildStatus::Other => "unknown",
        }
    }

    pub fn ended(&self) -> bool {
        matches!(self, BuildStatus::Succeeded | BuildStatus::Failed)
    }
}

impl fmt::Display for BuildStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a build failed.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BuildError {
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// The template revision a successful build published.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BuiltTemplate {
    pub name: String,
    pub revision: i64,
    #[serde(default)]
    pub image_digest: Option<String>,
}

/// `GET /template-builds/{id}`. Inapplicable keys are absent (or null).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct TemplateBuild {
    pub id: String,
    pub name: String,
    pub status: BuildStatus,
    #[serde(default, deserialize_with = "lenient")]
    pub error: Option<BuildError>,
    #[serde(default, deserialize_with = "lenient")]
    pub template: Option<BuiltTemplate>,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub started: Option<i64>,
    #[serde(default)]
    pub finished: Option<i64>,
}

/// `GET /template-builds/{id}/logs?offset=N`: the build, the next offset and a log chunk.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct BuildLogChunk {
    #[serde(flatten)]
    pub build: TemplateBuild,
    pub offset: u64,
    #[serde(default)]
    pub data: String,
}

/// Body of `POST /template-builds`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateTemplateBuild {
    pub name: String,
    /// The exact size of the gzipped context about to be uploaded.
    pub size_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_port: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    String::deserialize(d).map(Secret::new)
}

/// The answer of `POST /template-builds`. `upload_url` is a bearer credential: never shown.
#[derive(Clone, Debug, Deserialize)]
pub struct BuildUpload {
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "secret")]
    pub upload_url: Secret,
    #[serde(default)]
    pub expires_at: Option<i64>,
    #[serde(default)]
    pub max_bytes: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decodes_the_contract_example_with_its_log_chunk() {
        let c: BuildLogChunk = serde_json::from_value(json!({
            "id": "tb_0a1b2c3d4e5f60718293", "name": "crawler", "status": "succeeded",
            "template": {"name": "crawler", "revision": 3, "image_digest": "sha256:00"},
            "created": 1786000000, "started": 1786000015, "finished": 1786000240,
            "offset": 2048, "data": "#7 DONE 41.3s\n"
        }))
        .expect("decodes");
        assert_eq!(c.offset, 2048);
        assert_eq!(c.build.status, BuildStatus::Succeeded);
        assert_eq!(c.build.template.as_ref().map(|t| t.revision), Some(3));
        assert_eq!(c.build.error, None);
    }

    #[test]
    fn a_failed_build_and_an_unknown_status() {
        let b: TemplateBuild = serde_json::from_value(json!({
            "id": "tb_1", "name": "x", "status": "failed",
            "error": {"code": "build_failed", "message": "step 3 failed"},
            "created": 1, "started": null
        }))
        .expect("decodes");
        assert_eq!(b.error.map(|e| e.code), Some("build_failed".into()));
        assert_eq!(b.started, None);
        let other: TemplateBuild =
            serde_json::from_value(json!({"id": "tb_2", "name": "x", "status": "queued"}))
                .expect("decodes");
        assert_eq!(other.status, BuildStatus::Other);
        assert!(!other.status.ended());
    }

    #[test]
    fn the_upload_url_never_shows() {
        let u: BuildUpload = serde_json::from_value(json!({
            "id": "tb_1", "name": "x", "status": "created",
            "upload_url": "http://127.0.0.1:1/_uploads/tb_1?sig=SECRET",
            "expires_at": 5, "max_bytes": 100000000
        }))
        .expect("decodes");
        assert!(!format!("{u:?}").contains("SECRET"));
        assert!(u.upload_url.expose().contains("SECRET"));
    }

    #[test]
    fn the_create_body_omits_what_is_not_set() {
        let body = CreateTemplateBuild {
            name: "crawler".into(),
            size_bytes: 10,
            default_port: None,
            description: Some("d".into()),
        };
        assert_eq!(
            serde_json::to_value(&body).ok(),
            Some(json!({"name": "crawler", "size_bytes": 10, "description": "d"}))
        );
    }
}
