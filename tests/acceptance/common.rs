//! Small helpers shared by the areas of the acceptance tests.

use std::collections::BTreeMap;

use serde_json::json;
use testkit::{ApiRevision, Emulator};

/// `[("agent37_instance.a", &["update"])]` as the map `Plan::actions` returns.
pub fn actions(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(a, acts)| (a.to_string(), acts.iter().map(|s| s.to_string()).collect()))
        .collect()
}

/// `examples/<path>`, as the Registry shows it.
#[track_caller]
pub fn example(path: &str) -> String {
    let file = testkit::workspace_root().join("examples").join(path);
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()))
}

/// Check-destroy of the instance tests: the workspace holds no instance.
#[track_caller]
pub fn no_instances_left(emu: &Emulator) {
    let left = emu.instances();
    assert!(left.is_empty(), "instances left after destroy: {left:#?}");
}

/// `Plan::actions` without the data sources (those that depend on a changing resource are read
/// again at apply, which is no change of the infrastructure).
pub fn managed_actions(plan: &testkit::Plan) -> BTreeMap<String, Vec<String>> {
    plan.actions()
        .into_iter()
        .filter(|(address, _)| !address.starts_with("data."))
        .collect()
}

/// A workspace template registered through the API with default port `port`, in the shape the
/// revision the emulator serves takes: `ports` under 2026-06-25, `default_port` under 2026-08-21.
#[track_caller]
pub fn register_template(emu: &Emulator, name: &str, image: &str, port: u16) {
    let body = if emu.api_revision() == ApiRevision::R2026_08_21 {
        json!({"name": name, "image_ref": image, "default_port": port})
    } else {
        json!({"name": name, "image_ref": image, "ports": [{"port": port, "default": true}]})
    };
    emu.api_ok("POST", "/templates", Some(&body));
}
