//! Building the provider for every platform Terraform users run, from this one Linux machine.
//!
//! One toolchain for every target: Zig as the C compiler and linker (through `cargo-zigbuild`),
//! so no per-target gcc, no MinGW and no macOS SDK need to be installed. Everything is installed
//! on demand under `target/cross/` (so `cargo clean` removes it):
//!
//! ```text
//! target/cross/zig/venv/     python3 -m venv + pip install ziglang==ZIG_VERSION (Zig from PyPI)
//! target/cross/bin/zig       launcher: the venv's python -m ziglang "$@"
//! target/cross/tools/bin/    cargo install --locked cargo-zigbuild@ZIGBUILD_VERSION
//! target/cross/macos-sdk/    stubs of the two macOS frameworks the TLS stack links (macos_sdk.rs)
//! target/cross/wine/         the WINEPREFIX of the windows_amd64 handshake test
//! ```
//!
//! plus the rustup targets. The programs that run foreign binaries for the tests (qemu-user for
//! linux_arm64, Wine for windows_amd64, with the arm64 C library) come from Debian's packages:
//! [`ensure_runners`] installs them with apt-get when it runs as root, else says what is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::macos_sdk;
use crate::util::{self, Paths};

/// Zig from PyPI's `ziglang`, the version this project's cross builds were proven with.
const ZIG_VERSION: &str = "0.17.1";
const ZIGBUILD_VERSION: &str = "0.24.1";
pub const PROVIDER: &str = "terraform-provider-agent37";

/// An operating system and architecture as Terraform names them (Go's GOOS and GOARCH).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Platform {
    pub os: &'static str,
    pub arch: &'static str,
}

impl Platform {
    pub fn host() -> Result<Platform, String> {
        Platform::from_rust(std::env::consts::OS, std::env::consts::ARCH)
    }

    pub fn from_rust(os: &str, arch: &str) -> Result<Platform, String> {
        let os = match os {
            "linux" => "linux",
            "macos" => "darwin",
            "windows" => "windows",
            "freebsd" => "freebsd",
            "openbsd" => "openbsd",
            _ => return Err(format!("no Terraform platform name for the OS `{os}`")),
        };
        let arch = match arch {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "arm" => "arm",
            _ => return Err(format!("no Terraform platform name for the CPU `{arch}`")),
        };
        Ok(Platform { os, arch })
    }

    /// `linux_amd64`, as in file names and `terraform providers lock -platform=`.
    pub fn name(self) -> String {
        format!("{}_{}", self.os, self.arch)
    }

    pub fn exe_suffix(self) -> &'static str {
        if self.os == "windows" { ".exe" } else { "" }
    }
}

/// One platform of a release and how it is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub platform: Platform,
    /// The rustup target; also the directory under `target/`.
    pub triple: &'static str,
    /// What cargo-zigbuild is given: for Linux, the triple plus the oldest glibc the binary
    /// must load on (2.17: CentOS 7 / Amazon Linux 2 era agents), since a binary linked on
    /// this machine would otherwise need this machine's glibc.
    pub zig_target: &'static str,
}

const fn target(
    os: &'static str,
    arch: &'static str,
    triple: &'static str,
    zig_target: &'static str,
) -> Target {
    Target {
        platform: Platform { os, arch },
        triple,
        zig_target,
    }
}

/// Every platform `cargo xtask release --all` ships. windows_arm64 uses the LLVM flavour of
/// MinGW (`gnullvm`), which Zig links; the MSVC targets would need Microsoft's libraries.
pub const TARGETS: [Target; 6] = [
    target(
        "linux",
        "amd64",
        "x86_64-unknown-linux-gnu",
        "x86_64-unknown-linux-gnu.2.17",
    ),
    target(
        "linux",
        "arm64",
        "aarch64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu.2.17",
    ),
    target(
        "darwin",
        "amd64",
        "x86_64-apple-darwin",
        "x86_64-apple-darwin",
    ),
    target(
        "darwin",
        "arm64",
        "aarch64-apple-darwin",
        "aarch64-apple-darwin",
    ),
    target(
        "windows",
        "amd64",
        "x86_64-pc-windows-gnu",
        "x86_64-pc-windows-gnu",
    ),
    target(
        "windows",
        "arm64",
        "aarch64-pc-windows-gnullvm",
        "aarch64-pc-windows-gnullvm",
    ),
];

/// The target of a platform name such as `linux_arm64`.
pub fn target_named(name: &str) -> Result<Target, String> {
    TARGETS
        .iter()
        .copied()
        .find(|t| t.platform.name() == name)
        .ok_or_else(|| {
            let known: Vec<String> = TARGETS.iter().map(|t| t.platform.name()).collect();
            format!("unknown platform `{name}` (known: {})", known.join(", "))
        })
}

/// A cargo profile and the directory its output lands in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// The shipped build (`opt-level = "s"`, fat LTO).
    Release,
    /// Fast cross builds for the qemu/Wine handshake tests (Cargo.toml explains).
    CrossTest,
}

impl Profile {
    fn name(self) -> &'static str {
        match self {
            Profile::Release => "release",
            Profile::CrossTest => "cross-test",
        }
    }
}

/// What cross builds run with.
pub struct Toolchain {
    /// Holds the `zig` launcher; goes first on PATH.
    bin_dir: PathBuf,
    zigbuild: PathBuf,
    /// Stubs of the macOS frameworks, when a darwin target is built.
    sdk: Option<PathBuf>,
}

fn cross_dir(paths: &Paths) -> PathBuf {
    paths.target.join("cross")
}

/// Installs what building `targets` needs (idempotent; quiet when all is there).
pub fn ensure_toolchain(paths: &Paths, targets: &[Target]) -> Result<Toolchain, String> {
    ensure_rustup_targets(targets)?;
    let dir = cross_dir(paths);
    let bin_dir = ensure_zig(paths, &dir)?;
    let zigbuild = ensure_zigbuild(paths, &dir)?;
    let sdk = if targets.iter().any(|t| t.platform.os == "darwin") {
        Some(macos_sdk::ensure(&dir.join("macos-sdk"))?)
    } else {
        None
    };
    Ok(Toolchain {
        bin_dir,
        zigbuild,
        sdk,
    })
}

fn ensure_rustup_targets(targets: &[Target]) -> Result<(), String> {
    let out = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run rustup ({e}): cross builds need rustup's targets"))?;
    let installed = String::from_utf8_lossy(&out.stdout);
    let missing: Vec<&str> = targets
        .iter()
        .map(|t| t.triple)
        .filter(|triple| !installed.lines().any(|l| l.trim() == *triple))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut cmd = Command::new("rustup");
    cmd.args(["target", "add"]).args(&missing);
    util::step(util::describe(&cmd));
    util::run(&mut cmd)
}

/// Zig in its own venv, and a `zig` launcher for cargo-zigbuild to find on PATH.
fn ensure_zig(paths: &Paths, dir: &Path) -> Result<PathBuf, String> {
    let venv = dir.join("zig").join("venv");
    let spec = format!("ziglang=={ZIG_VERSION}");
    if crate::setup::installed_package(&venv, "ziglang").as_deref() != Some(ZIG_VERSION) {
        crate::setup::create_venv_with(paths, &venv, &spec)?;
    }
    let bin_dir = dir.join("bin");
    let launcher = bin_dir.join("zig");
    let script = "#!/bin/sh\n\
                  # Zig from PyPI's ziglang, written by cargo xtask (see xtask/src/cross.rs).\n\
                  here=$(CDPATH= cd -- \"$(dirname -- \"$0\")\" && pwd)\n\
                  exec \"$here/../zig/venv/bin/python\" -I -m ziglang \"$@\"\n";
    util::write_if_changed(&launcher, script.as_bytes())?;
    util::make_executable(&launcher)?;
    Ok(bin_dir)
}

fn ensure_zigbuild(paths: &Paths, dir: &Path) -> Result<PathBuf, String> {
    let root = dir.join("tools");
    let bin = root.join("bin").join("cargo-zigbuild");
    let installed = Command::new(&bin)
        .arg("--version")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains(ZIGBUILD_VERSION));
    if installed {
        return Ok(bin);
    }
    let mut cmd = util::cargo();
    cmd.args(["install", "--quiet", "--locked", "--no-default-features"])
        .arg("--root")
        .arg(&root)
        .arg(format!("cargo-zigbuild@{ZIGBUILD_VERSION}"))
        .stdin(Stdio::null());
    util::step(format!(
        "cargo install cargo-zigbuild@{ZIGBUILD_VERSION} into {}",
        paths.show(&root)
    ));
    util::run(&mut cmd)?;
    Ok(bin)
}

/// Builds the provider for every target in one cargo invocation (cargo schedules the targets'
/// crates together on the available cores); returns the binaries in the order of `targets`.
pub fn build(
    paths: &Paths,
    toolchain: &Toolchain,
    targets: &[Target],
    profile: Profile,
) -> Result<Vec<PathBuf>, String> {
    let mut cmd = Command::new(&toolchain.zigbuild);
    cmd.current_dir(&paths.root)
        .args(["zigbuild", "--locked", "--profile", profile.name()])
        .args(["--package", PROVIDER, "--bin", PROVIDER]);
    for target in targets {
        cmd.args(["--target", target.zig_target]);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut dirs = vec![toolchain.bin_dir.clone()];
    dirs.extend(std::env::split_paths(&path));
    let path = std::env::join_paths(dirs).map_err(|e| format!("PATH: {e}"))?;
    cmd.env("PATH", path).stdin(Stdio::null());
    if let Some(sdk) = &toolchain.sdk {
        // cargo-zigbuild adds the SDK's framework directory to the link.
        cmd.env("SDKROOT", sdk);
    }
    util::step(util::describe(&cmd));
    util::run(&mut cmd)?;
    targets
        .iter()
        .map(|target| {
            let binary = paths
                .target
                .join(target.triple)
                .join(profile.name())
                .join(format!("{PROVIDER}{}", target.platform.exe_suffix()));
            if binary.is_file() {
                Ok(binary)
            } else {
                Err(format!(
                    "the build for {} left no {}",
                    target.platform.name(),
                    binary.display()
                ))
            }
        })
        .collect()
}

/// A program that runs another platform's binaries here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// qemu-user for linux_arm64 (with Debian's arm64 C library as its sysroot).
    Qemu,
    /// Wine for windows_amd64.
    Wine,
}

impl Runner {
    pub fn target(self) -> Target {
        match self {
            Runner::Qemu => TARGETS[1],
            Runner::Wine => TARGETS[4],
        }
    }

    /// The commands that may run it, best first.
    fn programs(self) -> &'static [&'static str] {
        match self {
            Runner::Qemu => &["qemu-aarch64-static", "qemu-aarch64"],
            Runner::Wine => &["wine64", "wine"],
        }
    }

    /// Debian's packages that provide it.
    fn packages(self) -> &'static [&'static str] {
        match self {
            Runner::Qemu => &["qemu-user-static", "libc6-arm64-cross"],
            Runner::Wine => &["wine", "wine64"],
        }
    }

    /// Anything else it needs besides the program.
    fn complete(self) -> bool {
        match self {
            Runner::Qemu => Path::new(QEMU_SYSROOT)
                .join("lib/ld-linux-aarch64.so.1")
                .exists(),
            Runner::Wine => true,
        }
    }

    /// The variable that tells the tests which binary to run under this runner.
    pub fn binary_env_var(self) -> &'static str {
        match self {
            Runner::Qemu => "AGENT37_CROSS_LINUX_ARM64",
            Runner::Wine => "AGENT37_CROSS_WINDOWS_AMD64",
        }
    }
}

/// Where Debian's `libc6-arm64-cross` puts the arm64 loader and C library.
pub const QEMU_SYSROOT: &str = "/usr/aarch64-linux-gnu";

/// The program of `runner`, if installed.
pub fn find_runner(runner: Runner) -> Option<PathBuf> {
    if !runner.complete() {
        return None;
    }
    runner.programs().iter().find_map(|name| which(name))
}

fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Installs what is missing among `needed` (runners, plus any other Debian package such as
/// gnupg) with apt-get when this process may; returns a line per thing still missing.
pub fn ensure_debian_packages(runners: &[Runner], commands: &[(&str, &str)]) -> Vec<String> {
    let mut packages: Vec<&str> = Vec::new();
    let mut what: Vec<String> = Vec::new();
    for &runner in runners {
        if find_runner(runner).is_none() {
            packages.extend(runner.packages());
            what.push(format!("{runner:?}"));
        }
    }
    for &(command, package) in commands {
        if which(command).is_none() {
            packages.push(package);
            what.push(command.to_string());
        }
    }
    if packages.is_empty() {
        return Vec::new();
    }
    if is_root() && which("apt-get").is_some() {
        util::step(format!(
            "apt-get install {} (for {})",
            packages.join(" "),
            what.join(", ")
        ));
        let installed = apt_get(&["update", "-qq"]).and_then(|()| {
            apt_get(
                &["install", "-y", "-qq", "--no-install-recommends"]
                    .iter()
                    .copied()
                    .chain(packages.iter().copied())
                    .collect::<Vec<_>>(),
            )
        });
        if let Err(e) = installed {
            eprintln!("xtask: warning: {e}");
        }
    }
    let mut missing: Vec<String> = runners
        .iter()
        .filter(|r| find_runner(**r).is_none())
        .map(|r| {
            format!(
                "{r:?} (Debian packages: {}; install them as root)",
                r.packages().join(" ")
            )
        })
        .collect();
    missing.extend(
        commands
            .iter()
            .filter(|(command, _)| which(command).is_none())
            .map(|(command, package)| format!("{command} (Debian package {package})")),
    );
    missing
}

fn apt_get(args: &[&str]) -> Result<(), String> {
    util::run(
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .stdout(Stdio::null()),
    )
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// Rust's standard library takes random bytes from `ProcessPrng` in `bcryptprimitives.dll`
/// (every Windows 10 and later has it); Wine has it only from 9.0 on, and Debian 12 ships 8.0.
/// For such a Wine the tests' prefix gets this stand-in, built with Zig: `ProcessPrng` over
/// `BCryptGenRandom`, which Wine has. It lives in the prefix only; the provider is unchanged.
const PROCESS_PRNG_SHIM: &str = r#"/* Written by cargo xtask (xtask/src/cross.rs) for Wine < 9.0. */
#include <windows.h>
#include <bcrypt.h>
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
"#;

/// The Wine prefix of the tests, made once here so that the first test run does not spend its
/// handshake time-out on Wine creating it; with the `ProcessPrng` stand-in when Wine lacks it.
pub fn ensure_wine_prefix(
    paths: &Paths,
    toolchain: &Toolchain,
    wine: &Path,
) -> Result<PathBuf, String> {
    let prefix = cross_dir(paths).join("wine");
    if !prefix.join("system.reg").is_file() {
        util::create_dir_all(&prefix)?;
        util::step(format!("wineboot --init in {}", paths.show(&prefix)));
        util::run(
            Command::new(wine)
                .args(["wineboot", "--init"])
                .env("WINEPREFIX", &prefix)
                .env("WINEDEBUG", "-all")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )?;
        // wineserver writes the registry files when it exits, a few seconds later.
        util::run(
            Command::new("wineserver")
                .arg("--wait")
                .env("WINEPREFIX", &prefix)
                .stdin(Stdio::null()),
        )?;
    }
    let system32 = prefix.join("drive_c/windows/system32");
    let dll = system32.join("bcryptprimitives.dll");
    if !dll.is_file() {
        let source = cross_dir(paths).join("process-prng-shim.c");
        util::write_if_changed(&source, PROCESS_PRNG_SHIM.as_bytes())?;
        let mut cc = Command::new(toolchain.bin_dir.join("zig"));
        cc.args([
            "cc",
            "-target",
            "x86_64-windows-gnu",
            "-shared",
            "-O2",
            "-s",
            "-o",
        ])
        .arg(&dll)
        .arg(&source)
        .arg("-lbcrypt")
        // Zig leaves an import library and debug info beside the source, not the DLL.
        .current_dir(cross_dir(paths))
        .stdin(Stdio::null());
        util::step(format!(
            "Wine has no bcryptprimitives.dll: building the ProcessPrng stand-in into {}",
            paths.show(&system32)
        ));
        util::run(&mut cc)?;
    }
    Ok(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_use_go_names() {
        let mac = Platform::from_rust("macos", "aarch64").unwrap();
        assert_eq!(mac.name(), "darwin_arm64");
        assert_eq!(
            Platform::from_rust("linux", "x86").unwrap().name(),
            "linux_386"
        );
        assert_eq!(
            Platform::from_rust("windows", "x86_64")
                .unwrap()
                .exe_suffix(),
            ".exe"
        );
        assert!(Platform::from_rust("haiku", "x86_64").is_err());
        assert!(Platform::from_rust("linux", "riscv64").is_err());
    }

    #[test]
    fn every_target_matches_its_platform() {
        for target in TARGETS {
            let (arch, os) = target.triple.split_once('-').unwrap();
            let rust_os = if os.contains("darwin") {
                "macos"
            } else if os.contains("windows") {
                "windows"
            } else {
                "linux"
            };
            assert_eq!(
                Platform::from_rust(rust_os, arch).unwrap(),
                target.platform,
                "{}",
                target.triple
            );
            assert!(target.zig_target.starts_with(target.triple));
            assert_eq!(target_named(&target.platform.name()).unwrap(), target);
        }
        assert!(target_named("plan9_amd64").is_err());
        assert_eq!(Runner::Qemu.target().platform.name(), "linux_arm64");
        assert_eq!(Runner::Wine.target().platform.name(), "windows_amd64");
    }
}
