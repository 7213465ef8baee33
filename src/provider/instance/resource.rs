//! `agent37_instance`: the Resource implementation. I/O only; the decisions live in `model`
//! and `sizing`.

use async_trait::async_trait;

use crate::api::{self, ApiRevision, Client, Op};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_attr_error, api_error, delete_outcome};
use crate::provider::revision;
use crate::sdk::json::Json;
use crate::sdk::plan;
use crate::sdk::raw_state::RawState;
use crate::sdk::timeouts;
use crate::sdk::traits::keep_state;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Model, Outcome, Path, Plan, Read, Resource, Schema,
    Update, Value,
};

use super::additions::{self, Additions};
use super::attention;
use super::auto_update::{self, Installed, Private, Target};
use super::blame;
use super::computed;
use super::default_metadata;
use super::defaults;
use super::health::{RESOURCE_ADVICE, wait_for_healthy};
use super::lookup;
use super::model::{self, Instance, STOPPED};
use super::sizing;
use crate::provider::values::keep_empty_form;
use crate::sdk::model::Attr;
use model::Metadata;

pub struct InstanceResource;

type Applied = Outcome<Option<Instance>, Private>;

fn state_path() -> Path {
    Path::attr(Instance::STATE)
}

#[async_trait]
impl Resource<Agent37Data> for InstanceResource {
    type State = Instance;
    /// The API revision the plan decided with (shape table, template change in place or not)
    /// and the image pull `auto_update` planned.
    type Private = Private;

    fn type_name(&self) -> &'static str {
        "agent37_instance"
    }

    fn schema(&self) -> Schema {
        Instance::schema(model::DESCRIPTION)
            .version(model::VERSION)
            .timeouts_wait_for(model::WAITS)
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::single(
            Instance::ID,
            "The instance's id (10 lowercase letters and digits).",
        ))
    }

    fn validate(&self, config: &Instance, diags: &mut Diagnostics) {
        sizing::validate_config(config, diags);
        if let Some((at, detail)) = additions::conflict(&config.added) {
            diags.attr_error(Path::attr(at), "Conflicting attributes", detail);
        }
    }

    /// Version 0 knew no `type`: every instance it created is dedicated (the only kind there
    /// was), which tells it apart from an import (null: the API never says).
    fn upgrade_state(&self, version: i64, state: RawState) -> Result<RawState, String> {
        let mut state = keep_state(model::VERSION, version, state)?;
        if version < 1 && state.get(Additions::TYPE).is_none_or(|t| t.is_null()) {
            state.set(Additions::TYPE, Json::string(additions::DEDICATED));
        }
        Ok(state)
    }

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Instance, Private>) {
        revision::clear(plan);
        plan.private.pull = None;
        defaults::plan_static(plan.config, &mut plan.planned);
        default_metadata::plan(
            &ctx.data().default_metadata,
            &plan.config.metadata,
            &mut plan.planned,
        );
        if !plan_additions(ctx, plan).await {
            return;
        }
        let template_changed = plan.prior.is_some_and(|p| {
            plan.planned.template.is_known()
                && plan.planned.template.as_str() != p.template.as_str()
        });
        let pinned = plan.planned.template.as_str().is_some_and(model::is_pinned);
        // The revision is asked only when a decision needs it (the last answer decoded tells
        // it; else one probe): resources about to be sent or chosen by the API on create (the
        // plan shows them, and the plan at apply must show the same), a template change or a
        // pin.
        let needs = template_changed
            || (pinned && plan.prior.is_none())
            || (plan.prior.is_none() && defaults::create_needs_revision(plan.config))
            || sizing::needs_revision(plan.prior, plan.config, &plan.planned);
        let served = if needs {
            match revision::at_plan(ctx, plan).await {
                Some(r) => Some(r),
                None => return,
            }
        } else {
            None
        };
        let replace = sizing::plan_resources(
            plan.prior,
            plan.config,
            &mut plan.planned,
            served,
            &mut plan.diags,
        );
        for name in replace {
            plan.replace_on(name);
        }
        if plan.prior.is_none()
            && let Some(revision) = served
        {
            defaults::plan_create_resources(plan.config, &mut plan.planned, revision);
        }
        if (template_changed || plan.prior.is_none()) && pinned {
            let ok = revision::require(
                ctx,
                plan,
                ApiRevision::R2026_08_21,
                Some(Path::attr(Instance::TEMPLATE)),
                "A template pin (`name@version`)",
            )
            .await;
            if !ok {
                return;
            }
        }
        if let Some(reference) = lookup::to_look_up(plan.prior, &plan.planned).map(str::to_owned)
            && !crate::provider::template::planned::is_planned(api::template_name(&reference))
            && !template_exists(ctx, plan, &reference).await
        {
            return;
        }
        let Some(prior) = plan.prior else {
            return;
        };
        if template_changed {
            if served == Some(ApiRevision::R2026_08_21) {
                // In place: `update {"template"}` (keeps the id, URLs and home folders).
                model::mark_image_pull(&mut plan.planned);
            } else {
                plan.replace_on(Instance::TEMPLATE);
            }
        }
        model::plan_state(prior, plan.config, &mut plan.planned);
        if !plan.requires_replace.is_empty() {
            return;
        }
        if !template_changed && !pinned && plan.planned.auto_update.get() == Some(true) {
            plan_image_pull(ctx, plan).await;
        }
        computed::plan_update(prior, &mut plan.planned, plan.private.pull.is_some());
    }

    async fn create(&self, ctx: &Ctx<Agent37Data>, req: Create<Instance, Private>) -> Applied {
        let planned = &req.planned;
        if let Err(d) = revision::check_at_apply(ctx, &req.private).await {
            return d.into();
        }
        let (client, op) = (ctx.client(), ctx.op());
        let mut body = planned.create_body();
        planned.added.fill_create(&req.config.added, &mut body);
        let created = match client.create_instance(&op, &body).await {
            Ok(c) => c,
            Err(e) => {
                let summary = "Unable to create instance";
                return match blame::create(&e) {
                    Some(path) => api_attr_error(summary, path, &e),
                    None => api_error(summary, &e),
                }
                .into();
            }
        };
        if created.adopted {
            tracing::info!(id = %created.id, "adopted the instance an interrupted create made");
        }
        let mut diags = Diagnostics::new();
        if let Some(e) = &created.failure {
            diags.extend(api_error("Unable to create instance", e));
        }
        let Some(mut inst) = created.instance else {
            return Outcome::ok(Some(Instance::id_only(&created.id, planned))).with_diags(diags);
        };
        if created.failure.is_some() {
            let mut state = Instance::from_api(&inst, planned);
            own_metadata(ctx, &mut state, &planned.metadata);
            return Outcome::ok(Some(state)).with_diags(diags);
        }
        // From here on the instance exists: every failure still returns its state (tainted).
        if planned.state.as_str() == Some(STOPPED) {
            match client.stop_instance(&op, &inst.id).await {
                Ok(_) => refresh(client, &op, &mut inst, &mut diags).await,
                Err(e) => diags.extend(api_attr_error(
                    "Unable to stop the new instance",
                    state_path(),
                    &e,
                )),
            }
        } else if planned.wait_for_healthy.get() != Some(false)
            && let Err(d) = wait_for_healthy(client, &op, &inst, RESOURCE_ADVICE).await
        {
            diags.extend(d);
        }
        let mut state = Instance::from_api(&inst, planned);
        own_metadata(ctx, &mut state, &planned.metadata);
        ports_from_template(client, &op, &inst, &mut state).await;
        Outcome::ok(Some(state)).with_diags(diags)
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, req: Read<Instance, Private>) -> Applied {
        let state = &req.state;
        let Some(id) = state.id.as_str() else {
            return Outcome::ok(None);
        };
        // A refresh's reads share list requests and claim the id, so no ambiguous create
        // adopts it (see `Client::read_instance`).
        match ctx.client().read_instance(&ctx.op(), id).await {
            Ok(inst) if !model::is_gone(&inst.status) => {
                let mut fresh = Instance::from_api(&inst, state);
                own_metadata(ctx, &mut fresh, &state.metadata);
                // After an import the state names no default port yet (null, not unknown).
                if state.ports.known().is_none() {
                    ports_from_template(ctx.client(), &ctx.op(), &inst, &mut fresh).await;
                }
                Outcome::ok(Some(fresh)).with_diags(attention::refresh_warnings(&inst))
            }
            Ok(_) => Outcome::ok(None),
            Err(e) if e.is_not_found() => Outcome::ok(None),
            Err(e) => api_error("Unable to read instance", &e).into(),
        }
    }

    async fn update(&self, ctx: &Ctx<Agent37Data>, req: Update<Instance, Private>) -> Applied {
        let (prior, planned) = (&req.prior, &req.planned);
        if let Err(d) = revision::check_at_apply(ctx, &req.private).await {
            return d.into();
        }
        let Some(id) = prior.id.as_str() else {
            let mut d = Diagnostics::new();
            d.error(
                "Unable to update instance",
                "The state holds no instance id.",
            );
            return d.into();
        };
        let client = ctx.client();
        let pull = req.private.pull.as_ref();
        let diags = run_update(client, &ctx.op(), id, prior, planned, pull).await;
        // The final read has its own bound, so that a step that used up the deadline still
        // leaves an accurate state behind.
        match client
            .get_instance(&ctx.op_within(timeouts::DEFAULT), id)
            .await
        {
            Ok(inst) => {
                let mut fresh = Instance::from_api(&inst, planned);
                own_metadata(ctx, &mut fresh, &planned.metadata);
                computed::keep_planned(planned, &mut fresh);
                Outcome::ok(Some(fresh)).with_diags(diags)
            }
            Err(e) => {
                let mut diags = diags;
                diags.extend(api_error("Unable to read instance after update", &e));
                diags.into()
            }
        }
    }

    async fn delete(&self, ctx: &Ctx<Agent37Data>, req: Delete<Instance, Private>) -> Outcome<()> {
        let Some(id) = req.prior.id.as_str() else {
            return Outcome::ok(());
        };
        delete_outcome(ctx.client().delete_instance(&ctx.op(), id).await, || {
            "Unable to delete instance".to_string()
        })
    }

    /// `-generate-config-out`: the configurable values that differ from their defaults, except
    /// a `state` that is not a desired state (`failed`…), which a user cannot write: left out,
    /// the plan shows the repair.
    fn generate_config(&self, schema: &Schema, state: &Value) -> Value {
        let mut config = plan::config_from_state(&schema.block, state);
        additions::trim_generated(&mut config);
        if config
            .attr(Instance::STATE)
            .and_then(Value::as_str)
            .is_some_and(|s| s != STOPPED)
            && let Value::Object(m) = &mut config
        {
            m.insert(Instance::STATE.into(), Value::Null);
        }
        config
    }

    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Applied {
        let id = id.trim();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            let mut d = Diagnostics::new();
            d.error(
                "Invalid import id",
                format!("{id:?} is not an instance id: expected its 10-character id, such as \"k3x9q2m7pa\"."),
            );
            return d.into();
        }
        match self.import_seed(id) {
            Ok(seed) => Outcome::ok(Some(seed)),
            Err(d) => d.into(),
        }
    }
}

/// `auto_update`: reads the template; when the instance is behind it (its image, or for a
/// workspace template on 2026-08-21 its revision), plans the pull: the target image shown, the
/// target carried to apply in the private state. A deleted template keeps the image.
async fn plan_image_pull(ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Instance, Private>) {
    let (Some(template), Some(prior)) = (plan.planned.template.as_str(), plan.prior) else {
        return;
    };
    let failed = |e: &api::ApiError| {
        api_attr_error(
            "Unable to read the template for auto_update",
            Path::attr(Instance::AUTO_UPDATE),
            e,
        )
    };
    let (client, op) = (ctx.client(), ctx.op());
    let found = match client.get_template(&op, template).await {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return,
        Err(e) => return plan.diags.extend(failed(&e)),
    };
    // The revision the instance runs is on the instance only (a refresh's read, shared).
    let template_revision = match (auto_update::compares_revision(&found), prior.id.as_str()) {
        (true, Some(id)) => match client.read_instance(&op, id).await {
            Ok(inst) => inst.template_revision,
            Err(e) => {
                return plan.diags.extend(api_attr_error(
                    "Unable to read the instance for auto_update",
                    Path::attr(Instance::AUTO_UPDATE),
                    &e,
                ));
            }
        },
        _ => None,
    };
    let installed = Installed {
        image_ref: prior.image_ref.as_str(),
        template_revision,
    };
    if let Some(target) = auto_update::behind(installed, &found) {
        auto_update::plan_pull(&mut plan.planned, &target);
        plan.private.pull = Some(target);
    }
}

/// `metadata` of a state read from the API: the instance's own pairs, the provider's
/// `default_metadata` left out unless `configured` (the prior or planned `metadata`) names them.
fn own_metadata(ctx: &Ctx<Agent37Data>, state: &mut Instance, configured: &Attr<Metadata>) {
    state.metadata = keep_empty_form(
        default_metadata::own(
            &state.metadata_all,
            &ctx.data().default_metadata,
            configured,
        ),
        configured,
    );
}

/// Whether the template `reference` about to be sent exists; when the API does not know it, an
/// error on `template` says which names exist and where to find them.
async fn template_exists(
    ctx: &Ctx<Agent37Data>,
    plan: &mut Plan<'_, Instance, Private>,
    reference: &str,
) -> bool {
    let (client, op) = (ctx.client(), ctx.op());
    let at = || Path::attr(Instance::TEMPLATE);
    match client.get_template(&op, reference).await {
        Ok(_) => true,
        Err(e) if e.is_not_found() => {
            let names: Vec<String> = match client.list_templates(&op).await {
                Ok(all) => all
                    .into_iter()
                    .filter(|t| t.scope == api::TemplateScope::Workspace)
                    .map(|t| t.name)
                    .collect(),
                Err(e) => {
                    plan.diags
                        .extend(api_attr_error("Unable to list templates", at(), &e));
                    return false;
                }
            };
            let (summary, detail) = lookup::not_found(reference, &names);
            plan.diags.attr_error(at(), summary, detail);
            false
        }
        Err(e) => {
            plan.diags
                .extend(api_attr_error("Unable to read the template", at(), &e));
            false
        }
    }
}

/// The plan of what API revision 2026-08-21 adds (`additions`): its replacements, and one
/// diagnostic when an argument only that revision honours is about to be sent to an older one.
/// Returns false when the plan must stop there.
async fn plan_additions(ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Instance, Private>) -> bool {
    let replacing = !plan.requires_replace.is_empty();
    let decision = additions::plan(
        plan.prior.map(|p| &p.added),
        &plan.config.added,
        &mut plan.planned.added,
        replacing,
    );
    for name in &decision.replace {
        plan.replace_on(name);
    }
    let Some(first) = decision.newer_only.first() else {
        return true;
    };
    let what = format!(
        "{} (set in the configuration)",
        decision
            .newer_only
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    revision::require(
        ctx,
        plan,
        additions::NEEDED,
        Some(Path::attr(*first)),
        &what,
    )
    .await
}

/// `auto_sleep` / `idle_timeout_seconds` changed: their own PATCH, blamed on them.
async fn patch_additions(
    client: &Client,
    op: &Op,
    id: &str,
    prior: &Instance,
    planned: &Instance,
) -> Result<(), Diagnostics> {
    let patch = Additions::patch(&prior.added, &planned.added);
    if patch.is_empty() {
        return Ok(());
    }
    client
        .patch_instance(op, id, &patch)
        .await
        .map(|_| ())
        .map_err(|e| {
            api_attr_error(
                "Unable to change the instance's auto-sleep",
                Path::attr(Additions::patch_blame(&prior.added, &planned.added)),
                &e,
            )
        })
}

/// Runs an update's steps in the contract's order, stopping at the first failure.
async fn run_update(
    client: &Client,
    op: &Op,
    id: &str,
    prior: &Instance,
    planned: &Instance,
    pull: Option<&Target>,
) -> Diagnostics {
    let steps = model::update_steps(prior, planned);
    let mut pulled = false;
    let result: Result<(), Diagnostics> = async {
        if !steps.patch.is_empty() {
            client
                .patch_instance(op, id, &steps.patch)
                .await
                .map_err(|e| {
                    api_attr_error(
                        "Unable to update instance name, user or metadata",
                        blame::patch(prior, planned),
                        &e,
                    )
                })?;
        }
        patch_additions(client, op, id, prior, planned).await?;
        if let Some(template) = &steps.template {
            client
                .update_instance(op, id, Some(template))
                .await
                .map_err(|e| {
                    api_attr_error(
                        "Unable to change the instance's template",
                        Path::attr(Instance::TEMPLATE),
                        &e,
                    )
                })?;
        }
        if steps.repair {
            client.update_instance(op, id, None).await.map_err(|e| {
                api_attr_error("Unable to repair failed instance", state_path(), &e)
            })?;
        } else if steps.start {
            client
                .start_instance(op, id)
                .await
                .map_err(|e| api_attr_error("Unable to start instance", state_path(), &e))?;
        }
        if let Some(resize) = &steps.resize {
            client.resize_instance(op, id, resize).await.map_err(|e| {
                api_attr_error("Unable to resize instance", blame::resize(resize), &e)
            })?;
        }
        if let (Some(target), Some(template)) = (pull, planned.template.as_str())
            && !steps.repair
            && steps.template.is_none()
        {
            pull_planned(client, op, id, template, target).await?;
            pulled = true;
        }
        let desired_running = planned.state.as_str() != Some(STOPPED);
        if desired_running
            && (steps.restarts() || pulled)
            && planned.wait_for_healthy.get() != Some(false)
        {
            let inst = client
                .get_instance(op, id)
                .await
                .map_err(|e| api_error("Unable to read instance", &e))?;
            wait_for_healthy(client, op, &inst, RESOURCE_ADVICE).await?;
        }
        if steps.stop {
            client
                .stop_instance(op, id)
                .await
                .map_err(|e| api_attr_error("Unable to stop instance", state_path(), &e))?;
        }
        Ok(())
    }
    .await;
    result.err().unwrap_or_default()
}

/// `POST /update` for the pull the plan showed, once the template is checked to still point
/// at the planned target: an update installs the template's current image, so a template that
/// moved since the plan would leave a state other than the one planned.
async fn pull_planned(
    client: &Client,
    op: &Op,
    id: &str,
    template: &str,
    target: &Target,
) -> Result<(), Diagnostics> {
    let at = || Path::attr(Instance::AUTO_UPDATE);
    let current = client
        .get_template(op, template)
        .await
        .map_err(|e| api_attr_error("Unable to read the instance's template", at(), &e))?;
    if !auto_update::unmoved(target, &current) {
        let mut d = Diagnostics::new();
        d.attr_error(
            at(),
            "The template changed since the plan; plan again",
            format!(
                "The plan showed template {template:?} at {}; it is now at {}. Nothing was updated.",
                target_text(target),
                target_text(&Target::of(&current))
            ),
        );
        return Err(d);
    }
    client.update_instance(op, id, None).await.map_err(|e| {
        api_attr_error(
            "Unable to update instance to the template's image",
            at(),
            &e,
        )
    })?;
    Ok(())
}

/// A target in words: `image "acme/agent:v2"`, `revision 3`, or both.
fn target_text(t: &Target) -> String {
    match (&t.image_ref, t.revision) {
        (Some(image), Some(r)) => format!("revision {r} (image {image:?})"),
        (None, Some(r)) => format!("revision {r}"),
        (Some(image), None) => format!("image {image:?}"),
        (None, None) => "no image".to_string(),
    }
}

/// A 2026-08-21 instance does not say which port its `url` serves: its template does. Asked
/// where the state has no default port to keep yet (create, import); a failed look-up keeps
/// the fallback (3737) rather than failing what already succeeded.
async fn ports_from_template(client: &Client, op: &Op, inst: &api::Instance, state: &mut Instance) {
    if inst.url.is_none() || !inst.ports.is_empty() {
        return;
    }
    match client.default_port(op, inst).await {
        Ok(Some(port)) => state.ports = model::ports_of(inst, port).into(),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error = %e, "the template's default port is unknown; keeping 3737")
        }
    }
}

/// Re-reads `inst` in place; a failure becomes a diagnostic and keeps what was known.
async fn refresh(client: &Client, op: &Op, inst: &mut api::Instance, diags: &mut Diagnostics) {
    match client.get_instance(op, &inst.id).await {
        Ok(fresh) => *inst = fresh,
        Err(e) => diags.extend(api_error("Unable to read instance", &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::core::upgrade_stored_state;

    #[test]
    fn generated_config_leaves_out_defaults_computed_values_and_non_desired_states() {
        let r = InstanceResource;
        let state = |s: &str| {
            Value::object([
                ("id", Value::string("k3x9q2m7pa")),
                (
                    "template",
                    Value::string(super::super::shape::DEFAULT_TEMPLATE),
                ),
                ("cpu", Value::number(2)),
                ("memory", Value::number(4)),
                ("disk", Value::number(6)),
                ("name", Value::string("bot")),
                ("user", Value::Null),
                ("metadata", Value::Null),
                ("state", Value::string(s)),
                ("auto_update", Value::bool(false)),
                ("wait_for_healthy", Value::bool(true)),
                ("status", Value::string(s)),
                ("image_ref", Value::string("img")),
                ("created", Value::number(1)),
            ])
        };
        let set = |v: &Value| -> Vec<String> {
            v.as_map()
                .map(|m| {
                    m.iter()
                        .filter(|(_, v)| !v.is_null())
                        .map(|(k, _)| k.clone())
                        .collect()
                })
                .unwrap_or_default()
        };
        let cfg = r.generate_config(&r.schema(), &state("running"));
        assert_eq!(set(&cfg), ["cpu", "disk", "memory", "name"]);
        let cfg = r.generate_config(&r.schema(), &state("stopped"));
        assert_eq!(set(&cfg), ["cpu", "disk", "memory", "name", "state"]);
        let cfg = r.generate_config(&r.schema(), &state("failed"));
        assert_eq!(set(&cfg), ["cpu", "disk", "memory", "name"]);
    }

    /// Committed state of every released schema version upgrades, through the path Terraform
    /// takes, into the current typed state; state of a newer provider is refused.
    #[test]
    fn released_state_fixtures_upgrade_into_the_current_model() {
        const VERSION_0: &[u8] =
            br#"{"id": "k3x9q2m7pa", "template": "agent37-hermes", "cpu": 2, "memory": 4,
                "disk": 6, "name": "bot", "user": null, "metadata": {"team": "a"},
                "state": "running", "auto_update": false, "wait_for_healthy": true,
                "status": "running", "image_ref": "ghcr.io/agent37-platform/hermes:1",
                "url": "https://k3x9q2m7pa.agent37.app",
                "ports": [{"port": 3737, "default": true, "url": "https://k3x9q2m7pa.agent37.app"}],
                "paid_through": 1790086400, "past_due": false, "created": 1790000000,
                "timeouts": null}"#;
        let r = InstanceResource;
        assert_eq!(r.schema().version, 1);
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = Instance::from_value(&v).expect("fits the current model");
        assert_eq!(state.id.as_str(), Some("k3x9q2m7pa"));
        // Version 0 made only dedicated instances; the rest of 2026-08-21's fields stay null.
        assert_eq!(state.added.kind.as_str(), Some(additions::DEDICATED));
        assert!(state.added.env.is_null() && state.added.auto_sleep.is_null());
        assert_eq!(state.paid_through.get(), Some(1_790_086_400));
        assert_eq!(
            state.ports.known().map(|p| p[0].port.get()),
            Some(Some(3737))
        );
        let v = upgrade_stored_state(&r, 1, VERSION_0).expect("version 1 is kept");
        assert!(
            Instance::from_value(&v).expect("fits").added.kind.is_null(),
            "an imported instance (no type) stays so"
        );
        let newer = upgrade_stored_state(&r, 2, VERSION_0).expect_err("newer");
        assert_eq!(newer.0[0].summary, "Unable to upgrade stored state");
    }
}
