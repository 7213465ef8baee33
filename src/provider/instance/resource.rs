//! `agent37_instance`: the Resource implementation. I/O only; the decisions live in `model`.

use std::time::Duration;

use async_trait::async_trait;

use crate::api::{ApiError, Client, Instance, Op};
use crate::provider::Agent37Data;
use crate::provider::errors::{api_attr_error, api_error};
use crate::provider::values::{get_bool, get_str};
use crate::sdk::plan;
use crate::sdk::timeouts::{self, Op as Phase};
use crate::sdk::{
    Applied, Ctx, Diagnostics, Identity, Path, Plan, ReadOutcome, Resource, Schema, Value,
};

use super::{model, schema};

/// Between two health polls of a booting instance.
const HEALTH_POLL: Duration = Duration::from_secs(1);

pub struct InstanceResource;

fn client(ctx: &Ctx<Agent37Data>) -> Result<&Client, Diagnostics> {
    ctx.configured().map(|d| &d.client)
}

fn op(client: &Client, ctx: &Ctx<Agent37Data>, timeout: Duration) -> Op {
    client.op(timeout).with_cancel(ctx.cancel.clone())
}

fn failed(state: Value, diags: Diagnostics) -> Applied {
    Applied {
        state,
        private: Vec::new(),
        diags,
    }
}

fn state_path() -> Path {
    Path::attr("state")
}

#[async_trait]
impl Resource<Agent37Data> for InstanceResource {
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

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_>) {
        if plan.planned.is_null() {
            return;
        }
        let replace =
            model::plan_resources(plan.prior, plan.config, &mut plan.planned, &mut plan.diags);
        for name in replace {
            plan.replace_on(name);
        }
        if plan.is_create() {
            return;
        }
        model::plan_state(plan.prior, plan.config, &mut plan.planned);
        if plan.requires_replace.is_empty() && get_bool(&plan.planned, "auto_update") == Some(true)
        {
            plan_image_pull(ctx, plan).await;
        }
    }

    async fn create(&self, ctx: &Ctx<Agent37Data>, planned: &Value, _config: &Value) -> Applied {
        let client = match client(ctx) {
            Ok(c) => c,
            Err(d) => return failed(Value::Null, d),
        };
        let op = op(client, ctx, timeouts::get(planned, Phase::Create));
        let created = match client
            .create_instance(&op, &model::create_body(planned))
            .await
        {
            Ok(c) => c,
            Err(e) => return failed(Value::Null, api_error("Unable to create instance", &e)),
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
            && let Err(d) = wait_healthy(client, &op, &inst).await
        {
            diags.extend(d);
        }
        Applied {
            state: model::instance_state(&inst, planned),
            private: Vec::new(),
            diags,
        }
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, state: &Value, private: &[u8]) -> ReadOutcome {
        let keep = |diags| ReadOutcome {
            state: Some(state.clone()),
            private: private.to_vec(),
            diags,
        };
        let client = match client(ctx) {
            Ok(c) => c,
            Err(d) => return keep(d),
        };
        let Some(id) = get_str(state, "id") else {
            return ReadOutcome {
                state: None,
                private: Vec::new(),
                diags: Diagnostics::new(),
            };
        };
        // This process holds the id: no ambiguous create may adopt it.
        client.claim(id);
        let op = op(client, ctx, timeouts::DEFAULT);
        // A refresh's reads share list requests (see `Client::read_instance`).
        match client.read_instance(&op, id).await {
            Ok(inst) if !model::is_gone(&inst.status) => ReadOutcome {
                state: Some(model::instance_state(&inst, state)),
                private: private.to_vec(),
                diags: Diagnostics::new(),
            },
            Ok(_) => gone(),
            Err(e) if e.is_not_found() => gone(),
            Err(e) => keep(api_error("Unable to read instance", &e)),
        }
    }

    async fn update(
        &self,
        ctx: &Ctx<Agent37Data>,
        prior: &Value,
        planned: &Value,
        _config: &Value,
        _private: &[u8],
    ) -> Applied {
        let client = match client(ctx) {
            Ok(c) => c,
            Err(d) => return failed(prior.clone(), d),
        };
        let Some(id) = get_str(prior, "id") else {
            let mut d = Diagnostics::new();
            d.error(
                "Unable to update instance",
                "The state holds no instance id.",
            );
            return failed(prior.clone(), d);
        };
        let op = op(client, ctx, timeouts::get(planned, Phase::Update));
        let diags = run_update(client, &op, id, prior, planned).await;
        // The final read has its own bound, so that a step that used up the deadline still
        // leaves an accurate state behind.
        let read_op = self::op(client, ctx, timeouts::DEFAULT);
        match client.get_instance(&read_op, id).await {
            Ok(inst) => Applied {
                state: model::instance_state(&inst, planned),
                private: Vec::new(),
                diags,
            },
            Err(e) => {
                let mut diags = diags;
                diags.extend(api_error("Unable to read instance after update", &e));
                failed(prior.clone(), diags)
            }
        }
    }

    async fn delete(&self, ctx: &Ctx<Agent37Data>, prior: &Value, _private: &[u8]) -> Diagnostics {
        let client = match client(ctx) {
            Ok(c) => c,
            Err(d) => return d,
        };
        let Some(id) = get_str(prior, "id") else {
            return Diagnostics::new();
        };
        let op = op(client, ctx, timeouts::get(prior, Phase::Delete));
        // A 404 is "already gone": success.
        match client.delete_instance(&op, id).await {
            Ok(_) => Diagnostics::new(),
            Err(e) => api_error("Unable to delete instance", &e),
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

    async fn import(
        &self,
        _ctx: &Ctx<Agent37Data>,
        id: &str,
    ) -> Result<(Value, Vec<u8>), Diagnostics> {
        let id = id.trim();
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            let mut d = Diagnostics::new();
            d.error(
                "Invalid import id",
                format!("{id:?} is not an instance id: expected its 10-character id, such as \"k3x9q2m7pa\"."),
            );
            return Err(d);
        }
        Ok((model::import_state(id), Vec::new()))
    }
}

fn gone() -> ReadOutcome {
    ReadOutcome {
        state: None,
        private: Vec::new(),
        diags: Diagnostics::new(),
    }
}

/// `auto_update`: when the template's current image differs from the instance's, plan the
/// pull (the values it may change become unknown). A deleted template keeps the image.
async fn plan_image_pull(ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_>) {
    let (Ok(client), Some(template)) = (client(ctx), get_str(&plan.planned, "template")) else {
        return;
    };
    let op = op(client, ctx, timeouts::DEFAULT);
    match client.get_template(&op, template).await {
        Ok(t) if Some(t.image_ref.as_str()) != get_str(plan.prior, "image_ref") => {
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
            wait_healthy(client, op, &inst).await?;
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

/// What a resource that did not become healthy tells the user to do.
const RESOURCE_ADVICE: &str = "It exists and is kept in the state (tainted); raise `timeouts`, or set `wait_for_healthy = false`.";

/// `wait_for_healthy` of the resource (see [`wait_healthy_advising`]).
async fn wait_healthy(client: &Client, op: &Op, inst: &Instance) -> Result<(), Diagnostics> {
    wait_healthy_advising(client, op, inst, RESOURCE_ADVICE).await
}

/// Polls the default port's `/v1/health` until `ok`, within the operation's deadline. Only
/// templates with agents run a gateway to poll. `advice` ends the timeout diagnostic (the
/// actions share this wait, with their own advice).
pub(super) async fn wait_healthy_advising(
    client: &Client,
    op: &Op,
    inst: &Instance,
    advice: &str,
) -> Result<(), Diagnostics> {
    let Some(url) = inst.default_url() else {
        return Ok(());
    };
    let template = match client.get_template(op, &inst.template).await {
        Ok(t) => t,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(api_error("Unable to read the instance's template", &e)),
    };
    if template.agents.is_empty() {
        return Ok(());
    }
    let mut last: Option<ApiError> = None;
    loop {
        match client.instance_health(op, url).await {
            Ok(true) => return Ok(()),
            Ok(false) => {}
            Err(e @ (ApiError::Timeout { .. } | ApiError::Cancelled { .. })) => {
                return Err(unhealthy(inst, op, Some(&e), last.as_ref(), advice));
            }
            // The edge may drop connections while the container boots: keep polling.
            Err(e @ ApiError::Transport { .. }) => last = Some(e),
            Err(e) => return Err(api_error("Unable to check instance health", &e)),
        }
        if op.remaining() <= HEALTH_POLL {
            return Err(unhealthy(inst, op, None, last.as_ref(), advice));
        }
        tokio::select! {
            _ = op.cancel_token().cancelled() => {
                return Err(unhealthy(inst, op, Some(&ApiError::Cancelled {
                    operation: "waiting for the instance to become healthy".into(),
                }), last.as_ref(), advice));
            }
            _ = tokio::time::sleep(HEALTH_POLL) => {}
        }
    }
}

fn unhealthy(
    inst: &Instance,
    op: &Op,
    cause: Option<&ApiError>,
    last: Option<&ApiError>,
    advice: &str,
) -> Diagnostics {
    let mut detail = match cause {
        Some(ApiError::Cancelled { .. }) => format!(
            "Waiting for instance {} to answer ok on /v1/health was cancelled.",
            inst.id
        ),
        _ => format!(
            "Instance {} did not answer ok on /v1/health within the timeout ({:?}). {advice}",
            inst.id,
            op.timeout()
        ),
    };
    if let Some(e) = last {
        detail.push_str(&format!(" Last error: {e}"));
    }
    let mut d = Diagnostics::new();
    d.error("Instance not healthy", detail);
    d
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
