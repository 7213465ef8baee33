//! Terraform type constraints, and their JSON form (the `type` field of a schema attribute, and
//! the first element of a msgpack `dynamic` pair).
//!
//! The JSON form is `"string"`, `"number"`, `"bool"`, `"dynamic"`, `["list",T]`, `["set",T]`,
//! `["map",T]`, `["tuple",[T…]]` and `["object",{"name":T…}]`, the last with an optional third
//! element listing the optional attributes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::json::{self, Json};

/// How deeply a type may nest. Real schemas stay far below; the cap keeps hostile input from
/// exhausting the stack.
pub const MAX_TYPE_DEPTH: usize = 128;

/// A Terraform type constraint.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Type {
    Bool,
    Number,
    String,
    /// Decided only at run time: values carry their own type on the wire.
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object {
        attrs: BTreeMap<String, Type>,
        /// Names (a subset of `attrs`) that a module caller may omit; meaningful only in type
        /// constraints, values still carry every attribute.
        optional: BTreeSet<String>,
    },
    Tuple(Vec<Type>),
}

/// Why a JSON type spec could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TypeError {
    #[error("type spec is not valid JSON: {0}")]
    Json(#[from] json::SyntaxError),
    #[error("unknown primitive type {0:?}")]
    UnknownPrimitive(String),
    #[error("unknown type kind {0:?}")]
    UnknownKind(String),
    #[error("malformed type spec: {0}")]
    Malformed(&'static str),
    #[error("optional attribute {0:?} is not an attribute of the object type")]
    UnknownOptional(String),
    #[error("type spec nests deeper than {MAX_TYPE_DEPTH} levels")]
    TooDeep,
}

impl Type {
    /// An object type with no optional attributes.
    pub fn object(attrs: impl IntoIterator<Item = (impl Into<String>, Type)>) -> Type {
        Type::Object {
            attrs: attrs.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        }
    }

    /// An object type whose listed attributes are optional (unknown names are ignored).
    pub fn object_with_optional(
        attrs: impl IntoIterator<Item = (impl Into<String>, Type)>,
        optional: impl IntoIterator<Item = impl Into<String>>,
    ) -> Type {
        let attrs: BTreeMap<String, Type> = attrs.into_iter().map(|(k, t)| (k.into(), t)).collect();
        let optional = optional
            .into_iter()
            .map(Into::into)
            .filter(|n| attrs.contains_key(n))
            .collect();
        Type::Object { attrs, optional }
    }

    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }

    pub fn map(t: Type) -> Type {
        Type::Map(Box::new(t))
    }

    pub fn tuple(elems: impl IntoIterator<Item = Type>) -> Type {
        Type::Tuple(elems.into_iter().collect())
    }

    pub fn is_primitive(&self) -> bool {
        matches!(self, Type::Bool | Type::Number | Type::String)
    }

    /// List, set or map: the kinds that unknown-length refinements apply to.
    pub fn is_collection(&self) -> bool {
        matches!(self, Type::List(_) | Type::Set(_) | Type::Map(_))
    }

    /// The element type of a list, set or map.
    pub fn element_type(&self) -> Option<&Type> {
        match self {
            Type::List(t) | Type::Set(t) | Type::Map(t) => Some(t),
            _ => None,
        }
    }

    /// The type of an object attribute.
    pub fn attribute_type(&self, name: &str) -> Option<&Type> {
        match self {
            Type::Object { attrs, .. } => attrs.get(name),
            _ => None,
        }
    }

    /// The compact JSON type spec, as Terraform expects in `Schema.Attribute.type`.
    pub fn to_json(&self) -> Vec<u8> {
        let mut out = String::new();
        self.write_json(&mut out);
        out.into_bytes()
    }

    fn write_json(&self, out: &mut String) {
        match self {
            Type::Bool => out.push_str("\"bool\""),
            Type::Number => out.push_str("\"number\""),
            Type::String => out.push_str("\"string\""),
            Type::Dynamic => out.push_str("\"dynamic\""),
            Type::List(t) => write_kind(out, "list", t),
            Type::Set(t) => write_kind(out, "set", t),
            Type::Map(t) => write_kind(out, "map", t),
            Type::Tuple(elems) => {
                out.push_str("[\"tuple\",[");
                for (i, t) in elems.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    t.write_json(out);
                }
                out.push_str("]]");
            }
            Type::Object { attrs, optional } => {
                out.push_str("[\"object\",{");
                for (i, (name, t)) in attrs.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json::write_string(out, name);
                    out.push(':');
                    t.write_json(out);
                }
                out.push('}');
                // Terraform omits the third element when nothing is optional; so do we, so the
                // spec of an ordinary object stays the two-element form every version reads.
                if !optional.is_empty() {
                    out.push_str(",[");
                    for (i, name) in optional.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        json::write_string(out, name);
                    }
                    out.push(']');
                }
                out.push(']');
            }
        }
    }

    /// Reads a JSON type spec.
    pub fn from_json(bytes: &[u8]) -> Result<Type, TypeError> {
        let tree = json::parse(bytes)?;
        Type::from_json_tree(&tree, 0)
    }

    pub(crate) fn from_json_tree(j: &Json, depth: usize) -> Result<Type, TypeError> {
        if depth > MAX_TYPE_DEPTH {
            return Err(TypeError::TooDeep);
        }
        match j {
            Json::String(s) => match s.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(TypeError::UnknownPrimitive(other.to_owned())),
            },
            Json::Array(items) => {
                let Some(Json::String(kind)) = items.first() else {
                    return Err(TypeError::Malformed(
                        "a complex type spec must start with its kind as a string",
                    ));
                };
                let kind = kind.as_str();
                match kind {
                    "list" | "set" | "map" => {
                        let [_, elem] = items.as_slice() else {
                            return Err(TypeError::Malformed(
                                "a collection type spec has exactly two elements",
                            ));
                        };
                        let elem = Box::new(Type::from_json_tree(elem, depth + 1)?);
                        Ok(match kind {
                            "list" => Type::List(elem),
                            "set" => Type::Set(elem),
                            _ => Type::Map(elem),
                        })
                    }
                    "tuple" => {
                        let [_, Json::Array(elems)] = items.as_slice() else {
                            return Err(TypeError::Malformed(
                                "a tuple type spec is [\"tuple\", [types…]]",
                            ));
                        };
                        let elems = elems
                            .iter()
                            .map(|e| Type::from_json_tree(e, depth + 1))
                            .collect::<Result<_, _>>()?;
                        Ok(Type::Tuple(elems))
                    }
                    "object" => {
                        let (attrs_json, optional_json) = match items.as_slice() {
                            [_, Json::Object(a)] => (a, None),
                            [_, Json::Object(a), Json::Array(o)] => (a, Some(o)),
                            _ => {
                                return Err(TypeError::Malformed(
                                    "an object type spec is [\"object\", {attrs}, [optional…]?]",
                                ));
                            }
                        };
                        let mut attrs = BTreeMap::new();
                        for (name, t) in attrs_json {
                            let t = Type::from_json_tree(t, depth + 1)?;
                            if attrs.insert(name.clone(), t).is_some() {
                                return Err(TypeError::Malformed(
                                    "an object type spec names an attribute twice",
                                ));
                            }
                        }
                        let mut optional = BTreeSet::new();
                        for name in optional_json.into_iter().flatten() {
                            let Json::String(name) = name else {
                                return Err(TypeError::Malformed(
                                    "optional attribute names must be strings",
                                ));
                            };
                            if !attrs.contains_key(name) {
                                return Err(TypeError::UnknownOptional(name.clone()));
                            }
                            optional.insert(name.clone());
                        }
                        Ok(Type::Object { attrs, optional })
                    }
                    other => Err(TypeError::UnknownKind(other.to_owned())),
                }
            }
            _ => Err(TypeError::Malformed("a type spec is a string or an array")),
        }
    }
}

fn write_kind(out: &mut String, kind: &str, elem: &Type) {
    out.push_str("[\"");
    out.push_str(kind);
    out.push_str("\",");
    elem.write_json(out);
    out.push(']');
}

impl fmt::Display for Type {
    /// The JSON spec: compact, unambiguous, and what Terraform users see in provider errors.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_json(&mut out);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(spec: &str, ty: Type) {
        assert_eq!(String::from_utf8(ty.to_json()).unwrap(), spec);
        assert_eq!(Type::from_json(spec.as_bytes()).unwrap(), ty);
    }

    #[test]
    fn primitives() {
        round_trip("\"string\"", Type::String);
        round_trip("\"number\"", Type::Number);
        round_trip("\"bool\"", Type::Bool);
        round_trip("\"dynamic\"", Type::Dynamic);
    }

    #[test]
    fn complex_types() {
        round_trip("[\"list\",\"string\"]", Type::list(Type::String));
        round_trip("[\"set\",\"number\"]", Type::set(Type::Number));
        round_trip(
            "[\"map\",[\"list\",\"bool\"]]",
            Type::map(Type::list(Type::Bool)),
        );
        round_trip(
            "[\"tuple\",[\"string\",\"number\"]]",
            Type::tuple([Type::String, Type::Number]),
        );
        round_trip("[\"tuple\",[]]", Type::tuple([]));
        round_trip(
            "[\"object\",{\"a\":\"string\",\"b\":[\"map\",\"dynamic\"]}]",
            Type::object([("b", Type::map(Type::Dynamic)), ("a", Type::String)]),
        );
        round_trip(
            "[\"object\",{}]",
            Type::object(Vec::<(String, Type)>::new()),
        );
        round_trip(
            "[\"object\",{\"a\":\"string\",\"b\":\"number\"},[\"b\"]]",
            Type::object_with_optional([("a", Type::String), ("b", Type::Number)], ["b"]),
        );
    }

    #[test]
    fn accepts_whitespace_and_escapes() {
        let t = Type::from_json(b" [ \"object\" , { \"na\\u006de\" : \"string\" } ] ").unwrap();
        assert_eq!(t, Type::object([("name", Type::String)]));
    }

    #[test]
    fn rejects_malformed_specs() {
        for bad in [
            &b""[..],
            b"\"str\"",
            b"[\"list\"]",
            b"[\"list\",\"string\",\"x\"]",
            b"[\"frob\",\"string\"]",
            b"[\"object\",[\"a\"]]",
            b"[\"object\",{\"a\":\"string\"},[\"b\"]]",
            b"[\"object\",{\"a\":\"string\",\"a\":\"number\"}]",
            b"[\"tuple\",\"string\"]",
            b"42",
            b"[]",
            b"\"string\" x",
        ] {
            assert!(
                Type::from_json(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let mut spec = String::new();
        for _ in 0..10_000 {
            spec.push_str("[\"list\",");
        }
        spec.push_str("\"string\"");
        for _ in 0..10_000 {
            spec.push(']');
        }
        assert!(Type::from_json(spec.as_bytes()).is_err());
    }
}
