//! Which certificate authorities the provider trusts for the API, end to end: the real provider
//! under Terraform talks HTTPS to `https://localhost:<port>/v1`, a TLS front (a throwaway CA's
//! certificate) forwarding to the emulator.
//!
//! The provider verifies with the operating system's trust (rustls-platform-verifier): on
//! Linux the system's CA files, or exactly the ones `SSL_CERT_FILE` / `SSL_CERT_DIR` name, as
//! with OpenSSL and Go; on macOS the Keychain; on Windows the certificate store. On top of it,
//! on every platform, `ca_cert_pem` adds CAs (a corporate proxy's, a private API gateway's).
//! The Linux behaviour and `ca_cert_pem` are proven here; README explains the others.

use std::net::SocketAddr;

use testkit::hcl::string as hcl_string;
use testkit::tls_server::{Pki, TlsServer, forward_to};
use testkit::{Emulator, Terraform, TfVersion};

/// A template resource, and a provider block with `extra` settings; the key and base URL come
/// from the environment.
fn config(extra: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    agent37 = {{ source = "agent37/agent37" }}
  }}
}}

provider "agent37" {{
{extra}
}}

resource "agent37_template" "t" {{
  name      = "tls-test"
  image_ref = "acme/agent:v1"
}}
"#
    )
}

struct Setup {
    emulator: Emulator,
    pki: Pki,
    front: TlsServer,
    work: testkit::Workdir,
}

impl Setup {
    fn new() -> Setup {
        let emulator = Emulator::start(&[]);
        let upstream: SocketAddr = emulator
            .root_url()
            .trim_start_matches("http://")
            .parse()
            .expect("emulator address");
        let pki = Pki::new("agent37 corporate test CA");
        let front = TlsServer::start(&pki, forward_to(upstream));
        let work = testkit::Workdir::new();
        work.write("ca.pem", &pki.ca_pem);
        work.write("other-ca.pem", &Pki::new("unrelated CA").ca_pem);
        Setup {
            emulator,
            pki,
            front,
            work,
        }
    }

    /// Terraform with the provider pointed at the TLS front, and `SSL_CERT_FILE` set to the
    /// file `ssl_cert_file` of the work directory.
    fn terraform(&self, ssl_cert_file: &str, extra: &str) -> Terraform {
        let mut tf = Terraform::with_emulator(TfVersion::V1_15, &self.emulator);
        tf.set_env(
            "AGENT37_BASE_URL",
            &format!("https://localhost:{}/v1", self.front.port()),
        )
        .set_env(
            "SSL_CERT_FILE",
            &self.work.path().join(ssl_cert_file).to_string_lossy(),
        )
        // Only the file: the system's directories must not decide the outcome.
        .set_env(
            "SSL_CERT_DIR",
            &self.work.path().join("no-certs").to_string_lossy(),
        );
        tf.write_main(&config(extra));
        tf
    }

    fn template_exists(&self) -> bool {
        self.emulator.api("GET", "/templates/tls-test", None).status == 200
    }
}

#[test]
fn ssl_cert_file_decides_what_the_provider_trusts_on_linux() {
    let setup = Setup::new();

    // A CA file without the API's CA: the apply fails on the certificate, nothing is created.
    let tf = setup.terraform("other-ca.pem", "");
    let out = tf.run(&["apply", "-auto-approve"]);
    out.assert_failure();
    assert!(
        out.stderr.contains("certificate") || out.stderr.contains("UnknownIssuer"),
        "expected a certificate error:\n{out}"
    );
    assert!(!setup.template_exists());

    // SSL_CERT_FILE naming the CA: the same apply goes through.
    let tf = setup.terraform("ca.pem", "");
    tf.apply();
    assert!(setup.template_exists());
    tf.assert_no_changes();
    tf.destroy();
    assert!(!setup.template_exists());
}

#[test]
fn ca_cert_pem_adds_a_ca_on_top_of_the_system_trust() {
    let setup = Setup::new();
    let pem = hcl_string(&setup.pki.ca_pem);
    // SSL_CERT_FILE does not know the CA; the provider block does.
    let tf = setup.terraform("other-ca.pem", &format!("  ca_cert_pem = {pem}"));
    tf.apply();
    assert!(setup.template_exists());
    tf.assert_no_changes();
    tf.destroy();
    assert!(!setup.template_exists());
}
