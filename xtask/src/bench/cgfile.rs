//! Reading a callgrind profile (`callgrind.out`, format version 1, event `Ir`): the total
//! instructions, and per function the instructions it executed itself, the instructions of
//! the calls it received (inclusive) and how many calls it received.
//!
//! Only what the callgrind bench needs is read: `fn=`/`cfn=` names (with callgrind's name
//! compression, `(id) name` then `(id)`), `calls=` lines and the cost lines after them, the
//! `summary:`/`totals:` lines. Positions are skipped, so any `--dump-instr`/`--dump-line`
//! setting reads the same.

use std::collections::HashMap;

/// One function's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct FnCost {
    /// Instructions executed in the function itself.
    pub self_ir: u64,
    /// Instructions of every call the function received, callees included.
    pub inclusive_ir: u64,
    /// How many calls it received.
    pub calls: u64,
}

/// A parsed profile.
#[derive(Clone, Debug, Default)]
pub(super) struct Profile {
    /// All instructions of the run (the `totals:` or `summary:` line; else the sum of self
    /// costs).
    pub total_ir: u64,
    pub functions: HashMap<String, FnCost>,
}

impl Profile {
    pub fn parse(text: &str) -> Result<Profile, String> {
        let mut names: HashMap<String, String> = HashMap::new();
        let mut functions: HashMap<String, FnCost> = HashMap::new();
        let mut current: Option<String> = None;
        let mut callee: Option<String> = None;
        // Set by a `calls=` line: the next cost line is that call's inclusive cost.
        let mut pending_calls: Option<u64> = None;
        let mut declared_total: Option<u64> = None;
        let mut self_sum: u64 = 0;
        let mut events_checked = false;
        for (no, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(events) = line.strip_prefix("events:") {
                if events.split_whitespace().next() != Some("Ir") {
                    return Err(format!(
                        "line {}: the first event is not Ir: {events}",
                        no + 1
                    ));
                }
                events_checked = true;
                continue;
            }
            if let Some(v) = line
                .strip_prefix("totals:")
                .or_else(|| line.strip_prefix("summary:"))
            {
                declared_total = first_number(v);
                continue;
            }
            if let Some(spec) = line.strip_prefix("fn=") {
                let name = resolve(&mut names, spec);
                functions.entry(name.clone()).or_default();
                current = Some(name);
                continue;
            }
            if let Some(spec) = line.strip_prefix("cfn=") {
                callee = Some(resolve(&mut names, spec));
                continue;
            }
            if let Some(spec) = line.strip_prefix("calls=") {
                let count = first_number(spec)
                    .ok_or_else(|| format!("line {}: bad calls= line: {line}", no + 1))?;
                pending_calls = Some(count);
                continue;
            }
            let first = line.as_bytes()[0];
            let is_cost = first.is_ascii_digit() || matches!(first, b'+' | b'-' | b'*');
            if !is_cost {
                // ob=, fl=, fi=, fe=, cob=, cfi=, jump=, headers: nothing this reader needs.
                continue;
            }
            // A position, then the events; an omitted event is zero.
            let ir = line
                .split_whitespace()
                .nth(1)
                .map(|v| {
                    v.parse::<u64>()
                        .map_err(|_| format!("line {}: bad cost: {line}", no + 1))
                })
                .transpose()?
                .unwrap_or(0);
            match pending_calls.take() {
                Some(count) => {
                    let target = callee
                        .take()
                        .ok_or_else(|| format!("line {}: a call with no cfn= before it", no + 1))?;
                    let entry = functions.entry(target).or_default();
                    entry.calls += count;
                    entry.inclusive_ir += ir;
                }
                None => {
                    let name = current
                        .as_ref()
                        .ok_or_else(|| format!("line {}: a cost with no fn= before it", no + 1))?;
                    if let Some(f) = functions.get_mut(name) {
                        f.self_ir += ir;
                    }
                    self_sum += ir;
                }
            }
        }
        if !events_checked {
            return Err("not a callgrind profile (no events: line)".into());
        }
        Ok(Profile {
            total_ir: declared_total.unwrap_or(self_sum),
            functions,
        })
    }

    /// The summed figures of every function whose name `wanted` accepts (several
    /// monomorphisations, or names made equal by demangling, count as one).
    pub fn matching(&self, wanted: impl Fn(&str) -> bool) -> FnCost {
        let mut sum = FnCost::default();
        for (name, f) in &self.functions {
            if wanted(name) {
                sum.self_ir += f.self_ir;
                sum.inclusive_ir += f.inclusive_ir;
                sum.calls += f.calls;
            }
        }
        sum
    }
}

/// `(id) name` defines `id`, `(id)` refers to it, a bare name is itself.
fn resolve(names: &mut HashMap<String, String>, spec: &str) -> String {
    let spec = spec.trim();
    if let Some(rest) = spec.strip_prefix('(')
        && let Some((id, name)) = rest.split_once(')')
    {
        let name = name.trim();
        if name.is_empty() {
            return names.get(id).cloned().unwrap_or_else(|| spec.to_string());
        }
        names.insert(id.to_string(), name.to_string());
        return name.to_string();
    }
    spec.to_string()
}

fn first_number(s: &str) -> Option<u64> {
    s.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILE: &str = "\
# callgrind format
version: 1
creator: callgrind-3.19.0
positions: line
events: Ir
summary: 1000

ob=(1) /bin/provider
fl=(1) ???
fn=(1) main
0 10
cfl=(1)
cfn=(2) serve::{{closure}}
calls=2 0
0 600
cfn=(3) other
calls=1 0
0 300
fn=(2)
+2 400
cfn=(4) decode
calls=5 0
* 200
fn=(4)
0 200
fn=(3)
0 90
jump=1 0
0
totals: 1000
";

    #[test]
    fn costs_calls_and_names_are_read_through_compression() {
        let p = Profile::parse(PROFILE).expect("parses");
        assert_eq!(p.total_ir, 1000);
        assert_eq!(
            p.functions["main"],
            FnCost {
                self_ir: 10,
                inclusive_ir: 0,
                calls: 0
            }
        );
        assert_eq!(
            p.functions["serve::{{closure}}"],
            FnCost {
                self_ir: 400,
                inclusive_ir: 600,
                calls: 2
            }
        );
        assert_eq!(
            p.functions["decode"],
            FnCost {
                self_ir: 200,
                inclusive_ir: 200,
                calls: 5
            }
        );
        assert_eq!(p.functions["other"].self_ir, 90);
        assert_eq!(p.matching(|n| n.starts_with("serve")).inclusive_ir, 600);
        assert_eq!(p.matching(|n| n == "nothing"), FnCost::default());
    }

    #[test]
    fn a_file_without_events_is_refused() {
        assert!(Profile::parse("fn=main\n0 1\n").is_err());
        assert!(Profile::parse("events: Dr\n").is_err());
    }
}
