//! The provider built for other platforms works there, not only compiles: the `linux_arm64`
//! binary under qemu-user and the `windows_amd64` binary under Wine are started the way
//! Terraform starts a provider, complete go-plugin's handshake (AutoMTLS; a unix socket on
//! arm64 Linux, TCP on loopback on Windows, as go-plugin does there), answer
//! `GetProviderSchema`, and exit cleanly on `GRPCController/Shutdown`.
//!
//! The binaries are cross-built by `cargo xtask test` (profile `cross-test`: the code of a
//! release, without its LTO and size optimisation, which would cost minutes per target) and
//! named by `AGENT37_CROSS_LINUX_ARM64` / `AGENT37_CROSS_WINDOWS_AMD64`; the runners come from
//! `AGENT37_QEMU` / `AGENT37_WINE` (else PATH). Where either is missing the test says so and
//! passes without running: qemu-user and Wine are Debian packages that `cargo xtask test`
//! installs only when it runs as root. Debian 12's Wine (8.0) lacks `ProcessPrng`, which Rust's
//! standard library needs on Windows; `cargo xtask test` puts a stand-in DLL into the test's
//! Wine prefix (`AGENT37_WINEPREFIX`), see xtask/src/cross.rs.

use std::path::{Path, PathBuf};
use std::time::Duration;

use agent37_provider::proto::plugin::Empty;
use agent37_provider::proto::plugin::grpc_controller_client::GrpcControllerClient;
use agent37_provider::proto::tfplugin6::get_provider_schema;
use agent37_provider::proto::tfplugin6::provider_client::ProviderClient;
use testkit::plugin::{ClientIdentity, Launch, PluginProcess, client_tls, connect};

/// Under emulation a debug-profile binary starts slower than natively.
const EXIT_WAIT: Duration = Duration::from_secs(20);

/// One foreign platform: the binary, the CPU and format it must be, and how to run it.
struct Foreign {
    platform: &'static str,
    binary_var: &'static str,
    runner_var: &'static str,
    runner_names: &'static [&'static str],
    install_hint: &'static str,
    /// What the binary's header must say.
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    /// ELF for AArch64.
    ElfAarch64,
    /// PE for x86-64.
    PeAmd64,
}

const LINUX_ARM64: Foreign = Foreign {
    platform: "linux_arm64",
    binary_var: "AGENT37_CROSS_LINUX_ARM64",
    runner_var: "AGENT37_QEMU",
    runner_names: &["qemu-aarch64-static", "qemu-aarch64"],
    install_hint: "Debian packages qemu-user-static and libc6-arm64-cross",
    format: Format::ElfAarch64,
};

const WINDOWS_AMD64: Foreign = Foreign {
    platform: "windows_amd64",
    binary_var: "AGENT37_CROSS_WINDOWS_AMD64",
    runner_var: "AGENT37_WINE",
    runner_names: &["wine64", "wine"],
    install_hint: "Debian packages wine and wine64",
    format: Format::PeAmd64,
};

/// The binary and the runner, or why this test cannot run here.
fn prerequisites(foreign: &Foreign) -> Result<(PathBuf, PathBuf), String> {
    let binary = std::env::var_os(foreign.binary_var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .ok_or_else(|| {
            format!(
                "{} is not set: `cargo xtask test` cross-builds the {} provider when its runner \
                 is installed ({})",
                foreign.binary_var, foreign.platform, foreign.install_hint
            )
        })?;
    let runner = std::env::var_os(foreign.runner_var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| foreign.runner_names.iter().find_map(|name| on_path(name)))
        .ok_or_else(|| {
            format!(
                "no {} on PATH ({})",
                foreign.runner_names.join(" or "),
                foreign.install_hint
            )
        })?;
    Ok((binary, runner))
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The executable format and CPU from the file's header: the binary under test really is the
/// other platform's, not the host's.
fn format_of(path: &Path) -> Option<Format> {
    let bytes = std::fs::read(path).ok()?;
    if bytes.starts_with(b"\x7fELF") {
        // e_machine, little-endian, at offset 18; 0xB7 is AArch64.
        let machine = u16::from_le_bytes([*bytes.get(18)?, *bytes.get(19)?]);
        return (machine == 0xB7).then_some(Format::ElfAarch64);
    }
    if bytes.starts_with(b"MZ") {
        // e_lfanew at 0x3C points at "PE\0\0", then the COFF machine; 0x8664 is x86-64.
        let at = u32::from_le_bytes(bytes.get(0x3C..0x40)?.try_into().ok()?) as usize;
        if bytes.get(at..at + 4)? != b"PE\0\0" {
            return None;
        }
        let machine = u16::from_le_bytes(bytes.get(at + 4..at + 6)?.try_into().ok()?);
        return (machine == 0x8664).then_some(Format::PeAmd64);
    }
    None
}

/// Handshake, GetProviderSchema, Shutdown: what Terraform does with a provider it only plans
/// with, against the foreign binary.
async fn serves_like_a_native_provider(
    mut plugin: PluginProcess,
    client: &ClientIdentity,
    expected_network: &str,
) {
    // The foreign runtime starts first (Wine boots its prefix), so allow it three minutes.
    let hs = plugin.handshake_within(Duration::from_secs(180));
    assert_eq!(hs.core_version, "1", "{}", hs.raw);
    assert_eq!(hs.app_version, "6", "{}", hs.raw);
    assert_eq!(hs.network, expected_network, "{}", hs.raw);
    assert_eq!(hs.protocol, "grpc", "{}", hs.raw);
    let cert = hs
        .server_cert
        .clone()
        .unwrap_or_else(|| panic!("AutoMTLS: the handshake carries a certificate: {}", hs.raw));
    let tls = client_tls(&cert, Some(client)).expect("client TLS config");
    let channel = connect(&hs, Some(tls))
        .await
        .unwrap_or_else(|e| panic!("connect: {e}; stderr:\n{}", plugin.stderr()));

    let schema = ProviderClient::new(channel.clone())
        .max_decoding_message_size(256 << 20)
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .unwrap_or_else(|e| panic!("GetProviderSchema: {e}; stderr:\n{}", plugin.stderr()))
        .into_inner();
    assert!(schema.diagnostics.is_empty(), "{:?}", schema.diagnostics);
    let provider = schema.provider.expect("provider schema");
    let block = provider.block.expect("provider block");
    assert!(
        block.attributes.iter().any(|a| a.name == "api_key"),
        "provider attributes: {:?}",
        block.attributes.iter().map(|a| &a.name).collect::<Vec<_>>()
    );
    for resource in ["agent37_instance", "agent37_template", "agent37_budget"] {
        assert!(
            schema.resource_schemas.contains_key(resource),
            "{resource} missing from {:?}",
            schema.resource_schemas.keys().collect::<Vec<_>>()
        );
    }

    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("Shutdown answers");
    let status = plugin
        .wait_exit(EXIT_WAIT)
        .unwrap_or_else(|| panic!("still running after Shutdown; stderr:\n{}", plugin.stderr()));
    assert!(
        status.success(),
        "exit status {status:?}; stderr:\n{}",
        plugin.stderr()
    );
}

#[tokio::test]
async fn linux_arm64_binary_serves_under_qemu() {
    let (binary, qemu) = match prerequisites(&LINUX_ARM64) {
        Ok(found) => found,
        Err(why) => {
            eprintln!("SKIPPED linux_arm64 under qemu: {why}");
            return;
        }
    };
    assert_eq!(
        format_of(&binary),
        Some(LINUX_ARM64.format),
        "{}",
        binary.display()
    );
    let sysroot = std::env::var("AGENT37_QEMU_LD_PREFIX")
        .unwrap_or_else(|_| "/usr/aarch64-linux-gnu".to_owned());
    let dir = tempfile::tempdir().unwrap();
    let client = ClientIdentity::generate();
    let plugin = Launch::managed(dir.path(), Some(&client))
        // qemu-user loads the arm64 dynamic loader and C library from here.
        .env("QEMU_LD_PREFIX", &sysroot)
        .spawn_program(
            &qemu.to_string_lossy(),
            &[binary.to_string_lossy().into_owned()],
        );
    serves_like_a_native_provider(plugin, &client, "unix").await;
}

#[tokio::test]
async fn windows_amd64_binary_serves_under_wine() {
    let (binary, wine) = match prerequisites(&WINDOWS_AMD64) {
        Ok(found) => found,
        Err(why) => {
            eprintln!("SKIPPED windows_amd64 under Wine: {why}");
            return;
        }
    };
    assert_eq!(
        format_of(&binary),
        Some(WINDOWS_AMD64.format),
        "{}",
        binary.display()
    );
    let dir = tempfile::tempdir().unwrap();
    // `cargo xtask test` prepares a prefix; a fresh one would be created on the first run.
    let prefix = std::env::var("AGENT37_WINEPREFIX")
        .unwrap_or_else(|_| dir.path().join("wine").display().to_string());
    let client = ClientIdentity::generate();
    let plugin = Launch::managed(dir.path(), Some(&client))
        .env("WINEPREFIX", &prefix)
        .env("WINEDEBUG", "-all")
        .env("PATH", &std::env::var("PATH").unwrap_or_default())
        .env("HOME", &std::env::var("HOME").unwrap_or_default())
        .spawn_program(
            &wine.to_string_lossy(),
            &[binary.to_string_lossy().into_owned()],
        );
    serves_like_a_native_provider(plugin, &client, "tcp").await;
}

#[test]
fn formats_are_read_from_the_headers() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let mut elf = b"\x7fELF".to_vec();
    elf.resize(20, 0);
    elf[18] = 0xB7;
    assert_eq!(format_of(&write("arm", &elf)), Some(Format::ElfAarch64));
    elf[18] = 0x3E; // x86-64
    assert_eq!(format_of(&write("amd", &elf)), None);
    let mut pe = b"MZ".to_vec();
    pe.resize(0x80, 0);
    pe[0x3C] = 0x40;
    pe[0x40..0x44].copy_from_slice(b"PE\0\0");
    pe[0x44..0x46].copy_from_slice(&0x8664u16.to_le_bytes());
    assert_eq!(format_of(&write("win", &pe)), Some(Format::PeAmd64));
    pe[0x44..0x46].copy_from_slice(&0xAA64u16.to_le_bytes()); // arm64
    assert_eq!(format_of(&write("winarm", &pe)), None);
}
