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
//! or compare `docs/`. `tests/docs_fresh.rs` includes this file with `#[path]` and runs the same
//! check as `cargo xtask docs --check`, so this module uses only std and the provider crate.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use agent37_provider::sdk::schema::{AttrType, Attribute, Block, NestedBlock, Nesting};
use agent37_provider::sdk::traits::{Identity, Provider, Signature};
use agent37_provider::sdk::{Schema, Type, Value};

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
/// Registry's subfolders and `index.md`. Other top-level pages (`reliability.md`,
/// `performance.md`) and the folders of [`HAND_WRITTEN_DIRS`] are written by hand and left alone.
fn existing_docs(root: &Path) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut dirs = vec![PathBuf::from(DOCS_DIR)];
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
                let hand_written = rel_dir.as_os_str() == DOCS_DIR
                    && HAND_WRITTEN_DIRS.iter().any(|d| entry.file_name() == *d);
                if !hand_written {
                    dirs.push(rel);
                }
            } else if rel_dir.as_os_str() != DOCS_DIR || entry.file_name() == "index.md" {
                out.push(slash_path(&rel));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Folders of `docs/` that hold prose written by hand (the contract the code cites, guides).
const HAND_WRITTEN_DIRS: &[&str] = &["contract", "guides"];

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

// ---------------------------------------------------------------------------------------------
// Pages.

struct Gen<'a> {
    root: &'a Path,
    catalog: &'a Catalog,
    files: BTreeMap<String, String>,
    warnings: Vec<String>,
    problems: Vec<String>,
    /// Example and template files that some page used (the others get a warning).
    used_examples: BTreeSet<String>,
    used_templates: BTreeSet<String>,
}

impl Gen<'_> {
    /// A file of the checkout (`rel` with `/`), trimmed, or None when it does not exist.
    fn read(&mut self, rel: &str) -> Option<String> {
        match fs::read_to_string(self.root.join(rel)) {
            Ok(s) => Some(s.trim().to_string()),
            Err(e) if e.kind() == ErrorKind::NotFound => None,
            Err(e) => {
                self.problems.push(format!("{rel}: {e}"));
                None
            }
        }
    }

    fn example(&mut self, rel: &str) -> Option<String> {
        let text = self.read(rel)?;
        self.used_examples.insert(rel.to_string());
        Some(text)
    }

    fn template(&mut self, rel: &str) -> Option<String> {
        let text = self.read(rel)?;
        self.used_templates.insert(rel.to_string());
        Some(text)
    }

    fn index(&mut self) {
        let c = self.catalog;
        let description = c.provider.block.description.trim();
        let mut page = front_matter(&format!("{} Provider", c.name), description);
        let _ = writeln!(page, "# {} Provider\n", c.name);
        push_paragraph(&mut page, description);
        if let Some(prose) = self.template("templates/index.md") {
            push_paragraph(&mut page, &prose);
        }
        match self.example("examples/provider/provider.tf") {
            Some(ex) => push_example(&mut page, &ex),
            None => self
                .warnings
                .push("examples/provider/provider.tf is missing: the index has no example".into()),
        }
        page.push_str("## Schema\n\n");
        page.push_str(&render_schema(&c.provider.block, false));
        self.files
            .insert(format!("{DOCS_DIR}/index.md"), finish(page));
    }

    fn object_page(&mut self, kind: Kind, entry: &Entry) {
        let name = entry.name.as_str();
        let short = self.catalog.short(name);
        let description = entry.schema.block.description.trim();
        let mut page = front_matter(
            &format!("{name} {} - {}", kind.label(), self.catalog.name),
            description,
        );
        let _ = writeln!(page, "# {name} ({})\n", kind.label());
        push_paragraph(&mut page, description);
        if let Some(req) = kind.requirement() {
            push_paragraph(&mut page, req);
        }
        if let Some(prose) = self.template(&format!("templates/{}/{short}.md", kind.dir())) {
            push_paragraph(&mut page, &prose);
        }
        let example_dir = format!("examples/{}/{name}", kind.dir());
        match self.example(&format!("{example_dir}/{}", kind.example_file())) {
            Some(ex) => push_example(&mut page, &ex),
            None => self.warnings.push(format!(
                "{example_dir}/{} is missing: the page of {name} has no example",
                kind.example_file()
            )),
        }
        page.push_str("## Schema\n\n");
        page.push_str(&render_schema(&entry.schema.block, kind == Kind::Resource));
        if kind == Kind::Resource {
            self.import_section(&mut page, &example_dir, entry.identity.as_ref());
        }
        self.files.insert(
            format!("{DOCS_DIR}/{}/{short}.md", kind.dir()),
            finish(page),
        );
    }

    /// "## Import" from `import-by-string-id.tf` (import block by id), `import-by-identity.tf`
    /// (import block by identity) and `import.sh` (CLI), as far as they exist, and the identity
    /// schema when the resource has one.
    fn import_section(
        &mut self,
        page: &mut String,
        example_dir: &str,
        identity: Option<&Identity>,
    ) {
        let by_id = self.example(&format!("{example_dir}/import-by-string-id.tf"));
        let by_identity = self.example(&format!("{example_dir}/import-by-identity.tf"));
        let cli = self.example(&format!("{example_dir}/import.sh"));
        if by_id.is_none() && by_identity.is_none() && cli.is_none() && identity.is_none() {
            return;
        }
        page.push_str("\n## Import\n\nImport is supported using the following syntax:\n\n");
        if let Some(b) = by_id {
            page.push_str(
                "In Terraform v1.5.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) \
                 can be used with the `id` attribute, for example:\n\n",
            );
            push_code(page, "terraform", &b);
        }
        if let Some(i) = by_identity {
            page.push_str(
                "In Terraform v1.12.0 and later, the [`import` block](https://developer.hashicorp.com/terraform/language/import) \
                 can be used with the `identity` attribute, for example:\n\n",
            );
            push_code(page, "terraform", &i);
        }
        if let Some(c) = cli {
            page.push_str(
                "The [`terraform import` command](https://developer.hashicorp.com/terraform/cli/commands/import) \
                 can be used, for example:\n\n",
            );
            push_code(page, "shell", &c);
        }
        if let Some(identity) = identity {
            page.push_str("### Identity Schema\n\n");
            page.push_str(
                "The attributes of the resource's identity (Terraform v1.12.0 and later), \
                 which an `import` block's `identity` takes:\n\n",
            );
            for a in &identity.attributes {
                let _ = writeln!(
                    page,
                    "{}",
                    bullet(a.name, "String, Required", a.description.trim(), None)
                );
            }
        }
    }

    fn function_page(&mut self, name: &str, sig: &Signature) {
        let summary = first_non_blank(sig.summary, sig.description);
        let description = first_non_blank(sig.description, sig.summary);
        let mut page = front_matter(&format!("{name} function - {}", self.catalog.name), summary);
        let _ = writeln!(page, "# function: {name}\n");
        push_paragraph(&mut page, description);
        push_paragraph(
            &mut page,
            &format!(
                "Call it as `provider::{}::{name}(…)`. Provider functions need Terraform 1.8 or later.",
                self.catalog.name
            ),
        );
        if let Some(prose) = self.template(&format!("templates/functions/{name}.md")) {
            push_paragraph(&mut page, &prose);
        }
        let example = format!("examples/functions/{name}/function.tf");
        match self.example(&example) {
            Some(ex) => push_example(&mut page, &ex),
            None => self.warnings.push(format!(
                "{example} is missing: the page of function {name} has no example"
            )),
        }
        page.push_str("## Signature\n\n");
        let params: Vec<String> = sig
            .parameters
            .iter()
            .map(|p| format!("{} {}", p.name, hcl_type(&p.ty)))
            .collect();
        push_code(
            &mut page,
            "text",
            &format!(
                "{name}({}) {}",
                params.join(", "),
                hcl_type(&sig.return_type)
            ),
        );
        page.push_str("## Arguments\n\n");
        if sig.parameters.is_empty() {
            page.push_str("None.\n");
        }
        for (i, p) in sig.parameters.iter().enumerate() {
            let _ = writeln!(
                page,
                "{}. `{}` ({}) {}",
                i + 1,
                p.name,
                type_label(&p.ty),
                indent_continuation(p.description.trim(), "   ")
            );
        }
        let _ = writeln!(page, "\n## Return Type\n\n{}", type_label(&sig.return_type));
        self.files
            .insert(format!("{DOCS_DIR}/functions/{name}.md"), finish(page));
    }

    /// `templates/guides/*.md` are whole pages (with their own front matter), copied as they are.
    fn guides(&mut self) {
        let dir = self.root.join("templates/guides");
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == ErrorKind::NotFound => return,
            Err(e) => {
                self.problems.push(format!("templates/guides: {e}"));
                return;
            }
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".md"))
            .collect();
        names.sort();
        for n in names {
            let rel = format!("templates/guides/{n}");
            let Some(text) = self.template(&rel) else {
                continue;
            };
            if !text.starts_with("---\n") {
                self.problems.push(format!(
                    "{rel}: a guide must start with front matter (`---`, `page_title: \"…\"`, \
                     `subcategory: \"\"`, `description: |-`, `---`)"
                ));
                continue;
            }
            self.files
                .insert(format!("{DOCS_DIR}/guides/{n}"), format!("{text}\n"));
        }
    }

    /// Example and template files that no page used: usually a type that was renamed, or a
    /// misspelt folder.
    fn warn_unused(&mut self) {
        for (top, used) in [
            ("examples", &self.used_examples),
            ("templates", &self.used_templates),
        ] {
            for rel in files_under(self.root, top) {
                let documented_kind = Kind::ALL
                    .iter()
                    .map(|k| k.dir())
                    .chain(["functions", "provider"])
                    .any(|k| rel.starts_with(&format!("{top}/{k}/")))
                    || (top == "templates" && rel == "templates/index.md");
                if documented_kind && !used.contains(&rel) {
                    self.warnings.push(format!(
                        "{rel} is not used by any page (is its folder named after a registered type?)"
                    ));
                }
            }
        }
    }
}

/// Files under `root/top`, relative to root, with `/` (empty when the folder is missing).
fn files_under(root: &Path, top: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![PathBuf::from(top)];
    while let Some(rel_dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(root.join(&rel_dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let rel = rel_dir.join(entry.file_name());
            if entry.path().is_dir() {
                let hand_written = rel_dir.as_os_str() == DOCS_DIR
                    && HAND_WRITTEN_DIRS.iter().any(|d| entry.file_name() == *d);
                if !hand_written {
                    dirs.push(rel);
                }
            } else if rel_dir.as_os_str() != DOCS_DIR || entry.file_name() == "index.md" {
                out.push(slash_path(&rel));
            }
        }
    }
    out.sort();
    out
}

fn first_non_blank<'a>(a: &'a str, b: &'a str) -> &'a str {
    if blank(a) { b.trim() } else { a.trim() }
}

fn front_matter(title: &str, description: &str) -> String {
    let mut out = String::from("---\n");
    out.push_str("# Generated by `cargo xtask docs` from the provider's schemas, examples/ and templates/: do not edit.\n");
    let _ = writeln!(out, "page_title: {}", yaml_string(title));
    out.push_str("subcategory: \"\"\n");
    out.push_str("description: |-\n");
    for line in description.lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
    out.push_str("---\n\n");
    out
}

/// A page ends with exactly one newline.
fn finish(page: String) -> String {
    format!("{}\n", page.trim_end())
}

fn yaml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn push_paragraph(page: &mut String, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        page.push_str(text);
        page.push_str("\n\n");
    }
}

fn push_example(page: &mut String, hcl: &str) {
    page.push_str("## Example Usage\n\n");
    push_code(page, "terraform", hcl);
}

fn push_code(page: &mut String, lang: &str, code: &str) {
    let _ = writeln!(page, "```{lang}\n{}\n```\n", code.trim_end());
}

// ---------------------------------------------------------------------------------------------
// Schema sections.

/// What a "Nested Schema for `x`" section lists.
enum Nested<'a> {
    Attributes(&'a [Attribute]),
    Block(&'a Block),
    Object(&'a BTreeMap<String, Type>),
}

struct Section<'a> {
    anchor: String,
    path: String,
    content: Nested<'a>,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Required,
    Optional,
    ReadOnly,
}

impl Group {
    fn of(a: &Attribute) -> Group {
        if a.required {
            Group::Required
        } else if a.optional {
            Group::Optional
        } else {
            Group::ReadOnly
        }
    }
    fn title(self) -> &'static str {
        match self {
            Group::Required => "Required",
            Group::Optional => "Optional",
            Group::ReadOnly => "Read-Only",
        }
    }
}

/// One bullet before grouping: its group, name (for sorting), text, and the nested sections it
/// links to.
struct Item<'a> {
    group: Group,
    name: String,
    line: String,
    sections: Vec<Section<'a>>,
}

/// The Required / Optional / Read-Only lists of a block, then one section per nested attribute,
/// block or object type, breadth first, in the order of their bullets.
/// `resource` adds "Changing this forces a new resource." where the schema says so.
fn render_schema(block: &Block, resource: bool) -> String {
    let mut out = String::new();
    let mut queue: VecDeque<Section> = VecDeque::new();
    render_items(
        &mut out,
        &block.attributes,
        &block.blocks,
        "",
        resource,
        true,
        &mut queue,
    );
    while let Some(section) = queue.pop_front() {
        let _ = writeln!(
            out,
            "\n<a id=\"{}\"></a>\n### Nested Schema for `{}`\n",
            section.anchor, section.path
        );
        match section.content {
            Nested::Attributes(attrs) => render_items(
                &mut out,
                attrs,
                &[],
                &section.path,
                resource,
                false,
                &mut queue,
            ),
            Nested::Block(b) => render_items(
                &mut out,
                &b.attributes,
                &b.blocks,
                &section.path,
                resource,
                false,
                &mut queue,
            ),
            Nested::Object(attrs) => {
                for (name, ty) in attrs {
                    let mut sections = Vec::new();
                    let (label, see) = plain_label(ty, &section.path, name, &mut sections);
                    queue.extend(sections);
                    let _ = writeln!(out, "{}", bullet(name, &label, "", see.as_deref()));
                }
            }
        }
    }
    out
}

fn render_items<'a>(
    out: &mut String,
    attributes: &'a [Attribute],
    blocks: &'a [NestedBlock],
    path: &str,
    resource: bool,
    top: bool,
    queue: &mut VecDeque<Section<'a>>,
) {
    let mut items: Vec<Item> = Vec::new();
    for a in attributes {
        let mut sections = Vec::new();
        let line = attribute_line(a, path, resource, &mut sections);
        items.push(Item {
            group: Group::of(a),
            name: a.name.clone(),
            line,
            sections,
        });
    }
    for b in blocks {
        let mut sections = Vec::new();
        let line = block_line(b, path, &mut sections);
        items.push(Item {
            group: if b.min_items > 0 {
                Group::Required
            } else {
                Group::Optional
            },
            name: b.name.clone(),
            line,
            sections,
        });
    }
    // Sorted by group then name, like the official generator.
    items.sort_by(|a, b| (a.group, &a.name).cmp(&(b.group, &b.name)));
    if items.is_empty() {
        out.push_str("This has no arguments or attributes.\n");
    }
    let mut current = None;
    for item in items {
        if current != Some(item.group) {
            if current.is_some() {
                out.push('\n');
            }
            if top {
                let _ = writeln!(out, "### {}\n", item.group.title());
            } else {
                let _ = writeln!(out, "{}:\n", item.group.title());
            }
            current = Some(item.group);
        }
        out.push_str(&item.line);
        out.push('\n');
        queue.extend(item.sections);
    }
}

fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn anchor(prefix: &str, path: &str) -> String {
    format!("{prefix}--{}", path.replace('.', "--"))
}

fn attribute_line<'a>(
    a: &'a Attribute,
    parent: &str,
    resource: bool,
    sections: &mut Vec<Section<'a>>,
) -> String {
    let path = join_path(parent, &a.name);
    let (type_text, see) = match &a.ty {
        AttrType::Plain(ty) => plain_label(ty, parent, &a.name, sections),
        AttrType::Nested {
            nesting,
            attributes,
        } => {
            let id = anchor("nestedatt", &path);
            sections.push(Section {
                anchor: id.clone(),
                path: path.clone(),
                content: Nested::Attributes(attributes),
            });
            let label = match nesting {
                Nesting::Single => "Attributes",
                Nesting::List => "Attributes List",
                Nesting::Set => "Attributes Set",
                Nesting::Map => "Attributes Map",
            };
            (label.to_string(), Some(id))
        }
    };
    let mut flags = vec![type_text];
    if a.required {
        flags.push("Required".into());
    } else if a.optional {
        flags.push("Optional".into());
    }
    if a.computed {
        flags.push("Computed".into());
    }
    if a.sensitive {
        flags.push("Sensitive".into());
    }
    if a.deprecated.is_some() {
        flags.push("Deprecated".into());
    }
    let mut text = a.description.trim().to_string();
    if let Some(msg) = &a.deprecated {
        append_sentence(&mut text, &format!("**Deprecated:** {}", msg.trim()));
    }
    let allowed: Vec<String> = a
        .validators
        .iter()
        .map(|v| v.description().trim().to_string())
        .filter(|d| !d.is_empty() && !text.contains(d.as_str()))
        .collect();
    if !allowed.is_empty() {
        append_sentence(&mut text, &format!("Allowed values: {}", allowed.join(" ")));
    }
    if let Some(default) = &a.default {
        let v = hcl_value(default);
        if !mentions_default(&text, &v) {
            append_sentence(&mut text, &format!("Default: `{v}`."));
        }
    }
    if resource && a.requires_replace {
        append_sentence(&mut text, "Changing this forces a new resource.");
    }
    bullet(&a.name, &flags.join(", "), &text, see.as_deref())
}

fn block_line<'a>(b: &'a NestedBlock, parent: &str, sections: &mut Vec<Section<'a>>) -> String {
    let path = join_path(parent, &b.name);
    let id = anchor("nestedblock", &path);
    sections.push(Section {
        anchor: id.clone(),
        path,
        content: Nested::Block(&b.block),
    });
    let mut flags = vec![
        match b.nesting {
            Nesting::Single => "Block",
            Nesting::List => "Block List",
            Nesting::Set => "Block Set",
            Nesting::Map => "Block Map",
        }
        .to_string(),
    ];
    flags.push(
        if b.min_items > 0 {
            "Required"
        } else {
            "Optional"
        }
        .into(),
    );
    if b.nesting != Nesting::Single {
        if b.min_items > 0 {
            flags.push(format!("Min: {}", b.min_items));
        }
        if b.max_items > 0 {
            flags.push(format!("Max: {}", b.max_items));
        }
    }
    bullet(
        &b.name,
        &flags.join(", "),
        b.block.description.trim(),
        Some(&id),
    )
}

/// The type label of a plain type; an object type (possibly inside collections) also gets a
/// nested section listing its attributes, whose anchor is returned.
fn plain_label<'a>(
    ty: &'a Type,
    parent: &str,
    name: &str,
    sections: &mut Vec<Section<'a>>,
) -> (String, Option<String>) {
    let label = type_label(ty);
    let mut inner = ty;
    while let Type::List(t) | Type::Set(t) | Type::Map(t) = inner {
        inner = t;
    }
    match inner {
        Type::Object { attrs, .. } if !attrs.is_empty() => {
            let path = join_path(parent, name);
            let id = anchor("nestedobjatt", &path);
            sections.push(Section {
                anchor: id.clone(),
                path,
                content: Nested::Object(attrs),
            });
            (label, Some(id))
        }
        _ => (label, None),
    }
}

/// Whether a description already states the default `v` (an HCL literal): "Default `x`",
/// "Defaults to x", "`x` (default)"…, so that the page does not say it twice.
fn mentions_default(text: &str, v: &str) -> bool {
    let lower = text.to_lowercase();
    let bare = v.trim_matches('"').to_lowercase();
    let near = |from: usize, to: usize| {
        let window: String = lower[from..]
            .char_indices()
            .take_while(|(i, _)| *i < to)
            .map(|(_, c)| c)
            .collect();
        window.contains(&bare)
    };
    lower.match_indices("default").any(|(i, _)| {
        let after = i + "default".len();
        // "Default `x`", "Defaults to x", "default: x" just after the word…
        near(after, 16)
            // …or "`x` (default)" just before it.
            || lower[..i].trim_end_matches([' ', '(']).ends_with(&bare)
            || lower[..i]
                .trim_end_matches([' ', '('])
                .trim_end_matches(['`', '"'])
                .ends_with(&bare)
    })
}

fn bullet(name: &str, flags: &str, text: &str, see: Option<&str>) -> String {
    let mut line = format!("- `{name}` ({flags})");
    if !text.is_empty() {
        line.push(' ');
        line.push_str(&indent_continuation(text, "  "));
    }
    if let Some(id) = see {
        let _ = write!(line, " (see [below for nested schema](#{id}))");
    }
    line
}

/// Continuation lines of a multi-line text indented so they stay inside the list item.
fn indent_continuation(text: &str, indent: &str) -> String {
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 || l.trim().is_empty() {
                l.trim_end().to_string()
            } else {
                format!("{indent}{}", l.trim_end())
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn append_sentence(text: &mut String, sentence: &str) {
    if !text.is_empty() {
        if !text.ends_with(['.', '!', '?', ')', ':']) {
            text.push('.');
        }
        text.push(' ');
    }
    text.push_str(sentence);
}

/// `String`, `Number`, `Boolean`, `List of String`, `Map of Object`… (the official wording).
pub fn type_label(ty: &Type) -> String {
    match ty {
        Type::Bool => "Boolean".into(),
        Type::Number => "Number".into(),
        Type::String => "String".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(t) => format!("List of {}", type_label(t)),
        Type::Set(t) => format!("Set of {}", type_label(t)),
        Type::Map(t) => format!("Map of {}", type_label(t)),
        Type::Object { .. } => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

/// A type as HCL writes it (`string`, `list(number)`, `object({a = string})`), for signatures.
pub fn hcl_type(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::Number => "number".into(),
        Type::String => "string".into(),
        Type::Dynamic => "any".into(),
        Type::List(t) => format!("list({})", hcl_type(t)),
        Type::Set(t) => format!("set({})", hcl_type(t)),
        Type::Map(t) => format!("map({})", hcl_type(t)),
        Type::Object { attrs, .. } => format!(
            "object({{{}}})",
            attrs
                .iter()
                .map(|(k, t)| format!("{k} = {}", hcl_type(t)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Tuple(ts) => format!(
            "tuple([{}])",
            ts.iter().map(hcl_type).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A value as an HCL literal, for defaults.
pub fn hcl_value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Unknown(_) => "(known after apply)".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => hcl_quote(s),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => format!(
            "[{}]",
            items.iter().map(hcl_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(m) | Value::Object(m) => {
            if m.is_empty() {
                "{}".into()
            } else {
                format!(
                    "{{ {} }}",
                    m.iter()
                        .map(|(k, v)| format!("{k} = {}", hcl_value(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
        Value::Dynamic { value, .. } => hcl_value(value),
    }
}

fn hcl_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
