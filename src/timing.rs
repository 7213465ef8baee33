//! Per-RPC accounting of time spent waiting on something outside the process (the hosting API),
//! so that a handler's own time can be told apart from its waiting (`cargo xtask bench` reads it
//! from the debug log). Knows nothing of Terraform or Agent37: `api` records, `sdk::server`
//! opens a scope per RPC and reports.
//!
//! The account lives in a tokio task-local attached to the handler's future, so it follows the
//! future wherever the runtime polls it and concurrent RPCs never mix. Outside a scope,
//! recording does nothing.

use std::cell::Cell;
use std::future::Future;
use std::time::{Duration, Instant};

tokio::task_local! {
    static WAITED: Cell<Duration>;
}

/// Runs `fut` in a fresh account; returns its output and the time recorded inside it.
pub async fn scope<F: Future>(fut: F) -> (F::Output, Duration) {
    WAITED
        .scope(Cell::new(Duration::ZERO), async move {
            let out = fut.await;
            (out, WAITED.with(Cell::get))
        })
        .await
}

/// Awaits `fut` and records the time it took as waiting.
pub async fn waiting<F: Future>(fut: F) -> F::Output {
    let started = Instant::now();
    let out = fut.await;
    record(started.elapsed());
    out
}

/// Adds `elapsed` to the current account, if any.
pub fn record(elapsed: Duration) {
    let _ = WAITED.try_with(|w| w.set(w.get().saturating_add(elapsed)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn scopes_sum_their_own_waits_only() {
        record(Duration::from_secs(9)); // outside any scope: ignored
        let ((), outer) = scope(async {
            record(Duration::from_millis(3));
            let ((), inner) = scope(async { record(Duration::from_millis(5)) }).await;
            assert_eq!(inner, Duration::from_millis(5));
            waiting(async {}).await;
        })
        .await;
        assert!(outer >= Duration::from_millis(3) && outer < Duration::from_millis(100));
    }
}
