//! Budgets: the `agent37_budget` resource (one per instance: monthly cap and one-time top-up
//! headroom) and the `agent37_budget` / `agent37_usage` data sources.
//!
//! - `schema`: the typed models (their schemas, declared once; docs are generated from them).
//! - `model`: API → models, the private state, the top-up decisions (pure).
//! - `resource`, `data_source`: the trait implementations (I/O only).

mod data_source;
mod model;
mod resource;
mod schema;

/// The instance id format, shared with the instance actions and the signed URL.
pub(crate) use schema::instance_id_rule;

use std::sync::Arc;

use super::Agent37Data;
use crate::sdk::traits::{DynDataSource, DynResource};

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![Arc::new(resource::BudgetResource)]
}

pub fn data_sources() -> Vec<Arc<dyn DynDataSource<Agent37Data>>> {
    vec![
        Arc::new(data_source::BudgetDataSource),
        Arc::new(data_source::UsageDataSource),
    ]
}
