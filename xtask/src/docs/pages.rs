//! The pages: one per registered type, function and guide, plus the index.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use super::*;

// ---------------------------------------------------------------------------------------------
// Pages.

pub(super) struct Gen<'a> {
    pub(super) root: &'a Path,
    pub(super) catalog: &'a Catalog,
    pub(super) files: BTreeMap<String, String>,
    pub(super) warnings: Vec<String>,
    pub(super) problems: Vec<String>,
    /// Example and template files that some page used (the others get a warning).
    pub(super) used_examples: BTreeSet<String>,
    pub(super) used_templates: BTreeSet<String>,
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

    pub(super) fn index(&mut self) {
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

    pub(super) fn object_page(&mut self, kind: Kind, entry: &Entry) {
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
                let kind = format!("{}, Required", type_label(&a.ty));
                let _ = writeln!(
                    page,
                    "{}",
                    bullet(a.name, &kind, a.description.trim(), None)
                );
            }
        }
    }

    pub(super) fn function_page(&mut self, name: &str, sig: &Signature) {
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
    pub(super) fn guides(&mut self) {
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
    pub(super) fn warn_unused(&mut self) {
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
pub(super) fn files_under(root: &Path, top: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![PathBuf::from(top)];
    while let Some(rel_dir) = dirs.pop() {
        let Ok(entries) = fs::read_dir(root.join(&rel_dir)) else {
            continue;
        };
        for entry in entries.flatten() {
            let rel = rel_dir.join(entry.file_name());
            if entry.path().is_dir() {
                dirs.push(rel);
            } else if rel_dir.as_os_str() != DOCS_DIR || entry.file_name() == "index.md" {
                out.push(slash_path(&rel));
            }
        }
    }
    out.sort();
    out
}

pub(super) fn first_non_blank<'a>(a: &'a str, b: &'a str) -> &'a str {
    if blank(a) { b.trim() } else { a.trim() }
}

pub(super) fn front_matter(title: &str, description: &str) -> String {
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
pub(super) fn finish(page: String) -> String {
    format!("{}\n", page.trim_end())
}

pub(super) fn yaml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

pub(super) fn push_paragraph(page: &mut String, text: &str) {
    let text = text.trim();
    if !text.is_empty() {
        page.push_str(text);
        page.push_str("\n\n");
    }
}

pub(super) fn push_example(page: &mut String, hcl: &str) {
    page.push_str("## Example Usage\n\n");
    push_code(page, "terraform", hcl);
}

pub(super) fn push_code(page: &mut String, lang: &str, code: &str) {
    let _ = writeln!(page, "```{lang}\n{}\n```\n", code.trim_end());
}
