//! The pure part of `agent37_instance`: its typed state (the schema is declared once, here),
//! the attribute validators, plan decisions, the steps of an update, and conversions between API
//! instances and the state. The shape rules live in `shape` and `sizing`. Unit-tested at the
//! bottom.

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::api::{
    self, CreateInstance, InstanceStatus, Patch, PatchInstance, Resize, ResourcesRequest,
};
use crate::provider::values::keep_empty_form;
use crate::sdk::model::Attr;
use crate::sdk::timeouts::Timeouts;
use crate::sdk::validate::{OneOf, StrLen, check};
use crate::sdk::{Model, Value};

use super::additions::Additions;
use super::shape::{self, DEFAULT_TEMPLATE, SYSTEM_TEMPLATES};

pub const NAME_MAX_CHARS: usize = 60;
pub const USER_MAX_CHARS: usize = 200;
pub const METADATA_MAX_BYTES: usize = 4096;

pub const RUNNING: &str = "running";
pub const STOPPED: &str = "stopped";

/// 1: the attributes of API revision 2026-08-21 (`additions`); 0: the first released schema.
pub const VERSION: i64 = 1;

/// What the instance's `timeouts` bound: every call that waits on the platform, and the
/// health wait.
pub const WAITS: crate::sdk::timeouts::Waits = crate::sdk::timeouts::Waits {
    create: "the instance to be provisioned (and stopped, with `state = \"stopped\"`), then, with `wait_for_healthy`, for its agent to answer its health check",
    update: "the in-place changes to finish (rename, start or stop, resize, repair, image pull), then, with `wait_for_healthy`, for its agent to answer its health check again",
    delete: "the API to delete the instance (its call and retries)",
};

/// The resource's description (the docs' first paragraph).
pub const DESCRIPTION: &str = "An Agent37 instance: an always-on computer, built from a template, with its own URLs. Billing follows the API revision (2026-06-25: a day of compute is prepaid at create; 2026-08-21: a per-minute meter after a one-day balance check). Growing `cpu`, `memory` or `disk` resizes it in place, shrinking any of them replaces it.";

pub(super) const SHAPES_DOC: &str = "Shapes (vCPU / memory GB / disk GB range) of API revision 2026-06-25: 1 / 3 / 6–20 (template `agent37-hermes-small` only), 2 / 4 / 6–20, 4 / 8 / 20–40, 8 / 16 / 40–80; of 2026-08-21: 2 / 4 / 2–12, 4 / 8 / 2–20, 8 / 16 / 2–40. Validation accepts either; the plan checks the revision the API serves, for values about to be sent. 4 / 8 and 8 / 16 need a paid workspace.";
pub(super) const PORTS_DOC: &str = "The instance's ports, each with the URL that serves it. API revision 2026-06-25: the template's ports as snapshotted at create (empty for a template without ports). 2026-08-21 (deprecated there): one entry, the default port at `url` (any port is reachable at `{id}-{port}` on the same domain).";
pub(super) const URL_DOC: &str = "The URL of the default port (the agent gateway of system templates). API revision 2026-06-25: null when the template has no default port; 2026-08-21: always set (the template's `default_port`, else 3737).";

// ---------------------------------------------------------------------------------------------
// Attribute validators (known, non-null values only)
// ---------------------------------------------------------------------------------------------

/// A system template, or a workspace template name (`^[a-z][a-z0-9-]{1,62}$`, not `agent37-*`).
/// Raw image references are refused: an instance is always made from a template.
pub fn check_template(v: &Value) -> Result<(), String> {
    let Some(reference) = v.as_str() else {
        return Ok(());
    };
    let name = match reference.split_once('@') {
        None => reference,
        Some((name, version)) => {
            check_version(version)?;
            name
        }
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
    if name.contains('/') || name.contains(':') {
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

/// The `@version` of a pinned template (API revision 2026-08-21): a published tag of a system
/// template or a revision number of a workspace template; `@latest` is not a pin.
fn check_version(version: &str) -> Result<(), String> {
    if version == "latest" {
        return Err(
            "`@latest` is not a pin: leave the version out to follow the template's current image"
                .into(),
        );
    }
    let ok = !version.is_empty()
        && version.len() <= 128
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{version:?} is not a template version: after `@`, a published tag (system templates) or revision number (workspace templates)"
        ))
    }
}

/// Whether a template reference pins a version (`name@version`).
pub fn is_pinned(reference: &str) -> bool {
    reference.contains('@')
}

/// `metadata` must fit in 4096 bytes of compact JSON (checked when every value is known).
pub fn check_metadata(v: &Value) -> Result<(), String> {
    if !v.is_fully_known() {
        return Ok(());
    }
    let Some(map) = metadata_object(v) else {
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

/// A `map(string)` value as a JSON object of its string entries.
fn metadata_object(v: &Value) -> Option<Map<String, Json>> {
    v.as_map().map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), Json::String(s.to_string()))))
            .collect()
    })
}

// ---------------------------------------------------------------------------------------------
// The state
// ---------------------------------------------------------------------------------------------

/// Key/value pairs stored with an instance (`map(string)`; a configuration may hold a null).
pub type Metadata = BTreeMap<String, Option<String>>;

/// One port of an instance, with the URL that serves it.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Port {
    #[attr(computed, describe = "The port number inside the instance.")]
    pub port: Attr<i64>,
    #[attr(
        computed,
        describe = "Whether this is the template's default port (served at `url`)."
    )]
    pub default: Attr<bool>,
    #[attr(computed, describe = "The URL that serves this port.")]
    pub url: Attr<String>,
}

/// The state of `agent37_instance`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Instance {
    #[attr(
        computed,
        describe = "The instance id (10 lowercase letters and digits), also the DNS label of its URLs. Import with it: `terraform import agent37_instance.example <id>`."
    )]
    pub id: Attr<String>,
    #[attr(
        default = Value::string(DEFAULT_TEMPLATE),
        describe = "The template the instance is built from: a system template (`agent37-hermes`, `agent37-hermes-small`, `agent37-openclaw`) or the name of a workspace template (`agent37_template`), optionally pinned to a version (API revision 2026-08-21): `name@tag` for a system template, `name@<revision>` for a workspace template (`@latest` is refused). Default `\"agent37-hermes\"`, also when removed from the configuration (a static default). A workspace template's name known at plan is looked up when it is about to be sent: a misspelled one fails at plan (a template created in the same configuration is looked up by the API at apply). API revision 2026-08-21: a change (pin, unpin, roll back, migrate to another template) is made in place with the API's `update`, keeping the id, URLs and the data under the home folders; the operating-system layer is reset to the new image. API revision 2026-06-25: a change replaces the instance, and pins are refused at plan.",
        validate = check("A system template, or a workspace template name (a lowercase letter then 1–62 lowercase letters, digits or hyphens, not starting with `agent37-`), optionally with `@version`.", check_template)
    )]
    pub template: Attr<String>,
    #[attr(
        optional,
        computed,
        describe = &format!("vCPUs: 1, 2, 4 or 8. With `memory`, it must form a shape; set alone, `memory` follows from the shape. Default: the template's smallest shape (1 for `agent37-hermes-small`, else 2). Growing resizes in place; shrinking replaces the instance. Derived, not a static default: left out of (or removed from) the configuration, it keeps the instance's current value; on create the plan shows what the API will choose. {SHAPES_DOC}"),
        validate = check("One of 1, 2, 4, 8, forming a shape with `memory`.", shape::check_cpu)
    )]
    pub cpu: Attr<i64>,
    #[attr(
        optional,
        computed,
        describe = "Memory in GB: 3, 4, 8 or 16, paired with `cpu` (1/3, 2/4, 4/8, 8/16); set alone, `cpu` follows from the shape. Default: the template's smallest shape. Growing resizes in place; shrinking replaces the instance. Derived, not a static default: left out of (or removed from) the configuration, it keeps the instance's current value; on create the plan shows what the API will choose.",
        validate = check("One of 3, 4, 8, 16, forming a shape with `cpu`.", shape::check_memory)
    )]
    pub memory: Attr<i64>,
    #[attr(
        optional,
        computed,
        describe = "Disk in GB, within the shape's range of the API revision (2026-06-25: 6–20 for 1/3 and 2/4, 20–40 for 4/8, 40–80 for 8/16, default the range's minimum; 2026-08-21: 2–12, 2–20, 2–40, default 4, 6, 12). Growing resizes in place (growing the shape raises the disk to the new shape's minimum on 2026-06-25, keeps it on 2026-08-21); shrinking replaces the instance. Derived, not a static default: left out of (or removed from) the configuration, it keeps the instance's current value; on create the plan shows what the API will choose for the planned shape.",
        validate = check("A whole number of GB within the shape's range (2–80 overall).", shape::check_disk_overall)
    )]
    pub disk: Attr<i64>,
    #[attr(
        optional,
        describe = "A label, at most 60 characters. Changed in place; removing it clears it.",
        validate = StrLen { min: 0, max: NAME_MAX_CHARS }
    )]
    pub name: Attr<String>,
    #[attr(
        optional,
        describe = "Your attribution tag for the instance (for example your customer's id), at most 200 characters; never interpreted. Changed in place; removing it clears it.",
        validate = StrLen { min: 0, max: USER_MAX_CHARS }
    )]
    pub user: Attr<String>,
    #[attr(
        optional,
        describe = "Key/value pairs stored with the instance, at most 4096 bytes as compact JSON. Replaced whole in place.",
        validate = check("At most 4096 bytes as compact JSON.", check_metadata)
    )]
    pub metadata: Attr<Metadata>,
    #[attr(
        computed,
        describe = "The metadata the instance holds: the provider's `default_metadata` merged under `metadata` (which wins on a shared key). The plan shows it; without `default_metadata` it equals `metadata`."
    )]
    pub metadata_all: Attr<Metadata>,
    #[attr(
        default = Value::string(RUNNING),
        describe = "The desired power state: `\"running\"` (default) or `\"stopped\"`; changed in place with start/stop. Billing while stopped follows the API revision (2026-06-25: like running; 2026-08-21: disk only). Left out of the configuration, it keeps the instance's current state (an instance stopped outside Terraform stays stopped); set it to have Terraform start or stop the instance. A `failed` instance always shows a change that an apply repairs (with `update`); a past-due one reads as `\"stopped\"`, and starting it needs funds (the API's error is shown). API revision 2026-08-21: a `sleeping` or `waking` instance reads as `\"running\"` (any request or a start wakes it); `status` shows the real status.",
        validate = OneOf(&[RUNNING, STOPPED])
    )]
    pub state: Attr<String>,
    #[attr(default = Value::bool(false), describe = "When true, each plan reads the template and, when the instance is behind it, shows an in-place update with the `image_ref` it will run. Behind means, on API revision 2026-06-25 and for system templates, that the template's `image_ref` differs from the instance's; for a workspace template on 2026-08-21, that the template's `revision` differs from the instance's `template_revision` (a build publishes revisions without an `image_ref`). The apply installs exactly what the plan showed with the API's `update` (keeping the data), so one apply converges; if the template moved since the plan, the apply fails asking for a new plan and changes nothing. Pinned templates (`name@version`) never move. Default false, also when removed from the configuration (a static default).")]
    pub auto_update: Attr<bool>,
    #[attr(default = Value::bool(true), describe = "After create and start, wait (within the timeout) until the agent gateway's `/v1/health` answers `ok`. Applies only to templates with agents and a default port. Default true, also when removed from the configuration (a static default); changing it alone makes no call.")]
    pub wait_for_healthy: Attr<bool>,
    #[attr(
        computed,
        describe = "The platform's status: `running`, `stopped`, `failed`, or a transition (`provisioning`, `starting`, `stopping`, `restarting`, `updating`, `deleting`). A refresh that finds the instance `failed` warns (the plan shows the repair). An update that makes no lifecycle call (`name`, `user`, `metadata`, `wait_for_healthy`) plans it unchanged; a start, stop, resize, repair, template change or image pull plans it unknown (so do `paid_through` and `past_due`)."
    )]
    pub status: Attr<String>,
    #[attr(
        computed,
        describe = "The image the instance runs now; null for a template a cloud build published (2026-08-21). An `auto_update` pull plans the image it will install; a repair or a template change plans it unknown; other updates keep it."
    )]
    pub image_ref: Attr<String>,
    #[attr(computed, describe = URL_DOC)]
    pub url: Attr<String>,
    #[attr(computed, describe = PORTS_DOC)]
    pub ports: Attr<Vec<Port>>,
    #[attr(
        computed,
        describe = "API revision 2026-06-25: when the prepaid compute day ends (epoch seconds); renewals move it a day at a time. Null on 2026-08-21, which bills per minute."
    )]
    pub paid_through: Attr<i64>,
    #[attr(
        computed,
        describe = "True when the instance is suspended for lack of funds (2026-06-25: a renewal could not be paid and it was stopped; 2026-08-21: the balance went negative); a top-up (2026-08-21) or a funded start clears it. A refresh that finds it true warns, with the next step (top up, then start)."
    )]
    pub past_due: Attr<bool>,
    #[attr(computed, describe = "Creation time (epoch seconds).")]
    pub created: Attr<i64>,
    /// What API revision 2026-08-21 adds (`additions`).
    #[flatten]
    pub added: Additions,
    #[block]
    pub timeouts: Timeouts,
}

impl Instance {
    /// The resource state for `inst`. `base` (the prior or planned state) supplies what the API
    /// does not hold (`auto_update`, `wait_for_healthy`, `timeouts`) and the empty form the
    /// configuration used for `name`, `user` and `metadata`.
    pub fn from_api(inst: &api::Instance, base: &Instance) -> Instance {
        Instance {
            id: inst.id.clone().into(),
            template: inst.template.clone().into(),
            cpu: i64::from(inst.resources.cpu).into(),
            memory: i64::from(inst.resources.memory).into(),
            disk: i64::from(inst.resources.disk).into(),
            name: keep_empty_form(Attr::from_option(inst.name.clone()), &base.name),
            user: keep_empty_form(Attr::from_option(inst.user.clone()), &base.user),
            metadata: keep_empty_form(metadata_from_api(inst.metadata.as_ref()), &base.metadata),
            metadata_all: keep_empty_form(
                metadata_from_api(inst.metadata.as_ref()),
                &base.metadata_all,
            ),
            state: state_of(&inst.status).to_string().into(),
            auto_update: base.auto_update.get().unwrap_or(false).into(),
            wait_for_healthy: base.wait_for_healthy.get().unwrap_or(true).into(),
            status: inst.status.as_str().to_string().into(),
            image_ref: Attr::from_option(inst.image_ref.clone()),
            url: Attr::from_option(inst.default_url().map(str::to_string)),
            ports: ports_of(inst, default_port_of(&base.ports)).into(),
            paid_through: Attr::from_option(inst.paid_through),
            past_due: inst.past_due.into(),
            created: inst.created.into(),
            added: Additions::from_api(inst, &base.added),
            timeouts: base.timeouts.clone(),
        }
    }

    /// The state of an instance known only by its id (a create whose answer could not be
    /// read): the planned values, with whatever the plan left unknown null. Terraform keeps it
    /// (tainted, with the create's error); the next refresh reads the rest, a destroy deletes it.
    pub fn id_only(id: &str, planned: &Instance) -> Instance {
        let mut state = Instance::from_value(&unknowns_to_null(&planned.to_value()))
            .unwrap_or_else(|_| Instance {
                timeouts: planned.timeouts.clone(),
                ..Instance::default()
            });
        state.id = id.to_owned().into();
        state
    }

    /// The metadata sent to the API: the merged `metadata_all` as planned, or `metadata` where
    /// no plan set it (a state made before `metadata_all` existed).
    pub fn metadata_sent(&self) -> &Attr<Metadata> {
        if self.metadata_all.is_null() {
            &self.metadata
        } else {
            &self.metadata_all
        }
    }

    /// The body of `POST /instances` from a planned state: only known, set values are sent, and
    /// cpu/memory only together.
    pub fn create_body(&self) -> CreateInstance {
        let dim = |a: &Attr<i64>| a.get().and_then(|v| u32::try_from(v).ok());
        let (cpu, memory, disk) = (dim(&self.cpu), dim(&self.memory), dim(&self.disk));
        let (cpu, memory) = match (cpu, memory) {
            (Some(c), Some(m)) => (Some(c), Some(m)),
            _ => (None, None),
        };
        let resources =
            (cpu.is_some() || disk.is_some()).then_some(ResourcesRequest { cpu, memory, disk });
        CreateInstance {
            template: Some(
                self.template
                    .as_str()
                    .unwrap_or(DEFAULT_TEMPLATE)
                    .to_string(),
            ),
            resources,
            user: self.user.known().cloned(),
            name: self.name.known().cloned(),
            metadata: metadata_json(self.metadata_sent()),
            budget: None,
            // What API revision 2026-08-21 adds: `Additions::fill_create`.
            ..CreateInstance::default()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------------------------

/// A `failed` (or otherwise unexpected) instance with `state` left out of the configuration
/// is planned back to `running`, so the diff that repairs it appears.
pub fn plan_state(prior: &Instance, config: &Instance, planned: &mut Instance) {
    if !config.state.is_null() {
        return;
    }
    if !matches!(prior.state.as_str(), Some(RUNNING | STOPPED)) {
        planned.state = RUNNING.into();
    }
}

/// Computed values an image pull may change: unknown when `auto_update` plans one.
pub fn mark_image_pull(planned: &mut Instance) {
    planned.image_ref = Attr::unknown();
    planned.status = Attr::unknown();
    planned.paid_through = Attr::unknown();
    planned.past_due = Attr::unknown();
}

// ---------------------------------------------------------------------------------------------
// Apply
// ---------------------------------------------------------------------------------------------

/// What an update does, in the contract's order: PATCH labels → repair or start → resize →
/// image pull (decided at apply time, against the template) → stop.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Steps {
    pub patch: PatchInstance,
    /// 2026-08-21: the template reference changed (pin, unpin, roll back, migrate): `update`
    /// with it, in place (the plan only lets such a change through on that revision).
    pub template: Option<String>,
    /// The instance is `failed`: `update` brings it back to running (start cannot).
    pub repair: bool,
    pub start: bool,
    pub resize: Option<Resize>,
    pub stop: bool,
}

impl Steps {
    /// The container (re)started, so a desired running instance is waited for.
    pub fn restarts(&self) -> bool {
        self.repair || self.start || self.resize.is_some() || self.template.is_some()
    }
}

pub fn update_steps(prior: &Instance, planned: &Instance) -> Steps {
    let mut patch = PatchInstance::default();
    if planned.name != prior.name {
        patch.name = Patch::set(planned.name.known().cloned());
    }
    if planned.user != prior.user {
        patch.user = Patch::set(planned.user.known().cloned());
    }
    if planned.metadata != prior.metadata || planned.metadata_all != prior.metadata_all {
        patch.metadata = Patch::set(metadata_json(planned.metadata_sent()));
    }

    let grown = |new: &Attr<i64>, old: &Attr<i64>| match (new.get(), old.get()) {
        (Some(new), Some(old)) if new > old => u32::try_from(new).ok(),
        _ => None,
    };
    let shape_grows = grown(&planned.cpu, &prior.cpu).is_some()
        || grown(&planned.memory, &prior.memory).is_some();
    let dim = |a: &Attr<i64>| a.get().and_then(|v| u32::try_from(v).ok());
    let disk_grows = grown(&planned.disk, &prior.disk);
    let resize = (shape_grows || disk_grows.is_some()).then(|| Resize {
        cpu: if shape_grows { dim(&planned.cpu) } else { None },
        memory: if shape_grows {
            dim(&planned.memory)
        } else {
            None
        },
        disk: disk_grows,
    });

    let template = match (planned.template.as_str(), prior.template.as_str()) {
        (Some(new), old) if Some(new) != old => Some(new.to_owned()),
        _ => None,
    };
    let desired = planned.state.as_str().unwrap_or(RUNNING);
    let current = prior.state.as_str().unwrap_or(RUNNING);
    // An `update` with a template also repairs a failed instance.
    let repair = current != RUNNING && current != STOPPED && template.is_none();
    let start = current == STOPPED && (desired == RUNNING || resize.is_some());
    let stop = desired == STOPPED && (current != STOPPED || start || repair);
    Steps {
        patch,
        template,
        repair,
        start,
        resize,
        stop,
    }
}

// ---------------------------------------------------------------------------------------------
// API → state
// ---------------------------------------------------------------------------------------------

/// `state` from the API status: transitions count as where they lead; `failed` (and statuses
/// this provider does not know) stay as they are, so the plan shows a repair.
pub fn state_of(status: &InstanceStatus) -> &str {
    match status {
        InstanceStatus::Running
        | InstanceStatus::Provisioning
        | InstanceStatus::Starting
        | InstanceStatus::Restarting
        | InstanceStatus::Updating
        // 2026-08-21: a sleeper is available (any request or `start` wakes it), not a repair.
        | InstanceStatus::Sleeping
        | InstanceStatus::Waking => RUNNING,
        InstanceStatus::Stopped | InstanceStatus::Stopping => STOPPED,
        other => other.as_str(),
    }
}

/// An instance that is being or has been deleted reads as gone.
pub fn is_gone(status: &InstanceStatus) -> bool {
    matches!(status, InstanceStatus::Deleting | InstanceStatus::Deleted)
}

/// `metadata` as a JSON object of strings (None for null or unknown; null entries left out).
pub fn metadata_json(m: &Attr<Metadata>) -> Option<Map<String, Json>> {
    m.known().map(|m| {
        m.iter()
            .filter_map(|(k, v)| v.as_ref().map(|s| (k.clone(), Json::String(s.clone()))))
            .collect()
    })
}

/// The API's metadata as `map(string)`: strings as they are, other JSON as its text.
pub fn metadata_from_api(m: Option<&Map<String, Json>>) -> Attr<Metadata> {
    Attr::from_option(m.map(|m| {
        m.iter()
            .map(|(k, v)| (k.clone(), Some(json_text(v).into_owned())))
            .collect()
    }))
}

/// `ports` of the state: 2026-06-25's `ports` as they are; for a 2026-08-21 instance (which has
/// `url` and no `ports`) one synthesized default entry at `url`, numbered `default_port`.
pub fn ports_of(inst: &api::Instance, default_port: u16) -> Vec<Port> {
    match (&inst.url, inst.ports.is_empty()) {
        (Some(url), true) => vec![Port {
            port: i64::from(default_port).into(),
            default: true.into(),
            url: url.clone().into(),
        }],
        _ => ports_from_api(&inst.ports),
    }
}

/// The default port a state's `ports` names: an instance keeps its default port across the
/// upgrade to 2026-08-21, whose instance objects no longer say it. Else the platform's
/// fallback, 3737 (what every system template serves at `url`).
pub fn default_port_of(ports: &Attr<Vec<Port>>) -> u16 {
    ports
        .known()
        .and_then(|ps| ps.iter().find(|p| p.default.get() == Some(true)))
        .and_then(|p| p.port.get())
        .and_then(|p| u16::try_from(p).ok())
        .unwrap_or(api::FALLBACK_DEFAULT_PORT)
}

pub fn ports_from_api(ports: &[api::Port]) -> Vec<Port> {
    ports
        .iter()
        .map(|p| Port {
            port: i64::from(p.port).into(),
            default: p.default.into(),
            url: p.url.clone().into(),
        })
        .collect()
}

/// Port number (as a string) → URL, of the entries of [`ports_of`].
pub fn urls_from_api(ports: &[Port]) -> BTreeMap<String, Option<String>> {
    ports
        .iter()
        .filter_map(|p| Some((p.port.get()?.to_string(), Some(p.url.as_str()?.to_owned()))))
        .collect()
}

/// `v` with every unknown value, at any depth, made null.
fn unknowns_to_null(v: &Value) -> Value {
    match v {
        Value::Unknown(_) => Value::Null,
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| (k.clone(), unknowns_to_null(v)))
                .collect(),
        ),
        Value::Map(m) => Value::Map(
            m.iter()
                .map(|(k, v)| (k.clone(), unknowns_to_null(v)))
                .collect(),
        ),
        Value::List(l) => Value::List(l.iter().map(unknowns_to_null).collect()),
        Value::Set(l) => Value::Set(l.iter().map(unknowns_to_null).collect()),
        Value::Tuple(l) => Value::Tuple(l.iter().map(unknowns_to_null).collect()),
        other => other.clone(),
    }
}

/// A metadata value as text: strings as they are, other JSON as its text.
pub(super) fn json_text(v: &Json) -> std::borrow::Cow<'_, str> {
    match v {
        Json::String(s) => std::borrow::Cow::Borrowed(s),
        other => std::borrow::Cow::Owned(other.to_string()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sdk::model::conforms;
    use crate::sdk::timeouts::Timeouts;
    use serde_json::json;

    /// An instance as the API answers (decoded, so a new field needs no change here).
    pub(crate) fn inst() -> api::Instance {
        serde_json::from_value(json!({
            "id": "abc123defg", "status": "running", "template": DEFAULT_TEMPLATE,
            "image_ref": "ghcr.io/agent37-platform/hermes:1",
            "resources": {"cpu": 2, "memory": 4, "disk": 6},
            "ports": [
                {"port": 3737, "default": true, "url": "https://abc123defg.agent37.app"},
                {"port": 9119, "default": false, "url": "https://abc123defg-9119.agent37.app"}
            ],
            "user": "cust_1", "name": null, "metadata": {"team": "a", "n": 3},
            "paid_through": 100, "past_due": false, "created": 10
        }))
        .expect("an instance")
    }

    fn meta(pairs: &[(&str, &str)]) -> Attr<Metadata> {
        Attr::Known(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), Some(v.to_string())))
                .collect(),
        )
    }

    #[test]
    fn template_and_metadata_checks() {
        for ok in [
            "agent37-hermes",
            "agent37-openclaw",
            "my-agent",
            "ab",
            // 2026-08-21 pins: a system tag, a workspace revision.
            "agent37-hermes@2026.08.1",
            "my-agent@1",
        ] {
            assert!(check_template(&Value::string(ok)).is_ok(), "{ok}");
        }
        assert!(
            check_template(&Value::string("my-agent@latest"))
                .unwrap_err()
                .contains("`@latest` is not a pin")
        );
        for bad in [
            "my-agent@",
            "my-agent@a/b",
            "agent37-other@1",
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
    fn failed_instance_is_planned_back_to_running() {
        let prior = Instance {
            state: "failed".into(),
            ..Instance::default()
        };
        let mut planned = prior.clone();
        plan_state(&prior, &Instance::default(), &mut planned);
        assert_eq!(planned.state.as_str(), Some(RUNNING));
        let stopped = Instance {
            state: STOPPED.into(),
            ..Instance::default()
        };
        let mut planned = stopped.clone();
        plan_state(&stopped, &Instance::default(), &mut planned);
        assert_eq!(planned.state.as_str(), Some(STOPPED));
    }

    #[test]
    fn create_body_sends_what_is_set() {
        let planned = Instance {
            template: DEFAULT_TEMPLATE.into(),
            cpu: 4.into(),
            memory: 8.into(),
            disk: Attr::unknown(),
            name: "bot".into(),
            user: Attr::Null,
            metadata: meta(&[("team", "a")]),
            ..Instance::default()
        };
        assert_eq!(
            serde_json::to_value(planned.create_body()).unwrap(),
            json!({"template": "agent37-hermes", "resources": {"cpu": 4, "memory": 8},
                   "name": "bot", "metadata": {"team": "a"}})
        );
        let disk_only = Instance {
            cpu: Attr::unknown(),
            disk: 12.into(),
            ..Instance::default()
        };
        assert_eq!(
            serde_json::to_value(disk_only.create_body()).unwrap(),
            json!({"template": "agent37-hermes", "resources": {"disk": 12}})
        );
    }

    #[test]
    fn update_steps_follow_the_contract_order() {
        let prior = Instance {
            name: "a".into(),
            user: "u".into(),
            metadata: Attr::Null,
            cpu: 2.into(),
            memory: 4.into(),
            disk: 6.into(),
            state: STOPPED.into(),
            ..Instance::default()
        };
        let planned = Instance {
            name: Attr::Null,
            cpu: 4.into(),
            memory: 8.into(),
            disk: 20.into(),
            ..prior.clone()
        };
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

        let failed = Instance {
            state: "failed".into(),
            ..prior.clone()
        };
        let want_running = Instance {
            state: RUNNING.into(),
            ..failed.clone()
        };
        let s = update_steps(&failed, &want_running);
        assert!(s.repair && !s.start && !s.stop && s.patch.is_empty() && s.resize.is_none());

        let running = Instance {
            state: RUNNING.into(),
            ..prior.clone()
        };
        let s = update_steps(&prior, &running);
        assert!(s.start && !s.stop && s.restarts());
        let s = update_steps(&running, &prior);
        assert!(s.stop && !s.start && !s.restarts());
        let disk_only = Instance {
            disk: 9.into(),
            ..running.clone()
        };
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

    /// The same instance as revision 2026-08-21 answers: `url`, no `ports`, a null `image_ref`
    /// (a build-made template), a pin, and the new fields.
    pub(crate) fn inst_2026_08_21(status: &str) -> api::Instance {
        serde_json::from_value(json!({
            "id": "abc123defg", "status": status, "status_reason": null,
            "template": "my-agent@3", "template_revision": 3, "image_ref": null,
            "image_digest": format!("sha256:{}", "a".repeat(64)),
            "resources": {"cpu": 2, "memory": 4, "disk": 4},
            "url": "https://abc123defg.agent37.app", "domain_urls": [], "public_ports": [],
            "user": null, "name": null, "metadata": null, "auto_sleep": true,
            "idle_timeout_seconds": 900, "slept_at": 1786004800, "past_due": false,
            "created": 10
        }))
        .expect("a 2026-08-21 instance")
    }

    #[test]
    fn a_2026_08_21_instance_reads_with_its_url_and_a_sleeper_is_running() {
        for status in ["sleeping", "waking", "running"] {
            let s = Instance::from_api(&inst_2026_08_21(status), &Instance::default());
            assert_eq!(
                s.state.as_str(),
                Some(RUNNING),
                "{status}: available, never a repair"
            );
            assert_eq!(s.status.as_str(), Some(status));
            assert_eq!(s.url.as_str(), Some("https://abc123defg.agent37.app"));
            assert!(s.image_ref.is_null());
            assert_eq!(s.template.as_str(), Some("my-agent@3"));
            let ports = s.ports.known().expect("ports");
            assert_eq!(ports.len(), 1);
            assert_eq!(ports[0].port.get(), Some(3737));
            assert_eq!(
                ports[0].url.as_str(),
                Some("https://abc123defg.agent37.app")
            );
            conforms(&s.to_value(), &Instance::schema("").value_type()).expect("conforms");
        }
        // A sleeper plans no repair and no step.
        let prior = Instance::from_api(&inst_2026_08_21("sleeping"), &Instance::default());
        let mut planned = prior.clone();
        plan_state(&prior, &Instance::default(), &mut planned);
        assert_eq!(planned, prior);
        assert_eq!(update_steps(&prior, &planned), Steps::default());
        // The default port an instance had before the upgrade is kept in `ports`.
        let before = Instance::from_api(&inst(), &Instance::default());
        let mut custom = before.ports.known().cloned().expect("ports");
        custom[0].port = 9000.into();
        let after = ports_of(
            &inst_2026_08_21("running"),
            default_port_of(&Attr::Known(custom)),
        );
        assert_eq!(after[0].port.get(), Some(9000));
    }

    #[test]
    fn a_template_change_is_an_update_with_the_new_reference() {
        let prior = Instance {
            template: "my-agent".into(),
            state: RUNNING.into(),
            ..Instance::default()
        };
        let pinned = Instance {
            template: "my-agent@1".into(),
            ..prior.clone()
        };
        let s = update_steps(&prior, &pinned);
        assert_eq!(s.template.as_deref(), Some("my-agent@1"));
        assert!(s.restarts() && !s.repair && !s.start && !s.stop);
        assert!(is_pinned("my-agent@1") && !is_pinned("my-agent"));
        // The update also brings a failed instance back: no separate repair.
        let failed = Instance {
            state: "failed".into(),
            ..prior.clone()
        };
        let s = update_steps(
            &failed,
            &Instance {
                state: RUNNING.into(),
                ..pinned
            },
        );
        assert!(s.template.is_some() && !s.repair);
    }

    #[test]
    fn state_from_the_api_keeps_what_the_user_wrote() {
        let timeouts = Timeouts(Value::object([
            ("create", Value::string("5m")),
            ("update", Value::Null),
            ("delete", Value::Null),
        ]));
        let base = Instance {
            name: "".into(),
            metadata: Attr::Known(Metadata::new()),
            auto_update: true.into(),
            timeouts: timeouts.clone(),
            ..Instance::default()
        };
        let s = Instance::from_api(&inst(), &base);
        assert_eq!(s.name, Attr::Known(String::new()));
        // The API's metadata wins over an empty form; non-strings read as JSON text.
        assert_eq!(s.metadata, meta(&[("n", "3"), ("team", "a")]));
        assert_eq!(s.state.as_str(), Some(RUNNING));
        assert_eq!(s.auto_update.get(), Some(true));
        assert_eq!(s.wait_for_healthy.get(), Some(true));
        assert_eq!(s.url.as_str(), Some("https://abc123defg.agent37.app"));
        assert_eq!(s.paid_through.get(), Some(100));
        assert_eq!(s.timeouts, timeouts);
        assert!(s.to_value().is_fully_known());

        let mut i = inst();
        i.status = InstanceStatus::Failed;
        assert_eq!(Instance::from_api(&i, &base).state.as_str(), Some("failed"));
        i.status = InstanceStatus::Stopping;
        assert_eq!(state_of(&i.status), STOPPED);
        i.ports.clear();
        assert_eq!(Instance::from_api(&i, &base).url, Attr::Null);
        assert!(is_gone(&InstanceStatus::Deleting));
    }

    /// What the resource writes to state has exactly the shape of its schema, as do the
    /// states an import and a list produce.
    #[test]
    fn the_state_has_exactly_the_schema_shape() {
        let ty = Instance::schema(DESCRIPTION).value_type();
        let state = Instance::from_api(&inst(), &Instance::default());
        conforms(&state.to_value(), &ty).unwrap_or_else(|e| panic!("agent37_instance: {e}"));
        let seed = Instance {
            id: "abc123defg".into(),
            ..Instance::default()
        };
        conforms(&seed.to_value(), &ty).unwrap_or_else(|e| panic!("import seed: {e}"));
    }
}
