//! Signal policy. Under Terraform, Ctrl-C reaches the whole process group, but
//! Terraform itself turns it into a StopProvider RPC and later a Shutdown, so
//! the provider must survive SIGINT. SIGTERM always stops gracefully. In
//! `--debug` mode a person owns the terminal, so SIGINT stops too.
//!
//! Also: a provider whose Terraform was killed (SIGKILL, crash) would wait
//! forever for a Shutdown that never comes, so under Terraform we also stop
//! when our parent process goes away.

use std::time::Duration;

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

/// How often to check that Terraform is still our parent.
const PARENT_POLL: Duration = Duration::from_millis(500);

/// Triggers shutdown once the process that started us has exited (we are
/// then re-parented, so the parent id changes). Only for [`Mode::Managed`]:
/// in debug mode the provider is meant to outlive the shell command.
pub(crate) fn watch_parent(shutdown: Shutdown) {
    let parent = std::os::unix::process::parent_id();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                () = shutdown.wait() => break,
                () = tokio::time::sleep(PARENT_POLL) => {
                    if std::os::unix::process::parent_id() != parent {
                        shutdown.trigger("parent process exited");
                        break;
                    }
                }
            }
        }
    });
}
