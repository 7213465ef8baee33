//! The go-plugin host contract: everything between "Terraform starts the
//! binary" and "the `tfplugin6.Provider` service answers RPCs".
//!
//! [`run`] is the whole story for `main`:
//!
//! 1. checks the magic cookie (a person running the binary gets a friendly
//!    message and exit code 1) and picks protocol 6 from
//!    `PLUGIN_PROTOCOL_VERSIONS`;
//! 2. sets up AutoMTLS when Terraform passed `PLUGIN_CLIENT_CERT`: a fresh
//!    self-signed server certificate, and only Terraform's exact client
//!    certificate accepted;
//! 3. listens on a private unix socket (TCP on loopback as a fallback, and
//!    always on Windows, as go-plugin does there);
//! 4. prints the handshake line `1|6|unix|<path>|grpc|<cert>` on stdout, and
//!    never writes to stdout again;
//! 5. serves the provider together with go-plugin's controller, stdio and
//!    broker services and the gRPC health service, until Terraform calls
//!    `GRPCController/Shutdown` or SIGTERM arrives (SIGINT is ignored: under
//!    Terraform, Ctrl-C arrives as `StopProvider`; Windows' console events
//!    map onto the same rules), or Terraform itself is gone;
//! 6. removes the socket and returns.
//!
//! With `--debug` it skips 1–2, serves plaintext, prints the
//! `TF_REATTACH_PROVIDERS` value to use (and which of the provider's
//! environment variables this process has), and stops on Ctrl-C or SIGTERM.
//! `--version` and `--help` print their text and exit (`usage`).
//!
//! Logging goes through `tracing`; [`logging::init`] (called by [`run`])
//! writes hclog JSON lines on stderr at the level `TF_LOG_PROVIDER`/`TF_LOG`
//! ask for.

mod cookie;
mod debug;
mod error;
mod handshake;
mod host;
mod incoming;
mod listener;
pub mod logging;
mod parent;
mod server;
mod services;
mod shutdown;
mod signals;
mod tls;
mod usage;
mod version;

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

pub use cookie::{CookieError, MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE};
pub use error::PluginError;
pub use host::Host;
pub use server::MAX_MESSAGE_SIZE;
pub use tls::TlsError;
pub use usage::{Invocation, help_text, version_text};
pub use version::{PROTOCOL_VERSION, VersionError};

use crate::proto::tfplugin6::provider_server::Provider;
use listener::ListenConfig;
use shutdown::Shutdown;

/// How the process was started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Started by Terraform: cookie, AutoMTLS, handshake line.
    Managed,
    /// Started by a person with `--debug`: plaintext, reattach instructions.
    Debug,
}

/// Runs the provider as a go-plugin server and returns the process exit code.
/// Call it from `main`, which names the provider (`host`) and wires the tfplugin6 service
/// (the SDK's server) to this host, and return its result:
///
/// ```ignore
/// fn main() -> std::process::ExitCode {
///     agent37_provider::plugin::run(HOST, agent37_provider::sdk::Server::new(MyProvider))
/// }
/// ```
///
/// Reads the command line (`--version` and `--help` print their text and return), installs
/// the logger, and builds a single-threaded tokio runtime (Terraform issues up to
/// `-parallelism` RPCs at once, but each spends microseconds on the CPU and the rest waiting
/// on the API: one thread interleaves them without the cross-thread wake-ups and work
/// stealing a pool pays on every RPC), then does everything [`serve`] does. Any
/// failure is reported on stderr as one human-readable message, exit code 1.
pub fn run<P: Provider>(host: Host, provider: P) -> ExitCode {
    let mode = match Invocation::from_args(&host, std::env::args_os().skip(1)) {
        Ok(Invocation::Serve(mode)) => Ok(mode),
        Ok(Invocation::Version) => return print(&version_text(&host)),
        Ok(Invocation::Help) => return print(&help_text(&host)),
        Err(e) => Err(e),
    };
    logging::init(&host);
    let result = mode.and_then(|mode| {
        let runtime = runtime(&host)?;
        let result = runtime.block_on(serve(host, provider, mode));
        // Blocking tasks that ignore cancellation must not hold up exit;
        // Terraform kills us 2 s after Shutdown anyway.
        runtime.shutdown_timeout(Duration::from_millis(250));
        result
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// `--version` and `--help`: the text on stdout, exit code 0 (1 if stdout is gone).
fn print(text: &str) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn runtime(host: &Host) -> Result<tokio::runtime::Runtime, PluginError> {
    tokio::runtime::Builder::new_current_thread()
        .thread_name(format!("{}-provider", host.name))
        .enable_all()
        .build()
        .map_err(PluginError::Runtime)
}

/// Serves `provider` in the given mode until shutdown, on the current tokio
/// runtime (which must have the I/O, time and signal drivers enabled). This is
/// [`run`] without argument parsing, logger or runtime setup; the environment
/// is read from the process.
pub async fn serve<P: Provider>(host: Host, provider: P, mode: Mode) -> Result<(), PluginError> {
    let env = |key: &str| std::env::var(key).ok();
    let (app_version, tls) = match mode {
        Mode::Managed => {
            cookie::check(&host, std::env::var_os(MAGIC_COOKIE_KEY).as_deref())?;
            let version = version::negotiate(env(version::PROTOCOL_VERSIONS_KEY).as_deref())?;
            (version, tls_from_env()?)
        }
        Mode::Debug => (PROTOCOL_VERSION, None),
    };

    let (listener, address, socket_file) = listener::bind(&ListenConfig::from_env(env)?)?;
    let shutdown = Shutdown::new();
    signals::install(mode, shutdown.clone())?;
    if mode == Mode::Managed {
        parent::watch(shutdown.clone());
    }

    match mode {
        Mode::Managed => {
            let cert = tls.as_ref().map(|t| t.server_cert_der.as_slice());
            handshake::announce(&handshake::line(app_version, &address, cert))
                .map_err(PluginError::Handshake)?;
        }
        Mode::Debug => {
            let text = debug::instructions(&host, std::process::id(), &address, &|name| {
                std::env::var_os(name).is_some_and(|v| !v.is_empty())
            });
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(PluginError::Handshake)?;
        }
    }
    tracing::info!(
        network = address.network,
        address = %address.address,
        tls = tls.is_some(),
        debug = (mode == Mode::Debug),
        "provider serving"
    );

    let result = server::serve(provider, listener, tls.map(|t| t.config), shutdown).await;
    // Remove the socket before reporting anything, on every path.
    drop(socket_file);
    result
}

/// AutoMTLS is on when Terraform passed a client certificate, unless the user
/// disabled plugin TLS.
fn tls_from_env() -> Result<Option<tls::AutoMtls>, PluginError> {
    if std::env::var_os(tls::DISABLE_TLS_KEY).is_some_and(|v| !v.is_empty()) {
        return Ok(None);
    }
    match std::env::var(tls::CLIENT_CERT_KEY) {
        Ok(pem) if !pem.trim().is_empty() => Ok(Some(tls::auto_mtls(&pem)?)),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(PluginError::Env {
            name: tls::CLIENT_CERT_KEY,
            reason: "not valid UTF-8".into(),
        }),
    }
}
