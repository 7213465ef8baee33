//! Small conversions between API fields and Terraform values shared by every object module.
//! Pure functions.

use std::collections::BTreeMap;

use crate::sdk::Value;

/// A string, or null when absent.
pub fn opt_str(s: Option<&str>) -> Value {
    s.map(Value::string).unwrap_or(Value::Null)
}

/// An integer, or null when absent.
pub fn opt_i64(n: Option<i64>) -> Value {
    n.map(Value::number).unwrap_or(Value::Null)
}

/// A string attribute of an object value, when known and not null.
pub fn get_str<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    v.attr(name).and_then(Value::as_str)
}

/// An integer attribute of an object value, when known and not null.
pub fn get_i64(v: &Value, name: &str) -> Option<i64> {
    v.attr(name).and_then(Value::as_i64)
}

/// A bool attribute of an object value, when known and not null.
pub fn get_bool(v: &Value, name: &str) -> Option<bool> {
    v.attr(name).and_then(Value::as_bool)
}

/// A `map(string)` attribute as ordered pairs, when known and not null.
pub fn get_string_map(v: &Value, name: &str) -> Option<BTreeMap<String, String>> {
    v.attr(name).and_then(Value::as_map).map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
            .collect()
    })
}

/// The value of attribute `name`, or null.
pub fn attr_or_null<'a>(v: &'a Value, name: &str) -> &'a Value {
    v.attr(name).unwrap_or(&Value::Null)
}

/// Keeps the form the configuration used where the API does not distinguish null from empty:
/// when the API reports "nothing" (null, `""`, `{}`) and the prior value was an empty form too,
/// the prior value stays, so apply is never "inconsistent" and plans stay quiet.
pub fn keep_empty_form(api: Value, prior: &Value) -> Value {
    if is_empty_form(&api) && is_empty_form(prior) {
        prior.clone()
    } else {
        api
    }
}

fn is_empty_form(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Map(m) | Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_forms_keep_what_the_user_wrote() {
        assert_eq!(
            keep_empty_form(Value::Null, &Value::string("")),
            Value::string("")
        );
        assert_eq!(
            keep_empty_form(Value::Null, &Value::map(Vec::<(String, Value)>::new())),
            Value::map(Vec::<(String, Value)>::new())
        );
        assert_eq!(keep_empty_form(Value::Null, &Value::Null), Value::Null);
        assert_eq!(
            keep_empty_form(Value::string("a"), &Value::string("")),
            Value::string("a")
        );
        assert_eq!(
            keep_empty_form(Value::Null, &Value::string("old")),
            Value::Null
        );
    }
}
