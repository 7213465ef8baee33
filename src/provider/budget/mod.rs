//! Budgets: the `agent37_budget` resource (one per instance: monthly cap and one-time credit),
//! its list resource, and the `agent37_budget` / `agent37_budgets` / `agent37_usage` data
//! sources.
//!
//! - `schema`: the typed models (their schemas, declared once; docs are generated from them).
//! - `model`: API → models (pure).
//! - `credit`: the private state and the credit decisions (pure).
//! - `owners`: which resource object last wrote each budget in this process.
//! - `fleet`: the budgets of many instances (the plural data source and the list).
//! - `resource`, `data_source`, `list`: the trait implementations (I/O only).

mod credit;
mod data_source;
mod fleet;
mod list;
mod model;
mod owners;
mod resource;
mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::sdk::traits::{DynDataSource, DynListResource, DynResource};

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![Arc::new(resource::BudgetResource)]
}

pub fn data_sources() -> Vec<Arc<dyn DynDataSource<Agent37Data>>> {
    vec![
        Arc::new(data_source::BudgetDataSource),
        Arc::new(data_source::BudgetsDataSource),
        Arc::new(data_source::UsageDataSource),
    ]
}

pub fn list_resources() -> Vec<Arc<dyn DynListResource<Agent37Data>>> {
    vec![Arc::new(list::BudgetList)]
}
