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

use super::path::{Path, Step};
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
        path: Vec::new(),
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
    let mut e = Encoder {
        out: Vec::new(),
        path: Vec::new(),
    };
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
    path: Vec<Step>,
}

impl<'a> Decoder<'a> {
    fn err(&self, kind: DecodeErrorKind) -> DecodeError {
        DecodeError {
            path: Path(self.path.clone()),
            kind,
        }
    }

    fn head(&mut self) -> Result<Head<'a>, DecodeError> {
        self.r.head().map_err(|k| self.err(k))
    }

    fn value(&mut self, ty: &Type, depth: usize) -> Result<Value, DecodeError> {
        if depth > MAX_DEPTH {
            return Err(self.err(DecodeErrorKind::TooDeep));
        }
        let head = self.head()?;
        let wrong = |d: &Self, expected, head: &Head<'_>| {
            d.err(DecodeErrorKind::WrongType {
                expected,
                found: head.name(),
            })
        };
        match head {
            Head::Ext(code, body) => {
                return unknown(code, body, ty).map_err(|k| self.err(k));
            }
            Head::Nil => return Ok(Value::Null),
            _ => {}
        }
        Ok(match ty {
            Type::Dynamic => {
                let Head::Array(2) = head else {
                    return Err(self.err(DecodeErrorKind::InvalidDynamic(
                        "a [type, value] array of two elements is required",
                    )));
                };
                let spec = match self.head()? {
                    Head::Bin(s) | Head::Str(s) => s,
                    other => return Err(wrong(self, "a type spec (binary)", &other)),
                };
                let vty =
                    Type::from_json(spec).map_err(|e| self.err(DecodeErrorKind::InvalidType(e)))?;
                let inner = self.value(&vty, depth + 1)?;
                Value::dynamic(vty, inner)
            }
            Type::Bool => match head {
                Head::Bool(b) => Value::Bool(b),
                other => return Err(wrong(self, "bool", &other)),
            },
            Type::Number => Value::Number(number_from(head).map_err(|k| self.err(k))?),
            Type::String => match head {
                Head::Str(s) | Head::Bin(s) => Value::String(utf8(s).map_err(|k| self.err(k))?),
                other => return Err(wrong(self, "string", &other)),
            },
            Type::List(ety) | Type::Set(ety) => {
                let is_list = matches!(ty, Type::List(_));
                let Head::Array(n) = head else {
                    return Err(wrong(self, if is_list { "list" } else { "set" }, &head));
                };
                let items = self.elements(n, |_| ety, depth)?;
                if is_list {
                    Value::List(items)
                } else {
                    Value::Set(items)
                }
            }
            Type::Tuple(etys) => {
                let Head::Array(n) = head else {
                    return Err(wrong(self, "tuple", &head));
                };
                if n != etys.len() {
                    return Err(self.err(DecodeErrorKind::TupleLength {
                        expected: etys.len(),
                        found: n,
                    }));
                }
                Value::Tuple(self.elements(n, |i| &etys[i], depth)?)
            }
            Type::Map(ety) => {
                let Head::Map(n) = head else {
                    return Err(wrong(self, "map", &head));
                };
                let mut out = BTreeMap::new();
                for _ in 0..n {
                    let key = self.key()?;
                    self.path.push(Step::Key(key.clone()));
                    let v = self.value(ety, depth + 1)?;
                    if out.insert(key.clone(), v).is_some() {
                        return Err(self.err(DecodeErrorKind::DuplicateKey(key)));
                    }
                    self.path.pop();
                }
                Value::Map(out)
            }
            Type::Object { attrs, .. } => {
                let Head::Map(n) = head else {
                    return Err(wrong(self, "object", &head));
                };
                let mut out = BTreeMap::new();
                for _ in 0..n {
                    let key = self.key()?;
                    self.path.push(Step::Attr(key.clone()));
                    let Some(aty) = attrs.get(&key) else {
                        return Err(self.err(DecodeErrorKind::UnknownAttribute(key)));
                    };
                    let v = self.value(aty, depth + 1)?;
                    if out.insert(key.clone(), v).is_some() {
                        return Err(self.err(DecodeErrorKind::DuplicateKey(key)));
                    }
                    self.path.pop();
                }
                if let Some(missing) = attrs.keys().find(|k| !out.contains_key(*k)) {
                    return Err(self.err(DecodeErrorKind::MissingAttribute(missing.clone())));
                }
                Value::Object(out)
            }
        })
    }

    fn key(&mut self) -> Result<String, DecodeError> {
        match self.head()? {
            Head::Str(s) | Head::Bin(s) => utf8(s).map_err(|k| self.err(k)),
            _ => Err(self.err(DecodeErrorKind::NonStringKey)),
        }
    }

    fn elements<'t>(
        &mut self,
        n: usize,
        ety: impl Fn(usize) -> &'t Type,
        depth: usize,
    ) -> Result<Vec<Value>, DecodeError> {
        // Every element takes at least one byte: never reserve more than the input could hold.
        let mut items = Vec::with_capacity(n.min(self.r.remaining()));
        for i in 0..n {
            self.path.push(index_step(i));
            items.push(self.value(ety(i), depth + 1)?);
            self.path.pop();
        }
        Ok(items)
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
    path: Vec<Step>,
}

impl Encoder {
    fn err(&self, kind: EncodeErrorKind) -> EncodeError {
        EncodeError {
            path: Path(self.path.clone()),
            kind,
        }
    }

    fn value(&mut self, value: &Value, ty: &Type, depth: usize) -> Result<(), EncodeError> {
        if depth > MAX_DEPTH {
            return Err(self.err(EncodeErrorKind::TooDeep));
        }
        let r = self.value_inner(value, ty, depth);
        match r {
            Ok(()) => Ok(()),
            Err(Failure::Here(kind)) => Err(self.err(kind)),
            Err(Failure::Nested(e)) => Err(e),
        }
    }

    fn value_inner(&mut self, value: &Value, ty: &Type, depth: usize) -> Result<(), Failure> {
        if let Type::Dynamic = ty {
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
                } => return Ok(self.value(value, ty, depth + 1)?),
                Value::Dynamic { ty, value } => (ty.clone(), &**value),
                other => (
                    other.infer_type().ok_or(EncodeErrorKind::CannotInferType)?,
                    other,
                ),
            };
            write_array_len(&mut self.out, 2)?;
            write_bin(&mut self.out, &vty.to_json())?;
            return Ok(self.value(inner, &vty, depth + 1)?);
        }
        match (ty, value) {
            (_, Value::Dynamic { value, .. }) => self.value(value, ty, depth + 1)?,
            (_, Value::Null) => self.out.push(0xc0),
            (_, Value::Unknown(refs)) => write_unknown(&mut self.out, refs, ty)?,
            (Type::Bool, Value::Bool(b)) => self.out.push(if *b { 0xc3 } else { 0xc2 }),
            (Type::Number, Value::Number(n)) => write_number(&mut self.out, n)?,
            (Type::String, Value::String(s)) => write_str(&mut self.out, s)?,
            (
                Type::List(_) | Type::Set(_) | Type::Tuple(_),
                Value::List(items) | Value::Set(items) | Value::Tuple(items),
            ) => {
                let expected = match ty {
                    Type::Tuple(etys) => etys.len(),
                    _ => items.len(),
                };
                if expected != items.len() {
                    return Err(Failure::Here(EncodeErrorKind::TupleLength {
                        expected,
                        found: items.len(),
                    }));
                }
                write_array_len(&mut self.out, items.len())?;
                for (i, item) in items.iter().enumerate() {
                    let ety = match ty {
                        Type::List(t) | Type::Set(t) => &**t,
                        Type::Tuple(ts) => &ts[i],
                        _ => unreachable!("matched above"),
                    };
                    self.path.push(index_step(i));
                    self.value(item, ety, depth + 1)?;
                    self.path.pop();
                }
            }
            (Type::Map(ety), Value::Map(m) | Value::Object(m)) => {
                write_map_len(&mut self.out, m.len())?;
                for (k, v) in m {
                    write_str(&mut self.out, k)?;
                    self.path.push(Step::Key(k.clone()));
                    self.value(v, ety, depth + 1)?;
                    self.path.pop();
                }
            }
            (Type::Object { attrs, .. }, Value::Object(m) | Value::Map(m)) => {
                if let Some(extra) = m.keys().find(|k| !attrs.contains_key(*k)) {
                    return Err(Failure::Here(EncodeErrorKind::UnexpectedAttribute(
                        extra.clone(),
                    )));
                }
                write_map_len(&mut self.out, attrs.len())?;
                for (name, aty) in attrs {
                    write_str(&mut self.out, name)?;
                    self.path.push(Step::Attr(name.clone()));
                    self.value(m.get(name).unwrap_or(&Value::Null), aty, depth + 1)?;
                    self.path.pop();
                }
            }
            _ => {
                return Err(Failure::Here(EncodeErrorKind::TypeMismatch {
                    expected: ty.to_string(),
                    found: value.kind_name(),
                }));
            }
        }
        Ok(())
    }
}

/// An encoding failure either at the current path or already located deeper down.
enum Failure {
    Here(EncodeErrorKind),
    Nested(EncodeError),
}

impl From<EncodeErrorKind> for Failure {
    fn from(k: EncodeErrorKind) -> Failure {
        Failure::Here(k)
    }
}

impl From<EncodeError> for Failure {
    fn from(e: EncodeError) -> Failure {
        Failure::Nested(e)
    }
}
