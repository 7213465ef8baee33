//! Instance logs (7.4) and metrics (7.5), 2026-08-21: any status but deleted. Logs are the
//! boot lines written at each boot and wake plus what the control route appends; metrics are
//! deterministic functions of (id, time) over the instance's running periods.

use std::sync::Arc;

use axum::extract::State;
use axum::http::Uri;
use axum::response::Response;
use serde_json::{Value, json};

use super::{Caller, InstanceId, ok};
use crate::app::App;
use crate::error::{ApiError, ApiResult};
use crate::model::{self, Status};
use crate::objects::Instance;

pub const TAIL_DEFAULT: usize = 500;
pub const TAIL_MAX: usize = 2000;
/// The combined output returned is at most 512 KB.
pub const LOGS_MAX_BYTES: usize = 512 * 1024;
pub const HOURS_DEFAULT: i64 = 24;
pub const HOURS_MAX: i64 = 336;

/// `tail`: a positive integer (above 2000 clamped), default 500.
pub fn parse_tail(v: Option<&str>) -> Result<usize, String> {
    match v {
        None => Ok(TAIL_DEFAULT),
        Some(s) if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) => {
            match s.parse::<u64>() {
                Ok(0) => Err(format!("tail {s:?} must be a positive integer")),
                Ok(n) => Ok(usize::try_from(n).unwrap_or(TAIL_MAX).min(TAIL_MAX)),
                // More digits than a u64 holds: still a positive integer, clamped.
                Err(_) => Ok(TAIL_MAX),
            }
        }
        Some(s) => Err(format!("tail {s:?} must be a positive integer")),
    }
}

/// `hours`: 1-336, default 24.
pub fn parse_hours(v: Option<&str>) -> Result<i64, String> {
    match v {
        None => Ok(HOURS_DEFAULT),
        Some(s) => match s.parse::<i64>() {
            Ok(n) if (1..=HOURS_MAX).contains(&n) => Ok(n),
            _ => Err(format!(
                "hours {s:?} must be an integer from 1 to {HOURS_MAX}"
            )),
        },
    }
}

/// `health` of the logs answer: null without a container.
pub fn health_json(inst: &Instance) -> Value {
    if !inst.has_container() {
        return Value::Null;
    }
    let running = inst.status == Status::Running;
    let verdict = if running {
        inst.extra.verdict.clone().unwrap_or_else(
            || json!({"memory": "healthy", "cpu": "healthy", "disk": "healthy", "overall": "healthy"}),
        )
    } else {
        Value::Null
    };
    json!({
        "running": running,
        "restart_count": inst.extra.restart_count.unwrap_or(inst.extra.boots),
        "exit_code": inst.extra.exit_code,
        "oom_suspected": inst.extra.oom_suspected,
        "resource_verdict": verdict,
    })
}

pub async fn logs(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    uri: Uri,
) -> ApiResult<Response> {
    let body = app.tx(|tx, now| {
        let inst = tx.live_instance(&key, &id)?;
        let tail = parse_tail(model::query_param(uri.query(), "tail").as_deref())
            .map_err(ApiError::InvalidRequest)?;
        let (lines, truncated) = if inst.has_container() {
            tx.log_lines(&inst.id, tail, LOGS_MAX_BYTES)?
        } else {
            (Vec::new(), false)
        };
        let mut logs = lines.join("\n");
        if !logs.is_empty() {
            logs.push('\n');
        }
        Ok(json!({
            "logs": logs,
            "truncated": truncated,
            "health": health_json(&inst),
            "fetched_at": now,
        }))
    })?;
    Ok(ok(&body))
}

pub async fn metrics(
    State(app): State<Arc<App>>,
    Caller(key): Caller,
    InstanceId(id): InstanceId,
    uri: Uri,
) -> ApiResult<Response> {
    let body = app.tx(|tx, now| {
        let inst = tx.live_instance(&key, &id)?;
        let hours = parse_hours(model::query_param(uri.query(), "hours").as_deref())
            .map_err(ApiError::InvalidRequest)?;
        let mut running: Vec<(i64, Option<i64>)> =
            inst.runs.iter().map(|(s, e)| (*s, Some(*e))).collect();
        if let Some(s) = inst.running_since {
            running.push((s, None));
        }
        Ok(model::metrics_json(
            &inst.id,
            inst.resources,
            hours,
            now,
            &running,
            inst.first_run,
        ))
    })?;
    Ok(ok(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_rules() {
        assert_eq!(parse_tail(None), Ok(500));
        assert_eq!(parse_tail(Some("1")), Ok(1));
        assert_eq!(parse_tail(Some("5000")), Ok(2000));
        assert_eq!(parse_tail(Some("99999999999999999999")), Ok(2000));
        for bad in ["0", "00", "-1", "+1", "1.5", "", "x"] {
            assert!(parse_tail(Some(bad)).is_err(), "{bad}");
        }
        assert_eq!(parse_hours(None), Ok(24));
        assert_eq!(parse_hours(Some("336")), Ok(336));
        for bad in ["0", "337", "-3", "2.0", ""] {
            assert!(parse_hours(Some(bad)).is_err(), "{bad}");
        }
    }
}
