//! Templates: the `agent37_template` resource (workspace templates: a named image and the ports
//! it serves) and the `agent37_template` / `agent37_templates` data sources (system and workspace
//! templates alike).
//!
//! - `schema`: the typed models (their schemas, declared once), with the static rules of the
//!   contract as validators.
//! - `model`: pure conversions API → models, request bodies, and the rules themselves.
//! - `resource`: the resource's I/O.
//! - `data_source`: the data sources' I/O.
//! - `list`: the `agent37_template` list resource of `terraform query` (Terraform ≥ 1.14).

mod data_source;
mod list;
mod model;
pub mod planned;
mod resource;
pub mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::provider::list::ListOf;
use crate::sdk::traits::{DynDataSource, DynListResource, DynResource};

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![Arc::new(resource::TemplateResource)]
}

pub fn data_sources() -> Vec<Arc<dyn DynDataSource<Agent37Data>>> {
    vec![
        Arc::new(data_source::TemplateDataSource),
        Arc::new(data_source::TemplatesDataSource),
    ]
}

pub fn list_resources() -> Vec<Arc<dyn DynListResource<Agent37Data>>> {
    vec![Arc::new(ListOf::<_, schema::TemplateFilter, _>::new(
        "agent37_template",
        schema::LIST,
        list::listed,
    ))]
}
