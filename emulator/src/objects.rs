//! The stored objects (workspace, instance, workspace template) and their wire rendering.

use serde_json::{Map, Value, json};

use crate::model::{self, Budget, BudgetNames, Port, Resources, Status, Tier};

#[derive(Debug, Clone)]
pub struct Workspace {
    pub api_key: String,
    pub tier: Tier,
    pub wallet_micros: i64,
    /// `None` follows the tier's default.
    pub instance_limit: Option<i64>,
    pub created: i64,
}

impl Workspace {
    pub fn effective_limit(&self) -> i64 {
        self.instance_limit
            .unwrap_or_else(|| self.tier.default_instance_limit())
    }

    pub fn to_json(&self, instances: i64) -> Value {
        json!({
            "api_key": self.api_key,
            "tier": self.tier.as_str(),
            "wallet_micros": self.wallet_micros,
            "instance_limit": self.effective_limit(),
            "instance_limit_override": self.instance_limit,
            "instances": instances,
            "created": self.created,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub id: String,
    /// Insertion order, to list newest first even within one second.
    pub seq: i64,
    pub workspace: String,
    pub status: Status,
    pub template: String,
    pub image_ref: String,
    /// The agent the health endpoint names, snapshotted from the template at create.
    pub agent: String,
    pub resources: Resources,
    pub ports: Vec<Port>,
    pub user: Option<String>,
    pub name: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub paid_through: Option<i64>,
    pub past_due: bool,
    pub created: i64,
    /// What the current prepaid day cost; a delete refunds from this.
    pub day_paid_micros: i64,
    pub budget: Budget,
}

impl Instance {
    /// The instance's URL for `port`, served by the emulator itself.
    pub fn port_url(&self, base_url: &str, port: i64) -> String {
        format!("{base_url}/_instances/{}/{port}", self.id)
    }

    pub fn to_json(&self, base_url: &str) -> Value {
        let ports: Vec<Value> = self
            .ports
            .iter()
            .map(|p| json!({"port": p.port, "default": p.default, "url": self.port_url(base_url, p.port)}))
            .collect();
        json!({
            "id": self.id,
            "status": self.status.as_str(),
            "template": self.template,
            "image_ref": self.image_ref,
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

    pub fn budget_json(&self, period: &str, names: BudgetNames) -> Value {
        self.budget.rolled(period).to_json(names)
    }

    pub fn day_cost(&self) -> i64 {
        model::day_cost_micros(self.resources)
    }
}

pub fn resources_json(r: Resources) -> Value {
    json!({"cpu": r.cpu, "memory": r.memory, "disk": r.disk})
}

#[derive(Debug, Clone)]
pub struct WorkspaceTemplate {
    pub name: String,
    pub image_ref: String,
    pub description: Option<String>,
    pub ports: Vec<Port>,
    pub created: i64,
    pub updated: i64,
}

impl WorkspaceTemplate {
    pub fn to_json(&self) -> Value {
        json!({
            "name": self.name,
            "scope": "workspace",
            "agents": [],
            "image_ref": self.image_ref,
            "description": self.description,
            "ports": model::ports_to_json(&self.ports),
            "created": self.created,
            "updated": self.updated,
        })
    }
}

/// A system template rendered with its current image (which the control surface can move).
pub fn system_template_json(t: &model::SystemTemplate, image_ref: &str) -> Value {
    json!({
        "name": t.name,
        "scope": "system",
        "agents": [t.agent],
        "image_ref": image_ref,
        "description": t.description,
        "ports": model::ports_to_json(&t.ports()),
        "created": null,
        "updated": null,
    })
}
