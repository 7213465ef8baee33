//! The GitHub workflow files cannot run here, so their shape is checked: they parse as YAML,
//! run on the events they are for, and hold the jobs and steps the release process depends on.

use std::path::Path;

use serde_json::Value;

fn workflow(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".github/workflows")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{name} is not valid YAML: {e}"))
}

fn jobs(workflow: &Value) -> &serde_json::Map<String, Value> {
    workflow["jobs"].as_object().expect("a `jobs` mapping")
}

/// Every `run:` script of a job, joined.
fn scripts(job: &Value) -> String {
    job["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn uses(job: &Value) -> Vec<&str> {
    job["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect()
}

/// Runners named in a job, including those of its matrix.
fn runners(job: &Value) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(os) = job["runs-on"].as_str().filter(|os| !os.contains("${{")) {
        found.push(os.to_string());
    }
    if let Some(include) = job["strategy"]["matrix"]["include"].as_array() {
        found.extend(
            include
                .iter()
                .filter_map(|i| i["os"].as_str().map(String::from)),
        );
    }
    found
}

/// Every step is well formed: a `run` or a `uses` pinned to a version, never both or neither.
fn check_steps(name: &str, workflow: &Value) {
    for (job_name, job) in jobs(workflow) {
        assert!(
            job["runs-on"].is_string(),
            "{name}: {job_name} has no runs-on"
        );
        for step in job["steps"].as_array().expect("steps") {
            match (step.get("run"), step["uses"].as_str()) {
                (Some(run), None) => assert!(run.is_string(), "{name}: {job_name}: {step}"),
                (None, Some(action)) => {
                    let (_, version) = action
                        .split_once('@')
                        .unwrap_or_else(|| panic!("{name}: {action} is not pinned"));
                    // A release tag; dtolnay/rust-toolchain's refs name the toolchain.
                    let toolchain = action.starts_with("dtolnay/rust-toolchain@");
                    assert!(
                        version.starts_with('v') || (toolchain && version == "stable"),
                        "{name}: {action} is not pinned to a release"
                    );
                }
                _ => panic!("{name}: {job_name}: a step needs `run` or `uses`: {step}"),
            }
        }
    }
}

#[test]
fn the_test_workflow_runs_the_suite_and_builds_on_macos_and_windows() {
    let wf = workflow("test.yml");
    check_steps("test.yml", &wf);
    assert!(wf["on"].get("pull_request").is_some(), "{:#}", wf["on"]);
    assert_eq!(wf["on"]["push"]["branches"], serde_json::json!(["main"]));

    let jobs = jobs(&wf);
    let suite = &jobs["suite"];
    assert!(scripts(suite).contains("bash .ci/run"), "{suite:#}");
    assert!(runners(suite).iter().any(|r| r.starts_with("ubuntu")));

    let build = &jobs["build"];
    let os = runners(build);
    assert!(os.iter().any(|r| r.starts_with("macos")), "{os:?}");
    assert!(os.iter().any(|r| r.starts_with("windows")), "{os:?}");
    assert!(
        scripts(build).contains("cargo build --locked --release"),
        "{build:#}"
    );
}

#[test]
fn the_release_workflow_builds_signs_checks_and_publishes_on_tags() {
    let wf = workflow("release.yml");
    check_steps("release.yml", &wf);
    assert_eq!(wf["on"]["push"]["tags"], serde_json::json!(["v*"]));
    // Nothing may write to the repository except the publishing job.
    assert_eq!(wf["permissions"]["contents"], "read");

    let jobs = jobs(&wf);
    let build = &jobs["build"];
    let step = build["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("cargo xtask release --all"))
        })
        .expect("a step running `cargo xtask release --all`");
    // The key comes from the repository's secret, imported into the runner's keyring.
    assert_eq!(
        step["env"]["AGENT37_RELEASE_GPG_KEY"],
        "${{ steps.gpg.outputs.fingerprint }}"
    );
    let import = build["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "gpg")
        .expect("the key import step");
    assert_eq!(
        import["with"]["gpg_private_key"],
        "${{ secrets.GPG_PRIVATE_KEY }}"
    );
    assert!(scripts(build).contains("gpg --verify"), "{build:#}");

    // Each platform's binary is installed and started by Terraform on its own system.
    let smoke = &jobs["smoke"];
    let platforms: Vec<&str> = smoke["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| i["platform"].as_str())
        .collect();
    for platform in [
        "linux_amd64",
        "linux_arm64",
        "darwin_amd64",
        "darwin_arm64",
        "windows_amd64",
    ] {
        assert!(platforms.contains(&platform), "{platform} not smoke-tested");
    }
    assert!(scripts(smoke).contains("providers schema -json"));
    assert!(
        uses(smoke)
            .iter()
            .any(|u| u.starts_with("hashicorp/setup-terraform@"))
    );

    let publish = &jobs["publish"];
    assert_eq!(publish["needs"], serde_json::json!(["build", "smoke"]));
    assert_eq!(publish["permissions"]["contents"], "write");
    assert!(
        scripts(publish).contains("gh release create"),
        "{publish:#}"
    );
}
