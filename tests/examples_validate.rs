//! Every example under `examples/` passes `terraform validate` with Terraform 1.15 and 1.11,
//! against the provider built from this checkout: what the docs show is valid HCL for the
//! provider's current schemas.
//!
//! An example directory is any folder holding `.tf` or `.tfquery.hcl` files (`provider/`,
//! `quickstart/`, `resources/<type>/`, `data-sources/<type>/`, `functions/<name>/`,
//! `scenarios/<name>/`…). Its files are validated together, so `import-by-string-id.tf` is
//! checked beside the `resource.tf` that declares the resource it imports into, and query files
//! with `terraform validate -query`.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use support::{Diagnostic, Terraform, TfVersion, Validation, workspace_root};

/// Added when an example does not say where `agent37` comes from (resource and data source
/// snippets usually don't), as the Registry's readers would have it in their configuration.
const REQUIRED_PROVIDERS: &str = r#"terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}
"#;

/// Files that Terraform 1.11 does not understand, left out when validating with it: import by
/// identity came with Terraform 1.12, actions with 1.14 (query files, also 1.14, are left out
/// by their suffix).
const NEWER_THAN_1_11: &[&str] = &["import-by-identity.tf", "action.tf"];

const QUERY_SUFFIX: &str = ".tfquery.hcl";

fn is_example_file(name: &str) -> bool {
    name.ends_with(".tf") || name.ends_with(QUERY_SUFFIX)
}

/// Every directory under `examples/` with `.tf` files, relative to the root, sorted.
fn example_dirs() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from("examples")];
    while let Some(rel) = stack.pop() {
        let entries = std::fs::read_dir(root.join(&rel))
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", rel.display()));
        let mut has_tf = false;
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("cannot list {}: {e}", rel.display()));
            let path = entry.path();
            if path.is_dir() {
                stack.push(rel.join(entry.file_name()));
            } else if is_example_file(&entry.file_name().to_string_lossy()) {
                has_tf = true;
            }
        }
        if has_tf {
            out.push(rel);
        }
    }
    out.sort();
    out
}

fn tf_files(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name()
                    .is_some_and(|n| is_example_file(&n.to_string_lossy()))
        })
        .map(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let text = std::fs::read_to_string(&p)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (name, text)
        })
        .collect();
    files.sort();
    files
}

/// Validates one example directory; returns what went wrong, if anything.
fn validate(version: TfVersion, rel: &Path) -> Option<String> {
    let tf = Terraform::new(version);
    let files = tf_files(&workspace_root().join(rel));
    let mut declared = false;
    let mut query = false;
    for (name, text) in &files {
        let too_new = NEWER_THAN_1_11.contains(&name.as_str()) || name.ends_with(QUERY_SUFFIX);
        if version == TfVersion::V1_11 && too_new {
            continue;
        }
        query |= name.ends_with(QUERY_SUFFIX);
        declared |= text.contains("required_providers");
        tf.write_file(name, text);
    }
    if !declared {
        tf.write_file("required_providers.tf", REQUIRED_PROVIDERS);
    }
    let v = if query {
        validate_query(&tf)
    } else {
        tf.validate_json()
    };
    if v.valid && v.errors().is_empty() {
        return None;
    }
    let mut errors = v.errors();
    errors.sort_by_key(|d| (d.json["range"]["filename"].to_string(), d.line()));
    let problems: Vec<String> = errors
        .iter()
        .map(|d| {
            let at = d.json["range"]["filename"].as_str().unwrap_or("?");
            let line = d.line().map(|l| format!(":{l}")).unwrap_or_default();
            format!("    {at}{line}: {}: {}", d.summary, d.detail)
        })
        .collect();
    Some(format!(
        "{} (Terraform {}):\n{}",
        rel.display(),
        version.full(),
        problems.join("\n")
    ))
}

/// `terraform validate -json -query`: the `.tf` files and the query files.
fn validate_query(tf: &Terraform) -> Validation {
    let out = tf.run(&["validate", "-json", "-query"]);
    assert!(!out.timed_out, "validate timed out:\n{out}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("validate -query printed no JSON ({e}):\n{out}"));
    Validation {
        valid: json["valid"].as_bool().unwrap_or(false),
        diagnostics: json["diagnostics"]
            .as_array()
            .map(|a| a.iter().map(Diagnostic::from_json).collect())
            .unwrap_or_default(),
        json,
    }
}

/// Validates every example directory with `version`, a few at a time, and fails listing all
/// the invalid ones.
fn validate_all(version: TfVersion) {
    let dirs = example_dirs();
    assert!(
        dirs.iter().any(|d| d.ends_with("quickstart")),
        "no examples found: {dirs:?}"
    );
    let failures = Mutex::new(Vec::new());
    let next = Mutex::new(dirs.iter());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4));
    std::thread::scope(|s| {
        for i in 0..workers {
            let (failures, next) = (&failures, &next);
            std::thread::Builder::new()
                .name(format!("examples_{}_{i}", version.full()))
                .spawn_scoped(s, move || {
                    loop {
                        let dir = match next.lock() {
                            Ok(mut it) => it.next(),
                            Err(_) => None,
                        };
                        let Some(dir) = dir else { break };
                        if let Some(problem) = validate(version, dir)
                            && let Ok(mut f) = failures.lock()
                        {
                            f.push(problem);
                        }
                    }
                })
                .unwrap_or_else(|e| panic!("cannot start a thread: {e}"));
        }
    });
    let mut failures = failures.into_inner().unwrap_or_default();
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} of {} example directories are invalid:\n{}",
        failures.len(),
        dirs.len(),
        failures.join("\n")
    );
}

#[test]
fn examples_validate_terraform_1_15() {
    validate_all(TfVersion::V1_15);
}

#[test]
fn examples_validate_terraform_1_11() {
    validate_all(TfVersion::V1_11);
}
