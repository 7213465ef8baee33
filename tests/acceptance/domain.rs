//! `agent37_domain`, `agent37_domain_verification`, the `agent37_domain_verify` action and the
//! domain data sources under API revision 2026-08-21: register, verify (the emulator activates
//! a domain at its first verify), import (CLI, block, identity), out-of-band delete, a
//! verification that runs out of time, replacement, destroy.

use testkit::prelude::*;

use crate::common::{actions, managed_actions};

const D: &str = "agent37_domain.d";
const V: &str = "agent37_domain_verification.v";

/// The workspace's domains as the API lists them.
fn domains(emu: &Emulator) -> Vec<Value> {
    emu.api_ok("GET", "/domains", None)["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Domains need $100 of top-ups (contract 7.2).
pub fn allow_domains(emu: &Emulator) {
    emu.control_ok(
        "PATCH",
        &format!("workspaces/{}", emu.api_key()),
        Some(&json!({"topups_total_micros": 100_000_000})),
    );
}

fn domain_config(name: &str) -> String {
    config(&format!(
        r#"
resource "agent37_domain" "d" {{
  domain = "{name}"
}}

resource "agent37_domain_verification" "v" {{
  domain = agent37_domain.d.domain
}}

data "agent37_domain" "one" {{
  domain = agent37_domain_verification.v.domain
}}

data "agent37_domains" "all" {{
  depends_on = [agent37_domain_verification.v]
}}

action "agent37_domain_verify" "check" {{
  config {{
    domain = "{name}"
  }}
}}

output "status" {{
  value = data.agent37_domain.one.status
}}

output "names" {{
  value = data.agent37_domains.all.names
}}
"#
    ))
}

fn lifecycle(m: Matrix) {
    let emu = m.emulator(&[]);
    allow_domains(&emu);
    let mut case = m.case(&emu);
    case.check_destroy(|| assert_eq!(domains(&emu), Vec::<Value>::new()));

    // Register and verify: the domain is pending when made, active once verified.
    let plan = case.plan(domain_config("bots-example.net"));
    assert_eq!(
        managed_actions(&plan),
        actions(&[(D, &["create"]), (V, &["create"])])
    );
    assert_eq!(plan.change(D)["after"]["status"], "pending");
    assert_eq!(plan.change(V)["after"]["status"], "active");
    case.reapply();
    let all = domains(&emu);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["status"], "active");
    assert_eq!(emu.count("POST /v1/domains/{domain}/verify"), 1);
    let state = case.tf().state_values(D);
    assert_eq!(
        state["nameservers"],
        json!(["ns1.emulator.invalid", "ns2.emulator.invalid"])
    );
    assert_eq!(state["dns_name"], "bots-example.net");
    assert_eq!(state["created"], all[0]["created"]);
    assert_eq!(case.tf().state_values(V)["status"], "active");
    assert_eq!(case.tf().output_json()["status"]["value"], "active");
    assert_eq!(
        case.tf().output_json()["names"]["value"],
        json!(["bots-example.net"])
    );

    // The action: one verify call, its status in the progress.
    let out = case
        .step(Step::invoke("agent37_domain_verify.check"))
        .output;
    assert!(
        out.stdout.contains("Domain bots-example.net is active"),
        "{out}"
    );

    // The verification activated the domain after it was made: a refresh shows it.
    case.step(Step::refresh_only());
    assert_eq!(case.tf().state_values(D)["status"], "active");

    // Imported again (CLI, block, identity): the same state, then an empty plan.
    case.verify_import(D, "bots-example.net", &[]);

    // Deleted out of band: the domain and its verification are planned and made again.
    emu.api_ok("DELETE", "/domains/bots-example.net", None);
    let plan = case.replan();
    assert_eq!(
        managed_actions(&plan),
        actions(&[(D, &["create"]), (V, &["create"])])
    );
    case.reapply();
    assert_eq!(domains(&emu)[0]["status"], "active");

    // The same domain registered twice: the API's conflict, and how to import the domain.
    let twice = format!(
        "{}\nresource \"agent37_domain\" \"again\" {{\n  domain = \"bots-example.net\"\n}}\n",
        domain_config("bots-example.net")
    );
    case.step(
        Step::apply(twice).expect_error(
            Diag::error("Unable to register domain")
                .detail_contains("domain_exists")
                .detail_contains("terraform import agent37_domain.<name> bots-example.net"),
        ),
    );
    assert_eq!(domains(&emu).len(), 1);

    // Another domain replaces both; with verification by the control route only, the
    // verification runs out of `timeouts.create` and says where the NS records must point.
    emu.control_ok("POST", "config", Some(&json!({"domain_verify_polls": 0})));
    let slow = domain_config("other-example.org").replace(
        "  domain = agent37_domain.d.domain\n",
        "  domain = agent37_domain.d.domain\n  timeouts {\n    create = \"3s\"\n  }\n",
    );
    let plan = case.plan(slow.clone());
    assert_eq!(
        managed_actions(&plan),
        actions(&[(D, &["delete", "create"]), (V, &["delete", "create"])])
    );
    case.step(
        Step::apply(slow).expect_error(
            Diag::error("Domain other-example.org not verified")
                .detail_contains("still pending")
                .detail_contains("ns1.emulator.invalid, ns2.emulator.invalid"),
        ),
    );
    let all = domains(&emu);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(
        (&all[0]["domain"], &all[0]["status"]),
        (&json!("other-example.org"), &json!("pending"))
    );
    // Activated at the registrar's pace: the next apply verifies it.
    emu.control_ok(
        "POST",
        "domains/other-example.org/activate",
        Some(&json!({})),
    );
    case.reapply();
    assert_eq!(case.tf().state_values(V)["status"], "active");

    case.destroy();
}

matrix!(lifecycle: tf_1_15; api_2026_08_21);
