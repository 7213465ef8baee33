//! The `agent37_domain` and `agent37_domains` data sources: I/O only.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_attr_error, api_error};
use crate::provider::newer_api;
use crate::sdk::model::Attr;
use crate::sdk::{Ctx, DataSource, Outcome, Path, Schema};

use super::model;
use super::schema::{self, DomainData, DomainsData};

pub struct DomainDataSource;

pub struct DomainsDataSource;

#[async_trait]
impl DataSource<Agent37Data> for DomainDataSource {
    type Model = DomainData;

    fn type_name(&self) -> &'static str {
        "agent37_domain"
    }

    fn schema(&self) -> Schema {
        schema::data_source_one()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: DomainData,
    ) -> Outcome<Option<DomainData>> {
        let domain = config.domain.as_str().unwrap_or_default().to_string();
        match ctx.client().get_domain(&ctx.op(), &domain).await {
            Ok(d) => Outcome::ok(Some(DomainData {
                fields: model::fields(&d),
                ..config
            })),
            Err(e) => {
                let d = api_attr_error(
                    &format!("Unable to read domain {domain:?}"),
                    Path::attr(DomainData::DOMAIN),
                    &e,
                );
                newer_api::explain_not_found(ctx, "agent37_domain", &e, d)
                    .await
                    .into()
            }
        }
    }
}

#[async_trait]
impl DataSource<Agent37Data> for DomainsDataSource {
    type Model = DomainsData;

    fn type_name(&self) -> &'static str {
        "agent37_domains"
    }

    fn schema(&self) -> Schema {
        schema::data_source_all()
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        _config: DomainsData,
    ) -> Outcome<Option<DomainsData>> {
        match ctx.client().list_domains(&ctx.op()).await {
            Ok(all) => Outcome::ok(Some(DomainsData {
                domains: Attr::Known(all.iter().map(model::item).collect()),
                names: Attr::Known(all.iter().map(|d| d.domain.clone()).collect()),
            })),
            Err(e) => {
                let d = api_error("Unable to list domains", &e);
                newer_api::explain_not_found(ctx, "agent37_domains", &e, d)
                    .await
                    .into()
            }
        }
    }
}
