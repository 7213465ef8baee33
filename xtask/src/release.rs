//! `cargo xtask release [--from BINARY] [--out DIR]`: the files the Terraform Registry expects in
//! a release, for the platform this runs on.
//!
//! ```text
//! target/release-artifacts/
//!   terraform-provider-agent37_0.1.0_linux_amd64.zip  the binary as terraform-provider-agent37_v0.1.0
//!   terraform-provider-agent37_0.1.0_manifest.json    copy of terraform-registry-manifest.json
//!   terraform-provider-agent37_0.1.0_SHA256SUMS       `sha256sum` format: both files above
//! ```
//!
//! Names and contents are those of HashiCorp's provider scaffolding (goreleaser), including the
//! manifest's line in SHA256SUMS, which the Registry checks. Signing SHA256SUMS (`.sig`) is left
//! to the release pipeline, which holds the GPG key.
//!
//! Zipping and hashing use Python's standard library: python3 is already needed by `setup`, so
//! xtask stays std-only, and hashlib is everywhere `sha256sum` is not (macOS).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use crate::util::{self, Paths};

const PROVIDER: &str = "terraform-provider-agent37";
const MANIFEST: &str = "terraform-registry-manifest.json";

/// Writes `argv[1]` into the new zip `argv[3]` as `argv[2]`. The entry is marked as a Unix
/// regular file with mode 0755, since Terraform's unzip keeps that mode and runs the file.
/// Its date is SOURCE_DATE_EPOCH when set (reproducible archives), else the binary's mtime.
const ZIP_SCRIPT: &str = r#"
import os, shutil, sys, time, zipfile
binary, name, out = sys.argv[1:4]
epoch = os.environ.get("SOURCE_DATE_EPOCH")
stamp = int(epoch) if epoch else int(os.stat(binary).st_mtime)
info = zipfile.ZipInfo(name, time.gmtime(max(stamp, 315532800))[:6])
info.create_system = 3
info.external_attr = 0o100755 << 16
info.compress_type = zipfile.ZIP_DEFLATED
with open(binary, "rb") as src, zipfile.ZipFile(out, "w") as archive:
    with archive.open(info, "w") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
"#;

/// Prints `sha256sum`'s line (`<hex>  <file name>`) for every path argument.
const SHA256_SCRIPT: &str = r#"
import hashlib, os, sys
for path in sys.argv[1:]:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    print(digest.hexdigest() + "  " + os.path.basename(path))
"#;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Package this binary as it is instead of running `cargo build --release`.
    pub from: Option<PathBuf>,
    /// Where the artefacts go (default `target/release-artifacts`).
    pub out: Option<PathBuf>,
}

impl Options {
    /// `[--from BINARY] [--out DIR]`, each also as `--flag=VALUE`.
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options::default();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_string())),
                None => (arg.as_str(), None),
            };
            let slot = match flag {
                "--from" => &mut options.from,
                "--out" => &mut options.out,
                _ => {
                    return Err(format!(
                        "`release` does not take `{arg}` (see `cargo xtask help`)"
                    ));
                }
            };
            let value = inline
                .or_else(|| rest.next().cloned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("`{flag}` needs a path"))?;
            *slot = Some(PathBuf::from(value));
        }
        Ok(options)
    }
}

/// The file names of one release for one platform.
#[derive(Debug, PartialEq, Eq)]
struct Names {
    /// The executable inside the zip.
    binary: String,
    zip: String,
    manifest: String,
    sums: String,
}

impl Names {
    fn new(version: &str, platform: &Platform) -> Names {
        Names {
            binary: format!("{PROVIDER}_v{version}{}", platform.exe_suffix),
            zip: format!("{PROVIDER}_{version}_{}_{}.zip", platform.os, platform.arch),
            manifest: format!("{PROVIDER}_{version}_manifest.json"),
            sums: format!("{PROVIDER}_{version}_SHA256SUMS"),
        }
    }
}

/// An operating system and architecture as Terraform names them (Go's GOOS and GOARCH).
#[derive(Debug, PartialEq, Eq)]
struct Platform {
    os: &'static str,
    arch: &'static str,
    exe_suffix: &'static str,
}

impl Platform {
    fn host() -> Result<Platform, String> {
        Platform::from_rust(std::env::consts::OS, std::env::consts::ARCH)
    }

    fn from_rust(os: &str, arch: &str) -> Result<Platform, String> {
        let go_os = match os {
            "linux" => "linux",
            "macos" => "darwin",
            "windows" => "windows",
            "freebsd" => "freebsd",
            "openbsd" => "openbsd",
            _ => return Err(format!("no Terraform platform name for the OS `{os}`")),
        };
        let go_arch = match arch {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "arm" => "arm",
            _ => return Err(format!("no Terraform platform name for the CPU `{arch}`")),
        };
        let exe_suffix = if go_os == "windows" { ".exe" } else { "" };
        Ok(Platform {
            os: go_os,
            arch: go_arch,
            exe_suffix,
        })
    }
}

pub fn run(paths: &Paths, options: &Options) -> Result<ExitCode, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
    let version = package_version(&read_text(&paths.root.join("Cargo.toml"))?)?;
    let platform = Platform::host()?;
    let names = Names::new(&version, &platform);
    let manifest = read_text(&paths.root.join(MANIFEST))?;
    check_manifest(&manifest)?;

    let binary = match &options.from {
        Some(path) => cwd.join(path),
        None => build_release(paths, platform.exe_suffix)?,
    };
    if !binary.is_file() {
        return Err(format!("{} is not a file", binary.display()));
    }
    let out = match &options.out {
        Some(dir) => cwd.join(dir),
        None => paths.target.join("release-artifacts"),
    };
    util::create_dir_all(&out)?;
    remove_old_artefacts(&out)?;

    util::step(format!(
        "zip {} as {}/{}",
        paths.show(&binary),
        names.zip,
        names.binary
    ));
    let zip = out.join(&names.zip);
    let partial = out.join(format!("{}.partial", names.zip));
    let zipped = python(
        ZIP_SCRIPT,
        &[
            binary.as_os_str(),
            names.binary.as_ref(),
            partial.as_os_str(),
        ],
    )
    .and_then(|_| rename(&partial, &zip));
    if let Err(err) = zipped {
        let _ = fs::remove_file(&partial);
        return Err(err);
    }
    write(&out.join(&names.manifest), manifest.as_bytes())?;

    // Sorted by name, as goreleaser writes them.
    let mut hashed = [names.zip.as_str(), names.manifest.as_str()];
    hashed.sort_unstable();
    let files: Vec<PathBuf> = hashed.iter().map(|name| out.join(name)).collect();
    let args: Vec<&std::ffi::OsStr> = files.iter().map(|p| p.as_os_str()).collect();
    let sums = check_sums(&python(SHA256_SCRIPT, &args)?, &hashed)?;
    write(&out.join(&names.sums), sums.as_bytes())?;

    util::step(format!(
        "release {version} for {}_{} in {}:",
        platform.os,
        platform.arch,
        paths.show(&out)
    ));
    for name in [&names.zip, &names.manifest, &names.sums] {
        println!("{}", out.join(name).display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `cargo build --release` of the provider; returns the binary. `--locked`: a release is built
/// from the dependency versions that were tested, never from newly resolved ones.
fn build_release(paths: &Paths, exe_suffix: &str) -> Result<PathBuf, String> {
    let mut cmd = util::cargo();
    cmd.current_dir(&paths.root).args([
        "build",
        "--release",
        "--locked",
        "--package",
        PROVIDER,
        "--bin",
        PROVIDER,
    ]);
    util::step(util::describe(&cmd));
    util::run(&mut cmd)?;
    Ok(paths
        .target
        .join("release")
        .join(format!("{PROVIDER}{exe_suffix}")))
}

/// The `version` of the `[package]` table of a Cargo.toml (a literal string; not inherited).
fn package_version(cargo_toml: &str) -> Result<String, String> {
    let mut in_package = false;
    for line in cargo_toml.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
            continue;
        }
        if !in_package {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if key == "version" {
            let value = value.trim();
            return value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .filter(|v| !v.is_empty() && !v.contains('"'))
                .map(str::to_string)
                .ok_or_else(|| {
                    format!("Cargo.toml: [package] version is not a plain string: {value}")
                });
        }
        if key.starts_with("version.") {
            return Err("Cargo.toml: [package] version must be written out, not inherited".into());
        }
    }
    Err("Cargo.toml: no version in [package]".into())
}

/// The Registry reads the protocol versions from the manifest: a provider that speaks only
/// tfplugin6 must say so, or Terraform would be offered a protocol 5 it cannot use.
fn check_manifest(text: &str) -> Result<(), String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains(r#""version":1"#) && compact.contains(r#""protocol_versions":["6.0"]"#) {
        Ok(())
    } else {
        Err(format!(
            "{MANIFEST} must hold {{\"version\": 1, \"metadata\": {{\"protocol_versions\": [\"6.0\"]}}}}, got:\n{text}"
        ))
    }
}

/// The script's `sha256sum` lines, checked to be one per expected file, in order.
fn check_sums(output: &str, names: &[&str]) -> Result<String, String> {
    let lines: Vec<&str> = output.lines().collect();
    let well_formed = lines.len() == names.len()
        && lines.iter().zip(names).all(|(line, name)| {
            line.split_once("  ").is_some_and(|(hex, file)| {
                hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) && file == *name
            })
        });
    if well_formed {
        Ok(lines.iter().map(|line| format!("{line}\n")).collect())
    } else {
        Err(format!("unexpected output of the sha256 script:\n{output}"))
    }
}

/// Files of an earlier run (another version, a half-written zip) would look like part of this
/// release; only names starting with the provider's are touched.
fn remove_old_artefacts(dir: &Path) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    for entry in entries.flatten() {
        let ours = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with(&format!("{PROVIDER}_")));
        if ours && entry.path().is_file() {
            fs::remove_file(entry.path())
                .map_err(|e| format!("cannot remove {}: {e}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Runs an inline script with the project's Python (`AGENT37_PYTHON`, as for `setup`); returns
/// its stdout. `-I`: nothing from the caller's Python environment changes what it does.
fn python(script: &str, args: &[&std::ffi::OsStr]) -> Result<String, String> {
    let python = std::env::var_os("AGENT37_PYTHON").unwrap_or_else(|| "python3".into());
    let mut cmd = Command::new(python);
    cmd.args(["-I", "-c", script])
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit());
    let out = cmd.output().map_err(|e| {
        format!("cannot run python3: {e} (set AGENT37_PYTHON to use another interpreter)")
    })?;
    if !out.status.success() {
        return Err(format!(
            "python3 failed ({}) while writing the release files",
            util::exit_text(out.status)
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| "python3 printed something that is not UTF-8".into())
}

fn read_text(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, content: &[u8]) -> Result<(), String> {
    fs::write(path, content).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn rename(from: &Path, to: &Path) -> Result<(), String> {
    fs::rename(from, to)
        .map_err(|e| format!("cannot rename {} to {}: {e}", from.display(), to.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn options_take_paths_in_both_forms() {
        assert_eq!(Options::parse(&[]).unwrap(), Options::default());
        let options = Options::parse(&strings(&["--from", "a/b", "--out=dist"])).unwrap();
        assert_eq!(options.from, Some(PathBuf::from("a/b")));
        assert_eq!(options.out, Some(PathBuf::from("dist")));
    }

    #[test]
    fn options_refuse_unknown_flags_and_missing_values() {
        let err = Options::parse(&strings(&["--target", "x"])).unwrap_err();
        assert!(err.contains("--target"), "{err}");
        assert!(Options::parse(&strings(&["--from"])).is_err());
        assert!(Options::parse(&strings(&["--out="])).is_err());
    }

    #[test]
    fn names_follow_the_registry_conventions() {
        let linux = Platform::from_rust("linux", "x86_64").unwrap();
        assert_eq!(
            Names::new("0.1.0", &linux),
            Names {
                binary: "terraform-provider-agent37_v0.1.0".into(),
                zip: "terraform-provider-agent37_0.1.0_linux_amd64.zip".into(),
                manifest: "terraform-provider-agent37_0.1.0_manifest.json".into(),
                sums: "terraform-provider-agent37_0.1.0_SHA256SUMS".into(),
            }
        );
        let windows = Platform::from_rust("windows", "aarch64").unwrap();
        let names = Names::new("1.2.3", &windows);
        assert_eq!(names.binary, "terraform-provider-agent37_v1.2.3.exe");
        assert_eq!(
            names.zip,
            "terraform-provider-agent37_1.2.3_windows_arm64.zip"
        );
    }

    #[test]
    fn platforms_use_go_names() {
        let mac = Platform::from_rust("macos", "aarch64").unwrap();
        assert_eq!((mac.os, mac.arch), ("darwin", "arm64"));
        let old = Platform::from_rust("linux", "x86").unwrap();
        assert_eq!((old.os, old.arch), ("linux", "386"));
        assert!(Platform::from_rust("haiku", "x86_64").is_err());
        assert!(Platform::from_rust("linux", "riscv64").is_err());
    }

    #[test]
    fn version_comes_from_the_package_table() {
        let toml = "[workspace]\nversion = \"9\"\n\n[package]\nname = \"x\"\nversion = \"0.1.0\"\n\n[dependencies]\nversion = \"8\"\n";
        assert_eq!(package_version(toml).unwrap(), "0.1.0");
        assert!(package_version("[package]\nversion.workspace = true\n").is_err());
        assert!(package_version("[package]\nname = \"x\"\n").is_err());
        assert!(package_version("[package]\nversion = 1\n").is_err());
    }

    #[test]
    fn the_root_manifest_declares_protocol_6() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        check_manifest(&read_text(&root.join(MANIFEST)).unwrap()).unwrap();
        assert!(
            check_manifest(r#"{"version": 1, "metadata": {"protocol_versions": ["5.0"]}}"#)
                .is_err()
        );
    }

    #[test]
    fn sums_must_name_every_file_in_order() {
        let hex = "a".repeat(64);
        let ok = format!("{hex}  a.zip\n{hex}  b.json\n");
        assert_eq!(check_sums(&ok, &["a.zip", "b.json"]).unwrap(), ok);
        assert!(check_sums(&ok, &["b.json", "a.zip"]).is_err());
        assert!(check_sums(&format!("{hex}  a.zip\n"), &["a.zip", "b.json"]).is_err());
        assert!(check_sums("abc  a.zip\n", &["a.zip"]).is_err());
    }
}
