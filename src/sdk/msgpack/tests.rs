//! The msgpack codec against go-cty's wire format: golden vectors, unknowns and refinements,
//! numbers, hostile input.

use super::*;
use crate::sdk::json;
use crate::sdk::types::Type;
use crate::sdk::value::{Number, Refinements, ValueMap};

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
    Value::Unknown(Box::new(r))
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
    let big: ValueMap = (0..16).map(|i| (format!("k{i:02}"), Value::Null)).collect();
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
                Value::Unknown(Box::new(Refinements {
                    string_prefix: Some("p".into()),
                    ..Refinements::default()
                })),
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
        7 => Type::object((0..rng.below(4)).map(|i| (format!("a{i}"), gen_type(rng, depth + 1)))),
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
        Type::String if rng.chance(50) => r.string_prefix = Some(format!("p{}", gen_string(rng))),
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
            Box::default()
        } else {
            Box::new(gen_refinements(rng, ty))
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
        Type::Tuple(ts) => Value::Tuple(ts.iter().map(|t| gen_value(rng, t, depth + 1)).collect()),
    }
}

/// JSON has no unknowns and no infinities.
fn json_safe(v: &Value) -> bool {
    match v {
        Value::Unknown(_) => false,
        Value::Number(n) => !n.is_infinite(),
        Value::Dynamic { value, .. } => json_safe(value),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => items.iter().all(json_safe),
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
        let back = decode(&bytes, &ty).unwrap_or_else(|e| panic!("#{i} {ty}: {e} {bytes:02x?}"));
        assert_eq!(back, v, "#{i} {ty}");
        // Encoding is deterministic: the decoded value gives the same bytes.
        assert_eq!(encode(&back, &ty).unwrap(), bytes);
        if json_safe(&v) {
            let text = json::encode(&v, &ty).unwrap();
            let back = json::decode(&text, &ty)
                .unwrap_or_else(|e| panic!("#{i} {ty}: {e} {}", String::from_utf8_lossy(&text)));
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
