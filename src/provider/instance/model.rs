//! The pure part of `agent37_instance`: the shape table, static validation, plan decisions,
//! the steps of an update, and conversions between API instances and Terraform values.
//! Unit-tested at the bottom of this file.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::api::{
    CreateInstance, Instance, InstanceStatus, Patch, PatchInstance, Port, Resize, ResourcesRequest,
};
use crate::provider::values::{attr_or_null, get_bool, get_i64, get_str, keep_empty_form};
use crate::sdk::{Diagnostics, Path, Value};

pub const DEFAULT_TEMPLATE: &str = "agent37-hermes";
/// The only template that may use the 1/3 shape.
pub const SMALL_TEMPLATE: &str = "agent37-hermes-small";
pub const SYSTEM_TEMPLATES: [&str; 3] = [DEFAULT_TEMPLATE, SMALL_TEMPLATE, "agent37-openclaw"];
pub const NAME_MAX_CHARS: usize = 60;
pub const USER_MAX_CHARS: usize = 200;
pub const METADATA_MAX_BYTES: usize = 4096;

pub const RUNNING: &str = "running";
pub const STOPPED: &str = "stopped";

/// One cpu/memory pair of the contract with its disk range (GB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub cpu: i64,
    pub memory: i64,
    pub disk_min: i64,
    pub disk_max: i64,
}

pub const SHAPES: [Shape; 4] = [
    Shape {
        cpu: 1,
        memory: 3,
        disk_min: 6,
        disk_max: 20,
    },
    Shape {
        cpu: 2,
        memory: 4,
        disk_min: 6,
        disk_max: 20,
    },
    Shape {
        cpu: 4,
        memory: 8,
        disk_min: 20,
        disk_max: 40,
    },
    Shape {
        cpu: 8,
        memory: 16,
        disk_min: 40,
        disk_max: 80,
    },
];

/// Disk range of every template's default (smallest) shape: 1/3 and 2/4 share it.
pub const DEFAULT_DISK: (i64, i64) = (6, 20);

/// The shapes in words, for diagnostics and docs.
pub const SHAPES_TEXT: &str =
    "1 vCPU / 3 GB (template `agent37-hermes-small` only), 2 / 4, 4 / 8 or 8 / 16";

pub fn shape(cpu: i64, memory: i64) -> Option<Shape> {
    SHAPES
        .into_iter()
        .find(|s| s.cpu == cpu && s.memory == memory)
}

pub fn shape_by_cpu(cpu: i64) -> Option<Shape> {
    SHAPES.into_iter().find(|s| s.cpu == cpu)
}

pub fn shape_by_memory(memory: i64) -> Option<Shape> {
    SHAPES.into_iter().find(|s| s.memory == memory)
}

// ---------------------------------------------------------------------------------------------
// Attribute validators (known, non-null values only)
// ---------------------------------------------------------------------------------------------

pub fn check_cpu(v: &Value) -> Result<(), String> {
    match v.as_i64().and_then(shape_by_cpu) {
        Some(_) => Ok(()),
        None => Err(format!(
            "{} is not a vCPU count of a shape; allowed: 1, 2, 4 or 8 (shapes: {SHAPES_TEXT})",
            number_text(v)
        )),
    }
}

pub fn check_memory(v: &Value) -> Result<(), String> {
    match v.as_i64().and_then(shape_by_memory) {
        Some(_) => Ok(()),
        None => Err(format!(
            "{} is not a memory size (GB) of a shape; allowed: 3, 4, 8 or 16 (shapes: {SHAPES_TEXT})",
            number_text(v)
        )),
    }
}

fn number_text(v: &Value) -> String {
    v.as_number()
        .map(ToString::to_string)
        .unwrap_or_else(|| "the value".into())
}

/// A system template, or a workspace template name (`^[a-z][a-z0-9-]{1,62}$`, not `agent37-*`).
/// Raw image references are refused: an instance is always made from a template.
pub fn check_template(v: &Value) -> Result<(), String> {
    let Some(name) = v.as_str() else {
        return Ok(());
    };
    if SYSTEM_TEMPLATES.contains(&name) {
        return Ok(());
    }
    if name.starts_with("agent37-") {
        return Err(format!(
            "{name:?} is not a system template; the system templates are {}",
            SYSTEM_TEMPLATES.join(", ")
        ));
    }
    if name.contains('/') || name.contains(':') || name.contains('@') {
        return Err(format!(
            "{name:?} looks like an image reference; register it with an agent37_template resource and use that template's name"
        ));
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    let len = name.chars().count();
    if first_ok && rest_ok && (2..=63).contains(&len) {
        Ok(())
    } else {
        Err(format!(
            "{name:?} is not a template name: a lowercase letter, then 1 to 62 lowercase letters, digits or hyphens"
        ))
    }
}

/// `metadata` must fit in 4096 bytes of compact JSON (checked when every value is known).
pub fn check_metadata(v: &Value) -> Result<(), String> {
    if !v.is_fully_known() {
        return Ok(());
    }
    let Some(map) = metadata_json(v) else {
        return Ok(());
    };
    let size = serde_json::to_string(&Json::Object(map))
        .map(|s| s.len())
        .unwrap_or(0);
    if size > METADATA_MAX_BYTES {
        Err(format!(
            "it is {size} bytes as compact JSON; at most {METADATA_MAX_BYTES} bytes are allowed"
        ))
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Whole-configuration validation
// ---------------------------------------------------------------------------------------------

/// A known integer attribute of the configuration (None for null or unknown).
fn known_int(config: &Value, name: &str) -> Option<i64> {
    get_i64(config, name)
}

fn is_unknown(config: &Value, name: &str) -> bool {
    !attr_or_null(config, name).is_known()
}

/// The shape the configuration pins down, from `cpu` and `memory` (either one is enough: each
/// value belongs to one shape). None when neither is known, or when they disagree.
fn config_shape(config: &Value) -> Option<Shape> {
    match (known_int(config, "cpu"), known_int(config, "memory")) {
        (Some(c), Some(m)) => shape(c, m),
        (Some(c), None) => shape_by_cpu(c),
        (None, Some(m)) => shape_by_memory(m),
        (None, None) => None,
    }
}

/// The rules that involve several attributes: the cpu/memory pair, the 1/3 shape's template,
/// and the disk range of the shape. Single-attribute rules are the schema's validators.
pub fn validate_config(config: &Value, diags: &mut Diagnostics) {
    let cpu = known_int(config, "cpu");
    let memory = known_int(config, "memory");
    if let (Some(c), Some(m)) = (cpu, memory)
        && shape_by_cpu(c).is_some()
        && shape_by_memory(m).is_some()
        && shape(c, m).is_none()
    {
        let wanted = shape_by_cpu(c).map_or(0, |s| s.memory);
        diags.attr_error(
            Path::attr("memory"),
            "Invalid instance shape",
            format!(
                "cpu = {c} with memory = {m} is not a shape; cpu = {c} needs memory = {wanted}. Shapes (vCPU / GB): {SHAPES_TEXT}."
            ),
        );
        return;
    }
    let Some(s) = config_shape(config) else {
        return;
    };
    let template = match attr_or_null(config, "template") {
        Value::Null => Some(DEFAULT_TEMPLATE),
        v => v.as_str(),
    };
    if s.cpu == 1 && template.is_some_and(|t| t != SMALL_TEMPLATE) {
        let path = if cpu.is_some() { "cpu" } else { "memory" };
        diags.attr_error(
            Path::attr(path),
            "Invalid instance shape",
            format!(
                "The 1 vCPU / 3 GB shape is only available with template \"{SMALL_TEMPLATE}\", not {:?}; use 2 vCPU / 4 GB or larger, or template \"{SMALL_TEMPLATE}\".",
                template.unwrap_or(DEFAULT_TEMPLATE)
            ),
        );
    }
    if let Some(d) = known_int(config, "disk") {
        check_disk(d, (s.disk_min, s.disk_max), &shape_label(s), diags);
    }
}

fn shape_label(s: Shape) -> String {
    format!("the {} vCPU / {} GB shape", s.cpu, s.memory)
}

fn check_disk(disk: i64, (min, max): (i64, i64), what: &str, diags: &mut Diagnostics) {
    if disk < min || disk > max {
        diags.attr_error(
            Path::attr("disk"),
            "Invalid disk size",
            format!("disk = {disk} is outside the range of {what}: {min} to {max} GB."),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------------------------

fn set(planned: &mut Value, name: &str, value: Value) {
    if let Value::Object(m) = planned {
        m.insert(name.to_string(), value);
    }
}

/// Plans `cpu`, `memory` and `disk` on top of the generic plan, and returns the attributes
/// whose shrinking forces a replacement.
///
/// - One of `cpu`/`memory` set alone implies the other (each value belongs to one shape).
/// - Growing into a bigger shape raises the disk to that shape's minimum (the API does so), so
///   a disk left out of the configuration is planned as `max(prior, minimum)`.
/// - Values that depend on an unknown one are unknown, never guessed.
/// - A configured disk outside the planned shape's range is an error on `disk`.
pub fn plan_resources(
    prior: &Value,
    config: &Value,
    planned: &mut Value,
    diags: &mut Diagnostics,
) -> Vec<&'static str> {
    let create = prior.is_null();
    derive_pair(config, planned, "memory", "cpu", |c| {
        shape_by_cpu(c).map(|s| s.memory)
    });
    derive_pair(config, planned, "cpu", "memory", |m| {
        shape_by_memory(m).map(|s| s.cpu)
    });

    let new_shape = match (get_i64(planned, "cpu"), get_i64(planned, "memory")) {
        (Some(c), Some(m)) => shape(c, m),
        _ => None,
    };
    let cfg_disk = attr_or_null(config, "disk");
    if !create && cfg_disk.is_null() {
        let shape_unknown = is_unknown(planned, "cpu") || is_unknown(planned, "memory");
        let shape_changed = get_i64(planned, "cpu") != get_i64(prior, "cpu")
            || get_i64(planned, "memory") != get_i64(prior, "memory");
        if shape_unknown {
            set(planned, "disk", Value::unknown());
        } else if let (true, Some(s)) = (shape_changed, new_shape) {
            let disk = get_i64(prior, "disk").map_or(s.disk_min, |d| d.max(s.disk_min));
            set(planned, "disk", Value::number(disk));
        }
    }

    if let Some(d) = cfg_disk.as_i64() {
        let pinned_by_config = config_shape(config).is_some();
        match new_shape {
            // Already reported at validate time when the configuration pins the shape.
            Some(s) if !pinned_by_config => {
                check_disk(d, (s.disk_min, s.disk_max), &shape_label(s), diags)
            }
            None if create
                && attr_or_null(config, "cpu").is_null()
                && attr_or_null(config, "memory").is_null() =>
            {
                check_disk(d, DEFAULT_DISK, "the template's default shape", diags)
            }
            _ => {}
        }
    }

    if create {
        return Vec::new();
    }
    ["cpu", "memory", "disk"]
        .into_iter()
        .filter(|a| matches!((get_i64(planned, a), get_i64(prior, a)), (Some(new), Some(old)) if new < old))
        .collect()
}

/// When `target` is not configured, plans it from `source` through the shape table (unknown
/// while `source` is unknown).
fn derive_pair(
    config: &Value,
    planned: &mut Value,
    target: &str,
    source: &str,
    derive: impl Fn(i64) -> Option<i64>,
) {
    if !attr_or_null(config, target).is_null() {
        return;
    }
    let src = attr_or_null(config, source);
    if !src.is_known() {
        set(planned, target, Value::unknown());
    } else if let Some(v) = src.as_i64().and_then(&derive) {
        set(planned, target, Value::number(v));
    }
}

/// A `failed` (or otherwise unexpected) instance with `state` left out of the configuration
/// is planned back to `running`, so the diff that repairs it appears.
pub fn plan_state(prior: &Value, config: &Value, planned: &mut Value) {
    if prior.is_null() || !attr_or_null(config, "state").is_null() {
        return;
    }
    if !matches!(get_str(prior, "state"), Some(RUNNING | STOPPED)) {
        set(planned, "state", Value::string(RUNNING));
    }
}

/// Computed values an image pull may change: unknown when `auto_update` plans one.
pub fn mark_image_pull(planned: &mut Value) {
    for name in ["image_ref", "status", "paid_through", "past_due"] {
        set(planned, name, Value::unknown());
    }
}

// ---------------------------------------------------------------------------------------------
// Apply
// ---------------------------------------------------------------------------------------------

/// The body of `POST /instances` from a planned state: only known, set values are sent, and
/// cpu/memory only together.
pub fn create_body(planned: &Value) -> CreateInstance {
    let dim = |n: &str| get_i64(planned, n).and_then(|v| u32::try_from(v).ok());
    let (cpu, memory, disk) = (dim("cpu"), dim("memory"), dim("disk"));
    let (cpu, memory) = match (cpu, memory) {
        (Some(c), Some(m)) => (Some(c), Some(m)),
        _ => (None, None),
    };
    let resources =
        (cpu.is_some() || disk.is_some()).then_some(ResourcesRequest { cpu, memory, disk });
    CreateInstance {
        template: Some(
            get_str(planned, "template")
                .unwrap_or(DEFAULT_TEMPLATE)
                .to_string(),
        ),
        resources,
        user: get_str(planned, "user").map(str::to_string),
        name: get_str(planned, "name").map(str::to_string),
        metadata: metadata_json(attr_or_null(planned, "metadata")),
        budget: None,
    }
}

/// What an update does, in the contract's order: PATCH labels → repair or start → resize →
/// image pull (decided at apply time, against the template) → stop.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Steps {
    pub patch: PatchInstance,
    /// The instance is `failed`: `update` brings it back to running (start cannot).
    pub repair: bool,
    pub start: bool,
    pub resize: Option<Resize>,
    pub stop: bool,
}

impl Steps {
    /// The container (re)started, so a desired running instance is waited for.
    pub fn restarts(&self) -> bool {
        self.repair || self.start || self.resize.is_some()
    }
}

pub fn update_steps(prior: &Value, planned: &Value) -> Steps {
    let mut patch = PatchInstance::default();
    if attr_or_null(planned, "name") != attr_or_null(prior, "name") {
        patch.name = Patch::set(get_str(planned, "name").map(str::to_string));
    }
    if attr_or_null(planned, "user") != attr_or_null(prior, "user") {
        patch.user = Patch::set(get_str(planned, "user").map(str::to_string));
    }
    if attr_or_null(planned, "metadata") != attr_or_null(prior, "metadata") {
        patch.metadata = Patch::set(metadata_json(attr_or_null(planned, "metadata")));
    }

    let grown = |n: &str| match (get_i64(planned, n), get_i64(prior, n)) {
        (Some(new), Some(old)) if new > old => u32::try_from(new).ok(),
        _ => None,
    };
    let shape_grows = grown("cpu").is_some() || grown("memory").is_some();
    let dim = |n: &str| get_i64(planned, n).and_then(|v| u32::try_from(v).ok());
    let resize = (shape_grows || grown("disk").is_some()).then(|| Resize {
        cpu: if shape_grows { dim("cpu") } else { None },
        memory: if shape_grows { dim("memory") } else { None },
        disk: grown("disk"),
    });

    let desired = get_str(planned, "state").unwrap_or(RUNNING);
    let current = get_str(prior, "state").unwrap_or(RUNNING);
    let repair = current != RUNNING && current != STOPPED;
    let start = current == STOPPED && (desired == RUNNING || resize.is_some());
    let stop = desired == STOPPED && (current != STOPPED || start || repair);
    Steps {
        patch,
        repair,
        start,
        resize,
        stop,
    }
}

// ---------------------------------------------------------------------------------------------
// API → Terraform values
// ---------------------------------------------------------------------------------------------

/// `state` from the API status: transitions count as where they lead; `failed` (and statuses
/// this provider does not know) stay as they are, so the plan shows a repair.
pub fn state_of(status: &InstanceStatus) -> &str {
    match status {
        InstanceStatus::Running
        | InstanceStatus::Provisioning
        | InstanceStatus::Starting
        | InstanceStatus::Restarting
        | InstanceStatus::Updating => RUNNING,
        InstanceStatus::Stopped | InstanceStatus::Stopping => STOPPED,
        other => other.as_str(),
    }
}

/// An instance that is being or has been deleted reads as gone.
pub fn is_gone(status: &InstanceStatus) -> bool {
    matches!(status, InstanceStatus::Deleting | InstanceStatus::Deleted)
}

/// `metadata` as a JSON object of strings (None for null or unknown).
pub fn metadata_json(v: &Value) -> Option<Map<String, Json>> {
    v.as_map().map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), Json::String(s.to_string()))))
            .collect()
    })
}

/// The API's metadata as `map(string)`: strings as they are, other JSON as its text.
pub fn metadata_value(m: Option<&Map<String, Json>>) -> Value {
    match m {
        None => Value::Null,
        Some(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), Value::string(json_text(v))))
                .collect(),
        ),
    }
}

fn opt_string(s: Option<&str>) -> Value {
    s.map(Value::string).unwrap_or(Value::Null)
}

pub fn port_value(p: &Port) -> Value {
    Value::object([
        ("port", Value::number(p.port)),
        ("default", Value::bool(p.default)),
        ("url", Value::string(p.url.clone())),
    ])
}

pub fn ports_value(ports: &[Port]) -> Value {
    Value::list(ports.iter().map(port_value))
}

/// Port number (as a string) → URL.
pub fn urls_value(ports: &[Port]) -> Value {
    Value::map(
        ports
            .iter()
            .map(|p| (p.port.to_string(), Value::string(p.url.clone()))),
    )
}

/// Every field of the instance object, as the data sources expose them.
pub fn instance_fields(inst: &Instance) -> BTreeMap<String, Value> {
    let mut m = BTreeMap::new();
    m.insert("id".into(), Value::string(inst.id.clone()));
    m.insert("template".into(), Value::string(inst.template.clone()));
    m.insert("cpu".into(), Value::number(inst.resources.cpu));
    m.insert("memory".into(), Value::number(inst.resources.memory));
    m.insert("disk".into(), Value::number(inst.resources.disk));
    m.insert("name".into(), opt_string(inst.name.as_deref()));
    m.insert("user".into(), opt_string(inst.user.as_deref()));
    m.insert("metadata".into(), metadata_value(inst.metadata.as_ref()));
    m.insert(
        "status".into(),
        Value::string(inst.status.as_str().to_string()),
    );
    m.insert("image_ref".into(), Value::string(inst.image_ref.clone()));
    m.insert("url".into(), opt_string(inst.default_url()));
    m.insert("ports".into(), ports_value(&inst.ports));
    m.insert(
        "paid_through".into(),
        inst.paid_through.map(Value::number).unwrap_or(Value::Null),
    );
    m.insert("past_due".into(), Value::bool(inst.past_due));
    m.insert("created".into(), Value::number(inst.created));
    m
}

/// The resource state for `inst`. `base` (the prior or planned state) supplies what the API does
/// not hold (`auto_update`, `wait_for_healthy`, `timeouts`) and the empty form the
/// configuration used for `name`, `user` and `metadata`.
pub fn instance_state(inst: &Instance, base: &Value) -> Value {
    let mut m = instance_fields(inst);
    for name in ["name", "user", "metadata"] {
        if let Some(v) = m.remove(name) {
            m.insert(name.into(), keep_empty_form(v, attr_or_null(base, name)));
        }
    }
    m.insert("state".into(), Value::string(state_of(&inst.status)));
    m.insert(
        "auto_update".into(),
        Value::bool(get_bool(base, "auto_update").unwrap_or(false)),
    );
    m.insert(
        "wait_for_healthy".into(),
        Value::bool(get_bool(base, "wait_for_healthy").unwrap_or(true)),
    );
    m.insert("timeouts".into(), attr_or_null(base, "timeouts").clone());
    Value::Object(m)
}

/// The state an import starts from: the id, and the defaults of the attributes the API does not
/// hold; the read that follows fills in the rest.
pub fn import_state(id: &str) -> Value {
    Value::object([
        ("id", Value::string(id)),
        ("auto_update", Value::bool(false)),
        ("wait_for_healthy", Value::bool(true)),
    ])
}

// ---------------------------------------------------------------------------------------------
// agent37_instances filters
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filters {
    pub user: Option<String>,
    pub name: Option<String>,
    pub template: Option<String>,
    pub status: Option<String>,
    /// Every pair must be on the instance (a subset match).
    pub metadata: BTreeMap<String, String>,
}

impl Filters {
    pub fn from_config(config: &Value) -> Filters {
        let s = |n: &str| get_str(config, n).map(str::to_string);
        Filters {
            user: s("user"),
            name: s("name"),
            template: s("template"),
            status: s("status"),
            metadata: crate::provider::values::get_string_map(config, "metadata")
                .unwrap_or_default(),
        }
    }

    pub fn matches(&self, inst: &Instance) -> bool {
        let eq = |want: &Option<String>, got: Option<&str>| {
            want.as_deref().is_none_or(|w| Some(w) == got)
        };
        let meta = inst.metadata.as_ref();
        eq(&self.user, inst.user.as_deref())
            && eq(&self.name, inst.name.as_deref())
            && eq(&self.template, Some(&inst.template))
            && eq(&self.status, Some(inst.status.as_str()))
            && self.metadata.iter().all(|(k, v)| {
                meta.and_then(|m| m.get(k))
                    .is_some_and(|got| json_text(got) == v.as_str())
            })
    }
}

/// A metadata value as text: strings as they are, other JSON as its text.
fn json_text(v: &Json) -> std::borrow::Cow<'_, str> {
    match v {
        Json::String(s) => std::borrow::Cow::Borrowed(s),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Resources;
    use serde_json::json;

    fn obj(pairs: &[(&str, Value)]) -> Value {
        Value::object(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())))
    }

    fn n(v: i64) -> Value {
        Value::number(v)
    }

    fn inst() -> Instance {
        Instance {
            id: "abc123defg".into(),
            status: InstanceStatus::Running,
            template: DEFAULT_TEMPLATE.into(),
            image_ref: "ghcr.io/agent37-platform/hermes:1".into(),
            resources: Resources {
                cpu: 2,
                memory: 4,
                disk: 6,
            },
            ports: vec![
                Port {
                    port: 3737,
                    default: true,
                    url: "https://abc123defg.agent37.app".into(),
                },
                Port {
                    port: 9119,
                    default: false,
                    url: "https://abc123defg-9119.agent37.app".into(),
                },
            ],
            user: Some("cust_1".into()),
            name: None,
            metadata: json!({"team": "a", "n": 3}).as_object().cloned(),
            paid_through: Some(100),
            past_due: false,
            created: 10,
        }
    }

    fn errors(d: &Diagnostics) -> Vec<(String, String)> {
        d.iter()
            .map(|d| {
                (
                    d.attribute
                        .as_ref()
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    d.detail.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn single_attribute_checks() {
        assert!(check_cpu(&n(4)).is_ok());
        assert!(check_cpu(&n(3)).unwrap_err().contains("1, 2, 4 or 8"));
        assert!(check_memory(&n(16)).is_ok());
        assert!(check_memory(&n(5)).is_err());
        for ok in ["agent37-hermes", "agent37-openclaw", "my-agent", "ab"] {
            assert!(check_template(&Value::string(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "agent37-other",
            "acme/agent:v1",
            "nginx:latest",
            "Upper",
            "a",
            "9lives",
        ] {
            assert!(check_template(&Value::string(bad)).is_err(), "{bad}");
        }
        let big = Value::map([("k", Value::string("x".repeat(4088)))]);
        assert!(check_metadata(&big).is_ok());
        let too_big = Value::map([("k", Value::string("x".repeat(4089)))]);
        assert!(check_metadata(&too_big).unwrap_err().contains("4097 bytes"));
        let partly_unknown = Value::map([("k", Value::unknown())]);
        assert!(check_metadata(&partly_unknown).is_ok());
    }

    #[test]
    fn validate_shapes_templates_and_disk() {
        let run = |pairs: &[(&str, Value)]| {
            let mut d = Diagnostics::new();
            validate_config(&obj(pairs), &mut d);
            errors(&d)
        };
        assert!(run(&[("cpu", n(4)), ("memory", n(8)), ("disk", n(20))]).is_empty());
        assert!(run(&[("cpu", n(4))]).is_empty());
        let e = run(&[("cpu", n(4)), ("memory", n(4))]);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "memory");
        assert!(e[0].1.contains("needs memory = 8"), "{}", e[0].1);
        let e = run(&[("cpu", n(1)), ("memory", n(3))]);
        assert_eq!(e[0].0, "cpu");
        assert!(e[0].1.contains("agent37-hermes-small"));
        assert!(run(&[("cpu", n(1)), ("template", Value::string(SMALL_TEMPLATE))]).is_empty());
        assert_eq!(
            run(&[("memory", n(3)), ("template", Value::string("x-y"))])[0].0,
            "memory"
        );
        // An unknown template is not judged.
        assert!(run(&[("cpu", n(1)), ("template", Value::unknown())]).is_empty());
        let e = run(&[("cpu", n(8)), ("disk", n(20))]);
        assert_eq!(e[0].0, "disk");
        assert!(e[0].1.contains("40 to 80 GB"), "{}", e[0].1);
        // Without a shape in the configuration the disk waits for the plan.
        assert!(run(&[("disk", n(30))]).is_empty());
    }

    fn planned_after(prior: &Value, config: &Value) -> (Value, Vec<&'static str>, Diagnostics) {
        // The generic plan: configured values, else the prior ones (unknown on create).
        let mut planned = obj(&[]);
        for a in ["cpu", "memory", "disk"] {
            let c = attr_or_null(config, a);
            let v = if !c.is_null() {
                c.clone()
            } else if prior.is_null() {
                Value::unknown()
            } else {
                attr_or_null(prior, a).clone()
            };
            set(&mut planned, a, v);
        }
        let mut d = Diagnostics::new();
        let replace = plan_resources(prior, config, &mut planned, &mut d);
        (planned, replace, d)
    }

    fn dims(v: &Value) -> (Option<i64>, Option<i64>, Option<i64>) {
        (get_i64(v, "cpu"), get_i64(v, "memory"), get_i64(v, "disk"))
    }

    #[test]
    fn plan_grow_shrink_and_derive() {
        let prior = obj(&[("cpu", n(2)), ("memory", n(4)), ("disk", n(10))]);
        // Growing the shape with cpu alone: memory follows, disk rises to the new minimum.
        let (p, r, d) = planned_after(&prior, &obj(&[("cpu", n(4))]));
        assert_eq!(dims(&p), (Some(4), Some(8), Some(20)));
        assert!(r.is_empty() && d.is_empty());
        // A disk above the minimum stays.
        let big = obj(&[("cpu", n(2)), ("memory", n(4)), ("disk", n(18))]);
        let (p, _, _) = planned_after(&big, &obj(&[("memory", n(8))]));
        assert_eq!(dims(&p), (Some(4), Some(8), Some(20)));
        let bigger = obj(&[("cpu", n(4)), ("memory", n(8)), ("disk", n(30))]);
        let (p, _, _) = planned_after(&bigger, &obj(&[("cpu", n(8))]));
        assert_eq!(dims(&p), (Some(8), Some(16), Some(40)));
        // Shrinking replaces, marked on what shrank.
        let (_, r, _) = planned_after(&prior, &obj(&[("disk", n(8))]));
        assert_eq!(r, vec!["disk"]);
        let (_, r, _) = planned_after(&bigger, &obj(&[("cpu", n(2)), ("memory", n(4))]));
        assert_eq!(r, vec!["cpu", "memory"]);
        // Removed from the configuration: the prior values stay, nothing to do.
        let (p, r, _) = planned_after(&prior, &obj(&[]));
        assert_eq!(dims(&p), (Some(2), Some(4), Some(10)));
        assert!(r.is_empty());
        // An unknown cpu makes memory and a non-configured disk unknown, not guessed.
        let (p, _, _) = planned_after(&prior, &obj(&[("cpu", Value::unknown())]));
        assert!(!attr_or_null(&p, "memory").is_known());
        assert!(!attr_or_null(&p, "disk").is_known());
    }

    #[test]
    fn plan_checks_disk_against_the_planned_shape() {
        let prior = obj(&[("cpu", n(4)), ("memory", n(8)), ("disk", n(20))]);
        let (_, _, d) = planned_after(&prior, &obj(&[("disk", n(50))]));
        assert_eq!(errors(&d)[0].0, "disk");
        assert!(errors(&d)[0].1.contains("20 to 40 GB"));
        // On create with no shape configured, the default shapes' range applies.
        let (p, _, d) = planned_after(&Value::Null, &obj(&[("disk", n(25))]));
        assert!(errors(&d)[0].1.contains("6 to 20 GB"));
        assert!(!attr_or_null(&p, "cpu").is_known());
        let (p, _, d) = planned_after(&Value::Null, &obj(&[("cpu", n(4))]));
        assert!(d.is_empty());
        assert_eq!(dims(&p), (Some(4), Some(8), None));
    }

    #[test]
    fn failed_instance_is_planned_back_to_running() {
        let prior = obj(&[("state", Value::string("failed"))]);
        let mut planned = prior.clone();
        plan_state(&prior, &obj(&[]), &mut planned);
        assert_eq!(get_str(&planned, "state"), Some(RUNNING));
        let stopped = obj(&[("state", Value::string(STOPPED))]);
        let mut planned = stopped.clone();
        plan_state(&stopped, &obj(&[]), &mut planned);
        assert_eq!(get_str(&planned, "state"), Some(STOPPED));
    }

    #[test]
    fn create_body_sends_what_is_set() {
        let planned = obj(&[
            ("template", Value::string(DEFAULT_TEMPLATE)),
            ("cpu", n(4)),
            ("memory", n(8)),
            ("disk", Value::unknown()),
            ("name", Value::string("bot")),
            ("user", Value::Null),
            ("metadata", Value::map([("team", Value::string("a"))])),
        ]);
        let body = create_body(&planned);
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"template": "agent37-hermes", "resources": {"cpu": 4, "memory": 8},
                   "name": "bot", "metadata": {"team": "a"}})
        );
        let disk_only = obj(&[("cpu", Value::unknown()), ("disk", n(12))]);
        assert_eq!(
            serde_json::to_value(create_body(&disk_only)).unwrap(),
            json!({"template": "agent37-hermes", "resources": {"disk": 12}})
        );
    }

    #[test]
    fn update_steps_follow_the_contract_order() {
        let prior = obj(&[
            ("name", Value::string("a")),
            ("user", Value::string("u")),
            ("metadata", Value::Null),
            ("cpu", n(2)),
            ("memory", n(4)),
            ("disk", n(6)),
            ("state", Value::string(STOPPED)),
        ]);
        let mut planned = prior.clone();
        set(&mut planned, "name", Value::Null);
        set(&mut planned, "cpu", n(4));
        set(&mut planned, "memory", n(8));
        set(&mut planned, "disk", n(20));
        let s = update_steps(&prior, &planned);
        assert_eq!(
            serde_json::to_value(&s.patch).unwrap(),
            json!({"name": null})
        );
        assert!(s.start && s.stop && !s.repair, "{s:?}");
        assert_eq!(
            s.resize,
            Some(Resize {
                cpu: Some(4),
                memory: Some(8),
                disk: Some(20)
            })
        );

        let mut failed = prior.clone();
        set(&mut failed, "state", Value::string("failed"));
        let mut want_running = failed.clone();
        set(&mut want_running, "state", Value::string(RUNNING));
        let s = update_steps(&failed, &want_running);
        assert!(s.repair && !s.start && !s.stop && s.patch.is_empty() && s.resize.is_none());

        let mut running = prior.clone();
        set(&mut running, "state", Value::string(RUNNING));
        let s = update_steps(&prior, &running);
        assert!(s.start && !s.stop && s.restarts());
        let s = update_steps(&running, &prior);
        assert!(s.stop && !s.start && !s.restarts());
        let mut disk_only = running.clone();
        set(&mut disk_only, "disk", n(9));
        let s = update_steps(&running, &disk_only);
        assert_eq!(
            s.resize,
            Some(Resize {
                cpu: None,
                memory: None,
                disk: Some(9)
            })
        );
    }

    #[test]
    fn state_from_the_api_keeps_what_the_user_wrote() {
        let base = obj(&[
            ("name", Value::string("")),
            ("metadata", Value::map(Vec::<(String, Value)>::new())),
            ("auto_update", Value::bool(true)),
            ("timeouts", obj(&[("create", Value::string("5m"))])),
        ]);
        let s = instance_state(&inst(), &base);
        assert_eq!(attr_or_null(&s, "name"), &Value::string(""));
        // The API's metadata wins over an empty form; non-strings read as JSON text.
        assert_eq!(
            attr_or_null(&s, "metadata"),
            &Value::map([("n", Value::string("3")), ("team", Value::string("a"))])
        );
        assert_eq!(get_str(&s, "state"), Some(RUNNING));
        assert_eq!(get_bool(&s, "auto_update"), Some(true));
        assert_eq!(get_bool(&s, "wait_for_healthy"), Some(true));
        assert_eq!(get_str(&s, "url"), Some("https://abc123defg.agent37.app"));
        assert_eq!(get_i64(&s, "paid_through"), Some(100));
        assert!(attr_or_null(&s, "timeouts").attr("create").is_some());
        assert!(s.is_fully_known());

        let mut i = inst();
        i.status = InstanceStatus::Failed;
        assert_eq!(get_str(&instance_state(&i, &base), "state"), Some("failed"));
        i.status = InstanceStatus::Stopping;
        assert_eq!(state_of(&i.status), STOPPED);
        i.ports.clear();
        assert_eq!(
            attr_or_null(&instance_state(&i, &base), "url"),
            &Value::Null
        );
        assert!(is_gone(&InstanceStatus::Deleting));
    }

    #[test]
    fn filters_match_subsets() {
        let i = inst();
        assert!(Filters::default().matches(&i));
        let mut f = Filters {
            user: Some("cust_1".into()),
            status: Some("running".into()),
            ..Filters::default()
        };
        f.metadata.insert("team".into(), "a".into());
        assert!(f.matches(&i));
        f.metadata.insert("n".into(), "3".into());
        assert!(f.matches(&i));
        f.metadata.insert("missing".into(), "x".into());
        assert!(!f.matches(&i));
        let by_name = Filters {
            name: Some("bot".into()),
            ..Filters::default()
        };
        assert!(!by_name.matches(&i));
        assert_eq!(
            urls_value(&i.ports),
            Value::map([
                ("3737", Value::string("https://abc123defg.agent37.app")),
                ("9119", Value::string("https://abc123defg-9119.agent37.app")),
            ])
        );
    }
}
