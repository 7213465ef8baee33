//! Templates: workspace templates (with 2026-08-21 revisions) and the system catalog, rendered
//! under either revision.

use serde_json::{Map, Value, json};

use super::build_image_ref;
use crate::model::{self, Port, Revision};

/// One published revision of a workspace template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRevision {
    pub revision: i64,
    pub image_digest: String,
    /// The registry image of that revision; `None` for a build.
    pub image_ref: Option<String>,
    pub created: i64,
}

impl TemplateRevision {
    pub fn to_json(&self) -> Value {
        json!({"revision": self.revision, "image_digest": self.image_digest, "created": self.created})
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceTemplate {
    pub name: String,
    /// `None` for a template published by a cloud build.
    pub image_ref: Option<String>,
    pub description: Option<String>,
    /// 2026-06-25's ports; under 2026-08-21 only the default one matters.
    pub ports: Vec<Port>,
    pub default_port: Option<i64>,
    pub revision: i64,
    pub image_digest: Option<String>,
    pub created: i64,
    pub updated: i64,
}

/// The 2026-06-25 ports of a 2026-08-21 template: its default port, or none.
pub fn ports_for_default(default_port: Option<i64>) -> Vec<Port> {
    default_port
        .map(|port| {
            vec![Port {
                port,
                default: true,
            }]
        })
        .unwrap_or_default()
}

impl WorkspaceTemplate {
    pub fn image_ref_v1(&self, workspace: &str) -> String {
        match &self.image_ref {
            Some(r) => r.clone(),
            None => build_image_ref(workspace, &self.name, self.image_digest.as_deref()),
        }
    }

    /// The template as the list and a single GET show it; `revisions` only when given.
    pub fn to_json(
        &self,
        rev: Revision,
        workspace: &str,
        revisions: Option<&[TemplateRevision]>,
    ) -> Value {
        if !rev.is_v2() {
            return json!({
                "name": self.name,
                "scope": "workspace",
                "agents": [],
                "image_ref": self.image_ref_v1(workspace),
                "description": self.description,
                "ports": model::ports_to_json(&self.ports),
                "created": self.created,
                "updated": self.updated,
            });
        }
        let mut m = Map::new();
        m.insert("name".into(), self.name.clone().into());
        m.insert("scope".into(), "workspace".into());
        m.insert("agents".into(), json!([]));
        if let Some(r) = &self.image_ref {
            m.insert("image_ref".into(), r.clone().into());
        }
        m.insert("revision".into(), self.revision.into());
        m.insert("image_digest".into(), json!(self.image_digest));
        m.insert("description".into(), json!(self.description));
        m.insert("default_port".into(), json!(self.default_port));
        m.insert("created".into(), self.created.into());
        m.insert("updated".into(), self.updated.into());
        if let Some(list) = revisions {
            let items: Vec<Value> = list.iter().map(TemplateRevision::to_json).collect();
            m.insert("revisions".into(), Value::Array(items));
        }
        Value::Object(m)
    }

    /// The template as of revision `r` (a pinned GET).
    pub fn at_revision(&self, r: &TemplateRevision) -> WorkspaceTemplate {
        WorkspaceTemplate {
            image_ref: r.image_ref.clone(),
            revision: r.revision,
            image_digest: Some(r.image_digest.clone()),
            ..self.clone()
        }
    }
}

/// A system template rendered with an image (its current one, or a pinned release's).
pub fn system_template_json(t: &model::SystemTemplate, image_ref: &str, rev: Revision) -> Value {
    if !rev.is_v2() {
        return json!({
            "name": t.name,
            "scope": "system",
            "agents": [t.agent],
            "image_ref": image_ref,
            "description": t.description,
            "ports": model::ports_to_json(&t.ports()),
            "created": null,
            "updated": null,
        });
    }
    json!({
        "name": t.name,
        "scope": "system",
        "agents": [t.agent],
        "image_ref": image_ref,
        "revision": null,
        "description": t.description,
        "default_port": 3737,
        "created": null,
        "updated": null,
    })
}
