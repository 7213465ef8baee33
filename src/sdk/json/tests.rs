//! The JSON value form against go-cty's `cty/json`: leniency, dynamic values, exactness.

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
