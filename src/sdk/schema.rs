//! Schemas: what a provider, resource or data source accepts, plus the provider-side behaviour
//! (defaults, replacement, validation, plan quietness) that the server applies generically.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::path::Path;
use super::types::Type;
use super::validate::Validator;
use super::value::Value;

/// How a computed value behaves in a plan when the resource has an update planned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnUpdate {
    /// Keep the prior state's value: updates cannot change it (`id`, `created`, `ports`…).
    #[default]
    KeepPrior,
    /// The value may move on its own or because of the update (`status`, counters): unknown in
    /// the plan whenever the resource has an update planned.
    Unknown,
}

/// How the attributes of a nested attribute are collected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nesting {
    Single,
    List,
    Set,
    Map,
}

#[derive(Clone)]
pub enum AttrType {
    /// A plain Terraform type.
    Plain(Type),
    /// A nested attribute (protocol 6): an object, or a collection of objects, with its own
    /// attribute schema, so that each inner attribute has its own optional/computed flags.
    Nested {
        nesting: Nesting,
        attributes: Vec<Attribute>,
    },
}

#[derive(Clone)]
pub struct Attribute {
    pub name: String,
    pub ty: AttrType,
    pub description: String,
    pub required: bool,
    pub optional: bool,
    pub computed: bool,
    pub sensitive: bool,
    /// Write-only (protocol 6.8, Terraform ≥ 1.11): the value is in the configuration only,
    /// never in a plan or state (the SDK keeps it null there); for secrets sent at create.
    pub write_only: bool,
    pub deprecated: Option<String>,
    /// Filled into the plan when the configuration leaves it null (needs optional + computed).
    pub default: Option<Value>,
    /// A changed value (config vs prior state) forces a replacement.
    pub requires_replace: bool,
    pub on_update: OnUpdate,
    pub validators: Vec<Arc<dyn Validator>>,
}

impl Attribute {
    fn new(name: &str, ty: AttrType) -> Attribute {
        Attribute {
            name: name.to_string(),
            ty,
            description: String::new(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            write_only: false,
            deprecated: None,
            default: None,
            requires_replace: false,
            on_update: OnUpdate::KeepPrior,
            validators: Vec::new(),
        }
    }

    /// An attribute of any schema type (what `#[derive(Model)]` builds from a field's type).
    pub fn with_type(name: &str, ty: AttrType) -> Attribute {
        Self::new(name, ty)
    }

    pub fn string(name: &str) -> Attribute {
        Self::new(name, AttrType::Plain(Type::String))
    }
    pub fn number(name: &str) -> Attribute {
        Self::new(name, AttrType::Plain(Type::Number))
    }
    pub fn bool(name: &str) -> Attribute {
        Self::new(name, AttrType::Plain(Type::Bool))
    }
    pub fn typed(name: &str, ty: Type) -> Attribute {
        Self::new(name, AttrType::Plain(ty))
    }
    pub fn nested(name: &str, nesting: Nesting, attributes: Vec<Attribute>) -> Attribute {
        Self::new(
            name,
            AttrType::Nested {
                nesting,
                attributes,
            },
        )
    }

    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }
    pub fn optional(mut self) -> Self {
        self.optional = true;
        self
    }
    pub fn computed(mut self) -> Self {
        self.computed = true;
        self
    }
    /// Optional + computed with a default filled in by the plan.
    pub fn default(mut self, value: Value) -> Self {
        self.optional = true;
        self.computed = true;
        self.default = Some(value);
        self
    }
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    /// Write-only: configured, sent to the API by the handlers (from the configuration), never
    /// stored. Needs Terraform ≥ 1.11; cannot be computed.
    pub fn write_only(mut self) -> Self {
        self.write_only = true;
        self
    }
    /// Deprecated (an old name kept as an alias of a new one, say): Terraform marks it, the
    /// docs show `message`.
    pub fn deprecated(mut self, message: &str) -> Self {
        self.deprecated = Some(message.to_string());
        self
    }
    pub fn describe(mut self, text: &str) -> Self {
        self.description = text.to_string();
        self
    }
    pub fn requires_replace(mut self) -> Self {
        self.requires_replace = true;
        self
    }
    pub fn unknown_on_update(mut self) -> Self {
        self.on_update = OnUpdate::Unknown;
        self
    }
    pub fn validate(mut self, v: impl Validator + 'static) -> Self {
        self.validators.push(Arc::new(v));
        self
    }

    /// The Terraform type of this attribute's value.
    pub fn value_type(&self) -> Type {
        match &self.ty {
            AttrType::Plain(t) => t.clone(),
            AttrType::Nested {
                nesting,
                attributes,
            } => {
                let obj = object_type(attributes);
                match nesting {
                    Nesting::Single => obj,
                    Nesting::List => Type::List(Box::new(obj)),
                    Nesting::Set => Type::Set(Box::new(obj)),
                    Nesting::Map => Type::Map(Box::new(obj)),
                }
            }
        }
    }
}

/// A nested block (like `timeouts { … }`).
#[derive(Clone)]
pub struct NestedBlock {
    pub name: String,
    pub nesting: Nesting,
    pub block: Block,
    pub min_items: i64,
    pub max_items: i64,
}

#[derive(Clone, Default)]
pub struct Block {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<NestedBlock>,
    pub description: String,
    pub deprecated: bool,
}

impl Block {
    /// Sorts the attributes and blocks by name, at every level: as the members of a value
    /// are, so that walks over both pair them in one pass ([`crate::sdk::plan::plan_block`]).
    pub fn sort_by_name(&mut self) {
        fn attributes(list: &mut [Attribute]) {
            list.sort_by(|a, b| a.name.cmp(&b.name));
            for a in list {
                if let AttrType::Nested {
                    attributes: inner, ..
                } = &mut a.ty
                {
                    attributes(inner);
                }
            }
        }
        attributes(&mut self.attributes);
        self.blocks.sort_by(|a, b| a.name.cmp(&b.name));
        for b in &mut self.blocks {
            b.block.sort_by_name();
        }
    }

    /// The object type of values conforming to this block.
    pub fn value_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> = BTreeMap::new();
        for a in &self.attributes {
            attrs.insert(a.name.clone(), a.value_type());
        }
        for b in &self.blocks {
            let inner = b.block.value_type();
            let t = match b.nesting {
                Nesting::Single => inner,
                Nesting::List => Type::List(Box::new(inner)),
                Nesting::Set => Type::Set(Box::new(inner)),
                Nesting::Map => Type::Map(Box::new(inner)),
            };
            attrs.insert(b.name.clone(), t);
        }
        Type::Object {
            attrs,
            optional: Default::default(),
        }
    }

    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Sets every write-only attribute of `value` (at any depth) to null: Terraform requires
    /// them null in every plan and state.
    pub fn null_write_only(&self, value: &mut Value) {
        null_write_only_in(&self.attributes, &self.blocks, value);
    }

    /// The paths of the write-only attributes `config` sets (to a value or an unknown).
    pub fn write_only_paths(&self, config: &Value) -> Vec<Path> {
        self.set_where(config, &|a| a.write_only)
            .into_iter()
            .map(|(path, _)| path)
            .collect()
    }

    /// Every deprecated attribute `config` sets, with its path and deprecation message.
    pub fn deprecated_set(&self, config: &Value) -> Vec<(Path, &str)> {
        self.set_where(config, &|a| a.deprecated.is_some())
            .into_iter()
            .map(|(path, a)| (path, a.deprecated.as_deref().unwrap_or_default()))
            .collect()
    }

    /// The attributes `pick` selects that `config` sets, at any depth, with their paths.
    fn set_where(
        &self,
        config: &Value,
        pick: &dyn Fn(&Attribute) -> bool,
    ) -> Vec<(Path, &Attribute)> {
        let mut out = Vec::new();
        set_in(
            &self.attributes,
            &self.blocks,
            config,
            &Path::root(),
            pick,
            &mut out,
        );
        out
    }
}

/// The objects a nested attribute or block holds in `value` (one for single nesting).
fn nested_objects(nesting: Nesting, value: &mut Value) -> Vec<&mut Value> {
    match (nesting, value) {
        (_, Value::Null | Value::Unknown(_)) => Vec::new(),
        (Nesting::Single, v) => vec![v],
        (_, Value::List(items) | Value::Set(items) | Value::Tuple(items)) => {
            items.iter_mut().collect()
        }
        (_, Value::Map(m) | Value::Object(m)) => m.values_mut().collect(),
        _ => Vec::new(),
    }
}

fn null_write_only_in(attributes: &[Attribute], blocks: &[NestedBlock], value: &mut Value) {
    let Value::Object(m) = value else {
        return;
    };
    let write_only = |a: &Attribute| a.write_only;
    for a in attributes {
        if a.write_only {
            // The object holds every attribute: no key to allocate in the common case.
            match m.get_mut(&a.name) {
                Some(v) => *v = Value::Null,
                None => {
                    m.insert(a.name.clone(), Value::Null);
                }
            }
        } else if let AttrType::Nested {
            nesting,
            attributes,
        } = &a.ty
            && any_picked(attributes, &[], &write_only)
            && let Some(v) = m.get_mut(&a.name)
        {
            for o in nested_objects(*nesting, v) {
                null_write_only_in(attributes, &[], o);
            }
        }
    }
    for b in blocks {
        if any_picked(&b.block.attributes, &b.block.blocks, &write_only)
            && let Some(v) = m.get_mut(&b.name)
        {
            for o in nested_objects(b.nesting, v) {
                null_write_only_in(&b.block.attributes, &b.block.blocks, o);
            }
        }
    }
}

/// Whether `pick` selects an attribute of this schema, at any depth: the walks below skip
/// what cannot hold one (most schemas have no deprecated attribute, and write-only ones sit
/// at the top), without building a path per attribute of every value they are given.
fn any_picked(
    attributes: &[Attribute],
    blocks: &[NestedBlock],
    pick: &dyn Fn(&Attribute) -> bool,
) -> bool {
    attributes.iter().any(|a| {
        pick(a)
            || matches!(&a.ty, AttrType::Nested { attributes, .. } if any_picked(attributes, &[], pick))
    }) || blocks
        .iter()
        .any(|b| any_picked(&b.block.attributes, &b.block.blocks, pick))
}

/// The attributes `pick` selects that `value` sets (not null), with their paths, nested ones
/// included, in schema order.
fn set_in<'a>(
    attributes: &'a [Attribute],
    blocks: &'a [NestedBlock],
    value: &Value,
    at: &Path,
    pick: &dyn Fn(&Attribute) -> bool,
    out: &mut Vec<(Path, &'a Attribute)>,
) {
    let Value::Object(m) = value else {
        return;
    };
    for a in attributes {
        let picked = pick(a);
        let nested = match &a.ty {
            AttrType::Nested {
                nesting,
                attributes,
            } if any_picked(attributes, &[], pick) => Some((*nesting, attributes)),
            _ => None,
        };
        if !picked && nested.is_none() {
            continue;
        }
        let Some(v) = m.get(&a.name) else {
            continue;
        };
        let here = at.join_attr(&a.name);
        if picked && !v.is_null() {
            out.push((here.clone(), a));
        }
        if let Some((nesting, attributes)) = nested {
            each_nested(nesting, v, &here, &mut |o, p| {
                set_in(attributes, &[], o, p, pick, out)
            });
        }
    }
    for b in blocks {
        if !any_picked(&b.block.attributes, &b.block.blocks, pick) {
            continue;
        }
        if let Some(v) = m.get(&b.name) {
            each_nested(b.nesting, v, &at.join_attr(&b.name), &mut |o, p| {
                set_in(&b.block.attributes, &b.block.blocks, o, p, pick, out)
            });
        }
    }
}

fn each_nested(nesting: Nesting, value: &Value, at: &Path, f: &mut dyn FnMut(&Value, &Path)) {
    match (nesting, value) {
        (_, Value::Null | Value::Unknown(_)) => {}
        (Nesting::Single, v) => f(v, at),
        (_, Value::List(items) | Value::Set(items) | Value::Tuple(items)) => {
            for (i, o) in items.iter().enumerate() {
                f(o, &at.join_index(i));
            }
        }
        (_, Value::Map(m) | Value::Object(m)) => {
            for (k, o) in m {
                f(o, &at.join_key(k));
            }
        }
        _ => {}
    }
}

fn object_type(attributes: &[Attribute]) -> Type {
    Type::Object {
        attrs: attributes
            .iter()
            .map(|a| (a.name.clone(), a.value_type()))
            .collect(),
        optional: Default::default(),
    }
}

/// A versioned schema of a provider, resource or data source.
#[derive(Clone, Default)]
pub struct Schema {
    pub version: i64,
    pub block: Block,
}

impl Schema {
    pub fn new(description: &str, attributes: Vec<Attribute>) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes,
                blocks: Vec::new(),
                description: description.to_string(),
                deprecated: false,
            },
        }
    }

    pub fn version(mut self, v: i64) -> Self {
        self.version = v;
        self
    }

    pub fn with_block(mut self, b: NestedBlock) -> Self {
        self.block.blocks.push(b);
        self
    }

    pub fn value_type(&self) -> Type {
        self.block.value_type()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_list_attribute_has_list_of_object_type() {
        let a = Attribute::nested(
            "ports",
            Nesting::List,
            vec![
                Attribute::number("port").required(),
                Attribute::bool("default").default(Value::Bool(false)),
            ],
        );
        match a.value_type() {
            Type::List(inner) => match *inner {
                Type::Object { attrs, .. } => {
                    assert_eq!(attrs.get("port"), Some(&Type::Number));
                    assert_eq!(attrs.get("default"), Some(&Type::Bool));
                }
                other => panic!("not an object: {other:?}"),
            },
            other => panic!("not a list: {other:?}"),
        }
    }

    #[test]
    fn write_only_values_are_found_and_nulled_at_any_depth() {
        let block = Schema::new(
            "t",
            vec![
                Attribute::string("name").required(),
                Attribute::string("token").optional().write_only(),
                Attribute::nested(
                    "env",
                    Nesting::List,
                    vec![
                        Attribute::string("key").required(),
                        Attribute::string("secret").optional().write_only(),
                    ],
                )
                .optional(),
            ],
        )
        .block;
        let entry = |k: &str, s: Value| Value::object([("key", Value::string(k)), ("secret", s)]);
        let config = Value::object([
            ("name", Value::string("a")),
            ("token", Value::unknown()),
            (
                "env",
                Value::list([entry("A", Value::string("s")), entry("B", Value::Null)]),
            ),
        ]);
        let paths: Vec<String> = block
            .write_only_paths(&config)
            .iter()
            .map(Path::to_string)
            .collect();
        // Schema order: attributes, then blocks.
        assert_eq!(paths, ["token", "env[0].secret"]);
        let mut state = config.clone();
        block.null_write_only(&mut state);
        assert_eq!(
            state,
            Value::object([
                ("name", Value::string("a")),
                ("token", Value::Null),
                (
                    "env",
                    Value::list([entry("A", Value::Null), entry("B", Value::Null)]),
                ),
            ])
        );
    }

    #[test]
    fn deprecated_and_write_only_flags_reach_the_wire() {
        let s = Schema::new(
            "t",
            vec![
                Attribute::string("old").optional().deprecated("Use `new`."),
                Attribute::string("token").optional().write_only(),
            ],
        );
        let block = crate::sdk::convert::schema(&s).block.expect("block");
        let flags: Vec<(&str, bool, bool)> = block
            .attributes
            .iter()
            .map(|a| (a.name.as_str(), a.deprecated, a.write_only))
            .collect();
        assert_eq!(flags, [("old", true, false), ("token", false, true)]);
    }

    #[test]
    fn deprecated_attributes_set_in_config_are_found_with_their_message() {
        let block = Schema::new(
            "t",
            vec![
                Attribute::string("old").optional().deprecated("Use `new`."),
                Attribute::string("unused").optional().deprecated("Gone."),
                Attribute::string("new").optional(),
                Attribute::nested(
                    "rules",
                    Nesting::List,
                    vec![
                        Attribute::number("limit")
                            .optional()
                            .deprecated("Use `cap`."),
                    ],
                )
                .optional(),
            ],
        )
        .block;
        let config = Value::object([
            ("old", Value::unknown()),
            ("unused", Value::Null),
            ("new", Value::string("x")),
            (
                "rules",
                Value::list([
                    Value::object([("limit", Value::Null)]),
                    Value::object([("limit", Value::number(3))]),
                ]),
            ),
        ]);
        let found: Vec<(String, &str)> = block
            .deprecated_set(&config)
            .into_iter()
            .map(|(p, m)| (p.to_string(), m))
            .collect();
        assert_eq!(
            found,
            [
                ("old".to_string(), "Use `new`."),
                ("rules[1].limit".to_string(), "Use `cap`.")
            ]
        );
    }

    #[test]
    fn default_implies_optional_computed() {
        let a = Attribute::string("state").default(Value::String("running".into()));
        assert!(a.optional && a.computed && a.default.is_some());
    }
}
