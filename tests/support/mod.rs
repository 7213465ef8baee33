//! Shared helpers of the integration tests: the emulator as a child process, real Terraform in a
//! directory per test, and a tiny HTTP client.
//!
//! Use from a test file in `tests/` with `mod support;` then `use support::*;`. Run the tests
//! with `cargo xtask test`: it installs Terraform and sets `AGENT37_TF_1_15`, `AGENT37_TF_1_11`,
//! `AGENT37_PROVIDER_DIR` and `AGENT37_EMULATOR_BIN`.

// Every test file compiles its own copy and uses only part of it.
#![allow(dead_code, unused_imports)]

pub mod emulator;
pub mod http;
pub mod process;
pub mod terraform;

pub use emulator::Emulator;
pub use http::Response;
pub use process::Output;
pub use terraform::{Diagnostic, Plan, Terraform, TfVersion, Validation, Workdir};

use std::path::PathBuf;

/// The workspace root (the root package is the provider, so its manifest dir is the root).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}
