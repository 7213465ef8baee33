//! Static validation through `terraform validate`: every rule of the provider spec as one row
//! of a table, and every example of the docs.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use testkit::hcl::REQUIRED_PROVIDERS;
use testkit::prelude::*;
use testkit::workspace_root;

// ---------------------------------------------------------------------------------------------
// Hostile configuration, table-driven: every static validation rule of `docs/contract/provider-spec.md`
// (provider block, `agent37_instance`, `agent37_template`, `agent37_budget`, the usage month,
// `agent37_signed_url`, the `timeouts` block) as one row of HCL with the diagnostic it must give
// at `terraform validate`: on which attribute, with which summary, saying what is allowed. Rows
// without an expectation must validate clean (edge values that are allowed, unknown values that
// must be skipped). All rows go into one configuration, so each Terraform version validates the
// whole table in a single run; a diagnostic is matched to its row by line.

// ---------------------------------------------------------------------------------------------

struct Row {
    /// `resource "agent37_instance"`, `data "agent37_usage"`, `provider "agent37"`…
    block: &'static str,
    /// The block's body.
    body: String,
    /// (attribute, summary, a piece of the detail), or None: no diagnostic.
    expect: Option<(&'static str, &'static str, &'static str)>,
}

fn row(block: &'static str, body: &str, expect: (&'static str, &'static str, &'static str)) -> Row {
    Row {
        block,
        body: body.to_string(),
        expect: Some(expect),
    }
}

fn clean(block: &'static str, body: &str) -> Row {
    Row {
        block,
        body: body.to_string(),
        expect: None,
    }
}

const INSTANCE: &str = r#"resource "agent37_instance""#;
const TEMPLATE: &str = r#"resource "agent37_template""#;
const BUDGET: &str = r#"resource "agent37_budget""#;
const BUDGET_DATA: &str = r#"data "agent37_budget""#;
const USAGE: &str = r#"data "agent37_usage""#;
const SIGNED_URL: &str = r#"ephemeral "agent37_signed_url""#;
const PROVIDER: &str = r#"provider "agent37""#;
const IMAGE: &str = r#"image_ref = "ghcr.io/acme/agent:v1""#;

fn table() -> Vec<Row> {
    let ports = |n: usize| {
        (0..n)
            .map(|i| format!("{{ port = {} }}", 10_000 + i))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let big_metadata = format!("metadata = {{ blob = \"{}\" }}", "x".repeat(4100));
    vec![
        // ---- provider block (aliases, so several configurations validate at once)
        row(
            PROVIDER,
            r#"alias = "http"
  base_url = "http://api.example.com/v1""#,
            ("base_url", "Invalid value", "loopback"),
        ),
        row(
            PROVIDER,
            r#"alias = "relative"
  base_url = "api.agent37.com/v1""#,
            ("base_url", "Invalid value", "absolute"),
        ),
        row(
            PROVIDER,
            r#"alias = "userinfo"
  base_url = "https://user:pw@api.agent37.com/v1""#,
            ("base_url", "Invalid value", "user name or password"),
        ),
        row(
            PROVIDER,
            r#"alias = "query"
  base_url = "https://api.agent37.com/v1?x=1""#,
            ("base_url", "Invalid value", "query"),
        ),
        row(
            PROVIDER,
            r#"alias = "ftp"
  base_url = "ftp://api.agent37.com/v1""#,
            ("base_url", "Invalid value", "ftp"),
        ),
        row(
            PROVIDER,
            r#"alias = "timeout"
  request_timeout = "soon""#,
            ("request_timeout", "Invalid value", "\"30s\""),
        ),
        row(
            PROVIDER,
            r#"alias = "no_time"
  request_timeout = "0s""#,
            ("request_timeout", "Invalid value", "longer than zero"),
        ),
        row(
            PROVIDER,
            r#"alias = "retries_low"
  max_retries = -1"#,
            ("max_retries", "Invalid number", "from 0 to 100"),
        ),
        row(
            PROVIDER,
            r#"alias = "retries_high"
  max_retries = 101"#,
            ("max_retries", "Invalid number", "from 0 to 100"),
        ),
        row(
            PROVIDER,
            r#"alias = "revision"
  api_revision = "v2""#,
            ("api_revision", "Invalid value", "`2026-08-21`"),
        ),
        clean(
            PROVIDER,
            r#"alias = "loopback"
  base_url        = "http://127.0.0.1:8080/v1"
  request_timeout = "90s"
  max_retries     = 0"#,
        ),
        // ---- agent37_instance
        row(
            INSTANCE,
            "cpu = 3",
            ("cpu", "Invalid value", "1, 2, 4 or 8"),
        ),
        row(
            INSTANCE,
            "memory = 5",
            ("memory", "Invalid value", "3, 4, 8"),
        ),
        row(
            INSTANCE,
            "cpu = 4\n  memory = 4",
            (
                "memory",
                "Invalid instance shape",
                "cpu = 4 needs memory = 8",
            ),
        ),
        row(
            INSTANCE,
            "cpu = 1\n  memory = 3",
            (
                "cpu",
                "Invalid instance shape",
                "only available with template \"agent37-hermes-small\"",
            ),
        ),
        row(
            INSTANCE,
            // Validation takes the union of both revisions' tables (2/4: 2–20 GB).
            "cpu = 2\n  disk = 30",
            (
                "disk",
                "Invalid disk size",
                "2 vCPU / 4 GB shape: 2 to 20 GB",
            ),
        ),
        row(
            INSTANCE,
            "disk = 1",
            ("disk", "Invalid value", "from 2 to 80"),
        ),
        row(
            INSTANCE,
            "disk = 81",
            ("disk", "Invalid value", "from 2 to 80"),
        ),
        row(
            INSTANCE,
            r#"template = "my-agent@latest""#,
            ("template", "Invalid value", "`@latest` is not a pin"),
        ),
        row(
            INSTANCE,
            r#"template = "agent37-unknown""#,
            ("template", "Invalid value", "is not a system template"),
        ),
        row(
            INSTANCE,
            r#"template = "Not_A_Name""#,
            ("template", "Invalid value", "lowercase"),
        ),
        row(
            INSTANCE,
            &format!("name = \"{}\"", "n".repeat(61)),
            ("name", "Invalid length", "from 0 to 60 characters"),
        ),
        row(
            INSTANCE,
            &format!("user = \"{}\"", "u".repeat(201)),
            ("user", "Invalid length", "from 0 to 200 characters"),
        ),
        row(
            INSTANCE,
            &big_metadata,
            ("metadata", "Invalid value", "4096 bytes"),
        ),
        row(
            INSTANCE,
            r#"state = "paused""#,
            ("state", "Invalid value", "`running`, `stopped`"),
        ),
        row(
            INSTANCE,
            "timeouts {\n    create = \"forever\"\n  }",
            ("create", "Invalid value", "\"10m\""),
        ),
        row(
            INSTANCE,
            "timeouts {\n    delete = \"0s\"\n  }",
            ("delete", "Invalid value", "longer than zero"),
        ),
        clean(
            INSTANCE,
            "template = \"agent37-hermes-small\"\n  cpu = 1\n  memory = 3\n  disk = 20",
        ),
        clean(
            INSTANCE,
            &format!(
                "name = \"{}\"\n  user = \"{}\"\n  cpu = 8\n  disk = 80\n  state = \"stopped\"",
                "n".repeat(60),
                "u".repeat(200)
            ),
        ),
        // Unknown at validate time: skipped, not rejected.
        clean(
            INSTANCE,
            "cpu = var.unknown_number\n  name = var.unknown_string",
        ),
        // ---- agent37_template
        row(
            TEMPLATE,
            &format!("name = \"agent37-mine\"\n  {IMAGE}"),
            (
                "name",
                "System templates cannot be managed",
                "`agent37_template` data source",
            ),
        ),
        row(
            TEMPLATE,
            &format!("name = \"Bad_Name\"\n  {IMAGE}"),
            ("name", "Invalid template name", "lowercase"),
        ),
        row(
            TEMPLATE,
            &format!("name = \"x\"\n  {IMAGE}"),
            ("name", "Invalid template name", "lowercase"),
        ),
        row(
            TEMPLATE,
            r#"name = "bare-image"
  image_ref = "nginx:latest""#,
            ("image_ref", "Invalid image reference", "/"),
        ),
        row(
            TEMPLATE,
            &format!(
                "name = \"long-image\"\n  image_ref = \"acme/{}:v1\"",
                "a".repeat(260)
            ),
            ("image_ref", "Invalid image reference", "255"),
        ),
        row(
            TEMPLATE,
            &format!("name = \"port-zero\"\n  {IMAGE}\n  ports = [{{ port = 0 }}]"),
            ("port", "Invalid number", "from 1 to 65535"),
        ),
        row(
            TEMPLATE,
            &format!("name = \"port-high\"\n  {IMAGE}\n  ports = [{{ port = 65536 }}]"),
            ("port", "Invalid number", "from 1 to 65535"),
        ),
        row(
            TEMPLATE,
            &format!("name = \"port-reserved\"\n  {IMAGE}\n  ports = [{{ port = 3737 }}]"),
            ("port", "Reserved port", "3737"),
        ),
        row(
            TEMPLATE,
            &format!(
                "name = \"port-twice\"\n  {IMAGE}\n  ports = [{{ port = 5000 }}, {{ port = 5000 }}]"
            ),
            ("port", "Duplicate port", "5000"),
        ),
        row(
            TEMPLATE,
            &format!(
                "name = \"two-defaults\"\n  {IMAGE}\n  ports = [{{ port = 5000, default = true }}, {{ port = 5001, default = true }}]"
            ),
            ("default", "More than one default port", "one"),
        ),
        row(
            TEMPLATE,
            &format!(
                "name = \"many-ports\"\n  {IMAGE}\n  ports = [{}]",
                ports(21)
            ),
            ("ports", "Too many ports", "20"),
        ),
        clean(
            TEMPLATE,
            &format!(
                "name = \"fine-template\"\n  image_ref = \"registry.example.com:5000/acme/agent:v1.2@sha256:{}\"\n  ports = [{}]",
                "a".repeat(64),
                ports(20)
            ),
        ),
        // ---- agent37_budget and its data sources
        row(
            BUDGET,
            r#"instance_id = "NOT-AN-ID""#,
            (
                "instance_id",
                "Invalid value",
                "10 lowercase letters or digits",
            ),
        ),
        row(
            BUDGET,
            "instance_id = \"abcdefghij\"\n  monthly_cap_micros = -1",
            ("monthly_cap_micros", "Invalid number", "≥ 0"),
        ),
        row(
            BUDGET,
            "instance_id = \"abcdefghij\"\n  topup_micros = -5",
            ("topup_micros", "Invalid number", "≥ 0"),
        ),
        row(
            BUDGET,
            "instance_id = \"abcdefghij\"\n  timeouts {\n    update = \"1 hour\"\n  }",
            ("update", "Invalid value", "\"10m\""),
        ),
        clean(
            BUDGET,
            "instance_id = \"abcdefghij\"\n  monthly_cap_micros = 0\n  topup_micros = 9007199254740993",
        ),
        row(
            BUDGET_DATA,
            // Outside the id alphabet (a short id passes validation, as mock_provider's made-up
            // ids must; it is refused before any read: see budget::testing_guide).
            r#"instance_id = "Short-Id""#,
            (
                "instance_id",
                "Invalid value",
                "10 lowercase letters or digits",
            ),
        ),
        row(
            USAGE,
            "instance_id = \"abcdefghij\"\n  month = \"2026-13\"",
            ("month", "Invalid value", "YYYY-MM"),
        ),
        row(
            USAGE,
            "instance_id = \"abcdefghij\"\n  month = \"26-01\"",
            ("month", "Invalid value", "YYYY-MM"),
        ),
        clean(USAGE, "instance_id = \"abcdefghij\"\n  month = \"2026-02\""),
        // ---- agent37_signed_url
        row(
            SIGNED_URL,
            "instance_id = \"abcdefghij\"\n  port = 0",
            ("port", "Invalid value", "from 1 to 65535"),
        ),
        row(
            SIGNED_URL,
            "instance_id = \"abcdefghij\"\n  port = 22022",
            ("port", "Invalid value", "SSH tunnel"),
        ),
        row(
            SIGNED_URL,
            "instance_id = \"abcdefghij\"\n  ttl_seconds = 0",
            ("ttl_seconds", "Invalid number", "≥ 1"),
        ),
        clean(
            SIGNED_URL,
            "instance_id = \"abcdefghij\"\n  port = 65535\n  ttl_seconds = 60",
        ),
    ]
}

/// The configuration, and the line range of each row's block.
fn configuration(rows: &[Row]) -> (String, Vec<Range<u64>>) {
    let mut hcl = String::from(
        r#"terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}

provider "agent37" {}

variable "unknown_number" {
  type = number
}

variable "unknown_string" {
  type = string
}
"#,
    );
    let mut ranges = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        hcl.push('\n');
        let start = hcl.lines().count() as u64 + 1;
        let label = if r.block == PROVIDER {
            String::new()
        } else {
            format!(" \"r{i}\"")
        };
        hcl.push_str(&format!("{}{label} {{\n  {}\n}}\n", r.block, r.body));
        // Terraform validates only the provider configurations something uses.
        if let Some(alias) = r
            .body
            .split("alias = \"")
            .nth(1)
            .and_then(|a| a.split('"').next())
        {
            hcl.push_str(&format!(
                "data \"agent37_templates\" \"r{i}\" {{\n  provider = agent37.{alias}\n}}\n"
            ));
        }
        let end = hcl.lines().count() as u64 + 1;
        ranges.push(start..end);
    }
    (hcl, ranges)
}

fn validate_table(m: Matrix) {
    let version = m.tf;
    let rows = table();
    let (hcl, ranges) = configuration(&rows);
    let tf = Terraform::new(version);
    tf.write_main(&hcl);
    let v = tf.validate_json();
    assert!(!v.valid, "{v:?}");
    let errors: Vec<&Diagnostic> = v.errors();

    let mut problems = Vec::new();
    for (i, (r, lines)) in rows.iter().zip(&ranges).enumerate() {
        let mine: Vec<&&Diagnostic> = errors
            .iter()
            .filter(|d| d.line().is_some_and(|l| lines.contains(&l)))
            .collect();
        let found: Vec<String> = mine
            .iter()
            .map(|d| {
                format!(
                    "[{}] {} | {}",
                    d.attribute().unwrap_or_default(),
                    d.summary,
                    d.detail
                )
            })
            .collect();
        let ok = match r.expect {
            None => mine.is_empty(),
            Some((attr, summary, detail)) => {
                // The provider sends the exact path (`ports[1].port`, named in the detail too);
                // 1.15 underlines that element, 1.11 cannot follow a path into a nested
                // attribute's elements and points at the block.
                let on_attr = mine.first().is_some_and(|d| {
                    d.attribute().as_deref() == Some(attr)
                        || (version == TfVersion::V1_11
                            && d.detail.starts_with("ports[")
                            && d.attribute().is_none())
                });
                mine.len() == 1
                    && on_attr
                    && mine[0].summary == summary
                    && mine[0].detail.contains(detail)
            }
        };
        if !ok {
            problems.push(format!(
                "row {i} ({} {{ {} }}): expected {:?}, got {found:#?}",
                r.block,
                r.body.chars().take(120).collect::<String>(),
                r.expect
            ));
        }
    }
    // Nothing outside the rows (every diagnostic belongs to one).
    let stray: Vec<String> = errors
        .iter()
        .filter(|d| {
            !d.line()
                .is_some_and(|l| ranges.iter().any(|r| r.contains(&l)))
        })
        .map(|d| format!("{} | {} (line {:?})", d.summary, d.detail, d.line()))
        .collect();
    assert!(
        problems.is_empty() && stray.is_empty(),
        "{} of {} rows wrong:\n{}\nstray diagnostics: {stray:#?}",
        problems.len(),
        rows.len(),
        problems.join("\n")
    );
    let expected = rows.iter().filter(|r| r.expect.is_some()).count();
    assert_eq!(errors.len(), expected, "one diagnostic per failing row");
}

matrix!(validate_table);

// ---------------------------------------------------------------------------------------------
// Every example under `examples/` passes `terraform validate` with Terraform 1.15 and 1.11,
// against the provider built from this checkout: what the docs show is valid HCL for the
// provider's current schemas.
//
// An example directory is any folder holding `.tf` or `.tfquery.hcl` files (`provider/`,
// `quickstart/`, `resources/<type>/`, `data-sources/<type>/`, `functions/<name>/`,
// `scenarios/<name>/`…). Its files are validated together, so `import-by-string-id.tf` is
// checked beside the `resource.tf` that declares the resource it imports into, and query files
// with `terraform validate -query`.

// ---------------------------------------------------------------------------------------------

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
    // Added when an example does not say where `agent37` comes from (resource and data
    // source snippets usually don't), as the Registry's readers would have it.
    if !declared {
        tf.write_file("required_providers.tf", REQUIRED_PROVIDERS);
    }
    // `-query`: the `.tf` files and the query files.
    let v = if query {
        tf.validate_json_with(&["-query"])
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

/// Validates every example directory with `version`, a few at a time, and fails listing all
/// the invalid ones.
fn examples(m: Matrix) {
    let version = m.tf;
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

matrix!(examples);
