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
//! Decoding never panics and is bounded: nesting is capped at [`MAX_DEPTH`](super::value::MAX_DEPTH) and no buffer is
//! sized from a length the remaining input cannot hold.

mod decode;
mod encode;
#[cfg(test)]
mod tests;

use super::types::Type;
use super::value::Value;
pub use super::value::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
use decode::{Decoder, Reader};
use encode::Encoder;

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

/// The encoder's first buffer: an instance's state is about 1.5 KiB of msgpack.
const ENCODE_CAPACITY: usize = 4096;

/// Encodes `value` as msgpack against `ty` (object attributes missing from the value are nil).
pub fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, EncodeError> {
    // Room for a typical resource's state from the start: grown from empty, the buffer was
    // reallocated and copied about ten times per encode, each time consolidating the heap.
    let mut e = Encoder {
        out: Vec::with_capacity(ENCODE_CAPACITY),
    };
    e.value(value, ty, 0)?;
    Ok(e.out)
}
