//! The types a framed input can name: every schema the provider serves (provider block,
//! resources, data sources, ephemeral resources) and a few generic types that exercise what the
//! schemas do not (`dynamic`, sets, tuples, deep nesting).
//!
//! A framed input is `NAME\n` followed by the payload; an unknown name means `dynamic`.

use std::sync::{Arc, OnceLock};

use agent37_provider::provider::{Agent37, Agent37Data};
use agent37_provider::sdk::schema::Block;
use agent37_provider::sdk::traits::{DynDataSource, DynEphemeralResource, DynResource};
use agent37_provider::sdk::{Diagnostics, Provider, Schema, Type, Value};

/// Where a schema comes from, for the checks that run on a decoded configuration.
pub enum Kind {
    Provider,
    Resource(Arc<dyn DynResource<Agent37Data>>),
    Data(Arc<dyn DynDataSource<Agent37Data>>),
    Ephemeral(Arc<dyn DynEphemeralResource<Agent37Data>>),
    Generic,
}

pub struct Entry {
    pub name: String,
    pub ty: Type,
    pub block: Block,
    pub version: i64,
    pub kind: Kind,
}

impl Entry {
    fn of(name: String, schema: Schema, kind: Kind) -> Entry {
        Entry {
            name,
            ty: schema.value_type(),
            block: schema.block,
            version: schema.version,
            kind,
        }
    }

    /// The object-level checks the server runs after the attribute validators.
    pub fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        match &self.kind {
            Kind::Provider => Agent37.validate(config, diags),
            Kind::Resource(r) => r.validate(config, diags),
            Kind::Data(d) => d.validate(config, diags),
            Kind::Ephemeral(e) => e.validate(config, diags),
            Kind::Generic => {}
        }
    }
}

/// All entries, built once.
pub fn all() -> &'static [Entry] {
    static ENTRIES: OnceLock<Vec<Entry>> = OnceLock::new();
    ENTRIES.get_or_init(build)
}

/// The entry an input names; `dynamic` for anything else.
pub fn named(name: &str) -> &'static Entry {
    let entries = all();
    entries
        .iter()
        .find(|e| e.name == name)
        .or_else(|| entries.iter().find(|e| e.name == "type.dynamic"))
        .unwrap_or(&entries[0])
}

/// Splits a framed input into its entry and payload.
pub fn split(input: &[u8]) -> (&'static Entry, &[u8]) {
    match input.iter().position(|b| *b == b'\n') {
        Some(i) => (
            named(&String::from_utf8_lossy(&input[..i])),
            &input[i + 1..],
        ),
        None => (named(""), input),
    }
}

/// `NAME\n` + payload.
pub fn frame(name: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 1 + payload.len());
    out.extend_from_slice(name.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(payload);
    out
}

fn build() -> Vec<Entry> {
    let p = Agent37;
    let mut v = vec![Entry::of("provider".to_owned(), p.schema(), Kind::Provider)];
    for r in p.resources() {
        v.push(Entry::of(
            format!("resource.{}", r.type_name()),
            r.schema(),
            Kind::Resource(r),
        ));
    }
    for d in p.data_sources() {
        v.push(Entry::of(
            format!("data.{}", d.type_name()),
            d.schema(),
            Kind::Data(d),
        ));
    }
    for e in p.ephemeral_resources() {
        v.push(Entry::of(
            format!("ephemeral.{}", e.type_name()),
            e.schema(),
            Kind::Ephemeral(e),
        ));
    }
    let nested = Type::object([(
        "a",
        Type::list(Type::object([
            ("b", Type::map(Type::Dynamic)),
            ("c", Type::set(Type::Number)),
        ])),
    )]);
    let generic = [
        ("type.dynamic", Type::Dynamic),
        ("type.list_string", Type::list(Type::String)),
        ("type.set_number", Type::set(Type::Number)),
        ("type.map_bool", Type::map(Type::Bool)),
        (
            "type.tuple",
            Type::tuple([Type::String, Type::Number, Type::Bool, Type::Dynamic]),
        ),
        ("type.nested", nested),
    ];
    for (name, ty) in generic {
        v.push(Entry {
            name: name.to_owned(),
            ty,
            block: Block::default(),
            version: 0,
            kind: Kind::Generic,
        });
    }
    v
}
