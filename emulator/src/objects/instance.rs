//! Instances: the stored row and its rendering under 2026-06-25 (`ports`, `paid_through`)
//! and 2026-08-21 (`url`, `public_ports`, sleep and status fields).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::{PublicPort, Render};
use crate::model::{
    self, Budget, BudgetNames, InstanceType, MeterRate, Port, Resources, Status, StatusReason,
};

/// Rarely read per-instance state, kept as one JSON column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Extra {
    /// Boots after the first (starts, restarts, updates, resizes, wakes).
    #[serde(default)]
    pub boots: i64,
    /// Extra ports the fake container serves (`/_emulator/instances/{id}/listen`).
    #[serde(default)]
    pub listen: Vec<i64>,
    /// How the next wake goes: `fast` (default), `slow`, `fail`, `timeout`.
    #[serde(default)]
    pub next_wake: Option<String>,
    #[serde(default)]
    pub exit_code: Option<i64>,
    #[serde(default)]
    pub oom_suspected: bool,
    /// A `resource_verdict` set by the control route (else all `healthy` while running).
    #[serde(default)]
    pub verdict: Option<Value>,
    /// A `restart_count` set by the control route (else `boots`).
    #[serde(default)]
    pub restart_count: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    /// Insertion order, to list newest first even within one second.
    pub seq: i64,
    pub workspace: String,
    pub status: Status,
    /// The template's name, without a pin.
    pub template: String,
    /// The `@version` the instance is pinned to, if any.
    pub pin: Option<String>,
    pub template_revision: Option<i64>,
    /// `None` when the image came from a cloud build.
    pub image_ref: Option<String>,
    pub image_digest: Option<String>,
    /// The agent the health endpoint names, snapshotted from the template.
    pub agent: String,
    pub resources: Resources,
    /// The template's ports, snapshotted (2026-06-25's `ports`; the default one is the URL's).
    pub ports: Vec<Port>,
    pub user: Option<String>,
    pub name: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub paid_through: Option<i64>,
    pub past_due: bool,
    pub created: i64,
    /// What the current prepaid day cost; a 2026-06-25 delete refunds from this.
    pub day_paid_micros: i64,
    pub budget: Budget,
    pub status_reason: Option<StatusReason>,
    pub kind: InstanceType,
    pub env: Option<Map<String, Value>>,
    pub auto_sleep: bool,
    pub idle_timeout: i64,
    /// When it fell asleep (shown only while `sleeping`/`waking`).
    pub slept_at: Option<i64>,
    /// While the sleep checkpoint is written: `slept_at` reads null, stop/start are `try_again`.
    pub checkpoint_until: Option<i64>,
    /// End of a slow wake.
    pub wake_until: Option<i64>,
    /// Last plane activity (or boot, or enabling PATCH): the idle timer's start.
    pub last_activity: i64,
    /// Read-only copies of what the store keeps: when the current run began, the first run,
    /// and closed running periods (for metrics).
    pub running_since: Option<i64>,
    pub first_run: Option<i64>,
    pub runs: Vec<(i64, i64)>,
    pub extra: Extra,
}

/// The SHA-256 of a string as `sha256:<hex>` (digests of registry refs and uploads).
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// The 2026-06-25 `image_ref` of a build-born image, which has none: a reference that passes
/// that revision's format rule.
pub fn build_image_ref(workspace: &str, template: &str, digest: Option<&str>) -> String {
    let ws = hex::encode(&Sha256::digest(workspace.as_bytes())[..6]);
    let digest =
        digest.unwrap_or("sha256:0000000000000000000000000000000000000000000000000000000000000000");
    format!("builds.agent37.internal/{ws}/{template}@{digest}")
}

impl Instance {
    /// The 2026-06-25 URL of `port`, on the emulator itself.
    pub fn port_url(&self, base_url: &str, port: i64) -> String {
        format!("{base_url}/_instances/{}/{port}", self.id)
    }

    /// The port the bare URL routes to: the template's default port, else 3737.
    pub fn default_port(&self) -> i64 {
        self.ports
            .iter()
            .find(|p| p.default)
            .map_or(3737, |p| p.port)
    }

    /// `template` as 2026-08-21 shows it: with its pin.
    pub fn template_ref(&self) -> String {
        match &self.pin {
            Some(v) => format!("{}@{v}", self.template),
            None => self.template.clone(),
        }
    }

    pub fn image_ref_v1(&self) -> String {
        match &self.image_ref {
            Some(r) => r.clone(),
            None => build_image_ref(
                &self.workspace,
                &self.template,
                self.image_digest.as_deref(),
            ),
        }
    }

    /// Ports the fake container serves (8.3).
    pub fn listens(&self, port: i64) -> bool {
        port == self.default_port()
            || self.ports.iter().any(|p| p.port == port)
            || self.extra.listen.contains(&port)
    }

    /// Whether a container was ever made: it has run, or a failed create left an exited one.
    pub fn has_container(&self) -> bool {
        self.first_run.is_some() || self.extra.exit_code.is_some()
    }

    pub fn checkpointing(&self, now: i64) -> bool {
        self.status == Status::Sleeping && self.checkpoint_until.is_some_and(|c| c > now)
    }

    /// What the 2026-08-21 meter charges for this instance now.
    pub fn meter_rate(&self) -> MeterRate {
        meter_rate(self.status, self.past_due, self.first_run.is_some())
    }

    pub fn to_json(
        &self,
        r: &Render,
        public_ports: &[PublicPort],
        domains: &[String],
        now: i64,
    ) -> Value {
        if r.rev.is_v2() {
            self.to_json_v2(r, public_ports, domains, now)
        } else {
            self.to_json_v1(&r.base_url)
        }
    }

    pub fn to_json_v1(&self, base_url: &str) -> Value {
        let ports: Vec<Value> = self
            .ports
            .iter()
            .map(|p| json!({"port": p.port, "default": p.default, "url": self.port_url(base_url, p.port)}))
            .collect();
        json!({
            "id": self.id,
            "status": self.status.as_str(),
            "template": self.template,
            "image_ref": self.image_ref_v1(),
            "resources": resources_json(self.resources),
            "ports": ports,
            "user": self.user,
            "name": self.name,
            "metadata": self.metadata,
            "paid_through": self.paid_through,
            "past_due": self.past_due,
            "created": self.created,
        })
    }

    fn to_json_v2(
        &self,
        r: &Render,
        public_ports: &[PublicPort],
        domains: &[String],
        now: i64,
    ) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("status".into(), self.status.as_str().into());
        m.insert(
            "status_reason".into(),
            self.status_reason
                .as_ref()
                .map_or(Value::Null, StatusReason::to_json),
        );
        m.insert("template".into(), self.template_ref().into());
        m.insert("template_revision".into(), json!(self.template_revision));
        m.insert("image_ref".into(), json!(self.image_ref));
        m.insert("image_digest".into(), json!(self.image_digest));
        m.insert("resources".into(), resources_json(self.resources));
        m.insert("url".into(), r.plane_url(&self.id).into());
        let domain_urls: Vec<String> = domains.iter().map(|d| r.domain_url(&self.id, d)).collect();
        m.insert("domain_urls".into(), json!(domain_urls));
        let pp: Vec<Value> = public_ports.iter().map(|p| p.to_json(r, domains)).collect();
        m.insert("public_ports".into(), Value::Array(pp));
        m.insert("user".into(), json!(self.user));
        m.insert("name".into(), json!(self.name));
        m.insert("metadata".into(), json!(self.metadata));
        m.insert("auto_sleep".into(), self.auto_sleep.into());
        m.insert("idle_timeout_seconds".into(), self.idle_timeout.into());
        if matches!(self.status, Status::Sleeping | Status::Waking) {
            let shown = if self.checkpointing(now) {
                None
            } else {
                self.slept_at
            };
            m.insert("slept_at".into(), json!(shown));
        }
        m.insert("past_due".into(), self.past_due.into());
        m.insert("created".into(), self.created.into());
        Value::Object(m)
    }

    pub fn budget_json(&self, period: &str, names: BudgetNames) -> Value {
        self.budget.rolled(period).to_json(names)
    }

    pub fn day_cost(&self) -> i64 {
        model::day_cost_micros(self.resources)
    }
}

/// The meter's rate for a status (section 5 of the 2026-08-21 delta).
pub fn meter_rate(status: Status, past_due: bool, ran: bool) -> MeterRate {
    if past_due {
        return MeterRate::Free;
    }
    match status {
        s if s.is_compute() => MeterRate::Full,
        Status::Sleeping | Status::Stopped | Status::Waking => MeterRate::Disk,
        Status::Failed if ran => MeterRate::Disk,
        _ => MeterRate::Free,
    }
}

pub fn resources_json(r: Resources) -> Value {
    json!({"cpu": r.cpu, "memory": r.memory, "disk": r.disk})
}
