//! `agent37_instance` (resource), and the data sources `agent37_instance`, `agent37_instances`
//! and `agent37_instance_urls`.
//!
//! - `schema`: what users write and read (with the docs).
//! - `model`: pure decisions (shapes, validation, planning, update steps, API ↔ values).
//! - `resource`, `data_source`: the I/O.
//! - `action`: the actions `agent37_instance_exec`, `agent37_instance_restart` and
//!   `agent37_instance_update` (Terraform ≥ 1.14).
//! - `list`: the `agent37_instance` list resource of `terraform query` (Terraform ≥ 1.14).

mod action;
mod data_source;
mod health;
mod list;
pub mod model;
mod resource;
pub mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::provider::list::ListOf;
use crate::sdk::traits::{DynAction, DynDataSource, DynListResource, DynResource};

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![Arc::new(resource::InstanceResource)]
}

pub fn data_sources() -> Vec<Arc<dyn DynDataSource<Agent37Data>>> {
    vec![
        Arc::new(data_source::InstanceData),
        Arc::new(data_source::InstancesData),
        Arc::new(data_source::InstanceUrlsData),
    ]
}

pub fn actions() -> Vec<Arc<dyn DynAction<Agent37Data>>> {
    vec![
        Arc::new(action::ExecAction),
        Arc::new(action::RestartAction),
        Arc::new(action::UpdateAction),
    ]
}

pub fn list_resources() -> Vec<Arc<dyn DynListResource<Agent37Data>>> {
    vec![Arc::new(ListOf::<list::Instances>::new())]
}
