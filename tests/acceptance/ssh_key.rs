//! `agent37_ssh_key` and its data sources under API revision 2026-08-21: create with what the
//! key decides known at plan, import (CLI, block, identity), replacement on each argument,
//! out-of-band delete, the `ssh_key_exists` conflict with its import hint, destroy.

use testkit::prelude::*;

use crate::common::{actions, managed_actions};

/// Made with `ssh-keygen -t ed25519 -C ci-runner`; `ssh-keygen -l` prints `REAL_FP`.
pub const REAL: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILaLgH/WiNU0UD5AyS9fxdCnoP4C3ZGqU/o7Eoq7Xb/1 ci-runner";
pub const REAL_FP: &str = "SHA256:kj7Vwa6FyYSaniaTv1lG4m+wDcYYTUsut2saaboqVvY";
/// An ed25519 key whose 32 key bytes are all 2, without a comment.
pub const OTHER: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC";
pub const OTHER_FP: &str = "SHA256:baqJQcVDEweKmw1OiZxGooCG2MGxYtwsQQzzOstxmiA";

const K: &str = "agent37_ssh_key.k";

/// The workspace's keys as the API lists them.
pub fn keys(emu: &Emulator) -> Vec<Value> {
    emu.api_ok("GET", "/ssh-keys", None)["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn key_config(public_key: &str, name: Option<&str>) -> String {
    let name = name
        .map(|n| format!("  name       = \"{n}\"\n"))
        .unwrap_or_default();
    config(&format!(
        r#"
resource "agent37_ssh_key" "k" {{
  public_key = "{public_key}"
{name}}}

data "agent37_ssh_key" "by_id" {{
  id = agent37_ssh_key.k.id
}}

data "agent37_ssh_keys" "all" {{
  depends_on = [agent37_ssh_key.k]
}}

output "found" {{
  value = data.agent37_ssh_key.by_id
}}

output "all_ids" {{
  value = data.agent37_ssh_keys.all.ids
}}
"#
    ))
}

fn lifecycle(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.check_destroy(|| assert_eq!(keys(&emu), Vec::<Value>::new()));

    // Create: the fingerprint, the type and the default name (the comment) are known at plan.
    let plan = case.plan(key_config(REAL, None));
    assert_eq!(plan.actions()[K], ["create"]);
    let after = &plan.change(K)["after"];
    assert_eq!(after["fingerprint"], REAL_FP);
    assert_eq!(after["type"], "ssh-ed25519");
    assert_eq!(after["name"], "ci-runner");
    // Write-only: the key text is in no plan.
    assert!(after["public_key"].is_null(), "{after}");
    case.reapply();
    let all = keys(&emu);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["fingerprint"], REAL_FP);
    assert_eq!(all[0]["name"], "ci-runner");
    let id = case.tf().id_of(K);
    assert_eq!(all[0]["id"], id.as_str());
    let state = case.tf().state_values(K);
    assert!(state["public_key"].is_null(), "{state}");
    assert_eq!(state["created"], all[0]["created"]);
    let found = case.tf().output_json()["found"]["value"].clone();
    assert_eq!(
        (&found["fingerprint"], &found["name"]),
        (&json!(REAL_FP), &json!("ci-runner"))
    );
    assert_eq!(case.tf().output_json()["all_ids"]["value"], json!([id]));

    // Imported again (CLI, block, identity): the same state, then an empty plan.
    case.verify_import(K, &id, &[]);

    // A name replaces the key (the API cannot rename).
    let plan = case.plan(key_config(REAL, Some("laptop")));
    assert_eq!(
        managed_actions(&plan),
        actions(&[(K, &["delete", "create"])])
    );
    case.reapply();
    let all = keys(&emu);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["name"], "laptop");
    assert_ne!(all[0]["id"], id.as_str());

    // Another key replaces it too; the same key with another comment does not.
    let plan = case.plan(key_config(OTHER, Some("laptop")));
    assert_eq!(
        managed_actions(&plan),
        actions(&[(K, &["delete", "create"])])
    );
    assert_eq!(plan.change(K)["after"]["fingerprint"], OTHER_FP);
    case.reapply();
    assert_eq!(keys(&emu)[0]["fingerprint"], OTHER_FP);
    let plan = case.plan(key_config(
        &format!("{OTHER} renamed-comment"),
        Some("laptop"),
    ));
    assert!(managed_actions(&plan).is_empty(), "{:?}", plan.actions());

    // Deleted out of band: planned and made again.
    let id = case.tf().id_of(K);
    emu.api_ok("DELETE", &format!("/ssh-keys/{id}"), None);
    let plan = case.plan(key_config(OTHER, Some("laptop")));
    assert_eq!(managed_actions(&plan), actions(&[(K, &["create"])]));
    case.reapply();
    assert_eq!(keys(&emu).len(), 1);

    // The same key registered twice: the API's conflict, and how to import the existing key.
    let id = case.tf().id_of(K);
    let twice = format!(
        "{}\nresource \"agent37_ssh_key\" \"again\" {{\n  public_key = \"{OTHER}\"\n}}\n",
        key_config(OTHER, Some("laptop"))
    );
    case.step(
        Step::apply(twice).expect_error(
            Diag::error("Unable to create SSH key")
                .detail_contains("ssh_key_exists")
                .detail_contains(&format!("terraform import agent37_ssh_key.<name> {id}")),
        ),
    );
    assert_eq!(keys(&emu).len(), 1);

    case.step(Step::destroy().config(key_config(OTHER, Some("laptop"))));
}

matrix!(lifecycle: tf_1_15; api_2026_08_21);
