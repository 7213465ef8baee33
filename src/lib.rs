//! terraform-provider-agent37: a tfplugin6 provider for Agent37, written without a provider
//! framework.
//!
//! Layers (dependencies point one way): `main` wires `plugin` (the go-plugin host) to `sdk`
//! (the tfplugin6 server); both sit on `proto`, neither imports the other. `provider` → `sdk`,
//! `provider` → `api`; `sdk` and `api` → `timing` (per-RPC accounting of time spent waiting on
//! the API). See ARCHITECTURE.md for the map.

// The SDK's derive names the SDK by this crate's name, inside the crate as well as outside.
extern crate self as agent37_provider;

pub mod api;
pub mod plugin;
pub mod proto;
pub mod provider;
pub mod sdk;
pub mod timing;
