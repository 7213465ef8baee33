//! Refreshing a fleet of `agent37_instance`s through real Terraform: the reads share list
//! requests (far fewer requests than instances), and still see every drift and deletion.

use std::collections::BTreeMap;

use testkit::hcl::REQUIRED_PROVIDERS;
use testkit::prelude::*;

const FLEET: usize = 24;

fn config(ids: &[String], with_imports: bool) -> String {
    let list = ids
        .iter()
        .map(|id| format!("\"{id}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let imports = if with_imports {
        "import {\n  for_each = local.ids\n  to       = agent37_instance.fleet[each.value]\n  id       = each.value\n}\n"
    } else {
        ""
    };
    format!(
        "terraform {{\n  required_providers {{\n    agent37 = {{ source = \"agent37/agent37\" }}\n  }}\n}}\n\n\
         locals {{\n  ids = toset([{list}])\n}}\n\n{imports}\n\
         resource \"agent37_instance\" \"fleet\" {{\n  for_each = local.ids\n}}\n"
    )
}

/// Instance API requests since the last reset, by route.
#[track_caller]
fn instance_reads(emu: &Emulator) -> (u64, u64) {
    let counters = &emu.requests()["counters"];
    let n = |route: &str| counters[route].as_u64().unwrap_or(0);
    (n("GET /v1/instances"), n("GET /v1/instances/{id}"))
}

fn fleet_refresh(m: Matrix) {
    let emu = m.emulator(&["--instance-limit", "100"]);
    let ids: Vec<String> = (0..FLEET)
        .map(|_| emu.create_instance(&json!({})))
        .collect();
    let mut case = m.case(&emu);
    case.step(Step::apply(config(&ids, true)).no_plan_check(
        "the measured refresh below plans the same state without the import blocks (they are \
         done) and must be empty",
    ));
    let tf = case.tf();
    tf.write_main(&config(&ids, false));

    // A refresh of the whole fleet: a few shared lists, not one GET per instance.
    emu.reset_requests();
    tf.assert_no_changes();
    let (lists, gets) = instance_reads(&emu);
    assert!(
        lists >= 1 && lists + gets <= 6,
        "{FLEET} instances refreshed with {lists} lists and {gets} single GETs"
    );

    // Out of band: one instance deleted, one renamed. Reads served by a list see both.
    let (gone, renamed) = (&ids[3], &ids[5]);
    emu.api_ok("DELETE", &format!("/instances/{gone}"), None);
    emu.api_ok(
        "PATCH",
        &format!("/instances/{renamed}"),
        Some(&json!({"name": "renamed"})),
    );
    let plan = tf.plan_json();
    let expected: BTreeMap<String, Vec<String>> = [
        (
            format!("agent37_instance.fleet[\"{gone}\"]"),
            vec!["create".to_string()],
        ),
        (
            format!("agent37_instance.fleet[\"{renamed}\"]"),
            vec!["update".to_string()],
        ),
    ]
    .into();
    assert_eq!(plan.actions(), expected);
    let change = plan.change(&format!("agent37_instance.fleet[\"{renamed}\"]"));
    assert_eq!(change["before"]["name"], "renamed");
    assert_eq!(change["after"]["name"], Value::Null);
}

matrix!(fleet_refresh);

/// Issue 15, bug 1: a base URL without `/v1` (`http://127.0.0.1:PORT`) gets it added, so
/// imports and refreshes through it find the instance; it used to get the API's "no route"
/// `404 not_found`, which a refresh took for a deleted instance and dropped from the state.
fn base_url_without_v1(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "kept"}));
    let mut case = m.case(&emu);
    case.tf_mut().set_env("AGENT37_BASE_URL", emu.root_url());
    case.apply(format!(
        "{REQUIRED_PROVIDERS}\n\
         import {{\n  to = agent37_instance.a\n  id = \"{id}\"\n}}\n\n\
         resource \"agent37_instance\" \"a\" {{\n  name = \"kept\"\n}}\n"
    ));
    let state = case.tf().show_state_json();
    assert_eq!(
        state["values"]["root_module"]["resources"][0]["values"]["id"],
        id.as_str(),
        "{state}"
    );
    assert!(emu.instances().contains_key(&id));
}

matrix!(base_url_without_v1: tf_1_15);
