//! The benchmarks' figures: rows with a unit, a peer and a target, the table on stdout and
//! `target/bench/results.json`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::Sizes;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Unit {
    Seconds,
    Millis,
    Micros,
    Count,
    MiB,
    /// Machine instructions (callgrind's `Ir`).
    Instructions,
}

impl Unit {
    fn show(self, v: f64) -> String {
        match self {
            Unit::Seconds => format!("{v:.2} s"),
            Unit::Millis => format!("{v:.2} ms"),
            Unit::Micros => format!("{v:.0} us"),
            Unit::Count => format!("{v:.0}"),
            Unit::MiB => format!("{v:.1} MiB"),
            Unit::Instructions if v >= 1e6 => format!("{:.2} M", v / 1e6),
            Unit::Instructions => format!("{:.1} k", v / 1e3),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Millis => "ms",
            Unit::Micros => "us",
            Unit::Count => "count",
            Unit::MiB => "MiB",
            Unit::Instructions => "instructions",
        }
    }
}

/// A target: the ratio (or the value itself) at most this.
#[derive(Clone, Copy, Debug)]
pub(super) enum Target {
    Ratio(f64),
    Value(f64),
}

#[derive(Clone, Debug)]
pub(super) struct Row {
    pub name: String,
    pub value: f64,
    pub unit: Unit,
    /// The peer's figure and what the peer is.
    pub peer: Option<f64>,
    pub peer_name: String,
    pub target: Option<Target>,
    pub n: usize,
    pub runs: usize,
    /// value / peer of each run, for rows whose runs were interleaved with the peer's: the
    /// ratio shown is then their median, with their spread (min–max) beside it. Empty: the
    /// ratio is value / peer.
    pub run_ratios: Vec<f64>,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        if !self.run_ratios.is_empty() {
            return Some(median(&self.run_ratios));
        }
        self.peer.filter(|p| *p > 0.0).map(|p| self.value / p)
    }

    /// The lowest and highest ratio over the runs.
    fn spread(&self) -> Option<(f64, f64)> {
        let finite = || self.run_ratios.iter().copied().filter(|x| x.is_finite());
        let min = finite().reduce(f64::min)?;
        let max = finite().reduce(f64::max)?;
        Some((min, max))
    }

    fn spread_text(&self) -> String {
        self.spread()
            .map_or("-".into(), |(lo, hi)| format!("{lo:.3}-{hi:.3}"))
    }

    fn pass(&self) -> Option<bool> {
        match self.target? {
            Target::Ratio(max) => self.ratio().map(|r| r <= max),
            Target::Value(max) => Some(self.value <= max),
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            None => "-".into(),
            Some(Target::Ratio(max)) => format!("ratio <= {max}"),
            Some(Target::Value(max)) => format!("<= {}", self.unit.show(max)),
        }
    }
}

pub(super) fn print_table(rows: &[Row]) {
    println!();
    println!(
        "{:<46} {:>11} {:>11} {:>7} {:>11}  {:<15} {:>5} {:>4}  peer is",
        "benchmark", "value", "peer", "ratio", "spread", "target", "N", "runs"
    );
    for r in rows {
        let pass = match r.pass() {
            Some(true) => " ok",
            Some(false) => " MISSED",
            None => "",
        };
        println!(
            "{:<46} {:>11} {:>11} {:>7} {:>11}  {:<15} {:>5} {:>4}  {}{}",
            r.name,
            r.unit.show(r.value),
            r.peer.map_or("-".into(), |p| r.unit.show(p)),
            r.ratio().map_or("-".into(), |x| format!("{x:.3}")),
            r.spread_text(),
            r.target_text(),
            r.n,
            r.runs,
            r.peer_name,
            pass
        );
    }
    println!();
}

pub(super) fn results_json(rows: &[Row], sizes: Sizes, quick: bool) -> String {
    let num = |v: f64| json!((v * 1000.0).round() / 1000.0);
    let opt = |v: Option<f64>| v.map_or(Value::Null, num);
    let results: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "name": r.name,
                "value": num(r.value),
                "unit": r.unit.name(),
                "peer": opt(r.peer),
                "peer_name": r.peer_name,
                "ratio": opt(r.ratio()),
                "ratio_min": opt(r.spread().map(|s| s.0)),
                "ratio_max": opt(r.spread().map(|s| s.1)),
                "target": r.target_text(),
                "pass": r.pass(),
                "N": r.n,
                "runs": r.runs,
            })
        })
        .collect();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let top = json!({
        "unix_time": now,
        "quick": quick,
        "cores": std::thread::available_parallelism().map_or(0, |n| n.get()),
        "runs": sizes.runs,
        "results": results,
    });
    format!("{top}\n")
}

pub(super) fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_runs() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn ratios_and_targets() {
        let row = Row {
            name: "x".into(),
            value: 1.1,
            unit: Unit::Seconds,
            peer: Some(1.0),
            peer_name: String::new(),
            target: Some(Target::Ratio(1.2)),
            n: 1,
            runs: 1,
            run_ratios: Vec::new(),
        };
        assert_eq!(row.pass(), Some(true));
        let row = Row {
            peer: None,
            target: Some(Target::Value(1.0)),
            ..row
        };
        assert_eq!((row.ratio(), row.pass()), (None, Some(false)));
    }

    #[test]
    fn interleaved_runs_give_the_median_ratio_and_its_spread() {
        let row = Row {
            name: "x".into(),
            value: 9.0,
            unit: Unit::Seconds,
            peer: Some(1.0),
            peer_name: String::new(),
            target: Some(Target::Ratio(1.1)),
            n: 1,
            runs: 3,
            run_ratios: vec![1.2, 1.0, 1.05],
        };
        assert_eq!(row.ratio(), Some(1.05));
        assert_eq!(row.spread(), Some((1.0, 1.2)));
        assert_eq!(row.pass(), Some(true));
        assert_eq!(row.spread_text(), "1.000-1.200");
    }

    #[test]
    fn results_are_json_with_rounded_figures() {
        let row = Row {
            name: "r".into(),
            value: 1.23456,
            unit: Unit::Seconds,
            peer: None,
            peer_name: "none".into(),
            target: Some(Target::Value(2.0)),
            n: 3,
            runs: 2,
            run_ratios: Vec::new(),
        };
        let sizes = Sizes::new(true);
        let json: Value = serde_json::from_str(&results_json(&[row], sizes, true)).unwrap();
        let r = &json["results"][0];
        assert_eq!(
            (r["value"].as_f64(), r["pass"].as_bool()),
            (Some(1.235), Some(true))
        );
        assert_eq!((r["peer"].is_null(), r["N"].as_u64()), (true, Some(3)));
        assert_eq!(json["quick"], true);
    }
}
