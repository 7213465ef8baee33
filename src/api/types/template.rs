//! Templates and the bodies of their calls.

use std::fmt;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::{Field, Patch, empty_str_is_none, lenient};
use crate::api::revision::{ApiRevision, RevisionHint};

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

/// A template under either revision: 2026-06-25 sends `image_ref` and `ports`; 2026-08-21
/// sends `default_port`, `revision`, `image_digest` (and `revisions` on a single GET), no
/// `ports`, and no `image_ref` on a template a cloud build published.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub scope: TemplateScope,
    #[serde(default, deserialize_with = "lenient")]
    pub agents: Vec<String>,
    /// Absent on a build-born template (2026-08-21).
    #[serde(default, deserialize_with = "lenient")]
    pub image_ref: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// 2026-06-25 only.
    #[serde(default, deserialize_with = "lenient")]
    pub ports: Vec<TemplatePort>,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub updated: Option<i64>,
    /// 2026-08-21: the port `url` routes to; null → 3737. Absent under 2026-06-25.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub default_port: Field<u16>,
    /// 2026-08-21: the workspace revision (null for system templates). Absent under 2026-06-25.
    #[serde(default, skip_serializing_if = "Field::is_absent")]
    pub revision: Field<i64>,
    /// 2026-08-21, single GET of a workspace template: newest first.
    #[serde(default, deserialize_with = "lenient")]
    pub revisions: Vec<TemplateRevision>,
    /// 2026-08-21, workspace templates: `sha256:` of the private snapshot.
    #[serde(default, deserialize_with = "lenient")]
    pub image_digest: Option<String>,
}

/// The port a 2026-08-21 instance's `url` serves when its template names none.
pub const FALLBACK_DEFAULT_PORT: u16 = 3737;

impl Template {
    /// The port an instance of this template serves at its `url`: 2026-08-21's `default_port`
    /// (null → 3737), else 2026-06-25's default entry of `ports` (none → no default port).
    pub fn default_port(&self) -> Option<u16> {
        match &self.default_port {
            Field::Value(p) => Some(*p),
            Field::Null => Some(FALLBACK_DEFAULT_PORT),
            Field::Absent => self.ports.iter().find(|p| p.default).map(|p| p.port),
        }
    }

    /// The revision whose shape this template has: only 2026-08-21 sends `default_port` and
    /// `revision` (system templates included); 2026-06-25 sends `ports` instead.
    pub fn api_revision(&self) -> ApiRevision {
        if self.default_port.is_absent() && self.revision.is_absent() {
            ApiRevision::R2026_06_25
        } else {
            ApiRevision::R2026_08_21
        }
    }
}

impl RevisionHint for Template {
    fn revision_hint(&self) -> Option<ApiRevision> {
        Some(self.api_revision())
    }
}

/// One published revision of a workspace template (2026-08-21).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRevision {
    pub revision: i64,
    #[serde(default, deserialize_with = "lenient")]
    pub image_digest: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub created: Option<i64>,
}

/// A template's port (no URL: URLs exist only on instances).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplatePort {
    pub port: u16,
    #[serde(default)]
    pub default: bool,
}

/// Whether a template is built in or the workspace's own; unknown scopes are kept as text.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TemplateScope {
    System,
    Workspace,
    Other(String),
}

impl TemplateScope {
    pub fn as_str(&self) -> &str {
        match self {
            Self::System => "system",
            Self::Workspace => "workspace",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for TemplateScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TemplateScope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TemplateScope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(match s.as_str() {
            "system" => Self::System,
            "workspace" => Self::Workspace,
            _ => Self::Other(s),
        })
    }
}

/// Body of `POST /templates`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CreateTemplate {
    pub name: String,
    pub image_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<TemplatePort>>,
    /// 2026-08-21 only (sent only when configured).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_port: Option<u16>,
}

impl CreateTemplate {
    /// Whether `t` is what this body would have made (used after an ambiguous create answered
    /// by `template_conflict` on the retry).
    pub fn matches(&self, t: &Template) -> bool {
        t.name == self.name
            && t.image_ref.as_deref() == Some(self.image_ref.as_str())
            && empty_str_is_none(t.description.as_deref())
                == empty_str_is_none(self.description.as_deref())
            && t.ports.as_slice() == self.ports.as_deref().unwrap_or(&[])
            && self
                .default_port
                .is_none_or(|p| t.default_port.get() == Some(p))
    }
}

/// Body of `PATCH /templates/{name}`: `ports` replaces the list whole.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PatchTemplate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_ref: Option<String>,
    #[serde(skip_serializing_if = "Patch::is_absent")]
    pub description: Patch<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ports: Option<Vec<TemplatePort>>,
    /// 2026-08-21 only; null sets the fallback (3737).
    #[serde(skip_serializing_if = "Patch::is_absent")]
    pub default_port: Patch<u16>,
}
