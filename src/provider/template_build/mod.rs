//! Cloud template builds (API revision 2026-08-21): the `agent37_template_build` resource.
//! The API cannot list builds, so there is no list resource or plural data source.
//!
//! - `context`: the folder as a deterministic gzipped tar and its hash.
//! - `schema`: the typed model (its schema, declared once), the static rules as validators.
//! - `model`: the plan, the state from the API, poll verdicts, the log tail (pure).
//! - `resource`: the I/O.

pub mod context;
mod model;
mod resource;
pub mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::sdk::traits::DynResource;

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![Arc::new(resource::TemplateBuildResource)]
}
