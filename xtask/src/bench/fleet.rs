//! RPC overhead and refresh, on one fleet of instances made through the emulator's API and
//! imported into two states.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use testkit::{Emulator, hcl};

use super::results::{Row, Target, Unit, median};
use super::{Bench, PlanRss, Sizes, control, start_emulator, write};
use crate::util;

impl Bench {
    /// RPC overhead and refresh, on one fleet of instances made through the API.
    pub(super) fn fleet_benchmarks(&mut self) -> Result<(), String> {
        let Sizes {
            rpc_n,
            refresh_n,
            runs,
            ..
        } = self.sizes;
        let emu = start_emulator(&self.emulator_bin, &self.work.join("emulator-fleet.log"))?;
        let fleet = rpc_n.max(refresh_n);
        util::step(format!(
            "creating {fleet} instances through the emulator's API"
        ));
        let ids = create_instances(&emu, fleet)?;
        self.tf.env = emu.provider_env();

        let budgets = refresh_n / 10;
        util::step(format!(
            "importing {rpc_n} and {refresh_n} instances (and {budgets} budgets) into two states (import blocks, once)"
        ));
        let rpc_dir = self.import_fleet("rpc", &ids[..rpc_n], 0)?;
        let refresh_dir = self.import_fleet("refresh", &ids[..refresh_n], budgets)?;
        let same_dir = self.terraform_data_copy("terraform_data_same", &rpc_dir)?;
        let bare_dir = self.terraform_data_fleet("terraform_data_bare", rpc_n)?;

        // RPC overhead, at parallelism 1 and 10, runs interleaved with the peer's.
        let mut rss_peaks = Vec::new();
        for parallelism in [1usize, 10] {
            let p = format!("-parallelism={parallelism}");
            let args = ["plan", "-refresh=false", "-detailed-exitcode", p.as_str()];
            util::step(format!(
                "RPC overhead: plan -refresh=false {p}, {rpc_n} instances vs {rpc_n} terraform_data, {runs} runs"
            ));
            let (mut ours, mut peer, mut bare, mut cpu) =
                (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            let (mut tf_ours, mut tf_peer) = (Vec::new(), Vec::new());
            for _ in 0..runs {
                let (t, seen) =
                    self.tf
                        .time_probed(&rpc_dir, &args, &[], Some(&self.provider_bin))?;
                ours.push(t);
                rss_peaks.push(seen.peak_kib as f64);
                cpu.push(seen.cpu_secs);
                tf_ours.push(seen.root_cpu_secs);
                let (t, seen) = self.tf.time_probed(&same_dir, &args, &[], None)?;
                peer.push(t);
                tf_peer.push(seen.root_cpu_secs);
                if parallelism == 1 {
                    bare.push(self.tf.time(&bare_dir, &args, &[])?);
                }
            }
            self.rows.push(Row {
                name: format!("RPC overhead: plan -refresh=false, p={parallelism}"),
                value: median(&ours),
                unit: Unit::Seconds,
                peer: Some(median(&peer)),
                peer_name: "terraform_data holding the same data".into(),
                target: (parallelism == 1).then_some(Target::Ratio(1.1)),
                n: rpc_n,
                runs,
                // Each run against the peer's run next to it: the machine's load moves both.
                run_ratios: ours.iter().zip(&peer).map(|(o, p)| o / p).collect(),
            });
            if !bare.is_empty() {
                // A terraform_data with no attributes set: its state is a tenth of an
                // instance's, and Terraform's own work grows with the state's size.
                self.rows.push(Row {
                    name: format!("RPC overhead vs bare terraform_data, p={parallelism}"),
                    value: median(&ours),
                    unit: Unit::Seconds,
                    peer: Some(median(&bare)),
                    peer_name: "terraform_data with no attributes".into(),
                    target: None,
                    n: rpc_n,
                    runs,
                    run_ratios: Vec::new(),
                });
            }
            // The provider's own CPU, as a share of the plan's wall time.
            self.rows.push(Row {
                name: format!("RPC overhead: provider CPU, p={parallelism}"),
                value: median(&cpu),
                unit: Unit::Seconds,
                peer: Some(median(&ours)),
                peer_name: "the plan's wall time".into(),
                target: None,
                n: rpc_n,
                runs,
                run_ratios: Vec::new(),
            });
            // Terraform's own CPU: the gRPC client side of every call, and its per-resource
            // work, which grows with the schema (terraform_data has 4 attributes, an instance 20).
            self.rows.push(Row {
                name: format!("RPC overhead: Terraform CPU, p={parallelism}"),
                value: median(&tf_ours),
                unit: Unit::Seconds,
                peer: Some(median(&tf_peer)),
                peer_name: "Terraform CPU with terraform_data".into(),
                target: None,
                n: rpc_n,
                runs,
                run_ratios: Vec::new(),
            });
        }
        self.plan_rss = Some(PlanRss(median(&rss_peaks)));

        // Refresh: requests and wall time.
        util::step(format!(
            "refresh: plan vs plan -refresh=false over {refresh_n} instances, {runs} runs"
        ));
        let (mut refresh, mut no_refresh, mut instance_reqs, mut budget_reqs) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..runs {
            control(&emu, "POST", "requests/reset", None)?;
            refresh.push(
                self.tf
                    .time(&refresh_dir, &["plan", "-detailed-exitcode"], &[])?,
            );
            let counts = request_counts(&emu)?;
            instance_reqs.push(counts.instances as f64);
            budget_reqs.push(counts.budgets as f64);
            no_refresh.push(self.tf.time(
                &refresh_dir,
                &["plan", "-refresh=false", "-detailed-exitcode"],
                &[],
            )?);
        }
        self.rows.push(Row {
            name: "refresh: instance API requests".into(),
            value: median(&instance_reqs),
            unit: Unit::Count,
            peer: Some(refresh_n as f64),
            peer_name: "one GET per instance".into(),
            target: Some(Target::Value(refresh_n as f64 / 20.0)),
            n: refresh_n,
            runs,
            run_ratios: Vec::new(),
        });
        self.rows.push(Row {
            name: "refresh: budget API requests".into(),
            value: median(&budget_reqs),
            unit: Unit::Count,
            peer: Some(budgets as f64),
            peer_name: format!("{budgets} budgets in the state: no list endpoint"),
            target: None,
            n: refresh_n,
            runs,
            run_ratios: Vec::new(),
        });
        self.rows.push(Row {
            name: "refresh: plan wall time".into(),
            value: median(&refresh),
            unit: Unit::Seconds,
            peer: Some(median(&no_refresh)),
            peer_name: "plan -refresh=false".into(),
            target: Some(Target::Ratio(1.3)),
            n: refresh_n,
            runs,
            run_ratios: Vec::new(),
        });
        Ok(())
    }

    /// A state holding `ids`, one `agent37_instance.iNNNNN` block each, and the budgets of the
    /// first `budgets` of them (`agent37_budget.bNNNNN`), made with import blocks. One literal
    /// block per resource, not `for_each`: Terraform re-evaluates a `for_each` expression for
    /// every instance it plans (quadratic in N, and over half of its CPU at N = 500), which would
    /// drown what is measured here.
    pub(super) fn import_fleet(
        &self,
        name: &str,
        ids: &[String],
        budgets: usize,
    ) -> Result<PathBuf, String> {
        let dir = self.work.join(name);
        util::create_dir_all(&dir)?;
        let mut main = String::from(
            "terraform {\n  required_providers {\n    agent37 = { source = \"agent37/agent37\" }\n  }\n}\n\n\
             provider \"agent37\" {}\n",
        );
        let mut imports = String::new();
        for (i, id) in ids.iter().enumerate() {
            let id = hcl::string(id);
            main.push_str(&format!(
                "\nresource \"agent37_instance\" \"i{i:05}\" {{}}\n"
            ));
            imports.push_str(&format!(
                "import {{\n  to = agent37_instance.i{i:05}\n  id = {id}\n}}\n"
            ));
            if i < budgets {
                main.push_str(&format!(
                    "\nresource \"agent37_budget\" \"b{i:05}\" {{\n  instance_id = {id}\n}}\n"
                ));
                imports.push_str(&format!(
                    "import {{\n  to = agent37_budget.b{i:05}\n  id = {id}\n}}\n"
                ));
            }
        }
        write(&dir.join("main.tf"), &main)?;
        let import = dir.join("import.tf");
        write(&import, &imports)?;
        self.tf.time(&dir, &["apply", "-auto-approve"], &[])?;
        // Without the import blocks, the measured plans evaluate exactly the resources.
        fs::remove_file(&import).map_err(|e| format!("cannot remove {}: {e}", import.display()))?;
        self.tf
            .time(&dir, &["plan", "-refresh=false", "-detailed-exitcode"], &[])?;
        Ok(dir)
    }

    /// N `terraform_data` with no attributes set: the peer with no plugin at all.
    fn terraform_data_fleet(&self, name: &str, n: usize) -> Result<PathBuf, String> {
        let dir = self.work.join(name);
        util::create_dir_all(&dir)?;
        let main: String = (0..n)
            .map(|i| format!("resource \"terraform_data\" \"i{i:05}\" {{}}\n"))
            .collect();
        write(&dir.join("main.tf"), &main)?;
        self.tf.time(&dir, &["init", "-backend=false"], &[])?;
        self.tf.time(&dir, &["apply", "-auto-approve"], &[])?;
        Ok(dir)
    }

    /// As many `terraform_data` as there are instances in `instances_dir`'s state, each holding
    /// an instance's state values in `triggers_replace`: the same amount of data in state, with
    /// no plugin in the way. The values are one `local` that every block refers to, so that the
    /// peer's configuration costs Terraform as little to evaluate as the instances' empty blocks
    /// (literal objects in each block made the peer 30 % slower than the instances).
    ///
    /// Only the first is applied; the others are copies of its state entry, written into the
    /// state file. Terraform's apply of N of them grows faster than N (it copies the whole state
    /// after each resource): 5,000 had not finished after 17 minutes. The empty plan that
    /// follows checks the copies against the configuration.
    pub(super) fn terraform_data_copy(
        &self,
        name: &str,
        instances_dir: &Path,
    ) -> Result<PathBuf, String> {
        self.tf.time(instances_dir, &["show", "-json"], &[])?;
        let log = fs::read_to_string(instances_dir.join("terraform.log"))
            .map_err(|e| format!("cannot read terraform show -json output: {e}"))?;
        let state = log
            .lines()
            .find(|l| l.starts_with('{'))
            .ok_or("terraform show -json printed no JSON")
            .and_then(|l| {
                serde_json::from_str::<Value>(l).map_err(|_| "terraform show -json: bad JSON")
            })?;
        let resources = state["values"]["root_module"]["resources"]
            .as_array()
            .cloned()
            .ok_or("no resources in the instances' state")?;
        let values = resources
            .first()
            .and_then(|r| r.get("values"))
            .ok_or("no instance values in the state")?;
        let locals = format!("locals {{\n  instance = {}\n}}\n", hcl::literal(values));
        let block = |i: usize| {
            format!(
                "\nresource \"terraform_data\" \"i{i:05}\" {{\n  triggers_replace = local.instance\n}}\n"
            )
        };
        let dir = self.work.join(name);
        util::create_dir_all(&dir)?;
        write(&dir.join("main.tf"), &format!("{locals}{}", block(0)))?;
        self.tf.time(&dir, &["init", "-backend=false"], &[])?;
        self.tf.time(&dir, &["apply", "-auto-approve"], &[])?;
        let state_path = dir.join("terraform.tfstate");
        let mut state = read_json(&state_path)?;
        let first = state["resources"]
            .as_array()
            .and_then(|r| r.first())
            .cloned()
            .ok_or("the terraform_data state holds no resource")?;
        state["resources"] = Value::Array(
            (0..resources.len())
                .map(|i| copy_of(&first, i))
                .collect::<Result<_, _>>()?,
        );
        state["serial"] = json!(state["serial"].as_u64().unwrap_or(0) + 1);
        let text = serde_json::to_string(&state).map_err(|e| e.to_string())?;
        write(&state_path, &text)?;
        let main: String = (0..resources.len()).map(block).collect();
        write(&dir.join("main.tf"), &format!("{locals}{main}"))?;
        self.tf
            .time(&dir, &["plan", "-refresh=false", "-detailed-exitcode"], &[])?;
        Ok(dir)
    }
}

/// The state entry of `terraform_data.iNNNNN` (`i`), copied from `first`'s: its own name and id.
fn copy_of(first: &Value, i: usize) -> Result<Value, String> {
    let mut r = first.clone();
    r["name"] = json!(format!("i{i:05}"));
    let attributes = r["instances"]
        .get_mut(0)
        .and_then(|inst| inst.get_mut("attributes"))
        .and_then(Value::as_object_mut)
        .ok_or("a terraform_data state entry has no attributes")?;
    // terraform_data's ids are UUIDs; any unique one will do.
    attributes.insert(
        "id".into(),
        json!(format!("00000000-0000-4000-8000-{i:012}")),
    );
    Ok(r)
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))
}

/// Creates `n` instances (the default template and shape) with four client threads; returns
/// their ids in creation order per thread.
pub(super) fn create_instances(emu: &Emulator, n: usize) -> Result<Vec<String>, String> {
    const THREADS: usize = 4;
    let body = json!({});
    let results: Vec<Result<Vec<String>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (client, body) = (emu.client(), &body);
                scope.spawn(move || {
                    let count = n / THREADS + usize::from(t < n % THREADS);
                    (0..count)
                        .map(|_| {
                            let created = client
                                .json("POST", "/v1/instances", Some(body))
                                .map_err(|e| e.to_string())?;
                            created["id"]
                                .as_str()
                                .map(str::to_string)
                                .ok_or_else(|| "a created instance has no id".to_string())
                        })
                        .collect()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("a create thread panicked".into()))
            })
            .collect()
    });
    let mut ids = Vec::with_capacity(n);
    for r in results {
        ids.extend(r?);
    }
    Ok(ids)
}

/// API requests since the last reset: all of `/v1`, the instance routes, the budget routes.
pub(super) struct Counts {
    pub api: u64,
    pub instances: u64,
    pub budgets: u64,
}

pub(super) fn request_counts(emu: &Emulator) -> Result<Counts, String> {
    let answer = control(emu, "GET", "requests", None)?;
    let counters = answer["counters"]
        .as_object()
        .ok_or("no counters in /_emulator/requests")?;
    Ok(count_routes(counters))
}

fn count_routes(counters: &Map<String, Value>) -> Counts {
    let mut c = Counts {
        api: 0,
        instances: 0,
        budgets: 0,
    };
    for (route, n) in counters {
        let n = n.as_f64().unwrap_or(0.0) as u64;
        let path = route.split_whitespace().nth(1).unwrap_or("");
        if !path.starts_with("/v1/") {
            continue;
        }
        c.api += n;
        if path.contains("/budget") {
            c.budgets += n;
        } else if path.starts_with("/v1/instances") && !path.contains("/usage") {
            c.instances += n;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_are_counted_by_kind() {
        let counters = json!({"GET /v1/instances": 2, "GET /v1/instances/{id}": 3,
            "GET /v1/instances/{id}/budget": 4, "POST /v1/instances": 5,
            "GET /v1/templates/{name}": 1, "GET /_instances/{id}/{port}/v1/health": 7});
        let c = count_routes(counters.as_object().unwrap());
        assert_eq!((c.api, c.instances, c.budgets), (15, 10, 4));
    }
}
