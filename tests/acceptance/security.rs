//! Secrets and transport security through real Terraform:
//!
//! - a full apply / plan / destroy of an instance, its budget, a data source and a signed URL with
//!   `TF_LOG=trace`: the API key (given in the provider block, through an ephemeral variable)
//!   appears in no log line, output, plan, state, error or any other file Terraform wrote, and
//!   the signed URL in no state, plan or output;
//! - a wrong key gives a clear error that does not carry the key;
//! - `http://` to a non-loopback host is refused before any request (see also
//!   the `provider` module);
//! - TLS to the API verifies certificates: a local HTTPS server with a self-signed certificate
//!   is refused without `ca_cert_pem`, accepted with it, and refused again under a host name the
//!   certificate does not name.
//!
//! That only the Terraform process that started the provider can talk to it (the pinned client
//! certificate of the plugin channel) is shown in `tests/protocol.rs`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use testkit::hcl::REQUIRED_PROVIDERS;
use testkit::prelude::*;

const KEY: &str = "sk_live_SECRETsecretSECRETsecret01";
const WRONG_KEY: &str = "sk_live_WRONGwrongWRONGwrongWRONG";

fn full_config() -> String {
    format!(
        r#"{REQUIRED_PROVIDERS}
# Ephemeral (Terraform >= 1.10): Terraform itself keeps an ordinary variable's value in saved
# plans; an ephemeral one it keeps nowhere, so whatever is found below would be the provider's.
variable "key" {{
  type      = string
  sensitive = true
  ephemeral = true
}}

provider "agent37" {{
  api_key = var.key
}}

resource "agent37_instance" "s" {{
  name = "secrets"
}}

resource "agent37_budget" "s" {{
  instance_id        = agent37_instance.s.id
  monthly_cap_micros = 1000000
  topup_micros       = 250000
}}

data "agent37_instance" "s" {{
  id = agent37_instance.s.id
}}

ephemeral "agent37_signed_url" "s" {{
  instance_id = agent37_instance.s.id
  ttl_seconds = 60
}}

resource "terraform_data" "open" {{
  provisioner "local-exec" {{
    command     = "python3 -c \"import os, urllib.request; urllib.request.urlopen(os.environ['URL']).read()\""
    environment = {{ URL = ephemeral.agent37_signed_url.s.url }}
  }}
}}

output "url" {{
  value = data.agent37_instance.s.url
}}
"#
    )
}

/// Every file under `dir`, recursively (the provider binary's directory is not in it).
pub(crate) fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

pub(crate) fn assert_absent(needle: &str, what: &str, haystack: &str) {
    assert!(
        !haystack.contains(needle),
        "{needle:?} found in {what}: …{}…",
        haystack
            .find(needle)
            .map(|i| &haystack[i.saturating_sub(200)..(i + needle.len() + 100).min(haystack.len())])
            .unwrap_or_default()
    );
}

fn secrets_stay_secret(m: Matrix) {
    let emu = m.emulator(&["--api-key", KEY]);
    let mut case = m.case(&emu);
    case.tf_mut()
        .set_env("AGENT37_API_KEY", "")
        .set_env("TF_VAR_key", KEY)
        .set_env("TF_LOG", "trace")
        .set_env("TF_LOG_PATH", "trace.log");

    let mut outputs = Vec::new();
    outputs.push(case.apply(full_config()).output);
    let tf = case.tf_mut();
    let plan = tf.plan_json();
    assert!(plan.actions().is_empty(), "{:?}", plan.actions());
    outputs.push(tf.run_ok(&["output", "-json"]));
    let state_json = tf.show_state_json().to_string();
    let plan_json = plan.json.to_string();

    // A wrong key: refused with the API's answer, and the wrong key is not repeated either.
    tf.set_env("TF_VAR_key", WRONG_KEY);
    let refused = tf.run(&["plan"]);
    assert!(!refused.success(), "{refused}");
    assert!(refused.stderr.contains("invalid_api_key"), "{refused}");
    assert_absent(WRONG_KEY, "the refused plan's output", &refused.combined());
    tf.set_env("TF_VAR_key", KEY);

    outputs.push(case.destroy().output);
    let tf = case.tf();

    let log = tf.workdir().read("trace.log");
    assert!(
        log.lines().count() > 1000 && log.contains("ConfigureProvider"),
        "the trace log is not complete"
    );
    assert!(
        log.contains("terraform-provider-agent37"),
        "the provider's own lines are in the trace log"
    );
    assert_absent(WRONG_KEY, "the trace log", &log);

    // The key: nowhere at all (every file of the working directory, every output).
    for out in &outputs {
        assert_absent(KEY, &out.command, &out.combined());
    }
    assert_absent(KEY, "terraform show -json", &state_json);
    assert_absent(KEY, "the plan (show -json)", &plan_json);
    for file in files_under(tf.dir()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert_absent(KEY, &file.display().to_string(), &text);
    }

    // The signed URL: in no state, plan or output.
    for (what, text) in [
        ("state", tf.workdir().read("terraform.tfstate")),
        (
            "state backup",
            tf.workdir().read("terraform.tfstate.backup"),
        ),
        ("terraform show -json", state_json.clone()),
        ("the plan", plan_json.clone()),
    ] {
        assert_absent("a37_token", what, &text);
    }
    for out in &outputs {
        assert_absent("a37_token", &out.command, &out.stdout);
    }
    // The URL was really minted and used (else the check above proves nothing).
    let used = emu.requests()["counters"]["POST /v1/instances/{id}/signed-url"]
        .as_u64()
        .unwrap_or(0);
    assert!(used >= 1, "the signed URL was minted");
}

matrix!(secrets_stay_secret);

/// Plain http to another host is refused at validate time, and from the environment when the
/// provider is configured: the key never leaves in clear text.
fn plain_http_is_refused(m: Matrix) {
    let mut tf = Terraform::new(m.tf);
    tf.set_env("AGENT37_API_KEY", KEY)
        .set_env("AGENT37_BASE_URL", "");
    tf.write_main(&format!(
        "{REQUIRED_PROVIDERS}\nprovider \"agent37\" {{\n  base_url = \"http://10.1.2.3/v1\"\n}}\n\
         data \"agent37_templates\" \"all\" {{}}\n"
    ));
    let v = tf.validate_json();
    let errors = v.errors();
    assert_eq!(errors.len(), 1, "{v:?}");
    assert_eq!(errors[0].attribute().as_deref(), Some("base_url"), "{v:?}");
    assert!(errors[0].detail.contains("http"), "{v:?}");

    tf.set_env("AGENT37_BASE_URL", "http://example.com/v1");
    tf.write_main(&format!(
        "{REQUIRED_PROVIDERS}\nprovider \"agent37\" {{}}\ndata \"agent37_templates\" \"all\" {{}}\n"
    ));
    let out = tf.run(&["plan"]);
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("Invalid base URL"), "{out}");
    assert_absent(KEY, "the refused plan", &out.combined());
}

matrix!(plain_http_is_refused);

// ---------------------------------------------------------------------------------------------
// TLS: a local HTTPS API with a self-signed certificate
// ---------------------------------------------------------------------------------------------

/// Serves `GET /v1/templates` over TLS with a fresh self-signed certificate for `localhost`.
struct TlsApi {
    port: u16,
    cert_pem: String,
    /// Requests that completed a TLS handshake and were answered.
    served: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

const TEMPLATES: &str = r#"{"data":[{"name":"agent37-hermes","scope":"system","agents":["hermes"],"image_ref":"ghcr.io/agent37-platform/hermes:2026.06.20","description":null,"ports":[{"port":3737,"default":true}],"created":null,"updated":null}]}"#;

impl TlsApi {
    fn start() -> TlsApi {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
            .expect("a self-signed certificate");
        let cert_pem = certified.cert.pem();
        let key =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = Arc::new(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_no_client_auth()
                .with_single_cert(vec![certified.cert.der().clone()], key)
                .expect("server config"),
        );
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("address").port();
        let served = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (served, stop) = (served.clone(), stop.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(conn) = conn else { continue };
                    let (config, served) = (config.clone(), served.clone());
                    std::thread::spawn(move || serve_tls(conn, config, &served));
                }
            })
        };
        TlsApi {
            port,
            cert_pem,
            served,
            stop,
            accept: Some(accept),
        }
    }
}

impl Drop for TlsApi {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

fn serve_tls(conn: TcpStream, config: Arc<rustls::ServerConfig>, served: &AtomicUsize) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
    let Ok(session) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(session, conn);
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    // The handshake happens on the first read; a client that refuses the certificate ends here.
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&request);
    let (status, body) = if head.starts_with("GET /v1/templates ") {
        (200, TEMPLATES.to_string())
    } else {
        (
            404,
            r#"{"error":{"code":"not_found","message":"no such path"}}"#.to_string(),
        )
    };
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    if tls.write_all(reply.as_bytes()).is_ok() {
        served.fetch_add(1, Ordering::SeqCst);
    }
    tls.conn.send_close_notify();
    let _ = tls.flush();
}

fn tls_config(base_url: &str, ca_pem: Option<&str>) -> String {
    let ca = ca_pem
        .map(|pem| format!("  ca_cert_pem = {}\n", hcl::string(pem)))
        .unwrap_or_default();
    format!(
        r#"{REQUIRED_PROVIDERS}
provider "agent37" {{
  base_url    = "{base_url}"
  max_retries = 0
{ca}}}

data "agent37_templates" "all" {{}}

output "names" {{
  value = data.agent37_templates.all.names
}}
"#
    )
}

fn tls_verifies_certificates(m: Matrix) {
    let api = TlsApi::start();
    let mut case = Case::new(m);
    case.tf_mut()
        .set_env("AGENT37_API_KEY", KEY)
        .set_env("AGENT37_BASE_URL", "");
    let tf = case.tf();
    let base = format!("https://localhost:{}/v1", api.port);

    // Unknown issuer: refused, with a diagnostic that says why.
    tf.write_main(&tls_config(&base, None));
    let out = tf.run(&["plan"]);
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("Unable to list templates"), "{out}");
    assert!(
        out.stderr.to_lowercase().contains("certificate"),
        "the error names the certificate problem:\n{out}"
    );
    assert_eq!(api.served.load(Ordering::SeqCst), 0, "nothing was served");

    // Trusted through ca_cert_pem: the data source reads.
    case.apply(tls_config(&base, Some(&api.cert_pem)));
    let tf = case.tf();
    let outputs: Value = tf.output_json();
    assert_eq!(
        outputs["names"]["value"],
        serde_json::json!(["agent37-hermes"])
    );
    assert!(api.served.load(Ordering::SeqCst) >= 1);

    // The same trusted certificate under a name it does not carry (127.0.0.1): refused, so
    // verification checks the host, not only the chain.
    let served = api.served.load(Ordering::SeqCst);
    tf.write_main(&tls_config(
        &format!("https://127.0.0.1:{}/v1", api.port),
        Some(&api.cert_pem),
    ));
    let out = tf.run(&["plan", "-refresh=true"]);
    assert!(!out.success(), "{out}");
    assert!(out.stderr.contains("Unable to list templates"), "{out}");
    assert_eq!(api.served.load(Ordering::SeqCst), served);
}

matrix!(tls_verifies_certificates);
