//! The `agent37_ssh_key` and `agent37_ssh_keys` data sources: I/O only.

use async_trait::async_trait;

use crate::api;
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::provider::newer_api;
use crate::sdk::model::Attr;
use crate::sdk::traits::capitalise_first;
use crate::sdk::{Ctx, DataSource, Diagnostics, Outcome, Path, Schema};

use super::model;
use super::schema::{self, Lookup, SshKeyData, SshKeysData};

/// One key by id, name or fingerprint.
pub struct SshKeyDataSource;

/// Every key of the workspace.
pub struct SshKeysDataSource;

/// The key `lookup` finds among `keys`; the error names the attribute and what went wrong.
fn find(keys: Vec<api::SshKey>, lookup: &Lookup) -> Result<api::SshKey, (String, String)> {
    let mut found: Vec<api::SshKey> = keys
        .into_iter()
        .filter(|k| match lookup {
            Lookup::Id(id) => k.id == *id,
            Lookup::Name(n) => k.name.as_deref() == Some(n.as_str()),
            Lookup::Fingerprint(f) => k.fingerprint == *f,
        })
        .collect();
    let (what, value) = (lookup.attribute(), lookup.value());
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err((
            "SSH key not found".into(),
            format!("The workspace has no SSH key whose {what} is {value:?}."),
        )),
        _ => Err((
            "Several SSH keys match".into(),
            format!(
                "{} SSH keys have the {what} {value:?} (ids {}); read one by `id` or `fingerprint`.",
                found.len(),
                found
                    .iter()
                    .map(|k| k.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

#[async_trait]
impl DataSource<Agent37Data> for SshKeyDataSource {
    type Model = SshKeyData;

    fn type_name(&self) -> &'static str {
        "agent37_ssh_key"
    }

    fn schema(&self) -> Schema {
        schema::data_source_one()
    }

    fn validate(&self, config: &SshKeyData, diags: &mut Diagnostics) {
        if let Err(why) = config.lookup() {
            diags.error(
                "Invalid SSH key lookup",
                format!("{}.", capitalise_first(&why)),
            );
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: SshKeyData,
    ) -> Outcome<Option<SshKeyData>> {
        let lookup = match config.lookup() {
            Ok(Some(l)) => l,
            Ok(None) | Err(_) => {
                let mut d = Diagnostics::new();
                d.error(
                    "Invalid SSH key lookup",
                    "Set exactly one of `id`, `name` or `fingerprint`, to a known value.",
                );
                return d.into();
            }
        };
        let keys = match ctx.client().list_ssh_keys(&ctx.op()).await {
            Ok(k) => k,
            Err(e) => {
                let d = api_error("Unable to list SSH keys", &e);
                return newer_api::explain_not_found(ctx, "agent37_ssh_key", &e, d)
                    .await
                    .into();
            }
        };
        match find(keys, &lookup) {
            Ok(k) => Outcome::ok(Some(model::data(&k))),
            Err((summary, detail)) => {
                let mut d = Diagnostics::new();
                d.attr_error(Path::attr(lookup.attribute()), summary, detail);
                d.into()
            }
        }
    }
}

#[async_trait]
impl DataSource<Agent37Data> for SshKeysDataSource {
    type Model = SshKeysData;

    fn type_name(&self) -> &'static str {
        "agent37_ssh_keys"
    }

    fn schema(&self) -> Schema {
        schema::data_source_all()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        _config: SshKeysData,
    ) -> Outcome<Option<SshKeysData>> {
        match ctx.client().list_ssh_keys(&ctx.op()).await {
            Ok(keys) => Outcome::ok(Some(SshKeysData {
                keys: Attr::Known(keys.iter().map(model::item).collect()),
                ids: Attr::Known(keys.iter().map(|k| k.id.clone()).collect()),
            })),
            Err(e) => {
                let d = api_error("Unable to list SSH keys", &e);
                newer_api::explain_not_found(ctx, "agent37_ssh_keys", &e, d)
                    .await
                    .into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, name: Option<&str>, fp: &str) -> api::SshKey {
        api::SshKey {
            id: id.into(),
            name: name.map(str::to_string),
            fingerprint: fp.into(),
            key_type: "ssh-ed25519".into(),
            created: 1,
        }
    }

    #[test]
    fn finds_exactly_one_key() {
        let keys = || {
            vec![
                key("a", Some("ci"), "SHA256:a"),
                key("b", Some("ci"), "SHA256:b"),
                key("c", None, "SHA256:c"),
            ]
        };
        assert_eq!(
            find(keys(), &Lookup::Id("c".into())).map(|k| k.id),
            Ok("c".into())
        );
        assert_eq!(
            find(keys(), &Lookup::Fingerprint("SHA256:b".into())).map(|k| k.id),
            Ok("b".into())
        );
        let (summary, detail) = find(keys(), &Lookup::Name("ci".into())).expect_err("two");
        assert_eq!(summary, "Several SSH keys match");
        assert!(detail.contains("(ids a, b)"), "{detail}");
        let (summary, _) = find(keys(), &Lookup::Name("none".into())).expect_err("none");
        assert_eq!(summary, "SSH key not found");
    }
}
