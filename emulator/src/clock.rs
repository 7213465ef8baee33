//! The emulator's clock: real time plus an offset that `POST /_emulator/clock` moves, or a
//! frozen instant (so tests can assert exact refunds and renewals). Only ever moves forward.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClockState {
    /// Seconds added to real time while running.
    pub offset: i64,
    /// The instant the clock stands at while frozen.
    pub frozen_at: Option<i64>,
}

#[derive(Default)]
pub struct Clock {
    state: Mutex<ClockState>,
}

pub fn real_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl ClockState {
    pub fn now(&self, real: i64) -> i64 {
        self.frozen_at.unwrap_or(real + self.offset)
    }

    /// Serialized form kept in the store's meta table.
    pub fn encode(&self) -> String {
        match self.frozen_at {
            Some(t) => format!("{} {t}", self.offset),
            None => self.offset.to_string(),
        }
    }

    pub fn decode(s: &str) -> ClockState {
        let mut parts = s.split_whitespace();
        let offset = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        let frozen_at = parts.next().and_then(|p| p.parse().ok());
        ClockState { offset, frozen_at }
    }
}

impl Clock {
    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn now(&self) -> i64 {
        self.lock().now(real_now())
    }

    pub fn state(&self) -> ClockState {
        *self.lock()
    }

    pub fn set_state(&self, s: ClockState) {
        *self.lock() = s;
    }

    /// Moves the clock forward by `seconds` (≥ 0), frozen or not.
    pub fn advance(&self, seconds: i64) -> ClockState {
        let mut s = self.lock();
        match s.frozen_at.as_mut() {
            Some(t) => *t += seconds,
            None => s.offset += seconds,
        }
        *s
    }

    /// Freezes the clock where it stands, or lets it run on from where it stands.
    pub fn set_frozen(&self, frozen: bool) -> ClockState {
        let mut s = self.lock();
        let real = real_now();
        match (frozen, s.frozen_at) {
            (true, None) => s.frozen_at = Some(real + s.offset),
            (false, Some(t)) => {
                s.offset = t - real;
                s.frozen_at = None;
            }
            _ => {}
        }
        *s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_moves_only_when_advanced() {
        let c = Clock::default();
        let s = c.set_frozen(true);
        let t = s.frozen_at.unwrap();
        assert_eq!(c.now(), t);
        c.advance(100);
        assert_eq!(c.now(), t + 100);
        let s = c.set_frozen(false);
        assert!(s.frozen_at.is_none());
        assert!(c.now() >= t + 100);
        assert_eq!(ClockState::decode(&s.encode()), s);
        let f = ClockState {
            offset: 3,
            frozen_at: Some(9),
        };
        assert_eq!(ClockState::decode(&f.encode()), f);
    }
}
