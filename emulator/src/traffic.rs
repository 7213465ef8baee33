//! Request counters by route template and a bounded log of recent requests, so tests can
//! assert on the traffic a client produced.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::model::Credential;

/// How many recent requests the log keeps.
pub const RECENT_MAX: usize = 1000;

#[derive(Debug, Clone)]
pub struct Entry {
    pub seq: u64,
    pub time: i64,
    pub method: String,
    pub path: String,
    pub route: String,
    /// The request's `Host`.
    pub host: Option<String>,
    /// How it authenticated: `api_key` on the API, a plane credential kind on the plane.
    pub credential: Option<&'static str>,
    /// Plane requests: the credential kind and whether it was rejected.
    pub plane: Option<(Option<Credential>, bool)>,
    /// None when the connection was dropped without an answer.
    pub status: Option<u16>,
    pub fault: Option<&'static str>,
    /// The request's number on its route for the seeded faults (when it was numbered).
    pub k: Option<u64>,
    pub duration_ms: u64,
}

#[derive(Default)]
struct State {
    total: u64,
    counters: BTreeMap<String, u64>,
    by_status: BTreeMap<u16, u64>,
    /// Plane requests by credential kind, plus `rejected`.
    plane: BTreeMap<&'static str, u64>,
    recent: VecDeque<Entry>,
}

#[derive(Default)]
pub struct Traffic {
    state: Mutex<State>,
}

impl Traffic {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a finished request (the seq number is assigned here).
    pub fn record(&self, mut e: Entry) {
        let mut s = self.lock();
        s.total += 1;
        e.seq = s.total;
        *s.counters.entry(e.route.clone()).or_insert(0) += 1;
        if let Some(code) = e.status {
            *s.by_status.entry(code).or_insert(0) += 1;
        }
        if let Some((credential, rejected)) = e.plane {
            if let Some(c) = credential {
                *s.plane.entry(c.as_str()).or_insert(0) += 1;
            }
            if rejected {
                *s.plane.entry("rejected").or_insert(0) += 1;
            }
        }
        if s.recent.len() == RECENT_MAX {
            s.recent.pop_front();
        }
        s.recent.push_back(e);
    }

    pub fn reset(&self) {
        *self.lock() = State::default();
    }

    pub fn to_json(&self, injected: &BTreeMap<&'static str, u64>) -> Value {
        let s = self.lock();
        let recent: Vec<Value> = s
            .recent
            .iter()
            .map(|e| {
                json!({
                    "seq": e.seq,
                    "time": e.time,
                    "method": e.method,
                    "path": e.path,
                    "route": e.route,
                    "host": e.host,
                    "credential": e.credential,
                    "status": e.status,
                    "fault": e.fault,
                    "k": e.k,
                    "duration_ms": e.duration_ms,
                })
            })
            .collect();
        let by_status: BTreeMap<String, u64> = s
            .by_status
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        // Every kind is present (0 when unseen), so `plane.deprecated_bearer == 0` is a test.
        let mut plane: BTreeMap<&str, u64> = Credential::ALL
            .iter()
            .map(|c| (c.as_str(), 0))
            .chain([("rejected", 0)])
            .collect();
        plane.extend(s.plane.iter().map(|(k, v)| (*k, *v)));
        json!({
            "total": s.total,
            "counters": s.counters,
            "by_status": by_status,
            "plane": plane,
            "faults": injected,
            "recent": recent,
        })
    }
}
