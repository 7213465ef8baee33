//! Terraform's msgpack value form (`DynamicValue.msgpack`), hand-written from Terraform's
//! `docs/plugin-protocol/object-wire-format.md` and go-cty's `cty/msgpack` behaviour:
//!
//! - nil is null at any depth; **any** extension value is unknown. Extension code 12 with a body
//!   longer than one byte carries refinements: a map with integer keys 1 nullness (bool; false =
//!   definitely not null), 2 string prefix, 3/4 number lower/upper bound (`[number, inclusive]`),
//!   5/6 collection length lower/upper bound (int, inclusive). Unknown keys are skipped.
//!   We write `d4 00 00` for a wholly unknown value and ext 12 only when something is known.
//! - numbers: any int width, float32/64, or a string holding a decimal; we write the smallest int
//!   for integers within i64/u64, float64 when exact, else the decimal string.
//! - objects and maps are maps keyed by name; an object must carry exactly its type's attributes
//!   (go-cty rejects others and a wrong count). Lists, sets and tuples are arrays.
//! - `dynamic` slots hold `[type JSON (bin or str), value]`.
//!
//! Decoding never panics and is bounded: nesting is capped at [`MAX_DEPTH`] and no buffer is
//! sized from a length the remaining input cannot hold.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use super::path::Step;
use super::types::Type;
pub use super::value::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use super::value::{MAX_DEPTH, Number, Refinements, Value, index_step};

/// Extension code of an unknown value with refinements.
const EXT_REFINED: i8 = 12;

// Refinement map keys.
const REF_NULLNESS: i64 = 1;
const REF_STRING_PREFIX: i64 = 2;
const REF_NUMBER_MIN: i64 = 3;
const REF_NUMBER_MAX: i64 = 4;
const REF_LENGTH_MIN: i64 = 5;
const REF_LENGTH_MAX: i64 = 6;

/// go-cty writes at most this many bytes of a string prefix refinement (it cuts longer ones to
/// 255 bytes on a character boundary); a shorter prefix is a weaker, always-true claim.
const MAX_PREFIX_LEN: usize = 256;

/// The encoding of a wholly unknown value: fixext1, type 0, one zero byte.
pub const UNKNOWN_BYTES: [u8; 3] = [0xd4, 0x00, 0x00];

/// Decodes a msgpack value of type `ty`. The whole input must be one value.
pub fn decode(bytes: &[u8], ty: &Type) -> Result<Value, DecodeError> {
    let mut d = Decoder {
        r: Reader { buf: bytes, pos: 0 },
    };
    let v = d.value(ty, 0)?;
    let rest = d.r.remaining();
    if rest > 0 {
        return Err(d.err(DecodeErrorKind::TrailingBytes(rest)));
    }
    Ok(v)
}

/// Encodes `value` as msgpack against `ty` (object attributes missing from the value are nil).
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    let mut e = Encoder { out: Vec::new() };
    e.value(value, ty, 0)?;
    Ok(e.out)
}

// ---------------------------------------------------------------------------------------------
// Reading.

/// One msgpack item's header; strings, binaries and extensions come with their payload.
enum Head<'a> {
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
    fn name(&self) -> &'static str {
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

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeErrorKind> {
        if n > self.remaining() {
            return Err(DecodeErrorKind::Truncated);
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeErrorKind> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn u8(&mut self) -> Result<u8, DecodeErrorKind> {
        Ok(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Result<u16, DecodeErrorKind> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Result<u32, DecodeErrorKind> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Result<u64, DecodeErrorKind> {
        Ok(u64::from_be_bytes(self.array()?))
    }

    fn len32(&mut self) -> Result<usize, DecodeErrorKind> {
        // u32 always fits usize on the 32/64-bit targets we build for.
        usize::try_from(self.u32()?).map_err(|_| DecodeErrorKind::Truncated)
    }

    fn ext(&mut self, len: usize) -> Result<Head<'a>, DecodeErrorKind> {
        let code = self.u8()? as i8;
        Ok(Head::Ext(code, self.take(len)?))
    }

    fn head(&mut self) -> Result<Head<'a>, DecodeErrorKind> {
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
    fn skip(&mut self, depth: usize) -> Result<(), DecodeErrorKind> {
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

fn utf8(bytes: &[u8]) -> Result<String, DecodeErrorKind> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| DecodeErrorKind::InvalidUtf8)
}

fn number_from(head: Head<'_>) -> Result<Number, DecodeErrorKind> {
    let nan =
        || DecodeErrorKind::InvalidNumber(super::value::NumberError::Syntax("NaN".to_owned()));
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

struct Decoder<'a> {
    r: Reader<'a>,
}

impl<'a> Decoder<'a> {
    fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError::here(kind)
    }

    fn head(&mut self) -> Result<Head<'a>, DecodeError> {
        self.r.head().map_err(|k| self.err(k))
    }

    // The recursive path (value -> container helper -> value) is split into small functions
    // on purpose: one big match keeps every arm's locals in each frame, which in debug builds
    // cost ~12 KiB per nesting level and overflowed 2 MiB thread stacks at the depth cap.

    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
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
    fn unknown(&self, code: i8, body: &[u8], ty: &Type) -> Result<Value, DecodeError> {
        unknown(code, body, ty).map_err(|k| self.err(k))
    }

    #[inline(never)]
    fn primitive(&self, head: Head<'_>, ty: &Type) -> Result<Value, DecodeError> {
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
    fn dynamic(&mut self, head: Head<'_>, depth: usize) -> Result<Value, DecodeError> {
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
    fn sequence(&mut self, n: usize, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
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
    fn map(&mut self, n: usize, ety: &Type, depth: usize) -> Result<Value, DecodeError> {
        let mut out = BTreeMap::new();
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
    fn object(
        &mut self,
        n: usize,
        attrs: &BTreeMap<String, Type>,
        depth: usize,
    ) -> Result<Value, DecodeError> {
        let mut out = BTreeMap::new();
        for _ in 0..n {
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
            && let Some(missing) = attrs.keys().find(|k| !out.contains_key(*k))
        {
            return Err(self.err(DecodeErrorKind::MissingAttribute(missing.clone())));
        }
        Ok(Value::Object(out))
    }

    fn key(&mut self) -> Result<String, DecodeError> {
        match self.head()? {
            Head::Str(s) | Head::Bin(s) => utf8(s).map_err(|k| self.err(k)),
            _ => Err(self.err(DecodeErrorKind::NonStringKey)),
        }
    }
}

/// Adds a decoded map entry or attribute; a key seen before is an error at that key (`step`
/// makes its path step).
fn insert_member(
    out: &mut BTreeMap<String, Value>,
    key: String,
    v: Value,
    step: fn(String) -> Step,
) -> Result<(), DecodeError> {
    match out.entry(key) {
        Entry::Vacant(slot) => {
            slot.insert(v);
            Ok(())
        }
        Entry::Occupied(slot) => {
            let key = slot.key().clone();
            Err(DecodeError::here(DecodeErrorKind::DuplicateKey(key.clone())).within(step(key)))
        }
    }
}

/// An unknown value from an extension item. Only code 12 with a body of more than one byte
/// carries refinements; the protocol says to treat any other extension as wholly unknown.
fn unknown(code: i8, body: &[u8], ty: &Type) -> Result<Value, DecodeErrorKind> {
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
    Ok(Value::Unknown(refs))
}

// ---------------------------------------------------------------------------------------------
// Writing.

fn write_uint(out: &mut Vec<u8>, u: u64) {
    if u <= 0x7f {
        out.push(u as u8);
    } else if let Ok(u) = u8::try_from(u) {
        out.extend_from_slice(&[0xcc, u]);
    } else if let Ok(u) = u16::try_from(u) {
        out.push(0xcd);
        out.extend_from_slice(&u.to_be_bytes());
    } else if let Ok(u) = u32::try_from(u) {
        out.push(0xce);
        out.extend_from_slice(&u.to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&u.to_be_bytes());
    }
}

fn write_int(out: &mut Vec<u8>, i: i64) {
    if let Ok(u) = u64::try_from(i) {
        write_uint(out, u);
    } else if i >= -32 {
        out.push(i as u8); // negative fixint: the byte is the two's complement value
    } else if let Ok(i) = i8::try_from(i) {
        out.extend_from_slice(&[0xd0, i as u8]);
    } else if let Ok(i) = i16::try_from(i) {
        out.push(0xd1);
        out.extend_from_slice(&i.to_be_bytes());
    } else if let Ok(i) = i32::try_from(i) {
        out.push(0xd2);
        out.extend_from_slice(&i.to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&i.to_be_bytes());
    }
}

fn write_f64(out: &mut Vec<u8>, f: f64) {
    out.push(0xcb);
    out.extend_from_slice(&f.to_be_bytes());
}

/// Writes a str/bin/array/map header choosing the smallest form; `fix` is the fix-form base
/// and limit, `codes` the 8/16/32-bit forms (0 where a form does not exist).
fn write_len(
    out: &mut Vec<u8>,
    len: usize,
    fix: Option<(u8, usize)>,
    codes: [u8; 3],
) -> Result<(), EncodeErrorKind> {
    match fix {
        Some((base, max)) if len <= max => out.push(base | len as u8),
        _ if codes[0] != 0 && len <= 0xff => out.extend_from_slice(&[codes[0], len as u8]),
        _ if len <= 0xffff => {
            out.push(codes[1]);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            let len = u32::try_from(len).map_err(|_| EncodeErrorKind::TooLong)?;
            out.push(codes[2]);
            out.extend_from_slice(&len.to_be_bytes());
        }
    }
    Ok(())
}

fn write_str(out: &mut Vec<u8>, s: &str) -> Result<(), EncodeErrorKind> {
    write_len(out, s.len(), Some((0xa0, 31)), [0xd9, 0xda, 0xdb])?;
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

fn write_bin(out: &mut Vec<u8>, b: &[u8]) -> Result<(), EncodeErrorKind> {
    write_len(out, b.len(), None, [0xc4, 0xc5, 0xc6])?;
    out.extend_from_slice(b);
    Ok(())
}

fn write_array_len(out: &mut Vec<u8>, n: usize) -> Result<(), EncodeErrorKind> {
    write_len(out, n, Some((0x90, 15)), [0, 0xdc, 0xdd])
}

fn write_map_len(out: &mut Vec<u8>, n: usize) -> Result<(), EncodeErrorKind> {
    write_len(out, n, Some((0x80, 15)), [0, 0xde, 0xdf])
}

fn write_ext(out: &mut Vec<u8>, code: i8, body: &[u8]) -> Result<(), EncodeErrorKind> {
    let fixed = match body.len() {
        1 => Some(0xd4),
        2 => Some(0xd5),
        4 => Some(0xd6),
        8 => Some(0xd7),
        16 => Some(0xd8),
        _ => None,
    };
    match fixed {
        Some(marker) => out.push(marker),
        None => write_len(out, body.len(), None, [0xc7, 0xc8, 0xc9])?,
    }
    out.push(code as u8);
    out.extend_from_slice(body);
    Ok(())
}

fn write_number(out: &mut Vec<u8>, n: &Number) -> Result<(), EncodeErrorKind> {
    if let Some(i) = n.as_i64() {
        write_int(out, i);
    } else if let Some(u) = n.as_u64() {
        write_uint(out, u);
    } else if let Some(f) = n.to_f64_exact() {
        write_f64(out, f); // includes ±infinity, as go-cty writes them
    } else {
        write_str(out, &n.to_string())?;
    }
    Ok(())
}

/// An unknown of type `ty`, with the refinements that apply to that type.
fn write_unknown(out: &mut Vec<u8>, refs: &Refinements, ty: &Type) -> Result<(), EncodeErrorKind> {
    let mut body = Vec::new();
    let mut count = 0;
    if *ty != Type::Dynamic {
        if refs.not_null {
            count += 1;
            write_int(&mut body, REF_NULLNESS);
            body.push(0xc2); // false: definitely not null
        }
        match ty {
            Type::String => {
                if let Some(prefix) = refs.string_prefix.as_deref().filter(|p| !p.is_empty()) {
                    count += 1;
                    write_int(&mut body, REF_STRING_PREFIX);
                    write_str(&mut body, truncate_prefix(prefix))?;
                }
            }
            Type::Number => {
                for (key, bound) in [
                    (REF_NUMBER_MIN, &refs.number_lower),
                    (REF_NUMBER_MAX, &refs.number_upper),
                ] {
                    if let Some((n, inclusive)) = bound {
                        count += 1;
                        write_int(&mut body, key);
                        write_array_len(&mut body, 2)?;
                        write_number(&mut body, n)?;
                        body.push(if *inclusive { 0xc3 } else { 0xc2 });
                    }
                }
            }
            t if t.is_collection() => {
                // A lower bound of 0 says nothing; go-cty omits it too.
                if let Some(lo) = refs.length_lower.filter(|&l| l > 0) {
                    count += 1;
                    write_int(&mut body, REF_LENGTH_MIN);
                    write_uint(&mut body, lo);
                }
                if let Some(hi) = refs.length_upper {
                    count += 1;
                    write_int(&mut body, REF_LENGTH_MAX);
                    write_uint(&mut body, hi);
                }
            }
            _ => {}
        }
    }
    if count == 0 {
        // The protocol asks for the old form whenever nothing is known.
        out.extend_from_slice(&UNKNOWN_BYTES);
        return Ok(());
    }
    let mut payload = Vec::with_capacity(body.len() + 1);
    write_map_len(&mut payload, count)?;
    payload.extend_from_slice(&body);
    write_ext(out, EXT_REFINED, &payload)
}

fn truncate_prefix(p: &str) -> &str {
    if p.len() <= MAX_PREFIX_LEN {
        return p;
    }
    let mut end = MAX_PREFIX_LEN - 1;
    while !p.is_char_boundary(end) {
        end -= 1;
    }
    &p[..end]
}

struct Encoder {
    out: Vec<u8>,
}

impl Encoder {
    fn err(&self, kind: EncodeErrorKind) -> EncodeError {
        EncodeError::here(kind)
    }

    fn here<T>(&self, r: Result<T, EncodeErrorKind>) -> Result<T, EncodeError> {
        r.map_err(|k| self.err(k))
    }

    // Split into small functions with direct-call arms, as the decoder is, to keep the
    // per-level stack small in debug builds.
    fn value(&mut self, value: &Value, ty: &Type, depth: usize) -> Result<(), EncodeError> {
        if depth > MAX_DEPTH {
            return Err(self.err(EncodeErrorKind::TooDeep));
        }
        match (ty, value) {
            (Type::Dynamic, _) => self.dynamic_slot(value, depth),
            (_, Value::Dynamic { value, .. }) => self.value(value, ty, depth + 1),
            (_, Value::Unknown(refs)) => {
                let r = write_unknown(&mut self.out, refs, ty);
                self.here(r)
            }
            (
                Type::List(_) | Type::Set(_) | Type::Tuple(_),
                Value::List(items) | Value::Set(items) | Value::Tuple(items),
            ) => self.sequence(items, ty, depth),
            (Type::Map(ety), Value::Map(m) | Value::Object(m)) => self.map(m, ety, depth),
            (Type::Object { attrs, .. }, Value::Object(m) | Value::Map(m)) => {
                self.object(m, attrs, depth)
            }
            _ => self.primitive(value, ty),
        }
    }

    #[inline(never)]
    fn primitive(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
        let r = match (ty, value) {
            (_, Value::Null) => {
                self.out.push(0xc0);
                Ok(())
            }
            (Type::Bool, Value::Bool(b)) => {
                self.out.push(if *b { 0xc3 } else { 0xc2 });
                Ok(())
            }
            (Type::Number, Value::Number(n)) => write_number(&mut self.out, n),
            (Type::String, Value::String(s)) => write_str(&mut self.out, s),
            _ => Err(EncodeErrorKind::TypeMismatch {
                expected: ty.to_string(),
                found: value.kind_name(),
            }),
        };
        self.here(r)
    }

    /// A value in a `dynamic` slot: `[type JSON, value]`, or plain nil / unknown.
    #[inline(never)]
    fn dynamic_slot(&mut self, value: &Value, depth: usize) -> Result<(), EncodeError> {
        let (vty, inner) = match value {
            Value::Null => {
                self.out.push(0xc0);
                return Ok(());
            }
            Value::Unknown(_) => {
                self.out.extend_from_slice(&UNKNOWN_BYTES);
                return Ok(());
            }
            // A "dynamic" runtime type says nothing: encode what is inside.
            Value::Dynamic {
                ty: Type::Dynamic,
                value,
            } => return self.value(value, &Type::Dynamic, depth + 1),
            Value::Dynamic { ty, value } => (ty.clone(), &**value),
            other => match other.infer_type() {
                Some(t) => (t, other),
                None => return Err(self.err(EncodeErrorKind::CannotInferType)),
            },
        };
        let r = write_array_len(&mut self.out, 2);
        self.here(r)?;
        let r = write_bin(&mut self.out, &vty.to_json());
        self.here(r)?;
        self.value(inner, &vty, depth + 1)
    }

    #[inline(never)]
    fn sequence(&mut self, items: &[Value], ty: &Type, depth: usize) -> Result<(), EncodeError> {
        let expected = match ty {
            Type::Tuple(etys) => etys.len(),
            _ => items.len(),
        };
        if expected != items.len() {
            return Err(self.err(EncodeErrorKind::TupleLength {
                expected,
                found: items.len(),
            }));
        }
        let r = write_array_len(&mut self.out, items.len());
        self.here(r)?;
        for (i, item) in items.iter().enumerate() {
            let ety = match ty {
                Type::List(t) | Type::Set(t) => &**t,
                Type::Tuple(ts) => ts.get(i).unwrap_or(&Type::Dynamic),
                _ => &Type::Dynamic,
            };
            self.value(item, ety, depth + 1)
                .map_err(|e| e.within(index_step(i)))?;
        }
        Ok(())
    }

    #[inline(never)]
    fn map(
        &mut self,
        m: &BTreeMap<String, Value>,
        ety: &Type,
        depth: usize,
    ) -> Result<(), EncodeError> {
        let r = write_map_len(&mut self.out, m.len());
        self.here(r)?;
        for (k, v) in m {
            let r = write_str(&mut self.out, k);
            self.here(r)?;
            self.value(v, ety, depth + 1)
                .map_err(|e| e.within(Step::Key(k.clone())))?;
        }
        Ok(())
    }

    #[inline(never)]
    fn object(
        &mut self,
        m: &BTreeMap<String, Value>,
        attrs: &BTreeMap<String, Type>,
        depth: usize,
    ) -> Result<(), EncodeError> {
        if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
            return Err(self.err(EncodeErrorKind::UnexpectedAttribute(extra.clone())));
        }
        let r = write_map_len(&mut self.out, attrs.len());
        self.here(r)?;
        for (name, aty) in attrs {
            let r = write_str(&mut self.out, name);
            self.here(r)?;
            self.value(m.get(name).unwrap_or(&Value::Null), aty, depth + 1)
                .map_err(|e| e.within(Step::Attr(name.clone())))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::json;

    /// Bytes from hex with optional spaces; `"s:text"` chunks stand for the raw text.
    fn hex(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for chunk in s.split_whitespace() {
            if let Some(text) = chunk.strip_prefix("s:") {
                out.extend_from_slice(text.as_bytes());
                continue;
            }
            for i in (0..chunk.len()).step_by(2) {
                out.push(u8::from_str_radix(&chunk[i..i + 2], 16).unwrap());
            }
        }
        out
    }

    fn num(s: &str) -> Number {
        Number::parse(s).unwrap()
    }

    fn refined(r: Refinements) -> Value {
        Value::Unknown(r)
    }

    #[track_caller]
    fn golden(value: &Value, ty: &Type, bytes: &str) {
        let bytes = hex(bytes);
        assert_eq!(encode(value, ty).unwrap(), bytes, "encoding of {value:?}");
        assert_eq!(
            &decode(&bytes, ty).unwrap(),
            value,
            "decoding of {bytes:02x?}"
        );
    }

    #[test]
    fn wholly_unknown_is_d4_00_00() {
        golden(&Value::unknown(), &Type::String, "d4 00 00");
        golden(
            &Value::unknown(),
            &Type::object([("a", Type::Number)]),
            "d4 00 00",
        );
        golden(&Value::unknown(), &Type::Dynamic, "d4 00 00");
        // Refinements that don't apply to the type are dropped, leaving the plain form.
        let r = Refinements {
            string_prefix: Some("x".into()),
            length_lower: Some(3),
            ..Refinements::default()
        };
        assert_eq!(
            encode(&refined(r.clone()), &Type::Number).unwrap(),
            UNKNOWN_BYTES
        );
        // Dynamic-typed unknowns never carry refinements.
        assert_eq!(
            encode(&Value::unknown_not_null(), &Type::Dynamic).unwrap(),
            UNKNOWN_BYTES
        );
    }

    #[test]
    fn any_extension_decodes_as_unknown() {
        for bytes in [
            "d4 00 00",
            "d4 05 ff",
            "d5 00 00 00",
            "d6 7f 01 02 03 04",
            "d7 01 00 00 00 00 00 00 00 00",
            "d8 02 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
            "c7 00 00",
            "c7 03 07 aa bb cc",
            "c8 00 01 09 00",
            "c9 00 00 00 00 0c",
            "d4 0c 00", // code 12 with a one-byte body: no refinements
        ] {
            assert_eq!(
                decode(&hex(bytes), &Type::String).unwrap(),
                Value::unknown(),
                "{bytes}"
            );
        }
    }

    #[test]
    fn refinements_golden() {
        golden(
            &Value::unknown_not_null(),
            &Type::String,
            "c7 03 0c 81 01 c2",
        );
        golden(
            &refined(Refinements {
                not_null: true,
                string_prefix: Some("foo-".into()),
                ..Refinements::default()
            }),
            &Type::String,
            "c7 09 0c 82 01 c2 02 a4 s:foo-",
        );
        golden(
            &refined(Refinements {
                number_lower: Some((num("0"), true)),
                number_upper: Some((num("10.5"), false)),
                ..Refinements::default()
            }),
            &Type::Number,
            "c7 11 0c 82 03 92 00 c3 04 92 cb 4025000000000000 c2",
        );
        golden(
            &refined(Refinements {
                number_lower: Some((Number::infinity(true), false)),
                ..Refinements::default()
            }),
            &Type::Number,
            "c7 0d 0c 81 03 92 cb fff0000000000000 c2",
        );
        golden(
            &refined(Refinements {
                length_lower: Some(1),
                length_upper: Some(5),
                ..Refinements::default()
            }),
            &Type::list(Type::String),
            "c7 05 0c 82 05 01 06 05",
        );
        // A four-byte body uses fixext4.
        golden(
            &refined(Refinements {
                length_lower: Some(128),
                ..Refinements::default()
            }),
            &Type::map(Type::String),
            "d6 0c 81 05 cc 80",
        );
        golden(
            &refined(Refinements {
                not_null: true,
                length_upper: Some(0),
                ..Refinements::default()
            }),
            &Type::set(Type::Number),
            "c7 05 0c 82 01 c2 06 00",
        );
    }

    #[test]
    fn refinements_decode_leniently_where_the_protocol_says_so() {
        // Unknown keys (here 7, with a nested value, and a negative one) are skipped.
        assert_eq!(
            decode(
                &hex("c7 0a 0c 83 07 93 01 02 90 01 c2 ff c0"),
                &Type::String
            )
            .unwrap(),
            Value::unknown_not_null()
        );
        // Bytes after the map are ignored.
        assert_eq!(
            decode(&hex("c7 04 0c 81 01 c2 ff"), &Type::String).unwrap(),
            Value::unknown_not_null()
        );
        // "Definitely null" is just null.
        assert_eq!(
            decode(&hex("c7 03 0c 81 01 c3"), &Type::String).unwrap(),
            Value::Null
        );
        // Dynamic-typed unknowns ignore their refinements.
        assert_eq!(
            decode(&hex("c7 03 0c 81 01 c2"), &Type::Dynamic).unwrap(),
            Value::unknown()
        );
        // Bounds may come in any number encoding, lengths in any int width.
        assert_eq!(
            decode(&hex("c7 0b 0c 81 03 92 a6 s:-1.250 c3"), &Type::Number).unwrap(),
            refined(Refinements {
                number_lower: Some((num("-1.25"), true)),
                ..Refinements::default()
            })
        );
        assert_eq!(
            decode(
                &hex("c7 0b 0c 81 06 d3 00 00 00 00 00 00 00 07"),
                &Type::list(Type::Bool)
            )
            .unwrap(),
            refined(Refinements {
                length_upper: Some(7),
                ..Refinements::default()
            })
        );
    }

    #[test]
    fn malformed_refinements_are_errors() {
        for (bytes, ty) in [
            ("c7 02 0c 01 02", Type::String),                 // body not a map
            ("c7 03 0c 81 c0 c2", Type::String),              // key not an int
            ("c7 03 0c 81 01 01", Type::String),              // nullness not a bool
            ("c7 03 0c 81 02 a0", Type::Number),              // prefix on a number
            ("c7 03 0c 81 02 01", Type::String),              // prefix not a string
            ("c7 04 0c 81 03 92 00", Type::Number),           // truncated bound
            ("c7 05 0c 81 03 92 00 00", Type::Number),        // inclusive not a bool
            ("c7 05 0c 81 03 92 00 c3", Type::String),        // bound on a string
            ("c7 03 0c 81 05 ff", Type::list(Type::Bool)),    // negative length
            ("c7 03 0c 81 05 01", Type::String),              // length on a string
            ("c7 03 0c 81 05 01", Type::tuple([Type::Bool])), // tuples are not collections
            ("c7 03 0c 82 01 c2", Type::String),              // map shorter than claimed
        ] {
            let e = decode(&hex(bytes), &ty).unwrap_err();
            assert!(
                matches!(
                    e.kind,
                    DecodeErrorKind::InvalidRefinement(_) | DecodeErrorKind::Truncated
                ),
                "{bytes}: {e}"
            );
        }
    }

    #[test]
    fn long_string_prefixes_are_cut_like_go_cty() {
        let long = "a".repeat(1024);
        let v = refined(Refinements {
            string_prefix: Some(long),
            ..Refinements::default()
        });
        let back = decode(&encode(&v, &Type::String).unwrap(), &Type::String).unwrap();
        assert_eq!(
            back.refinements().unwrap().string_prefix.as_deref(),
            Some(&*"a".repeat(255))
        );
        let exact = format!("{}-", "c".repeat(255));
        let v = refined(Refinements {
            string_prefix: Some(exact.clone()),
            ..Refinements::default()
        });
        let back = decode(&encode(&v, &Type::String).unwrap(), &Type::String).unwrap();
        assert_eq!(back.refinements().unwrap().string_prefix, Some(exact));
        let emoji = format!("{}🤷🤷", "d".repeat(255));
        let v = refined(Refinements {
            string_prefix: Some(emoji),
            ..Refinements::default()
        });
        let back = decode(&encode(&v, &Type::String).unwrap(), &Type::String).unwrap();
        assert_eq!(
            back.refinements().unwrap().string_prefix.as_deref(),
            Some(&*"d".repeat(255))
        );
    }

    #[test]
    fn every_int_width() {
        // (bytes, value, whether it is also our encoding)
        let cases: &[(&str, i128, bool)] = &[
            ("00", 0, true),
            ("01", 1, true),
            ("7f", 127, true),
            ("cc 80", 128, true),
            ("cc ff", 255, true),
            ("cd 01 00", 256, true),
            ("cd ff ff", 65535, true),
            ("ce 00 01 00 00", 65536, true),
            ("ce ff ff ff ff", 4294967295, true),
            ("cf 00 00 00 01 00 00 00 00", 4294967296, true),
            ("cf 7f ff ff ff ff ff ff ff", i64::MAX as i128, true),
            ("cf 80 00 00 00 00 00 00 00", 1 << 63, true),
            ("cf ff ff ff ff ff ff ff ff", u64::MAX as i128, true),
            ("ff", -1, true),
            ("e0", -32, true),
            ("d0 df", -33, true),
            ("d0 80", -128, true),
            ("d1 ff 7f", -129, true),
            ("d1 80 00", -32768, true),
            ("d2 ff ff 7f ff", -32769, true),
            ("d2 80 00 00 00", -2147483648, true),
            ("d3 ff ff ff ff 7f ff ff ff", -2147483649, true),
            ("d3 80 00 00 00 00 00 00 00", i64::MIN as i128, true),
            // Non-minimal forms other encoders may use.
            ("d0 05", 5, false),
            ("d0 7f", 127, false),
            ("d1 00 05", 5, false),
            ("d2 00 00 00 05", 5, false),
            ("d3 00 00 00 00 00 00 00 05", 5, false),
            ("d3 7f ff ff ff ff ff ff ff", i64::MAX as i128, false),
            ("cc 05", 5, false),
            ("cd 00 05", 5, false),
            ("ce 00 00 00 05", 5, false),
            ("cf 00 00 00 00 00 00 00 05", 5, false),
            ("d0 ff", -1, false),
        ];
        for &(bytes, n, minimal) in cases {
            let want = Value::Number(num(&n.to_string()));
            let got = decode(&hex(bytes), &Type::Number).unwrap();
            assert_eq!(got, want, "{bytes}");
            if minimal {
                assert_eq!(encode(&want, &Type::Number).unwrap(), hex(bytes), "{n}");
            }
        }
        assert_eq!(Value::number(i64::MIN).as_i64(), Some(i64::MIN));
    }

    #[test]
    fn floats() {
        golden(
            &Value::Number(num("1.5")),
            &Type::Number,
            "cb 3ff8000000000000",
        );
        golden(
            &Value::Number(num("-0.25")),
            &Type::Number,
            "cb bfd0000000000000",
        );
        golden(
            &Value::Number(Number::infinity(false)),
            &Type::Number,
            "cb 7ff0000000000000",
        );
        golden(
            &Value::Number(Number::infinity(true)),
            &Type::Number,
            "cb fff0000000000000",
        );
        // A float64 0.1 is the binary value; it re-encodes as the same float.
        let b = hex("cb 3fb999999999999a");
        let v = decode(&b, &Type::Number).unwrap();
        assert_eq!(v, Value::Number(Number::from_f64_exact(0.1).unwrap()));
        assert_eq!(encode(&v, &Type::Number).unwrap(), b);
        // An integral float decodes equal to the integer and encodes as the int.
        let v = decode(&hex("cb 4059000000000000"), &Type::Number).unwrap();
        assert_eq!(v, Value::number(100));
        assert_eq!(encode(&v, &Type::Number).unwrap(), hex("64"));
        // float32.
        assert_eq!(
            decode(&hex("ca 3fc00000"), &Type::Number).unwrap(),
            Value::Number(num("1.5"))
        );
        assert_eq!(
            decode(&hex("ca 3dcccccd"), &Type::Number).unwrap(),
            Value::Number(Number::from_f64_exact(f64::from(0.1f32)).unwrap())
        );
        assert_eq!(
            decode(&hex("ca ff800000"), &Type::Number).unwrap(),
            Value::Number(Number::infinity(true))
        );
        // NaN is not a number Terraform has.
        assert!(decode(&hex("cb 7ff8000000000000"), &Type::Number).is_err());
        assert!(decode(&hex("ca 7fc00000"), &Type::Number).is_err());
    }

    #[test]
    fn decimal_strings() {
        let big = "123456789012345678901234567890.5";
        golden(
            &Value::Number(num(big)),
            &Type::Number,
            &format!("d9 20 s:{big}"),
        );
        golden(&Value::Number(num("0.1")), &Type::Number, "a3 s:0.1");
        let huge = "9".repeat(100);
        golden(
            &Value::Number(num(&huge)),
            &Type::Number,
            &format!("d9 64 s:{huge}"),
        );
        // Beyond u64 but exactly a double: float64, as go-cty writes it.
        golden(
            &Value::Number(num("18446744073709551616")),
            &Type::Number,
            "cb 43f0000000000000",
        );
        // Decimal strings are read in any spelling, and from bin too.
        assert_eq!(
            decode(&hex("a4 s:1e+3"), &Type::Number).unwrap(),
            Value::number(1000)
        );
        assert_eq!(
            decode(&hex("a2 s:42"), &Type::Number).unwrap(),
            Value::number(42)
        );
        assert_eq!(
            decode(&hex("c4 03 s:1.5"), &Type::Number).unwrap(),
            Value::Number(num("1.5"))
        );
        for bad in ["a3 s:abc", "a0", "a4 s:1.2."] {
            let e = decode(&hex(bad), &Type::Number).unwrap_err();
            assert!(matches!(e.kind, DecodeErrorKind::InvalidNumber(_)), "{bad}");
        }
    }

    #[test]
    fn primitives_and_string_widths() {
        golden(&Value::Bool(true), &Type::Bool, "c3");
        golden(&Value::Bool(false), &Type::Bool, "c2");
        golden(&Value::string(""), &Type::String, "a0");
        golden(&Value::string("hello"), &Type::String, "a5 s:hello");
        let s31 = "x".repeat(31);
        golden(&Value::string(&s31), &Type::String, &format!("bf s:{s31}"));
        let s32 = "x".repeat(32);
        golden(
            &Value::string(&s32),
            &Type::String,
            &format!("d9 20 s:{s32}"),
        );
        let s256 = "y".repeat(256);
        golden(
            &Value::string(&s256),
            &Type::String,
            &format!("da 01 00 s:{s256}"),
        );
        let s65536 = "z".repeat(65536);
        golden(
            &Value::string(&s65536),
            &Type::String,
            &format!("db 00 01 00 00 s:{s65536}"),
        );
        golden(&Value::string("é"), &Type::String, "a2 c3 a9");
        assert_eq!(
            decode(&hex("c4 02 s:hi"), &Type::String).unwrap(),
            Value::string("hi")
        );
        assert_eq!(decode(&hex("c0"), &Type::String).unwrap(), Value::Null);
        let e = decode(&hex("a2 c3 28"), &Type::String).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::InvalidUtf8);
    }

    #[test]
    fn collections_and_widths() {
        let items: Vec<Value> = (0..16).map(Value::number).collect();
        golden(
            &Value::List(items[..15].to_vec()),
            &Type::list(Type::Number),
            "9f 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e",
        );
        golden(
            &Value::List(items.clone()),
            &Type::list(Type::Number),
            "dc 00 10 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f",
        );
        golden(
            &Value::Set(vec![Value::string("b"), Value::string("a")]),
            &Type::set(Type::String),
            "92 a1 s:b a1 s:a",
        );
        golden(&Value::list([]), &Type::list(Type::String), "90");
        golden(
            &Value::tuple([Value::string("a"), Value::number(1), Value::Bool(true)]),
            &Type::tuple([Type::String, Type::Number, Type::Bool]),
            "93 a1 s:a 01 c3",
        );
        golden(&Value::tuple([]), &Type::tuple([]), "90");
        golden(
            &Value::map([("b", Value::number(2)), ("a", Value::number(1))]),
            &Type::map(Type::Number),
            "82 a1 s:a 01 a1 s:b 02",
        );
        let big: BTreeMap<String, Value> =
            (0..16).map(|i| (format!("k{i:02}"), Value::Null)).collect();
        let bytes = encode(&Value::Map(big.clone()), &Type::map(Type::Bool)).unwrap();
        assert_eq!(&bytes[..3], &[0xde, 0x00, 0x10]);
        assert_eq!(
            decode(&bytes, &Type::map(Type::Bool)).unwrap(),
            Value::Map(big)
        );
        // array32 / map32 headers are read too.
        assert_eq!(
            decode(&hex("dd 00 00 00 01 c3"), &Type::list(Type::Bool)).unwrap(),
            Value::list([Value::Bool(true)])
        );
        assert_eq!(
            decode(&hex("df 00 00 00 01 a1 s:k c2"), &Type::map(Type::Bool)).unwrap(),
            Value::map([("k", Value::Bool(false))])
        );
    }

    fn resource_type() -> Type {
        Type::object([
            ("id", Type::String),
            ("ports", Type::list(Type::object([("port", Type::Number)]))),
            ("tags", Type::map(Type::String)),
        ])
    }

    #[test]
    fn nulls_and_unknowns_at_every_depth() {
        let ty = resource_type();
        golden(&Value::Null, &ty, "c0");
        golden(&Value::unknown(), &ty, "d4 00 00");
        golden(
            &Value::object([
                ("id", Value::unknown()),
                (
                    "ports",
                    Value::list([
                        Value::object([("port", Value::number(80))]),
                        Value::Null,
                        Value::unknown(),
                        Value::object([("port", Value::Null)]),
                        Value::object([("port", Value::unknown())]),
                    ]),
                ),
                (
                    "tags",
                    Value::map([("a", Value::Null), ("b", Value::unknown())]),
                ),
            ]),
            &ty,
            "83 a2 s:id d4 00 00 \
             a5 s:ports 95 81 a4 s:port 50 c0 d4 00 00 81 a4 s:port c0 81 a4 s:port d4 00 00 \
             a4 s:tags 82 a1 s:a c0 a1 s:b d4 00 00",
        );
        golden(
            &Value::object([
                ("id", Value::Null),
                ("ports", Value::unknown()),
                ("tags", Value::Null),
            ]),
            &ty,
            "83 a2 s:id c0 a5 s:ports d4 00 00 a4 s:tags c0",
        );
    }

    #[test]
    fn missing_attributes_encode_as_nil() {
        let ty = resource_type();
        let v = Value::object([("id", Value::string("x"))]);
        assert_eq!(
            encode(&v, &ty).unwrap(),
            hex("83 a2 s:id a1 s:x a5 s:ports c0 a4 s:tags c0")
        );
    }

    #[test]
    fn dynamic_values() {
        let spec = "\"string\"";
        golden(
            &Value::dynamic(Type::String, Value::string("hi")),
            &Type::Dynamic,
            &format!("92 c4 08 s:{spec} a2 s:hi"),
        );
        // A plain value in a dynamic slot gets its inferred type.
        assert_eq!(
            encode(&Value::string("hi"), &Type::Dynamic).unwrap(),
            hex(&format!("92 c4 08 s:{spec} a2 s:hi"))
        );
        // The type may also arrive as str.
        assert_eq!(
            decode(&hex(&format!("92 a8 s:{spec} a2 s:hi")), &Type::Dynamic).unwrap(),
            Value::dynamic(Type::String, Value::string("hi"))
        );
        golden(&Value::Null, &Type::Dynamic, "c0");
        golden(&Value::unknown(), &Type::Dynamic, "d4 00 00");
        golden(
            &Value::dynamic(Type::String, Value::Null),
            &Type::Dynamic,
            &format!("92 c4 08 s:{spec} c0"),
        );
        golden(
            &Value::dynamic(Type::String, Value::unknown_not_null()),
            &Type::Dynamic,
            &format!("92 c4 08 s:{spec} c7 03 0c 81 01 c2"),
        );
        let ot = Type::object([("a", Type::Number), ("b", Type::list(Type::Bool))]);
        let ospec = "[\"object\",{\"a\":\"number\",\"b\":[\"list\",\"bool\"]}]";
        assert_eq!(ospec.len(), 0x2d);
        golden(
            &Value::object([(
                "extra",
                Value::dynamic(
                    ot,
                    Value::object([
                        ("a", Value::number(1)),
                        ("b", Value::list([Value::Bool(true)])),
                    ]),
                ),
            )]),
            &Type::object([("extra", Type::Dynamic)]),
            &format!("81 a5 s:extra 92 c4 2d s:{ospec} 82 a1 s:a 01 a1 s:b 91 c3"),
        );
        // A list of dynamic elements: each carries its own type.
        let v = Value::list([
            Value::dynamic(Type::Number, Value::number(1)),
            Value::Null,
            Value::unknown(),
        ]);
        let ty = Type::list(Type::Dynamic);
        assert_eq!(decode(&encode(&v, &ty).unwrap(), &ty).unwrap(), v);
        // A pair typed "dynamic" holds another pair: the inner one is the value.
        assert_eq!(
            decode(
                &hex(&format!("92 c4 09 s:\"dynamic\" 92 c4 08 s:{spec} a2 s:hi")),
                &Type::Dynamic
            )
            .unwrap(),
            Value::dynamic(Type::String, Value::string("hi"))
        );
        // Malformed pairs.
        for bad in [
            "91 c4 08 s:\"string\"",
            "92 c4 05 s:\"str\" a0",
            "92 01 a0",
            "a2 s:hi",
            "92 c4 08 s:\"number\" a2 s:hi",
        ] {
            assert!(decode(&hex(bad), &Type::Dynamic).is_err(), "{bad}");
        }
        // Elements that disagree cannot be given one type.
        let e = encode(
            &Value::list([Value::string("a"), Value::Bool(true)]),
            &Type::Dynamic,
        )
        .unwrap_err();
        assert_eq!(e.kind, EncodeErrorKind::CannotInferType);
    }

    #[test]
    fn decode_errors_carry_paths() {
        let ty = resource_type();
        let ok = hex("83 a2 s:id a1 s:x a5 s:ports 91 81 a4 s:port 50 a4 s:tags 80");
        assert!(decode(&ok, &ty).is_ok());

        // Wrong type deep down.
        let e = decode(
            &hex("83 a2 s:id a1 s:x a5 s:ports 92 81 a4 s:port 50 81 a4 s:port c3 a4 s:tags 80"),
            &ty,
        )
        .unwrap_err();
        assert_eq!(e.path.to_string(), "ports[1].port");
        assert_eq!(
            e.kind,
            DecodeErrorKind::WrongType {
                expected: "number",
                found: "bool"
            }
        );
        assert_eq!(
            e.to_string(),
            "ports[1].port: number is required, found bool"
        );

        let e = decode(&hex("83 a2 s:id a1 s:x a3 s:bad c0 a4 s:tags 80"), &ty).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::UnknownAttribute("bad".into()));
        assert_eq!(e.path.to_string(), "bad");

        let e = decode(&hex("82 a2 s:id a1 s:x a4 s:tags 80"), &ty).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::MissingAttribute("ports".into()));
        assert_eq!(e.path, crate::sdk::path::Path::root());

        // A missing attribute is reported at the object that lacks it.
        let e = decode(
            &hex("83 a2 s:id a1 s:x a5 s:ports 92 81 a4 s:port 50 80 a4 s:tags 80"),
            &ty,
        )
        .unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::MissingAttribute("port".into()));
        assert_eq!(e.path.to_string(), "ports[1]");

        let e = decode(&hex("83 a2 s:id c0 a2 s:id c0 a4 s:tags 80"), &ty).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::DuplicateKey("id".into()));
        assert_eq!(e.path.to_string(), "id");

        let e = decode(
            &hex("83 a2 s:id c0 a5 s:ports c0 a4 s:tags 82 a1 s:k a0 a1 s:k a0"),
            &ty,
        )
        .unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::DuplicateKey("k".into()));
        assert_eq!(e.path.to_string(), "tags[\"k\"]");

        let e = decode(
            &hex("83 a2 s:id c0 a5 s:ports c0 a4 s:tags 81 a1 s:k 05"),
            &ty,
        )
        .unwrap_err();
        assert_eq!(e.path.to_string(), "tags[\"k\"]");

        let e = decode(&hex("81 01 c0"), &Type::map(Type::String)).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::NonStringKey);

        let e = decode(&hex("92 01 02"), &Type::tuple([Type::Number])).unwrap_err();
        assert_eq!(
            e.kind,
            DecodeErrorKind::TupleLength {
                expected: 1,
                found: 2
            }
        );

        let e = decode(&hex("c0 c0"), &Type::String).unwrap_err();
        assert_eq!(e.kind, DecodeErrorKind::TrailingBytes(1));

        let e = decode(&hex("c1"), &Type::String).unwrap_err();
        assert!(matches!(e.kind, DecodeErrorKind::WrongType { .. }));

        assert_eq!(
            decode(&[], &Type::String).unwrap_err().kind,
            DecodeErrorKind::Truncated
        );
        assert!(matches!(
            decode(&hex("a1 s:x"), &Type::list(Type::String))
                .unwrap_err()
                .kind,
            DecodeErrorKind::WrongType {
                expected: "list",
                found: "string"
            }
        ));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let ty = resource_type();
        let v = Value::object([
            ("id", Value::string("abcdef")),
            (
                "ports",
                Value::list([Value::object([(
                    "port",
                    Value::Number(num("123456789012345678901234567890.5")),
                )])]),
            ),
            (
                "tags",
                Value::map([(
                    "k",
                    Value::Unknown(Refinements {
                        string_prefix: Some("p".into()),
                        ..Refinements::default()
                    }),
                )]),
            ),
        ]);
        let bytes = encode(&v, &ty).unwrap();
        assert_eq!(decode(&bytes, &ty).unwrap(), v);
        for cut in 0..bytes.len() {
            let e = decode(&bytes[..cut], &ty).unwrap_err();
            assert_eq!(e.kind, DecodeErrorKind::Truncated, "cut at {cut}");
        }
    }

    #[test]
    fn hostile_lengths_and_nesting_are_bounded() {
        // Claimed lengths far beyond the input: errors, no giant allocations.
        for bytes in [
            "dd ff ff ff ff",
            "dc ff ff 01",
            "df ff ff ff ff",
            "db ff ff ff ff",
            "c6 ff ff ff ff",
            "c9 ff ff ff ff 0c",
        ] {
            for ty in [
                Type::list(Type::Number),
                Type::map(Type::Number),
                Type::String,
                Type::Dynamic,
            ] {
                assert!(decode(&hex(bytes), &ty).is_err(), "{bytes} {ty}");
            }
        }
        // Deep input for a deep type stops at the cap.
        let mut ty = Type::Bool;
        for _ in 0..400 {
            ty = Type::list(ty);
        }
        let mut bytes = vec![0x91; 400];
        bytes.push(0xc3);
        assert_eq!(
            decode(&bytes, &ty).unwrap_err().kind,
            DecodeErrorKind::TooDeep
        );
        // Nested dynamics: each layer's type spec is itself "dynamic".
        let mut bytes = Vec::new();
        for _ in 0..10_000 {
            bytes.extend_from_slice(&hex("92 c4 09 s:\"dynamic\""));
        }
        bytes.push(0xc0);
        assert_eq!(
            decode(&bytes, &Type::Dynamic).unwrap_err().kind,
            DecodeErrorKind::TooDeep
        );
        // Deeply nested unknown refinement values are skipped with the same cap.
        let mut body = hex("81 07");
        body.extend(std::iter::repeat_n(0x91, 1000));
        body.push(0xc0);
        let mut bytes = hex("c8");
        bytes.extend_from_slice(&(body.len() as u16).to_be_bytes());
        bytes.push(0x0c);
        bytes.extend_from_slice(&body);
        assert!(decode(&bytes, &Type::String).is_err());
        // A type spec nested too deeply.
        let spec = format!("{}\"bool\"{}", "[\"list\",".repeat(300), "]".repeat(300));
        let mut bytes = hex("92 c5");
        bytes.extend_from_slice(&(spec.len() as u16).to_be_bytes());
        bytes.extend_from_slice(spec.as_bytes());
        bytes.push(0xc0);
        assert!(matches!(
            decode(&bytes, &Type::Dynamic).unwrap_err().kind,
            DecodeErrorKind::InvalidType(_)
        ));
    }

    #[test]
    fn encode_errors_carry_paths() {
        let ty = resource_type();
        let e = encode(&Value::object([("id", Value::number(1))]), &ty).unwrap_err();
        assert_eq!(e.path.to_string(), "id");
        assert_eq!(
            e.kind,
            EncodeErrorKind::TypeMismatch {
                expected: "\"string\"".into(),
                found: "number"
            }
        );
        let e = encode(&Value::object([("nope", Value::Null)]), &ty).unwrap_err();
        assert_eq!(e.kind, EncodeErrorKind::UnexpectedAttribute("nope".into()));
        let e = encode(
            &Value::object([(
                "ports",
                Value::list([Value::object([("port", Value::string("80"))])]),
            )]),
            &ty,
        )
        .unwrap_err();
        assert_eq!(e.path.to_string(), "ports[0].port");
        let e = encode(
            &Value::object([("tags", Value::map([("k", Value::Bool(true))]))]),
            &ty,
        )
        .unwrap_err();
        assert_eq!(e.path.to_string(), "tags[\"k\"]");
        let e = encode(&Value::tuple([Value::Null]), &Type::tuple([])).unwrap_err();
        assert_eq!(
            e.kind,
            EncodeErrorKind::TupleLength {
                expected: 0,
                found: 1
            }
        );
    }

    // -----------------------------------------------------------------------------------------
    // Property-style round trips over generated types and values, and garbage that must not
    // panic. A tiny xorshift keeps them deterministic without a dependency.

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.below(100) < percent
        }
    }

    fn gen_type(rng: &mut Rng, depth: u32) -> Type {
        let top = if depth >= 3 { 4 } else { 9 };
        match rng.below(top) {
            0 => Type::Bool,
            1 => Type::Number,
            2 => Type::String,
            3 => Type::Dynamic,
            4 => Type::list(gen_type(rng, depth + 1)),
            5 => Type::set(gen_type(rng, depth + 1)),
            6 => Type::map(gen_type(rng, depth + 1)),
            7 => {
                Type::object((0..rng.below(4)).map(|i| (format!("a{i}"), gen_type(rng, depth + 1))))
            }
            _ => Type::Tuple(
                (0..rng.below(3))
                    .map(|_| gen_type(rng, depth + 1))
                    .collect(),
            ),
        }
    }

    fn gen_number(rng: &mut Rng) -> Number {
        match rng.below(6) {
            0 => Number::from(rng.next() as i64 >> rng.below(64)),
            1 => Number::from(rng.next()),
            2 => loop {
                if let Some(n) = Number::from_f64_exact(f64::from_bits(rng.next())) {
                    break n;
                }
            },
            3 => Number::from_f64(rng.below(10_000) as f64 / 64.0).unwrap(),
            4 => {
                let digits: String = (0..1 + rng.below(60))
                    .map(|_| char::from(b'0' + rng.below(10) as u8))
                    .collect();
                let point = rng.below(digits.len() as u64) as usize;
                num(&format!("-{}.{}", &digits[..point], &digits[point..]))
            }
            _ => Number::infinity(rng.chance(50)),
        }
    }

    fn gen_string(rng: &mut Rng) -> String {
        const PIECES: [&str; 8] = ["a", "Z", "0", " ", "é", "😀", "\"", "\\"];
        (0..rng.below(40))
            .map(|_| PIECES[rng.below(8) as usize])
            .collect()
    }

    fn gen_refinements(rng: &mut Rng, ty: &Type) -> Refinements {
        let mut r = Refinements {
            not_null: rng.chance(50),
            ..Refinements::default()
        };
        match ty {
            Type::String if rng.chance(50) => {
                r.string_prefix = Some(format!("p{}", gen_string(rng)))
            }
            Type::Number => {
                if rng.chance(50) {
                    r.number_lower = Some((gen_number(rng), rng.chance(50)));
                }
                if rng.chance(50) {
                    r.number_upper = Some((gen_number(rng), rng.chance(50)));
                }
            }
            t if t.is_collection() => {
                if rng.chance(50) {
                    r.length_lower = Some(1 + rng.below(1000));
                }
                if rng.chance(50) {
                    r.length_upper = Some(rng.next());
                }
            }
            _ => {}
        }
        r
    }

    fn gen_value(rng: &mut Rng, ty: &Type, depth: u32) -> Value {
        if rng.chance(10) {
            return Value::Null;
        }
        if rng.chance(10) {
            return Value::Unknown(if *ty == Type::Dynamic {
                Refinements::default()
            } else {
                gen_refinements(rng, ty)
            });
        }
        match ty {
            Type::Bool => Value::Bool(rng.chance(50)),
            Type::Number => Value::Number(gen_number(rng)),
            Type::String => Value::String(gen_string(rng)),
            Type::Dynamic => {
                let inner = loop {
                    let t = gen_type(rng, depth + 1);
                    if t != Type::Dynamic {
                        break t;
                    }
                };
                let v = gen_value(rng, &inner, depth + 1);
                Value::dynamic(inner, v)
            }
            Type::List(t) => Value::List(
                (0..rng.below(4))
                    .map(|_| gen_value(rng, t, depth + 1))
                    .collect(),
            ),
            Type::Set(t) => Value::Set(
                (0..rng.below(4))
                    .map(|_| gen_value(rng, t, depth + 1))
                    .collect(),
            ),
            Type::Map(t) => Value::Map(
                (0..rng.below(4))
                    .map(|_| (gen_string(rng), gen_value(rng, t, depth + 1)))
                    .collect(),
            ),
            Type::Object { attrs, .. } => Value::Object(
                attrs
                    .iter()
                    .map(|(k, t)| (k.clone(), gen_value(rng, t, depth + 1)))
                    .collect(),
            ),
            Type::Tuple(ts) => {
                Value::Tuple(ts.iter().map(|t| gen_value(rng, t, depth + 1)).collect())
            }
        }
    }

    /// JSON has no unknowns and no infinities.
    fn json_safe(v: &Value) -> bool {
        match v {
            Value::Unknown(_) => false,
            Value::Number(n) => !n.is_infinite(),
            Value::Dynamic { value, .. } => json_safe(value),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(json_safe)
            }
            Value::Map(m) | Value::Object(m) => m.values().all(json_safe),
            _ => true,
        }
    }

    #[test]
    fn generated_values_round_trip() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut json_checked = 0;
        for i in 0..2000 {
            let ty = gen_type(&mut rng, 0);
            let v = gen_value(&mut rng, &ty, 0);
            let bytes = encode(&v, &ty).unwrap_or_else(|e| panic!("#{i} {ty}: {e}"));
            let back =
                decode(&bytes, &ty).unwrap_or_else(|e| panic!("#{i} {ty}: {e} {bytes:02x?}"));
            assert_eq!(back, v, "#{i} {ty}");
            // Encoding is deterministic: the decoded value gives the same bytes.
            assert_eq!(encode(&back, &ty).unwrap(), bytes);
            if json_safe(&v) {
                let text = json::encode(&v, &ty).unwrap();
                let back = json::decode(&text, &ty).unwrap_or_else(|e| {
                    panic!("#{i} {ty}: {e} {}", String::from_utf8_lossy(&text))
                });
                assert_eq!(back, v, "#{i} {ty} {}", String::from_utf8_lossy(&text));
                json_checked += 1;
            }
        }
        assert!(json_checked > 200, "{json_checked}");
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let types = [
            resource_type(),
            Type::Dynamic,
            Type::list(Type::Dynamic),
            Type::Number,
            Type::map(Type::tuple([Type::String, Type::Number])),
        ];
        for _ in 0..3000 {
            let ty = &types[rng.below(types.len() as u64) as usize];
            // Random bytes, and valid encodings with random bytes flipped or cut.
            let mut bytes = if rng.chance(30) {
                (0..rng.below(64)).map(|_| rng.next() as u8).collect()
            } else {
                let t = gen_type(&mut rng, 0);
                let v = gen_value(&mut rng, &t, 0);
                encode(&v, &t).unwrap()
            };
            for _ in 0..1 + rng.below(4) {
                if !bytes.is_empty() {
                    let at = rng.below(bytes.len() as u64) as usize;
                    bytes[at] = rng.next() as u8;
                }
            }
            if rng.chance(20) {
                bytes.truncate(rng.below(bytes.len() as u64 + 1) as usize);
            }
            let _ = decode(&bytes, ty);
            let _ = json::decode(&bytes, ty);
        }
    }
}
