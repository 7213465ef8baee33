//! Reading msgpack: item headers, then the typed walk that builds a [`Value`].

use std::collections::BTreeMap;

use super::super::path::Step;
use super::super::types::Type;
use super::super::value::{MAX_DEPTH, Number, Refinements, Value, ValueMap, index_step};
use super::*;

/// One msgpack item's header; strings, binaries and extensions come with their payload.
pub(super) enum Head<'a> {
    Nil,
    Bool(bool),
    Uint(u64),
    Int(i64),
    F32(f32),
    F64(f64),
    Str(&'a [u8]),
    Bin(&'a [u8]),
    Array(usize),
    Map(usize),
    Ext(i8, &'a [u8]),
}

impl Head<'_> {
    pub(super) fn name(&self) -> &'static str {
        match self {
            Head::Nil => "nil",
            Head::Bool(_) => "bool",
            Head::Uint(_) | Head::Int(_) => "integer",
            Head::F32(_) | Head::F64(_) => "float",
            Head::Str(_) => "string",
            Head::Bin(_) => "binary",
            Head::Array(_) => "array",
            Head::Map(_) => "map",
            Head::Ext(..) => "extension",
        }
    }
}

pub(super) struct Reader<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeErrorKind> {
        if n > self.remaining() {
            return Err(DecodeErrorKind::Truncated);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeErrorKind> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    pub(super) fn u8(&mut self) -> Result<u8, DecodeErrorKind> {
        Ok(self.array::<1>()?[0])
    }

    pub(super) fn u16(&mut self) -> Result<u16, DecodeErrorKind> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    pub(super) fn u32(&mut self) -> Result<u32, DecodeErrorKind> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    pub(super) fn u64(&mut self) -> Result<u64, DecodeErrorKind> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    pub(super) fn len32(&mut self) -> Result<usize, DecodeErrorKind> {
        // u32 always fits usize on the 32/64-bit targets we build for.
        usize::try_from(self.u32()?).map_err(|_| DecodeErrorKind::Truncated)
    }

    pub(super) fn ext(&mut self, len: usize) -> Result<Head<'a>, DecodeErrorKind> {
        let code = self.u8()? as i8;
        Ok(Head::Ext(code, self.take(len)?))
    }

    pub(super) fn head(&mut self) -> Result<Head<'a>, DecodeErrorKind> {
        let b = self.u8()?;
        Ok(match b {
            0x00..=0x7f => Head::Uint(u64::from(b)),
            0x80..=0x8f => Head::Map(usize::from(b & 0x0f)),
            0x90..=0x9f => Head::Array(usize::from(b & 0x0f)),
            0xa0..=0xbf => Head::Str(self.take(usize::from(b & 0x1f))?),
            0xc0 => Head::Nil,
            0xc1 => {
                return Err(DecodeErrorKind::WrongType {
                    expected: "a msgpack value",
                    found: "the reserved byte 0xc1",
                });
            }
            0xc2 => Head::Bool(false),
            0xc3 => Head::Bool(true),
            0xc4 => {
                let n = self.u8()?;
                Head::Bin(self.take(usize::from(n))?)
            }
            0xc5 => {
                let n = self.u16()?;
                Head::Bin(self.take(usize::from(n))?)
            }
            0xc6 => {
                let n = self.len32()?;
                Head::Bin(self.take(n)?)
            }
            0xc7 => {
                let n = self.u8()?;
                self.ext(usize::from(n))?
            }
            0xc8 => {
                let n = self.u16()?;
                self.ext(usize::from(n))?
            }
            0xc9 => {
                let n = self.len32()?;
                self.ext(n)?
            }
            0xca => Head::F32(f32::from_be_bytes(self.array()?)),
            0xcb => Head::F64(f64::from_be_bytes(self.array()?)),
            0xcc => Head::Uint(u64::from(self.u8()?)),
            0xcd => Head::Uint(u64::from(self.u16()?)),
            0xce => Head::Uint(u64::from(self.u32()?)),
            0xcf => Head::Uint(self.u64()?),
            0xd0 => Head::Int(i64::from(self.u8()? as i8)),
            0xd1 => Head::Int(i64::from(self.u16()? as i16)),
            0xd2 => Head::Int(i64::from(self.u32()? as i32)),
            0xd3 => Head::Int(self.u64()? as i64),
            0xd4 => self.ext(1)?,
            0xd5 => self.ext(2)?,
            0xd6 => self.ext(4)?,
            0xd7 => self.ext(8)?,
            0xd8 => self.ext(16)?,
            0xd9 => {
                let n = self.u8()?;
                Head::Str(self.take(usize::from(n))?)
            }
            0xda => {
                let n = self.u16()?;
                Head::Str(self.take(usize::from(n))?)
            }
            0xdb => {
                let n = self.len32()?;
                Head::Str(self.take(n)?)
            }
            0xdc => Head::Array(usize::from(self.u16()?)),
            0xdd => Head::Array(self.len32()?),
            0xde => Head::Map(usize::from(self.u16()?)),
            0xdf => Head::Map(self.len32()?),
            0xe0..=0xff => Head::Int(i64::from(b as i8)),
        })
    }

    /// Skips one whole item (an unrecognised refinement's value).
    pub(super) fn skip(&mut self, depth: usize) -> Result<(), DecodeErrorKind> {
        if depth > MAX_DEPTH {
            return Err(DecodeErrorKind::TooDeep);
        }
        // Each nested item takes at least one byte, so these loops end with the input.
        match self.head()? {
            Head::Array(n) => (0..n).try_for_each(|_| self.skip(depth + 1)),
            Head::Map(n) => (0..n).try_for_each(|_| {
                self.skip(depth + 1)?;
                self.skip(depth + 1)
            }),
            _ => Ok(()),
        }
    }
}

pub(super) fn utf8(bytes: &[u8]) -> Result<String, DecodeErrorKind> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| DecodeErrorKind::InvalidUtf8)
}

pub(super) fn number_from(head: Head<'_>) -> Result<Number, DecodeErrorKind> {
    let nan =
        || DecodeErrorKind::InvalidNumber(crate::sdk::value::NumberError::Syntax("NaN".to_owned()));
    match head {
        Head::Uint(u) => Ok(Number::from(u)),
        Head::Int(i) => Ok(Number::from(i)),
        // A float on the wire means exactly its binary value (see Number::from_f64_exact).
        Head::F32(f) => Number::from_f64_exact(f64::from(f)).ok_or_else(nan),
        Head::F64(f) => Number::from_f64_exact(f).ok_or_else(nan),
        // go-cty reads the string form with a decoder that also takes bin; so do we.
        Head::Str(s) | Head::Bin(s) => {
            Number::parse(&utf8(s)?).map_err(DecodeErrorKind::InvalidNumber)
        }
        other => Err(DecodeErrorKind::WrongType {
            expected: "number",
            found: other.name(),
        }),
    }
}

pub(super) struct Decoder<'a> {
    pub(super) r: Reader<'a>,
}

impl<'a> Decoder<'a> {
    pub(super) fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::here(kind)
    }

    pub(super) fn head(&mut self) -> Result<Head<'a>, DecodeError> {
        self.r.head().map_err(|k| self.err(k))
    }

    // The recursive path (value -> container helper -> value) is split into small functions
    // on purpose: one big match keeps every arm's locals in each frame, which in debug builds
    // cost ~12 KiB per nesting level and overflowed 2 MiB thread stacks at the depth cap.

    pub(super) fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.err(DecodeErrorKind::TooDeep));
        }
        let head = self.head()?;
        // Every arm is a direct call, so debug builds reuse the return slot instead of
        // reserving one `Result<Value, _>` per arm.
        match (head, ty) {
            (Head::Ext(code, body), _) => self.unknown(code, body, ty),
            (Head::Nil, _) => Ok(Value::Null),
            (head, Type::Dynamic) => self.dynamic(head, depth),
            (Head::Array(n), Type::List(_) | Type::Set(_) | Type::Tuple(_)) => {
                self.sequence(n, ty, depth)
            }
            (Head::Map(n), Type::Map(ety)) => self.map(n, ety, depth),
            (Head::Map(n), Type::Object { attrs, .. }) => self.object(n, attrs, depth),
            (head, _) => self.primitive(head, ty),
        }
    }

    #[inline(never)]
    pub(super) fn unknown(&self, code: i8, body: &[u8], ty: &Type) -> Result<Value, DecodeError> {
        unknown(code, body, ty).map_err(|k| self.err(k))
    }

    #[inline(never)]
    pub(super) fn primitive(&self, head: Head<'_>, ty: &Type) -> Result<Value, DecodeError> {
        let found = head.name();
        let kind = match (ty, head) {
            (Type::Bool, Head::Bool(b)) => return Ok(Value::Bool(b)),
            (Type::Number, head) => match number_from(head) {
                Ok(n) => return Ok(Value::Number(n)),
                Err(k) => k,
            },
            (Type::String, Head::Str(s) | Head::Bin(s)) => match utf8(s) {
                Ok(s) => return Ok(Value::String(s)),
                Err(k) => k,
            },
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
                    Type::Dynamic => "dynamic",
                },
                found,
            },
        };
        Err(self.err(kind))
    }

    #[inline(never)]
    pub(super) fn dynamic(&mut self, head: Head<'_>, depth: usize) -> Result<Value, DecodeError> {
        let Head::Array(2) = head else {
            return Err(self.err(DecodeErrorKind::InvalidDynamic(
                "a [type, value] array of two elements is required",
            )));
        };
        let spec = match self.head()? {
            Head::Bin(s) | Head::Str(s) => s,
            other => {
                return Err(self.err(DecodeErrorKind::WrongType {
                    expected: "a type spec (binary)",
                    found: other.name(),
                }));
            }
        };
        let vty = Type::from_json(spec).map_err(|e| self.err(DecodeErrorKind::InvalidType(e)))?;
        let inner = self.value(&vty, depth + 1)?;
        // A pair whose type is itself "dynamic" nests another pair; go-cty yields the inner
        // value, and so do we (it keeps decode -> encode -> decode stable).
        Ok(if vty == Type::Dynamic {
            inner
        } else {
            Value::dynamic(vty, inner)
        })
    }

    /// A list, set or tuple of `n` elements.
    #[inline(never)]
    pub(super) fn sequence(
        &mut self,
        n: usize,
        ty: &Type,
        depth: usize,
    ) -> Result<Value, DecodeError> {
        let expected = match ty {
            Type::Tuple(etys) => etys.len(),
            _ => n,
        };
        if expected != n {
            return Err(self.err(DecodeErrorKind::TupleLength { expected, found: n }));
        }
        // Every element takes at least one byte: never reserve more than the input could hold.
        let mut items = Vec::with_capacity(n.min(self.r.remaining()));
        for i in 0..n {
            let ety = match ty {
                Type::List(t) | Type::Set(t) => &**t,
                Type::Tuple(ts) => ts.get(i).unwrap_or(&Type::Dynamic),
                _ => &Type::Dynamic,
            };
            items.push(
                self.value(ety, depth + 1)
                    .map_err(|e| e.within(index_step(i)))?,
            );
        }
        Ok(match ty {
            Type::List(_) => Value::List(items),
            Type::Set(_) => Value::Set(items),
            _ => Value::Tuple(items),
        })
    }

    #[inline(never)]
    pub(super) fn map(&mut self, n: usize, ety: &Type, depth: usize) -> Result<Value, DecodeError> {
        let mut out = ValueMap::with_capacity(n.min(1024));
        for _ in 0..n {
            let key = self.key()?;
            let v = self
                .value(ety, depth + 1)
                .map_err(|e| e.within(Step::Key(key.clone())))?;
            insert_member(&mut out, key, v, Step::Key)?;
        }
        Ok(Value::Map(out))
    }

    #[inline(never)]
    pub(super) fn object(
        &mut self,
        n: usize,
        attrs: &BTreeMap<String, Type>,
        depth: usize,
    ) -> Result<Value, DecodeError> {
        // Terraform (go-cty) writes an object's attributes sorted by name, as our type holds
        // them: while the keys follow that order, each is matched with the next attribute (no
        // lookup, no UTF-8 check, no duplicate possible) and the object is built in one go at
        // the end. A key out of that order switches to the general walk for the rest.
        let mut in_order: Vec<(String, Value)> = Vec::with_capacity(n.min(attrs.len()));
        let mut next_attr = attrs.iter();
        let mut read = 0;
        while read < n {
            let save = self.r.pos;
            let raw = match self.head()? {
                Head::Str(s) | Head::Bin(s) => s,
                _ => return Err(self.err(DecodeErrorKind::NonStringKey)),
            };
            match next_attr.next() {
                Some((name, aty)) if name.as_bytes() == raw => {
                    let v = self
                        .value(aty, depth + 1)
                        .map_err(|e| e.within(Step::Attr(name.clone())))?;
                    in_order.push((name.clone(), v));
                    read += 1;
                }
                _ => {
                    // Read this key again on the general walk.
                    self.r.pos = save;
                    break;
                }
            }
        }
        let mut out = ValueMap::from_sorted(in_order);
        for _ in read..n {
            let key = self.key()?;
            let Some(aty) = attrs.get(&key) else {
                return Err(self
                    .err(DecodeErrorKind::UnknownAttribute(key.clone()))
                    .within(Step::Attr(key)));
            };
            let v = self
                .value(aty, depth + 1)
                .map_err(|e| e.within(Step::Attr(key.clone())))?;
            insert_member(&mut out, key, v, Step::Attr)?;
        }
        // Every key is an attribute and none repeats: equal counts mean none is missing.
        if out.len() != attrs.len()
            && let Some(missing) = attrs.keys().find(|k| !out.contains_key(k))
        {
            return Err(self.err(DecodeErrorKind::MissingAttribute(missing.clone())));
        }
        Ok(Value::Object(out))
    }

    pub(super) fn key(&mut self) -> Result<String, DecodeError> {
        match self.head()? {
            Head::Str(s) | Head::Bin(s) => utf8(s).map_err(|k| self.err(k)),
            _ => Err(self.err(DecodeErrorKind::NonStringKey)),
        }
    }
}

/// Adds a decoded map entry or attribute; a key seen before is an error at that key (`step`
/// makes its path step).
pub(super) fn insert_member(
    out: &mut ValueMap,
    key: String,
    v: Value,
    step: fn(String) -> Step,
) -> Result<(), DecodeError> {
    out.try_insert(key, v).map_err(|(key, _)| {
        DecodeError::here(DecodeErrorKind::DuplicateKey(key.clone())).within(step(key))
    })
}

/// An unknown value from an extension item. Only code 12 with a body of more than one byte
/// carries refinements; the protocol says to treat any other extension as wholly unknown.
pub(super) fn unknown(code: i8, body: &[u8], ty: &Type) -> Result<Value, DecodeErrorKind> {
    if code != EXT_REFINED || body.len() <= 1 {
        return Ok(Value::unknown());
    }
    let bad = DecodeErrorKind::InvalidRefinement;
    let mut r = Reader { buf: body, pos: 0 };
    let Ok(Head::Map(n)) = r.head() else {
        return Err(bad("the body is not a map"));
    };
    // go-cty ignores refinements of dynamic-typed unknowns (none are defined for them).
    if *ty == Type::Dynamic {
        return Ok(Value::unknown());
    }
    let mut refs = Refinements::default();
    for _ in 0..n {
        let key = match r.head()? {
            Head::Uint(k) => i64::try_from(k).unwrap_or(i64::MAX),
            Head::Int(k) => k,
            _ => return Err(bad("a key is not an integer")),
        };
        match key {
            REF_NULLNESS => match r.head()? {
                // "Definitely null" collapses to a known null, as go-cty does.
                Head::Bool(true) => return Ok(Value::Null),
                Head::Bool(false) => refs.not_null = true,
                _ => return Err(bad("nullness is not a bool")),
            },
            REF_STRING_PREFIX => {
                if *ty != Type::String {
                    return Err(bad("string prefix on a non-string"));
                }
                match r.head()? {
                    Head::Str(s) | Head::Bin(s) => refs.string_prefix = Some(utf8(s)?),
                    _ => return Err(bad("string prefix is not a string")),
                }
            }
            REF_NUMBER_MIN | REF_NUMBER_MAX => {
                if *ty != Type::Number {
                    return Err(bad("number bound on a non-number"));
                }
                let Head::Array(2) = r.head()? else {
                    return Err(bad("a number bound is not [number, bool]"));
                };
                let n =
                    number_from(r.head()?).map_err(|_| bad("a number bound is not a number"))?;
                let Head::Bool(inclusive) = r.head()? else {
                    return Err(bad("a number bound's inclusive flag is not a bool"));
                };
                let slot = if key == REF_NUMBER_MIN {
                    &mut refs.number_lower
                } else {
                    &mut refs.number_upper
                };
                *slot = Some((n, inclusive));
            }
            REF_LENGTH_MIN | REF_LENGTH_MAX => {
                if !ty.is_collection() {
                    return Err(bad("length bound on a non-collection"));
                }
                let len = match r.head()? {
                    Head::Uint(u) => u,
                    Head::Int(i) => u64::try_from(i).map_err(|_| bad("negative length bound"))?,
                    _ => return Err(bad("a length bound is not an integer")),
                };
                if key == REF_LENGTH_MIN {
                    refs.length_lower = Some(len);
                } else {
                    refs.length_upper = Some(len);
                }
            }
            // Later protocol versions may add refinements: skip what we don't know.
            _ => r.skip(0)?,
        }
    }
    // Bytes after the map are ignored, as go-cty does (room for future additions).
    Ok(Value::Unknown(Box::new(refs)))
}
