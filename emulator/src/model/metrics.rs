//! Instance metrics as deterministic functions of (instance id, time): the same request at the
//! same emulator time always answers the same series, shaped like the docs (7.5, 8.4).

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::shapes::Resources;

const GIB: i64 = 1 << 30;
/// Metrics start this long after an instance's first run.
pub const WARMUP_SECONDS: i64 = 120;

/// `max(60, the multiple of 60 nearest hours × 10)`, halves rounding up.
pub fn step_seconds(hours: i64) -> i64 {
    (((hours * 10) + 30) / 60 * 60).max(60)
}

/// A number in [0, 1) from (id, t, series).
fn unit(id: &str, t: i64, series: &str) -> f64 {
    let d = Sha256::digest(format!("{id}|{t}|{series}").as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&d[..8]);
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

/// The series of the `hours` before `now`. `running` holds the instance's running periods
/// (`end` None = still running); CPU and memory exist only inside them, disk from the warm-up on.
pub fn metrics_json(
    id: &str,
    r: Resources,
    hours: i64,
    now: i64,
    running: &[(i64, Option<i64>)],
    first_run: Option<i64>,
) -> Value {
    let step = step_seconds(hours);
    let from = now - hours * 3600;
    let start = from.div_euclid(step) * step + if from.rem_euclid(step) == 0 { 0 } else { step };
    let (mut cpu, mut mem, mut disk) = (Vec::new(), Vec::new(), Vec::new());
    if let Some(first) = first_run {
        let mut t = start;
        while t <= now {
            if t >= first + WARMUP_SECONDS {
                let up = running
                    .iter()
                    .any(|(s, e)| *s <= t && e.is_none_or(|e| t < e));
                if up {
                    let c = r.cpu as f64 * (0.05 + 0.5 * unit(id, t, "cpu"));
                    cpu.push(json!([t, (c * 1000.0).round() / 1000.0]));
                    let m = (r.memory * GIB) as f64 * (0.2 + 0.5 * unit(id, t, "memory"));
                    mem.push(json!([t, m as i64]));
                }
                let d = (r.disk * GIB) as f64 * (0.1 + 0.05 * unit(id, t, "disk"));
                disk.push(json!([t, d as i64]));
            }
            t += step;
        }
    }
    json!({
        "series": {"cpu_cores": cpu, "memory_bytes": mem, "disk_bytes": disk},
        "limits": {"cpu_cores": r.cpu, "memory_bytes": r.memory * GIB, "disk_bytes": r.disk * GIB},
        "hours": hours,
        "step_seconds": step,
        "fetched_at": now,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        assert_eq!(
            [1, 3, 6, 9, 24, 336].map(step_seconds),
            [60, 60, 60, 120, 240, 3360]
        );
    }

    #[test]
    fn deterministic_and_gapped_while_not_running() {
        let r = Resources {
            cpu: 2,
            memory: 4,
            disk: 4,
        };
        let runs = [(1000, Some(4000)), (7000, None)];
        let a = metrics_json("abcdefghij", r, 3, 10_000, &runs, Some(1000));
        assert_eq!(
            a,
            metrics_json("abcdefghij", r, 3, 10_000, &runs, Some(1000))
        );
        let cpu = a["series"]["cpu_cores"].as_array().unwrap();
        let disk = a["series"]["disk_bytes"].as_array().unwrap();
        let ts = |v: &Vec<Value>| v.iter().map(|p| p[0].as_i64().unwrap()).collect::<Vec<_>>();
        assert!(
            ts(cpu)
                .iter()
                .all(|t| (1120..4000).contains(t) || *t >= 7000)
        );
        assert!(ts(disk).len() > ts(cpu).len(), "disk has no gaps");
        assert!(
            ts(disk).windows(2).all(|w| w[1] - w[0] == 60),
            "ascending at the step"
        );
        assert!(cpu.iter().all(|p| p[1].as_f64().unwrap() <= 2.0));
        assert_eq!(a["limits"]["memory_bytes"], 4 * GIB);
        let fresh = metrics_json("abcdefghij", r, 1, 10_000, &[(9950, None)], Some(9950));
        assert_eq!(
            fresh["series"]["disk_bytes"],
            json!([]),
            "first minutes: empty"
        );
    }
}
