//! Signal policy. Under Terraform, Ctrl-C reaches the whole process group, but
//! Terraform itself turns it into a StopProvider RPC and later a Shutdown, so
//! the provider must survive SIGINT. SIGTERM always stops gracefully. In
//! `--debug` mode a person owns the terminal, so SIGINT stops too.
//!
//! Windows has no signals: a console delivers Ctrl-C and Ctrl-Break to every
//! process attached to it (the same situation as SIGINT to the process group,
//! and what Go reports as `os.Interrupt`), and closing the console, logging off
//! or shutting down is the "stop now" of SIGTERM. Installing the handlers is
//! also what keeps the default action (terminate) away on both systems.
//!
//! Whether the process that started us is still there is [`super::parent`]'s
//! job.

use super::Mode;
use super::error::PluginError;
use super::shutdown::Shutdown;

/// What the operating system told the process, whatever it calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    /// SIGINT; Ctrl-C or Ctrl-Break on a Windows console.
    Interrupt,
    /// SIGTERM; console closed, log-off or system shutdown on Windows.
    Terminate,
}

impl Event {
    /// The reason logged when this event stops the provider.
    fn reason(self) -> &'static str {
        match self {
            Event::Interrupt => "interrupt (SIGINT or Ctrl-C)",
            Event::Terminate => "termination request (SIGTERM or console close)",
        }
    }
}

/// Whether `event` stops the provider in `mode`: an interrupt under Terraform
/// is Terraform's to handle (it sends StopProvider, then Shutdown).
fn stops(event: Event, mode: Mode) -> bool {
    match (event, mode) {
        (Event::Terminate, _) => true,
        (Event::Interrupt, Mode::Debug) => true,
        (Event::Interrupt, Mode::Managed) => false,
    }
}

fn handle(event: Event, mode: Mode, shutdown: &Shutdown) {
    if stops(event, mode) {
        shutdown.trigger(event.reason());
    } else {
        tracing::debug!(
            "ignoring an interrupt: Terraform stops providers with StopProvider and Shutdown"
        );
    }
}

/// Installs the handlers (must run inside the runtime).
#[cfg(unix)]
pub(crate) fn install(mode: Mode, shutdown: Shutdown) -> Result<(), PluginError> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(PluginError::Signals)?;
    let mut int = signal(SignalKind::interrupt()).map_err(PluginError::Signals)?;
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                Some(()) = term.recv() => Event::Terminate,
                Some(()) = int.recv() => Event::Interrupt,
                else => break,
            };
            handle(event, mode, &shutdown);
        }
    });
    Ok(())
}

/// Installs the console control handlers (must run inside the runtime).
#[cfg(windows)]
pub(crate) fn install(mode: Mode, shutdown: Shutdown) -> Result<(), PluginError> {
    use tokio::signal::windows;
    let mut ctrl_c = windows::ctrl_c().map_err(PluginError::Signals)?;
    let mut ctrl_break = windows::ctrl_break().map_err(PluginError::Signals)?;
    let mut close = windows::ctrl_close().map_err(PluginError::Signals)?;
    let mut logoff = windows::ctrl_logoff().map_err(PluginError::Signals)?;
    let mut system_shutdown = windows::ctrl_shutdown().map_err(PluginError::Signals)?;
    tokio::spawn(async move {
        loop {
            let event = tokio::select! {
                Some(()) = ctrl_c.recv() => Event::Interrupt,
                Some(()) = ctrl_break.recv() => Event::Interrupt,
                Some(()) = close.recv() => Event::Terminate,
                Some(()) = logoff.recv() => Event::Terminate,
                Some(()) = system_shutdown.recv() => Event::Terminate,
                else => break,
            };
            handle(event, mode, &shutdown);
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_termination_stops_a_provider_under_terraform() {
        assert!(stops(Event::Terminate, Mode::Managed));
        assert!(!stops(Event::Interrupt, Mode::Managed));
        assert!(stops(Event::Terminate, Mode::Debug));
        assert!(stops(Event::Interrupt, Mode::Debug));
    }
}
