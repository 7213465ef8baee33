//! `agent37_template_build` under API revision 2026-08-21: a folder built into a template
//! revision (the uploaded bytes are the hashed bytes), unchanged files planning nothing, a
//! changed file planning a new build, a failed build failing the apply with its code and log
//! tail, an import by id, and an instance pinned to the built revision that is read, listed
//! and imported (issue 13); refused at plan against 2026-06-25.

use testkit::prelude::*;

use crate::common::{actions, managed_actions};
use crate::newer::{query, set};

const B: &str = "agent37_template_build.b";
const I: &str = "agent37_instance.i";

const DOCKERFILE: &str =
    "FROM node:22-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n";

fn build_config(dir: &str, extra: &str) -> String {
    config(&format!(
        r#"
resource "agent37_template_build" "b" {{
  name         = "crawler"
  source_dir   = "{dir}"
  excludes     = ["*.log"]
  default_port = 9000
  description  = "Site crawler"
{extra}}}
"#
    ))
}

fn with_instance(dir: &str) -> String {
    format!(
        "{}\nresource \"agent37_instance\" \"i\" {{\n  name     = \"pinned\"\n  template = \"${{agent37_template_build.b.name}}@${{agent37_template_build.b.revision}}\"\n}}\n",
        build_config(dir, "")
    )
}

/// A short build: one emulator second building, none ingesting.
fn quick_builds(emu: &Emulator) {
    emu.control_ok(
        "POST",
        "config",
        Some(&json!({"build_seconds": 1, "ingest_seconds": 0})),
    );
}

fn lifecycle(m: Matrix) {
    let emu = m.emulator(&[]);
    quick_builds(&emu);
    let mut case = m.case(&emu);
    // A destroy only forgets builds: the template and its revisions stay.
    case.check_destroy(|| {
        assert!(emu.instances().is_empty());
        assert_eq!(emu.template("crawler")["revision"], 3);
    });
    let tf = case.tf();
    tf.write_file("agent/Dockerfile", DOCKERFILE);
    tf.write_file("agent/server.js", "console.log('up')\n");
    tf.write_file("agent/debug.log", "noise\n");

    // Create: the context hash is known at plan.
    let plan = case.plan(build_config("./agent", ""));
    assert_eq!(plan.actions()[B], ["create"]);
    let planned_hash = plan.change(B)["after"]["context_sha256"].clone();
    let hex = planned_hash.as_str().unwrap_or_default();
    assert!(
        hex.len() == 64 && hex.bytes().all(|c| c.is_ascii_hexdigit()),
        "{planned_hash}"
    );
    case.reapply();
    let state = case.tf().state_values(B);
    assert_eq!(state["context_sha256"], planned_hash);
    assert_eq!(
        (&state["status"], &state["revision"]),
        (&json!("succeeded"), &json!(1))
    );
    // The emulator's digest is the SHA-256 of the bytes uploaded: the hashed bytes.
    assert_eq!(state["image_digest"], format!("sha256:{hex}"));
    let id = case.tf().id_of(B);
    let build = emu.api_ok("GET", &format!("/template-builds/{id}"), None);
    assert_eq!(build["status"], "succeeded");
    assert_eq!(
        (&state["started"], &state["finished"]),
        (&build["started"], &build["finished"])
    );
    let template = emu.template("crawler");
    assert_eq!(
        (
            &template["revision"],
            &template["default_port"],
            &template["description"]
        ),
        (&json!(1), &json!(9000), &json!("Site crawler"))
    );
    assert!(
        template.get("image_ref").is_none_or(Value::is_null),
        "{template}"
    );
    // The log has one step per Dockerfile instruction: the Dockerfile sent is this one.
    let log = emu.api_ok("GET", &format!("/template-builds/{id}/logs"), None);
    assert!(
        log["data"]
            .as_str()
            .unwrap_or_default()
            .contains("RUN npm ci"),
        "{log}"
    );
    assert_eq!(emu.count("POST /v1/template-builds"), 1);

    // An excluded file changes nothing; the same files in another folder change nothing.
    tf_write(&case, "agent/other.log", "more noise\n");
    tf_write(&case, "copy/Dockerfile", DOCKERFILE);
    tf_write(&case, "copy/server.js", "console.log('up')\n");
    let plan = case.plan(build_config("./copy", ""));
    assert_eq!(managed_actions(&plan), actions(&[(B, &["update"])]));
    case.reapply();
    assert_eq!(emu.count("POST /v1/template-builds"), 1, "no new build");

    // A changed file plans a new build: a new revision.
    tf_write(&case, "copy/server.js", "console.log('v2')\n");
    let plan = case.replan();
    assert_eq!(
        managed_actions(&plan),
        actions(&[(B, &["delete", "create"])])
    );
    assert_ne!(plan.change(B)["after"]["context_sha256"], planned_hash);
    case.reapply();
    assert_eq!(case.tf().state_values(B)["revision"], 2);
    assert_eq!(emu.template("crawler")["revision"], 2);

    // An instance pinned to the built revision (a template without image_ref): created, read,
    // listed and imported. From here the folder is named by its absolute path: the import
    // checks plan in copies of the working directory, which hold only the configuration.
    let copy = case.tf().workdir().path().join("copy");
    let copy = copy.to_string_lossy().replace('\\', "/");
    let plan = case.plan(with_instance(&copy));
    assert_eq!(
        managed_actions(&plan),
        actions(&[(B, &["update"]), (I, &["create"])])
    );
    case.reapply();
    let iid = case.tf().id_of(I);
    let inst = emu.instance(&iid);
    assert_eq!(inst["template"], "crawler@2");
    assert!(inst["image_ref"].is_null(), "{inst}");
    assert_eq!(inst["template_revision"], 2);
    let istate = case.tf().state_values(I);
    assert_eq!(istate["template"], "crawler@2");
    case.tf().write_file(
        "all.tfquery.hcl",
        "list \"agent37_instance\" \"all\" {\n  provider = agent37\n}\n\nlist \"agent37_template\" \"all\" {\n  provider = agent37\n}\n",
    );
    let found = query(case.tf());
    assert_eq!(found["list.agent37_instance.all"], set(&[&iid]));
    assert_eq!(found["list.agent37_template.all"], set(&["crawler"]));
    case.tf().workdir().remove("all.tfquery.hcl");
    // The import reads the default port (9000) from the built template, as the create did.
    case.verify_import(I, &iid, &["type"]);

    // The build imported by id: the API shows no folder, so the configured one is adopted
    // by an in-place update that calls nothing (no new build).
    let bid = case.tf().id_of(B);
    case.tf().run_ok(&["state", "rm", B]);
    case.tf().run_ok(&["import", B, &bid]);
    let imported = case.tf().state_values(B);
    assert_eq!(
        (
            &imported["name"],
            &imported["revision"],
            &imported["source_dir"]
        ),
        (&json!("crawler"), &json!(2), &Value::Null)
    );
    let plan = case.replan();
    assert_eq!(managed_actions(&plan), actions(&[(B, &["update"])]));
    case.reapply();
    assert_eq!(emu.count("POST /v1/template-builds"), 2);

    // A failed build fails the apply with its code and the log's last lines; it stays in
    // state (tainted) and is built again at the next apply.
    emu.set_faults(&json!({"rules": [
        {"route": "POST /v1/template-builds/{id}/start", "kind": "image_ingest_failed"}
    ]}));
    tf_write(&case, "copy/server.js", "console.log('v3')\n");
    case.step(
        Step::apply(build_config(&copy, "")).expect_error(
            Diag::error("Unable to build template")
                .detail_contains("failed with code `image_ingest_failed`")
                .detail_contains("The last lines of the build log:"),
        ),
    );
    let failed = case.tf().state_entry(B);
    assert_eq!(failed["values"]["status"], "failed");
    assert_eq!(failed["tainted"], true, "{failed}");
    assert_eq!(emu.template("crawler")["revision"], 2, "nothing published");
    emu.clear_faults();
    let plan = case.replan();
    assert_eq!(
        managed_actions(&plan),
        actions(&[(B, &["delete", "create"])])
    );
    case.reapply();
    assert_eq!(case.tf().state_values(B)["revision"], 3);

    // `terraform query -generate-config-out` of the build-made template (it has no
    // image_ref): a valid configuration that imports with no change (issue 13).
    case.tf().write_file(
        "t.tfquery.hcl",
        "list \"agent37_template\" \"all\" {\n  provider = agent37\n}\n",
    );
    case.tf()
        .run_ok(&["query", "-generate-config-out=generated.tf"]);
    let generated = case.tf().workdir().read("generated.tf");
    assert!(generated.contains("name = \"crawler\""), "{generated}");
    assert!(!generated.contains("image_ref"), "{generated}");
    case.tf().workdir().remove("t.tfquery.hcl");
    let plan = case.replan();
    assert!(
        managed_actions(&plan).is_empty(),
        "import only: {:?}",
        plan.actions()
    );
    assert_eq!(plan.imported().len(), 1, "{:?}", plan.imported());
    case.reapply();
    let address = plan.imported().iter().next().cloned().unwrap_or_default();
    let imported = case.tf().state_values(&address);
    assert!(imported["image_ref"].is_null(), "{imported}");
    assert_eq!(imported["revision"], 3);
    // Handed back: the template outlives the build (see check_destroy).
    case.tf().workdir().remove("generated.tf");
    case.tf().run_ok(&["state", "rm", &address]);

    case.step(Step::destroy().config(build_config(&copy, "")));
}

fn tf_write(case: &Case, name: &str, contents: &str) {
    case.tf().write_file(name, contents);
}

matrix!(lifecycle: tf_1_15; api_2026_08_21);

/// Plan-time errors: a folder without a `Dockerfile` on `source_dir`, an unusable pattern on
/// `excludes`; against 2026-06-25 the one refusal naming the revision. Nothing is sent.
fn refused_at_plan(m: Matrix) {
    let emu = m.emulator(&[]);
    let mut case = m.case(&emu);
    case.tf()
        .write_file("empty/README.md", "no Dockerfile here\n");
    case.step(
        Step::plan(build_config("./empty", "")).expect_error(
            Diag::error("Unusable build context")
                .attribute("source_dir")
                .detail_contains("has no `Dockerfile` at its root"),
        ),
    );
    case.step(
        Step::plan(build_config("./missing", "")).expect_error(
            Diag::error("Unusable build context")
                .attribute("source_dir")
                .detail_contains("does not exist"),
        ),
    );
    case.tf().write_file("agent/Dockerfile", DOCKERFILE);
    case.step(
        Step::plan(config(
            "resource \"agent37_template_build\" \"b\" {\n  name       = \"crawler\"\n  source_dir = \"./agent\"\n  excludes   = [\"../secrets\"]\n}\n",
        ))
        .expect_error(Diag::error("Invalid exclude pattern").detail_contains("excludes[0]")),
    );
    // The switch at run time (the case borrows the emulator): the control route itself.
    emu.control_ok(
        "POST",
        "config",
        Some(&json!({"api_revision": "2026-06-25"})),
    );
    case.step(
        Step::plan(build_config("./agent", "")).expect_error(
            Diag::error("Not available in this API revision")
                .detail_contains("agent37_template_build needs API revision 2026-08-21")
                .detail_contains(&format!("the API at {} serves 2026-06-25", emu.base_url())),
        ),
    );
    assert_eq!(emu.count("POST /v1/template-builds"), 0);
}

matrix!(refused_at_plan: tf_1_15; api_2026_08_21);
