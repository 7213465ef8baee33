//! The `agent37_domain_verify` action (Terraform ≥ 1.14): one verify call, its status shown.

use async_trait::async_trait;

use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::provider::newer_api;
use crate::sdk::{Action, Ctx, Outcome, Progress, Schema};

use super::model;
use super::schema::{self, VerifyConfig};

pub struct VerifyAction;

#[async_trait]
impl Action<Agent37Data> for VerifyAction {
    type Config = VerifyConfig;

    fn type_name(&self) -> &'static str {
        "agent37_domain_verify"
    }

    fn schema(&self) -> Schema {
        schema::verify_action()
    }

    async fn invoke(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: VerifyConfig,
        progress: &Progress,
    ) -> Outcome<()> {
        let domain = config.domain.as_str().unwrap_or_default();
        progress.send(format!("Verifying domain {domain}…"));
        match ctx.client().verify_domain(&ctx.op(), domain).await {
            Ok(v) => {
                progress.send(model::verify_report(&v));
                Outcome::ok(())
            }
            Err(e) => {
                let d = api_error(&format!("Unable to verify domain {domain}"), &e);
                newer_api::explain_not_found(ctx, "agent37_domain_verify", &e, d)
                    .await
                    .into()
            }
        }
    }
}
