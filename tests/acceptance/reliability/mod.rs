//! Reliability under real Terraform: an interrupted apply, a fleet under injected faults, and
//! malformed API answers.

mod cancel;
mod faults;
mod malformed;
