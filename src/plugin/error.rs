//! Everything that can stop the plugin host from starting or serving.

use std::io;

/// Why the plugin host could not start or keep serving.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// The process was not started by Terraform (or by a different plugin host).
    #[error("{0}")]
    Cookie(#[from] super::cookie::CookieError),

    /// Terraform offered no protocol version this provider speaks.
    #[error(transparent)]
    Version(#[from] super::version::VersionError),

    /// Command-line arguments were not understood.
    #[error("{0}")]
    Usage(String),

    /// A `PLUGIN_*` environment variable held something unusable.
    #[error("environment variable {name} is invalid: {reason}")]
    Env {
        /// Variable name.
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// No listener could be opened.
    #[error("cannot listen on {what}: {source}")]
    Listen {
        /// The socket path or port range that was tried.
        what: String,
        /// Underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// AutoMTLS could not be set up.
    #[error(transparent)]
    Tls(#[from] super::tls::TlsError),

    /// The handshake line could not be written to stdout.
    #[error("cannot write the handshake line to stdout: {0}")]
    Handshake(#[source] io::Error),

    /// The async runtime could not be built.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] io::Error),

    /// Signal handlers could not be installed.
    #[error("cannot install signal handlers: {0}")]
    Signals(#[source] io::Error),

    /// The gRPC server failed while serving.
    #[error("gRPC server failed: {0}")]
    Serve(#[source] tonic::transport::Error),
}
