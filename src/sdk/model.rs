//! Typed models of Terraform objects: a struct per resource state, data source, action
//! configuration… whose fields are declared once with `#[derive(Model)]` (see `sdk_derive`)
//! and give both the schema attributes and the conversions from and to [`Value`].
//!
//! A field is an [`Attr<T>`]: null, unknown (or partly unknown), or a known `T`. Conversions
//! are lossless, so a planned value read into a model and written back is the value Terraform
//! sent (refinements and partly unknown collections included): a plan hook may edit a model
//! without disturbing what it does not touch.
//!
//! `T` is a [`Kind`]: `String`, `i64`, `bool`, [`Number`], `Vec<T>` (list), [`Set<T>`],
//! `BTreeMap<String, T>` (map), `Option<T>` (an element that may be null) or another model (a
//! nested attribute: `Attr<Inner>` is a single nested object, `Attr<Vec<Inner>>` a list of them).

use std::collections::BTreeMap;

pub use sdk_derive::Model;

use super::diag::Diagnostics;
use super::path::{Path, Step};
use super::schema::{AttrType, Attribute, Block, NestedBlock, Nesting, Schema};
use super::types::Type;
use super::value::{Number, Value, ValueMap};

// ---------------------------------------------------------------------------------------------
// Attr

/// One attribute of a model: null, unknown (wholly, or partly for a collection or object, kept
/// as the value itself), or known.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Attr<T> {
    #[default]
    Null,
    /// Not known yet (during planning). Holds the value as Terraform sent it, so writing it
    /// back loses nothing; a collection with an unknown element is unknown as a whole.
    Unknown(Value),
    Known(T),
}

impl<T> From<T> for Attr<T> {
    fn from(v: T) -> Self {
        Attr::Known(v)
    }
}

impl From<&str> for Attr<String> {
    fn from(v: &str) -> Self {
        Attr::Known(v.to_string())
    }
}

impl<T> Attr<T> {
    /// A wholly unknown value.
    pub fn unknown() -> Self {
        Attr::Unknown(Value::unknown())
    }

    /// `Some` → known, `None` → null.
    pub fn from_option(v: Option<T>) -> Self {
        v.map_or(Attr::Null, Attr::Known)
    }

    /// The known value (None for null and unknown).
    pub fn known(&self) -> Option<&T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }

    pub fn into_known(self) -> Option<T> {
        match self {
            Attr::Known(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Attr::Null)
    }

    /// Known or null (not waiting for apply).
    pub fn is_known(&self) -> bool {
        !matches!(self, Attr::Unknown(_))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Attr::Unknown(_))
    }

    pub fn as_ref(&self) -> Attr<&T> {
        match self {
            Attr::Null => Attr::Null,
            Attr::Unknown(v) => Attr::Unknown(v.clone()),
            Attr::Known(t) => Attr::Known(t),
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Attr<U> {
        match self {
            Attr::Null => Attr::Null,
            Attr::Unknown(v) => Attr::Unknown(v),
            Attr::Known(t) => Attr::Known(f(t)),
        }
    }
}

impl Attr<String> {
    pub fn as_str(&self) -> Option<&str> {
        self.known().map(String::as_str)
    }
}

impl<T: Copy> Attr<T> {
    /// The known value, copied.
    pub fn get(&self) -> Option<T> {
        self.known().copied()
    }
}

impl<T: Kind> Attr<T> {
    /// Reads an attribute value: null, unknown when not fully known, else `T`.
    pub fn from_value(v: &Value, at: &Path) -> Result<Self, ModelError> {
        let v = v.unwrap_dynamic();
        if v.is_null() {
            Ok(Attr::Null)
        } else if !v.is_fully_known() {
            Ok(Attr::Unknown(v.clone()))
        } else {
            T::from_known(v, at).map(Attr::Known)
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Attr::Null => Value::Null,
            Attr::Unknown(v) => v.clone(),
            Attr::Known(t) => t.to_value(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Traits

/// A type an attribute (or a collection element) can hold.
pub trait Kind: Sized {
    /// The attribute's schema type: a plain type, or nested attributes for a model.
    fn attr_type() -> AttrType;
    /// Reads a known, non-null value.
    fn from_known(v: &Value, at: &Path) -> Result<Self, ModelError>;
    fn to_value(&self) -> Value;
}

/// A field of a model: an [`Attr`], or a block such as [`super::timeouts::Timeouts`].
pub trait Field: Sized {
    fn from_value(v: &Value, at: &Path) -> Result<Self, ModelError>;
    fn to_value(&self) -> Value;
}

/// A field that is an attribute (`#[attr(…)]`).
pub trait AttributeField: Field {
    /// The schema attribute named `name` with this field's type (flags come from the builder
    /// calls of `#[attr(…)]`).
    fn attribute(name: &str) -> Attribute;
}

impl<T: Kind> Field for Attr<T> {
    fn from_value(v: &Value, at: &Path) -> Result<Self, ModelError> {
        Attr::from_value(v, at)
    }
    fn to_value(&self) -> Value {
        Attr::to_value(self)
    }
}

impl<T: Kind> AttributeField for Attr<T> {
    fn attribute(name: &str) -> Attribute {
        Attribute::with_type(name, T::attr_type())
    }
}

/// A field that is a nested block (`#[block]`).
pub trait BlockField: Field {
    fn nested_block(name: &str) -> NestedBlock;
}

/// A Terraform object declared with `#[derive(Model)]`.
pub trait Model: Sized {
    /// The schema attributes, in declaration order.
    fn attributes() -> Vec<Attribute>;
    /// The nested blocks.
    fn blocks() -> Vec<NestedBlock>;
    /// Reads the model's attributes from an object value; attributes it does not declare are
    /// ignored (a `#[flatten]`ed model shares its object), missing ones read as null.
    fn from_object(value: &Value, at: &Path) -> Result<Self, ModelError>;
    /// The model's attributes as object members.
    fn to_object(&self) -> ValueMap;

    /// The schema block of this model.
    fn block() -> Block {
        Block {
            attributes: Self::attributes(),
            blocks: Self::blocks(),
            description: String::new(),
            deprecated: false,
        }
    }

    /// A schema (version 0) with this model's attributes and blocks.
    fn schema(description: &str) -> Schema {
        let mut s = Schema::new(description, Self::attributes());
        s.block.blocks = Self::blocks();
        s
    }
}

/// What handlers exchange with the SDK: a model (`#[derive(Model)]` implements this), or a
/// bare [`Value`].
pub trait Object: Sized + Send + Sync + 'static {
    fn from_value(v: &Value) -> Result<Self, ModelError>;
    fn to_value(&self) -> Value;
}

impl Object for Value {
    fn from_value(v: &Value) -> Result<Self, ModelError> {
        Ok(v.clone())
    }
    fn to_value(&self) -> Value {
        self.clone()
    }
}

/// An object model read from a null value is all nulls (a destroy's planned state, a
/// create's prior state): the model's `Default`.
pub fn object_from_value<M: Model + Default>(v: &Value) -> Result<M, ModelError> {
    if v.is_null() {
        Ok(M::default())
    } else {
        M::from_object(v, &Path::root())
    }
}

/// Private state a resource keeps beside its state (bytes Terraform stores for it).
pub trait PrivateState: Default + PartialEq + Send + Sync + 'static {
    /// Reads stored bytes; bytes it cannot read (another version's format, none) read as
    /// `Default`.
    fn decode(bytes: &[u8]) -> Self;
    fn encode(&self) -> Vec<u8>;
}

/// No private state.
impl PrivateState for () {
    fn decode(_: &[u8]) -> Self {}
    fn encode(&self) -> Vec<u8> {
        Vec::new()
    }
}

/// Private state as raw bytes.
impl PrivateState for Vec<u8> {
    fn decode(bytes: &[u8]) -> Self {
        bytes.to_vec()
    }
    fn encode(&self) -> Vec<u8> {
        self.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers for the derive

/// The value of attribute `name` of an object's `members` (null when absent or when there is
/// no object), trying position `hint` first (see [`ValueMap::get_hinted`]): the derive reads
/// attributes in name order.
pub fn attr_hinted<'a>(members: Option<&'a ValueMap>, name: &str, hint: &mut usize) -> &'a Value {
    members
        .and_then(|m| m.get_hinted(name, hint))
        .unwrap_or(&Value::Null)
}

/// The schema type of a model used as a single nested attribute.
pub fn nested_single<M: Model>() -> AttrType {
    AttrType::Nested {
        nesting: Nesting::Single,
        attributes: M::attributes(),
    }
}

/// Reads a model from a known value, which must be an object.
pub fn object_from_known<M: Model>(v: &Value, at: &Path) -> Result<M, ModelError> {
    match v {
        Value::Object(_) => M::from_object(v, at),
        other => Err(ModelError::new(at, "an object", other)),
    }
}

// ---------------------------------------------------------------------------------------------
// Errors

/// A value that does not fit the model: the attribute path, what was expected, what was found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {expected} is required, found {found}")]
pub struct ModelError {
    pub path: Path,
    pub expected: &'static str,
    pub found: String,
}

impl ModelError {
    pub fn new(at: &Path, expected: &'static str, found: &Value) -> ModelError {
        let found = match found {
            Value::Number(n) => n.to_string(),
            Value::String(s) if s.chars().count() <= 40 => format!("{s:?}"),
            other => format!("a {}", other.kind_name()),
        };
        ModelError {
            path: at.clone(),
            expected,
            found,
        }
    }

    /// The same error seen from `at`, one attribute up. Reads pass the root path down and
    /// build the real one only on failure, on the way out: a successful read of a model spends
    /// nothing on paths (it used to clone one per attribute).
    pub fn within_attr(self, at: &Path, name: &str) -> ModelError {
        self.within(at, Step::Attr(name.to_string()))
    }

    fn within(mut self, at: &Path, step: Step) -> ModelError {
        let mut steps = Vec::with_capacity(at.0.len() + 1 + self.path.0.len());
        steps.extend(at.0.iter().cloned());
        steps.push(step);
        steps.append(&mut self.path.0);
        self.path = Path(steps);
        self
    }

    /// The error as a diagnostic on its attribute.
    pub fn diagnostics(&self) -> Diagnostics {
        let mut d = Diagnostics::new();
        d.attr_error(
            self.path.clone(),
            "Invalid value",
            format!(
                "{}: {} is required, found {}.",
                self.path, self.expected, self.found
            ),
        );
        d
    }
}

// ---------------------------------------------------------------------------------------------
// Kinds

impl Kind for String {
    fn attr_type() -> AttrType {
        AttrType::Plain(Type::String)
    }
    fn from_known(v: &Value, at: &Path) -> Result<Self, ModelError> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| ModelError::new(at, "a string", v))
    }
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl Kind for bool {
    fn attr_type() -> AttrType {
        AttrType::Plain(Type::Bool)
    }
    fn from_known(v: &Value, at: &Path) -> Result<Self, ModelError> {
        v.as_bool().ok_or_else(|| ModelError::new(at, "a bool", v))
    }
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

impl Kind for i64 {
    fn attr_type() -> AttrType {
        AttrType::Plain(Type::Number)
    }
    fn from_known(v: &Value, at: &Path) -> Result<Self, ModelError> {
        v.as_i64()
            .ok_or_else(|| ModelError::new(at, "a whole number", v))
    }
    fn to_value(&self) -> Value {
        Value::number(*self)
    }
}

impl Kind for Number {
    fn attr_type() -> AttrType {
        AttrType::Plain(Type::Number)
    }
    fn from_known(v: &Value, at: &Path) -> Result<Self, ModelError> {
        v.as_number()
            .cloned()
            .ok_or_else(|| ModelError::new(at, "a number", v))
    }
    fn to_value(&self) -> Value {
        Value::Number(self.clone())
    }
}

/// An element that may be null (`map(string)` values, list elements).
impl<T: Kind> Kind for Option<T> {
    fn attr_type() -> AttrType {
        T::attr_type()
    }
    fn from_known(v: &Value, at: &Path) -> Result<Self, ModelError> {
        if v.is_null() {
            Ok(None)
        } else {
            T::from_known(v, at).map(Some)
        }
    }
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, Kind::to_value)
    }
}

/// The element type of a collection of `T`: a nested object's attributes become an object type.
fn element_type<T: Kind>() -> (Type, Option<Vec<Attribute>>) {
    match T::attr_type() {
        AttrType::Plain(t) => (t, None),
        AttrType::Nested {
            nesting: Nesting::Single,
            attributes,
        } => {
            let ty = Block {
                attributes: attributes.clone(),
                ..Block::default()
            }
            .value_type();
            (ty, Some(attributes))
        }
        nested @ AttrType::Nested { .. } => {
            (Attribute::with_type("element", nested).value_type(), None)
        }
    }
}

fn collection_type<T: Kind>(nesting: Nesting, wrap: fn(Type) -> Type) -> AttrType {
    match element_type::<T>() {
        (_, Some(attributes)) => AttrType::Nested {
            nesting,
            attributes,
        },
        (ty, None) => AttrType::Plain(wrap(ty)),
    }
}

fn elements<T: Kind>(items: &[Value], at: &Path) -> Result<Vec<T>, ModelError> {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            T::from_known(v.unwrap_dynamic(), &Path::root())
                .map_err(|e| e.within(at, Step::Index(i64::try_from(i).unwrap_or(i64::MAX))))
        })
        .collect()
}

/// A list.
impl<T: Kind> Kind for Vec<T> {
    fn attr_type() -> AttrType {
        collection_type::<T>(Nesting::List, Type::list)
    }
    fn from_known(v: &Value, at: &Path) -> Result<Self, ModelError> {
        match v {
            Value::List(items) | Value::Tuple(items) => elements(items, at),
            other => Err(ModelError::new(at, "a list", other)),
        }
    }
    fn to_value(&self) -> Value {
        Value::List(self.iter().map(Kind::to_value).collect())
    }
}

/// A set, with its elements in the order Terraform sent them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Set<T>(pub Vec<T>);

impl<T: Kind> Kind for Set<T> {
    fn attr_type() -> AttrType {
        collection_type::<T>(Nesting::Set, Type::set)
    }
    fn from_known(v: &Value, at: &Path) -> Result<Self, ModelError> {
        match v {
            Value::Set(items) | Value::List(items) => elements(items, at).map(Set),
            other => Err(ModelError::new(at, "a set", other)),
        }
    }
    fn to_value(&self) -> Value {
        Value::Set(self.0.iter().map(Kind::to_value).collect())
    }
}

/// A map.
impl<T: Kind> Kind for BTreeMap<String, T> {
    fn attr_type() -> AttrType {
        collection_type::<T>(Nesting::Map, Type::map)
    }
    fn from_known(v: &Value, at: &Path) -> Result<Self, ModelError> {
        match v {
            Value::Map(m) | Value::Object(m) => m
                .iter()
                .map(|(k, v)| {
                    Ok((
                        k.clone(),
                        T::from_known(v.unwrap_dynamic(), &Path::root())
                            .map_err(|e| e.within(at, Step::Key(k.clone())))?,
                    ))
                })
                .collect(),
            other => Err(ModelError::new(at, "a map", other)),
        }
    }
    fn to_value(&self) -> Value {
        Value::Map(
            self.iter()
                .map(|(k, v)| (k.clone(), v.to_value()))
                .collect(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Conformance

/// Where a value does not have exactly the shape of its type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {problem}", if path.is_root() { "the object".to_string() } else { path.to_string() })]
pub struct Mismatch {
    pub path: Path,
    pub problem: String,
}

/// Checks that `value` has exactly the shape of `ty`: every attribute of every object type
/// present (null or unknown are values too), no attribute the type lacks, and each value of its
/// kind. Stricter than encoding, which writes a missing attribute as null: this is how a unit
/// test proves that what a model produces is what its schema declares, so a misspelled or
/// forgotten attribute fails in `cargo test` rather than under Terraform.
pub fn conforms(value: &Value, ty: &Type) -> Result<(), Mismatch> {
    conforms_at(value, ty, &Path::root())
}

fn conforms_at(value: &Value, ty: &Type, at: &Path) -> Result<(), Mismatch> {
    let fail = |problem: String| {
        Err(Mismatch {
            path: at.clone(),
            problem,
        })
    };
    match (ty, value.unwrap_dynamic()) {
        (_, Value::Null | Value::Unknown(_)) | (Type::Dynamic, _) => Ok(()),
        (Type::Bool, Value::Bool(_))
        | (Type::Number, Value::Number(_))
        | (Type::String, Value::String(_)) => Ok(()),
        (Type::List(e) | Type::Set(e), Value::List(items) | Value::Set(items)) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, v)| conforms_at(v, e, &at.join_index(i))),
        (Type::Tuple(ts), Value::Tuple(items) | Value::List(items)) => {
            if ts.len() != items.len() {
                return fail(format!(
                    "{} elements where the tuple type has {}",
                    items.len(),
                    ts.len()
                ));
            }
            items
                .iter()
                .zip(ts)
                .enumerate()
                .try_for_each(|(i, (v, t))| conforms_at(v, t, &at.join_index(i)))
        }
        (Type::Map(e), Value::Map(m)) => m
            .iter()
            .try_for_each(|(k, v)| conforms_at(v, e, &at.join_key(k))),
        (Type::Object { attrs, .. }, Value::Object(m)) => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return fail(format!("attribute {extra:?} is not in the schema"));
            }
            for (name, t) in attrs {
                match m.get(name) {
                    Some(v) => conforms_at(v, t, &at.join_attr(name))?,
                    None => return fail(format!("attribute {name:?} of the schema is missing")),
                }
            }
            Ok(())
        }
        (t, v) => fail(format!("a {} where the schema has {t}", v.kind_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::timeouts::Timeouts;

    #[derive(Clone, Debug, Default, PartialEq, Model)]
    struct Entry {
        #[attr(required, describe = "k")]
        key: Attr<String>,
        #[attr(optional, describe = "w")]
        weight: Attr<i64>,
    }

    #[derive(Clone, Debug, Default, PartialEq, Model)]
    struct Common {
        #[attr(computed, describe = "c")]
        created: Attr<i64>,
    }

    #[derive(Clone, Debug, Default, PartialEq, Model)]
    struct Thing {
        #[attr(name = "type", optional, describe = "t")]
        kind: Attr<String>,
        #[attr(optional, describe = "m")]
        tags: Attr<BTreeMap<String, Option<String>>>,
        #[attr(optional, describe = "e")]
        entries: Attr<Vec<Entry>>,
        #[attr(optional, describe = "s")]
        labels: Attr<Set<String>>,
        #[attr(optional, describe = "n")]
        exact: Attr<Number>,
        #[block]
        timeouts: Timeouts,
        #[flatten]
        common: Common,
    }

    fn thing_value() -> Value {
        Value::object([
            ("type", Value::unknown_not_null()),
            (
                "tags",
                Value::map([("a", Value::string("x")), ("b", Value::unknown())]),
            ),
            (
                "entries",
                Value::list([Value::object([
                    ("key", Value::string("k")),
                    ("weight", Value::Null),
                ])]),
            ),
            ("labels", Value::set([Value::string("l")])),
            (
                "exact",
                Value::Number(Number::parse("0.10000000000000000000001").expect("number")),
            ),
            (
                "timeouts",
                Value::object([
                    ("create", Value::unknown()),
                    ("update", Value::Null),
                    ("delete", Value::Null),
                ]),
            ),
            ("created", Value::number(7)),
        ])
    }

    #[test]
    fn the_derive_declares_names_attributes_and_blocks_once() {
        assert_eq!(Thing::TYPE, "type");
        assert_eq!(Thing::TIMEOUTS, "timeouts");
        let names: Vec<String> = Thing::attributes().into_iter().map(|a| a.name).collect();
        assert_eq!(
            names,
            ["type", "tags", "entries", "labels", "exact", "created"]
        );
        assert_eq!(Thing::blocks().len(), 1);
        let ty = Thing::schema("t").value_type();
        assert_eq!(
            ty.attribute_type("entries"),
            Some(&Type::list(Type::object([
                ("key", Type::String),
                ("weight", Type::Number)
            ])))
        );
        assert_eq!(ty.attribute_type("labels"), Some(&Type::set(Type::String)));
        let entries = Thing::attributes()
            .into_iter()
            .find(|a| a.name == "entries")
            .expect("entries");
        assert!(
            matches!(
                entries.ty,
                AttrType::Nested {
                    nesting: Nesting::List,
                    ..
                }
            ),
            "a list of models is a nested attribute"
        );
    }

    #[test]
    fn conversions_are_lossless_for_unknowns_and_exact_numbers() {
        let v = thing_value();
        let t = Thing::from_value(&v).expect("reads");
        assert!(t.kind.is_unknown(), "refined unknown");
        assert!(
            t.tags.is_unknown(),
            "a map with an unknown element is unknown"
        );
        assert_eq!(
            t.entries.known().map(|e| e[0].key.as_str() == Some("k")),
            Some(true)
        );
        assert_eq!(t.common.created.get(), Some(7));
        assert_eq!(t.to_value(), v, "written back exactly as read");
        assert_eq!(
            conforms(&t.to_value(), &Thing::schema("t").value_type()),
            Ok(())
        );
        assert_eq!(Thing::from_value(&Value::Null), Ok(Thing::default()));
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_an_error_on_its_path() {
        let mut v = thing_value();
        if let Value::Object(m) = &mut v {
            m.insert(
                "entries".into(),
                Value::list([Value::object([
                    ("key", Value::string("k")),
                    ("weight", Value::Number(Number::parse("2.5").expect("n"))),
                ])]),
            );
        }
        let err = Thing::from_value(&v).expect_err("2.5 is no whole number");
        assert_eq!(err.path.to_string(), "entries[0].weight");
        assert_eq!(
            err.diagnostics().0[0].detail,
            "entries[0].weight: a whole number is required, found 2.5."
        );
    }

    #[test]
    fn conformance_finds_missing_extra_and_mistyped_attributes() {
        let ty = Thing::schema("t").value_type();
        let mut missing = thing_value();
        if let Value::Object(m) = &mut missing {
            m.remove("created");
        }
        assert_eq!(
            conforms(&missing, &ty).map_err(|e| e.to_string()),
            Err("the object: attribute \"created\" of the schema is missing".into())
        );
        let mut extra = thing_value();
        if let Value::Object(m) = &mut extra {
            m.insert("kind".into(), Value::Null);
        }
        assert_eq!(
            conforms(&extra, &ty).map_err(|e| e.to_string()),
            Err("the object: attribute \"kind\" is not in the schema".into())
        );
        let mut nested = thing_value();
        if let Value::Object(m) = &mut nested {
            m.insert(
                "entries".into(),
                Value::list([Value::object([
                    ("key", Value::number(1)),
                    ("weight", Value::Null),
                ])]),
            );
        }
        assert_eq!(
            conforms(&nested, &ty).map_err(|e| e.to_string()),
            Err("entries[0].key: a number where the schema has \"string\"".into())
        );
    }
}
