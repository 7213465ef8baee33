//! HCL text: string literals, JSON values as HCL expressions, the `agent37` configuration header
//! and Terraform CLI configurations.

use std::path::Path;

use serde_json::Value;

/// An HCL quoted string holding `value` verbatim: quotes, backslashes and newlines escaped, and
/// `${` / `%{` doubled so nothing is interpolated.
pub fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A JSON value as an HCL expression: objects as `{ "k" = v }`, arrays as `[a, b]`, strings
/// through [`string`].
pub fn literal(value: &Value) -> String {
    let mut out = String::new();
    push_literal(value, &mut out);
    out
}

fn push_literal(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => out.push_str(&string(s)),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_literal(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&string(key));
                out.push_str(" = ");
                push_literal(item, out);
            }
            out.push('}');
        }
        // null, booleans and numbers are written the same in JSON and HCL.
        other => out.push_str(&other.to_string()),
    }
}

/// `terraform { required_providers { agent37 = … } }`: the part of a configuration that says
/// where `agent37` comes from.
pub const REQUIRED_PROVIDERS: &str = r#"
terraform {
  required_providers {
    agent37 = { source = "agent37/agent37" }
  }
}
"#;

/// `REQUIRED_PROVIDERS`, an empty `provider "agent37"` block, then `body`.
pub fn config(body: &str) -> String {
    provider_config("", body)
}

/// `REQUIRED_PROVIDERS`, a `provider "agent37"` block holding `provider_body`, then `body`.
pub fn provider_config(provider_body: &str, body: &str) -> String {
    format!("{REQUIRED_PROVIDERS}\nprovider \"agent37\" {{\n  {provider_body}\n}}\n\n{body}")
}

/// A CLI configuration that makes Terraform take each of `sources` (`agent37/agent37`, the
/// test-only `test/sdktest`) from `provider_dir` (no `terraform init` needed) and every other
/// provider the usual way.
pub fn dev_overrides(provider_dir: &Path, sources: &[&str]) -> String {
    let dir = string(&provider_dir.to_string_lossy());
    let lines: String = sources
        .iter()
        .map(|s| format!("    {} = {dir}\n", string(s)))
        .collect();
    format!(
        "# Providers from this checkout's build.\n\
         provider_installation {{\n  dev_overrides {{\n{lines}  }}\n  direct {{}}\n}}\n"
    )
}

/// A CLI configuration that installs `source` only from a filesystem mirror at `mirror` (the
/// packed layout `terraform providers mirror` writes).
pub fn filesystem_mirror(mirror: &Path, source: &str) -> String {
    format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = {}\n    include = [{}]\n  }}\n}}\n",
        string(&mirror.to_string_lossy()),
        string(source)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strings_escape_quotes_backslashes_and_templates() {
        assert_eq!(string(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string("${x} %{y} $z %"), r#""$${x} %%{y} $z %""#);
        assert_eq!(string("a\nb\tc"), r#""a\nb\tc""#);
    }

    #[test]
    fn json_values_become_hcl_expressions() {
        let v = json!({"name": "a${b}", "ports": [1, 2], "on": true, "none": null});
        assert_eq!(
            literal(&v),
            r#"{"name" = "a$${b}", "ports" = [1, 2], "on" = true, "none" = null}"#
        );
    }

    #[test]
    fn dev_overrides_point_every_source_at_the_dir() {
        let text = dev_overrides(
            Path::new("build/debug"),
            &["agent37/agent37", "test/sdktest"],
        );
        assert!(
            text.contains("\"agent37/agent37\" = \"build/debug\""),
            "{text}"
        );
        assert!(
            text.contains("\"test/sdktest\" = \"build/debug\""),
            "{text}"
        );
        assert!(text.contains("direct {}"), "{text}");
    }

    #[test]
    fn configs_carry_the_provider_source() {
        let c = provider_config("max_retries = 0", "data \"x\" \"y\" {}");
        assert!(c.contains("source = \"agent37/agent37\""));
        assert!(c.contains("provider \"agent37\" {\n  max_retries = 0\n}"));
        assert!(c.ends_with("data \"x\" \"y\" {}"));
    }
}
