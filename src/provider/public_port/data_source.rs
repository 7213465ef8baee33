//! The `agent37_instance_public_ports` data source: I/O only.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_attr_error;
use crate::provider::newer_api;
use crate::sdk::model::Attr;
use crate::sdk::{Ctx, DataSource, Outcome, Path, Schema};

use super::model;
use super::schema::{self, PublicPortsData};

pub struct PublicPortsDataSource;

#[async_trait]
impl DataSource<Agent37Data> for PublicPortsDataSource {
    type Model = PublicPortsData;

    fn type_name(&self) -> &'static str {
        "agent37_instance_public_ports"
    }

    fn schema(&self) -> Schema {
        schema::data_source()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: PublicPortsData,
    ) -> Outcome<Option<PublicPortsData>> {
        let id = config.instance_id.as_str().unwrap_or_default().to_string();
        match ctx.client().list_public_ports(&ctx.op(), &id).await {
            Ok(ports) => Outcome::ok(Some(PublicPortsData {
                public_ports: Attr::Known(ports.iter().map(model::item).collect()),
                ..config
            })),
            Err(e) => {
                let d = api_attr_error(
                    &format!("Unable to list the public ports of instance {id}"),
                    Path::attr(PublicPortsData::INSTANCE_ID),
                    &e,
                );
                newer_api::explain_not_found(ctx, "agent37_instance_public_ports", &e, d)
                    .await
                    .into()
            }
        }
    }
}
