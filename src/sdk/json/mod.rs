//! Terraform's JSON value form: `DynamicValue.json` (the fallback when `msgpack` is empty) and
//! `RawState.json` in `UpgradeResourceState`. Also the small JSON reader behind type specs.
//!
//! Decoding follows go-cty's `cty/json`: null is null at any depth, a missing object attribute
//! is null, an unknown one is an error, primitives convert leniently (a string "12" is a
//! number, a number or bool is a string: old states hold such values), and a `dynamic` value is
//! `{"value": …, "type": …}`. Numbers are read from their text, so no precision is lost.
//! JSON has no unknowns: encoding one is an error.

mod parse;
#[cfg(test)]
mod tests;

use super::path::{Path, Step};
use super::types::Type;
pub use super::value::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use super::value::{MAX_DEPTH, Number, Value, ValueMap, index_step};
pub(crate) use parse::parse;
pub use parse::{Json, SyntaxError};

/// How deeply the JSON reader nests before giving up (above [`MAX_DEPTH`], which the typed walk
/// enforces, to leave room for `dynamic` wrappers).
const MAX_JSON_DEPTH: usize = 2 * MAX_DEPTH;

/// Decodes a JSON value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let tree = parse(bytes).map_err(|e| DecodeError {
        path: Path::root(),
        kind: DecodeErrorKind::Syntax(e),
    })?;
    from_tree(tree, ty, 0)
}

/// Decodes an already parsed JSON document (such as rewritten stored state) against `ty`,
/// moving its strings into the value.
pub fn decode_tree(tree: Json, ty: &Type) -> Result<Value, DecodeError> {
    from_tree(tree, ty, 0)
}

/// Encodes a fully known value of type `ty` as JSON.
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut out = String::new();
    let mut path = Vec::new();
    to_json(&mut out, value, ty, &mut path, 0)?;
    Ok(out.into_bytes())
}

// ---------------------------------------------------------------------------------------------
// Typed walk: JSON tree -> Value. Split into small functions with direct-call arms so each
// nesting level costs little stack, even in debug builds. As in the msgpack decoder, an error's
// path is built on the way out of the nested calls (`DecodeError::within`): a successful decode
// spends nothing on paths.

fn fail(kind: DecodeErrorKind) -> DecodeError {
    DecodeError::here(kind)
}

fn from_tree(j: Json, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(fail(DecodeErrorKind::TooDeep));
    }
    match (j, ty) {
        (Json::Null, _) => Ok(Value::Null),
        (j, Type::Dynamic) => dynamic_from_tree(j, depth),
        (Json::Array(items), Type::List(_) | Type::Set(_) | Type::Tuple(_)) => {
            sequence_from_tree(items, ty, depth)
        }
        (Json::Object(members), Type::Map(_) | Type::Object { .. }) => {
            members_from_tree(members, ty, depth)
        }
        (j, _) => primitive_from_tree(j, ty),
    }
}

#[inline(never)]
fn primitive_from_tree(j: Json, ty: &Type) -> Result<Value, DecodeError> {
    // Lenient like cty/json: strings convert to numbers and bools, numbers and bools to strings.
    let kind = match (ty, &j) {
        (Type::Bool, Json::Bool(b)) => return Ok(Value::Bool(*b)),
        (Type::Bool, Json::String(s)) if s == "true" || s == "1" => return Ok(Value::Bool(true)),
        (Type::Bool, Json::String(s)) if s == "false" || s == "0" => {
            return Ok(Value::Bool(false));
        }
        (Type::Number, Json::Number(text) | Json::String(text)) => match Number::parse(text) {
            Ok(n) => return Ok(Value::Number(n)),
            Err(e) => DecodeErrorKind::InvalidNumber(e),
        },
        (Type::String, Json::String(_) | Json::Number(_)) => {
            return Ok(Value::String(match j {
                Json::String(s) | Json::Number(s) => s,
                _ => String::new(),
            }));
        }
        (Type::String, Json::Bool(b)) => return Ok(Value::String(b.to_string())),
        _ => DecodeErrorKind::WrongType {
            expected: match ty {
                Type::Bool => "bool",
                Type::Number => "number",
                Type::String => "string",
                Type::List(_) => "list",
                Type::Set(_) => "set",
                Type::Tuple(_) => "tuple",
                Type::Map(_) => "map",
                Type::Object { .. } => "object",
                Type::Dynamic => "an object {\"value\",\"type\"}",
            },
            found: j.kind_name(),
        },
    };
    Err(fail(kind))
}

#[inline(never)]
fn dynamic_from_tree(j: Json, depth: usize) -> Result<Value, DecodeError> {
    let Json::Object(members) = j else {
        return primitive_from_tree(j, &Type::Dynamic);
    };
    let (mut value, mut vtype) = (None, None);
    for (k, v) in members {
        let slot = match k.as_str() {
            "value" => &mut value,
            "type" => &mut vtype,
            _ => {
                return Err(fail(DecodeErrorKind::InvalidDynamic(
                    "only \"value\" and \"type\" may appear",
                )));
            }
        };
        if slot.replace(v).is_some() {
            return Err(fail(DecodeErrorKind::DuplicateKey(k.clone())));
        }
    }
    let (Some(value), Some(vtype)) = (value, vtype) else {
        return Err(fail(DecodeErrorKind::InvalidDynamic(
            "both \"value\" and \"type\" are required",
        )));
    };
    let vty = Type::from_json_tree(&vtype, 0).map_err(|e| fail(DecodeErrorKind::InvalidType(e)))?;
    let inner = from_tree(value, &vty, depth + 1)?;
    // A "dynamic" type wraps another {"value","type"}: keep only the inner value, as cty does.
    Ok(if vty == Type::Dynamic {
        inner
    } else {
        Value::dynamic(vty, inner)
    })
}

#[inline(never)]
fn sequence_from_tree(items: Vec<Json>, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
    let expected = match ty {
        Type::Tuple(etys) => etys.len(),
        _ => items.len(),
    };
    if expected != items.len() {
        return Err(fail(DecodeErrorKind::TupleLength {
            expected,
            found: items.len(),
        }));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let ety = match ty {
            Type::List(t) | Type::Set(t) => &**t,
            Type::Tuple(ts) => ts.get(i).unwrap_or(&Type::Dynamic),
            _ => &Type::Dynamic,
        };
        out.push(from_tree(item, ety, depth + 1).map_err(|e| e.within(index_step(i)))?);
    }
    Ok(match ty {
        Type::List(_) => Value::List(out),
        Type::Set(_) => Value::Set(out),
        _ => Value::Tuple(out),
    })
}

/// A map's entries or an object's attributes.
#[inline(never)]
fn members_from_tree(
    members: Vec<(String, Json)>,
    ty: &Type,
    depth: usize,
) -> Result<Value, DecodeError> {
    let step = |k: &str| match ty {
        Type::Map(_) => Step::Key(k.to_string()),
        _ => Step::Attr(k.to_string()),
    };
    let mut out = ValueMap::with_capacity(members.len());
    // Stored JSON has its keys sorted (Terraform writes it so), as the type's attributes are:
    // each key is first tried against the attribute after the previous one.
    let mut next_attr = match ty {
        Type::Object { attrs, .. } => Some(attrs.iter().peekable()),
        _ => None,
    };
    for (k, v) in members {
        let vty = match ty {
            Type::Map(ety) => &**ety,
            Type::Object { attrs, .. } => {
                // Attributes absent from the JSON (older state) are passed over.
                let in_order = next_attr.as_mut().and_then(|it| {
                    while it.next_if(|(name, _)| name.as_str() < k.as_str()).is_some() {}
                    it.next_if(|(name, _)| **name == k)
                });
                match in_order.map(|(_, t)| t).or_else(|| attrs.get(&k)) {
                    Some(t) => t,
                    None => {
                        return Err(
                            fail(DecodeErrorKind::UnknownAttribute(k.clone())).within(step(&k))
                        );
                    }
                }
            }
            _ => &Type::Dynamic,
        };
        let v = from_tree(v, vty, depth + 1).map_err(|e| e.within(step(&k)))?;
        if let Err((k, _)) = out.try_insert(k, v) {
            return Err(fail(DecodeErrorKind::DuplicateKey(k.clone())).within(step(&k)));
        }
    }
    if let Type::Object { attrs, .. } = ty {
        // As cty/json does: an attribute absent from the JSON is null.
        if out.len() != attrs.len() {
            for name in attrs.keys() {
                if !out.contains_key(name) {
                    out.insert(name.clone(), Value::Null);
                }
            }
        }
        Ok(Value::Object(out))
    } else {
        Ok(Value::Map(out))
    }
}

// ---------------------------------------------------------------------------------------------
// Typed walk: Value -> JSON text (same small-frame shape).

fn to_json(
    out: &mut String,
    value: &Value,
    ty: &Type,
    path: &mut Vec<Step>,
    depth: usize,
) -> Result<(), EncodeError> {
    if depth > MAX_DEPTH {
        return Err(enc_fail(path, EncodeErrorKind::TooDeep));
    }
    match (ty, value) {
        (Type::Dynamic, _) => dynamic_to_json(out, value, path, depth),
        (_, Value::Dynamic { value, .. }) => to_json(out, value, ty, path, depth + 1),
        (
            Type::List(_) | Type::Set(_) | Type::Tuple(_),
            Value::List(items) | Value::Set(items) | Value::Tuple(items),
        ) => sequence_to_json(out, items, ty, path, depth),
        (Type::Map(_) | Type::Object { .. }, Value::Map(m) | Value::Object(m)) => {
            members_to_json(out, m, ty, path, depth)
        }
        _ => primitive_to_json(out, value, ty, path),
    }
}

fn enc_fail(path: &[Step], kind: EncodeErrorKind) -> EncodeError {
    EncodeError {
        path: Path(path.to_vec()),
        kind,
    }
}

#[inline(never)]
fn primitive_to_json(
    out: &mut String,
    value: &Value,
    ty: &Type,
    path: &[Step],
) -> Result<(), EncodeError> {
    match (ty, value) {
        (_, Value::Null) => out.push_str("null"),
        (_, Value::Unknown(_)) => return Err(enc_fail(path, EncodeErrorKind::UnknownInJson)),
        (Type::Bool, Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        (Type::Number, Value::Number(n)) => {
            if n.is_infinite() {
                return Err(enc_fail(path, EncodeErrorKind::InfiniteInJson));
            }
            out.push_str(&n.to_string());
        }
        (Type::String, Value::String(s)) => write_string(out, s),
        _ => {
            return Err(enc_fail(
                path,
                EncodeErrorKind::TypeMismatch {
                    expected: ty.to_string(),
                    found: value.kind_name(),
                },
            ));
        }
    }
    Ok(())
}

#[inline(never)]
fn dynamic_to_json(
    out: &mut String,
    value: &Value,
    path: &mut Vec<Step>,
    depth: usize,
) -> Result<(), EncodeError> {
    let (vty, inner) = match value {
        Value::Null | Value::Unknown(_) => {
            return primitive_to_json(out, value, &Type::Dynamic, path);
        }
        Value::Dynamic { ty, value } if **ty == Type::Dynamic => {
            return to_json(out, value, &Type::Dynamic, path, depth + 1);
        }
        Value::Dynamic { ty, value } => ((**ty).clone(), &**value),
        other => match other.infer_type() {
            Some(t) => (t, other),
            None => return Err(enc_fail(path, EncodeErrorKind::CannotInferType)),
        },
    };
    out.push_str("{\"value\":");
    to_json(out, inner, &vty, path, depth + 1)?;
    out.push_str(",\"type\":");
    // Type specs are built by us from valid UTF-8 pieces.
    out.push_str(&String::from_utf8_lossy(&vty.to_json()));
    out.push('}');
    Ok(())
}

#[inline(never)]
fn sequence_to_json(
    out: &mut String,
    items: &[Value],
    ty: &Type,
    path: &mut Vec<Step>,
    depth: usize,
) -> Result<(), EncodeError> {
    let expected = match ty {
        Type::Tuple(etys) => etys.len(),
        _ => items.len(),
    };
    if expected != items.len() {
        return Err(enc_fail(
            path,
            EncodeErrorKind::TupleLength {
                expected,
                found: items.len(),
            },
        ));
    }
    out.push('[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let ety = match ty {
            Type::List(t) | Type::Set(t) => &**t,
            Type::Tuple(ts) => ts.get(i).unwrap_or(&Type::Dynamic),
            _ => &Type::Dynamic,
        };
        path.push(index_step(i));
        to_json(out, item, ety, path, depth + 1)?;
        path.pop();
    }
    out.push(']');
    Ok(())
}

/// A map's entries, or an object's attributes (all of the type's, missing ones null).
#[inline(never)]
fn members_to_json(
    out: &mut String,
    m: &ValueMap,
    ty: &Type,
    path: &mut Vec<Step>,
    depth: usize,
) -> Result<(), EncodeError> {
    out.push('{');
    match ty {
        Type::Object { attrs, .. } => {
            if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                return Err(enc_fail(
                    path,
                    EncodeErrorKind::UnexpectedAttribute(extra.clone()),
                ));
            }
            for (i, (name, aty)) in attrs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, name);
                out.push(':');
                path.push(Step::Attr(name.clone()));
                to_json(
                    out,
                    m.get(name).unwrap_or(&Value::Null),
                    aty,
                    path,
                    depth + 1,
                )?;
                path.pop();
            }
        }
        _ => {
            let ety = ty.element_type().unwrap_or(&Type::Dynamic);
            for (i, (k, v)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                path.push(Step::Key(k.clone()));
                to_json(out, v, ety, path, depth + 1)?;
                path.pop();
            }
        }
    }
    out.push('}');
    Ok(())
}

/// Writes `s` as a JSON string literal.
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}
