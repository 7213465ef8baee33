//! The `agent37_instance_file` resource: I/O only (the plan's decision and conversions live in
//! `model`). Files live on the instance's agent plane, reached at the instance's `url`.

use async_trait::async_trait;

use crate::api::{self, ApiError, DeleteOutcome, InstanceStatus};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::provider::{ids, newer_api};
use crate::sdk::traits::IdentityAttribute;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Outcome, Path, Plan, Read, Resource, Schema, Update,
};

use super::model::{self, Content};
use super::schema::{self, InstanceFile};

pub const TYPE: &str = "agent37_instance_file";

pub struct FileResource;

fn provider_bug(summary: &str, why: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(summary, format!("The file is not usable: {why}."));
    d
}

/// The instance id and path of a state.
fn location(s: &InstanceFile) -> Option<(&str, &str)> {
    Some((s.instance_id.as_str()?, s.path.as_str()?))
}

/// Why a plane call failed, with the plane's flat code explained where it helps.
fn plane_error(summary: &str, err: &ApiError) -> Diagnostics {
    let hint = match err.last().flat_code() {
        Some("container_unavailable") => Some(
            "the instance is stopped: start it (`state = \"running\"` on agent37_instance), then apply again",
        ),
        Some("container_unreachable") => {
            Some("the instance is booting or waking; apply again in a moment")
        }
        Some("instance_suspended") => {
            Some("the workspace balance is negative: top it up, then apply again")
        }
        Some("invalid_path") => Some("the plane refused the path"),
        Some("file_too_large") => Some("the plane takes files of at most 1 MiB"),
        _ => None,
    };
    let mut d = api_error(summary, err);
    if let (Some(hint), Some(first)) = (hint, d.0.first_mut()) {
        first.detail = format!(
            "{}\n\nThe instance's agent plane answered so because {hint}.",
            first.detail
        );
    }
    d
}

/// Writes the configured content of `planned` (bytes from `config`).
async fn write(
    ctx: &Ctx<Agent37Data>,
    summary: &str,
    config: &InstanceFile,
    planned: &InstanceFile,
) -> Outcome<Option<InstanceFile>> {
    let Some((instance_id, path)) = location(planned) else {
        return provider_bug(summary, "the plan has no instance id or path").into();
    };
    let bytes = match model::content(config) {
        Ok(Content::Known(b)) => b,
        Ok(Content::Unknown) => {
            return provider_bug(summary, "the content is still unknown at apply").into();
        }
        Err(why) => return provider_bug(summary, &why).into(),
    };
    let (client, op) = (ctx.client(), ctx.op());
    let inst = match client.get_instance(&op, instance_id).await {
        Ok(i) => i,
        Err(e) => {
            return api_error(summary, &e).into();
        }
    };
    match client.put_file(&op, &inst, path, &bytes).await {
        Ok(stat) => Outcome::ok(Some(model::state(&stat, instance_id, path, planned))),
        Err(e) => plane_error(summary, &e).into(),
    }
}

#[async_trait]
impl Resource<Agent37Data> for FileResource {
    type State = InstanceFile;
    type Private = ();

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        schema::resource()
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::composite(vec![
            IdentityAttribute::string(InstanceFile::INSTANCE_ID, "The instance's id."),
            IdentityAttribute::string(InstanceFile::PATH, "The file's path on the instance."),
        ]))
    }

    fn validate(&self, config: &InstanceFile, diags: &mut Diagnostics) {
        if let Err(why) = model::exactly_one(config) {
            diags.attr_error(
                Path::attr(InstanceFile::CONTENT),
                "Invalid file content",
                format!("{why}."),
            );
        }
    }

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, InstanceFile>) {
        if let Some(id) = plan.planned.instance_id.as_str()
            && let Err(why) = ids::check(id)
        {
            plan.diags.attr_error(
                Path::attr(InstanceFile::INSTANCE_ID),
                "Invalid instance id",
                why,
            );
            return;
        }
        if plan.is_create()
            && let Err(d) = newer_api::require(ctx, TYPE).await
        {
            plan.diags.extend(d);
            return;
        }
        model::plan(plan.prior, plan.config, &mut plan.planned);
    }

    async fn create(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Create<InstanceFile>,
    ) -> Outcome<Option<InstanceFile>> {
        write(ctx, "Unable to write file", &req.config, &req.planned).await
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Read<InstanceFile, ()>,
    ) -> Outcome<Option<InstanceFile>> {
        let Some((instance_id, path)) = location(&req.state) else {
            return provider_bug(
                "Unable to read file",
                "the state has no instance id or path",
            )
            .into();
        };
        let summary = format!(
            "Unable to read file {}",
            model::import_id(instance_id, path)
        );
        let (client, op) = (ctx.client(), ctx.op());
        let inst = match client.get_instance(&op, instance_id).await {
            Ok(i) => i,
            // The instance is gone, and its files with it.
            Err(e) if e.is_not_found() => {
                return match newer_api::confirm_gone(ctx, TYPE).await {
                    None => Outcome::ok(None),
                    Some(d) => d.into(),
                };
            }
            Err(e) => return api_error(&summary, &e).into(),
        };
        // Only a running instance is asked: a refresh must not wake a sleeper (that bills), and
        // a stopped one cannot answer. The state stays as the last apply left it.
        if inst.status != InstanceStatus::Running || inst.past_due {
            let mut d = Diagnostics::new();
            if inst.status != InstanceStatus::Sleeping {
                d.warning(
                    format!("File {} not checked", model::import_id(instance_id, path)),
                    format!(
                        "Instance {instance_id} is {}{}, so its agent plane cannot be asked whether the file changed; it is checked again once the instance runs.",
                        inst.status.as_str(),
                        if inst.past_due { " (past due)" } else { "" }
                    ),
                );
            }
            return Outcome::ok(Some(req.state)).with_diags(d);
        }
        match client.stat_file(&op, &inst, path).await {
            Ok(Some(stat)) if model::drifted(&stat, &req.state) => {
                tracing::info!(instance_id, path, "the file changed on the instance");
                Outcome::ok(Some(model::state(&stat, instance_id, path, &req.state)))
            }
            Ok(Some(_)) => Outcome::ok(Some(req.state)),
            Ok(None) => Outcome::ok(None),
            Err(e) => plane_error(&summary, &e).into(),
        }
    }

    async fn update(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Update<InstanceFile, ()>,
    ) -> Outcome<Option<InstanceFile>> {
        // Only `timeouts` changed: nothing to write.
        if req.planned.sha256 == req.prior.sha256 && req.planned.sha256.as_str().is_some() {
            return Outcome::ok(Some(InstanceFile {
                modified: req.prior.modified.clone(),
                ..req.planned
            }));
        }
        write(ctx, "Unable to write file", &req.config, &req.planned).await
    }

    async fn delete(&self, ctx: &Ctx<Agent37Data>, req: Delete<InstanceFile, ()>) -> Outcome<()> {
        let Some((instance_id, path)) = location(&req.prior) else {
            return Outcome::ok(());
        };
        let summary = format!(
            "Unable to delete file {}",
            model::import_id(instance_id, path)
        );
        let (client, op) = (ctx.client(), ctx.op());
        let inst: api::Instance = match client.get_instance(&op, instance_id).await {
            Ok(i) => i,
            // Gone with its instance.
            Err(e) if e.is_not_found() => return Outcome::ok(()),
            Err(e) => return api_error(&summary, &e).into(),
        };
        match client.delete_file(&op, &inst, path).await {
            Ok(DeleteOutcome::Deleted | DeleteOutcome::AlreadyGone) => Outcome::ok(()),
            Err(e) => plane_error(&summary, &e).into(),
        }
    }

    /// `<instance_id>/<path>`: the id is cut at its first `/` (a path may hold more).
    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Outcome<Option<InstanceFile>> {
        let Some((instance_id, path)) = model::split_import_id(id) else {
            let mut d = Diagnostics::new();
            d.error(
                "Cannot import agent37_instance_file",
                format!("The import id {id:?} must have the form <instance_id>/<path>, e.g. k3x9q2m7pa/skills/search.md."),
            );
            return d.into();
        };
        Outcome::ok(Some(InstanceFile {
            instance_id: instance_id.into(),
            path: path.into(),
            ..InstanceFile::default()
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::core::upgrade_stored_state;

    #[test]
    fn released_state_fixtures_upgrade_into_the_current_model() {
        const VERSION_0: &[u8] = br#"{"instance_id": "abc123defg", "path": "skills/a.md",
            "content": null, "content_base64": null,
            "sha256": "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4",
            "size": 2, "modified": 1786001000, "timeouts": null}"#;
        let r = FileResource;
        assert_eq!(r.schema().version, 0);
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = InstanceFile::from_value(&v).expect("fits the current model");
        assert_eq!(state.path.as_str(), Some("skills/a.md"));
        assert!(upgrade_stored_state(&r, 1, VERSION_0).is_err());
    }

    #[test]
    fn plane_errors_say_what_to_do() {
        let e = api::error::error_from_answer(
            "PUT",
            "/v1/files/a",
            502,
            br#"{"error":"container_unavailable"}"#,
            None,
            "k",
        );
        let d = plane_error("S", &e);
        assert!(
            d.0[0].detail.contains("the instance is stopped"),
            "{:?}",
            d.0
        );
    }
}
