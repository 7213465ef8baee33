//! The retry rule, as pure functions: which errors are tried again for which kind of operation,
//! and how long to wait (exponential backoff with full jitter, `Retry-After` honoured), bounded
//! by `max_retries` and by the operation's deadline.

use std::time::{Duration, SystemTime};

use rand::Rng;

use super::error::ApiError;

/// What kind of call is being made; it decides what is safe to send again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// A GET: always safe to repeat.
    Read,
    /// An idempotent write: PATCH, DELETE (a repeat answers 404, read as "already gone"), a
    /// top-up carrying an idempotency key, a template create (a repeat is resolved by reading).
    Write,
    /// A lifecycle action (stop, start, restart, update, resize). Repeating one that already
    /// took effect answers the same ack, but one still in progress answers 400, so after an
    /// ambiguous failure the client waits for the instance to settle before sending it again.
    Action,
    /// The instance create: not idempotent; see the create-safety rule.
    Create,
    /// Exec, or a top-up without a key: never sent again once it may have reached the server.
    NonIdempotent,
}

/// What to do after an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Send again after a backoff.
    Retry,
    /// The action may have been processed: wait until the instance leaves its transitional
    /// status, then send again.
    SettleThenRetry,
    /// A create whose outcome is unknown: look for the instance it may have made and adopt it;
    /// if there is none, send again only when `retry_if_absent`.
    Ambiguous { retry_if_absent: bool },
    /// Give the error to the caller.
    Stop,
}

/// Every code of the contracts' error tables (both revisions). A 502/503/504 carrying anything
/// else is treated like a bare gateway answer (some proxies use envelopes of their own).
const KNOWN_CODES: &[&str] = &[
    "invalid_api_key",
    "invalid_request",
    "forbidden",
    "tier_limit",
    "not_found",
    "insufficient_balance",
    "instance_limit_reached",
    "capacity_unavailable",
    "template_conflict",
    "no_capacity",
    "provisioning_failed",
    "rate_limited",
    // 2026-08-21
    "ip_not_allowed",
    "image_too_large",
    "shared_unavailable",
    "build_conflict",
    "domain_exists",
    "public_port_exists",
    "ssh_key_exists",
    "try_again",
    "image_ingest_failed",
];

fn is_gateway_status(status: u16) -> bool {
    matches!(status, 502..=504)
}

/// The retry rule of `docs/contract/provider-spec.md` ("Retries"), decided by the error code and the operation kind.
pub fn classify(err: &ApiError, kind: OpKind) -> Verdict {
    use OpKind::*;
    // What to do when the server may have acted on the request (or a gateway hid its answer).
    let after_possible_effect = match kind {
        Read | Write => Verdict::Retry,
        Action => Verdict::SettleThenRetry,
        Create => Verdict::Ambiguous {
            retry_if_absent: true,
        },
        NonIdempotent => Verdict::Stop,
    };
    match err {
        ApiError::Api { status, code, .. } => {
            let code = code.as_str();
            // A rate limiter refuses before doing anything: safe for every kind. So does
            // 2026-08-21's `try_again` (409, or 503 on metrics: the handler did not run, the
            // instance is mid-transition) and `image_ingest_failed` (nothing changed).
            if *status == 429
                || matches!(code, "rate_limited" | "try_again" | "image_ingest_failed")
            {
                return Verdict::Retry;
            }
            if is_gateway_status(*status) && !KNOWN_CODES.contains(&code) {
                return after_possible_effect;
            }
            match (kind, code) {
                // These prove nothing was done (a failed create is refunded and leaves nothing).
                (Create, "no_capacity" | "provisioning_failed" | "capacity_unavailable") => {
                    Verdict::Retry
                }
                (Read | Write | Action, "no_capacity" | "capacity_unavailable") => Verdict::Retry,
                // Any other server error on a create may hide an instance: look before giving up.
                (Create, _) if *status >= 500 => Verdict::Ambiguous {
                    retry_if_absent: false,
                },
                _ => Verdict::Stop,
            }
        }
        ApiError::UnexpectedResponse { status, .. } => match *status {
            429 => Verdict::Retry,
            s if is_gateway_status(s) => after_possible_effect,
            s if s >= 500 && kind == Create => Verdict::Ambiguous {
                retry_if_absent: false,
            },
            _ => Verdict::Stop,
        },
        ApiError::Transport {
            may_have_reached_server,
            ..
        } => {
            if *may_have_reached_server {
                after_possible_effect
            } else {
                Verdict::Retry
            }
        }
        // A create answered 2xx made something, even if its body cannot be read.
        ApiError::Decode { .. } if kind == Create => Verdict::Ambiguous {
            retry_if_absent: false,
        },
        _ => Verdict::Stop,
    }
}

/// Exponential backoff with full jitter: the n-th retry waits a uniform time in
/// `[0, min(cap, base · 2ⁿ)]`, and never less than the server's `Retry-After`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
}

impl Default for Backoff {
    /// 250 ms doubling to 8 s: six retries (the provider's default) wait about 8 s in total on
    /// average and 16 s at most, short enough for an apply, long enough to outlast a blip.
    fn default() -> Self {
        Self {
            base: Duration::from_millis(250),
            cap: Duration::from_secs(8),
        }
    }
}

impl Backoff {
    /// The upper bound of the wait before retry number `retry` (0-based).
    pub fn ceiling(&self, retry: u32) -> Duration {
        let factor = 1u32 << retry.min(20);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The wait before retry number `retry`.
    pub fn delay<R: Rng + ?Sized>(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        rng: &mut R,
    ) -> Duration {
        let ceiling = self.ceiling(retry);
        let jitter = Duration::from_nanos(rng.random_range(0..=duration_nanos(ceiling)));
        match retry_after {
            Some(asked) => asked.max(jitter),
            None => jitter,
        }
    }
}

fn duration_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// The retry budget of one client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub backoff: Backoff,
}

impl RetryPolicy {
    /// The wait before the next attempt, or `None` to give up: `retries_done` already reached
    /// `max_retries`, or the wait would not end before the operation's deadline
    /// (`remaining` is the time left until it).
    pub fn next_delay<R: Rng + ?Sized>(
        &self,
        retries_done: u32,
        retry_after: Option<Duration>,
        remaining: Duration,
        rng: &mut R,
    ) -> Option<Duration> {
        if retries_done >= self.max_retries {
            return None;
        }
        let delay = self.backoff.delay(retries_done, retry_after, rng);
        (delay < remaining).then_some(delay)
    }
}

/// Longest `Retry-After` taken at face value; a larger one is clamped (the deadline decides).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// Parses `Retry-After`: delay-seconds (what the API sends) or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(now)
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn api(status: u16, code: &str) -> ApiError {
        ApiError::Api {
            status,
            code: code.into(),
            message: String::new(),
            detail: None,
            retry_after: None,
            key_origin: None,
        }
    }

    fn bare(status: u16) -> ApiError {
        ApiError::UnexpectedResponse {
            method: "GET".into(),
            path: "/".into(),
            status,
            what: crate::api::error::BodyShape::Other("an HTML page"),
            snippet: String::new(),
            retry_after: None,
        }
    }

    fn transport(reached: bool) -> ApiError {
        ApiError::Transport {
            method: "POST".into(),
            path: "/".into(),
            message: "reset".into(),
            may_have_reached_server: reached,
            timed_out: false,
        }
    }

    const R: Verdict = Verdict::Retry;
    const S: Verdict = Verdict::Stop;
    const T: Verdict = Verdict::SettleThenRetry;
    const AMB: Verdict = Verdict::Ambiguous {
        retry_if_absent: true,
    };
    const AMB_NO: Verdict = Verdict::Ambiguous {
        retry_if_absent: false,
    };

    #[test]
    fn retry_table() {
        use OpKind::*;
        // (error, [Read, Write, Action, Create, NonIdempotent])
        let table: Vec<(ApiError, [Verdict; 5])> = vec![
            (api(429, "rate_limited"), [R, R, R, R, R]),
            (api(429, "whatever"), [R, R, R, R, R]),
            (api(503, "no_capacity"), [R, R, R, R, S]),
            (api(409, "capacity_unavailable"), [R, R, R, R, S]),
            (api(502, "provisioning_failed"), [S, S, S, R, S]),
            (api(500, "provisioning_failed"), [S, S, S, R, S]),
            (api(400, "invalid_request"), [S, S, S, S, S]),
            (api(401, "invalid_api_key"), [S, S, S, S, S]),
            (api(402, "insufficient_balance"), [S, S, S, S, S]),
            (api(403, "tier_limit"), [S, S, S, S, S]),
            (api(404, "not_found"), [S, S, S, S, S]),
            (api(409, "template_conflict"), [S, S, S, S, S]),
            (api(409, "instance_limit_reached"), [S, S, S, S, S]),
            // 2026-08-21: transient, nothing done.
            (api(409, "try_again"), [R, R, R, R, R]),
            (api(503, "try_again"), [R, R, R, R, R]),
            (api(502, "image_ingest_failed"), [R, R, R, R, R]),
            (api(403, "ip_not_allowed"), [S, S, S, S, S]),
            (api(409, "build_conflict"), [S, S, S, S, S]),
            (api(500, "internal"), [S, S, S, AMB_NO, S]),
            (api(504, "gateway_timeout"), [R, R, T, AMB, S]),
            (bare(502), [R, R, T, AMB, S]),
            (bare(503), [R, R, T, AMB, S]),
            (bare(504), [R, R, T, AMB, S]),
            (bare(429), [R, R, R, R, R]),
            (bare(500), [S, S, S, AMB_NO, S]),
            (bare(404), [S, S, S, S, S]),
            (transport(false), [R, R, R, R, R]),
            (transport(true), [R, R, T, AMB, S]),
            (
                ApiError::Decode {
                    method: "POST".into(),
                    path: "/".into(),
                    status: 201,
                    detail: String::new(),
                    body_snippet: String::new(),
                },
                [S, S, S, AMB_NO, S],
            ),
            (
                ApiError::Cancelled {
                    operation: "x".into(),
                },
                [S, S, S, S, S],
            ),
        ];
        for (err, expected) in table {
            for (kind, want) in [Read, Write, Action, Create, NonIdempotent]
                .into_iter()
                .zip(expected)
            {
                assert_eq!(classify(&err, kind), want, "{err:?} as {kind:?}");
            }
        }
    }

    #[test]
    fn is_retryable_follows_the_table() {
        assert!(api(503, "no_capacity").is_retryable(OpKind::Create));
        assert!(!api(400, "invalid_request").is_retryable(OpKind::Read));
        assert!(transport(true).is_retryable(OpKind::Create));
        assert!(!transport(true).is_retryable(OpKind::NonIdempotent));
        assert!(!api(500, "internal").is_retryable(OpKind::Create));
    }

    #[test]
    fn ceiling_doubles_up_to_the_cap() {
        let b = Backoff::default();
        let got: Vec<_> = (0..8).map(|n| b.ceiling(n).as_millis()).collect();
        assert_eq!(got, vec![250, 500, 1000, 2000, 4000, 8000, 8000, 8000]);
        assert_eq!(b.ceiling(u32::MAX), b.cap);
    }

    #[test]
    fn delays_stay_within_bounds_and_are_deterministic() {
        let b = Backoff::default();
        let mut rng = StdRng::seed_from_u64(7);
        for retry in 0..10 {
            for _ in 0..200 {
                let d = b.delay(retry, None, &mut rng);
                assert!(d <= b.ceiling(retry), "{d:?} > ceiling of {retry}");
            }
        }
        let a: Vec<_> = {
            let mut r = StdRng::seed_from_u64(42);
            (0..5).map(|n| b.delay(n, None, &mut r)).collect()
        };
        let c: Vec<_> = {
            let mut r = StdRng::seed_from_u64(42);
            (0..5).map(|n| b.delay(n, None, &mut r)).collect()
        };
        assert_eq!(a, c);
        // Full jitter actually spreads: not every draw is at the ceiling.
        let mut r = StdRng::seed_from_u64(1);
        let draws: Vec<_> = (0..50).map(|_| b.delay(3, None, &mut r)).collect();
        assert!(draws.iter().any(|d| *d < b.ceiling(3) / 2));
    }

    #[test]
    fn retry_after_is_a_floor() {
        let b = Backoff::default();
        let mut rng = StdRng::seed_from_u64(3);
        for _ in 0..100 {
            let d = b.delay(0, Some(Duration::from_secs(3)), &mut rng);
            assert_eq!(d, Duration::from_secs(3), "ceiling 250 ms < 3 s");
        }
        for _ in 0..100 {
            let d = b.delay(5, Some(Duration::from_secs(1)), &mut rng);
            assert!(d >= Duration::from_secs(1) && d <= Duration::from_secs(8));
        }
    }

    #[test]
    fn next_delay_respects_max_retries_and_deadline() {
        let p = RetryPolicy {
            max_retries: 2,
            backoff: Backoff::default(),
        };
        let mut rng = StdRng::seed_from_u64(9);
        let long = Duration::from_secs(600);
        assert!(p.next_delay(0, None, long, &mut rng).is_some());
        assert!(p.next_delay(1, None, long, &mut rng).is_some());
        assert_eq!(p.next_delay(2, None, long, &mut rng), None);
        // A Retry-After past the deadline gives up instead of sleeping into a timeout.
        assert_eq!(
            p.next_delay(
                0,
                Some(Duration::from_secs(30)),
                Duration::from_secs(10),
                &mut rng
            ),
            None
        );
        assert_eq!(p.next_delay(0, None, Duration::ZERO, &mut rng), None);
        let none = RetryPolicy {
            max_retries: 0,
            backoff: Backoff::default(),
        };
        assert_eq!(none.next_delay(0, None, long, &mut rng), None);
    }

    #[test]
    fn retry_after_parsing() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("1.5", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(MAX_RETRY_AFTER)
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(5));
        assert_eq!(parse_retry_after(&later, now), Some(Duration::from_secs(5)));
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(5));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
    }
}
