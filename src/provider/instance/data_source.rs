//! Data sources `agent37_instance`, `agent37_instances` and `agent37_instance_urls`: I/O only;
//! their models live in `schema`.

use async_trait::async_trait;

use crate::api;
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_attr_error, api_error};
use crate::sdk::{Ctx, DataSource, Diagnostics, Model, Outcome, Path, Schema};

use super::schema::{
    INSTANCE_DATA, INSTANCE_URLS_DATA, INSTANCES_DATA, InstanceData, InstanceFields,
    InstanceUrlsData, InstancesData,
};

/// Reads the instance `id` names; a missing one is an error on the attribute `attr`.
async fn get_by_id(
    ctx: &Ctx<Agent37Data>,
    id: &str,
    attr: &str,
) -> Result<api::Instance, Diagnostics> {
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

pub struct InstanceDataSource;

#[async_trait]
impl DataSource<Agent37Data> for InstanceDataSource {
    type Model = InstanceData;

    fn type_name(&self) -> &'static str {
        "agent37_instance"
    }

    fn schema(&self) -> Schema {
        InstanceData::schema(INSTANCE_DATA)
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: InstanceData,
    ) -> Outcome<Option<InstanceData>> {
        let id = config.id.as_str().unwrap_or_default();
        match get_by_id(ctx, id, InstanceData::ID).await {
            Ok(inst) => Outcome::ok(Some(InstanceData {
                fields: InstanceFields::from_api(&inst),
                ..config
            })),
            Err(d) => d.into(),
        }
    }
}

pub struct InstancesDataSource;

#[async_trait]
impl DataSource<Agent37Data> for InstancesDataSource {
    type Model = InstancesData;

    fn type_name(&self) -> &'static str {
        "agent37_instances"
    }

    fn schema(&self) -> Schema {
        InstancesData::schema(INSTANCES_DATA)
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: InstancesData,
    ) -> Outcome<Option<InstancesData>> {
        match ctx.client().list_instances(&ctx.op()).await {
            Ok(all) => Outcome::ok(Some(InstancesData::found(config.filters, &all))),
            Err(e) => api_error("Unable to list instances", &e).into(),
        }
    }
}

pub struct InstanceUrlsDataSource;

#[async_trait]
impl DataSource<Agent37Data> for InstanceUrlsDataSource {
    type Model = InstanceUrlsData;

    fn type_name(&self) -> &'static str {
        "agent37_instance_urls"
    }

    fn schema(&self) -> Schema {
        InstanceUrlsData::schema(INSTANCE_URLS_DATA)
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: InstanceUrlsData,
    ) -> Outcome<Option<InstanceUrlsData>> {
        let id = config.instance_id.as_str().unwrap_or_default();
        match get_by_id(ctx, id, InstanceUrlsData::INSTANCE_ID).await {
            Ok(inst) => match ctx.client().default_port(&ctx.op(), &inst).await {
                Ok(port) => Outcome::ok(Some(InstanceUrlsData::from_api(
                    &inst,
                    port.unwrap_or(api::FALLBACK_DEFAULT_PORT),
                ))),
                Err(e) => api_error("Unable to read the instance's template", &e).into(),
            },
            Err(d) => d.into(),
        }
    }
}
