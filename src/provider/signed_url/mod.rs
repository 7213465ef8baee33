//! `agent37_signed_url`: an ephemeral resource minting a browser URL for an instance port.
//! The URL carries a bearer token, so it must never land in plan or state: an ephemeral
//! resource is the only honest home for it.

mod ephemeral;
mod schema;

use std::sync::Arc;

use super::Agent37Data;
use crate::sdk::traits::DynEphemeralResource;

pub fn ephemeral_resources() -> Vec<Arc<dyn DynEphemeralResource<Agent37Data>>> {
    vec![Arc::new(ephemeral::SignedUrlResource)]
}
