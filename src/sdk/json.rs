//! Terraform's JSON value form: `DynamicValue.json` (the fallback when `msgpack` is empty) and
//! `RawState.json` in `UpgradeResourceState`. Also the small JSON reader behind type specs.
//!
//! Decoding follows go-cty's `cty/json`: null is null at any depth, a missing object attribute
//! is null, an unknown one is an error, primitives convert leniently (a string "12" is a
//! number, a number or bool is a string: old states hold such values), and a `dynamic` value is
//! `{"value": …, "type": …}`. Numbers are read from their text, so no precision is lost.
//! JSON has no unknowns: encoding one is an error.

use std::collections::BTreeMap;

use super::path::{Path, Step};
use super::types::Type;
pub use super::value::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use super::value::{MAX_DEPTH, Number, Value, index_step};

/// How deeply the JSON reader nests before giving up (above [`MAX_DEPTH`], which the typed walk
/// enforces, to leave room for `dynamic` wrappers).
const MAX_JSON_DEPTH: usize = 2 * MAX_DEPTH;

/// Decodes a JSON value of type `ty`.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let tree = parse(bytes).map_err(|e| DecodeError {
        path: Path::root(),
        kind: DecodeErrorKind::Syntax(e),
    })?;
    let mut path = Vec::new();
    from_tree(&tree, ty, &mut path, 0)
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
// nesting level costs little stack, even in debug builds.

fn fail(path: &[Step], kind: DecodeErrorKind) -> DecodeError {
    DecodeError {
        path: Path(path.to_vec()),
        kind,
    }
}

fn from_tree(
    j: &Json,
    ty: &Type,
    path: &mut Vec<Step>,
    depth: usize,
) -> Result<Value, DecodeError> {
    if depth > MAX_DEPTH {
        return Err(fail(path, DecodeErrorKind::TooDeep));
    }
    match (j, ty) {
        (Json::Null, _) => Ok(Value::Null),
        (_, Type::Dynamic) => dynamic_from_tree(j, path, depth),
        (Json::Array(items), Type::List(_) | Type::Set(_) | Type::Tuple(_)) => {
            sequence_from_tree(items, ty, path, depth)
        }
        (Json::Object(members), Type::Map(_) | Type::Object { .. }) => {
            members_from_tree(members, ty, path, depth)
        }
        _ => primitive_from_tree(j, ty, path),
    }
}

#[inline(never)]
fn primitive_from_tree(j: &Json, ty: &Type, path: &[Step]) -> Result<Value, DecodeError> {
    // Lenient like cty/json: strings convert to numbers and bools, numbers and bools to strings.
    let kind = match (ty, j) {
        (Type::Bool, Json::Bool(b)) => return Ok(Value::Bool(*b)),
        (Type::Bool, Json::String(s)) if s == "true" || s == "1" => return Ok(Value::Bool(true)),
        (Type::Bool, Json::String(s)) if s == "false" || s == "0" => {
            return Ok(Value::Bool(false));
        }
        (Type::Number, Json::Number(text) | Json::String(text)) => match Number::parse(text) {
            Ok(n) => return Ok(Value::Number(n)),
            Err(e) => DecodeErrorKind::InvalidNumber(e),
        },
        (Type::String, Json::String(s) | Json::Number(s)) => return Ok(Value::String(s.clone())),
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
    Err(fail(path, kind))
}

#[inline(never)]
fn dynamic_from_tree(j: &Json, path: &mut Vec<Step>, depth: usize) -> Result<Value, DecodeError> {
    let Json::Object(members) = j else {
        return primitive_from_tree(j, &Type::Dynamic, path);
    };
    let (mut value, mut vtype) = (None, None);
    for (k, v) in members {
        let slot = match k.as_str() {
            "value" => &mut value,
            "type" => &mut vtype,
            _ => {
                return Err(fail(
                    path,
                    DecodeErrorKind::InvalidDynamic("only \"value\" and \"type\" may appear"),
                ));
            }
        };
        if slot.replace(v).is_some() {
            return Err(fail(path, DecodeErrorKind::DuplicateKey(k.clone())));
        }
    }
    let (Some(value), Some(vtype)) = (value, vtype) else {
        return Err(fail(
            path,
            DecodeErrorKind::InvalidDynamic("both \"value\" and \"type\" are required"),
        ));
    };
    let vty =
        Type::from_json_tree(vtype, 0).map_err(|e| fail(path, DecodeErrorKind::InvalidType(e)))?;
    let inner = from_tree(value, &vty, path, depth + 1)?;
    // A "dynamic" type wraps another {"value","type"}: keep only the inner value, as cty does.
    Ok(if vty == Type::Dynamic {
        inner
    } else {
        Value::dynamic(vty, inner)
    })
}

#[inline(never)]
fn sequence_from_tree(
    items: &[Json],
    ty: &Type,
    path: &mut Vec<Step>,
    depth: usize,
) -> Result<Value, DecodeError> {
    let expected = match ty {
        Type::Tuple(etys) => etys.len(),
        _ => items.len(),
    };
    if expected != items.len() {
        return Err(fail(
            path,
            DecodeErrorKind::TupleLength {
                expected,
                found: items.len(),
            },
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let ety = match ty {
            Type::List(t) | Type::Set(t) => &**t,
            Type::Tuple(ts) => ts.get(i).unwrap_or(&Type::Dynamic),
            _ => &Type::Dynamic,
        };
        path.push(index_step(i));
        out.push(from_tree(item, ety, path, depth + 1)?);
        path.pop();
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
    members: &[(String, Json)],
    ty: &Type,
    path: &mut Vec<Step>,
    depth: usize,
) -> Result<Value, DecodeError> {
    let mut out = BTreeMap::new();
    for (k, v) in members {
        let vty = match ty {
            Type::Map(ety) => {
                path.push(Step::Key(k.clone()));
                &**ety
            }
            Type::Object { attrs, .. } => {
                path.push(Step::Attr(k.clone()));
                match attrs.get(k) {
                    Some(t) => t,
                    None => return Err(fail(path, DecodeErrorKind::UnknownAttribute(k.clone()))),
                }
            }
            _ => &Type::Dynamic,
        };
        if out.contains_key(k) {
            return Err(fail(path, DecodeErrorKind::DuplicateKey(k.clone())));
        }
        let v = from_tree(v, vty, path, depth + 1)?;
        out.insert(k.clone(), v);
        path.pop();
    }
    if let Type::Object { attrs, .. } = ty {
        // As cty/json does: an attribute absent from the JSON is null.
        for name in attrs.keys() {
            out.entry(name.clone()).or_insert(Value::Null);
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
        Value::Dynamic {
            ty: Type::Dynamic,
            value,
        } => return to_json(out, value, &Type::Dynamic, path, depth + 1),
        Value::Dynamic { ty, value } => (ty.clone(), &**value),
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
    m: &BTreeMap<String, Value>,
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

// ---------------------------------------------------------------------------------------------
// Untyped JSON reader. Hand-written rather than serde_json so numbers keep their exact text
// (serde_json's `arbitrary_precision` would change number handling for the whole crate) and so
// nesting is capped.

/// A parsed JSON document; numbers keep their source text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Json>),
    /// Members in document order, duplicates kept (the typed walk rejects them).
    Object(Vec<(String, Json)>),
}

impl Json {
    fn kind_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "bool",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }
}

/// Malformed JSON, with the byte offset where reading stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{msg} at byte {offset}")]
pub struct SyntaxError {
    pub offset: usize,
    pub msg: &'static str,
}

/// Parses one JSON document (RFC 8259), surrounded by optional whitespace.
pub(crate) fn parse(bytes: &[u8]) -> Result<Json, SyntaxError> {
    let text = std::str::from_utf8(bytes).map_err(|e| SyntaxError {
        offset: e.valid_up_to(),
        msg: "invalid UTF-8",
    })?;
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(p.error("unexpected characters after the document"));
    }
    Ok(v)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, msg: &'static str) -> SyntaxError {
        SyntaxError {
            offset: self.pos,
            msg,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: u8, msg: &'static str) -> Result<(), SyntaxError> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(msg))
        }
    }

    fn literal(&mut self, word: &str, v: Json) -> Result<Json, SyntaxError> {
        if self.text[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.error("invalid literal"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        if depth > MAX_JSON_DEPTH {
            return Err(self.error("nesting too deep"));
        }
        match self.peek() {
            None => Err(self.error("unexpected end of input")),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'"') => self.string().map(Json::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => self.array(depth),
            Some(b'{') => self.object(depth),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    #[inline(never)]
    fn array(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth + 1)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']'")),
            }
        }
    }

    #[inline(never)]
    fn object(&mut self, depth: usize) -> Result<Json, SyntaxError> {
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key"));
            }
            let key = self.string()?;
            self.skip_ws();
            self.expect(b':', "expected ':'")?;
            self.skip_ws();
            let v = self.value(depth + 1)?;
            members.push((key, v));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(members));
                }
                _ => return Err(self.error("expected ',' or '}'")),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Json, SyntaxError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        Ok(Json::Number(self.text[start..self.pos].to_owned()))
    }

    fn hex4(&mut self) -> Result<u32, SyntaxError> {
        let hex = self
            .text
            .get(self.pos..self.pos + 4)
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| self.error("invalid \\u escape"))?;
        self.pos += 4;
        u32::from_str_radix(hex, 16).map_err(|_| self.error("invalid \\u escape"))
    }

    fn string(&mut self) -> Result<String, SyntaxError> {
        self.pos += 1; // opening quote
        let mut out = String::new();
        loop {
            let start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            // Stops only at ASCII bytes, so both ends are char boundaries.
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let Some(esc) = self.peek() else {
                        return Err(self.error("unterminated string"));
                    };
                    self.pos += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xd800..0xdc00).contains(&hi)
                                && self.text[self.pos..].starts_with("\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))
                                } else {
                                    // Not a pair: leave the second escape to be read on its own.
                                    self.pos = save;
                                    None
                                }
                            } else {
                                char::from_u32(hi)
                            };
                            // A lone surrogate becomes U+FFFD, as Go's encoding/json does.
                            out.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
                        }
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                Some(_) => return Err(self.error("control character in string")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str, ty: &Type) -> Value {
        decode(s.as_bytes(), ty).unwrap()
    }

    #[test]
    fn reader_handles_the_grammar() {
        assert_eq!(
            parse(br#" {"a": [1, -2.5e+3, true, false, null, "x\"\u00e9\ud83d\ude00"]} "#).unwrap(),
            Json::Object(vec![(
                "a".into(),
                Json::Array(vec![
                    Json::Number("1".into()),
                    Json::Number("-2.5e+3".into()),
                    Json::Bool(true),
                    Json::Bool(false),
                    Json::Null,
                    Json::String("x\"é😀".into()),
                ])
            )])
        );
        assert_eq!(
            parse(br#""\ud800x""#).unwrap(),
            Json::String("\u{fffd}x".into())
        );
        for bad in [
            &b""[..],
            b"{",
            b"[1,]",
            b"{\"a\" 1}",
            b"01",
            b"1.",
            b"-",
            b"\"abc",
            b"\"\\x\"",
            b"\"\\u12\"",
            b"tru",
            b"[1] 2",
            b"\"\x01\"",
            b"\xff",
            b"{1:2}",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn decodes_objects_with_missing_attributes_as_null() {
        let ty = Type::object([
            ("name", Type::String),
            ("size", Type::Number),
            ("tags", Type::map(Type::String)),
            ("ports", Type::list(Type::object([("port", Type::Number)]))),
        ]);
        let v = dec(r#"{"name":"a","ports":[{"port":80},null,{}]}"#, &ty);
        assert_eq!(
            v,
            Value::object([
                ("name", Value::string("a")),
                ("size", Value::Null),
                ("tags", Value::Null),
                (
                    "ports",
                    Value::list([
                        Value::object([("port", Value::number(80))]),
                        Value::Null,
                        Value::object([("port", Value::Null)]),
                    ])
                ),
            ])
        );
    }

    #[test]
    fn keeps_big_number_precision() {
        let v = dec("123456789012345678901234567890.5", &Type::Number);
        assert_eq!(
            v.as_number().unwrap().to_string(),
            "123456789012345678901234567890.5"
        );
        let v = dec(
            "[18446744073709551616, 1e400, \"0.1\"]",
            &Type::list(Type::Number),
        );
        let nums: Vec<String> = v
            .as_list()
            .unwrap()
            .iter()
            .map(|n| n.as_number().unwrap().to_string())
            .collect();
        assert_eq!(nums[0], "18446744073709551616");
        assert_eq!(nums[1], format!("1{}", "0".repeat(400)));
        assert_eq!(nums[2], "0.1");
    }

    #[test]
    fn converts_primitives_like_cty() {
        assert_eq!(dec("12", &Type::String), Value::string("12"));
        assert_eq!(dec("1.50", &Type::String), Value::string("1.50"));
        assert_eq!(dec("true", &Type::String), Value::string("true"));
        assert_eq!(dec("\"12\"", &Type::Number), Value::number(12));
        assert_eq!(dec("\"true\"", &Type::Bool), Value::Bool(true));
        assert!(decode(b"\"yes\"", &Type::Bool).is_err());
        assert!(decode(b"[1]", &Type::String).is_err());
    }

    #[test]
    fn decodes_dynamic_values() {
        let ty = Type::object([("extra", Type::Dynamic)]);
        let v = dec(
            r#"{"extra":{"type":["object",{"n":"number","l":["list","string"]}],"value":{"n":1e2,"l":["a"]}}}"#,
            &ty,
        );
        let inner_ty = Type::object([("n", Type::Number), ("l", Type::list(Type::String))]);
        assert_eq!(
            v.attr("extra"),
            Some(&Value::dynamic(
                inner_ty.clone(),
                Value::object([
                    ("n", Value::number(100)),
                    ("l", Value::list([Value::string("a")]))
                ])
            ))
        );
        assert_eq!(dec("null", &Type::Dynamic), Value::Null);
        assert_eq!(
            dec(r#"{"value":null,"type":"string"}"#, &Type::Dynamic),
            Value::dynamic(Type::String, Value::Null)
        );
        assert_eq!(
            dec(
                r#"{"value":{"value":"hi","type":"string"},"type":"dynamic"}"#,
                &Type::Dynamic
            ),
            Value::dynamic(Type::String, Value::string("hi"))
        );
        // And back.
        let text = encode(&v, &ty).unwrap();
        assert_eq!(
            String::from_utf8(text.clone()).unwrap(),
            r#"{"extra":{"value":{"l":["a"],"n":100},"type":["object",{"l":["list","string"],"n":"number"}]}}"#
        );
        assert_eq!(decode(&text, &ty).unwrap(), v);
        for bad in [
            r#"{"value":1}"#,
            r#"{"type":"number"}"#,
            r#"{"value":1,"type":"frob"}"#,
            r#"{"value":1,"type":"number","x":1}"#,
            r#"[1]"#,
        ] {
            assert!(decode(bad.as_bytes(), &Type::Dynamic).is_err(), "{bad}");
        }
    }

    #[test]
    fn decode_errors_carry_paths() {
        let ty = Type::object([("ports", Type::list(Type::object([("port", Type::Number)])))]);
        let e = decode(br#"{"ports":[{"port":1},{"port":"x"}]}"#, &ty).unwrap_err();
        assert_eq!(e.path.to_string(), "ports[1].port");
        assert!(matches!(e.kind, DecodeErrorKind::InvalidNumber(_)));
        let e = decode(br#"{"ports":[{"prot":1}]}"#, &ty).unwrap_err();
        assert_eq!(e.path.to_string(), "ports[0].prot");
        assert_eq!(e.kind, DecodeErrorKind::UnknownAttribute("prot".into()));
        let e = decode(br#"{"ports":{}}"#, &ty).unwrap_err();
        assert_eq!(e.path.to_string(), "ports");
        assert_eq!(e.to_string(), "ports: list is required, found object");
        let e = decode(br#"{"ports":[}"#, &ty).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::Syntax(_)));
        let e = decode(br#"{"a":1,"a":2}"#, &Type::map(Type::Number)).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::DuplicateKey("a".into()));
        let e = decode(b"[1,2]", &Type::tuple([Type::Number])).unwrap_err();
        assert!(matches!(
            e.kind,
            DecodeErrorKind::TupleLength {
                expected: 1,
                found: 2
            }
        ));
    }

    #[test]
    fn encodes_canonically() {
        let ty = Type::object([
            ("b", Type::Bool),
            ("a", Type::list(Type::Number)),
            ("s", Type::String),
            ("m", Type::map(Type::String)),
        ]);
        let v = Value::object([
            (
                "a",
                Value::list([
                    Value::number(1),
                    Value::Number(Number::parse("-0.25").unwrap()),
                ]),
            ),
            ("s", Value::string("q\"\\\n\u{1}é")),
            ("m", Value::map([("k", Value::string("v"))])),
        ]);
        assert_eq!(
            String::from_utf8(encode(&v, &ty).unwrap()).unwrap(),
            r#"{"a":[1,-0.25],"b":null,"m":{"k":"v"},"s":"q\"\\\n\u0001é"}"#
        );
        assert_eq!(decode(&encode(&v, &ty).unwrap(), &ty).unwrap(), {
            let mut full = v.clone();
            if let Value::Object(m) = &mut full {
                m.insert("b".into(), Value::Null);
            }
            full
        });
    }

    #[test]
    fn encode_errors() {
        let ty = Type::object([("a", Type::String)]);
        let e = encode(&Value::object([("a", Value::unknown())]), &ty).unwrap_err();
        assert_eq!(e.kind, EncodeErrorKind::UnknownInJson);
        assert_eq!(e.path.to_string(), "a");
        let e = encode(&Value::object([("a", Value::number(1))]), &ty).unwrap_err();
        assert!(matches!(e.kind, EncodeErrorKind::TypeMismatch { .. }));
        let e = encode(&Value::object([("b", Value::Null)]), &ty).unwrap_err();
        assert_eq!(e.kind, EncodeErrorKind::UnexpectedAttribute("b".into()));
        let e = encode(&Value::Number(Number::infinity(false)), &Type::Number).unwrap_err();
        assert_eq!(e.kind, EncodeErrorKind::InfiniteInJson);
    }
}
