//! `cargo xtask release [--all | --platform NAME]... [--from [PLATFORM=]BINARY]... [--out DIR]`:
//! the files the Terraform Registry (and OpenTofu's) expects in a release.
//!
//! ```text
//! target/release-artifacts/
//!   terraform-provider-agent37_0.1.0_linux_amd64.zip   one per platform: the binary as
//!   terraform-provider-agent37_0.1.0_darwin_arm64.zip  terraform-provider-agent37_v0.1.0[.exe]
//!   ...
//!   terraform-provider-agent37_0.1.0_manifest.json     copy of terraform-registry-manifest.json
//!   terraform-provider-agent37_0.1.0_SHA256SUMS        `sha256sum` format: every file above
//!   terraform-provider-agent37_0.1.0_SHA256SUMS.sig    detached GPG signature of the sums
//! ```
//!
//! Names and contents are those of HashiCorp's provider scaffolding (goreleaser), including the
//! manifest's line in SHA256SUMS, which the Registry checks. Without options it builds the host
//! platform with `cargo build --release`; `--all` builds every platform of [`cross::TARGETS`]
//! with Zig (`cross.rs`), `--platform` some of them; `--from` packages binaries built elsewhere.
//!
//! The sums are signed with the key whose id or fingerprint is in `AGENT37_RELEASE_GPG_KEY`, from
//! the caller's GNUPGHOME (never a key kept in the repository); without it the release says that
//! its sums are unsigned, and the Registry would refuse it.
//!
//! Zipping and hashing use Python's standard library: python3 is already needed by `setup`, so
//! xtask stays std-only, and hashlib is everywhere `sha256sum` is not (macOS).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use crate::cross::{self, PROVIDER, Platform, Profile, Target};
use crate::sign;
use crate::util::{self, Paths};

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

/// Which platforms to build, or which binaries to package.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// `--all`: every platform of [`cross::TARGETS`].
    pub all: bool,
    /// `--platform NAME`: these platforms (e.g. `linux_arm64`).
    pub platforms: Vec<Target>,
    /// `--from [PLATFORM=]BINARY`: package these files as they are (the host platform when
    /// no platform is named) instead of building.
    pub from: Vec<(Platform, PathBuf)>,
    /// Where the artefacts go (default `target/release-artifacts`).
    pub out: Option<PathBuf>,
}

impl Options {
    /// The options above, each value also as `--flag=VALUE`.
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options::default();
        let mut rest = args.iter();
        while let Some(arg) = rest.next() {
            if arg == "--all" {
                options.all = true;
                continue;
            }
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) => (flag, Some(value.to_string())),
                None => (arg.as_str(), None),
            };
            if !matches!(flag, "--from" | "--out" | "--platform") {
                return Err(format!(
                    "`release` does not take `{arg}` (see `cargo xtask help`)"
                ));
            }
            let value = inline
                .or_else(|| rest.next().cloned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| format!("`{flag}` needs a value"))?;
            match flag {
                "--out" => options.out = Some(PathBuf::from(value)),
                "--platform" => options.platforms.push(cross::target_named(&value)?),
                _ => options.from.push(parse_from(&value)?),
            }
        }
        let building = options.all || !options.platforms.is_empty();
        if building && !options.from.is_empty() {
            return Err("`--from` packages given binaries: it cannot be combined with `--all` or `--platform`".into());
        }
        let mut seen = Vec::new();
        for platform in options.from.iter().map(|(p, _)| *p) {
            if seen.contains(&platform) {
                return Err(format!("`--from` names {} twice", platform.name()));
            }
            seen.push(platform);
        }
        Ok(options)
    }

    /// The platforms to build (empty when packaging `--from` binaries).
    fn targets(&self) -> Result<Vec<Target>, String> {
        if self.all {
            return Ok(cross::TARGETS.to_vec());
        }
        if !self.platforms.is_empty() {
            let mut targets = self.platforms.clone();
            targets.dedup();
            return Ok(targets);
        }
        Ok(Vec::new())
    }
}

/// `linux_arm64=path` names its platform; a plain path is the host's binary.
fn parse_from(value: &str) -> Result<(Platform, PathBuf), String> {
    if let Some((name, path)) = value.split_once('=')
        && let Ok(target) = cross::target_named(name)
    {
        if path.is_empty() {
            return Err(format!("`--from {name}=` needs a path"));
        }
        return Ok((target.platform, PathBuf::from(path)));
    }
    Ok((Platform::host()?, PathBuf::from(value)))
}

/// The file names of one release.
#[derive(Debug, PartialEq, Eq)]
struct Names {
    version: String,
    manifest: String,
    sums: String,
    signature: String,
}

impl Names {
    fn new(version: &str) -> Names {
        let sums = format!("{PROVIDER}_{version}_SHA256SUMS");
        Names {
            version: version.to_string(),
            manifest: format!("{PROVIDER}_{version}_manifest.json"),
            signature: format!("{sums}.sig"),
            sums,
        }
    }

    /// The executable inside the zip of `platform`.
    fn binary(&self, platform: Platform) -> String {
        format!("{PROVIDER}_v{}{}", self.version, platform.exe_suffix())
    }

    fn zip(&self, platform: Platform) -> String {
        format!("{PROVIDER}_{}_{}.zip", self.version, platform.name())
    }
}

pub fn run(paths: &Paths, options: &Options) -> Result<ExitCode, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
    let version = package_version(&read_text(&paths.root.join("Cargo.toml"))?)?;
    let names = Names::new(&version);
    let manifest = read_text(&paths.root.join(MANIFEST))?;
    check_manifest(&manifest)?;
    // Checked before minutes of building, not after.
    let signer = sign::Signer::from_env(paths)?;

    let targets = options.targets()?;
    let binaries: Vec<(Platform, PathBuf)> = if !targets.is_empty() {
        let toolchain = cross::ensure_toolchain(paths, &targets)?;
        let built = cross::build(paths, &toolchain, &targets, Profile::Release)?;
        targets.iter().map(|t| t.platform).zip(built).collect()
    } else if !options.from.is_empty() {
        options
            .from
            .iter()
            .map(|(platform, path)| (*platform, cwd.join(path)))
            .collect()
    } else {
        let platform = Platform::host()?;
        vec![(platform, build_release(paths, platform.exe_suffix())?)]
    };
    for (_, binary) in &binaries {
        if !binary.is_file() {
            return Err(format!("{} is not a file", binary.display()));
        }
    }
    let out = match &options.out {
        Some(dir) => cwd.join(dir),
        None => paths.target.join("release-artifacts"),
    };
    util::create_dir_all(&out)?;
    remove_old_artefacts(&out)?;

    let mut hashed = Vec::new();
    for (platform, binary) in &binaries {
        let zip_name = names.zip(*platform);
        util::step(format!(
            "zip {} as {zip_name}/{}",
            paths.show(binary),
            names.binary(*platform)
        ));
        zip(binary, &names.binary(*platform), &out.join(&zip_name))?;
        hashed.push(zip_name);
    }
    write(&out.join(&names.manifest), manifest.as_bytes())?;
    hashed.push(names.manifest.clone());

    // Sorted by name, as goreleaser writes them.
    hashed.sort_unstable();
    let hashed: Vec<&str> = hashed.iter().map(String::as_str).collect();
    let files: Vec<PathBuf> = hashed.iter().map(|name| out.join(name)).collect();
    let args: Vec<&std::ffi::OsStr> = files.iter().map(|p| p.as_os_str()).collect();
    let sums = check_sums(&python(SHA256_SCRIPT, &args)?, &hashed)?;
    let sums_path = out.join(&names.sums);
    write(&sums_path, sums.as_bytes())?;
    let signed = match &signer {
        Some(signer) => {
            signer.detach_sign(&sums_path, &out.join(&names.signature))?;
            true
        }
        None => false,
    };

    util::step(format!("release {version} in {}:", paths.show(&out)));
    for (platform, binary) in &binaries {
        println!(
            "{:<14} binary {:>10} bytes, zip {:>10} bytes",
            platform.name(),
            file_size(binary)?,
            file_size(&out.join(names.zip(*platform)))?
        );
    }
    let mut listed: Vec<&str> = hashed.clone();
    listed.push(&names.sums);
    if signed {
        listed.push(&names.signature);
    }
    for name in listed {
        println!("{}", out.join(name).display());
    }
    if let Some(signer) = &signer {
        println!("{} signed with key {}", names.sums, signer.key());
    } else {
        eprintln!("xtask: {}", sign::UNSIGNED);
    }
    Ok(ExitCode::SUCCESS)
}

/// Zips `binary` as `name` into `zip`, through a `.partial` file so that no half-written zip
/// ever carries the final name.
fn zip(binary: &Path, name: &str, zip: &Path) -> Result<(), String> {
    let partial = zip.with_extension("zip.partial");
    let zipped = python(
        ZIP_SCRIPT,
        &[binary.as_os_str(), name.as_ref(), partial.as_os_str()],
    )
    .and_then(|_| rename(&partial, zip));
    if zipped.is_err() {
        let _ = fs::remove_file(&partial);
    }
    zipped.map(|_| ())
}

fn file_size(path: &Path) -> Result<u64, String> {
    fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
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
        let host = Platform::host().unwrap();
        let options = Options::parse(&strings(&["--from", "a/b", "--out=dist"])).unwrap();
        assert_eq!(options.from, [(host, PathBuf::from("a/b"))]);
        assert_eq!(options.out, Some(PathBuf::from("dist")));
    }

    #[test]
    fn from_may_name_a_platform() {
        let options = Options::parse(&strings(&[
            "--from",
            "linux_arm64=x/arm",
            "--from=windows_amd64=y/p.exe",
            "--from",
            "weird=name",
        ]))
        .unwrap();
        let arm = cross::target_named("linux_arm64").unwrap().platform;
        let win = cross::target_named("windows_amd64").unwrap().platform;
        assert_eq!(
            options.from,
            [
                (arm, PathBuf::from("x/arm")),
                (win, PathBuf::from("y/p.exe")),
                // Not a platform name: a path that happens to hold `=`.
                (Platform::host().unwrap(), PathBuf::from("weird=name")),
            ]
        );
        let twice = Options::parse(&strings(&[
            "--from",
            "linux_arm64=a",
            "--from",
            "linux_arm64=b",
        ]));
        assert!(twice.unwrap_err().contains("twice"));
        assert!(Options::parse(&strings(&["--from", "linux_arm64="])).is_err());
    }

    #[test]
    fn all_or_platforms_choose_the_builds() {
        let all = Options::parse(&strings(&["--all"])).unwrap();
        assert_eq!(all.targets().unwrap(), cross::TARGETS.to_vec());
        let some = Options::parse(&strings(&[
            "--platform",
            "darwin_arm64",
            "--platform=linux_arm64",
        ]))
        .unwrap();
        let names: Vec<String> = some
            .targets()
            .unwrap()
            .iter()
            .map(|t| t.platform.name())
            .collect();
        assert_eq!(names, ["darwin_arm64", "linux_arm64"]);
        assert!(Options::parse(&[]).unwrap().targets().unwrap().is_empty());
        let err = Options::parse(&strings(&["--platform", "plan9_arm"])).unwrap_err();
        assert!(err.contains("plan9_arm"), "{err}");
        let err = Options::parse(&strings(&["--all", "--from", "x"])).unwrap_err();
        assert!(err.contains("--from"), "{err}");
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
        let names = Names::new("0.1.0");
        let linux = Platform::from_rust("linux", "x86_64").unwrap();
        assert_eq!(names.binary(linux), "terraform-provider-agent37_v0.1.0");
        assert_eq!(
            names.zip(linux),
            "terraform-provider-agent37_0.1.0_linux_amd64.zip"
        );
        assert_eq!(
            names.manifest,
            "terraform-provider-agent37_0.1.0_manifest.json"
        );
        assert_eq!(names.sums, "terraform-provider-agent37_0.1.0_SHA256SUMS");
        assert_eq!(
            names.signature,
            "terraform-provider-agent37_0.1.0_SHA256SUMS.sig"
        );
        let windows = Platform::from_rust("windows", "aarch64").unwrap();
        let names = Names::new("1.2.3");
        assert_eq!(
            names.binary(windows),
            "terraform-provider-agent37_v1.2.3.exe"
        );
        assert_eq!(
            names.zip(windows),
            "terraform-provider-agent37_1.2.3_windows_arm64.zip"
        );
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
