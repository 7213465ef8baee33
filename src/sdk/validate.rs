//! Attribute validators and the generic walk that runs them on a configuration.
//!
//! Validators see only known, non-null values: an unknown value (from another resource) is
//! skipped, not rejected, and a null one is Terraform's business (required/optional).

use super::diag::Diagnostics;
use super::path::Path;
use super::schema::{AttrType, Attribute, Block, Nesting};
use super::value::Value;

pub trait Validator: Send + Sync {
    /// Checks a known, non-null value; reports problems on `path`.
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics);
    /// What is allowed, in Markdown, for the generated documentation.
    fn description(&self) -> String;
}

/// The value must be one of a fixed set of strings.
pub struct OneOf(pub &'static [&'static str]);

impl Validator for OneOf {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str()
            && !self.0.contains(&s)
        {
            diags.attr_error(
                path.clone(),
                "Invalid value",
                format!("{path} is {s:?}; allowed values: {}.", quoted_list(self.0)),
            );
        }
    }
    fn description(&self) -> String {
        format!("One of {}.", quoted_list(self.0))
    }
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An integer within an inclusive range (either end optional).
pub struct IntRange {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl IntRange {
    pub fn at_least(min: i64) -> Self {
        IntRange {
            min: Some(min),
            max: None,
        }
    }
    pub fn between(min: i64, max: i64) -> Self {
        IntRange {
            min: Some(min),
            max: Some(max),
        }
    }
    fn bounds_text(&self) -> String {
        match (self.min, self.max) {
            (Some(a), Some(b)) => format!("a whole number from {a} to {b}"),
            (Some(a), None) => format!("a whole number ≥ {a}"),
            (None, Some(b)) => format!("a whole number ≤ {b}"),
            (None, None) => "a whole number".to_string(),
        }
    }
}

impl Validator for IntRange {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        let Value::Number(n) = value else { return };
        let ok = match n.as_i64() {
            Some(i) => self.min.is_none_or(|m| i >= m) && self.max.is_none_or(|m| i <= m),
            None => false,
        };
        if !ok {
            diags.attr_error(
                path.clone(),
                "Invalid number",
                format!("{path} is {n}; it must be {}.", self.bounds_text()),
            );
        }
    }
    fn description(&self) -> String {
        let t = self.bounds_text();
        let mut c = t.chars();
        match c.next() {
            Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
            None => String::new(),
        }
    }
}

/// A string of at most `max` Unicode characters (and at least `min`).
pub struct StrLen {
    pub min: usize,
    pub max: usize,
}

impl Validator for StrLen {
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Some(s) = value.as_str() {
            let n = s.chars().count();
            if n < self.min || n > self.max {
                diags.attr_error(
                    path.clone(),
                    "Invalid length",
                    format!(
                        "{path} has {n} characters; it must have from {} to {} characters.",
                        self.min, self.max
                    ),
                );
            }
        }
    }
    fn description(&self) -> String {
        format!("From {} to {} characters.", self.min, self.max)
    }
}

/// A validator from a function, for rules specific to one attribute.
pub struct Check<F> {
    pub text: &'static str,
    pub f: F,
}

impl<F> Validator for Check<F>
where
    F: Fn(&Value) -> Result<(), String> + Send + Sync,
{
    fn check(&self, value: &Value, path: &Path, diags: &mut Diagnostics) {
        if let Err(msg) = (self.f)(value) {
            diags.attr_error(path.clone(), "Invalid value", format!("{path}: {msg}"));
        }
    }
    fn description(&self) -> String {
        self.text.to_string()
    }
}

/// Builds a function validator; `text` describes what is allowed.
pub fn check<F>(text: &'static str, f: F) -> Check<F>
where
    F: Fn(&Value) -> Result<(), String> + Send + Sync,
{
    Check { text, f }
}

/// Runs every attribute validator of `block` over `config`, recursing into nested attributes
/// and blocks.
pub fn validate_block(block: &Block, config: &Value, path: &Path, diags: &mut Diagnostics) {
    if !config.is_known() || config.is_null() {
        return;
    }
    let Some(members) = config.as_object() else {
        return;
    };
    // Attributes and members are both sorted by name: one comparison per lookup.
    let mut at = 0;
    for attr in &block.attributes {
        if let Some(v) = members.get_hinted(&attr.name, &mut at)
            && worth_checking(attr, v)
        {
            validate_attribute(attr, v, &path.join_attr(&attr.name), diags);
        }
    }
    for nb in &block.blocks {
        if let Some(v) = members.get(&nb.name) {
            for_each_element(nb.nesting, v, &path.join_attr(&nb.name), &mut |e, p| {
                validate_block(&nb.block, e, p, diags)
            });
        }
    }
}

/// Whether `attr`'s `value` has anything to check: a known, non-null value of an attribute
/// with validators or nested attributes. Tested before its path is built, which allocates:
/// most attributes of a configuration are null.
fn worth_checking(attr: &Attribute, value: &Value) -> bool {
    value.is_known()
        && !value.is_null()
        && (!attr.validators.is_empty() || matches!(attr.ty, AttrType::Nested { .. }))
}

fn validate_attribute(attr: &Attribute, value: &Value, path: &Path, diags: &mut Diagnostics) {
    if !value.is_known() || value.is_null() {
        return;
    }
    for v in &attr.validators {
        v.check(value, path, diags);
    }
    if let AttrType::Nested {
        nesting,
        attributes,
    } = &attr.ty
    {
        for_each_element(*nesting, value, path, &mut |e, p| {
            if e.is_known() && !e.is_null() {
                for inner in attributes {
                    if let Some(iv) = e.attr(&inner.name)
                        && worth_checking(inner, iv)
                    {
                        validate_attribute(inner, iv, &p.join_attr(&inner.name), diags);
                    }
                }
            }
        });
    }
}

/// Calls `f` on each element of a nested value with its path (the value itself for Single).
pub fn for_each_element(
    nesting: Nesting,
    value: &Value,
    path: &Path,
    f: &mut dyn FnMut(&Value, &Path),
) {
    match (nesting, value) {
        (Nesting::Single, v) => f(v, path),
        (Nesting::List | Nesting::Set, Value::List(items) | Value::Set(items)) => {
            for (i, e) in items.iter().enumerate() {
                f(e, &path.join_index(i));
            }
        }
        (Nesting::Map, Value::Map(m)) => {
            for (k, e) in m {
                f(e, &path.join_key(k));
            }
        }
        _ => {}
    }
}
