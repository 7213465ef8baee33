//! Import-and-verify: an object the case manages, imported again every way Terraform can
//! import it, must come back as it is in the state, with nothing to change.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Case, Import};
use crate::hcl;
use crate::terraform::Terraform;

const IMPORT_FILE: &str = "verify_import.tf";

impl Case<'_> {
    /// For each way this Terraform can import (`terraform import`, an `import` block by `id`,
    /// and on Terraform >= 1.12 an `import` block by the identity the state records): in a copy
    /// of this case's directory and state with `address` removed from the state, the import
    /// plans nothing but the import, the state it writes holds the same values (but the
    /// attributes in `ignore`) and the same identity, and the plan after it is empty. The
    /// case's own directory and the server are left as they were.
    #[track_caller]
    pub fn verify_import(&self, address: &str, id: &str, ignore: &[&str]) {
        let expected = self.tf.state_entry(address);
        let mut ways = vec![Import::Cli, Import::Block];
        if self.tf.version().has_identity_import() {
            assert!(
                expected["identity"].is_object(),
                "{address} has no identity in the state: {expected:#}"
            );
            ways.push(Import::Identity);
        }
        // `state rm` once; each way then starts from a copy of that state.
        let first = self.copy_without(address);
        let without = first.workdir().read("terraform.tfstate");
        let mut first = Some(first);
        for way in ways {
            let fresh = first
                .take()
                .unwrap_or_else(|| self.copy_with_state(&without));
            match way {
                Import::Cli => {
                    fresh.run_ok(&["import", address, id]);
                }
                Import::Block | Import::Identity => {
                    let target = match way {
                        Import::Identity => {
                            format!("identity = {}", hcl::literal(&expected["identity"]))
                        }
                        _ => format!("id = {}", hcl::string(id)),
                    };
                    fresh.write_file(
                        IMPORT_FILE,
                        &format!("import {{\n  to = {address}\n  {target}\n}}\n"),
                    );
                    let plan = fresh.plan_json();
                    assert!(
                        plan.actions().is_empty(),
                        "{way:?} import of {address}: the plan changes more than the import: {:?}",
                        plan.actions()
                    );
                    assert_eq!(
                        plan.imported(),
                        BTreeSet::from([address.to_string()]),
                        "{way:?} import of {address}"
                    );
                    fresh.run_ok(&["apply", "-auto-approve", "tfplan"]);
                }
            }
            let got = fresh.state_entry(address);
            let differences = differences(&expected["values"], &got["values"], ignore);
            assert!(
                differences.is_empty(),
                "{way:?} import of {address} ({id}) differs from the state (attribute: state, \
                 imported):\n{}",
                differences.join("\n")
            );
            if expected["identity"].is_object() {
                assert_eq!(
                    got["identity"], expected["identity"],
                    "{way:?} import of {address}: identity"
                );
            }
            fresh.assert_no_changes();
        }
    }

    /// A copy of the directory: configuration files and state, `address` removed from it.
    #[track_caller]
    fn copy_without(&self, address: &str) -> Terraform {
        let fresh = self.copy_with_state(&self.tf.workdir().read("terraform.tfstate"));
        fresh.run_ok(&["state", "rm", address]);
        fresh
    }

    /// A copy of the directory's configuration files, with `state` as its state.
    #[track_caller]
    fn copy_with_state(&self, state: &str) -> Terraform {
        let fresh = self.tf.fork();
        for (name, text) in self.tf.workdir().config_files() {
            fresh.write_file(&name, &text);
        }
        fresh.write_file("terraform.tfstate", state);
        fresh
    }
}

/// `attribute: expected, found` for every top-level attribute that differs (`ignore` aside).
fn differences(expected: &Value, got: &Value, ignore: &[&str]) -> Vec<String> {
    let keys: BTreeSet<&String> = expected
        .as_object()
        .into_iter()
        .chain(got.as_object())
        .flat_map(|o| o.keys())
        .collect();
    keys.into_iter()
        .filter(|k| !ignore.contains(&k.as_str()))
        .filter(|k| expected[k.as_str()] != got[k.as_str()])
        .map(|k| format!("  {k}: {}, {}", expected[k.as_str()], got[k.as_str()]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn differences_name_each_attribute_but_the_ignored() {
        let a = json!({"id": "x", "name": "a", "timeouts": null, "url": "u"});
        let b = json!({"id": "x", "name": "b", "timeouts": {"create": "5m"}});
        assert_eq!(
            differences(&a, &b, &["timeouts"]),
            ["  name: \"a\", \"b\"", "  url: \"u\", null"]
        );
        assert!(differences(&a, &a, &[]).is_empty());
    }
}
