//! Request-body parsing shared by the handlers: JSON, integers, labels and metadata.

use serde_json::{Map, Value};

pub const METADATA_MAX_BYTES: usize = 4096;
pub const USER_MAX_CHARS: usize = 200;
pub const NAME_MAX_CHARS: usize = 60;

/// The largest amount of money a control route takes (10 billion USD): sums of such amounts
/// stay far inside an i64, in Rust and in SQLite.
pub const MAX_MICROS: i64 = 10_000_000_000_000_000;
/// The longest duration a control route takes (100 years), so instants never overflow.
pub const MAX_SECONDS: i64 = 100 * 365 * 86_400;

/// An optional integer field within `[min, max]`: absent or null → None.
pub fn int_range(
    obj: &Map<String, Value>,
    key: &str,
    min: i64,
    max: i64,
) -> Result<Option<i64>, String> {
    match opt_int(obj, key, "")? {
        Some(n) if !(min..=max).contains(&n) => {
            Err(format!("{key} must be an integer from {min} to {max}"))
        }
        other => Ok(other),
    }
}

/// Parses a request body: `Ok(None)` for an empty one, 400 text for malformed JSON.
pub fn parse_body(bytes: &[u8]) -> Result<Option<Value>, String> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(bytes)
        .map(Some)
        .map_err(|e| format!("malformed JSON body: {e}"))
}

/// An optional integer field: absent or null → None, anything but an integer → error.
pub fn opt_int(obj: &Map<String, Value>, key: &str, ctx: &str) -> Result<Option<i64>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_i64()
            .map(Some)
            .ok_or_else(|| format!("{ctx}{key} must be an integer")),
    }
}

/// A string field that must be present: missing or null → "KEY is required".
pub fn required_string(obj: &Map<String, Value>, key: &str) -> Result<String, String> {
    match obj.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        None | Some(Value::Null) => Err(format!("{key} is required")),
        Some(_) => Err(format!("{key} must be a string")),
    }
}

/// An optional string field: absent or null → None.
pub fn opt_string(obj: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(format!("{key} must be a string")),
    }
}

/// `name` / `user`: a string up to `max` characters; `null` or `""` mean "none".
pub fn parse_label(v: &Value, field: &str, max: usize) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) if s.chars().count() <= max => Ok(Some(s.clone())),
        Value::String(_) => Err(format!("{field} must be at most {max} characters")),
        _ => Err(format!("{field} must be a string or null")),
    }
}

/// `metadata`: an object of at most 4096 bytes of compact JSON; `null` or `{}` mean "none".
pub fn parse_metadata(v: &Value) -> Result<Option<Map<String, Value>>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Object(m) if m.is_empty() => Ok(None),
        Value::Object(m) => {
            let size = serde_json::to_string(m)
                .map(|s| s.len())
                .unwrap_or(usize::MAX);
            if size > METADATA_MAX_BYTES {
                Err(format!(
                    "metadata is {size} bytes of JSON; at most {METADATA_MAX_BYTES} are allowed"
                ))
            } else {
                Ok(Some(m.clone()))
            }
        }
        _ => Err("metadata must be an object or null".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn labels_and_metadata() {
        assert_eq!(parse_label(&json!(""), "name", 60), Ok(None));
        assert_eq!(parse_label(&json!(null), "name", 60), Ok(None));
        assert_eq!(
            parse_label(&json!("é".repeat(60)), "name", 60),
            Ok(Some("é".repeat(60)))
        );
        assert!(parse_label(&json!("é".repeat(61)), "name", 60).is_err());
        assert!(parse_label(&json!(5), "name", 60).is_err());
        assert_eq!(parse_metadata(&json!({})), Ok(None));
        let big = json!({"k": "x".repeat(4088)}); // {"k":"…"} = 8 + 4088 = 4096 bytes
        assert!(parse_metadata(&big).is_ok());
        let too_big = json!({"k": "x".repeat(4089)});
        assert!(parse_metadata(&too_big).is_err());
        assert!(parse_metadata(&json!([1])).is_err());
    }
}
