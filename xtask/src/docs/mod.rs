//! `cargo xtask docs [--check]`: the Terraform Registry documentation under `docs/`, generated
//! from the provider's own schemas (what it registers, read through the `Provider` trait) and
//! from `examples/`, with optional hand-written prose from `templates/`.
//!
//! The layout is the Registry's (`docs/index.md`, `docs/resources/<name>.md`,
//! `docs/data-sources/<name>.md`, `docs/ephemeral-resources/<name>.md`, `docs/actions/<name>.md`,
//! `docs/list-resources/<name>.md`, `docs/functions/<name>.md`, `docs/guides/<name>.md`); pages
//! look like those of the official generator (tfplugindocs): front matter, description, example,
//! then the schema grouped into Required / Optional / Read-Only with a "Nested Schema for `x`"
//! section per nested attribute or block, and the import syntax when examples show it.
//!
//! Pure apart from reading the checkout: `generate` returns the files, `write` and `stale` touch
//! or compare `docs/`; the unit tests (`tests.rs`) also run `cargo xtask docs --check` on the
//! checkout itself, so a schema or example change without regenerated docs fails `cargo test`.
//!
//! `pages` writes the pages, `schema` their schema sections, `hcl` renders types and values.

mod hcl;
mod pages;
mod schema;
#[cfg(test)]
mod tests;

pub use hcl::{hcl_type, hcl_value, type_label};
use pages::*;
use schema::*;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use agent37_provider::sdk::schema::{AttrType, Attribute, Block, NestedBlock, Nesting};
use agent37_provider::sdk::traits::{Identity, Provider, Signature};
use agent37_provider::sdk::{Schema, Type};

/// The command that regenerates `docs/`, for messages.
pub const FIX_COMMAND: &str = "cargo xtask docs";

/// Where the generated pages go, relative to the workspace root.
pub const DOCS_DIR: &str = "docs";

/// One documented object: a resource, data source, ephemeral resource, action or list resource.
pub struct Entry {
    /// The full type name (`agent37_instance`).
    pub name: String,
    pub schema: Schema,
    /// Resources only: what `import { identity = {…} }` takes (Terraform ≥ 1.12).
    pub identity: Option<Identity>,
}

impl Entry {
    pub fn new(name: &str, schema: Schema, identity: Option<Identity>) -> Entry {
        Entry {
            name: name.to_string(),
            schema,
            identity,
        }
    }
}

/// Everything the provider registers, in a form that does not depend on its configured data.
pub struct Catalog {
    /// The provider's local name (`agent37`).
    pub name: String,
    pub provider: Schema,
    /// Each list sorted by type name.
    pub resources: Vec<Entry>,
    pub data_sources: Vec<Entry>,
    pub ephemeral_resources: Vec<Entry>,
    pub actions: Vec<Entry>,
    /// Their schema is that of the `config { … }` block of a `list` block.
    pub list_resources: Vec<Entry>,
    pub functions: Vec<(String, Signature)>,
}

impl Catalog {
    pub fn of<P: Provider>(provider: &P) -> Catalog {
        let mut resources: Vec<Entry> = provider
            .resources()
            .iter()
            .map(|r| Entry::new(r.type_name(), r.schema(), r.identity()))
            .collect();
        let mut data_sources: Vec<Entry> = provider
            .data_sources()
            .iter()
            .map(|d| Entry::new(d.type_name(), d.schema(), None))
            .collect();
        let mut ephemeral_resources: Vec<Entry> = provider
            .ephemeral_resources()
            .iter()
            .map(|e| Entry::new(e.type_name(), e.schema(), None))
            .collect();
        let mut actions: Vec<Entry> = provider
            .actions()
            .iter()
            .map(|a| Entry::new(a.type_name(), a.schema(), None))
            .collect();
        let mut list_resources: Vec<Entry> = provider
            .list_resources()
            .iter()
            .map(|l| Entry::new(l.type_name(), l.schema(), None))
            .collect();
        let mut functions: Vec<(String, Signature)> = provider
            .functions()
            .iter()
            .map(|f| (f.name().to_string(), f.signature()))
            .collect();
        for list in [
            &mut resources,
            &mut data_sources,
            &mut ephemeral_resources,
            &mut actions,
            &mut list_resources,
        ] {
            list.sort_by(|a, b| a.name.cmp(&b.name));
        }
        functions.sort_by(|a, b| a.0.cmp(&b.0));
        Catalog {
            name: provider.type_name().to_string(),
            provider: provider.schema(),
            resources,
            data_sources,
            ephemeral_resources,
            actions,
            list_resources,
            functions,
        }
    }

    /// The agent37 provider of this checkout.
    pub fn agent37() -> Catalog {
        Catalog::of(&agent37_provider::provider::Agent37)
    }

    /// `agent37_instance` → `instance`: the page name the Registry expects.
    pub fn short<'a>(&self, type_name: &'a str) -> &'a str {
        type_name
            .strip_prefix(&format!("{}_", self.name))
            .unwrap_or(type_name)
    }

    /// Every documented object with its kind, in page order.
    fn entries(&self) -> impl Iterator<Item = (Kind, &Entry)> {
        fn tag(kind: Kind, list: &[Entry]) -> impl Iterator<Item = (Kind, &Entry)> {
            list.iter().map(move |e| (kind, e))
        }
        tag(Kind::Resource, &self.resources)
            .chain(tag(Kind::DataSource, &self.data_sources))
            .chain(tag(Kind::EphemeralResource, &self.ephemeral_resources))
            .chain(tag(Kind::Action, &self.actions))
            .chain(tag(Kind::ListResource, &self.list_resources))
    }
}

/// The kinds of schema-described objects that get a page each, as the `Provider` trait offers
/// them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Resource,
    DataSource,
    EphemeralResource,
    Action,
    ListResource,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Resource,
        Kind::DataSource,
        Kind::EphemeralResource,
        Kind::Action,
        Kind::ListResource,
    ];

    /// The folder under `docs/`, `examples/` and `templates/`.
    fn dir(self) -> &'static str {
        match self {
            Kind::Resource => "resources",
            Kind::DataSource => "data-sources",
            Kind::EphemeralResource => "ephemeral-resources",
            Kind::Action => "actions",
            Kind::ListResource => "list-resources",
        }
    }
    fn label(self) -> &'static str {
        match self {
            Kind::Resource => "Resource",
            Kind::DataSource => "Data Source",
            Kind::EphemeralResource => "Ephemeral Resource",
            Kind::Action => "Action",
            Kind::ListResource => "List Resource",
        }
    }
    fn example_file(self) -> &'static str {
        match self {
            Kind::Resource => "resource.tf",
            Kind::DataSource => "data-source.tf",
            Kind::EphemeralResource => "ephemeral-resource.tf",
            Kind::Action => "action.tf",
            // `list` blocks live in query files, which `terraform query` reads.
            Kind::ListResource => "list-resource.tfquery.hcl",
        }
    }
    /// What readers must know about the Terraform version, when it matters.
    fn requirement(self) -> Option<&'static str> {
        match self {
            Kind::EphemeralResource => Some(
                "Ephemeral resources need Terraform 1.10 or later; their values never appear in \
                 plans or state, and can be used only in ephemeral contexts (provider blocks, \
                 provisioner and connection blocks, write-only arguments, locals and ephemeral \
                 outputs and variables).",
            ),
            Kind::Action => Some(
                "Actions need Terraform 1.14 or later. Run one with \
                 `terraform apply -invoke=action.<type>.<name>`, or from a resource's \
                 `lifecycle { action_trigger { … } }`.",
            ),
            Kind::ListResource => Some(
                "List resources need Terraform 1.14 or later. Declare a `list` block in a \
                 `.tfquery.hcl` file and run `terraform query` to find existing objects; \
                 `terraform query -generate-config-out=FILE` writes their configuration and \
                 `import` blocks. The arguments below go in the `list` block's `config { … }`.",
            ),
            Kind::Resource | Kind::DataSource => None,
        }
    }
}

/// Why generation failed.
#[derive(Debug, PartialEq, Eq)]
pub enum DocsError {
    /// Schema elements without a description, as `type.attr.path`.
    MissingDescriptions(Vec<String>),
    /// A file of the checkout could not be read or written, or is malformed.
    Files(Vec<String>),
}

impl std::fmt::Display for DocsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DocsError::MissingDescriptions(paths) => {
                writeln!(
                    f,
                    "{} schema element(s) have no description; every attribute, block, \
                     parameter and object needs one (`.describe(\"…\")` in its schema), as the \
                     documentation is generated from them:",
                    paths.len()
                )?;
                for p in paths {
                    writeln!(f, "  {p}")?;
                }
                Ok(())
            }
            DocsError::Files(problems) => {
                for p in problems {
                    writeln!(f, "{p}")?;
                }
                Ok(())
            }
        }
    }
}

/// The generated tree: paths relative to the workspace root (`docs/…`, with `/`) → contents.
pub struct Generated {
    pub files: BTreeMap<String, String>,
    /// Things worth fixing that do not stop generation (a type without an example…).
    pub warnings: Vec<String>,
}

/// Builds every page for `catalog` from the checkout at `root` (reads `examples/` and
/// `templates/`, writes nothing).
pub fn generate(root: &Path, catalog: &Catalog) -> Result<Generated, DocsError> {
    let missing = missing_descriptions(catalog);
    if !missing.is_empty() {
        return Err(DocsError::MissingDescriptions(missing));
    }
    let mut g = Gen {
        root,
        catalog,
        files: BTreeMap::new(),
        warnings: Vec::new(),
        problems: Vec::new(),
        used_examples: BTreeSet::new(),
        used_templates: BTreeSet::new(),
    };
    g.index();
    for (kind, entry) in catalog.entries() {
        g.object_page(kind, entry);
    }
    for (name, sig) in &catalog.functions {
        g.function_page(name, sig);
    }
    g.guides();
    g.warn_unused();
    if !g.problems.is_empty() {
        return Err(DocsError::Files(g.problems));
    }
    Ok(Generated {
        files: g.files,
        warnings: g.warnings,
    })
}

/// The files of `docs/` that differ from `generated`: changed, missing or no longer generated.
pub fn stale(root: &Path, generated: &Generated) -> Result<Vec<String>, String> {
    let on_disk = existing_docs(root)?;
    let mut out = Vec::new();
    for (rel, contents) in &generated.files {
        match fs::read_to_string(root.join(rel)) {
            Ok(current) if current == *contents => {}
            Ok(_) => out.push(format!("{rel} (out of date)")),
            Err(e) if e.kind() == ErrorKind::NotFound => out.push(format!("{rel} (missing)")),
            Err(e) => return Err(format!("{rel}: {e}")),
        }
    }
    for rel in on_disk {
        if !generated.files.contains_key(&rel) {
            out.push(format!("{rel} (no longer generated)"));
        }
    }
    Ok(out)
}

/// Makes `docs/` exactly `generated`: writes what changed, removes what is no longer generated.
/// Returns the paths written or removed.
pub fn write(root: &Path, generated: &Generated) -> Result<Vec<String>, String> {
    let mut touched = Vec::new();
    for rel in existing_docs(root)? {
        if !generated.files.contains_key(&rel) {
            fs::remove_file(root.join(&rel)).map_err(|e| format!("removing {rel}: {e}"))?;
            touched.push(format!("{rel} (removed)"));
        }
    }
    for (rel, contents) in &generated.files {
        let path = root.join(rel);
        if fs::read_to_string(&path).is_ok_and(|c| c == *contents) {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("creating {}: {e}", parent.display()))?;
        }
        fs::write(&path, contents).map_err(|e| format!("writing {rel}: {e}"))?;
        touched.push(rel.clone());
    }
    remove_empty_dirs(&root.join(DOCS_DIR));
    Ok(touched)
}

/// Every generated-kind file under `docs/`, relative to the root with `/` separators: the
/// Registry's subfolders and `index.md`. Other pages beside them are written by hand and
/// left alone.
/// The folders of `docs/` that the generator owns: the Registry's. Anything else under `docs/`
/// (the contract in `docs/contract/`) is hand-written and left alone.
fn generated_dirs() -> Vec<&'static str> {
    Kind::ALL
        .iter()
        .map(|k| k.dir())
        .chain(["functions", "guides"])
        .collect()
}

/// The generator's files now in `docs/`: `docs/index.md` and what its folders hold.
fn existing_docs(root: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    if root.join(DOCS_DIR).join("index.md").is_file() {
        out.push(format!("{DOCS_DIR}/index.md"));
    }
    let mut dirs: Vec<PathBuf> = generated_dirs()
        .into_iter()
        .map(|d| Path::new(DOCS_DIR).join(d))
        .collect();
    while let Some(rel_dir) = dirs.pop() {
        let entries = match fs::read_dir(root.join(&rel_dir)) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(format!("{}: {e}", rel_dir.display())),
        };
        for entry in entries {
            let entry = entry.map_err(|e| format!("{}: {e}", rel_dir.display()))?;
            let rel = rel_dir.join(entry.file_name());
            if entry.path().is_dir() {
                dirs.push(rel);
            } else {
                out.push(slash_path(&rel));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn remove_empty_dirs(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.path().is_dir() {
            remove_empty_dirs(&entry.path());
            // Fails (and is meant to) when the directory still holds files.
            let _ = fs::remove_dir(entry.path());
        }
    }
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

// ---------------------------------------------------------------------------------------------
// Descriptions are mandatory.

/// Every schema element without a description, as `type.attr.path` (`provider.…` for the
/// provider block, `name(param)` for function parameters).
pub fn missing_descriptions(catalog: &Catalog) -> Vec<String> {
    let mut out = Vec::new();
    block_missing("provider", &catalog.provider.block, &mut out);
    for (_, e) in catalog.entries() {
        let name = &e.name;
        if blank(&e.schema.block.description) {
            out.push(format!("{name} (the description of {name} itself)"));
        }
        block_missing(name, &e.schema.block, &mut out);
        for a in e.identity.iter().flat_map(|i| &i.attributes) {
            if blank(a.description) {
                out.push(format!("{name}.identity.{}", a.name));
            }
        }
    }
    for (name, sig) in &catalog.functions {
        if blank(sig.summary) && blank(sig.description) {
            out.push(format!(
                "{name}() (summary and description of the function)"
            ));
        }
        for p in &sig.parameters {
            if blank(p.description) {
                out.push(format!("{name}({})", p.name));
            }
        }
    }
    out
}

fn block_missing(prefix: &str, block: &Block, out: &mut Vec<String>) {
    for a in &block.attributes {
        attribute_missing(prefix, a, out);
    }
    for b in &block.blocks {
        let path = format!("{prefix}.{}", b.name);
        if blank(&b.block.description) {
            out.push(path.clone());
        }
        block_missing(&path, &b.block, out);
    }
}

fn attribute_missing(prefix: &str, a: &Attribute, out: &mut Vec<String>) {
    let path = format!("{prefix}.{}", a.name);
    if blank(&a.description) {
        out.push(path.clone());
    }
    if let AttrType::Nested { attributes, .. } = &a.ty {
        for inner in attributes {
            attribute_missing(&path, inner, out);
        }
    }
}

fn blank(s: &str) -> bool {
    s.trim().is_empty()
}
