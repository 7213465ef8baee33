//! App integrations (API revision 2026-08-21, contract 7.6): the `agent37_instance_integration`
//! resource (a managed Composio connection of an instance, finished by a person at its
//! redirect URL) and its list resource.
//!
//! - `schema`: the typed models (their schemas, declared once), the static rules as validators.
//! - `model`: pure conversions API → models (milliseconds → seconds), the connect body, import
//!   ids, the wait's verdicts, which connection an ambiguous connect made.
//! - `resource`, `list`: the I/O.

mod list;
mod model;
mod resource;
pub mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::sdk::traits::{DynListResource, DynResource};

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![Arc::new(resource::IntegrationResource)]
}

pub fn list_resources() -> Vec<Arc<dyn DynListResource<Agent37Data>>> {
    vec![Arc::new(list::IntegrationList)]
}
