//! Types and values as HCL, for the pages.

use agent37_provider::sdk::{Type, Value};

/// `String`, `Number`, `Boolean`, `List of String`, `Map of Object`… (the official wording).
pub fn type_label(ty: &Type) -> String {
    match ty {
        Type::Bool => "Boolean".into(),
        Type::Number => "Number".into(),
        Type::String => "String".into(),
        Type::Dynamic => "Dynamic".into(),
        Type::List(t) => format!("List of {}", type_label(t)),
        Type::Set(t) => format!("Set of {}", type_label(t)),
        Type::Map(t) => format!("Map of {}", type_label(t)),
        Type::Object { .. } => "Object".into(),
        Type::Tuple(_) => "Tuple".into(),
    }
}

/// A type as HCL writes it (`string`, `list(number)`, `object({a = string})`), for signatures.
pub fn hcl_type(ty: &Type) -> String {
    match ty {
        Type::Bool => "bool".into(),
        Type::Number => "number".into(),
        Type::String => "string".into(),
        Type::Dynamic => "any".into(),
        Type::List(t) => format!("list({})", hcl_type(t)),
        Type::Set(t) => format!("set({})", hcl_type(t)),
        Type::Map(t) => format!("map({})", hcl_type(t)),
        Type::Object { attrs, .. } => format!(
            "object({{{}}})",
            attrs
                .iter()
                .map(|(k, t)| format!("{k} = {}", hcl_type(t)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Type::Tuple(ts) => format!(
            "tuple([{}])",
            ts.iter().map(hcl_type).collect::<Vec<_>>().join(", ")
        ),
    }
}

/// A value as an HCL literal, for defaults.
pub fn hcl_value(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Unknown(_) => "(known after apply)".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => testkit::hcl::string(s),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => format!(
            "[{}]",
            items.iter().map(hcl_value).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(m) | Value::Object(m) => {
            if m.is_empty() {
                "{}".into()
            } else {
                format!(
                    "{{ {} }}",
                    m.iter()
                        .map(|(k, v)| format!("{k} = {}", hcl_value(v)))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        }
        Value::Dynamic { value, .. } => hcl_value(value),
    }
}
