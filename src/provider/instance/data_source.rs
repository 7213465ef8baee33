//! Data sources `agent37_instance`, `agent37_instances` and `agent37_instance_urls`.

use async_trait::async_trait;

use crate::api::{Client, Instance};
use crate::provider::Agent37Data;
use crate::provider::errors::{api_attr_error, api_error};
use crate::provider::values::get_str;
use crate::sdk::timeouts;
use crate::sdk::{Ctx, DataSource, Diagnostics, Path, Schema, Value};

use super::{model, schema};

fn client(ctx: &Ctx<Agent37Data>) -> Result<&Client, Diagnostics> {
    ctx.configured().map(|d| &d.client)
}

/// Reads the instance whose id is in attribute `attr` of `config`; a missing one is an error on
/// that attribute.
async fn get_by_id(
    ctx: &Ctx<Agent37Data>,
    config: &Value,
    attr: &str,
) -> Result<Instance, Diagnostics> {
    let client = client(ctx)?;
    let id = get_str(config, attr).unwrap_or_default();
    let op = client.op(timeouts::DEFAULT).with_cancel(ctx.cancel.clone());
    client.get_instance(&op, id).await.map_err(|e| {
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
    fn type_name(&self) -> &'static str {
        "agent37_instance"
    }

    fn schema(&self) -> Schema {
        schema::data_instance()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: &Value) -> (Value, Diagnostics) {
        match get_by_id(ctx, config, "id").await {
            Ok(inst) => (
                Value::Object(model::instance_fields(&inst)),
                Diagnostics::new(),
            ),
            Err(d) => (Value::Null, d),
        }
    }
}

pub struct InstancesData;

#[async_trait]
impl DataSource<Agent37Data> for InstancesData {
    fn type_name(&self) -> &'static str {
        "agent37_instances"
    }

    fn schema(&self) -> Schema {
        schema::data_instances()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: &Value) -> (Value, Diagnostics) {
        let client = match client(ctx) {
            Ok(c) => c,
            Err(d) => return (Value::Null, d),
        };
        let op = client.op(timeouts::DEFAULT).with_cancel(ctx.cancel.clone());
        let all = match client.list_instances(&op).await {
            Ok(all) => all,
            Err(e) => return (Value::Null, api_error("Unable to list instances", &e)),
        };
        let filters = model::Filters::from_config(config);
        let found: Vec<&Instance> = all
            .iter()
            .filter(|i| !model::is_gone(&i.status) && filters.matches(i))
            .collect();
        let mut out = match config {
            Value::Object(m) => m.clone(),
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
        (Value::Object(out), Diagnostics::new())
    }
}

pub struct InstanceUrlsData;

#[async_trait]
impl DataSource<Agent37Data> for InstanceUrlsData {
    fn type_name(&self) -> &'static str {
        "agent37_instance_urls"
    }

    fn schema(&self) -> Schema {
        schema::data_instance_urls()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: &Value) -> (Value, Diagnostics) {
        match get_by_id(ctx, config, "instance_id").await {
            Ok(inst) => (
                Value::object([
                    ("instance_id", Value::string(inst.id.clone())),
                    (
                        "url",
                        inst.default_url().map(Value::string).unwrap_or(Value::Null),
                    ),
                    ("ports", model::ports_value(&inst.ports)),
                    ("urls", model::urls_value(&inst.ports)),
                ]),
                Diagnostics::new(),
            ),
            Err(d) => (Value::Null, d),
        }
    }
}
