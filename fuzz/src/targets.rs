//! The fuzz targets. Each takes any bytes, must not panic, and checks properties that must hold
//! for every input (a decoded value encodes and decodes back to itself, an error message never
//! carries the API key, an accepted base URL is never plain http to another host...). A broken
//! property panics, which the driver records as a crash like any other panic.
//!
//! Each returns a signature of the outcome (which error, which shape of value): the driver keeps
//! inputs with a new signature as seeds, a cheap stand-in for coverage feedback.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::{Duration, SystemTime};

use agent37_provider::api::{
    self, ActionAck, Budget, ExecResult, Instance, SignedUrl, Template, Usage,
};
use agent37_provider::provider::{config as provider_config, money};
use agent37_provider::sdk::timeouts::{self, Phase};
use agent37_provider::sdk::validate::validate_block;
use agent37_provider::sdk::value::{Number, Value};
use agent37_provider::sdk::{Diagnostics, Path, Type, duration, json, msgpack};
use rand::Rng;
use rand::rngs::StdRng;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::generate;
use crate::schemas::{self, Entry, Kind};

/// A key the API-answer target plants in bodies: it must never come back out in a message.
pub const PLANTED_KEY: &str = "sk_live_FUZZfuzzFUZZfuzzFUZZfuzz";

pub struct Target {
    pub name: &'static str,
    pub about: &'static str,
    /// Runs one input; panics on a bug.
    pub run: fn(&[u8]) -> u64,
    /// A fresh structured input (the driver mixes these with mutated corpus entries).
    pub generate: fn(&mut StdRng) -> Vec<u8>,
    /// Inputs are `NAME\n` + payload (see [`schemas`]): mutations leave the name alone.
    pub framed: bool,
    pub dict: &'static [&'static [u8]],
}

const MSGPACK_DICT: &[&[u8]] = &[
    b"\xc0",
    b"\xc2",
    b"\xc3",
    b"\xd4\x00\x00",
    b"\xc7\x03\x0c\x81\x01\xc2",
    b"\xd4\x0c\x00",
    b"\x92\xc4\x08\"string\"",
    b"\x92\xa8\"number\"",
    b"\xcb\x7f\xf0\x00\x00\x00\x00\x00\x00",
    b"\xcf\xff\xff\xff\xff\xff\xff\xff\xff",
    b"\xd3\x80\x00\x00\x00\x00\x00\x00\x00",
    b"\xdc\xff\xff",
    b"\xdd\xff\xff\xff\xff",
    b"\xde\xff\xff",
    b"\xdf\x7f\xff\xff\xff",
    b"\xdb\xff\xff\xff\xff",
    b"\xc6\x7f\xff\xff\xff",
    b"\xa2id",
    b"\xa8template",
    b"\xa8timeouts",
    b"\xa5ports",
    b"\xa41e99",
    b"\xa3NaN",
];

const JSON_DICT: &[&[u8]] = &[
    b"null",
    b"true",
    b"false",
    b"{}",
    b"[]",
    b"{\"value\":",
    b"\"type\":",
    b"\"dynamic\"",
    b"[\"list\",\"string\"]",
    b"[\"object\",{}]",
    b"1e999",
    b"-0",
    b"0.0000001",
    b"18446744073709551616",
    b"\"\\u0000\"",
    b"\"\\ud800\"",
    b"\"\\uDFFF\\uD800\"",
    b"[[[[[[[[[[[[[[[[",
    b"\"id\"",
    b"\"ports\"",
    b"\"timeouts\"",
    b"\"create\":\"10m\"",
];

const API_DICT: &[&[u8]] = &[
    b"{\"data\":[",
    b"{\"error\":{\"code\":\"rate_limited\",\"message\":\"slow down\"}}",
    b"{\"error\":\"container_unavailable\"}",
    b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
    b"\"id\":\"abcdefghij\"",
    b"\"status\":\"running\"",
    b"\"resources\":{\"cpu\":2,\"memory\":4,\"disk\":6}",
    b"\"ports\":[{\"port\":3737,\"default\":true,\"url\":\"https://x.agent37.app\"}]",
    b"\"created\":1790000000",
    b"\"topup_remaining_micros\":0",
    b"\"credit_remaining_micros\":0",
    b"\"has_more\":true,\"next_cursor\":\"c\"",
    b"sk_live_FUZZfuzzFUZZfuzzFUZZfuzz",
    b"null",
    b"9223372036854775808",
    b"-1",
    b"1.5",
    b"\"\\u0000\"",
];

const STRING_DICT: &[&[u8]] = &[
    b"https://",
    b"http://",
    b"localhost",
    b"127.0.0.1",
    b"[::1]",
    b"[::ffff:127.0.0.1]",
    b"@",
    b":443",
    b"/v1",
    b"?",
    b"#",
    b"%2e%2e",
    b"ms",
    b"h",
    b"m",
    b"s",
    b".",
    b"-",
    b"e",
    b"999999999999999999999",
    b"0.000001",
    b"Wed, 21 Oct 2015 07:28:00 GMT",
];

pub fn all() -> Vec<Target> {
    vec![
        Target {
            name: "msgpack",
            about: "Terraform's msgpack DynamicValue decoder against every schema and generic types; decoded values must re-encode to themselves, also through JSON",
            run: run_msgpack,
            generate: generate_msgpack,
            framed: true,
            dict: MSGPACK_DICT,
        },
        Target {
            name: "json",
            about: "Terraform's JSON value decoder (DynamicValue.json, RawState.json) and every resource's state upgrade; decoded values must re-encode to themselves",
            run: run_json,
            generate: generate_json,
            framed: true,
            dict: JSON_DICT,
        },
        Target {
            name: "type_spec",
            about: "JSON type specs (attribute types, dynamic values' types); a parsed type must print and parse back to itself",
            run: run_type_spec,
            generate: generate_type_spec,
            framed: false,
            dict: JSON_DICT,
        },
        Target {
            name: "config",
            about: "hostile configuration: a msgpack config decoded against a schema, then every validator, the provider's settings resolution and the timeouts block",
            run: run_config,
            generate: generate_msgpack,
            framed: true,
            dict: MSGPACK_DICT,
        },
        Target {
            name: "api",
            about: "API answers: every response type, list pages, error envelopes (the key planted in a body never reaches the message) and Retry-After",
            run: run_api,
            generate: generate_api,
            framed: false,
            dict: API_DICT,
        },
        Target {
            name: "emulator",
            about: "request bodies, query strings and Host headers sent to the emulator in process under both API revisions: no panic, no 500, JSON answers, the envelope on /v1 errors",
            run: crate::emulator::run_requests,
            generate: crate::emulator::generate_request,
            framed: false,
            dict: crate::emulator::REQUEST_DICT,
        },
        Target {
            name: "emulator_formats",
            about: "what the emulator reads itself: build contexts (gzip, tar, Dockerfile), SSH public keys, domains, CIDRs, query strings, plane host labels, image references, env maps",
            run: crate::emulator::run_formats,
            generate: crate::emulator::generate_format,
            framed: false,
            dict: crate::emulator::FORMAT_DICT,
        },
        Target {
            name: "strings",
            about: "strings from configuration: durations, numbers, dollar amounts (usd_to_micros), base URLs (never plain http to a non-loopback host)",
            run: run_strings,
            generate: generate_string,
            framed: false,
            dict: STRING_DICT,
        },
    ]
}

pub fn by_name(name: &str) -> Option<Target> {
    all().into_iter().find(|t| t.name == name)
}

// ---------------------------------------------------------------------------------------------
// Signatures

pub(crate) fn sig(parts: impl Hash) -> u64 {
    let mut h = DefaultHasher::new();
    parts.hash(&mut h);
    h.finish()
}

/// An error's kind and where it happened, with numbers left out (so `[3]` and `[4]` match).
pub(crate) fn error_sig(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_ascii_digit())
        .take(120)
        .collect()
}

/// The shape of a value, three levels deep.
fn shape(v: &Value, depth: usize, out: &mut String) {
    out.push_str(v.kind_name());
    if depth == 0 {
        return;
    }
    let children: Vec<&Value> = match v {
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => items.iter().collect(),
        Value::Map(m) | Value::Object(m) => m.values().collect(),
        Value::Dynamic { value, .. } => vec![value.as_ref()],
        _ => return,
    };
    out.push('(');
    for c in children.iter().take(4) {
        shape(c, depth - 1, out);
        out.push(',');
    }
    out.push(')');
}

fn value_sig(entry: &Entry, v: &Value) -> u64 {
    let mut s = String::new();
    shape(v, 3, &mut s);
    sig((&entry.name, "ok", s))
}

// ---------------------------------------------------------------------------------------------
// msgpack

fn generate_msgpack(rng: &mut StdRng) -> Vec<u8> {
    let entries = schemas::all();
    let entry = &entries[rng.random_range(0..entries.len())];
    let value = generate::random_value(rng, &entry.ty, 5);
    let payload = msgpack::encode(&value, &entry.ty).unwrap_or_default();
    schemas::frame(&entry.name, &payload)
}

fn run_msgpack(input: &[u8]) -> u64 {
    let (entry, payload) = schemas::split(input);
    match msgpack::decode(payload, &entry.ty) {
        Err(e) => sig((&entry.name, error_sig(&e.to_string()))),
        Ok(v) => {
            check_msgpack_round_trip(entry, &v);
            check_json_round_trip(entry, &v);
            value_sig(entry, &v)
        }
    }
}

/// A decoded value encodes; the encoding decodes to the same value (unknowns compared without
/// their refinements: the encoder drops the ones that say nothing, such as an empty prefix or a
/// length of at least 0, and cuts long prefixes, as go-cty does); and encoding is stable: the
/// value read back encodes to the very same bytes.
fn check_msgpack_round_trip(entry: &Entry, v: &Value) {
    let bytes = msgpack::encode(v, &entry.ty).unwrap_or_else(|e| {
        panic!(
            "{}: a decoded value does not encode: {e}\n{v:?}",
            entry.name
        )
    });
    let back = msgpack::decode(&bytes, &entry.ty).unwrap_or_else(|e| {
        panic!(
            "{}: an encoded value does not decode: {e}\n{v:?}",
            entry.name
        )
    });
    assert!(
        same_known_parts(&back, v),
        "{}: msgpack round trip changed the value\nbefore: {v:?}\nafter:  {back:?}",
        entry.name
    );
    let again = msgpack::encode(&back, &entry.ty).unwrap_or_else(|e| {
        panic!(
            "{}: a re-read value does not encode: {e}\n{back:?}",
            entry.name
        )
    });
    assert!(
        again == bytes,
        "{}: encoding is not stable for {back:?}",
        entry.name
    );
}

/// Equal, except that two unknowns match whatever their refinements.
fn same_known_parts(a: &Value, b: &Value) -> bool {
    let all = |x: &[Value], y: &[Value]| {
        x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_known_parts(p, q))
    };
    match (a, b) {
        (Value::Unknown(_), Value::Unknown(_)) => true,
        (Value::List(x), Value::List(y))
        | (Value::Set(x), Value::Set(y))
        | (Value::Tuple(x), Value::Tuple(y)) => all(x, y),
        (Value::Map(x), Value::Map(y)) | (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && same_known_parts(v1, v2))
        }
        (Value::Dynamic { ty: t1, value: v1 }, Value::Dynamic { ty: t2, value: v2 }) => {
            t1 == t2 && same_known_parts(v1, v2)
        }
        _ => a == b,
    }
}

/// A fully known, finite value has a JSON form that decodes to the same value.
fn check_json_round_trip(entry: &Entry, v: &Value) {
    if !v.is_fully_known() {
        return;
    }
    let Ok(text) = json::encode(v, &entry.ty) else {
        // Infinite numbers have no JSON form; anything else is a bug.
        assert!(
            has_infinity(v),
            "{}: a known value has no JSON form: {v:?}",
            entry.name
        );
        return;
    };
    let back = json::decode(&text, &entry.ty).unwrap_or_else(|e| {
        panic!(
            "{}: JSON written by the encoder does not decode: {e}\n{}",
            entry.name,
            String::from_utf8_lossy(&text)
        )
    });
    assert!(
        back == *v,
        "{}: JSON round trip changed the value\nbefore: {v:?}\nafter:  {back:?}",
        entry.name
    );
}

fn has_infinity(v: &Value) -> bool {
    match v {
        Value::Number(n) => n.is_infinite(),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.iter().any(has_infinity)
        }
        Value::Map(m) | Value::Object(m) => m.values().any(has_infinity),
        Value::Dynamic { value, .. } => has_infinity(value),
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// JSON

fn generate_json(rng: &mut StdRng) -> Vec<u8> {
    let entries = schemas::all();
    let entry = &entries[rng.random_range(0..entries.len())];
    let value = known_only(generate::random_value(rng, &entry.ty, 5));
    let payload = json::encode(&value, &entry.ty).unwrap_or_default();
    schemas::frame(&entry.name, &payload)
}

/// Unknowns (which JSON cannot carry) and infinities replaced by null.
pub fn known_only(v: Value) -> Value {
    match v {
        Value::Unknown(_) => Value::Null,
        Value::Number(n) if n.is_infinite() => Value::Null,
        Value::List(items) => Value::List(items.into_iter().map(known_only).collect()),
        Value::Set(items) => {
            let mut out: Vec<Value> = Vec::new();
            for item in items.into_iter().map(known_only) {
                if !out.contains(&item) {
                    out.push(item);
                }
            }
            Value::Set(out)
        }
        Value::Tuple(items) => Value::Tuple(items.into_iter().map(known_only).collect()),
        Value::Map(m) => Value::Map(m.into_iter().map(|(k, v)| (k, known_only(v))).collect()),
        Value::Object(m) => Value::Object(m.into_iter().map(|(k, v)| (k, known_only(v))).collect()),
        Value::Dynamic { ty, value } => match known_only(*value) {
            Value::Null => Value::Null,
            inner => Value::Dynamic {
                ty,
                value: Box::new(inner),
            },
        },
        other => other,
    }
}

fn run_json(input: &[u8]) -> u64 {
    let (entry, payload) = schemas::split(input);
    let upgraded = upgrade_state(entry, payload);
    match json::decode(payload, &entry.ty) {
        Err(e) => sig((&entry.name, upgraded, error_sig(&e.to_string()))),
        Ok(v) => {
            check_json_round_trip(entry, &v);
            check_msgpack_round_trip(entry, &v);
            sig((upgraded, value_sig(entry, &v)))
        }
    }
}

/// UpgradeResourceState: a resource rewrites old state JSON (any object) from every version.
fn upgrade_state(entry: &Entry, payload: &[u8]) -> u8 {
    let Kind::Resource(r) = &entry.kind else {
        return 0;
    };
    let Ok(map) = agent37_provider::sdk::RawState::parse(payload) else {
        return 1;
    };
    let mut ok = 0u8;
    for version in 0..=entry.version {
        if r.upgrade_state(version, map.clone()).is_ok() {
            ok += 1;
        }
    }
    2 + ok
}

// ---------------------------------------------------------------------------------------------
// Type specs

fn generate_type_spec(rng: &mut StdRng) -> Vec<u8> {
    generate::random_type(rng, 5).to_json()
}

fn run_type_spec(input: &[u8]) -> u64 {
    match Type::from_json(input) {
        Err(e) => sig(("err", error_sig(&e.to_string()))),
        Ok(t) => {
            let text = t.to_json();
            let back = Type::from_json(&text).unwrap_or_else(|e| {
                panic!(
                    "a printed type does not parse: {e}\n{}",
                    String::from_utf8_lossy(&text)
                )
            });
            assert_eq!(back, t, "type spec round trip changed the type");
            sig(("ok", text.len().min(64), text.get(..8).map(<[u8]>::to_vec)))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration

fn run_config(input: &[u8]) -> u64 {
    let (entry, payload) = schemas::split(input);
    let value = match msgpack::decode(payload, &entry.ty) {
        Ok(v) => v,
        Err(e) => return sig((&entry.name, error_sig(&e.to_string()))),
    };
    let mut diags = Diagnostics::new();
    validate_block(&entry.block, &value, &Path::root(), &mut diags);
    entry.validate(&value, &mut diags);
    let mut extra = 0u8;
    match &entry.kind {
        Kind::Provider => {
            extra = match provider_config::resolve(&value, &|_| None) {
                Ok(_) => 1,
                Err(d) => 2 + d.0.len().min(8) as u8,
            };
        }
        Kind::Resource(_) => {
            // The deadline every call of the resource is bounded by.
            for phase in [Phase::Create, Phase::Update, Phase::Delete] {
                let d = timeouts::get(&value, phase);
                assert!(d > Duration::ZERO, "{}: a zero deadline", entry.name);
            }
        }
        _ => {}
    }
    let diag_sig: Vec<(String, String)> = diags
        .iter()
        .map(|d| {
            (
                error_sig(&d.summary),
                d.attribute
                    .as_ref()
                    .map(|p| error_sig(&p.to_string()))
                    .unwrap_or_default(),
            )
        })
        .collect();
    sig((&entry.name, extra, diag_sig))
}

// ---------------------------------------------------------------------------------------------
// API answers

/// A list page as the API sends it (`{"data": [...]}`, with an optional cursor).
#[derive(Deserialize)]
struct Page<T> {
    #[allow(dead_code)]
    data: Vec<T>,
    #[serde(default)]
    #[allow(dead_code)]
    has_more: bool,
    #[serde(default)]
    #[allow(dead_code)]
    next_cursor: Option<String>,
}

fn generate_api(rng: &mut StdRng) -> Vec<u8> {
    let pick = API_DICT[rng.random_range(0..API_DICT.len())];
    let mut out = b"{".to_vec();
    out.extend_from_slice(pick);
    out.push(b'}');
    out
}

/// Decodes `body` as `T`; a decoded object must serialize and decode back to itself.
fn decodes<T>(body: &[u8]) -> bool
where
    T: DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
{
    let Ok(v) = serde_json::from_slice::<T>(body) else {
        return false;
    };
    let text = serde_json::to_vec(&v).unwrap_or_else(|e| panic!("{v:?} does not serialize: {e}"));
    let back: T = serde_json::from_slice(&text).unwrap_or_else(|e| {
        panic!(
            "{v:?} serialized as {} does not decode: {e}",
            String::from_utf8_lossy(&text)
        )
    });
    assert_eq!(back, v, "API object round trip changed it");
    true
}

fn decodes_only<T: DeserializeOwned>(body: &[u8]) -> bool {
    serde_json::from_slice::<T>(body).is_ok()
}

fn run_api(input: &[u8]) -> u64 {
    let oks = [
        decodes::<Instance>(input),
        decodes::<Template>(input),
        decodes::<Budget>(input),
        decodes::<Usage>(input),
        decodes::<ActionAck>(input),
        decodes::<ExecResult>(input),
        decodes_only::<SignedUrl>(input),
        decodes_only::<Page<Instance>>(input),
        decodes_only::<Page<Template>>(input),
    ];
    let statuses = [400u16, 401, 404, 409, 429, 500, 502, 503];
    let status = statuses[input.len() % statuses.len()];
    let err = api::error::error_from_answer("GET", "/instances", status, input, None, PLANTED_KEY);
    let message = err.to_string();
    assert!(
        !message.contains(PLANTED_KEY),
        "the API key reached an error message: {message}"
    );
    let err_kind = match &err {
        api::ApiError::Api { code, .. } => format!("api:{}", error_sig(code)),
        api::ApiError::UnexpectedResponse { what, .. } => {
            format!("unexpected:{}", error_sig(&what.to_string()))
        }
        other => format!("other:{}", error_sig(&other.to_string())),
    };
    let retry_after = std::str::from_utf8(input)
        .ok()
        .and_then(|s| api::retry::parse_retry_after(s, SystemTime::UNIX_EPOCH))
        .is_some();
    sig((oks, err_kind, retry_after))
}

// ---------------------------------------------------------------------------------------------
// Configuration strings

fn generate_string(rng: &mut StdRng) -> Vec<u8> {
    generate::random_string(rng).into_bytes()
}

fn run_strings(input: &[u8]) -> u64 {
    let s = String::from_utf8_lossy(input);
    let duration = duration::parse(&s).map(|d| d.is_zero()).ok();

    let number = match Number::parse(&s) {
        Ok(n) => {
            let back = Number::parse(&n.to_string())
                .unwrap_or_else(|e| panic!("{n} (from {s:?}) does not parse back: {e}"));
            assert_eq!(back, n, "number round trip of {s:?}");
            true
        }
        Err(_) => false,
    };

    let dollars = match money::usd_to_micros(&s) {
        Ok(micros) => {
            let text = money::micros_to_usd(micros);
            assert_eq!(
                money::usd_to_micros(&text),
                Ok(micros),
                "{s:?} → {micros} → {text:?} does not come back"
            );
            true
        }
        Err(_) => false,
    };

    let url = match api::validate_base_url(&s) {
        Ok(url) => {
            let host = url.host_str().unwrap_or_default().to_owned();
            assert!(
                url.scheme() == "https" || is_loopback(&host),
                "{s:?} was accepted as a base URL: plain http to {host:?}"
            );
            assert!(
                url.username().is_empty() && url.password().is_none(),
                "{s:?}: credentials in an accepted base URL"
            );
            format!("ok:{}:{}", url.scheme(), url.path().len().min(8))
        }
        // Which rule refused it (the variant's name), as the outcome.
        Err(e) => format!("{e:?}")
            .split(|c: char| !c.is_alphanumeric())
            .next()
            .unwrap_or_default()
            .to_owned(),
    };

    sig((duration, number, dollars, url))
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.to_canonical().is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}
