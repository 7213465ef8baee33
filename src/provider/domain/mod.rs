//! Custom domains (API revision 2026-08-21): the `agent37_domain` and
//! `agent37_domain_verification` resources, the `agent37_domain_verify` action, the
//! `agent37_domain` and `agent37_domains` data sources and the `agent37_domain` list resource.
//!
//! - `name`: the static rules of a domain name (pure).
//! - `schema`: the typed models (their schemas, declared once).
//! - `model`: pure conversions API → models, plans, the verification's poll schedule and
//!   messages.
//! - `resource` (the domain), `verification` (the wait for `active`), `action`,
//!   `data_source`, `list`: the I/O.

mod action;
mod data_source;
mod list;
pub(crate) mod model;
pub mod name;
mod resource;
pub mod schema;
mod verification;

use std::sync::Arc;

use super::Agent37Data;
use crate::provider::list::ListOf;
use crate::sdk::traits::{DynAction, DynDataSource, DynListResource, DynResource};

pub fn resources() -> Vec<Arc<dyn DynResource<Agent37Data>>> {
    vec![
        Arc::new(resource::DomainResource),
        Arc::new(verification::VerificationResource),
    ]
}

pub fn data_sources() -> Vec<Arc<dyn DynDataSource<Agent37Data>>> {
    vec![
        Arc::new(data_source::DomainDataSource),
        Arc::new(data_source::DomainsDataSource),
    ]
}

pub fn actions() -> Vec<Arc<dyn DynAction<Agent37Data>>> {
    vec![Arc::new(action::VerifyAction)]
}

pub fn list_resources() -> Vec<Arc<dyn DynListResource<Agent37Data>>> {
    vec![Arc::new(ListOf::<_, schema::DomainFilter, _>::new(
        resource::TYPE,
        schema::LIST,
        list::listed,
    ))]
}
