//! `auto_update`: whether an instance is behind its template, what the plan shows for the pull,
//! and the private state that carries the planned target from the plan to the apply. Pure;
//! unit-tested at the bottom. The I/O (reading the template at plan, the `update` call at
//! apply) is in `resource`.
//!
//! Why a planned target: the plan reads the template and shows the image the update installs;
//! the apply installs exactly that target or refuses (the template moved since the plan), so
//! the state after one apply is what the plan said and the next plan is empty.

use serde::{Deserialize, Serialize};

use crate::api::{self, ApiRevision};
use crate::provider::revision::PlanStamp;
use crate::sdk::PrivateState;
use crate::sdk::model::Attr;

use super::model::Instance;

/// What an update of the instance installs: the template's image (null for a template a cloud
/// build published) and, for a workspace template on API revision 2026-08-21, its revision.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    #[serde(default)]
    pub image_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<i64>,
}

impl Target {
    /// The template's current target.
    pub fn of(template: &api::Template) -> Target {
        Target {
            image_ref: template.image_ref.clone(),
            revision: template.revision.get(),
        }
    }
}

/// What the instance runs, as the comparison needs it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Installed<'a> {
    pub image_ref: Option<&'a str>,
    /// 2026-08-21: the workspace revision installed (null: a system template, or an instance
    /// made before revisions existed, which counts as 1).
    pub template_revision: Option<i64>,
}

/// Whether the comparison needs the instance's `template_revision`: only a template with a
/// revision number (a workspace template on 2026-08-21) is compared by it.
pub fn compares_revision(template: &api::Template) -> bool {
    template.revision.get().is_some()
}

/// The template's target when the instance is behind it, else `None`.
///
/// - A template with a `revision` (workspace, 2026-08-21): behind when the instance's
///   `template_revision` (null counts as 1, contract §3.1) differs. A build publishes a new
///   revision with no `image_ref` at all, so the image alone cannot tell.
/// - Otherwise (2026-06-25, system templates): behind when the template's `image_ref` differs
///   from the instance's. A template that names no image tells nothing.
pub fn behind(installed: Installed<'_>, template: &api::Template) -> Option<Target> {
    let target = Target::of(template);
    let is_behind = match target.revision {
        Some(revision) => installed.template_revision.unwrap_or(1) != revision,
        None => target.image_ref.is_some() && target.image_ref.as_deref() != installed.image_ref,
    };
    is_behind.then_some(target)
}

/// Whether the template still points where the plan saw it (checked at apply before the pull).
pub fn unmoved(planned: &Target, template: &api::Template) -> bool {
    *planned == Target::of(template)
}

/// The planned values of a pull: the image the update installs, shown; what its restart may
/// move (status, billing) is unknown.
pub fn plan_pull(planned: &mut Instance, target: &Target) {
    planned.image_ref = Attr::from_option(target.image_ref.clone());
    planned.status = Attr::unknown();
    planned.paid_through = Attr::unknown();
    planned.past_due = Attr::unknown();
}

// ---------------------------------------------------------------------------------------------
// Private state
// ---------------------------------------------------------------------------------------------

/// The private state of `agent37_instance`: the API revision the plan decided with (see
/// `provider::revision`) and the pull `auto_update` planned. Stored as
/// `{"api_revision": "…", "pull": {"image_ref": …, "revision": …}}`, each key only when set,
/// so the revision stamp alone reads as before.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Private {
    pub revision: Option<ApiRevision>,
    pub pull: Option<Target>,
}

#[derive(Default, Serialize, Deserialize)]
struct PrivateJson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_revision: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pull: Option<Target>,
}

impl PrivateState for Private {
    fn decode(bytes: &[u8]) -> Private {
        let json: PrivateJson = serde_json::from_slice(bytes).unwrap_or_default();
        Private {
            revision: json.api_revision.and_then(|r| r.parse().ok()),
            pull: json.pull,
        }
    }

    fn encode(&self) -> Vec<u8> {
        if *self == Private::default() {
            return Vec::new();
        }
        serde_json::to_vec(&PrivateJson {
            api_revision: self.revision.map(|r| r.as_str().to_owned()),
            pull: self.pull.clone(),
        })
        .unwrap_or_default()
    }
}

impl PlanStamp for Private {
    fn planned_revision(&self) -> Option<ApiRevision> {
        self.revision
    }

    fn set_planned_revision(&mut self, revision: Option<ApiRevision>) {
        self.revision = revision;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(v: serde_json::Value) -> api::Template {
        serde_json::from_value(v).expect("a template")
    }

    #[test]
    fn behind_by_image_on_2026_06_25_and_system_templates() {
        let t = template(json!({"name": "custom", "scope": "workspace", "image_ref": "acme/a:v2"}));
        assert!(!compares_revision(&t));
        let old = Installed {
            image_ref: Some("acme/a:v1"),
            template_revision: None,
        };
        assert_eq!(
            behind(old, &t),
            Some(Target {
                image_ref: Some("acme/a:v2".into()),
                revision: None
            })
        );
        let current = Installed {
            image_ref: Some("acme/a:v2"),
            ..old
        };
        assert_eq!(behind(current, &t), None);
        // A template that names no image (and no revision) tells nothing.
        let blank = template(json!({"name": "custom", "scope": "workspace"}));
        assert_eq!(behind(old, &blank), None);
    }

    #[test]
    fn behind_by_revision_for_a_workspace_template_on_2026_08_21() {
        // Build-born: no image on either side; only the revision tells.
        let t = template(
            json!({"name": "crawler", "scope": "workspace", "revision": 2,
                                "default_port": null}),
        );
        assert!(compares_revision(&t));
        let at = |rev: Option<i64>| Installed {
            image_ref: None,
            template_revision: rev,
        };
        assert_eq!(
            behind(at(Some(1)), &t),
            Some(Target {
                image_ref: None,
                revision: Some(2)
            })
        );
        assert_eq!(behind(at(Some(2)), &t), None);
        // Null counts as 1 (an instance made before revisions existed).
        let first = template(
            json!({"name": "crawler", "scope": "workspace", "revision": 1,
                                    "image_ref": "acme/a:v1"}),
        );
        assert_eq!(behind(at(None), &first), None);
        // Same image string, newer revision (a rebuild with the same digest): behind.
        let rebuilt = template(
            json!({"name": "crawler", "scope": "workspace", "revision": 3,
                                      "image_ref": "acme/a:v1"}),
        );
        let same_image = Installed {
            image_ref: Some("acme/a:v1"),
            template_revision: Some(2),
        };
        assert!(behind(same_image, &rebuilt).is_some());
        assert!(unmoved(&Target::of(&rebuilt), &rebuilt));
        assert!(!unmoved(&Target::of(&rebuilt), &first));
    }

    #[test]
    fn a_pull_shows_the_target_image_and_unknown_status() {
        let mut planned = Instance {
            image_ref: "acme/a:v1".into(),
            status: "running".into(),
            paid_through: 100.into(),
            past_due: false.into(),
            ..Instance::default()
        };
        plan_pull(
            &mut planned,
            &Target {
                image_ref: Some("acme/a:v2".into()),
                revision: None,
            },
        );
        assert_eq!(planned.image_ref.as_str(), Some("acme/a:v2"));
        assert!(planned.status.is_unknown() && planned.paid_through.is_unknown());
        assert!(planned.past_due.is_unknown());
        plan_pull(&mut planned, &Target::default());
        assert!(
            planned.image_ref.is_null(),
            "a build-born template's image is null"
        );
    }

    #[test]
    fn private_state_round_trips_and_reads_the_plain_stamp() {
        assert_eq!(Private::default().encode(), Vec::<u8>::new());
        let p = Private {
            revision: Some(ApiRevision::R2026_08_21),
            pull: Some(Target {
                image_ref: None,
                revision: Some(4),
            }),
        };
        assert_eq!(Private::decode(&p.encode()), p);
        let stamp = br#"{"api_revision":"2026-06-25"}"#;
        assert_eq!(
            Private::decode(stamp),
            Private {
                revision: Some(ApiRevision::R2026_06_25),
                pull: None
            }
        );
        assert_eq!(Private::decode(b"not json"), Private::default());
    }
}
