//! What a refresh says about an instance that needs attention: `failed`, or suspended for lack
//! of funds (`past_due`). Neither is drift a plan shows by itself in every case (a past-due
//! instance reads as stopped or as a sleeper, which plans "No changes"), so the refresh warns.
//! Pure; unit-tested at the bottom.

use crate::api::{self, InstanceStatus};
use crate::sdk::{Diagnostics, Path};

use super::model::Instance;

pub const FAILED_SUMMARY: &str = "Instance is failed";
pub const PAST_DUE_SUMMARY: &str = "Instance is past due";

/// The warnings a refresh that read `inst` shows (none for a healthy instance).
pub fn refresh_warnings(inst: &api::Instance) -> Diagnostics {
    let mut d = Diagnostics::new();
    if inst.status == InstanceStatus::Failed {
        let reason = inst
            .status_reason
            .as_ref()
            .map(|r| {
                let detail = r
                    .detail
                    .as_deref()
                    .map_or(String::new(), |t| format!(": {t}"));
                format!(" ({}: {}{detail})", r.code, r.message.trim_end_matches('.'))
            })
            .unwrap_or_default();
        d.attr_warning(
            Path::attr(Instance::STATUS),
            FAILED_SUMMARY,
            format!(
                "The refresh found instance {} failed{reason}. The plan shows its repair: an apply brings it back with the API's `update` (its data is kept).",
                inst.id
            ),
        );
    }
    if inst.past_due {
        d.attr_warning(
            Path::attr(Instance::PAST_DUE),
            PAST_DUE_SUMMARY,
            format!(
                "Instance {} is suspended for lack of funds (status `{}`). Top up the workspace's wallet in the Agent37 dashboard; then start it (an apply with `state = \"running\"`), or, on API revision 2026-08-21, let any request to its URLs wake it.",
                inst.id,
                inst.status.as_str()
            ),
        );
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn inst(extra: serde_json::Value) -> api::Instance {
        let mut v = json!({
            "id": "abc123defg", "status": "running", "template": "agent37-hermes",
            "image_ref": "img", "resources": {"cpu": 2, "memory": 4, "disk": 6},
            "past_due": false, "created": 1
        });
        if let (Some(m), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
            m.extend(extra.clone());
        }
        serde_json::from_value(v).expect("an instance")
    }

    #[test]
    fn a_healthy_instance_warns_nothing() {
        assert!(refresh_warnings(&inst(json!({}))).is_empty());
        assert!(refresh_warnings(&inst(json!({"status": "stopped"}))).is_empty());
    }

    #[test]
    fn failed_and_past_due_instances_warn_on_their_attribute() {
        let failed = inst(json!({"status": "failed", "status_reason": {
            "code": "provisioning_failed", "message": "Container exited.",
            "detail": "exit 1", "operation": "create", "at": 5}}));
        let d = refresh_warnings(&failed);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].summary, FAILED_SUMMARY);
        assert_eq!(d.0[0].attribute, Some(Path::attr("status")));
        assert_eq!(
            d.0[0].detail,
            "The refresh found instance abc123defg failed (provisioning_failed: Container exited: exit 1). The plan shows its repair: an apply brings it back with the API's `update` (its data is kept)."
        );
        let broke = inst(json!({"status": "stopped", "past_due": true}));
        let d = refresh_warnings(&broke);
        assert_eq!(d.0.len(), 1);
        assert_eq!(d.0[0].summary, PAST_DUE_SUMMARY);
        assert_eq!(d.0[0].attribute, Some(Path::attr("past_due")));
        assert!(
            d.0[0].detail.contains("(status `stopped`)"),
            "{}",
            d.0[0].detail
        );
        assert!(!d.has_errors());
    }
}
