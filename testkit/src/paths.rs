//! Where things are: the workspace, cargo's target directory, the binaries under test.

use std::path::PathBuf;

/// The workspace root (this crate lives in `<root>/testkit`).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Cargo's target directory: `CARGO_TARGET_DIR` (relative to the root), else `<root>/target`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => workspace_root().join(dir),
        None => workspace_root().join("target"),
    }
}

/// The directory holding `terraform-provider-agent37` (and the test-only
/// `terraform-provider-sdktest`): `AGENT37_PROVIDER_DIR`, else `target/debug`.
pub fn provider_dir() -> PathBuf {
    std::env::var_os("AGENT37_PROVIDER_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug"))
}

/// The provider binary of this build.
pub fn provider_bin() -> PathBuf {
    provider_dir().join("terraform-provider-agent37")
}

/// The emulator binary: `AGENT37_EMULATOR_BIN` (set by `cargo xtask test`), else
/// `target/debug/agent37-emulator`.
pub fn emulator_bin() -> PathBuf {
    std::env::var_os("AGENT37_EMULATOR_BIN")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("debug").join("agent37-emulator"))
}
