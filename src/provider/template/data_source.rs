//! The `agent37_template` and `agent37_templates` data sources: I/O only.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_attr_error, api_error};
use crate::sdk::model::Attr;
use crate::sdk::{Ctx, DataSource, Diagnostics, Outcome, Path, Schema};

use super::model;
use super::schema::{self, TemplateData, TemplatesData};

/// One template by name (system or workspace).
pub struct TemplateDataSource;

/// Every template, optionally of one scope.
pub struct TemplatesDataSource;

#[async_trait]
impl DataSource<Agent37Data> for TemplateDataSource {
    type Model = TemplateData;

    fn type_name(&self) -> &'static str {
        "agent37_template"
    }

    fn schema(&self) -> Schema {
        schema::data_source_one()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: TemplateData,
    ) -> Outcome<Option<TemplateData>> {
        let Some(name) = config.name.as_str() else {
            let mut d = Diagnostics::new();
            d.attr_error(
                Path::attr(TemplateData::NAME),
                "Missing template name",
                "name must be set.",
            );
            return d.into();
        };
        match ctx.client().get_template(&ctx.op(), name).await {
            Ok(t) => Outcome::ok(Some(TemplateData {
                fields: model::template_fields(&t),
                ..config
            })),
            Err(e) if e.is_not_found() && model::version_of(name).is_some() => {
                let mut d = Diagnostics::new();
                let (base, version) = model::version_of(name).unwrap_or((name, ""));
                d.attr_error(
                    Path::attr(TemplateData::NAME),
                    "Template version not published",
                    model::unpublished_detail(base, version),
                );
                d.into()
            }
            Err(e) => api_attr_error(
                &format!("Unable to read template {name:?}"),
                Path::attr(TemplateData::NAME),
                &e,
            )
            .into(),
        }
    }
}

#[async_trait]
impl DataSource<Agent37Data> for TemplatesDataSource {
    type Model = TemplatesData;

    fn type_name(&self) -> &'static str {
        "agent37_templates"
    }

    fn schema(&self) -> Schema {
        schema::data_source_list()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: TemplatesData,
    ) -> Outcome<Option<TemplatesData>> {
        let scope = config.scope.as_str();
        match ctx.client().list_templates(&ctx.op()).await {
            Ok(all) => {
                // The API lists every scope; the filter is ours. Its order is kept.
                let chosen: Vec<_> = all
                    .iter()
                    .filter(|t| scope.is_none_or(|s| t.scope.as_str() == s))
                    .collect();
                Outcome::ok(Some(TemplatesData {
                    templates: Attr::Known(
                        chosen.iter().map(|t| model::template_item(t)).collect(),
                    ),
                    names: Attr::Known(chosen.iter().map(|t| t.name.clone()).collect()),
                    ..config
                }))
            }
            Err(e) => api_error("Unable to list templates", &e).into(),
        }
    }
}
