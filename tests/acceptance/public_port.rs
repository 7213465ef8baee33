//! `agent37_instance_public_port` and `agent37_instance_public_ports` under API revision
//! 2026-08-21: create (a secret slug URL, a prefixed one), import by `<instance_id>/<port>`
//! (CLI, block, identity), replacement, out-of-band delete, the `public_port_exists` conflict
//! with its import hint, a reserved port refused on its attribute, destroy.
//!
//! The instance is made through the API, so these tests hold whatever `agent37_instance` does.

use testkit::prelude::*;

use crate::common::{actions, managed_actions};

const A: &str = "agent37_instance_public_port.a";
const B: &str = "agent37_instance_public_port.b";

/// The public ports of `id` as the API lists them.
pub fn public_ports(emu: &Emulator, id: &str) -> Vec<Value> {
    emu.api_ok("GET", &format!("/instances/{id}/public-ports"), None)["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// The entry of `port` among `entries`.
#[track_caller]
fn entry(entries: &[Value], port: u16) -> Value {
    entries
        .iter()
        .find(|e| e["port"] == port)
        .cloned()
        .unwrap_or_else(|| panic!("no entry for port {port}: {entries:#?}"))
}

fn ports_config(id: &str, b_label: &str) -> String {
    config(&format!(
        r#"
resource "agent37_instance_public_port" "a" {{
  instance_id = "{id}"
  port        = 9100
}}

resource "agent37_instance_public_port" "b" {{
  instance_id = "{id}"
  port        = 9200
  prefix      = "hooks"
  label       = "{b_label}"
}}

data "agent37_instance_public_ports" "all" {{
  instance_id = "{id}"
  depends_on  = [agent37_instance_public_port.a, agent37_instance_public_port.b]
}}

output "ports" {{
  value = [for p in data.agent37_instance_public_ports.all.public_ports : p.port]
}}
"#
    ))
}

fn lifecycle(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "ports"}));
    let mut case = m.case(&emu);
    case.check_destroy(|| assert_eq!(public_ports(&emu, &id), Vec::<Value>::new()));

    // Create both: the server's entries are in state, the slug URL too (sensitive).
    let plan = case.plan(ports_config(&id, "webhooks"));
    assert_eq!(
        managed_actions(&plan),
        actions(&[(A, &["create"]), (B, &["create"])])
    );
    case.reapply();
    let entries = public_ports(&emu, &id);
    assert_eq!(entries.len(), 2, "{entries:#?}");
    assert_eq!(
        (
            &entry(&entries, 9200)["prefix"],
            &entry(&entries, 9200)["label"]
        ),
        (&json!("hooks"), &json!("webhooks"))
    );
    let a = case.tf().state_values(A);
    assert_eq!(a["url"], entry(&entries, 9100)["url"]);
    assert!(a["prefix"].is_null() && a["label"].is_null(), "{a}");
    let b = case.tf().state_values(B);
    assert_eq!(
        b["url"],
        format!("http://hooks-{id}.localhost:{}", emu.port()).as_str()
    );
    assert_eq!(b["created"], entry(&entries, 9200)["created"]);
    // The API lists in creation order, and Terraform creates the two ports concurrently: the
    // order is the race's, so the set is what is checked.
    let mut listed: Vec<u64> = case.tf().output_json()["ports"]["value"]
        .as_array()
        .map(|ports| ports.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default();
    listed.sort_unstable();
    assert_eq!(listed, [9100, 9200]);

    // Imported again by `<instance_id>/<port>` (CLI, block, identity).
    case.verify_import(A, &format!("{id}/9100"), &[]);
    case.verify_import(B, &format!("{id}/9200"), &[]);

    // A new label replaces the entry (the API has no PATCH).
    let plan = case.plan(ports_config(&id, "hooks v2"));
    assert_eq!(
        managed_actions(&plan),
        actions(&[(B, &["delete", "create"])])
    );
    case.reapply();
    let entries = public_ports(&emu, &id);
    assert_eq!(entry(&entries, 9200)["label"], "hooks v2");

    // Deleted out of band: planned and made again, with a new slug.
    let old_url = entry(&entries, 9100)["url"].clone();
    emu.api_ok(
        "DELETE",
        &format!("/instances/{id}/public-ports/9100"),
        None,
    );
    let plan = case.replan();
    assert_eq!(managed_actions(&plan), actions(&[(A, &["create"])]));
    case.reapply();
    let entries = public_ports(&emu, &id);
    assert_eq!(entries.len(), 2);
    assert_ne!(case.tf().state_values(A)["url"], old_url);

    // The same port twice: the API's conflict, and how to import the existing entry.
    let twice = format!(
        "{}\nresource \"agent37_instance_public_port\" \"again\" {{\n  instance_id = \"{id}\"\n  port        = 9100\n}}\n",
        ports_config(&id, "hooks v2")
    );
    case.step(
        Step::apply(twice).expect_error(
            Diag::error("Unable to make the port public")
                .detail_contains("public_port_exists")
                .detail_contains(&format!(
                    "terraform import agent37_instance_public_port.<name> {id}/9100"
                )),
        ),
    );

    // A reserved port is refused before any call, on its attribute.
    let reserved = format!(
        "{}\nresource \"agent37_instance_public_port\" \"ssh\" {{\n  instance_id = \"{id}\"\n  port        = 22022\n}}\n",
        ports_config(&id, "hooks v2")
    );
    case.step(
        Step::plan(reserved).expect_error(
            Diag::error("Reserved port")
                .attribute("port")
                .detail_contains("22022 is the SSH tunnel"),
        ),
    );

    case.step(Step::destroy().config(ports_config(&id, "hooks v2")));
}

matrix!(lifecycle: tf_1_15; api_2026_08_21);
