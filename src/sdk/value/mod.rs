//! Terraform values: what a `DynamicValue` holds once decoded (see `msgpack` and `json` for the
//! two wire forms). `number` holds the exact decimal [`Number`] they use, `error` the errors the
//! two codecs share.

mod error;
mod map;
mod number;

pub(crate) use error::index_step;
pub use error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
pub use map::ValueMap;
pub use number::{Number, NumberError};

use super::types::Type;

/// How deeply values may nest when decoded or encoded. Terraform's own values stay far below;
/// the cap keeps hostile input from exhausting the stack.
pub const MAX_DEPTH: usize = 256;

/// A Terraform value. Nulls and unknowns are untyped here: the type travels beside the value
/// (from the schema), except inside a `dynamic` slot, where [`Value::Dynamic`] carries it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    /// Decided only during apply; may carry what is already known about it. Boxed, as the
    /// dynamic type below: the refinements (two bounds of exact numbers, a prefix) are several
    /// times the size of any other variant, and every value, object member and map node
    /// would be that size, copied on every move.
    Unknown(Box<Refinements>),
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Elements in the order they were decoded (or built); equality is therefore order-sensitive.
    Set(Vec<Value>),
    Map(ValueMap),
    Object(ValueMap),
    Tuple(Vec<Value>),
    /// A value whose type is only known at run time (decoded from a `dynamic`-typed slot).
    Dynamic {
        ty: Box<Type>,
        value: Box<Value>,
    },
}

/// What is known about an unknown value (Terraform's "refinements"). `Default` = nothing known.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refinements {
    /// The final value will definitely not be null.
    pub not_null: bool,
    /// Strings only: the final value starts with this.
    pub string_prefix: Option<String>,
    /// Numbers only: lower bound and whether it is inclusive.
    pub number_lower: Option<(Number, bool)>,
    /// Numbers only: upper bound and whether it is inclusive.
    pub number_upper: Option<(Number, bool)>,
    /// Lists, sets and maps only: inclusive bounds on the number of elements.
    pub length_lower: Option<u64>,
    pub length_upper: Option<u64>,
}

impl Refinements {
    /// True when nothing is known (a wholly unknown value).
    pub fn is_empty(&self) -> bool {
        *self == Refinements::default()
    }

    /// Only "definitely not null" is known.
    pub fn not_null() -> Refinements {
        Refinements {
            not_null: true,
            ..Refinements::default()
        }
    }
}

/// Null.
impl Default for Value {
    fn default() -> Self {
        Value::Null
    }
}

impl Value {
    /// A wholly unknown value.
    pub fn unknown() -> Value {
        Value::Unknown(Box::default())
    }

    /// An unknown value that will definitely not be null.
    pub fn unknown_not_null() -> Value {
        Value::Unknown(Box::new(Refinements::not_null()))
    }

    /// The null of a type. Nulls are untyped here, so this is `Value::Null` whatever the type; it
    /// exists so call sites say which type they mean.
    pub fn null_of(_ty: &Type) -> Value {
        Value::Null
    }

    pub fn string(s: impl Into<String>) -> Value {
        Value::String(s.into())
    }

    pub fn number(n: impl Into<Number>) -> Value {
        Value::Number(n.into())
    }

    pub fn bool(b: bool) -> Value {
        Value::Bool(b)
    }

    pub fn object(attrs: impl IntoIterator<Item = (impl Into<String>, Value)>) -> Value {
        Value::Object(attrs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn map(entries: impl IntoIterator<Item = (impl Into<String>, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(items.into_iter().collect())
    }

    pub fn set(items: impl IntoIterator<Item = Value>) -> Value {
        Value::Set(items.into_iter().collect())
    }

    pub fn tuple(items: impl IntoIterator<Item = Value>) -> Value {
        Value::Tuple(items.into_iter().collect())
    }

    /// A value of a run-time-decided type, for a `dynamic` slot.
    pub fn dynamic(ty: Type, value: Value) -> Value {
        Value::Dynamic {
            ty: Box::new(ty),
            value: Box::new(value),
        }
    }

    /// The value inside any `Dynamic` wrappers.
    pub fn unwrap_dynamic(&self) -> &Value {
        let mut v = self;
        while let Value::Dynamic { value, .. } = v {
            v = value;
        }
        v
    }

    pub fn is_null(&self) -> bool {
        matches!(self.unwrap_dynamic(), Value::Null)
    }

    /// Shallow: this value itself is known (its elements may still be unknown).
    pub fn is_known(&self) -> bool {
        !matches!(self.unwrap_dynamic(), Value::Unknown(_))
    }

    /// Deep: no unknown anywhere inside.
    pub fn is_fully_known(&self) -> bool {
        match self.unwrap_dynamic() {
            Value::Unknown(_) => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_fully_known)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(Value::is_fully_known),
            _ => true,
        }
    }

    /// The refinements of an unknown value.
    pub fn refinements(&self) -> Option<&Refinements> {
        match self.unwrap_dynamic() {
            Value::Unknown(r) => Some(r),
            _ => None,
        }
    }

    /// The members of an object (None if not an object).
    pub fn as_object(&self) -> Option<&ValueMap> {
        match self.unwrap_dynamic() {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// An attribute of an object (None if not an object or no such attribute).
    pub fn attr(&self, name: &str) -> Option<&Value> {
        match self.unwrap_dynamic() {
            Value::Object(m) => m.get(name),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.unwrap_dynamic() {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.unwrap_dynamic() {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self.unwrap_dynamic() {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// A number that is integral and fits in an i64.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number().and_then(Number::as_i64)
    }

    /// A number as the nearest f64.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_number().map(Number::as_f64)
    }

    /// The elements of a list, set or tuple.
    pub fn as_list(&self) -> Option<&[Value]> {
        match self.unwrap_dynamic() {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a map or the attributes of an object.
    pub fn as_map(&self) -> Option<&ValueMap> {
        match self.unwrap_dynamic() {
            Value::Map(m) | Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// A short name of this value's kind, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown(_) => "unknown",
            Value::Bool(_) => "bool",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Set(_) => "set",
            Value::Map(_) => "map",
            Value::Object(_) => "object",
            Value::Tuple(_) => "tuple",
            Value::Dynamic { .. } => "dynamic",
        }
    }

    /// The type this value would have on its own, for putting it in a `dynamic` slot. Nulls and
    /// unknowns give `Dynamic`; `None` when the elements of a collection disagree.
    pub fn infer_type(&self) -> Option<Type> {
        Some(match self {
            Value::Null | Value::Unknown(_) => Type::Dynamic,
            Value::Bool(_) => Type::Bool,
            Value::Number(_) => Type::Number,
            Value::String(_) => Type::String,
            Value::Dynamic { ty, .. } => (**ty).clone(),
            Value::List(items) => Type::list(unify_all(items.iter())?),
            Value::Set(items) => Type::set(unify_all(items.iter())?),
            Value::Map(m) => Type::map(unify_all(m.values())?),
            Value::Tuple(items) => Type::Tuple(
                items
                    .iter()
                    .map(Value::infer_type)
                    .collect::<Option<Vec<_>>>()?,
            ),
            Value::Object(m) => Type::Object {
                attrs: m
                    .iter()
                    .map(|(k, v)| Some((k.clone(), v.infer_type()?)))
                    .collect::<Option<_>>()?,
                optional: Default::default(),
            },
        })
    }
}

/// One element type for a collection's values: `Dynamic` (from nulls and unknowns) yields to
/// anything, structures unify member by member.
fn unify_all<'a>(values: impl Iterator<Item = &'a Value>) -> Option<Type> {
    let mut acc = Type::Dynamic;
    for v in values {
        acc = unify(acc, v.infer_type()?)?;
    }
    Some(acc)
}

fn unify(a: Type, b: Type) -> Option<Type> {
    match (a, b) {
        (Type::Dynamic, t) | (t, Type::Dynamic) => Some(t),
        (Type::List(a), Type::List(b)) => Some(Type::list(unify(*a, *b)?)),
        (Type::Set(a), Type::Set(b)) => Some(Type::set(unify(*a, *b)?)),
        (Type::Map(a), Type::Map(b)) => Some(Type::map(unify(*a, *b)?)),
        (Type::Tuple(a), Type::Tuple(b)) if a.len() == b.len() => Some(Type::Tuple(
            a.into_iter()
                .zip(b)
                .map(|(a, b)| unify(a, b))
                .collect::<Option<_>>()?,
        )),
        (Type::Object { attrs: a, .. }, Type::Object { attrs: b, .. }) if a.keys().eq(b.keys()) => {
            Some(Type::Object {
                attrs: a
                    .into_iter()
                    .zip(b)
                    .map(|((k, a), (_, b))| Some((k, unify(a, b)?)))
                    .collect::<Option<_>>()?,
                optional: Default::default(),
            })
        }
        (a, b) if a == b => Some(a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_accessors_look_through_dynamic() {
        let v = Value::dynamic(
            Type::object([("a", Type::String)]),
            Value::object([("a", Value::string("x"))]),
        );
        assert_eq!(v.attr("a").and_then(Value::as_str), Some("x"));
        assert!(v.is_known() && v.is_fully_known() && !v.is_null());
        assert!(Value::dynamic(Type::String, Value::Null).is_null());
        assert!(!Value::list([Value::unknown()]).is_fully_known());
        assert!(Value::list([Value::unknown()]).is_known());
        assert_eq!(Value::number(7).as_i64(), Some(7));
    }

    #[test]
    fn type_inference_for_dynamic_slots() {
        let v = Value::list([
            Value::object([("a", Value::Null)]),
            Value::object([("a", Value::string("x"))]),
        ]);
        assert_eq!(
            v.infer_type(),
            Some(Type::list(Type::object([("a", Type::String)])))
        );
        assert_eq!(
            Value::list([Value::string("x"), Value::number(1)]).infer_type(),
            None
        );
        assert_eq!(
            Value::tuple([Value::string("x"), Value::number(1)]).infer_type(),
            Some(Type::tuple([Type::String, Type::Number]))
        );
    }

    /// Every value, object member and map node is this size, moved by copying: keep it small.
    #[test]
    fn a_value_is_at_most_six_words() {
        let size = std::mem::size_of::<Value>();
        assert!(size <= 48, "{size}");
    }
}
