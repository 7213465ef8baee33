//! `docs/` is what `cargo xtask docs` generates from the provider's schemas, `examples/` and
//! `templates/`: a schema or example change without regenerated docs fails here.
//!
//! The generator is the very file `cargo xtask docs` uses, compiled into this test.

#[path = "../xtask/src/docs.rs"]
#[allow(dead_code)]
mod docs;

use std::path::Path;

#[test]
fn docs_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let generated = match docs::generate(root, &docs::Catalog::agent37()) {
        Ok(g) => g,
        Err(e) => panic!("`{}` fails:\n{e}", docs::FIX_COMMAND),
    };
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    let stale = docs::stale(root, &generated).unwrap_or_else(|e| panic!("reading docs/: {e}"));
    assert!(
        stale.is_empty(),
        "docs/ is stale; run `{}` and commit the result. Stale files:\n  {}",
        docs::FIX_COMMAND,
        stale.join("\n  ")
    );
}

#[test]
fn every_registered_type_has_a_page() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalog = docs::Catalog::agent37();
    let generated = docs::generate(root, &catalog).unwrap_or_else(|e| panic!("{e}"));
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
