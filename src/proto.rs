//! Generated gRPC code for the protocols this provider speaks (see `proto/`).
//!
//! - [`tfplugin6`]: Terraform's provider protocol, version 6 (the `Provider`
//!   service, its messages, and client/server stubs).
//! - [`plugin`]: go-plugin's host services (`GRPCController`, `GRPCStdio`,
//!   `GRPCBroker`).
//!
//! Every RPC of the generated server traits has a default body answering
//! `UNIMPLEMENTED`, so implementations override only what they support.

/// Terraform plugin protocol 6 (package `tfplugin6`).
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    rustdoc::all,
    unreachable_pub
)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's own services (package `plugin`).
#[allow(
    clippy::all,
    clippy::pedantic,
    missing_docs,
    rustdoc::all,
    unreachable_pub
)]
pub mod plugin {
    tonic::include_proto!("plugin");
}
