//! Structure-aware inputs: random Terraform types and values of a given type (with nulls,
//! unknowns, refinements and `dynamic` slots), which the driver encodes with the SDK's own
//! encoders and then mutates. Without coverage feedback, starting from well-formed values is
//! what lets mutations reach the deep parts of a decoder.

use agent37_provider::sdk::Type;
use agent37_provider::sdk::value::{Number, Refinements, Value, ValueMap};
use rand::Rng;

/// Strings that have bitten decoders before: empty, multi-byte, control characters, numbers
/// in disguise, ids and keys of this provider.
const STRINGS: &[&str] = &[
    "",
    "a",
    "running",
    "agent37-hermes",
    "agent37-hermes-small",
    "ghcr.io/acme/agent:v1",
    "sk_live_abcdefghijklmnopqrstuvwx",
    "10m",
    "1h30m",
    "0.000001",
    "-0",
    "1e400",
    "NaN",
    "é",
    "日本語",
    "\u{0}",
    "\u{feff}",
    "🦀",
    "\"quoted\"",
    "{\"json\":1}",
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "3737",
    "65535",
    "65536",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551615",
    "18446744073709551616",
    "0.5",
    "1.0000000000000000000001",
    "1e300",
    "1e-300",
    "123456789012345678901234567890",
];

/// A random type, at most `depth` levels of nesting.
pub fn random_type(rng: &mut impl Rng, depth: usize) -> Type {
    let leaf = depth == 0 || rng.random_bool(0.4);
    if leaf {
        return match rng.random_range(0..4) {
            0 => Type::Bool,
            1 => Type::Number,
            2 => Type::String,
            _ => Type::Dynamic,
        };
    }
    let inner = |rng: &mut _| Box::new(random_type(rng, depth - 1));
    match rng.random_range(0..5) {
        0 => Type::List(inner(rng)),
        1 => Type::Set(inner(rng)),
        2 => Type::Map(inner(rng)),
        3 => {
            let n = rng.random_range(0..4);
            Type::object((0..n).map(|i| (format!("a{i}"), random_type(rng, depth - 1))))
        }
        _ => {
            let n = rng.random_range(0..4);
            Type::Tuple((0..n).map(|_| random_type(rng, depth - 1)).collect())
        }
    }
}

pub fn random_string(rng: &mut impl Rng) -> String {
    if rng.random_bool(0.7) {
        return STRINGS[rng.random_range(0..STRINGS.len())].to_owned();
    }
    let len = rng.random_range(0..40);
    (0..len)
        .map(|_| match rng.random_range(0..10) {
            0 => char::from_u32(rng.random_range(0..0x11_0000)).unwrap_or('?'),
            1 => char::from(rng.random_range(0u8..0x20)),
            _ => char::from(rng.random_range(b'a'..=b'z')),
        })
        .collect()
}

pub fn random_number(rng: &mut impl Rng) -> Number {
    match rng.random_range(0..10) {
        0 => Number::infinity(rng.random_bool(0.5)),
        1..=4 => Number::parse(NUMBERS[rng.random_range(0..NUMBERS.len())])
            .unwrap_or_else(|_| Number::zero()),
        5..=7 => Number::from(rng.random_range(-100_000i64..100_000)),
        _ => Number::from_f64(rng.random::<f64>() * 1e6).unwrap_or_else(Number::zero),
    }
}

/// What an unknown of `ty` may carry, as go-cty would send it.
fn random_refinements(rng: &mut impl Rng, ty: &Type) -> Refinements {
    let mut r = Refinements {
        not_null: rng.random_bool(0.5),
        ..Refinements::default()
    };
    if !r.not_null || rng.random_bool(0.5) {
        return r;
    }
    match ty {
        Type::String => r.string_prefix = Some(random_string(rng)),
        Type::Number => {
            if rng.random_bool(0.7) {
                r.number_lower = Some((random_number(rng), rng.random_bool(0.5)));
            }
            if rng.random_bool(0.7) {
                r.number_upper = Some((random_number(rng), rng.random_bool(0.5)));
            }
        }
        Type::List(_) | Type::Set(_) | Type::Map(_) => {
            let lo = rng.random_range(0..5u64);
            r.length_lower = Some(lo);
            if rng.random_bool(0.5) {
                r.length_upper = Some(lo + rng.random_range(0..5u64));
            }
        }
        _ => {}
    }
    r
}

/// A random value conforming to `ty` (nulls and unknowns anywhere, as Terraform sends them).
pub fn random_value(rng: &mut impl Rng, ty: &Type, depth: usize) -> Value {
    match rng.random_range(0..20) {
        0 => return Value::Null,
        1 => return Value::Unknown(Box::new(random_refinements(rng, ty))),
        _ => {}
    }
    let count = |rng: &mut _| if depth == 0 { 0 } else { small(rng) };
    match ty {
        Type::Bool => Value::Bool(rng.random_bool(0.5)),
        Type::Number => Value::Number(random_number(rng)),
        Type::String => Value::String(random_string(rng)),
        Type::Dynamic => {
            let concrete = random_type(rng, depth.min(2));
            let concrete = if concrete == Type::Dynamic {
                Type::String
            } else {
                concrete
            };
            let inner = random_value(rng, &concrete, depth.saturating_sub(1));
            if inner.is_null() || !inner.is_known() {
                inner
            } else {
                Value::dynamic(concrete, inner)
            }
        }
        Type::List(elem) => {
            let n = count(rng);
            Value::List((0..n).map(|_| random_value(rng, elem, depth - 1)).collect())
        }
        Type::Set(elem) => {
            let n = count(rng);
            let mut items: Vec<Value> = Vec::new();
            for _ in 0..n {
                let v = random_value(rng, elem, depth - 1);
                if !items.contains(&v) {
                    items.push(v);
                }
            }
            Value::Set(items)
        }
        Type::Map(elem) => {
            let n = count(rng);
            let entries: ValueMap = (0..n)
                .map(|_| (random_string(rng), random_value(rng, elem, depth - 1)))
                .collect();
            Value::Map(entries)
        }
        Type::Object { attrs, .. } => Value::Object(
            attrs
                .iter()
                .map(|(name, t)| (name.clone(), random_value(rng, t, depth.saturating_sub(1))))
                .collect(),
        ),
        Type::Tuple(elems) => Value::Tuple(
            elems
                .iter()
                .map(|t| random_value(rng, t, depth.saturating_sub(1)))
                .collect(),
        ),
    }
}

fn small(rng: &mut impl Rng) -> usize {
    match rng.random_range(0..10) {
        0 => 0,
        1..=7 => rng.random_range(1..4),
        _ => rng.random_range(4..20),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use agent37_provider::sdk::msgpack;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    #[test]
    fn generated_values_encode_and_decode_back() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..2000 {
            let ty = random_type(&mut rng, 4);
            let value = random_value(&mut rng, &ty, 4);
            let bytes =
                msgpack::encode(&value, &ty).unwrap_or_else(|e| panic!("{ty:?} {value:?}: {e}"));
            msgpack::decode(&bytes, &ty).unwrap_or_else(|e| panic!("{ty:?} {value:?}: {e}"));
        }
    }
}
