//! A one-shot, cloneable "stop serving now" signal shared by the controller
//! service, the signal handlers and the accept loop.

use std::sync::Arc;

use tokio::sync::watch;

/// Fires once; every clone observes it. Later triggers are ignored so the
/// first reason (the one worth logging) wins.
#[derive(Debug, Clone)]
pub(crate) struct Shutdown {
    tx: Arc<watch::Sender<Option<&'static str>>>,
}

impl Shutdown {
    pub(crate) fn new() -> Self {
        Self {
            tx: Arc::new(watch::Sender::new(None)),
        }
    }

    /// Requests shutdown; `reason` is logged once.
    pub(crate) fn trigger(&self, reason: &'static str) {
        let first = self.tx.send_if_modified(|state| {
            if state.is_none() {
                *state = Some(reason);
                true
            } else {
                false
            }
        });
        if first {
            tracing::debug!(reason, "plugin shutdown requested");
        }
    }

    /// Resolves once [`Shutdown::trigger`] has been called (immediately if it
    /// already was).
    pub(crate) async fn wait(&self) {
        let mut rx = self.tx.subscribe();
        // The sender lives in `self`, so this cannot fail while we wait.
        let _ = rx.wait_for(Option::is_some).await;
    }

    /// Owned variant of [`Shutdown::wait`], for APIs that want a `'static` future.
    pub(crate) async fn wait_owned(self) {
        self.wait().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn every_clone_sees_the_first_trigger() {
        let s = Shutdown::new();
        let waiter = tokio::spawn(s.clone().wait_owned());
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!waiter.is_finished());
        s.trigger("test");
        s.trigger("again");
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("waiter finished")
            .expect("waiter did not panic");
        // Waiting after the fact returns at once.
        tokio::time::timeout(Duration::from_secs(1), s.wait())
            .await
            .expect("already triggered");
    }
}
