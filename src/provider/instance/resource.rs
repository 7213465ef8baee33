//! `agent37_instance`: the Resource implementation. I/O only; the decisions live in `model`.

use async_trait::async_trait;

use crate::api::{Client, Instance, Op};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_attr_error, api_error};
use crate::provider::values::{get_bool, get_str};
use crate::sdk::plan;
use crate::sdk::timeouts;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Outcome, Path, Plan, Read, Resource, Schema,
    Update, Value,
};

use super::health::{RESOURCE_ADVICE, wait_for_healthy};
use super::{model, schema};

pub struct InstanceResource;

fn state_path() -> Path {
    Path::attr("state")
}

#[async_trait]
impl Resource<Agent37Data> for InstanceResource {
    type State = Value;
    type Private = ();

    fn type_name(&self) -> &'static str {
        "agent37_instance"
    }

    fn schema(&self) -> Schema {
        schema::resource()
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::single(
            "id",
            "The instance's id (10 lowercase letters and digits).",
        ))
    }

    fn validate(&self, config: &Value, diags: &mut Diagnostics) {
        model::validate_config(config, diags);
    }

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Value>) {
        let prior = plan.prior.unwrap_or(&Value::Null);
        let replace = model::plan_resources(prior, plan.config, &mut plan.planned, &mut plan.diags);
        for name in replace {
            plan.replace_on(name);
        }
        if plan.is_create() {
            return;
        }
        model::plan_state(prior, plan.config, &mut plan.planned);
        if plan.requires_replace.is_empty() && get_bool(&plan.planned, "auto_update") == Some(true)
        {
            plan_image_pull(ctx, plan).await;
        }
    }

    async fn create(&self, ctx: &Ctx<Agent37Data>, req: Create<Value>) -> Outcome<Option<Value>> {
        let planned = &req.planned;
        let (client, op) = (ctx.client(), ctx.op());
        let created = match client
            .create_instance(&op, &model::create_body(planned))
            .await
        {
            Ok(c) => c,
            Err(e) => return api_error("Unable to create instance", &e).into(),
        };
        if created.adopted {
            tracing::info!(id = %created.instance.id, "adopted the instance an interrupted create made");
        }
        let mut inst = created.instance;
        let mut diags = Diagnostics::new();
        // From here on the instance exists: every failure still returns its state (tainted).
        if get_str(planned, "state") == Some(model::STOPPED) {
            match client.stop_instance(&op, &inst.id).await {
                Ok(_) => refresh(client, &op, &mut inst, &mut diags).await,
                Err(e) => diags.extend(api_attr_error(
                    "Unable to stop the new instance",
                    state_path(),
                    &e,
                )),
            }
        } else if get_bool(planned, "wait_for_healthy") != Some(false)
            && let Err(d) = wait_for_healthy(client, &op, &inst, RESOURCE_ADVICE).await
        {
            diags.extend(d);
        }
        Outcome::ok(Some(model::instance_state(&inst, planned))).with_diags(diags)
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, req: Read<Value, ()>) -> Outcome<Option<Value>> {
        let state = &req.state;
        let Some(id) = get_str(state, "id") else {
            return Outcome::ok(None);
        };
        // A refresh's reads share list requests and claim the id, so no ambiguous create
        // adopts it (see `Client::read_instance`).
        match ctx.client().read_instance(&ctx.op(), id).await {
            Ok(inst) if !model::is_gone(&inst.status) => {
                Outcome::ok(Some(model::instance_state(&inst, state)))
            }
            Ok(_) => Outcome::ok(None),
            Err(e) if e.is_not_found() => Outcome::ok(None),
            Err(e) => api_error("Unable to read instance", &e).into(),
        }
    }

    async fn update(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Update<Value, ()>,
    ) -> Outcome<Option<Value>> {
        let (prior, planned) = (&req.prior, &req.planned);
        let Some(id) = get_str(prior, "id") else {
            let mut d = Diagnostics::new();
            d.error(
                "Unable to update instance",
                "The state holds no instance id.",
            );
            return d.into();
        };
        let client = ctx.client();
        let diags = run_update(client, &ctx.op(), id, prior, planned).await;
        // The final read has its own bound, so that a step that used up the deadline still
        // leaves an accurate state behind.
        match client
            .get_instance(&ctx.op_within(timeouts::DEFAULT), id)
            .await
        {
            Ok(inst) => Outcome::ok(Some(model::instance_state(&inst, planned))).with_diags(diags),
            Err(e) => {
                let mut diags = diags;
                diags.extend(api_error("Unable to read instance after update", &e));
                diags.into()
            }
        }
    }

    async fn delete(&self, ctx: &Ctx<Agent37Data>, req: Delete<Value, ()>) -> Outcome<()> {
        let Some(id) = get_str(&req.prior, "id") else {
            return Outcome::ok(());
        };
        // A 404 is "already gone": success.
        match ctx.client().delete_instance(&ctx.op(), id).await {
            Ok(_) => Outcome::ok(()),
            Err(e) => api_error("Unable to delete instance", &e).into(),
        }
    }

    /// `-generate-config-out`: the configurable values that differ from their defaults, except
    /// a `state` that is not a desired state (`failed`…), which a user cannot write: left out,
    /// the plan shows the repair.
    fn generate_config(&self, schema: &Schema, state: &Value) -> Value {
        let mut config = plan::config_from_state(&schema.block, state);
        if get_str(&config, "state").is_some_and(|s| s != model::STOPPED)
            && let Value::Object(m) = &mut config
        {
            m.insert("state".into(), Value::Null);
        }
        config
    }

    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Outcome<Option<Value>> {
        let id = id.trim();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            let mut d = Diagnostics::new();
            d.error(
                "Invalid import id",
                format!("{id:?} is not an instance id: expected its 10-character id, such as \"k3x9q2m7pa\"."),
            );
            return d.into();
        }
        Outcome::ok(Some(model::import_state(id)))
    }
}

/// `auto_update`: when the template's current image differs from the instance's, plan the
/// pull (the values it may change become unknown). A deleted template keeps the image.
async fn plan_image_pull(ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Value>) {
    let Some(template) = get_str(&plan.planned, "template") else {
        return;
    };
    match ctx.client().get_template(&ctx.op(), template).await {
        Ok(t) if Some(t.image_ref.as_str()) != plan.prior_attr("image_ref").as_str() => {
            model::mark_image_pull(&mut plan.planned);
        }
        Ok(_) => {}
        Err(e) if e.is_not_found() => {}
        Err(e) => plan.diags.extend(api_attr_error(
            "Unable to read the template for auto_update",
            Path::attr("auto_update"),
            &e,
        )),
    }
}

/// Runs an update's steps in the contract's order, stopping at the first failure.
async fn run_update(
    client: &Client,
    op: &Op,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Diagnostics {
    let steps = model::update_steps(prior, planned);
    let mut pulled = false;
    let result: Result<(), Diagnostics> = async {
        if !steps.patch.is_empty() {
            client
                .patch_instance(op, id, &steps.patch)
                .await
                .map_err(|e| api_error("Unable to update instance name, user or metadata", &e))?;
        }
        if steps.repair {
            client.update_instance(op, id).await.map_err(|e| {
                api_attr_error("Unable to repair failed instance", state_path(), &e)
            })?;
        } else if steps.start {
            client
                .start_instance(op, id)
                .await
                .map_err(|e| api_attr_error("Unable to start instance", state_path(), &e))?;
        }
        if let Some(resize) = &steps.resize {
            client
                .resize_instance(op, id, resize)
                .await
                .map_err(|e| api_error("Unable to resize instance", &e))?;
        }
        if !steps.repair && get_bool(planned, "auto_update") == Some(true) {
            pulled = pull_if_outdated(client, op, id, prior, planned).await?;
        }
        let desired_running = get_str(planned, "state") != Some(model::STOPPED);
        if desired_running
            && (steps.restarts() || pulled)
            && get_bool(planned, "wait_for_healthy") != Some(false)
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

/// `POST /update` when the template's current image differs from the one the instance ran at
/// plan time. Returns whether an update was made.
async fn pull_if_outdated(
    client: &Client,
    op: &Op,
    id: &str,
    prior: &Value,
    planned: &Value,
) -> Result<bool, Diagnostics> {
    let Some(template) = get_str(planned, "template") else {
        return Ok(false);
    };
    let current = match client.get_template(op, template).await {
        Ok(t) => t.image_ref,
        Err(e) if e.is_not_found() => return Ok(false),
        Err(e) => return Err(api_error("Unable to read the instance's template", &e)),
    };
    if Some(current.as_str()) == get_str(prior, "image_ref") {
        return Ok(false);
    }
    client
        .update_instance(op, id)
        .await
        .map_err(|e| api_error("Unable to update instance to the template's image", &e))?;
    Ok(true)
}

/// Re-reads `inst` in place; a failure becomes a diagnostic and keeps what was known.
async fn refresh(client: &Client, op: &Op, inst: &mut Instance, diags: &mut Diagnostics) {
    match client.get_instance(op, &inst.id).await {
        Ok(fresh) => *inst = fresh,
        Err(e) => diags.extend(api_error("Unable to read instance", &e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_config_leaves_out_defaults_computed_values_and_non_desired_states() {
        let r = InstanceResource;
        let state = |s: &str| {
            Value::object([
                ("id", Value::string("k3x9q2m7pa")),
                ("template", Value::string(model::DEFAULT_TEMPLATE)),
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

    #[test]
    fn version_0_state_is_kept_and_newer_versions_are_refused() {
        let fixture = crate::sdk::RawState::parse(
            br#"{"id": "k3x9q2m7pa", "template": "agent37-hermes", "cpu": 2, "memory": 4,
                "disk": 6, "name": "bot", "user": null, "metadata": {"team": "a"},
                "state": "running", "auto_update": false, "wait_for_healthy": true,
                "status": "running", "image_ref": "ghcr.io/agent37-platform/hermes:1",
                "url": "https://k3x9q2m7pa.agent37.app",
                "ports": [{"port": 3737, "default": true, "url": "https://k3x9q2m7pa.agent37.app"}],
                "paid_through": 1790086400, "past_due": false, "created": 1790000000,
                "timeouts": null}"#,
        )
        .expect("fixture is an object");
        let r = InstanceResource;
        assert_eq!(r.schema().version, 0);
        assert_eq!(r.upgrade_state(0, fixture.clone()), Ok(fixture.clone()));
        assert!(r.upgrade_state(1, fixture).is_err());
    }
}
