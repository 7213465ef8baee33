//! The agent37 provider: its configuration, and one module per API object.

pub mod budget;
pub mod config;
pub mod context;
pub mod domain;
pub mod errors;
pub mod file;
pub mod functions;
pub mod ids;
pub mod instance;
pub mod integration;
pub mod list;
pub mod money;
pub mod newer_api;
pub mod observe;
pub mod preview_url;
pub mod public_port;
pub mod revision;
pub mod signed_url;
pub mod ssh_key;
pub mod template;
pub mod template_build;
pub mod values;

use std::sync::Arc;

use async_trait::async_trait;

use crate::api::{self, Client, ClientConfig};
use crate::sdk::traits::{
    ConfigureEnv, DynAction, DynDataSource, DynEphemeralResource, DynListResource, DynResource,
};
use crate::sdk::{Diagnostics, Function, Provider, Schema, Value};

/// The provider's version, reported in the User-Agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every resource and data source gets once the provider is configured.
pub struct Agent37Data {
    pub client: Client,
    /// The provider's `default_metadata`, merged into every instance's metadata.
    pub default_metadata: std::collections::BTreeMap<String, String>,
}

#[derive(Default)]
pub struct Agent37;

#[async_trait]
impl Provider for Agent37 {
    type Data = Agent37Data;

    fn type_name(&self) -> &'static str {
        "agent37"
    }

    fn schema(&self) -> Schema {
        config::schema()
    }

    fn resources(&self) -> Vec<Arc<dyn DynResource<Agent37Data>>> {
        let mut v: Vec<Arc<dyn DynResource<Agent37Data>>> = Vec::new();
        v.extend(instance::resources());
        v.extend(template::resources());
        v.extend(budget::resources());
        v.extend(ssh_key::resources());
        v.extend(template_build::resources());
        v.extend(domain::resources());
        v.extend(public_port::resources());
        v.extend(integration::resources());
        v.extend(file::resources());
        v
    }

    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<Agent37Data>>> {
        let mut v: Vec<Arc<dyn DynDataSource<Agent37Data>>> = Vec::new();
        v.extend(instance::data_sources());
        v.extend(template::data_sources());
        v.extend(budget::data_sources());
        v.extend(ssh_key::data_sources());
        v.extend(observe::data_sources());
        v.extend(domain::data_sources());
        v.extend(public_port::data_sources());
        v
    }

    fn functions(&self) -> Vec<Arc<dyn Function>> {
        vec![
            Arc::new(functions::UsdToMicros),
            Arc::new(functions::MicrosToUsd),
            Arc::new(preview_url::PreviewUrl),
        ]
    }

    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeralResource<Agent37Data>>> {
        signed_url::ephemeral_resources()
    }

    fn actions(&self) -> Vec<Arc<dyn DynAction<Agent37Data>>> {
        let mut v = instance::actions();
        v.extend(domain::actions());
        v
    }

    fn list_resources(&self) -> Vec<Arc<dyn DynListResource<Agent37Data>>> {
        let mut v = instance::list_resources();
        v.extend(template::list_resources());
        v.extend(budget::list_resources());
        v.extend(ssh_key::list_resources());
        v.extend(domain::list_resources());
        v.extend(public_port::list_resources());
        v.extend(integration::list_resources());
        v
    }

    async fn configure(
        &self,
        config: &Value,
        env: &ConfigureEnv,
        diags: &mut Diagnostics,
    ) -> Option<Agent37Data> {
        let settings = match config::resolve(config, &|k| std::env::var(k).ok()) {
            Ok(s) => s,
            Err(d) => {
                diags.extend(d);
                return None;
            }
        };
        let mut cc = ClientConfig::new(settings.base_url.clone(), settings.api_key.clone());
        cc.request_timeout = settings.request_timeout;
        cc.max_retries = settings.max_retries;
        cc.ca_cert_pem = settings.ca_cert_pem.clone();
        cc.api_revision = settings.api_revision;
        cc.key_origin = Some(settings.key_source.describe());
        cc.user_agent = api::user_agent_from_env(VERSION, Some(&env.terraform_version));
        match Client::new(cc) {
            Ok(client) => Some(Agent37Data {
                client,
                default_metadata: settings.default_metadata.clone(),
            }),
            Err(e) => {
                diags.error(
                    "Unable to create the API client",
                    errors::sentence(&e.to_string()),
                );
                None
            }
        }
    }
}
