//! The emulator's contract tests, in process: the library's service driven with `oneshot`
//! (see `harness.rs`). One test binary; what needs a real socket is in `tests/process.rs`.

#[macro_use]
mod harness;

mod budgets;
mod concurrency;
mod control;
mod faults;
mod instances;
mod lifecycle;
mod plane;
mod revisions;
mod templates;
mod v2_billing;
mod v2_builds;
mod v2_control;
mod v2_instances;
mod v2_lifecycle;
mod v2_objects;
mod v2_templates;
