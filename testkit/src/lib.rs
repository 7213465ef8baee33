//! The project's test harness, shared by the acceptance tests (`tests/`), the emulator's contract
//! tests (`emulator/tests/`) and `cargo xtask` (demo, bench, setup): one of each tool, so a fix
//! or a new capability lands everywhere at once.
//!
//! - [`Emulator`]: the emulator binary as a child process on a free loopback port (or a port and
//!   database of the caller's choosing), with its API and control surface as a client.
//! - [`http`]: a blocking HTTP/1.1 client over `TcpStream`, loopback only.
//! - [`Terraform`]: real Terraform (1.15 or 1.11, from `cargo xtask setup`) in a directory, with
//!   the provider of this build; [`Plan`], [`Validation`] and [`Diagnostic`] read its JSON.
//! - [`Case`] and [`Step`]: the step DSL of the acceptance tests (every applied step is followed
//!   by a plan that must be empty), import-and-verify, check-destroy; [`matrix!`] runs one
//!   scenario under several Terraform versions and API revisions.
//! - [`hcl`]: HCL string literals, values and CLI configurations.
//! - `plugin` (feature `plugin`): a stand-in for Terraform's go-plugin client.
//! - `tls_server` (feature `tls`): a throwaway CA and a TLS server on loopback.
//!
//! It shares no code with the provider's API client or with the emulator: the three are
//! independent readings of the contract that meet on the wire.
//!
//! Terraform tests need what `cargo xtask test` sets: `AGENT37_TF_1_15`, `AGENT37_TF_1_11`
//! (launchers), `AGENT37_PROVIDER_DIR` and `AGENT37_EMULATOR_BIN`; without them they fail saying so.

pub mod case;
pub mod emulator;
pub mod hcl;
pub mod http;
mod matrix;
pub mod paths;
#[cfg(feature = "plugin")]
pub mod plugin;
pub mod process;
pub mod terraform;
#[cfg(feature = "tls")]
pub mod tls_server;
pub mod version;

pub use case::{Case, Diag, Expect, Outcome, Step};
pub use emulator::Emulator;
pub use http::Response;
pub use paths::workspace_root;
pub use process::Output;
pub use terraform::{Diagnostic, Plan, Terraform, Validation, Workdir};
pub use version::{ApiRevision, Matrix, TfVersion};

/// What a test file needs: `use testkit::prelude::*;`.
pub mod prelude {
    pub use crate::case::{Case, Diag, Outcome, Step};
    pub use crate::emulator::Emulator;
    pub use crate::hcl::{self, config, provider_config};
    pub use crate::matrix;
    pub use crate::terraform::{Diagnostic, Plan, Terraform, Validation, Workdir};
    pub use crate::version::{ApiRevision, Matrix, TfVersion};
    pub use serde_json::{Value, json};
}
