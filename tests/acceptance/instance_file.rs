//! `agent37_instance_file` under API revision 2026-08-21: files written on the instance's agent
//! plane (text and base64), the content write-only with its hash known at plan, an in-place
//! change, a file changed on the instance written back, import by `<instance_id>/<path>` (CLI,
//! block, identity), an out-of-band delete re-created, a new path replacing the file, a stopped
//! instance not asked (a warning) and a sleeper not woken by a refresh, destroy.
//!
//! The instance is made through the API; the plane is reached by the path form with the key.

use testkit::prelude::*;

use crate::common::{actions, managed_actions};

const SKILL: &str = "agent37_instance_file.skill";
const LOGO: &str = "agent37_instance_file.logo";

/// `METHOD` on the file API of instance `id`: the status and the JSON answer.
fn plane(emu: &Emulator, method: &str, id: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
    let r = emu
        .client()
        .send(
            method,
            &format!("/_instances/{id}/3737/v1/files/{path}"),
            body,
        )
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
    let json = r.try_json().unwrap_or(Value::Null);
    (r.status, json)
}

fn stat(emu: &Emulator, id: &str, path: &str) -> Option<Value> {
    match plane(emu, "GET", id, path, None) {
        (200, v) => Some(v),
        (404, v) if v["error"] == "file_not_found" => None,
        other => panic!("stat {path}: {other:?}"),
    }
}

fn files(id: &str, skill_path: &str, skill: &str) -> String {
    config(&format!(
        r#"
resource "agent37_instance_file" "skill" {{
  instance_id = "{id}"
  path        = "{skill_path}"
  content     = "{skill}"
}}

resource "agent37_instance_file" "logo" {{
  instance_id    = "{id}"
  path           = ".hermes/logo.bin"
  content_base64 = "AAEC/w=="
}}
"#
    ))
}

/// The hash the plane reports, worked out here from the configured text.
fn sha256(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn lifecycle(m: Matrix) {
    let emu = m.emulator(&[]);
    let id = emu.create_instance(&json!({"name": "files"}));
    let mut case = m.case(&emu);
    case.check_destroy(|| {
        assert_eq!(stat(&emu, &id, "skills/search.md"), None);
        assert_eq!(stat(&emu, &id, ".hermes/logo.bin"), None);
    });

    // Written: the hash is known at plan and is the plane's.
    let plan = case.plan(files(&id, "skills/search.md", "Search the web."));
    assert_eq!(
        managed_actions(&plan),
        actions(&[(SKILL, &["create"]), (LOGO, &["create"])])
    );
    case.reapply();
    let on_plane = stat(&emu, &id, "skills/search.md").expect("written");
    let skill = case.tf().state_values(SKILL);
    assert_eq!(skill["sha256"], on_plane["sha256"]);
    assert_eq!(skill["sha256"], sha256("Search the web.").as_str());
    assert_eq!(
        (skill["size"].clone(), skill["modified"].clone()),
        (json!(15), on_plane["modified"].clone())
    );
    assert!(skill["content"].is_null(), "write-only: {skill}");
    assert_eq!(
        stat(&emu, &id, ".hermes/logo.bin").expect("written")["size"],
        4
    );

    // Imported again by `<instance_id>/<path>` (CLI, block, identity): the hashes match.
    case.verify_import(SKILL, &format!("{id}/skills/search.md"), &[]);

    // New content: written in place.
    let plan = case.plan(files(
        &id,
        "skills/search.md",
        "Search the web, cite sources.",
    ));
    assert_eq!(managed_actions(&plan), actions(&[(SKILL, &["update"])]));
    case.reapply();
    assert_eq!(
        stat(&emu, &id, "skills/search.md").expect("file")["sha256"],
        sha256("Search the web, cite sources.").as_str()
    );

    // Changed on the instance: the next plan writes the configured content back.
    emu.advance_clock(&json!({"advance_seconds": 5}));
    let (s, _) = plane(
        &emu,
        "PUT",
        &id,
        "skills/search.md",
        Some(&json!({"content_base64": "aGFja2Vk"})),
    );
    assert_eq!(s, 200);
    let plan = case.replan();
    assert_eq!(managed_actions(&plan), actions(&[(SKILL, &["update"])]));
    case.reapply();
    assert_eq!(
        stat(&emu, &id, "skills/search.md").expect("file")["sha256"],
        sha256("Search the web, cite sources.").as_str()
    );

    // Deleted on the instance: written again.
    let (s, _) = plane(&emu, "DELETE", &id, ".hermes/logo.bin", None);
    assert_eq!(s, 200);
    let plan = case.replan();
    assert_eq!(managed_actions(&plan), actions(&[(LOGO, &["create"])]));
    case.reapply();
    assert!(stat(&emu, &id, ".hermes/logo.bin").is_some());

    // Another path replaces the file: the old one is deleted.
    let plan = case.plan(files(&id, "skills/web.md", "Search the web, cite sources."));
    assert_eq!(
        managed_actions(&plan),
        actions(&[(SKILL, &["delete", "create"])])
    );
    case.reapply();
    assert_eq!(stat(&emu, &id, "skills/search.md"), None);
    assert!(stat(&emu, &id, "skills/web.md").is_some());

    // Both forms of content at once, and a path outside the home folder: refused at validate.
    case.step(
        Step::plan(config(&format!(
            "resource \"agent37_instance_file\" \"bad\" {{\n  instance_id    = \"{id}\"\n  path           = \"/etc/passwd\"\n  content        = \"x\"\n  content_base64 = \"eA==\"\n}}\n"
        )))
        .expect_errors([
            Diag::error("Invalid file path").attribute("path"),
            Diag::error("Invalid file content").attribute("content"),
        ]),
    );

    case.apply(files(&id, "skills/web.md", "Search the web, cite sources."));

    // A stopped instance is not asked (a warning says so); a sleeper is not woken (it bills).
    let status = |s: &str| {
        emu.control_ok(
            "PATCH",
            &format!("instances/{id}"),
            Some(&json!({"status": s})),
        );
    };
    let plan_text = || {
        let out = case.tf().run(&["plan", "-no-color", "-detailed-exitcode"]);
        assert_eq!(out.code, Some(0), "no changes: {out}");
        format!("{}{}", out.stdout, out.stderr)
    };
    status("stopped");
    let text = plan_text();
    assert!(
        text.contains(&format!("File {id}/skills/web.md not checked")),
        "{text}"
    );
    status("sleeping");
    let text = plan_text();
    assert!(!text.contains("not checked"), "{text}");
    assert_eq!(emu.instance(&id)["status"], "sleeping");
    status("running");

    case.destroy();
    assert_eq!(stat(&emu, &id, "skills/web.md"), None);
}

matrix!(lifecycle: tf_1_15, tf_1_11; api_2026_08_21);
