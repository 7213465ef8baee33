//! `cargo xtask release` makes what the Terraform Registry serves, and Terraform 1.15 and 1.11
//! install it: `terraform init` from a filesystem mirror in the packed layout (the zips, as
//! `terraform providers mirror` makes them) writes a lock file, and the installed provider runs.
//!
//! The artefacts are made by `cargo xtask release --from <debug provider>`: the same code as a
//! release, without a release build (minutes on CI, for nothing this test checks), and without
//! a signing key. The registry protocol with a signed release is `registry_install.rs`.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use base64::Engine;
use sha2::{Digest, Sha256};
use testkit::hcl;
use testkit::paths::provider_dir;
use testkit::{Terraform, TfVersion, Workdir, workspace_root};

const PROVIDER: &str = "terraform-provider-agent37";
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Pins this version; the resource makes `validate` ask the installed provider for its schema.
fn config() -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    agent37 = {{
      source  = "agent37/agent37"
      version = "{VERSION}"
    }}
  }}
}}

resource "agent37_template" "t" {{
  name      = "mirror-test"
  image_ref = "acme/agent:v1"
}}
"#
    )
}

/// Terraform's name of this machine's platform (Go's GOOS_GOARCH).
fn platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}_{arch}")
}

struct Names {
    binary: String,
    zip: String,
    manifest: String,
    sums: String,
}

fn names() -> Names {
    Names {
        binary: format!("{PROVIDER}_v{VERSION}"),
        zip: format!("{PROVIDER}_{VERSION}_{}.zip", platform()),
        manifest: format!("{PROVIDER}_{VERSION}_manifest.json"),
        sums: format!("{PROVIDER}_{VERSION}_SHA256SUMS"),
    }
}

/// `cargo xtask release --from <AGENT37_PROVIDER_DIR's binary> --out <out>`.
fn release_from_debug_build(out: &Path) {
    let binary = provider_dir().join(PROVIDER);
    assert!(binary.is_file(), "{} is not built", binary.display());
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(workspace_root())
        .args(["run", "--quiet", "--package", "xtask", "--", "release"])
        .arg("--from")
        .arg(&binary)
        .arg("--out")
        .arg(out)
        // No signing key: the release must say that its sums are unsigned (the signed path is
        // tests/registry_install.rs).
        .env_remove("AGENT37_RELEASE_GPG_KEY");
    let command = "cargo xtask release --from ... --out ...".to_string();
    // Long enough for cargo to build xtask first when the test runs on its own.
    let out = testkit::process::run(
        cmd,
        command,
        Duration::from_secs(600),
        Duration::from_secs(5),
    );
    out.assert_success();
    assert!(
        out.stderr.contains("SHA256SUMS is UNSIGNED"),
        "no word about the missing signature:\n{out}"
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn copy(from: &Path, to: &Path) {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
    }
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("cannot copy {} to {}: {e}", from.display(), to.display()));
}

/// The three files, with the names, sums and manifest the Registry expects.
fn check_artefacts(dist: &Path, names: &Names) {
    let mut listed: Vec<String> = std::fs::read_dir(dist)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dist.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    listed.sort();
    let mut expected = vec![
        names.zip.clone(),
        names.manifest.clone(),
        names.sums.clone(),
    ];
    expected.sort();
    assert_eq!(listed, expected);

    let manifest = read(&dist.join(&names.manifest));
    assert_eq!(
        manifest,
        read(&workspace_root().join("terraform-registry-manifest.json"))
    );
    let json: serde_json::Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );

    // Both files, sorted by name, exactly as `sha256sum` prints them.
    let zip_line = format!(
        "{}  {}\n",
        sha256_hex(&read(&dist.join(&names.zip))),
        names.zip
    );
    let manifest_line = format!("{}  {}\n", sha256_hex(&manifest), names.manifest);
    // Sorted by the file name, not by the whole line: the zip's hash changes with every build.
    let mut lines = [(&names.zip, zip_line), (&names.manifest, manifest_line)];
    lines.sort();
    let lines = lines.map(|(_, line)| line);
    let sums = String::from_utf8(read(&dist.join(&names.sums))).unwrap();
    assert_eq!(sums, lines.concat());
}

fn mirror_config(mirror: &Path) -> String {
    hcl::filesystem_mirror(mirror, "agent37/agent37")
}

/// `terraform init` from `mirror` (nothing else allowed) succeeds; returns the lock file.
fn init_from(version: TfVersion, mirror: &Path) -> (Terraform, String) {
    let tf = Terraform::new(version);
    tf.write_cli_config(&mirror_config(mirror));
    tf.write_main(&config());
    let out = tf.run_ok(&["init"]);
    assert!(
        out.stdout
            .contains(&format!("Installed agent37/agent37 v{VERSION}")),
        "{out}"
    );
    let lock = tf.workdir().read(".terraform.lock.hcl");
    (tf, lock)
}

#[test]
fn release_artefacts_install_from_a_filesystem_mirror() {
    let work = Workdir::new();
    let names = names();
    let dist = work.path().join("dist");
    release_from_debug_build(&dist);
    check_artefacts(&dist, &names);

    let binary = read(&provider_dir().join(PROVIDER));
    let packed = work.path().join("packed");
    copy(
        &dist.join(&names.zip),
        &packed
            .join("registry.terraform.io/agent37/agent37")
            .join(&names.zip),
    );

    let mut hashes = Vec::new();
    for version in TfVersion::ALL {
        let (tf, lock) = init_from(version, &packed);
        assert!(
            lock.contains(r#"provider "registry.terraform.io/agent37/agent37" {"#),
            "{lock}"
        );
        assert!(
            lock.contains(&format!("version     = \"{VERSION}\"")),
            "{lock}"
        );
        assert!(
            lock.contains(&format!("constraints = \"{VERSION}\"")),
            "{lock}"
        );
        // A filesystem mirror yields only the h1: hash of what was installed; zh: hashes (of the
        // zips) come from a registry's signed SHA256SUMS.
        hashes.push(lock_hashes(&lock));

        // The zip holds exactly the binary, under the name Terraform looks for, and its mode
        // bits survived: Terraform runs what it unpacked.
        let installed = tf
            .dir()
            .join(".terraform/providers/registry.terraform.io/agent37/agent37")
            .join(VERSION)
            .join(platform())
            .join(&names.binary);
        assert!(
            read(&installed) == binary,
            "{} differs",
            installed.display()
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&installed).unwrap().permissions().mode();
            let mode = format!("{:o}", mode & 0o777);
            assert_eq!(mode, "755", "mode of {}", installed.display());
        }
        let validation = tf.validate_json();
        assert!(validation.valid, "{:#}", validation.json);
        assert!(validation.diagnostics.is_empty(), "{:#}", validation.json);
    }
    assert_eq!(hashes[0], hashes[1], "both versions lock the same package");
}

/// The `hashes` of the lock file's only provider: exactly one `h1:` hash (a base64 sha256).
#[track_caller]
fn lock_hashes(lock: &str) -> Vec<String> {
    let hashes: Vec<String> = lock
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix('"')?.strip_suffix("\","))
        .map(str::to_string)
        .collect();
    let [h1] = hashes.as_slice() else {
        panic!("expected one hash:\n{lock}");
    };
    let digest = h1
        .strip_prefix("h1:")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
    assert_eq!(
        digest.map(|d| d.len()),
        Some(32),
        "not an h1: hash:\n{lock}"
    );
    hashes
}
