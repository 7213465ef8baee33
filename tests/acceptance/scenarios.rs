//! The scenario examples applied as written, the way `cargo xtask demo --scenario NAME` applies
//! them: every file of the folder (the configuration and the build context beside it), an empty
//! plan after the apply, and the emulator holding exactly what the scenario describes.

use serde_json::Value;
use testkit::prelude::*;

use crate::common::example;

/// `examples/scenarios/custom-domain-fleet/`: its configuration and the build context.
const FLEET: &str = "scenarios/custom-domain-fleet";
const FLEET_CONTEXT: &[&str] = &["agent/Dockerfile", "agent/skills/refunds.md"];

/// The scenario's folder as one apply step (the files keep their relative paths).
fn scenario_step(dir: &str, context: &[&str]) -> Step {
    context.iter().fold(
        Step::apply(example(&format!("{dir}/main.tf"))),
        |step, file| step.file(file, example(&format!("{dir}/{file}"))),
    )
}

fn custom_domain_fleet(m: Matrix) {
    let emu = m.emulator(&[]);
    // As `cargo xtask demo --scenario` starts it: the custom domain needs $100 of top-ups.
    crate::domain::allow_domains(&emu);
    let mut case = m.case(&emu);
    case.check_destroy(|| {
        assert!(
            emu.instances().is_empty(),
            "instances left: {:#?}",
            emu.instances()
        );
        let keys = emu.api_ok("GET", "/ssh-keys", None);
        assert_eq!(keys["data"], Value::Array(vec![]), "SSH keys left");
        let domains = emu.api_ok("GET", "/domains", None);
        assert_eq!(domains["data"], Value::Array(vec![]), "domains left");
    });
    case.step(scenario_step(FLEET, FLEET_CONTEXT));

    // The build made revision 1 of `support-agent`, and both users' instances run it, pinned,
    // with their env and auto-sleep, each with its public webhook port.
    let template = emu.template("support-agent");
    assert_eq!(template["revision"], 1, "{template:#}");
    let instances = emu.instances();
    assert_eq!(instances.len(), 2, "{instances:#?}");
    for (id, instance) in &instances {
        assert_eq!(instance["template"], "support-agent@1", "{instance:#}");
        assert_eq!(instance["auto_sleep"], true, "{instance:#}");
        assert_eq!(instance["idle_timeout_seconds"], 900, "{instance:#}");
        let control = emu.control_ok("GET", &format!("instances/{id}"), None);
        assert_eq!(
            control["env"]["MODEL_API_KEY"], "sk-demo-not-a-real-key",
            "the write-only env reached the instance: {control:#}"
        );
        let ports = emu.api_ok("GET", &format!("/instances/{id}/public-ports"), None);
        let ports = ports["data"].as_array().cloned().unwrap_or_default();
        assert_eq!(ports.len(), 1, "{ports:#?}");
        assert_eq!(ports[0]["port"], 9100);
    }
    let domain = emu.api_ok("GET", "/domains/support-agents-example.net", None);
    assert_eq!(domain["status"], "active", "{domain:#}");
    let keys = emu.api_ok("GET", "/ssh-keys", None);
    assert_eq!(keys["data"][0]["name"], "oncall", "{keys:#}");

    // The secret is in no state file.
    let state = case.tf().workdir().read("terraform.tfstate");
    assert!(
        !state.contains("sk-demo-not-a-real-key"),
        "the env secret is in the state"
    );

    case.destroy();
}
matrix!(custom_domain_fleet: tf_1_15, tf_1_11; api_2026_08_21);
