//! Terraform semantics, provider-agnostic: types, values and their wire codecs, typed models
//! and schemas, diagnostics, attribute paths, generic planning; the semantic layer (`core`)
//! that applies Terraform's rules around the traits of [`traits`], and the tonic adapter
//! (`server`) that serves it over tfplugin6. Nothing here knows about agent37.

pub mod convert;
pub mod core;
pub mod diag;
pub mod dispatch;
pub mod duration;
pub mod json;
pub mod model;
pub mod msgpack;
pub mod path;
pub mod plan;
pub mod raw_state;
pub mod schema;
pub mod server;
pub mod timeouts;
pub mod traits;
pub mod types;
pub mod validate;
pub mod value;

pub use diag::Diagnostics;
pub use model::{Attr, Model, Object, PrivateState};
pub use path::Path;
pub use raw_state::RawState;
pub use schema::{Attribute, Nesting, Schema};
pub use server::Server;
pub use traits::{
    Action, Create, Ctx, DataSource, Delete, EphemeralResource, Function, Identity, ListResource,
    Listed, Opened, Outcome, Plan, Progress, Provider, Read, Resource, Update,
};
pub use types::Type;
pub use value::Value;
