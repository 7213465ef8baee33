//! Templates and the bodies of their calls.

use std::fmt;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};

use super::{Patch, empty_str_is_none};

// ---------------------------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------------------------

/// A template: a named image and the ports it serves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Template {
    pub name: String,
    pub scope: TemplateScope,
    #[serde(default)]
    pub agents: Vec<String>,
    pub image_ref: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub ports: Vec<TemplatePort>,
    #[serde(default)]
    pub created: Option<i64>,
    #[serde(default)]
    pub updated: Option<i64>,
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
}

impl CreateTemplate {
    /// Whether `t` is what this body would have made (used after an ambiguous create answered
    /// by `template_conflict` on the retry).
    pub fn matches(&self, t: &Template) -> bool {
        t.name == self.name
            && t.image_ref == self.image_ref
            && empty_str_is_none(t.description.as_deref())
                == empty_str_is_none(self.description.as_deref())
            && t.ports.as_slice() == self.ports.as_deref().unwrap_or(&[])
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
}
