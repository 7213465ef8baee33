//! Test-side stand-in for Terraform's go-plugin client: starts the provider
//! binary with the environment Terraform gives it, parses the handshake line,
//! and connects over the advertised socket with AutoMTLS.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use base64::Engine as _;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tonic::codegen::{Context, Future, Pin, Poll, Service};
use tonic::transport::{Channel, Endpoint, Uri};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The binary under test: [`crate::paths::provider_bin`] (`AGENT37_PROVIDER_DIR`, else
/// `target/debug`, where cargo builds it before the package's integration tests).
pub fn provider_bin() -> PathBuf {
    crate::paths::provider_bin()
}
pub const COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
pub const COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// A certificate and key like the one Terraform makes per run: a
/// self-signed P-521 CA for `localhost`.
#[derive(Clone)]
pub struct ClientIdentity {
    pub pem: String,
    pub der: CertificateDer<'static>,
    pub key_der: Vec<u8>,
}

impl ClientIdentity {
    pub fn generate() -> Self {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512)
            .expect("P-521 key generation");
        let mut params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("cert params");
        let mut name = rcgen::DistinguishedName::new();
        name.push(rcgen::DnType::CommonName, "localhost");
        name.push(rcgen::DnType::OrganizationName, "HashiCorp");
        params.distinguished_name = name;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyAgreement,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        ];
        let cert = params.self_signed(&key).expect("self-signed cert");
        Self {
            pem: cert.pem(),
            der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }
}

/// The parsed handshake line.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub raw: String,
    pub core_version: String,
    pub app_version: String,
    pub network: String,
    pub address: String,
    pub protocol: String,
    /// DER of the server certificate, when TLS is on.
    pub server_cert: Option<Vec<u8>>,
}

impl Handshake {
    pub fn parse(line: &str) -> Result<Self, String> {
        let parts: Vec<&str> = line.split('|').collect();
        let [core, app, network, address, protocol, cert] = parts.as_slice() else {
            return Err(format!("expected 6 fields in {line:?}"));
        };
        let server_cert = if cert.is_empty() {
            None
        } else {
            Some(
                base64::engine::general_purpose::STANDARD_NO_PAD
                    .decode(cert)
                    .map_err(|e| format!("certificate field is not unpadded base64: {e}"))?,
            )
        };
        Ok(Self {
            raw: line.to_owned(),
            core_version: (*core).to_owned(),
            app_version: (*app).to_owned(),
            network: (*network).to_owned(),
            address: (*address).to_owned(),
            protocol: (*protocol).to_owned(),
            server_cert,
        })
    }
}

/// How to start the plugin.
#[derive(Default, Clone)]
pub struct Launch {
    pub args: Vec<String>,
    /// Environment, on top of an empty one (nothing leaks in from the shell).
    pub env: Vec<(String, String)>,
}

impl Launch {
    /// The environment Terraform gives a provider: cookie, versions, client
    /// cert, socket dir.
    pub fn managed(socket_dir: &Path, client: Option<&ClientIdentity>) -> Self {
        let mut l = Self::default()
            .env(COOKIE_KEY, COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "5,6")
            .env("PLUGIN_UNIX_SOCKET_DIR", &socket_dir.display().to_string())
            .env("PLUGIN_MIN_PORT", "10000")
            .env("PLUGIN_MAX_PORT", "25000");
        if let Some(c) = client {
            l = l.env("PLUGIN_CLIENT_CERT", &c.pem);
        }
        l
    }

    pub fn env(mut self, key: &str, value: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn without(mut self, key: &str) -> Self {
        self.env.retain(|(k, _)| k != key);
        self
    }

    pub fn arg(mut self, arg: &str) -> Self {
        self.args.push(arg.to_owned());
        self
    }

    /// Starts [`provider_bin`] with this environment and arguments.
    pub fn spawn(&self) -> PluginProcess {
        let bin = provider_bin();
        assert!(
            bin.is_file(),
            "{} is not built: run `cargo xtask test` or `cargo build --workspace --bins`",
            bin.display()
        );
        self.spawn_program(&bin.to_string_lossy(), &self.args)
    }

    /// Like [`Launch::spawn`] but runs `program` (e.g. a shell that starts the
    /// plugin) with this environment.
    pub fn spawn_program(&self, program: &str, args: &[String]) -> PluginProcess {
        let started = Instant::now();
        let mut child = Command::new(program)
            .args(args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the provider binary");
        let (tx, stdout_lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        let stderr_buf = Arc::new(Mutex::new(String::new()));
        let mut stderr = child.stderr.take().expect("piped stderr");
        let sink = Arc::clone(&stderr_buf);
        let stderr_reader = std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = stderr.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                let mut s = sink.lock().unwrap_or_else(|p| p.into_inner());
                s.push_str(&String::from_utf8_lossy(&chunk[..n]));
            }
        });
        PluginProcess {
            child,
            started,
            stdout_lines,
            stderr: stderr_buf,
            stderr_reader: Some(stderr_reader),
            socket: None,
        }
    }
}

/// A running plugin; killed on drop, whatever happened in the test.
pub struct PluginProcess {
    pub child: Child,
    pub started: Instant,
    stdout_lines: mpsc::Receiver<(Instant, String)>,
    stderr: Arc<Mutex<String>>,
    /// Done once the pipe is closed: all the process wrote is in `stderr`.
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    socket: Option<PathBuf>,
}

impl PluginProcess {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Next stdout line, with the time it arrived.
    pub fn next_line(&self, timeout: Duration) -> Option<(Instant, String)> {
        self.stdout_lines.recv_timeout(timeout).ok()
    }

    /// Reads and parses the handshake line, waiting as long as Terraform does (a minute): a
    /// provider that answers within that works, and a loaded test machine must not fail it.
    pub fn handshake(&mut self) -> Handshake {
        self.handshake_within(Duration::from_secs(60))
    }

    /// [`Self::handshake`] with a longer wait, for a plugin started through an emulator of
    /// another platform (Wine, qemu) whose own start-up precedes the provider's.
    pub fn handshake_within(&mut self, wait: Duration) -> Handshake {
        let (_, line) = self
            .next_line(wait)
            .unwrap_or_else(|| panic!("no handshake line; stderr:\n{}", self.stderr()));
        let hs = Handshake::parse(&line).unwrap_or_else(|e| panic!("{e}"));
        if hs.network == "unix" {
            self.socket = Some(PathBuf::from(&hs.address));
        }
        hs
    }

    pub fn stderr(&self) -> String {
        self.stderr
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Waits up to `timeout` for the process to exit on its own; once it has, what it wrote to
    /// stderr is all in [`PluginProcess::stderr`] (the reader is given up to 2 s to drain the
    /// pipe, which a child the process left behind may still hold open).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => {
                    self.drain_stderr(Duration::from_secs(2));
                    return Some(status);
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => return None,
            }
        }
    }

    fn drain_stderr(&mut self, grace: Duration) {
        let deadline = Instant::now() + grace;
        while self
            .stderr_reader
            .as_ref()
            .is_some_and(|r| !r.is_finished())
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        if let Some(reader) = self.stderr_reader.take_if(|r| r.is_finished()) {
            let _ = reader.join();
        }
    }

    /// Sends a signal by name (`INT`, `TERM`) to this child only.
    pub fn signal(&self, name: &str) {
        assert!(send_signal(self.pid(), name), "kill -{name} failed");
    }
}

impl Drop for PluginProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        // A killed plugin cannot clean up after itself.
        if let Some(socket) = &self.socket {
            let _ = std::fs::remove_file(socket);
        }
    }
}

/// Sends signal `name` to `pid` (a process this test started); true if sent.
pub fn send_signal(pid: u32, name: &str) -> bool {
    crate::process::signal_pid(pid, name)
}

/// Kills a grandchild (started through a shell) on drop, if still running.
pub struct KillOnDrop(pub u32);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        send_signal(self.0, "KILL");
    }
}

/// TLS settings for the client side, as go-plugin's AutoMTLS client uses
/// them: our certificate, the server's certificate pinned as the only root,
/// server name `localhost`, ALPN h2.
pub fn client_tls(
    server_cert: &[u8],
    identity: Option<&ClientIdentity>,
) -> Result<Arc<rustls::ClientConfig>, BoxError> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(server_cert.to_vec()))?;
    // Full web-PKI verification against the pinned certificate: checks the
    // SAN, the serverAuth usage and validity, as Go's client does.
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::clone(&provider),
    )
    .build()?;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_webpki_verifier(verifier);
    let mut config = match identity {
        Some(id) => builder.with_client_auth_cert(
            vec![id.der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(id.key_der.clone())),
        )?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// Connects a gRPC channel to the advertised address; TLS when `tls` is set.
pub async fn connect(
    hs: &Handshake,
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<Channel, BoxError> {
    let connector = Connector {
        network: hs.network.clone(),
        address: hs.address.clone(),
        tls,
    };
    let channel = Endpoint::try_from("http://localhost")?
        // Generous: under load a TLS accept can take seconds; a refused connection still fails
        // at once.
        .connect_timeout(Duration::from_secs(30))
        .connect_with_connector(connector)
        .await?;
    Ok(channel)
}

pub trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + Unpin> Io for T {}

/// Opens the socket the handshake advertised, plus TLS when configured.
#[derive(Clone)]
struct Connector {
    network: String,
    address: String,
    tls: Option<Arc<rustls::ClientConfig>>,
}

impl Connector {
    async fn open(self) -> Result<TokioIo<Box<dyn Io>>, BoxError> {
        let io: Box<dyn Io> = match self.network.as_str() {
            "unix" => Box::new(tokio::net::UnixStream::connect(&self.address).await?),
            "tcp" => {
                let s = tokio::net::TcpStream::connect(&self.address).await?;
                s.set_nodelay(true)?;
                Box::new(s)
            }
            other => return Err(format!("unknown network {other}").into()),
        };
        let Some(cfg) = self.tls else {
            return Ok(TokioIo::new(io));
        };
        let name = ServerName::try_from("localhost")?;
        let stream = tokio_rustls::TlsConnector::from(cfg)
            .connect(name, io)
            .await?;
        let alpn = stream.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
        if alpn.as_deref() != Some(b"h2") {
            return Err(format!("server did not negotiate h2: {alpn:?}").into());
        }
        Ok(TokioIo::new(Box::new(stream)))
    }
}

impl Service<Uri> for Connector {
    type Response = TokioIo<Box<dyn Io>>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _uri: Uri) -> Self::Future {
        Box::pin(self.clone().open())
    }
}
