//! Looking at an instance (API revision 2026-08-21): the `agent37_instance_logs` and
//! `agent37_instance_metrics` data sources.
//!
//! - `schema`: the typed models (their schemas, declared once).
//! - `model`: the API's answers → models (pure).
//! - `data_source`: the I/O.

mod data_source;
mod model;
pub mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::sdk::traits::DynDataSource;

pub fn data_sources() -> Vec<Arc<dyn DynDataSource<Agent37Data>>> {
    vec![
        Arc::new(data_source::InstanceLogsDataSource),
        Arc::new(data_source::InstanceMetricsDataSource),
    ]
}
