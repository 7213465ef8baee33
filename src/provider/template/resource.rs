//! The `agent37_template` resource: I/O only (rules and conversions live in `model`).

use async_trait::async_trait;

use crate::api::ApiRevision;
use crate::provider::context::Api;
use crate::provider::errors::{api_error, delete_outcome};
use crate::provider::{Agent37Data, revision};
use crate::sdk::model::Attr;
use crate::sdk::plan;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Outcome, Path, Plan, Read, Resource, Schema,
    Update, Value,
};

use super::model;
use super::schema::{self, Template, TemplatePort};

pub struct TemplateResource;

/// A planned value the validators accept but the body cannot carry: a provider bug, reported.
fn bad_plan(summary: &str, why: String) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        summary,
        format!("The planned template is not usable: {why}."),
    );
    d
}

/// The revision-only attributes: `ports` (2026-06-25) and `default_port` (2026-08-21) are
/// refused at plan against the other revision when the plan would send them; `ports` already in
/// state under 2026-08-21 only warns.
///
/// The revision is the client's when it knows one without a request (the `api_revision`
/// setting, or the last answer: a refreshing plan has just read this template). Else the prior
/// state is a cheap hint: a `revision` in it says 2026-08-21 (only that revision publishes
/// them), which spares a request to a plan that did not refresh. Else the client probes once
/// (`provider::revision::served`), and only when something revision-only is about to be sent.
async fn plan_revision_rules(ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Template>) {
    let (config, planned, prior) = (plan.config, &plan.planned, plan.prior);
    let sends_ports = !config.ports.is_null() && prior.map(|p| &p.ports) != Some(&planned.ports);
    let keeps_ports = !config.ports.is_null() && !sends_ports;
    let sends_default_port = !config.default_port.is_null()
        && prior.map(|p| &p.default_port) != Some(&planned.default_port);
    let from_state = prior
        .filter(|p| p.revision.get().is_some())
        .map(|_| ApiRevision::R2026_08_21);
    let served = match ctx.client().known_revision().or(from_state) {
        Some(r) => r,
        None if sends_ports || sends_default_port => match revision::served(ctx).await {
            Ok(r) => r,
            Err(d) => {
                plan.diags.extend(d);
                return;
            }
        },
        None => return,
    };
    for p in model::revision_problems(served, sends_ports, keeps_ports, sends_default_port) {
        let at = Path::attr(p.attr());
        if p.is_error() {
            plan.diags.attr_error(at, p.summary(), p.detail());
        } else {
            plan.diags.attr_warning(at, p.summary(), p.detail());
        }
    }
}

#[async_trait]
impl Resource<Agent37Data> for TemplateResource {
    type State = Template;
    type Private = ();

    fn type_name(&self) -> &'static str {
        "agent37_template"
    }

    fn schema(&self) -> Schema {
        schema::resource()
    }

    /// Templates have no id: the name is the key (and the import id).
    fn identity(&self) -> Option<Identity> {
        Some(Identity::single(
            Template::NAME,
            "The template's name, which identifies it in the workspace.",
        ))
    }

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, Template>) {
        // What a created template will be is known from the contract: the caller's templates are
        // always `workspace` templates with no agents.
        if plan.is_create() {
            if plan.config.image_ref.is_null() {
                plan.diags.attr_error(
                    Path::attr(Template::IMAGE_REF),
                    "Missing image_ref",
                    "A template is registered from an image: set image_ref. A template built from \
                     a folder is published by agent37_template_build.",
                );
                return;
            }
            plan.planned.scope = "workspace".into();
            plan.planned.agents = Attr::Known(Vec::new());
        } else if plan
            .prior
            .is_some_and(|p| p.image_ref != plan.planned.image_ref)
        {
            // A new image publishes a new revision (2026-08-21); anything else keeps them.
            plan.planned.revision = Attr::unknown();
            plan.planned.image_digest = Attr::unknown();
            plan.planned.revisions = Attr::unknown();
        }
        // Left out of the configuration, `default_port` follows the ports on a create or a
        // change of them (2026-06-25 reads it from the default entry); else it keeps its value.
        let ports_change = plan.prior.is_none_or(|p| p.ports != plan.planned.ports);
        if plan.config.default_port.is_null() && ports_change {
            plan.planned.default_port = model::derived_default_port(&plan.planned.ports);
        }
        plan_revision_rules(ctx, plan).await;
        // A template this plan creates (or renames to) does not exist yet for the instances
        // that refer to it: their plan-time look-up skips it.
        if let Some(name) = plan.planned.name.as_str()
            && plan.prior.is_none_or(|p| p.name.as_str() != Some(name))
        {
            super::planned::record(name);
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Create<Template>,
    ) -> Outcome<Option<Template>> {
        const SUMMARY: &str = "Unable to create template";
        let planned = &req.planned;
        let body = match model::create_body(planned) {
            Ok(b) => b,
            Err(why) => return bad_plan(SUMMARY, why).into(),
        };
        match ctx.client().create_template(&ctx.op(), &body).await {
            Ok(t) => Outcome::ok(Some(model::resource_state(&t, planned))),
            Err(e) => api_error(SUMMARY, &e).into(),
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Read<Template, ()>,
    ) -> Outcome<Option<Template>> {
        let state = &req.state;
        let Some(name) = state.name.as_str() else {
            return bad_plan("Unable to read template", "the state has no name".into()).into();
        };
        match ctx.client().get_template(&ctx.op(), name).await {
            Ok(t) => Outcome::ok(Some(model::resource_state(&t, state))),
            // Gone (deleted out of band): leave the state, so the next plan re-creates it.
            Err(e) if e.is_not_found() => Outcome::ok(None),
            Err(e) => api_error(&format!("Unable to read template {name:?}"), &e).into(),
        }
    }

    async fn update(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Update<Template, ()>,
    ) -> Outcome<Option<Template>> {
        let (prior, planned) = (&req.prior, &req.planned);
        let summary = format!(
            "Unable to update template {:?}",
            prior.name.as_str().unwrap_or_default()
        );
        let Some(name) = prior.name.as_str() else {
            return bad_plan(&summary, "the prior state has no name".into()).into();
        };
        let body = match model::patch_body(prior, planned) {
            Ok(b) => b,
            Err(why) => return bad_plan(&summary, why).into(),
        };
        let (client, op) = (ctx.client(), ctx.op());
        // Only the timeouts changed: nothing to send, but `updated` must be known again.
        let result = if model::is_empty_patch(&body) {
            client.get_template(&op, name).await
        } else {
            client.patch_template(&op, name, &body).await
        };
        match result {
            Ok(t) => Outcome::ok(Some(model::resource_state(&t, planned))),
            Err(e) => api_error(&summary, &e).into(),
        }
    }

    async fn delete(&self, ctx: &Ctx<Agent37Data>, req: Delete<Template, ()>) -> Outcome<()> {
        let Some(name) = req.prior.name.as_str() else {
            return Outcome::ok(());
        };
        delete_outcome(ctx.client().delete_template(&ctx.op(), name).await, || {
            format!("Unable to delete template {name:?}")
        })
    }

    /// `-generate-config-out`: the default (configurable values other than their defaults),
    /// also without the default `default = false` of each port.
    fn generate_config(&self, schema: &Schema, state: &Value) -> Value {
        let mut config = plan::config_from_state(&schema.block, state);
        // On 2026-06-25 `default_port` is read from the default entry of `ports`: only `ports`
        // is configuration there.
        if let Value::Object(m) = &mut config
            && matches!(m.get(Template::PORTS), Some(Value::List(p)) if !p.is_empty())
        {
            m.insert(Template::DEFAULT_PORT.into(), Value::Null);
        }
        if let Value::Object(m) = &mut config
            && let Some(Value::List(ports)) = m.get_mut(Template::PORTS)
        {
            for port in ports {
                if let Value::Object(p) = port
                    && p.get(TemplatePort::DEFAULT) == Some(&Value::Bool(false))
                {
                    p.insert(TemplatePort::DEFAULT.into(), Value::Null);
                }
            }
        }
        config
    }

    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Outcome<Option<Template>> {
        // The id is the name; refuse what could never be managed before any call.
        if let Err(p) = schema::check_name(id) {
            let (summary, detail) = schema::name_problem_text(&p, "The import id", id);
            let mut d = Diagnostics::new();
            d.error(format!("Cannot import template: {summary}"), detail);
            return d.into();
        }
        match self.import_seed(id) {
            Ok(seed) => Outcome::ok(Some(seed)),
            Err(d) => d.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::core::upgrade_stored_state;

    #[test]
    fn generated_config_leaves_out_computed_values_and_default_ports() {
        let r = TemplateResource;
        let port = |n: i64, d: bool| {
            Value::object([("port", Value::number(n)), ("default", Value::bool(d))])
        };
        let state = Value::object([
            ("name", Value::string("support-agent")),
            ("image_ref", Value::string("ghcr.io/acme/agent:v1")),
            ("description", Value::Null),
            ("ports", Value::list([port(8000, true), port(8001, false)])),
            ("scope", Value::string("workspace")),
            ("agents", Value::list(Vec::new())),
            ("created", Value::number(1)),
            ("updated", Value::number(2)),
            ("default_port", Value::number(8000)),
            ("revision", Value::Null),
            ("image_digest", Value::Null),
            ("revisions", Value::list(Vec::new())),
            ("timeouts", Value::Null),
        ]);
        let cfg = r.generate_config(&r.schema(), &state);
        assert_eq!(
            cfg,
            Value::object([
                ("name", Value::string("support-agent")),
                ("image_ref", Value::string("ghcr.io/acme/agent:v1")),
                ("description", Value::Null),
                (
                    "ports",
                    Value::list([
                        port(8000, true),
                        Value::object([("port", Value::number(8001)), ("default", Value::Null)]),
                    ])
                ),
                ("scope", Value::Null),
                ("agents", Value::Null),
                ("created", Value::Null),
                ("updated", Value::Null),
                // Read from the default entry of `ports` (2026-06-25): not configuration.
                ("default_port", Value::Null),
                ("revision", Value::Null),
                ("image_digest", Value::Null),
                ("revisions", Value::Null),
                ("timeouts", Value::Null),
            ])
        );
    }

    /// Committed state of every released schema version upgrades into the current typed
    /// state; state of a newer provider is refused.
    #[test]
    fn released_state_fixtures_upgrade_into_the_current_model() {
        const VERSION_0: &[u8] = include_bytes!("fixtures/state_v0.json");
        const VERSION_1: &[u8] = include_bytes!("fixtures/state_v1.json");
        let r = TemplateResource;
        assert_eq!(r.schema().version, 1);
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = Template::from_value(&v).expect("fits the current model");
        assert_eq!(state.name.as_str(), Some("support-agent"));
        assert_eq!(state.agents, Attr::Known(Vec::new()));
        // What version 0 did not know reads as null until the next refresh.
        assert_eq!(
            (state.default_port.get(), state.revision.get()),
            (None, None)
        );
        assert!(state.revisions.is_null());

        let v = upgrade_stored_state(&r, 1, VERSION_1).expect("version 1 upgrades");
        let state = Template::from_value(&v).expect("fits the current model");
        assert_eq!(
            (state.default_port.get(), state.revision.get()),
            (Some(8000), Some(2))
        );
        assert_eq!(state.revisions.known().map(Vec::len), Some(2));
        assert!(upgrade_stored_state(&r, 2, VERSION_1).is_err());
    }
}
