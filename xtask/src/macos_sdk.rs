//! Linking macOS binaries without Apple's SDK.
//!
//! Everything in the provider compiles for macOS with Zig alone, except the link of the two
//! frameworks the TLS stack's platform verifier (`rustls-platform-verifier`, through reqwest)
//! calls: `Security` and `CoreFoundation`. A linker needs, for each, only what the SDK's
//! text stub (`.tbd`) says: the install name the binary will load at run time and the symbols it
//! exports. Those are facts about the operating system, and the symbols the provider can
//! reference are exactly the ones its `-sys` crates declare in their `extern "C"` blocks: those
//! crates link only that framework, so every name they declare is that framework's.
//!
//! So this writes a two-framework "SDK" from the `-sys` crates in the dependency graph:
//!
//! ```text
//! <dir>/System/Library/Frameworks/Security.framework/Security.tbd
//! <dir>/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation.tbd
//! ```
//!
//! and cargo-zigbuild gets it as `SDKROOT`. At run time dyld binds those names in the real
//! frameworks, as for a binary linked with the SDK. A name the stub lists but the binary does not
//! use costs nothing; a name the binary uses must be declared by the crate that calls it, which
//! the crates' own native builds check. The compatibility version is left at the default
//! (1.0.0), the lowest, so dyld never refuses the real framework as too old.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::util;

/// A framework, the crate that declares its functions, and the library's path on macOS.
struct Framework {
    name: &'static str,
    sys_crate: &'static str,
}

const FRAMEWORKS: [Framework; 2] = [
    Framework {
        name: "Security",
        sys_crate: "security-framework-sys",
    },
    Framework {
        name: "CoreFoundation",
        sys_crate: "core-foundation-sys",
    },
];

/// Writes the stubs under `dir` (rewritten only when they change); returns `dir` for SDKROOT.
pub fn ensure(dir: &Path) -> Result<PathBuf, String> {
    let manifests = sys_crate_manifests()?;
    for framework in FRAMEWORKS {
        let manifest = manifests
            .iter()
            .find(|path| {
                crate_dir_name(path).is_some_and(|n| is_version_of(n, framework.sys_crate))
            })
            .ok_or_else(|| {
                format!(
                    "{} is not in the dependency graph for macOS: the framework stubs need it",
                    framework.sys_crate
                )
            })?;
        let src = manifest
            .parent()
            .map(|p| p.join("src"))
            .ok_or_else(|| format!("{} has no directory", manifest.display()))?;
        let mut symbols = Vec::new();
        for file in rust_files(&src)? {
            let text = fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            symbols.extend(extern_names(&text));
        }
        symbols.sort();
        symbols.dedup();
        if symbols.is_empty() {
            return Err(format!("{} declares no symbols", src.display()));
        }
        let stub = tbd(framework.name, &symbols);
        let path = dir
            .join("System/Library/Frameworks")
            .join(format!("{}.framework", framework.name))
            .join(format!("{}.tbd", framework.name));
        util::write_if_changed(&path, stub.as_bytes())?;
    }
    Ok(dir.to_path_buf())
}

/// The manifests of every package cargo resolves for macOS (from `cargo metadata`).
fn sys_crate_manifests() -> Result<Vec<PathBuf>, String> {
    let out = util::cargo()
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
            "aarch64-apple-darwin",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo metadata: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "cargo metadata failed ({})",
            util::exit_text(out.status)
        ));
    }
    let json = String::from_utf8_lossy(&out.stdout);
    Ok(json_string_values(&json, "manifest_path")
        .into_iter()
        .map(PathBuf::from)
        .collect())
}

/// The values of every `"key":"..."` pair (cargo writes compact JSON; paths have no quotes,
/// and backslashes only on Windows, where they arrive doubled).
fn json_string_values(json: &str, key: &str) -> Vec<String> {
    let needle = format!("\"{key}\":\"");
    json.match_indices(&needle)
        .filter_map(|(at, _)| {
            let rest = &json[at + needle.len()..];
            rest.find('"').map(|end| rest[..end].replace("\\\\", "\\"))
        })
        .collect()
}

/// `security-framework-sys-2.17.0` for `.../security-framework-sys-2.17.0/Cargo.toml`.
fn crate_dir_name(manifest: &Path) -> Option<&str> {
    manifest.parent()?.file_name()?.to_str()
}

/// Whether a registry directory name is `<name>-<version>` (not `<name>-other-crate-...`).
fn is_version_of(dir_name: &str, name: &str) -> bool {
    dir_name
        .strip_prefix(name)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|version| version.starts_with(|c: char| c.is_ascii_digit()))
}

fn rust_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The functions and statics declared inside `extern "C" { ... }` blocks of a Rust file.
fn extern_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut depth: Option<i32> = None;
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or("");
        if depth.is_none() && code.contains("extern \"C\"") && code.contains('{') {
            depth = Some(0);
        }
        let Some(d) = depth.as_mut() else {
            continue;
        };
        let words: Vec<&str> = code
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        for (i, word) in words.iter().enumerate() {
            let name = match *word {
                "fn" => words.get(i + 1),
                "static" if words.get(i + 1) == Some(&"mut") => words.get(i + 2),
                "static" => words.get(i + 1),
                _ => None,
            };
            if let Some(name) = name {
                names.push(name.to_string());
            }
        }
        *d += code.matches('{').count() as i32 - code.matches('}').count() as i32;
        if *d <= 0 && code.contains('}') {
            depth = None;
        }
    }
    names
}

/// A text stub (TAPI v4) for both macOS architectures.
fn tbd(framework: &str, symbols: &[String]) -> String {
    let targets = "[ x86_64-macos, arm64-macos ]";
    let list: Vec<String> = symbols.iter().map(|s| format!("_{s}")).collect();
    format!(
        "--- !tapi-tbd\n\
         # Written by cargo xtask from the extern declarations of the provider's dependencies\n\
         # (xtask/src/macos_sdk.rs): a link-time stand-in, not Apple's SDK.\n\
         tbd-version:     4\n\
         targets:         {targets}\n\
         install-name:    '/System/Library/Frameworks/{framework}.framework/Versions/A/{framework}'\n\
         exports:\n  \
           - targets:         {targets}\n    \
             symbols:         [ {} ]\n\
         ...\n",
        list.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extern_blocks_give_their_functions_and_statics() {
        let source = r#"
use crate::base::CFTypeRef;
pub fn helper(x: u8) -> u8 { x } // not in an extern block
extern "C" {
    pub static kSecClass: CFStringRef;
    pub static mut kCFThing: *mut CFType;
    // pub fn Commented();
    #[cfg(target_os = "macos")]
    pub fn SecTrustEvaluateWithError(trust: SecTrustRef, error: *mut CFErrorRef) -> bool;
    pub fn CFRelease(cf: CFTypeRef);
}
fn after() {}
"#;
        assert_eq!(
            extern_names(source),
            [
                "kSecClass",
                "kCFThing",
                "SecTrustEvaluateWithError",
                "CFRelease"
            ]
        );
    }

    #[test]
    fn a_stub_names_the_framework_and_underscored_symbols() {
        let text = tbd("Security", &["SecA".into(), "kSecB".into()]);
        assert!(text.contains(
            "install-name:    '/System/Library/Frameworks/Security.framework/Versions/A/Security'"
        ));
        assert!(
            text.contains("symbols:         [ _SecA, _kSecB ]"),
            "{text}"
        );
        assert!(text.starts_with("--- !tapi-tbd\n") && text.ends_with("...\n"));
    }

    #[test]
    fn registry_directories_match_only_their_crate() {
        assert!(is_version_of(
            "core-foundation-sys-0.8.7",
            "core-foundation-sys"
        ));
        assert!(!is_version_of(
            "core-foundation-0.10.1",
            "core-foundation-sys"
        ));
        assert!(!is_version_of(
            "security-framework-sys-extra-1.0",
            "security-framework-sys"
        ));
        let json = r#"{"packages":[{"manifest_path":"/r/core-foundation-sys-0.8.7/Cargo.toml","x":1},{"manifest_path":"/r/b/Cargo.toml"}]}"#;
        assert_eq!(
            json_string_values(json, "manifest_path"),
            ["/r/core-foundation-sys-0.8.7/Cargo.toml", "/r/b/Cargo.toml"]
        );
    }
}
