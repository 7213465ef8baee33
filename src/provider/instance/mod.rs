//! `agent37_instance` (resource), and the data sources `agent37_instance`, `agent37_instances`
//! and `agent37_instance_urls`.
//!
//! - `model`: the resource's typed state (its schema, declared once, with the docs) and the
//!   pure decisions on it (validators, planning, update steps, API ↔ state).
//! - `shape`: the shape table and the validators of `cpu`, `memory` and `disk` (pure).
//! - `sizing`: the rules across the three: configuration checks and their plan (pure).
//! - `schema`: the data sources' models (what users read, with the docs) and API → model.
//! - `resource`, `data_source`: the I/O.
//! - `blame`: which attribute an API failure is about (pure).
//! - `auto_update`: whether the instance is behind its template, the planned pull and the
//!   private state that carries it to apply (pure).
//! - `computed`: which computed values an update's plan keeps or leaves unknown (pure).
//! - `default_metadata`: the provider's `default_metadata` merged into `metadata_all` (pure).
//! - `defaults`: static defaults on removal, and the resources a create plans (pure).
//! - `lookup`: the plan-time look-up of a workspace template and its error (pure).
//! - `attention`: the warnings of a refresh that finds a failed or past-due instance (pure).
//! - `health`: waiting for a healthy instance, shared by the resource and the actions.
//! - `additions`: what API revision 2026-08-21 adds to the resource (environment, `type`,
//!   auto-sleep, the new read-only fields): a flattened part of its state, its plan (pure).
//! - `action`: the actions `agent37_instance_exec`, `agent37_instance_restart` and
//!   `agent37_instance_update` (Terraform ≥ 1.14).
//! - `power`: the actions `agent37_instance_start` and `agent37_instance_stop`.
//! - `list`: the `agent37_instance` list resource of `terraform query` (Terraform ≥ 1.14).

mod action;
mod additions;
mod attention;
mod auto_update;
mod blame;
mod computed;
mod data_source;
mod default_metadata;
mod defaults;
mod health;
mod list;
mod lookup;
pub mod model;
mod power;
mod resource;
pub mod schema;
pub mod shape;
pub mod sizing;

use std::sync::Arc;

use super::Agent37Data;
use crate::provider::list::ListOf;
use crate::sdk::traits::{DynAction, DynDataSource, DynListResource, DynResource};

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![Arc::new(resource::InstanceResource)]
}

pub fn data_sources() -> Vec<Arc<dyn DynDataSource<Agent37Data>>> {
    vec![
        Arc::new(data_source::InstanceDataSource),
        Arc::new(data_source::InstancesDataSource),
        Arc::new(data_source::InstanceUrlsDataSource),
    ]
}

pub fn actions() -> Vec<Arc<dyn DynAction<Agent37Data>>> {
    vec![
        Arc::new(action::ExecAction),
        Arc::new(action::RestartAction),
        Arc::new(action::UpdateAction),
        Arc::new(power::StartAction),
        Arc::new(power::StopAction),
    ]
}

pub fn list_resources() -> Vec<Arc<dyn DynListResource<Agent37Data>>> {
    vec![Arc::new(ListOf::<_, schema::InstanceFilters, _>::new(
        "agent37_instance",
        list::DESCRIPTION,
        list::listed,
    ))]
}
