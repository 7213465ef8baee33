//! Files on an instance's agent plane (API revision 2026-08-21): the `agent37_instance_file`
//! resource, for seeding the agent's configuration and skills. The plane's file API is the
//! emulator's **[decided]** one (the contracts describe none; see `api/types/file.rs`).
//!
//! - `schema`: the typed model, the path and content rules as validators.
//! - `model`: the configured bytes and their hash (known at plan), the plan's decision,
//!   drift, stats → state, import ids.
//! - `resource`: the I/O.

mod model;
mod resource;
pub mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::sdk::traits::DynResource;

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![Arc::new(resource::FileResource)]
}
