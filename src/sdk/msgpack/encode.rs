//! Writing msgpack: the smallest encodings, unknowns with their refinements, the typed walk.

use std::collections::BTreeMap;

use super::super::path::Step;
use super::super::types::Type;
use super::super::value::{MAX_DEPTH, Number, Refinements, Value, ValueMap, index_step};
use super::*;

pub(super) fn write_uint(out: &mut Vec<u8>, u: u64) {
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

pub(super) fn write_int(out: &mut Vec<u8>, i: i64) {
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

pub(super) fn write_f64(out: &mut Vec<u8>, f: f64) {
    out.push(0xcb);
    out.extend_from_slice(&f.to_be_bytes());
}

/// Writes a str/bin/array/map header choosing the smallest form; `fix` is the fix-form base
/// and limit, `codes` the 8/16/32-bit forms (0 where a form does not exist).
pub(super) fn write_len(
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

pub(super) fn write_str(out: &mut Vec<u8>, s: &str) -> Result<(), EncodeErrorKind> {
    write_len(out, s.len(), Some((0xa0, 31)), [0xd9, 0xda, 0xdb])?;
    out.extend_from_slice(s.as_bytes());
    Ok(())
}

pub(super) fn write_bin(out: &mut Vec<u8>, b: &[u8]) -> Result<(), EncodeErrorKind> {
    write_len(out, b.len(), None, [0xc4, 0xc5, 0xc6])?;
    out.extend_from_slice(b);
    Ok(())
}

pub(super) fn write_array_len(out: &mut Vec<u8>, n: usize) -> Result<(), EncodeErrorKind> {
    write_len(out, n, Some((0x90, 15)), [0, 0xdc, 0xdd])
}

pub(super) fn write_map_len(out: &mut Vec<u8>, n: usize) -> Result<(), EncodeErrorKind> {
    write_len(out, n, Some((0x80, 15)), [0, 0xde, 0xdf])
}

pub(super) fn write_ext(out: &mut Vec<u8>, code: i8, body: &[u8]) -> Result<(), EncodeErrorKind> {
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

pub(super) fn write_number(out: &mut Vec<u8>, n: &Number) -> Result<(), EncodeErrorKind> {
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
pub(super) fn write_unknown(
    out: &mut Vec<u8>,
    refs: &Refinements,
    ty: &Type,
) -> Result<(), EncodeErrorKind> {
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

pub(super) fn truncate_prefix(p: &str) -> &str {
    if p.len() <= MAX_PREFIX_LEN {
        return p;
    }
    let mut end = MAX_PREFIX_LEN - 1;
    while !p.is_char_boundary(end) {
        end -= 1;
    }
    &p[..end]
}

pub(super) struct Encoder {
    pub(super) out: Vec<u8>,
}

impl Encoder {
    pub(super) fn err(&self, kind: EncodeErrorKind) -> EncodeError {
        EncodeError::here(kind)
    }

    pub(super) fn here<T>(&self, r: Result<T, EncodeErrorKind>) -> Result<T, EncodeError> {
        r.map_err(|k| self.err(k))
    }

    // Split into small functions with direct-call arms, as the decoder is, to keep the
    // per-level stack small in debug builds.
    pub(super) fn value(
        &mut self,
        value: &Value,
        ty: &Type,
        depth: usize,
    ) -> Result<(), EncodeError> {
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
    pub(super) fn primitive(&mut self, value: &Value, ty: &Type) -> Result<(), EncodeError> {
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
    pub(super) fn dynamic_slot(&mut self, value: &Value, depth: usize) -> Result<(), EncodeError> {
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
            Value::Dynamic { ty, value } if **ty == Type::Dynamic => {
                return self.value(value, &Type::Dynamic, depth + 1);
            }
            Value::Dynamic { ty, value } => ((**ty).clone(), &**value),
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
    pub(super) fn sequence(
        &mut self,
        items: &[Value],
        ty: &Type,
        depth: usize,
    ) -> Result<(), EncodeError> {
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
    pub(super) fn map(
        &mut self,
        m: &ValueMap,
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
    pub(super) fn object(
        &mut self,
        m: &ValueMap,
        attrs: &BTreeMap<String, Type>,
        depth: usize,
    ) -> Result<(), EncodeError> {
        // Both maps are sorted by name: one merge walk pairs each attribute with its value (an
        // absent one is null) and finds a member the type lacks, with no lookup per attribute.
        let r = write_map_len(&mut self.out, attrs.len());
        self.here(r)?;
        let mut members = m.iter().peekable();
        for (name, aty) in attrs {
            if let Some((extra, _)) = members.next_if(|(k, _)| k.as_str() < name.as_str()) {
                return Err(self.err(EncodeErrorKind::UnexpectedAttribute(extra.clone())));
            }
            let v = members
                .next_if(|(k, _)| *k == name)
                .map_or(&Value::Null, |(_, v)| v);
            let r = write_str(&mut self.out, name);
            self.here(r)?;
            self.value(v, aty, depth + 1)
                .map_err(|e| e.within(Step::Attr(name.clone())))?;
        }
        if let Some((extra, _)) = members.next() {
            return Err(self.err(EncodeErrorKind::UnexpectedAttribute(extra.clone())));
        }
        Ok(())
    }
}
