//! Public ports (API revision 2026-08-21): the `agent37_instance_public_port` resource, the
//! `agent37_instance_public_ports` data source and the list resource.
//!
//! - `schema`: the typed models (their schemas, declared once), the static rules as validators.
//! - `model`: pure conversions API → models, the create body, import ids, conflicts.
//! - `resource`, `data_source`, `list`: the I/O.

mod data_source;
mod list;
mod model;
mod resource;
pub mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::sdk::traits::{DynDataSource, DynListResource, DynResource};

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![Arc::new(resource::PublicPortResource)]
}

pub fn data_sources() -> Vec<Arc<dyn DynDataSource<Agent37Data>>> {
    vec![Arc::new(data_source::PublicPortsDataSource)]
}

pub fn list_resources() -> Vec<Arc<dyn DynListResource<Agent37Data>>> {
    vec![Arc::new(list::PublicPortList)]
}
