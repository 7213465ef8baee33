//! Terraform's JSON, read: saved plans (`show -json`), `validate -json`, the diagnostics of
//! `-json` streams, and resources in `show -json` state.

use std::collections::BTreeMap;

use serde_json::Value;

/// A saved plan as `terraform show -json` describes it.
#[derive(Clone, Debug)]
pub struct Plan {
    pub json: Value,
}

impl Plan {
    /// Every entry of `resource_changes` (including no-ops).
    pub fn resource_changes(&self) -> Vec<&Value> {
        self.json["resource_changes"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    }

    /// Address → actions for every change that is not a no-op.
    pub fn actions(&self) -> BTreeMap<String, Vec<String>> {
        self.resource_changes()
            .into_iter()
            .map(|rc| (address_of(rc), actions_of(rc)))
            .filter(|(_, actions)| actions.as_slice() != ["no-op"])
            .collect()
    }

    /// The `change` object (`actions`, `before`, `after`, `after_unknown`, `replace_paths`...)
    /// of `address`; panics when the plan does not mention it.
    #[track_caller]
    pub fn change(&self, address: &str) -> &Value {
        self.resource_changes()
            .into_iter()
            .find(|rc| address_of(rc) == address)
            .map(|rc| &rc["change"])
            .unwrap_or_else(|| panic!("{address} is not in the plan: {:#}", self.json))
    }

    /// The actions planned for `address` (`["no-op"]`, `["update"]`, `["delete", "create"]`...).
    #[track_caller]
    pub fn actions_of(&self, address: &str) -> Vec<String> {
        strings(&self.change(address)["actions"])
    }

    /// The addresses the plan imports (`importing` set on their change).
    pub fn imported(&self) -> std::collections::BTreeSet<String> {
        self.resource_changes()
            .into_iter()
            .filter(|rc| rc["change"]["importing"].is_object())
            .map(address_of)
            .collect()
    }

    /// Planned output changes: name → actions.
    pub fn output_actions(&self) -> BTreeMap<String, Vec<String>> {
        self.json["output_changes"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(name, change)| (name.clone(), strings(&change["actions"])))
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// `terraform validate -json`.
#[derive(Clone, Debug)]
pub struct Validation {
    pub valid: bool,
    pub diagnostics: Vec<Diagnostic>,
    pub json: Value,
}

impl Validation {
    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == "error")
            .collect()
    }
}

/// One diagnostic of Terraform's JSON output (`validate -json`, or a `"diagnostic"` line of
/// `plan -json`).
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub severity: String,
    pub summary: String,
    pub detail: String,
    pub json: Value,
}

impl Diagnostic {
    pub fn from_json(json: &Value) -> Diagnostic {
        let text = |k: &str| json[k].as_str().unwrap_or_default().to_string();
        Diagnostic {
            severity: text("severity"),
            summary: text("summary"),
            detail: text("detail"),
            json: json.clone(),
        }
    }

    /// The source text the diagnostic points at (Terraform's highlighted range).
    pub fn highlight(&self) -> Option<String> {
        let snippet = &self.json["snippet"];
        let code = snippet["code"].as_str()?;
        let start = snippet["highlight_start_offset"].as_u64()? as usize;
        let end = snippet["highlight_end_offset"].as_u64()? as usize;
        code.get(start..end.max(start)).map(str::to_string)
    }

    /// The name of the attribute the diagnostic is attached to, as written in the
    /// configuration: Terraform turns a provider's attribute path into the source range of
    /// that attribute's value (`cpu = 3` → `3`) or name, so this reads the name back from the
    /// snippet (the innermost one for nested attributes: `port` in `ports = [{ port = 1 }]`).
    pub fn attribute(&self) -> Option<String> {
        let snippet = &self.json["snippet"];
        let code = snippet["code"].as_str()?;
        let start = snippet["highlight_start_offset"].as_u64()? as usize;
        let before = code.get(..start)?.trim_end();
        if let Some(before_eq) = before.strip_suffix('=') {
            let name: String = before_eq
                .trim_end()
                .chars()
                .rev()
                .take_while(|c| is_ident_char(*c))
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            return (!name.is_empty()).then_some(name);
        }
        let highlight = self.highlight()?;
        let name: String = highlight
            .trim()
            .chars()
            .take_while(|c| is_ident_char(*c))
            .collect();
        (!name.is_empty()).then_some(name)
    }

    /// The 1-based line where the diagnostic's range starts.
    pub fn line(&self) -> Option<u64> {
        self.json["range"]["start"]["line"].as_u64()
    }

    /// The resource address Terraform attached, when it did (`agent37_instance.a`).
    pub fn address(&self) -> Option<String> {
        self.json["address"].as_str().map(str::to_string)
    }
}

/// The diagnostics among the lines of a `-json` stream.
pub fn diagnostics_in_stream(lines: &[Value]) -> Vec<Diagnostic> {
    lines
        .iter()
        .filter(|l| l["type"] == "diagnostic")
        .map(|l| Diagnostic::from_json(&l["diagnostic"]))
        .collect()
}

pub(crate) fn diagnostics_of(json: &Value) -> Vec<Diagnostic> {
    json.as_array()
        .map(|a| a.iter().map(Diagnostic::from_json).collect())
        .unwrap_or_default()
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn address_of(rc: &Value) -> String {
    rc["address"].as_str().unwrap_or_default().to_string()
}

fn actions_of(rc: &Value) -> Vec<String> {
    strings(&rc["change"]["actions"])
}

fn strings(json: &Value) -> Vec<String> {
    json.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub fn find_resource<'a>(module: &'a Value, address: &str) -> Option<&'a Value> {
    let here = module["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["address"] == address));
    here.or_else(|| {
        module["child_modules"]
            .as_array()?
            .iter()
            .find_map(|m| find_resource(m, address))
    })
}

/// The resources of a `terraform show -json` state, root and child modules: address → the
/// resource (`values`, `identity`, `sensitive_values`…).
pub fn state_resources(state: &Value) -> BTreeMap<String, Value> {
    fn walk(module: &Value, out: &mut BTreeMap<String, Value>) {
        for r in module["resources"].as_array().into_iter().flatten() {
            out.insert(address_of(r), r.clone());
        }
        for m in module["child_modules"].as_array().into_iter().flatten() {
            walk(m, out);
        }
    }
    let mut out = BTreeMap::new();
    walk(&state["values"]["root_module"], &mut out);
    out
}
