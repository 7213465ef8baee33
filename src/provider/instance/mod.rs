//! Placeholder until the module lands: registers nothing.

use std::sync::Arc;

use super::Agent37Data;
use crate::sdk::{DataSource, Resource};

pub fn resources() -> Vec<Arc<dyn Resource<Agent37Data>>> {
    Vec::new()
}

pub fn data_sources() -> Vec<Arc<dyn DataSource<Agent37Data>>> {
    Vec::new()
}
