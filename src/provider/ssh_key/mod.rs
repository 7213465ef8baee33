//! SSH keys (API revision 2026-08-21): the `agent37_ssh_key` resource, the `agent37_ssh_key`
//! and `agent37_ssh_keys` data sources and the `agent37_ssh_key` list resource.
//!
//! - `key`: OpenSSH public key lines and their fingerprints (pure).
//! - `schema`: the typed models (their schemas, declared once), the static rules as validators.
//! - `model`: pure conversions API → models, the create body, the plan.
//! - `resource`, `data_source`, `list`: the I/O.

mod data_source;
pub mod key;
mod list;
mod model;
mod resource;
pub mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::provider::list::ListOf;
use crate::sdk::traits::{DynDataSource, DynListResource, DynResource};

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![Arc::new(resource::SshKeyResource)]
}

pub fn data_sources() -> Vec<Arc<dyn DynDataSource<Agent37Data>>> {
    vec![
        Arc::new(data_source::SshKeyDataSource),
        Arc::new(data_source::SshKeysDataSource),
    ]
}

pub fn list_resources() -> Vec<Arc<dyn DynListResource<Agent37Data>>> {
    vec![Arc::new(ListOf::<_, schema::SshKeyFilter, _>::new(
        resource::TYPE,
        schema::LIST,
        list::listed,
    ))]
}
