//! Tests of the documentation generator, on synthetic schemas and scratch checkouts, and of the
//! checkout's own `docs/`: fresh, and a page for every registered type.

use std::fs;
use std::path::PathBuf;

use agent37_provider::sdk::schema::{AttrType, Attribute, Nesting};
use agent37_provider::sdk::timeouts;
use agent37_provider::sdk::traits::{Identity, Parameter, Signature};
use agent37_provider::sdk::validate::{IntRange, OneOf};
use agent37_provider::sdk::{Schema, Type, Value};

use super::*;

fn resource_schema() -> Schema {
    Schema::new(
        "A thing.",
        vec![
            Attribute::string("id").computed().describe("The id."),
            Attribute::string("template")
                .default(Value::string("base"))
                .requires_replace()
                .describe("The template."),
            Attribute::string("state")
                .default(Value::string("running"))
                .describe("Desired state. Default `\"running\"`.")
                .validate(OneOf(&["running", "stopped"])),
            Attribute::bool("auto")
                .default(Value::Bool(false))
                .describe("When true, it updates. Default false."),
            Attribute::bool("wait")
                .default(Value::Bool(true))
                .describe("Whether to wait; the default port is used."),
            Attribute::string("secret")
                .required()
                .sensitive()
                .describe("A secret."),
            Attribute::typed("metadata", Type::map(Type::String))
                .optional()
                .describe("Labels."),
            Attribute::nested(
                "ports",
                Nesting::List,
                vec![
                    Attribute::number("port")
                        .required()
                        .describe("The port.")
                        .validate(IntRange::between(1, 65535)),
                    Attribute::bool("default")
                        .default(Value::Bool(false))
                        .describe("Default port?"),
                ],
            )
            .optional()
            .describe("Ports."),
            Attribute::typed(
                "urls",
                Type::list(Type::object([
                    ("port", Type::Number),
                    ("url", Type::String),
                ])),
            )
            .computed()
            .describe("URLs."),
        ],
    )
    .with_block(timeouts::block())
}

fn catalog(resource: Schema) -> Catalog {
    Catalog {
        name: "agent37".into(),
        provider: Schema::new(
            "Configures it.",
            vec![Attribute::string("api_key").optional().describe("The key.")],
        ),
        resources: vec![Entry::new(
            "agent37_thing",
            resource,
            Some(Identity::single("id", "The id.")),
        )],
        data_sources: vec![],
        ephemeral_resources: vec![Entry::new(
            "agent37_url",
            Schema::new(
                "Mints a URL.",
                vec![
                    Attribute::string("url")
                        .computed()
                        .sensitive()
                        .describe("The URL."),
                ],
            ),
            None,
        )],
        actions: vec![Entry::new(
            "agent37_restart",
            Schema::new(
                "Restarts.",
                vec![
                    Attribute::string("instance_id")
                        .required()
                        .describe("Which one."),
                ],
            ),
            None,
        )],
        list_resources: vec![Entry::new(
            "agent37_thing",
            Schema::new(
                "Finds things.",
                vec![Attribute::string("user").optional().describe("Filter.")],
            ),
            None,
        )],
        functions: vec![(
            "double".into(),
            Signature {
                parameters: vec![Parameter {
                    name: "n",
                    ty: Type::Number,
                    description: "A number.",
                }],
                return_type: Type::list(Type::Number),
                summary: "Doubles.",
                description: "Doubles a number.",
            },
        )],
    }
}

fn empty_root() -> PathBuf {
    // A root without examples/ or templates/: the pages are built from schemas alone.
    std::env::temp_dir().join(format!("xtask-docs-test-{}", std::process::id()))
}

#[test]
fn resource_page_groups_and_marks_attributes() {
    let g = generate(&empty_root(), &catalog(resource_schema())).unwrap();
    let page = &g.files["docs/resources/thing.md"];
    assert!(page.starts_with("---\n"), "{page}");
    assert!(page.contains("page_title: \"agent37_thing Resource - agent37\""));
    assert!(page.contains("description: |-\n  A thing.\n---"));
    assert!(page.contains("# agent37_thing (Resource)\n\nA thing.\n"));

    let required = page.find("### Required").unwrap();
    let optional = page.find("### Optional").unwrap();
    let read_only = page.find("### Read-Only").unwrap();
    assert!(required < optional && optional < read_only, "{page}");
    assert!(page.contains("- `secret` (String, Required, Sensitive) A secret.\n"));
    assert!(page.contains(
        "- `template` (String, Optional, Computed) The template. Default: `\"base\"`. Changing this forces a new resource.\n"
    ));
    // The description already says the default: not said twice.
    assert!(page.contains(
        "- `state` (String, Optional, Computed) Desired state. Default `\"running\"`. Allowed values: One of `running`, `stopped`.\n"
    ), "{page}");
    assert!(page.contains("- `metadata` (Map of String, Optional) Labels.\n"));
    assert!(page.contains(
        "- `ports` (Attributes List, Optional) Ports. (see [below for nested schema](#nestedatt--ports))"
    ));
    assert!(page.contains(
        "- `timeouts` (Block, Optional) Deadlines for the operations that wait on the platform. (see [below for nested schema](#nestedblock--timeouts))"
    ));
    assert!(page.contains("- `id` (String, Computed) The id.\n"));
    assert!(page.contains(
        "- `urls` (List of Object, Computed) URLs. (see [below for nested schema](#nestedobjatt--urls))"
    ));

    let nested = page.find("<a id=\"nestedatt--ports\"></a>\n### Nested Schema for `ports`\n\nRequired:\n\n- `port` (Number, Required) The port. Allowed values: A whole number from 1 to 65535.\n\nOptional:\n\n- `default` (Boolean, Optional, Computed) Default port? Default: `false`.\n").unwrap_or_else(|| panic!("{page}"));
    let timeouts = page
        .find("### Nested Schema for `timeouts`\n\nOptional:\n\n- `create` (String, Optional)")
        .unwrap();
    let urls = page
        .find("### Nested Schema for `urls`\n\n- `port` (Number)\n- `url` (String)\n")
        .unwrap();
    assert!(nested < timeouts && timeouts < urls, "bullet order: {page}");
    // With an identity but no import examples: only the identity schema.
    assert!(page.contains(
        "## Import\n\nImport is supported using the following syntax:\n\n### Identity Schema\n\nThe attributes of the resource's identity (Terraform v1.12.0 and later), which an `import` block's `identity` takes:\n\n- `id` (String, Required) The id.\n"
    ), "{page}");

    let eph = &g.files["docs/ephemeral-resources/url.md"];
    assert!(eph.contains("page_title: \"agent37_url Ephemeral Resource - agent37\""));
    assert!(eph.contains("# agent37_url (Ephemeral Resource)\n\nMints a URL.\n\nEphemeral resources need Terraform 1.10 or later"));
    assert!(eph.contains("### Read-Only\n\n- `url` (String, Computed, Sensitive) The URL.\n"));

    let action = &g.files["docs/actions/restart.md"];
    assert!(action.contains(
        "# agent37_restart (Action)\n\nRestarts.\n\nActions need Terraform 1.14 or later."
    ));
    assert!(action.contains("- `instance_id` (String, Required) Which one.\n"));
    let list = &g.files["docs/list-resources/thing.md"];
    assert!(list.contains("page_title: \"agent37_thing List Resource - agent37\""));
    assert!(list.contains("- `user` (String, Optional) Filter.\n"));
    assert!(
        g.warnings
            .iter()
            .any(|w| w.contains("examples/list-resources/agent37_thing/list-resource.tfquery.hcl")),
        "{:?}",
        g.warnings
    );
}

#[test]
fn function_page_has_signature_and_arguments() {
    let g = generate(&empty_root(), &catalog(resource_schema())).unwrap();
    let page = &g.files["docs/functions/double.md"];
    assert!(page.contains("page_title: \"double function - agent37\""));
    assert!(page.contains("description: |-\n  Doubles.\n"));
    assert!(page.contains("# function: double\n\nDoubles a number.\n"));
    assert!(page.contains("```text\ndouble(n number) list(number)\n```"));
    assert!(page.contains("1. `n` (Number) A number.\n"));
    assert!(page.contains("## Return Type\n\nList of Number\n"));
    let index = &g.files["docs/index.md"];
    assert!(index.contains("# agent37 Provider\n\nConfigures it.\n"));
    assert!(index.contains("### Optional\n\n- `api_key` (String, Optional) The key.\n"));
    assert!(
        g.warnings
            .iter()
            .any(|w| w.contains("examples/resources/agent37_thing/resource.tf"))
    );
}

#[test]
fn missing_descriptions_are_listed_by_path() {
    let mut schema = resource_schema();
    schema.block.attributes[0].description.clear();
    let ports = schema
        .block
        .attributes
        .iter_mut()
        .find(|a| a.name == "ports")
        .unwrap();
    if let AttrType::Nested { attributes, .. } = &mut ports.ty {
        attributes[1].description = "  ".into();
    }
    schema.block.blocks[0].block.attributes[2]
        .description
        .clear();
    let mut c = catalog(schema);
    c.provider.block.attributes[0].description.clear();
    match generate(&empty_root(), &c) {
        Err(DocsError::MissingDescriptions(paths)) => assert_eq!(
            paths,
            [
                "provider.api_key",
                "agent37_thing.id",
                "agent37_thing.ports.default",
                "agent37_thing.timeouts.delete",
            ]
        ),
        Err(other) => panic!("{other}"),
        Ok(_) => panic!("generated despite missing descriptions"),
    }
}

/// A scratch checkout under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(label: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("xtask-docs-{label}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

#[test]
fn examples_templates_and_import_come_from_the_checkout() {
    let root = Scratch::new("examples");
    let dir = "examples/resources/agent37_thing";
    root.write(
        &format!("{dir}/resource.tf"),
        "resource \"agent37_thing\" \"x\" {}\n",
    );
    root.write(
        &format!("{dir}/import.sh"),
        "terraform import agent37_thing.x abc\n",
    );
    root.write(
        &format!("{dir}/import-by-string-id.tf"),
        "import {\n  to = agent37_thing.x\n  id = \"abc\"\n}\n",
    );
    root.write(
        "templates/resources/thing.md",
        "## Notes\n\nHand-written.\n",
    );
    root.write("examples/resources/agent37_gone/resource.tf", "# renamed\n");
    root.write(
        "templates/guides/start.md",
        "---\npage_title: \"Start\"\n---\n\n# Start\n",
    );

    let g = generate(&root.0, &catalog(resource_schema())).unwrap();
    let page = &g.files["docs/resources/thing.md"];
    let notes = page.find("A thing.\n\n## Notes\n\nHand-written.\n\n## Example Usage\n\n```terraform\nresource \"agent37_thing\" \"x\" {}\n```\n").unwrap_or_else(|| panic!("{page}"));
    let import = page.find("## Import\n\nImport is supported using the following syntax:\n\nIn Terraform v1.5.0 and later").unwrap();
    let block = page
        .find("```terraform\nimport {\n  to = agent37_thing.x\n  id = \"abc\"\n}\n```")
        .unwrap();
    let cli = page
        .find("```shell\nterraform import agent37_thing.x abc\n```\n")
        .unwrap();
    let identity = page.find("### Identity Schema").unwrap();
    assert!(
        notes < import && import < block && block < cli && cli < identity,
        "{page}"
    );
    assert!(
        page.ends_with("- `id` (String, Required) The id.\n"),
        "{page}"
    );
    assert_eq!(
        g.files["docs/guides/start.md"],
        "---\npage_title: \"Start\"\n---\n\n# Start\n"
    );
    assert!(
        g.warnings
            .iter()
            .any(|w| w.starts_with("examples/resources/agent37_gone/resource.tf is not used")),
        "{:?}",
        g.warnings
    );

    root.write("templates/guides/bad.md", "# No front matter\n");
    match generate(&root.0, &catalog(resource_schema())) {
        Err(DocsError::Files(p)) => assert!(
            p[0].starts_with("templates/guides/bad.md: a guide must start with front matter"),
            "{p:?}"
        ),
        _ => panic!("a guide without front matter was accepted"),
    }
}

#[test]
fn write_then_check_finds_nothing_stale_and_removes_leftovers() {
    let root = Scratch::new("write");
    let g = generate(&root.0, &catalog(resource_schema())).unwrap();
    let missing = stale(&root.0, &g).unwrap();
    assert_eq!(missing.len(), g.files.len());
    assert!(
        missing.iter().all(|m| m.ends_with("(missing)")),
        "{missing:?}"
    );

    root.write("docs/resources/old.md", "old");
    root.write("docs/index.md", "edited by hand");
    // Hand-written pages beside the Registry's folders are not the generator's.
    root.write("docs/contract/hosting-api.md", "the contract");
    root.write("docs/performance.md", "figures");
    let mut found = stale(&root.0, &g).unwrap();
    found.sort();
    assert!(
        found.contains(&"docs/index.md (out of date)".to_string()),
        "{found:?}"
    );
    assert!(
        found.contains(&"docs/resources/old.md (no longer generated)".to_string()),
        "{found:?}"
    );
    assert_eq!(found.len(), 2 + g.files.len() - 1, "{found:?}");

    write(&root.0, &g).unwrap();
    assert_eq!(stale(&root.0, &g).unwrap(), Vec::<String>::new());
    assert!(!root.0.join("docs/resources/old.md").exists());
    assert!(root.0.join("docs/contract/hosting-api.md").is_file());
    assert!(root.0.join("docs/performance.md").is_file());
    // Writing again touches nothing.
    assert_eq!(write(&root.0, &g).unwrap(), Vec::<String>::new());
}

#[test]
fn values_and_types_render_as_hcl() {
    assert_eq!(hcl_value(&Value::string("a\"b")), "\"a\\\"b\"");
    assert_eq!(hcl_value(&Value::number(6)), "6");
    assert_eq!(
        hcl_value(&Value::list([Value::Bool(true), Value::Null])),
        "[true, null]"
    );
    assert_eq!(
        hcl_value(&Value::map([("k", Value::string("v"))])),
        "{ k = \"v\" }"
    );
    assert_eq!(
        hcl_type(&Type::map(Type::object([("a", Type::Bool)]))),
        "map(object({a = bool}))"
    );
    assert_eq!(
        type_label(&Type::set(Type::list(Type::String))),
        "Set of List of String"
    );
}

// ---------------------------------------------------------------------------------------------
// The checkout's own docs/ (what `cargo xtask docs --check` checks).

#[test]
fn docs_are_fresh() {
    let root = testkit::workspace_root();
    let root = root.as_path();
    let generated = match generate(root, &Catalog::agent37()) {
        Ok(g) => g,
        Err(e) => panic!("`{}` fails:\n{e}", FIX_COMMAND),
    };
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    let stale = stale(root, &generated).unwrap_or_else(|e| panic!("reading docs/: {e}"));
    assert!(
        stale.is_empty(),
        "docs/ is stale; run `{}` and commit the result. Stale files:\n  {}",
        FIX_COMMAND,
        stale.join("\n  ")
    );
}

#[test]
fn every_registered_type_has_a_page() {
    let root = testkit::workspace_root();
    let root = root.as_path();
    let catalog = Catalog::agent37();
    let generated = generate(root, &catalog).unwrap_or_else(|e| panic!("{e}"));
    let mut expected = vec!["docs/index.md".to_string()];
    for (dir, list) in [
        ("resources", &catalog.resources),
        ("data-sources", &catalog.data_sources),
        ("ephemeral-resources", &catalog.ephemeral_resources),
        ("actions", &catalog.actions),
        ("list-resources", &catalog.list_resources),
    ] {
        expected.extend(
            list.iter()
                .map(|e| format!("docs/{dir}/{}.md", catalog.short(&e.name))),
        );
    }
    expected.extend(
        catalog
            .functions
            .iter()
            .map(|(n, _)| format!("docs/functions/{n}.md")),
    );
    for page in &expected {
        assert!(
            generated.files.contains_key(page),
            "{page} is not generated; pages: {:?}",
            generated.files.keys().collect::<Vec<_>>()
        );
    }
}
