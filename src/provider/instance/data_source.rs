//! Data sources `agent37_instance`, `agent37_instances` and `agent37_instance_urls`.

use async_trait::async_trait;

use crate::api::Instance;
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_attr_error, api_error};
use crate::provider::values::get_str;
use crate::sdk::{Ctx, DataSource, Diagnostics, Outcome, Path, Schema, Value};

use super::{model, schema};

/// Reads the instance whose id is in attribute `attr` of `config`; a missing one is an error on
/// that attribute.
async fn get_by_id(
    ctx: &Ctx<Agent37Data>,
    config: &Value,
    attr: &str,
) -> Result<Instance, Diagnostics> {
    let id = get_str(config, attr).unwrap_or_default();
    ctx.client().get_instance(&ctx.op(), id).await.map_err(|e| {
        if e.is_not_found() {
            let mut d = Diagnostics::new();
            d.attr_error(
                Path::attr(attr),
                "Instance not found",
                format!("The workspace has no instance with id {id:?}."),
            );
            d
        } else {
            api_attr_error("Unable to read instance", Path::attr(attr), &e)
        }
    })
}

pub struct InstanceData;

#[async_trait]
impl DataSource<Agent37Data> for InstanceData {
    type Model = Value;

    fn type_name(&self) -> &'static str {
        "agent37_instance"
    }

    fn schema(&self) -> Schema {
        schema::data_instance()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: Value) -> Outcome<Option<Value>> {
        match get_by_id(ctx, &config, "id").await {
            Ok(inst) => Outcome::ok(Some(Value::Object(model::instance_fields(&inst)))),
            Err(d) => d.into(),
        }
    }
}

pub struct InstancesData;

#[async_trait]
impl DataSource<Agent37Data> for InstancesData {
    type Model = Value;

    fn type_name(&self) -> &'static str {
        "agent37_instances"
    }

    fn schema(&self) -> Schema {
        schema::data_instances()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: Value) -> Outcome<Option<Value>> {
        let all = match ctx.client().list_instances(&ctx.op()).await {
            Ok(all) => all,
            Err(e) => return api_error("Unable to list instances", &e).into(),
        };
        let filters = model::Filters::from_config(&config);
        let found: Vec<&Instance> = all
            .iter()
            .filter(|i| !model::is_gone(&i.status) && filters.matches(i))
            .collect();
        let mut out = match config {
            Value::Object(m) => m,
            _ => Default::default(),
        };
        out.insert(
            "instances".into(),
            Value::list(
                found
                    .iter()
                    .map(|i| Value::Object(model::instance_fields(i))),
            ),
        );
        out.insert(
            "ids".into(),
            Value::list(found.iter().map(|i| Value::string(i.id.clone()))),
        );
        Outcome::ok(Some(Value::Object(out)))
    }
}

pub struct InstanceUrlsData;

#[async_trait]
impl DataSource<Agent37Data> for InstanceUrlsData {
    type Model = Value;

    fn type_name(&self) -> &'static str {
        "agent37_instance_urls"
    }

    fn schema(&self) -> Schema {
        schema::data_instance_urls()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: Value) -> Outcome<Option<Value>> {
        match get_by_id(ctx, &config, "instance_id").await {
            Ok(inst) => Outcome::ok(Some(Value::object([
                ("instance_id", Value::string(inst.id.clone())),
                (
                    "url",
                    inst.default_url().map(Value::string).unwrap_or(Value::Null),
                ),
                ("ports", model::ports_value(&inst.ports)),
                ("urls", model::urls_value(&inst.ports)),
            ]))),
            Err(d) => d.into(),
        }
    }
}
