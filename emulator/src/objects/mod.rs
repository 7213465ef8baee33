//! The stored objects and their wire rendering under each revision: workspaces here,
//! instances in `instance`, templates in `template`, the 2026-08-21 objects in `extras`.

mod build;
mod extras;
mod instance;
mod template;

pub use build::*;
pub use extras::*;
pub use instance::*;
pub use template::*;

use serde_json::{Value, json};

use crate::model::{Revision, Tier, ladder_cap, tier_of};

#[derive(Debug, Clone)]
pub struct Workspace {
    pub api_key: String,
    /// Total top-ups ever (the $1 signup credit excluded): the tier and the cap ladder.
    pub topups_total: i64,
    pub wallet_micros: i64,
    /// `None` follows the tier's (2026-06-25) or the ladder's (2026-08-21) cap.
    pub instance_limit: Option<i64>,
    pub created: i64,
    pub shared_enabled: bool,
    /// Addresses or CIDR blocks; empty = any caller.
    pub ip_allowlist: Vec<String>,
    /// A settle left the wallet negative; cleared by a top-up.
    pub suspended: bool,
}

impl Workspace {
    pub fn tier(&self) -> Tier {
        tier_of(self.topups_total)
    }

    pub fn effective_limit(&self, rev: Revision) -> i64 {
        self.instance_limit.unwrap_or_else(|| {
            if rev.is_v2() {
                ladder_cap(self.topups_total)
            } else {
                self.tier().default_instance_limit()
            }
        })
    }

    pub fn to_json(&self, instances: i64, rev: Revision) -> Value {
        json!({
            "api_key": self.api_key,
            "tier": self.tier().as_str(),
            "wallet_micros": self.wallet_micros,
            "instance_limit": self.effective_limit(rev),
            "instance_limit_override": self.instance_limit,
            "instances": instances,
            "created": self.created,
            "topups_total_micros": self.topups_total,
            "shared_enabled": self.shared_enabled,
            "ip_allowlist": self.ip_allowlist,
            "instance_cap": self.effective_limit(rev),
            "suspended": self.suspended,
        })
    }
}

/// Everything an instance's rendering needs besides the row: the revision and where the
/// emulator's URLs point.
#[derive(Debug, Clone)]
pub struct Render {
    pub rev: Revision,
    /// `http://HOST:PORT` of the API (2026-06-25 instance URLs hang off it).
    pub base_url: String,
    /// Host suffix of 2026-08-21 plane URLs (`localhost`).
    pub plane_host: String,
    /// The emulator's port, which every plane URL carries.
    pub port: u16,
}

impl Render {
    /// `http://{label}.{plane_host}:{port}`.
    pub fn plane_url(&self, label: &str) -> String {
        format!("http://{label}.{}:{}", self.plane_host, self.port)
    }

    /// `http://{label}.{domain}:{port}`: a label under an active custom domain.
    pub fn domain_url(&self, label: &str, domain: &str) -> String {
        format!("http://{label}.{domain}:{}", self.port)
    }
}
