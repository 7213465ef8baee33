//! `agent37_instance` (resource), and the data sources `agent37_instance`, `agent37_instances`
//! and `agent37_instance_urls`.
//!
//! - `schema`: what users write and read (with the docs).
//! - `model`: pure decisions (shapes, validation, planning, update steps, API ↔ values).
//! - `resource`, `data_source`: the I/O.

mod data_source;
pub mod model;
mod resource;
pub mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::sdk::{DataSource, Resource};

pub fn resources() -> Vec<Arc<dyn Resource<Agent37Data>>> {
    vec![Arc::new(resource::InstanceResource)]
}

pub fn data_sources() -> Vec<Arc<dyn DataSource<Agent37Data>>> {
    vec![
        Arc::new(data_source::InstanceData),
        Arc::new(data_source::InstancesData),
        Arc::new(data_source::InstanceUrlsData),
    ]
}
