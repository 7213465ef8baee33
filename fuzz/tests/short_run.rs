//! The fuzz targets in the test suite: the committed corpus passes, and a short run of each
//! target (a fixed number of mutated inputs from a fixed seed, so the same work however loaded
//! the machine; longer with `AGENT37_FUZZ_SECONDS`) finds no crash. Long runs: `cargo xtask fuzz`.

use std::time::Duration;

use agent37_fuzz::driver::{self, Options};
use agent37_fuzz::targets::{self, Target};
use agent37_fuzz::{corpus_root, schemas};

fn seconds() -> u64 {
    std::env::var("AGENT37_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Mutated inputs per target in the suite: a few seconds of a quiet core for the slowest target.
const SUITE_EXECUTIONS: u64 = 3_000;

fn short_run(name: &str) {
    let target = targets::by_name(name).unwrap_or_else(|| panic!("no target {name}"));
    let artifacts = tempfile::tempdir().expect("temp dir");
    let report = driver::fuzz(
        target,
        Options {
            duration: Duration::from_secs(seconds()),
            min_executions: SUITE_EXECUTIONS,
            seed: 0x5eed,
            corpus: corpus_root().join(name),
            artifacts: artifacts.path().to_path_buf(),
            progress: None,
        },
    );
    assert!(
        report.corpus_files >= 10,
        "{name}: the committed corpus is missing ({} files)",
        report.corpus_files
    );
    assert!(
        report.executions >= report.corpus_files as u64 + SUITE_EXECUTIONS,
        "{report:?}"
    );
    assert!(
        report.crashes.is_empty(),
        "{name}: {} crash(es): {:#?}",
        report.crashes.len(),
        report.crashes
    );
}

#[test]
fn msgpack_values() {
    short_run("msgpack");
}

#[test]
fn json_values_and_state_upgrades() {
    short_run("json");
}

#[test]
fn type_specs() {
    short_run("type_spec");
}

#[test]
fn configuration_validation() {
    short_run("config");
}

#[test]
fn api_answers() {
    short_run("api");
}

#[test]
fn configuration_strings() {
    short_run("strings");
}

#[test]
fn emulator_requests_under_both_revisions() {
    short_run("emulator");
}

#[test]
fn emulator_formats() {
    short_run("emulator_formats");
}

/// The driver finds a crash and saves the input that caused it.
#[test]
fn a_crashing_target_is_caught_and_its_input_saved() {
    fn boom(input: &[u8]) -> u64 {
        if input.windows(2).any(|w| w == b"!!") {
            panic!("planted bug");
        }
        input.len() as u64
    }
    fn generate(_: &mut rand::rngs::StdRng) -> Vec<u8> {
        b"!".to_vec()
    }
    let target = Target {
        name: "planted",
        about: "",
        run: boom,
        generate,
        framed: false,
        dict: &[b"!"],
    };
    let artifacts = tempfile::tempdir().expect("temp dir");
    let report = driver::fuzz(
        target,
        Options {
            duration: Duration::ZERO,
            min_executions: 20_000,
            seed: 1,
            corpus: artifacts.path().join("no-corpus"),
            artifacts: artifacts.path().join("crashes"),
            progress: None,
        },
    );
    assert_eq!(report.crashes.len(), 1, "{report:?}");
    let (message, path) = &report.crashes[0];
    assert_eq!(message, "planted bug");
    let saved = std::fs::read(path).expect("the crashing input is saved");
    assert!(saved.windows(2).any(|w| w == b"!!"));
}

/// Every schema the provider serves is a fuzzing target of the framed decoders.
#[test]
fn every_schema_is_covered() {
    let names: Vec<&str> = schemas::all().iter().map(|e| e.name.as_str()).collect();
    for expected in [
        "provider",
        "resource.agent37_instance",
        "resource.agent37_template",
        "data.agent37_instance",
        "ephemeral.agent37_signed_url",
        "type.dynamic",
    ] {
        assert!(names.contains(&expected), "{expected} missing: {names:?}");
    }
}
