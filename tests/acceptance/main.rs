//! The acceptance tests: real Terraform (1.15 and 1.11) with the provider of this build, against
//! the emulator (or a fake API where the emulator cannot misbehave the way a test needs),
//! asserting on the emulator's state, the plans' actions and the exact diagnostics.
//!
//! One test binary, one module per area, all on `testkit` (its step DSL: every applied step is
//! followed by a plan that must be empty unless the step says why not). Each scenario is a
//! function `fn name(m: Matrix)` with a `matrix!(name)` line that makes its tests
//! (`instance::lifecycle::tf_1_15`, `…::tf_1_11`); add `; api_2026_06_25, api_2026_08_21` to
//! that line to run it under both API revisions.
//!
//! Run with `cargo xtask test` (it installs Terraform and sets the variables these tests need),
//! one area with `cargo xtask test -- instance::`, one scenario with
//! `cargo xtask test -- instance::lifecycle::tf_1_15`.

mod budget;
mod common;
mod domain;
mod harness;
mod instance;
mod instance_added;
mod instance_file;
mod integration;
mod newer;
mod observe;
mod provider;
mod public_port;
mod refresh;
mod reliability;
mod revisions;
mod scenarios;
mod sdk;
mod security;
mod semantics;
mod signed_url;
mod ssh_key;
mod surface;
mod template;
mod template_build;
mod template_revisions;
mod validation;
