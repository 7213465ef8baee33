//! Fuzzing of everything in the provider that reads bytes it did not write: Terraform's
//! msgpack and JSON values, type specs, configuration (validators, provider settings,
//! timeouts), state upgrades, API answers, and configuration strings; and the emulator's own
//! request parsing, driven in process under both API revisions.
//!
//! It runs on the stable toolchain, without libFuzzer: a mutational fuzzer with
//! structure-aware generation (values of the provider's real schemas, encoded by the SDK) and
//! outcome feedback (inputs that lead to a new error or value shape become seeds). Run it with
//! `cargo xtask fuzz --seconds N [--target T]`; see `fuzz/README.md`.

pub mod driver;
pub mod emulator;
pub mod generate;
pub mod mutate;
pub mod schemas;
pub mod seeds;
pub mod targets;

use std::path::PathBuf;

/// `fuzz/corpus`: one directory of committed seeds per target.
pub fn corpus_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// `fuzz/artifacts`: crashing inputs (not committed).
pub fn artifacts_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts")
}
