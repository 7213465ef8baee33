//! Footprint: spawn-to-handshake, peak RSS and binary size, against each Go provider found.

use std::fs;
use std::path::{Path, PathBuf};

use testkit::hcl;

use super::procs;
use super::results::{Row, Target, Unit, median};
use super::tf::Tf;
use super::{Bench, HandshakeSamples, PlanRss, Sizes, write};
use crate::util;

impl Bench {
    /// Spawn-to-handshake, peak RSS and binary size, against each Go provider found (one set of
    /// rows per peer), or with no peer when there is none.
    pub(super) fn footprint(&mut self) -> Result<(), String> {
        let Sizes { handshakes, .. } = self.sizes;
        let peers: Vec<(PathBuf, String)> = procs::find_go_providers()
            .into_iter()
            .map(|p| {
                let name = format!(
                    "Go: {}",
                    p.file_name().unwrap_or_default().to_string_lossy()
                );
                (p, name)
            })
            .collect();
        let names: Vec<&str> = peers.iter().map(|(_, n)| n.as_str()).collect();
        util::step(format!(
            "footprint: {handshakes} handshakes each; peers: {}",
            if names.is_empty() {
                "no Go provider found".to_string()
            } else {
                names.join(", ")
            }
        ));
        let sockets = self.work.join("sockets");
        // Interleaved, so that a noisy moment hits every binary alike.
        let mut ours = HandshakeSamples::default();
        let mut theirs = vec![HandshakeSamples::default(); peers.len()];
        for _ in 0..handshakes {
            ours.add(procs::handshake(&self.provider_bin, &sockets)?);
            for ((go, _), samples) in peers.iter().zip(&mut theirs) {
                samples.add(procs::handshake(go, &sockets)?);
            }
        }

        // Both serve `terraform providers schema -json`: the lightest real workload a Go
        // provider of any kind can be given.
        util::step("footprint: peak RSS while serving `terraform providers schema -json`");
        let our_schema = self.schema_rss("agent37", "agent37/agent37", &self.provider_bin)?;
        let mut their_schema = Vec::new();
        for (go, _) in &peers {
            let name = go_type_name(go);
            their_schema.push(self.schema_rss(&name, &format!("bench/{name}"), go)?);
        }
        let size = |p: &Path| {
            fs::metadata(p)
                .map(|m| m.len() as f64 / (1024.0 * 1024.0))
                .map_err(|e| format!("{}: {e}", p.display()))
        };
        let our_size = size(&self.provider_bin)?;
        let plan_rss = self.plan_rss.take();

        let mut columns: Vec<Option<usize>> = (0..peers.len()).map(Some).collect();
        if columns.is_empty() {
            columns.push(None);
        }
        for peer in columns {
            let peer_name = peer.map_or("no Go peer found".to_string(), |i| peers[i].1.clone());
            let go = peer.map(|i| &theirs[i]);
            self.rows.push(Row {
                name: "footprint: spawn to handshake".into(),
                value: median(&ours.millis),
                unit: Unit::Millis,
                peer: go.map(|g| median(&g.millis)),
                peer_name: peer_name.clone(),
                target: Some(Target::Ratio(0.05)),
                n: 1,
                runs: handshakes,
                run_ratios: Vec::new(),
            });
            self.rows.push(Row {
                name: "footprint: peak RSS at handshake".into(),
                value: median(&ours.rss_mib),
                unit: Unit::MiB,
                peer: go.map(|g| median(&g.rss_mib)),
                peer_name: peer_name.clone(),
                target: None,
                n: 1,
                runs: handshakes,
                run_ratios: Vec::new(),
            });
            let schema = peer.map(|i| their_schema[i]);
            self.rows.push(Row {
                name: "footprint: peak RSS, providers schema".into(),
                value: our_schema,
                unit: Unit::MiB,
                peer: schema,
                peer_name: peer_name.clone(),
                target: Some(Target::Ratio(0.1)),
                n: 1,
                runs: 1,
                run_ratios: Vec::new(),
            });
            if let Some(PlanRss(kib)) = &plan_rss {
                // A Go peer cannot plan agent37 instances: its figure is its schema peak, a
                // lighter workload, so this ratio can only flatter the peer.
                self.rows.push(Row {
                    name: "footprint: peak RSS, RPC-overhead plan".into(),
                    value: kib / 1024.0,
                    unit: Unit::MiB,
                    peer: schema,
                    peer_name: format!("{peer_name} (its schema peak)"),
                    target: Some(Target::Ratio(0.1)),
                    n: self.sizes.rpc_n,
                    runs: self.sizes.runs * 2,
                    run_ratios: Vec::new(),
                });
            }
            self.rows.push(Row {
                name: "footprint: binary size".into(),
                value: our_size,
                unit: Unit::MiB,
                peer: peer.map(|i| size(&peers[i].0)).transpose()?,
                peer_name,
                target: None,
                n: 1,
                runs: 1,
                run_ratios: Vec::new(),
            });
        }
        Ok(())
    }

    /// Peak RSS (MiB) of `bin` while `terraform providers schema -json` runs with it as the
    /// provider `source` (a dev override), in its own directory.
    fn schema_rss(&self, type_name: &str, source: &str, bin: &Path) -> Result<f64, String> {
        let dir = self.work.join(format!("schema-{type_name}"));
        let plugin_dir = dir.join("plugin");
        util::create_dir_all(&plugin_dir)?;
        let link = plugin_dir.join(format!("terraform-provider-{type_name}"));
        let _ = fs::remove_file(&link);
        symlink(bin, &link)?;
        write(
            &dir.join("main.tf"),
            &format!(
                "terraform {{\n  required_providers {{\n    {type_name} = {{ source = \"{source}\" }}\n  }}\n}}\n"
            ),
        )?;
        let config = dir.join("cli.tfrc");
        write(
            &config,
            &format!(
                "provider_installation {{\n  dev_overrides {{\n    \"{source}\" = {}\n  }}\n  direct {{}}\n}}\n",
                hcl::string(&plugin_dir.to_string_lossy())
            ),
        )?;
        let tf = Tf {
            launcher: self.tf.launcher.clone(),
            cli_config: config,
            env: Vec::new(),
        };
        let (_, seen) = tf.time_probed(&dir, &["providers", "schema", "-json"], &[], Some(bin))?;
        let kib = seen.peak_kib;
        if kib == 0 {
            return Err(format!(
                "never saw {} running during `providers schema`",
                bin.display()
            ));
        }
        Ok(kib as f64 / 1024.0)
    }
}

/// `terraform-provider-NAME_v1.2.3` → `NAME`.
fn go_type_name(bin: &Path) -> String {
    let name = bin.file_name().unwrap_or_default().to_string_lossy();
    let name = name.strip_prefix("terraform-provider-").unwrap_or(&name);
    let name = name.split('_').next().unwrap_or(name);
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if clean.is_empty() {
        "peer".into()
    } else {
        clean
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) -> Result<(), String> {
    std::os::unix::fs::symlink(target, link).map_err(|e| {
        format!(
            "cannot link {} to {}: {e}",
            link.display(),
            target.display()
        )
    })
}

#[cfg(not(unix))]
fn symlink(target: &Path, link: &Path) -> Result<(), String> {
    fs::copy(target, link)
        .map(|_| ())
        .map_err(|e| format!("cannot copy {}: {e}", target.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_type_names_come_from_the_file_name() {
        assert_eq!(
            go_type_name(Path::new("/x/terraform-provider-workato_v0.16.0")),
            "workato"
        );
        assert_eq!(go_type_name(Path::new("terraform-provider-null")), "null");
    }
}
