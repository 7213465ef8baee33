//! The install path of a Terraform user: `terraform init` from a registry that speaks the
//! provider registry protocol, over HTTPS, with Terraform checking the GPG signature of the
//! release's SHA256SUMS, on Terraform 1.15 and 1.11.
//!
//! The test makes a throwaway GPG key (in a temporary GNUPGHOME) and a throwaway CA, runs
//! `cargo xtask release --from ...` with `AGENT37_RELEASE_GPG_KEY` naming that key, and serves
//! the result on loopback as the host `localhost:<port>`: service discovery
//! (`/.well-known/terraform.json`), `versions`, and `download` answers that carry
//! `shasums_url`, `shasums_signature_url` and the public key. Terraform trusts the CA through
//! `SSL_CERT_FILE`, as a user behind a private registry or a TLS-inspecting proxy would set it.
//!
//! What is packaged, per platform:
//! - linux_amd64: this build's provider (AGENT37_PROVIDER_DIR), which `init` installs and
//!   `plan` runs;
//! - linux_arm64 and windows_amd64: the real cross-built providers of `cargo xtask test`
//!   (`AGENT37_CROSS_LINUX_ARM64`, `AGENT37_CROSS_WINDOWS_AMD64`) when they were built;
//! - any other platform: a PLACEHOLDER, a small text file under the binary's name, NOT a build.
//!   `terraform providers lock -platform=...` only downloads, verifies and hashes the other
//!   platforms' packages, it never runs them, and cross-building darwin and windows_arm64 with
//!   release settings inside the test suite would cost many minutes of CI per run; the real
//!   builds of every platform are what `cargo xtask release --all` makes (see README).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use sha2::{Digest, Sha256};
use testkit::paths::provider_dir;
use testkit::tls_server::{Pki, TlsServer};
use testkit::{Emulator, Terraform, TfVersion, workspace_root};

const PROVIDER: &str = "terraform-provider-agent37";
const VERSION: &str = env!("CARGO_PKG_VERSION");
const PLATFORMS: [&str; 6] = [
    "linux_amd64",
    "linux_arm64",
    "darwin_amd64",
    "darwin_arm64",
    "windows_amd64",
    "windows_arm64",
];

// ---------------------------------------------------------------------------------------------
// A throwaway GnuPG keyring.

/// A GNUPGHOME with one fresh signing key; its agent is stopped on drop.
struct Keyring {
    home: tempfile::TempDir,
    fingerprint: String,
}

impl Keyring {
    /// A new RSA key without passphrase. The directory is short-named under the system's temp
    /// directory: gpg-agent's socket path must fit in a unix socket name.
    fn new(name: &str) -> Keyring {
        let home = tempfile::Builder::new()
            .prefix("a37gpg")
            .tempdir()
            .expect("temporary GNUPGHOME");
        gpg_in(
            home.path(),
            &[
                "--pinentry-mode",
                "loopback",
                "--passphrase",
                "",
                "--quick-generate-key",
                &format!("{name} <release-test@agent37.invalid>"),
                "rsa2048",
                "sign",
                "1d",
            ],
        );
        let listing = gpg_in(home.path(), &["--list-secret-keys", "--with-colons"]);
        let fingerprint = listing
            .lines()
            .find_map(|l| l.strip_prefix("fpr:"))
            .and_then(|rest| rest.split(':').find(|f| f.len() == 40))
            .unwrap_or_else(|| panic!("no fingerprint in:\n{listing}"))
            .to_string();
        Keyring { home, fingerprint }
    }

    #[track_caller]
    fn gpg_ok(&self, args: &[&str]) -> String {
        gpg_in(self.home.path(), args)
    }

    /// The long key id Terraform prints: the fingerprint's last 16 hex digits.
    fn key_id(&self) -> &str {
        &self.fingerprint[24..]
    }

    fn armored_public_key(&self) -> String {
        self.gpg_ok(&["--armor", "--export", &self.fingerprint])
    }

    /// A detached binary signature of `file`.
    fn sign(&self, file: &Path) -> Vec<u8> {
        let out = file.with_extension("othersig");
        self.gpg_ok(&[
            "--yes",
            "--local-user",
            &self.fingerprint,
            "--detach-sign",
            "--output",
            &out.to_string_lossy(),
            &file.to_string_lossy(),
        ]);
        read(&out)
    }
}

/// `gpg --batch ARGS` with `home` as GNUPGHOME; its stdout.
#[track_caller]
fn gpg_in(home: &Path, args: &[&str]) -> String {
    let out = Command::new("gpg")
        .env("GNUPGHOME", home)
        .args(["--batch", "--no-tty"])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run gpg (Debian package gnupg): {e}"));
    assert!(
        out.status.success(),
        "gpg {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Drop for Keyring {
    fn drop(&mut self) {
        // The agent gpg started for this home only; nothing else is touched.
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "all"])
            .output();
    }
}

// ---------------------------------------------------------------------------------------------
// A registry over HTTPS on loopback.

/// What the server answers, by path; swappable while it runs.
type Routes = Arc<Mutex<HashMap<String, Vec<u8>>>>;

/// The registry: GET of fixed documents over HTTPS/1.1, one request per connection.
struct Registry {
    routes: Routes,
    requests: Arc<Mutex<Vec<String>>>,
    server: TlsServer,
}

impl Registry {
    fn start(pki: &Pki) -> Registry {
        let routes = Routes::default();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let server = {
            let (routes, requests) = (routes.clone(), requests.clone());
            TlsServer::start(pki, move |tls| {
                answer(tls, routes.clone(), requests.clone())
            })
        };
        Registry {
            routes,
            requests,
            server,
        }
    }

    /// `localhost:<port>`, the registry host in provider source addresses.
    fn host(&self) -> String {
        format!("localhost:{}", self.server.port())
    }

    fn url(&self, path: &str) -> String {
        format!("https://{}{path}", self.host())
    }

    fn put(&self, path: &str, body: Vec<u8>) {
        lock(&self.routes).insert(path.to_owned(), body);
    }

    fn requests(&self) -> Vec<String> {
        lock(&self.requests).clone()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn answer(
    mut tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>,
    routes: Routes,
    requests: Arc<Mutex<Vec<String>>>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match tls.read(&mut byte).await {
            Ok(1) if head.len() < 16 << 10 => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let target = head.split(' ').nth(1).unwrap_or("/");
    let path = target.split('?').next().unwrap_or(target).to_owned();
    lock(&requests).push(path.clone());
    let body = lock(&routes).get(&path).cloned();
    let (status, content_type, body) = match body {
        Some(body) if path.starts_with("/files/") => ("200 OK", "application/octet-stream", body),
        Some(body) => ("200 OK", "application/json", body),
        None => ("404 Not Found", "text/plain", b"not found\n".to_vec()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if tls.write_all(head.as_bytes()).await.is_ok() && tls.write_all(&body).await.is_ok() {
        let _ = tls.shutdown().await;
    }
}

// ---------------------------------------------------------------------------------------------
// The release, served by the protocol.

/// The release directory `cargo xtask release` wrote, and what each zip holds.
struct Release {
    dir: PathBuf,
    /// Platform → (file name in the zip, its bytes).
    contents: BTreeMap<&'static str, (String, Vec<u8>)>,
}

impl Release {
    fn zip_name(platform: &str) -> String {
        format!("{PROVIDER}_{VERSION}_{platform}.zip")
    }

    fn sums_name() -> String {
        format!("{PROVIDER}_{VERSION}_SHA256SUMS")
    }

    fn file(&self, name: &str) -> Vec<u8> {
        read(&self.dir.join(name))
    }

    /// The SHA256SUMS lines as file name → hex digest.
    fn sums(&self) -> BTreeMap<String, String> {
        String::from_utf8(self.file(&Self::sums_name()))
            .expect("SHA256SUMS is text")
            .lines()
            .map(|line| {
                let (hex, name) = line.split_once("  ").expect("sha256sum format");
                (name.to_owned(), hex.to_owned())
            })
            .collect()
    }
}

/// The binary of each platform: real where one was built, else a labelled placeholder.
fn release_inputs(dir: &Path) -> Vec<(&'static str, PathBuf, bool)> {
    let mut inputs = Vec::new();
    for platform in PLATFORMS {
        let built = match platform {
            "linux_amd64" => Some(provider_dir().join(PROVIDER)),
            "linux_arm64" => std::env::var_os("AGENT37_CROSS_LINUX_ARM64").map(PathBuf::from),
            "windows_amd64" => std::env::var_os("AGENT37_CROSS_WINDOWS_AMD64").map(PathBuf::from),
            _ => None,
        }
        .filter(|p| p.is_file());
        let (path, real) = match built {
            Some(path) => (path, true),
            None => {
                let path = dir.join(format!("placeholder-{platform}"));
                let text = format!(
                    "PLACEHOLDER for {platform}: not a build of the provider. \
                     tests/registry_install.rs packages it so that `terraform providers lock` \
                     has a {platform} package to verify and hash; `cargo xtask release --all` \
                     makes the real one.\n"
                );
                std::fs::write(&path, text).expect("write placeholder");
                (path, false)
            }
        };
        inputs.push((platform, path, real));
    }
    inputs
}

/// `cargo xtask release --from P=BIN ... --out <dir>/dist`, signed with `keyring`'s key.
fn make_release(dir: &Path, keyring: &Keyring) -> Release {
    let inputs = release_inputs(dir);
    let out = dir.join("dist");
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    cmd.current_dir(workspace_root())
        .args(["run", "--quiet", "--package", "xtask", "--", "release"])
        .arg("--out")
        .arg(&out)
        .env("GNUPGHOME", keyring.home.path())
        .env("AGENT37_RELEASE_GPG_KEY", &keyring.fingerprint);
    let mut contents = BTreeMap::new();
    for (platform, path, real) in &inputs {
        cmd.arg("--from")
            .arg(format!("{platform}={}", path.display()));
        let exe = if platform.starts_with("windows") {
            ".exe"
        } else {
            ""
        };
        contents.insert(
            *platform,
            (format!("{PROVIDER}_v{VERSION}{exe}"), read(path)),
        );
        eprintln!(
            "{platform}: {}",
            if *real {
                "real build"
            } else {
                "PLACEHOLDER (not a build)"
            }
        );
    }
    let out_text = testkit::process::run(
        cmd,
        "cargo xtask release --from ... (signed)".into(),
        Duration::from_secs(600),
        Duration::from_secs(5),
    );
    out_text.assert_success();
    assert!(
        out_text
            .stdout
            .contains(&format!("signed with key {}", keyring.fingerprint)),
        "{out_text}"
    );
    Release { dir: out, contents }
}

/// Serves `release` under the registry protocol, with `keyring`'s public key.
fn publish(registry: &Registry, release: &Release, keyring: &Keyring) {
    let base = "/v1/providers/agent37/agent37";
    registry.put(
        "/.well-known/terraform.json",
        br#"{"providers.v1": "/v1/providers/"}"#.to_vec(),
    );
    let platforms: Vec<serde_json::Value> = PLATFORMS
        .iter()
        .map(|p| {
            let (os, arch) = p.split_once('_').unwrap();
            serde_json::json!({"os": os, "arch": arch})
        })
        .collect();
    let versions = serde_json::json!({
        "versions": [{"version": VERSION, "protocols": ["6.0"], "platforms": platforms}]
    });
    registry.put(
        &format!("{base}/versions"),
        versions.to_string().into_bytes(),
    );
    let sums = release.sums();
    let sums_name = Release::sums_name();
    for platform in PLATFORMS {
        let (os, arch) = platform.split_once('_').unwrap();
        let zip = Release::zip_name(platform);
        let download = serde_json::json!({
            "protocols": ["6.0"],
            "os": os,
            "arch": arch,
            "filename": zip,
            "download_url": registry.url(&format!("/files/{zip}")),
            "shasums_url": registry.url(&format!("/files/{sums_name}")),
            "shasums_signature_url": registry.url(&format!("/files/{sums_name}.sig")),
            "shasum": sums[&zip],
            "signing_keys": {"gpg_public_keys": [{
                "key_id": keyring.key_id(),
                "ascii_armor": keyring.armored_public_key(),
                "trust_signature": "",
                "source": "Agent37",
                "source_url": null,
            }]},
        });
        registry.put(
            &format!("{base}/{VERSION}/download/{os}/{arch}"),
            download.to_string().into_bytes(),
        );
        registry.put(&format!("/files/{zip}"), release.file(&zip));
    }
    registry.put(&format!("/files/{sums_name}"), release.file(&sums_name));
    registry.put(
        &format!("/files/{sums_name}.sig"),
        release.file(&format!("{sums_name}.sig")),
    );
}

// ---------------------------------------------------------------------------------------------
// Terraform against it.

fn config(host: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    agent37 = {{
      source  = "{host}/agent37/agent37"
      version = "~> {VERSION}"
    }}
  }}
}}

resource "agent37_template" "t" {{
  name      = "registry-test"
  image_ref = "acme/agent:v1"
}}
"#
    )
}

/// A Terraform that installs from `registry` (no dev_overrides, no mirror: the default
/// `direct` installation) and trusts its CA.
fn terraform(version: TfVersion, registry: &Registry, ca_file: &Path) -> Terraform {
    let mut tf = Terraform::new(version);
    tf.write_cli_config("# Default installation: providers come from their registry.\n");
    tf.set_env("SSL_CERT_FILE", &ca_file.to_string_lossy());
    tf.write_main(&config(&registry.host()));
    tf
}

/// Terraform's `h1:` hash of a package holding one file: base64 of the SHA-256 of the line
/// `"<sha256 hex of the file>  <name>\n"` (Go's dirhash Hash1).
fn h1(name: &str, bytes: &[u8]) -> String {
    let line = format!("{}  {name}\n", hex::encode(Sha256::digest(bytes)));
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(line.as_bytes()))
    )
}

/// The `hashes` of the lock file's only provider.
fn lock_hashes(lock: &str) -> BTreeSet<String> {
    lock.lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix('"')?.strip_suffix("\","))
        .map(str::to_string)
        .collect()
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A signed release made by `cargo xtask release`, published by a registry on loopback.
struct Published {
    keyring: Keyring,
    release: Release,
    registry: Registry,
    /// The registry's CA, for `SSL_CERT_FILE`.
    ca_file: PathBuf,
    _work: testkit::Workdir,
}

impl Published {
    fn new() -> Published {
        let keyring = Keyring::new("Agent37 Release Test");
        let work = testkit::Workdir::new();
        let release = make_release(work.path(), &keyring);
        let pki = Pki::new("agent37 registry test CA");
        let ca_file = work.path().join("ca.pem");
        std::fs::write(&ca_file, &pki.ca_pem).expect("write the CA file");
        let registry = Registry::start(&pki);
        publish(&registry, &release, &keyring);
        Published {
            keyring,
            release,
            registry,
            ca_file,
            _work: work,
        }
    }
}

#[test]
fn terraform_installs_the_signed_release_from_a_registry_and_locks_every_platform() {
    let Published {
        keyring,
        release,
        registry,
        ca_file,
        _work,
    } = Published::new();
    let emulator = Emulator::start(&[]);

    // Terraform records a zh: (zip hash) for every line of the signed SHA256SUMS (the
    // manifest's too) and an h1: (hash of the unpacked contents) per platform it unpacked.
    let sums = release.sums();
    let zh: BTreeSet<String> = sums.values().map(|hex| format!("zh:{hex}")).collect();
    assert_eq!(zh.len(), PLATFORMS.len() + 1, "{sums:?}");
    let h1_of = |platform: &str| {
        let (name, bytes) = &release.contents[platform];
        h1(name, bytes)
    };
    let expected: BTreeSet<String> = PLATFORMS
        .iter()
        .map(|p| h1_of(p))
        .chain(zh.clone())
        .collect();
    let all_platforms: Vec<String> = PLATFORMS.iter().map(|p| format!("-platform={p}")).collect();
    let all_platforms: Vec<&str> = all_platforms.iter().map(String::as_str).collect();

    for version in TfVersion::ALL {
        let mut tf = terraform(version, &registry, &ca_file);
        tf.use_emulator(&emulator);
        let init = tf.run_ok(&["init"]);
        let installed = format!(
            "Installed {}/agent37/agent37 v{VERSION} (self-signed, key ID {})",
            registry.host(),
            keyring.key_id()
        );
        assert!(init.stdout.contains(&installed), "{installed}\n{init}");

        // init locks the installed platform's h1: and the zh: of every zip in the signed sums.
        let lock = tf.workdir().read(".terraform.lock.hcl");
        let host = registry.host();
        assert!(
            lock.contains(&format!("provider \"{host}/agent37/agent37\" {{")),
            "{lock}"
        );
        let mut after_init = zh.clone();
        after_init.insert(h1_of("linux_amd64"));
        assert_eq!(lock_hashes(&lock), after_init, "{lock}");

        let mut lock_args = vec!["providers", "lock"];
        lock_args.extend(&all_platforms);
        tf.run_ok(&lock_args);
        let lock = tf.workdir().read(".terraform.lock.hcl");
        assert_eq!(lock_hashes(&lock), expected, "{lock}");

        // The installed provider is this build's, and it runs.
        let (name, bytes) = &release.contents["linux_amd64"];
        let installed_binary = tf
            .dir()
            .join(".terraform/providers")
            .join(&host)
            .join("agent37/agent37")
            .join(VERSION)
            .join("linux_amd64")
            .join(name);
        assert!(
            read(&installed_binary) == *bytes,
            "{}",
            installed_binary.display()
        );
        let plan = tf.plan_json();
        assert_eq!(
            plan.actions_of("agent37_template.t"),
            ["create"],
            "{:#?}",
            plan.actions()
        );
    }
    let requests = registry.requests();
    for path in [
        "/.well-known/terraform.json".to_owned(),
        format!("/files/{}.sig", Release::sums_name()),
    ] {
        assert!(
            requests.contains(&path),
            "{path} never fetched: {requests:?}"
        );
    }
}

#[test]
fn init_refuses_a_tampered_zip_or_a_signature_by_another_key() {
    let Published {
        keyring: _,
        release,
        registry,
        ca_file,
        _work,
    } = Published::new();
    let zip = Release::zip_name("linux_amd64");
    let sums_name = Release::sums_name();

    // A zip whose bytes are not those the signed sums list (the last byte flipped).
    let mut tampered = release.file(&zip);
    *tampered.last_mut().unwrap() ^= 0xFF;
    registry.put(&format!("/files/{zip}"), tampered);
    for version in TfVersion::ALL {
        let tf = terraform(version, &registry, &ca_file);
        let out = tf.run(&["init"]);
        out.assert_failure();
        let text = out.combined();
        assert!(
            text.contains("checksum"),
            "expected a checksum error:\n{out}"
        );
        assert!(!tf.dir().join(".terraform.lock.hcl").exists(), "{out}");
    }

    // The genuine zip, but SHA256SUMS signed by a key the registry does not announce.
    registry.put(&format!("/files/{zip}"), release.file(&zip));
    let stranger = Keyring::new("Someone Else");
    registry.put(
        &format!("/files/{sums_name}.sig"),
        stranger.sign(&release.dir.join(&sums_name)),
    );
    for version in TfVersion::ALL {
        let tf = terraform(version, &registry, &ca_file);
        let out = tf.run(&["init"]);
        out.assert_failure();
        assert!(
            out.combined().contains("signature"),
            "expected a signature error:\n{out}"
        );
        assert!(!tf.dir().join(".terraform.lock.hcl").exists(), "{out}");
    }
}
