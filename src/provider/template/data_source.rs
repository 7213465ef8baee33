//! The `agent37_template` and `agent37_templates` data sources: I/O only.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_attr_error, api_error};
use crate::provider::values::get_str;
use crate::sdk::{Ctx, DataSource, Diagnostics, Outcome, Path, Schema, Value};

use super::{model, schema};

/// One template by name (system or workspace).
pub struct TemplateData;

/// Every template, optionally of one scope.
pub struct TemplatesData;

#[async_trait]
impl DataSource<Agent37Data> for TemplateData {
    type Model = Value;

    fn type_name(&self) -> &'static str {
        "agent37_template"
    }

    fn schema(&self) -> Schema {
        schema::data_source_one()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: Value) -> Outcome<Option<Value>> {
        let Some(name) = get_str(&config, "name") else {
            let mut d = Diagnostics::new();
            d.attr_error(
                Path::attr("name"),
                "Missing template name",
                "name must be set.",
            );
            return d.into();
        };
        match ctx.client().get_template(&ctx.op(), name).await {
            Ok(t) => Outcome::ok(Some(model::template_object(&t))),
            Err(e) => api_attr_error(
                &format!("Unable to read template {name:?}"),
                Path::attr("name"),
                &e,
            )
            .into(),
        }
    }
}

#[async_trait]
impl DataSource<Agent37Data> for TemplatesData {
    type Model = Value;

    fn type_name(&self) -> &'static str {
        "agent37_templates"
    }

    fn schema(&self) -> Schema {
        schema::data_source_list()
    }

    async fn read(&self, ctx: &Ctx<Agent37Data>, config: Value) -> Outcome<Option<Value>> {
        let scope = get_str(&config, "scope");
        match ctx.client().list_templates(&ctx.op()).await {
            Ok(all) => {
                // The API lists every scope; the filter is ours. Its order is kept.
                let chosen: Vec<_> = all
                    .iter()
                    .filter(|t| scope.is_none_or(|s| t.scope.as_str() == s))
                    .collect();
                Outcome::ok(Some(Value::object([
                    ("scope", scope.map(Value::string).unwrap_or(Value::Null)),
                    (
                        "templates",
                        Value::list(chosen.iter().map(|t| model::template_object(t))),
                    ),
                    (
                        "names",
                        Value::list(chosen.iter().map(|t| Value::string(&t.name))),
                    ),
                ])))
            }
            Err(e) => api_error("Unable to list templates", &e).into(),
        }
    }
}
