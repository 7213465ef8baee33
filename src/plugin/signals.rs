//! Signal policy. Under Terraform, Ctrl-C reaches the whole process group, but
//! Terraform itself turns it into a StopProvider RPC and later a Shutdown, so
//! the provider must survive SIGINT. SIGTERM always stops gracefully. In
//! `--debug` mode a person owns the terminal, so SIGINT stops too.

use tokio::signal::unix::{SignalKind, signal};

use super::Mode;
use super::error::PluginError;
use super::shutdown::Shutdown;

/// Installs the handlers (must run inside the runtime). Installing a handler
/// for SIGINT is what stops the default "terminate" action.
pub(crate) fn install(mode: Mode, shutdown: Shutdown) -> Result<(), PluginError> {
    let mut term = signal(SignalKind::terminate()).map_err(PluginError::Signals)?;
    let mut int = signal(SignalKind::interrupt()).map_err(PluginError::Signals)?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                Some(()) = term.recv() => {
                    shutdown.trigger("SIGTERM");
                }
                Some(()) = int.recv() => match mode {
                    Mode::Debug => shutdown.trigger("SIGINT"),
                    Mode::Managed => tracing::debug!(
                        "ignoring SIGINT: Terraform stops providers with StopProvider and Shutdown"
                    ),
                },
                else => break,
            }
        }
    });
    Ok(())
}
