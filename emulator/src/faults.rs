//! Seeded, per-route fault injection. The fault that hits a request is a pure function of
//! (seed, route template, the request's number k on that route, rule index), so a run
//! repeats exactly even when concurrent clients interleave differently.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// What a fault does to the request it hits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// 429 `rate_limited` with `Retry-After` seconds; the handler does not run.
    RateLimited { retry_after: u64 },
    /// 503 `no_capacity`; the handler does not run.
    NoCapacity,
    /// 502 `provisioning_failed`; the handler does not run (nothing charged, nothing created).
    ProvisioningFailed,
    /// 409 `capacity_unavailable`; the handler does not run.
    CapacityUnavailable,
    /// The connection is closed before the handler runs: nothing changes.
    DropBefore,
    /// The handler runs and commits, then the connection is closed without an answer.
    DropAfter,
    /// The handler runs and commits, then the answer is replaced by a 200 with invalid JSON.
    Malformed,
    /// Adds `ms` milliseconds before the handler runs; combines with the other kinds.
    Latency { ms: u64 },
    /// 2026-08-21 `try_again` (409, or 503 on the metrics route; `status` overrides); the
    /// handler does not run.
    TryAgain { status: Option<u16> },
    /// `POST /v1/instances`: every check runs, then the create fails with a console `detail`;
    /// with `persist` the row stays `failed` (2.8), without it nothing is left.
    CreateFailed {
        detail: Option<String>,
        persist: bool,
    },
    /// Template POST/PATCH with a new `image_ref` (502, nothing changes), or a build's ingest.
    ImageIngestFailed,
    /// Plane requests to a sleeper: the wake fails (503 `wake_failed`, stays asleep).
    WakeFailed,
    /// Plane requests to a sleeper: 503 `wake_timeout`, the wake goes on in the background.
    WakeTimeout,
}

impl FaultKind {
    pub fn name(&self) -> &'static str {
        match self {
            FaultKind::RateLimited { .. } => "rate_limited",
            FaultKind::NoCapacity => "no_capacity",
            FaultKind::ProvisioningFailed => "provisioning_failed",
            FaultKind::CapacityUnavailable => "capacity_unavailable",
            FaultKind::DropBefore => "drop_before",
            FaultKind::DropAfter => "drop_after",
            FaultKind::Malformed => "malformed",
            FaultKind::Latency { .. } => "latency",
            FaultKind::TryAgain { .. } => "try_again",
            FaultKind::CreateFailed { .. } => "create_failed",
            FaultKind::ImageIngestFailed => "image_ingest_failed",
            FaultKind::WakeFailed => "wake_failed",
            FaultKind::WakeTimeout => "wake_timeout",
        }
    }
}

/// Which of a route's requests a rule hits.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Each request independently, with this probability (seeded hash, not a live RNG).
    Probability(f64),
    /// Exactly these request numbers (1-based, per route).
    Requests(BTreeSet<u64>),
    /// The first N requests.
    First(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// `"METHOD /v1/path/{template}"` or `"*"` (every `/v1` route).
    pub route: String,
    pub kind: FaultKind,
    pub trigger: Trigger,
}

/// The decision for one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Decision {
    /// The request's number on its route since the faults were last configured.
    pub k: u64,
    pub latency_ms: u64,
    /// The first non-latency rule that fired, if any.
    pub fault: Option<FaultKind>,
}

#[derive(Default)]
struct State {
    seed: u64,
    rules: Vec<Rule>,
    /// Per-route request numbers, restarted whenever faults are configured.
    seq: HashMap<String, u64>,
    /// Injected faults by kind name.
    injected: BTreeMap<&'static str, u64>,
}

#[derive(Default)]
pub struct Faults {
    state: Mutex<State>,
}

/// Uniform number in [0, 1) from (seed, route, k, rule index).
pub fn uniform(seed: u64, route: &str, k: u64, rule: usize) -> f64 {
    let mut h = Sha256::new();
    h.update(seed.to_le_bytes());
    h.update(route.as_bytes());
    h.update([0u8]);
    h.update(k.to_le_bytes());
    h.update((rule as u64).to_le_bytes());
    let d = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    (u64::from_le_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

impl Rule {
    fn matches_route(&self, route: &str, is_api: bool) -> bool {
        if self.route == "*" {
            is_api
        } else {
            self.route == route
        }
    }

    fn fires(&self, seed: u64, route: &str, k: u64, index: usize) -> bool {
        match &self.trigger {
            Trigger::Probability(p) => uniform(seed, route, k, index) < *p,
            Trigger::Requests(set) => set.contains(&k),
            Trigger::First(n) => k <= *n,
        }
    }
}

/// Parses the body of `POST /_emulator/faults`.
pub fn parse_config(body: &Value) -> Result<(u64, Vec<Rule>), String> {
    let obj = body.as_object().ok_or("body must be an object")?;
    let seed = match obj.get("seed") {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_u64().ok_or("seed must be a non-negative integer")?,
    };
    let rules = match obj.get("rules") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, r)| parse_rule(r).map_err(|e| format!("rules[{i}]: {e}")))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err("rules must be an array".into()),
    };
    Ok((seed, rules))
}

fn parse_rule(v: &Value) -> Result<Rule, String> {
    let o = v.as_object().ok_or("must be an object")?;
    let route = o
        .get("route")
        .and_then(Value::as_str)
        .unwrap_or("*")
        .to_string();
    if route != "*" {
        let (method, path) = route
            .split_once(' ')
            .ok_or("route must be \"METHOD /path\" or \"*\"")?;
        // Host-form plane routes are named `{plane}/…` (see routes::route_name).
        if method.is_empty() || !(path.starts_with('/') || path.starts_with("{plane}/")) {
            return Err("route must be \"METHOD /path\" or \"*\"".into());
        }
    }
    let u64_field = |key: &str| -> Result<Option<u64>, String> {
        match o.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| format!("{key} must be a non-negative integer")),
        }
    };
    let kind_name = o
        .get("kind")
        .and_then(Value::as_str)
        .ok_or("kind is required")?;
    let kind = match kind_name {
        "rate_limited" => FaultKind::RateLimited {
            retry_after: u64_field("retry_after")?.unwrap_or(1),
        },
        "no_capacity" => FaultKind::NoCapacity,
        "provisioning_failed" => FaultKind::ProvisioningFailed,
        "capacity_unavailable" => FaultKind::CapacityUnavailable,
        "drop_before" => FaultKind::DropBefore,
        "drop_after" => FaultKind::DropAfter,
        "malformed" => FaultKind::Malformed,
        "latency" => FaultKind::Latency {
            ms: u64_field("ms")?.ok_or("latency needs ms")?,
        },
        "try_again" => FaultKind::TryAgain {
            status: match u64_field("status")? {
                None => None,
                Some(s @ (409 | 503)) => Some(s as u16),
                Some(_) => return Err("try_again status must be 409 or 503".into()),
            },
        },
        "create_failed" => FaultKind::CreateFailed {
            detail: match o.get("detail") {
                None | Some(Value::Null) => None,
                Some(Value::String(d)) => Some(d.clone()),
                Some(_) => return Err("detail must be a string".into()),
            },
            persist: match o.get("persist") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err("persist must be a boolean".into()),
            },
        },
        "image_ingest_failed" => FaultKind::ImageIngestFailed,
        "wake_failed" => FaultKind::WakeFailed,
        "wake_timeout" => FaultKind::WakeTimeout,
        other => return Err(format!("unknown kind {other:?}")),
    };
    let probability = match o.get("probability") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let p = v.as_f64().ok_or("probability must be a number")?;
            if !(0.0..=1.0).contains(&p) {
                return Err("probability must be within [0, 1]".into());
            }
            Some(p)
        }
    };
    let requests = match o.get("requests") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|k| {
                    k.as_u64()
                        .filter(|k| *k >= 1)
                        .ok_or("requests holds request numbers ≥ 1")
                })
                .collect::<Result<BTreeSet<u64>, _>>()?,
        ),
        Some(_) => return Err("requests must be an array of request numbers".into()),
    };
    let first = match u64_field("first")? {
        Some(n) => Some(n),
        None => u64_field("count")?,
    };
    let trigger = match (probability, requests, first) {
        (Some(p), None, None) => Trigger::Probability(p),
        (None, Some(set), None) => Trigger::Requests(set),
        (None, None, Some(n)) => Trigger::First(n),
        (None, None, None) => Trigger::Probability(1.0),
        _ => return Err("give only one of probability, requests, first".into()),
    };
    Ok(Rule {
        route,
        kind,
        trigger,
    })
}

fn rule_json(r: &Rule) -> Value {
    let mut m = Map::new();
    m.insert("route".into(), r.route.clone().into());
    m.insert("kind".into(), r.kind.name().into());
    match &r.kind {
        FaultKind::RateLimited { retry_after } => {
            m.insert("retry_after".into(), (*retry_after).into());
        }
        FaultKind::Latency { ms } => {
            m.insert("ms".into(), (*ms).into());
        }
        FaultKind::TryAgain { status: Some(s) } => {
            m.insert("status".into(), (*s).into());
        }
        FaultKind::CreateFailed { detail, persist } => {
            m.insert("detail".into(), json!(detail));
            m.insert("persist".into(), (*persist).into());
        }
        _ => {}
    }
    match &r.trigger {
        Trigger::Probability(p) => m.insert("probability".into(), json!(p)),
        Trigger::Requests(set) => m.insert("requests".into(), json!(set)),
        Trigger::First(n) => m.insert("first".into(), json!(n)),
    };
    Value::Object(m)
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Replaces the configuration and restarts every route's request numbering at 1.
    pub fn configure(&self, seed: u64, rules: Vec<Rule>) {
        let mut s = self.lock();
        s.seed = seed;
        s.rules = rules;
        s.seq.clear();
    }

    pub fn clear(&self) {
        self.configure(0, Vec::new());
    }

    /// Numbers the request and decides its fault. `is_api` says whether `"*"` rules apply.
    pub fn decide(&self, route: &str, is_api: bool) -> Decision {
        let mut s = self.lock();
        let counter = s.seq.entry(route.to_string()).or_insert(0);
        *counter += 1;
        let k = *counter;
        let mut d = Decision {
            k,
            ..Decision::default()
        };
        let seed = s.seed;
        let mut fired: Vec<&'static str> = Vec::new();
        for (i, rule) in s.rules.iter().enumerate() {
            if !rule.matches_route(route, is_api) || !rule.fires(seed, route, k, i) {
                continue;
            }
            match &rule.kind {
                FaultKind::Latency { ms } => {
                    d.latency_ms += ms;
                    fired.push(rule.kind.name());
                }
                kind if d.fault.is_none() => {
                    d.fault = Some(kind.clone());
                    fired.push(kind.name());
                }
                _ => {}
            }
        }
        for kind in fired {
            *s.injected.entry(kind).or_insert(0) += 1;
        }
        d
    }

    pub fn injected(&self) -> BTreeMap<&'static str, u64> {
        self.lock().injected.clone()
    }

    pub fn reset_injected(&self) {
        self.lock().injected.clear();
    }

    pub fn to_json(&self) -> Value {
        let s = self.lock();
        let seq: BTreeMap<&String, &u64> = s.seq.iter().collect();
        json!({
            "seed": s.seed,
            "rules": s.rules.iter().map(rule_json).collect::<Vec<_>>(),
            "request_numbers": seq,
            "injected": s.injected,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(body: Value) -> Faults {
        let f = Faults::default();
        let (seed, rules) = parse_config(&body).unwrap();
        f.configure(seed, rules);
        f
    }

    #[test]
    fn decisions_are_a_function_of_seed_route_and_k() {
        let body = json!({"seed": 7, "rules": [{"route": "POST /v1/instances", "kind": "no_capacity", "probability": 0.3}]});
        let run = || {
            let f = faults(body.clone());
            (0..200)
                .map(|_| f.decide("POST /v1/instances", true).fault.is_some())
                .collect::<Vec<_>>()
        };
        let a = run();
        assert_eq!(a, run());
        let hits = a.iter().filter(|h| **h).count();
        assert!((30..=90).contains(&hits), "{hits}");
        // Other routes do not advance this route's numbering.
        let f = faults(body);
        f.decide("GET /v1/instances", true);
        let first = f.decide("POST /v1/instances", true);
        assert_eq!(first.k, 1);
    }

    #[test]
    fn explicit_requests_first_and_wildcard() {
        let f = faults(json!({"rules": [
            {"route": "GET /v1/instances/{id}", "kind": "rate_limited", "retry_after": 3, "requests": [2, 4]},
            {"route": "*", "kind": "latency", "ms": 5, "first": 1},
        ]}));
        let ds: Vec<Decision> = (0..4)
            .map(|_| f.decide("GET /v1/instances/{id}", true))
            .collect();
        assert_eq!(ds[0].latency_ms, 5);
        assert_eq!(ds[0].fault, None);
        assert_eq!(ds[1].fault, Some(FaultKind::RateLimited { retry_after: 3 }));
        assert_eq!(ds[2].fault, None);
        assert_eq!(ds[3].fault, Some(FaultKind::RateLimited { retry_after: 3 }));
        // "*" is for the API only.
        assert_eq!(
            f.decide("GET /_instances/{id}/{port}/v1/health", false)
                .latency_ms,
            0
        );
        assert_eq!(f.injected().get("rate_limited"), Some(&2));
    }

    #[test]
    fn bad_configs_are_refused() {
        for bad in [
            json!({"rules": [{"kind": "nope"}]}),
            json!({"rules": [{"kind": "latency"}]}),
            json!({"rules": [{"kind": "no_capacity", "probability": 2}]}),
            json!({"rules": [{"kind": "no_capacity", "probability": 0.5, "first": 2}]}),
            json!({"rules": [{"kind": "no_capacity", "route": "instances"}]}),
            json!({"rules": [{"kind": "no_capacity", "requests": [0]}]}),
            json!({"seed": -1}),
            json!([]),
        ] {
            assert!(parse_config(&bad).is_err(), "{bad}");
        }
    }
}
