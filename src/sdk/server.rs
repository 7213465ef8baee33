//! The tfplugin6 gRPC service, as a thin adapter: it decodes protobuf into SDK values (against
//! the type of the object named), calls the semantic layer ([`super::core`]), and encodes what
//! comes back. Nothing here decides anything about Terraform's rules. Knows nothing of agent37.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use tokio_stream::StreamExt as _;
use tonic::{Request, Response, Status};

use crate::proto::tfplugin6 as pb;
use pb::provider_server::Provider as Grpc;

use super::convert;
use super::core::{ActionRun, ApplyRequest, Core, ImportRequest, PlanRequest, ReadRequest};
use super::diag::Diagnostics;
use super::traits::{ConfigureEnv, Provider};
use super::types::Type;
use super::value::Value;

/// Serves a [`Provider`] over tfplugin6.
pub struct Server<P: Provider> {
    core: Arc<Core<P>>,
    /// Built once: Terraform may ask for it many times, and it never changes.
    schema_response: OnceLock<pb::get_provider_schema::Response>,
    metadata_response: pb::get_metadata::Response,
    /// Every resource's identity schema: built on first use, as it builds every schema.
    identity_schemas: OnceLock<HashMap<String, pb::ResourceIdentitySchema>>,
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: true,
    }
}

fn sorted<'a>(names: impl Iterator<Item = &'a &'static str>) -> Vec<String> {
    let mut v: Vec<String> = names.map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// The GetProviderSchema answer. Built on first use and kept: Terraform asks for it in few of
/// the provider processes it starts (the server advertises `get_provider_schema_optional`), and
/// building it (every schema's descriptions) was ~40 % of a process start (callgrind).
fn schema_response<P: Provider>(core: &Core<P>) -> pb::get_provider_schema::Response {
    pb::get_provider_schema::Response {
        provider: Some(convert::schema(&core.provider_schema)),
        resource_schemas: core
            .resources
            .iter()
            .map(|(k, e)| (k.to_string(), convert::schema(e.schema())))
            .collect(),
        data_source_schemas: core
            .data_sources
            .iter()
            .map(|(k, e)| (k.to_string(), convert::schema(e.schema())))
            .collect(),
        functions: core
            .functions
            .iter()
            .map(|(k, f)| (k.to_string(), convert::function(&f.signature())))
            .collect(),
        ephemeral_resource_schemas: core
            .ephemerals
            .iter()
            .map(|(k, e)| (k.to_string(), convert::schema(e.schema())))
            .collect(),
        action_schemas: core
            .actions
            .iter()
            .map(|(k, e)| {
                (
                    k.to_string(),
                    pb::ActionSchema {
                        schema: Some(convert::schema(e.schema())),
                    },
                )
            })
            .collect(),
        list_resource_schemas: core
            .lists
            .iter()
            .map(|(k, e)| (k.to_string(), convert::schema(e.schema())))
            .collect(),
        server_capabilities: Some(capabilities()),
        ..Default::default()
    }
}

impl<P: Provider> Server<P> {
    pub fn new(provider: P) -> Self {
        let core = Core::new(provider);
        let metadata_response = pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: sorted(core.resources.keys())
                .into_iter()
                .map(|type_name| pb::get_metadata::ResourceMetadata { type_name })
                .collect(),
            data_sources: sorted(core.data_sources.keys())
                .into_iter()
                .map(|type_name| pb::get_metadata::DataSourceMetadata { type_name })
                .collect(),
            functions: sorted(core.functions.keys())
                .into_iter()
                .map(|name| pb::get_metadata::FunctionMetadata { name })
                .collect(),
            ephemeral_resources: sorted(core.ephemerals.keys())
                .into_iter()
                .map(|type_name| pb::get_metadata::EphemeralMetadata { type_name })
                .collect(),
            actions: sorted(core.actions.keys())
                .into_iter()
                .map(|type_name| pb::get_metadata::ActionMetadata { type_name })
                .collect(),
            list_resources: sorted(core.lists.keys())
                .into_iter()
                .map(|type_name| pb::get_metadata::ListResourceMetadata { type_name })
                .collect(),
            ..Default::default()
        };
        Server {
            core: Arc::new(core),
            schema_response: OnceLock::new(),
            metadata_response,
            identity_schemas: OnceLock::new(),
        }
    }

    /// The GetProviderSchema answer, built once on first use.
    fn schema(&self) -> &pb::get_provider_schema::Response {
        self.schema_response
            .get_or_init(|| schema_response(&self.core))
    }

    /// The semantic layer this server adapts.
    pub fn core(&self) -> &Core<P> {
        &self.core
    }

    /// The value type of resource `type_name`.
    fn resource_ty(&self, type_name: &str) -> Result<&Type, Diagnostics> {
        self.core.resource(type_name).map(|e| e.ty())
    }

    /// Encodes a resource's identity value.
    fn identity(&self, type_name: &str, value: Option<Value>) -> Option<pb::ResourceIdentityData> {
        let (_, ty) = self.core.resource(type_name).ok()?.identity()?;
        let enc = convert::encode(&value?, ty).ok()?;
        Some(pb::ResourceIdentityData {
            identity_data: Some(enc),
        })
    }
}

/// Decodes `dv` against the type `ty_of` finds, or gives the diagnostics of either step.
fn decode(
    ty: Result<&Type, Diagnostics>,
    dv: Option<&pb::DynamicValue>,
    what: &str,
) -> Result<Value, Diagnostics> {
    convert::decode(dv, ty?, what)
}

fn diags(d: &Diagnostics) -> Vec<pb::Diagnostic> {
    convert::diagnostics(d)
}

fn timestamp(t: std::time::SystemTime) -> prost_types::Timestamp {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    prost_types::Timestamp {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    }
}

type Res<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl<P: Provider> Grpc for Server<P> {
    async fn get_metadata(
        &self,
        _r: Request<pb::get_metadata::Request>,
    ) -> Res<pb::get_metadata::Response> {
        Ok(Response::new(self.metadata_response.clone()))
    }

    async fn get_provider_schema(
        &self,
        _r: Request<pb::get_provider_schema::Request>,
    ) -> Res<pb::get_provider_schema::Response> {
        Ok(Response::new(self.schema().clone()))
    }

    async fn validate_provider_config(
        &self,
        r: Request<pb::validate_provider_config::Request>,
    ) -> Res<pb::validate_provider_config::Response> {
        let r = r.into_inner();
        let (_, ty) = self.core.provider_schema();
        let d = match convert::decode(r.config.as_ref(), ty, "provider configuration") {
            Ok(config) => self.core.validate_provider_config(&config),
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diags(&d),
        }))
    }

    async fn configure_provider(
        &self,
        r: Request<pb::configure_provider::Request>,
    ) -> Res<pb::configure_provider::Response> {
        let r = r.into_inner();
        let (_, ty) = self.core.provider_schema();
        let d = match convert::decode(r.config.as_ref(), ty, "provider configuration") {
            Ok(config) => {
                let env = ConfigureEnv {
                    terraform_version: r.terraform_version,
                };
                self.core.configure(&config, env).await
            }
            Err(d) => d,
        };
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diags(&d),
        }))
    }

    async fn validate_resource_config(
        &self,
        r: Request<pb::validate_resource_config::Request>,
    ) -> Res<pb::validate_resource_config::Response> {
        let r = r.into_inner();
        let write_only_allowed = r
            .client_capabilities
            .is_some_and(|c| c.write_only_attributes_allowed);
        let d = match decode(
            self.resource_ty(&r.type_name),
            r.config.as_ref(),
            "configuration",
        ) {
            Ok(config) => {
                self.core
                    .validate_resource_config(&r.type_name, &config, write_only_allowed)
            }
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diags(&d),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        r: Request<pb::validate_data_resource_config::Request>,
    ) -> Res<pb::validate_data_resource_config::Response> {
        let r = r.into_inner();
        let ty = self.core.data_source(&r.type_name).map(|e| e.ty());
        let d = match decode(ty, r.config.as_ref(), "configuration") {
            Ok(config) => self
                .core
                .validate_data_resource_config(&r.type_name, &config),
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: diags(&d),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        r: Request<pb::upgrade_resource_state::Request>,
    ) -> Res<pb::upgrade_resource_state::Response> {
        let r = r.into_inner();
        let raw = r.raw_state.map(|s| s.json).unwrap_or_default();
        let result = self
            .core
            .upgrade_resource_state(&r.type_name, r.version, &raw)
            .and_then(|v| convert::encode(&v, self.resource_ty(&r.type_name)?));
        Ok(Response::new(match result {
            Ok(v) => pb::upgrade_resource_state::Response {
                upgraded_state: Some(v),
                diagnostics: Vec::new(),
            },
            Err(d) => pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: diags(&d),
            },
        }))
    }

    async fn read_resource(
        &self,
        r: Request<pb::read_resource::Request>,
    ) -> Res<pb::read_resource::Response> {
        let r = r.into_inner();
        // Whatever goes wrong, Terraform keeps what it sent.
        let mut resp = pb::read_resource::Response {
            new_state: r.current_state.clone(),
            private: r.private.clone(),
            new_identity: r.current_identity.clone(),
            ..Default::default()
        };
        let ty = self.resource_ty(&r.type_name);
        let state = match decode(ty.clone(), r.current_state.as_ref(), "state") {
            Ok(s) => s,
            Err(d) => {
                resp.diagnostics = diags(&d);
                return Ok(Response::new(resp));
            }
        };
        let read = ReadRequest {
            state,
            private: r.private,
        };
        let mut out = self.core.read_resource(&r.type_name, read).await;
        if let (Some(state), Ok(ty)) = (out.state, ty) {
            match convert::encode(&state, ty) {
                Ok(enc) => {
                    resp.new_state = Some(enc);
                    resp.private = out.private;
                    resp.new_identity = self
                        .identity(&r.type_name, out.identity)
                        .or(resp.new_identity);
                }
                Err(d) => out.diags.extend(d),
            }
        }
        resp.diagnostics = diags(&out.diags);
        Ok(Response::new(resp))
    }

    async fn plan_resource_change(
        &self,
        r: Request<pb::plan_resource_change::Request>,
    ) -> Res<pb::plan_resource_change::Response> {
        let r = r.into_inner();
        let result = async {
            let ty = self.resource_ty(&r.type_name)?;
            let prior = convert::decode(r.prior_state.as_ref(), ty, "prior state")?;
            // An update that changes nothing (every resource of a plan with no changes) has
            // a proposed state of the very bytes of the prior one: a copy of the value costs
            // half a decode.
            let proposed =
                if r.proposed_new_state.is_some() && r.proposed_new_state == r.prior_state {
                    prior.clone()
                } else {
                    convert::decode(r.proposed_new_state.as_ref(), ty, "proposed state")?
                };
            let req = PlanRequest {
                prior,
                proposed,
                config: convert::decode(r.config.as_ref(), ty, "configuration")?,
                prior_private: r.prior_private,
            };
            let plan = self.core.plan_resource_change(&r.type_name, req).await?;
            Ok::<_, Diagnostics>(pb::plan_resource_change::Response {
                planned_state: Some(convert::encode(&plan.planned, ty)?),
                requires_replace: plan.requires_replace.iter().map(convert::path).collect(),
                planned_private: plan.private,
                diagnostics: diags(&plan.diags),
                planned_identity: self.identity(&r.type_name, plan.identity),
                ..Default::default()
            })
        }
        .await;
        Ok(Response::new(result.unwrap_or_else(|d| {
            pb::plan_resource_change::Response {
                diagnostics: diags(&d),
                ..Default::default()
            }
        })))
    }

    async fn apply_resource_change(
        &self,
        r: Request<pb::apply_resource_change::Request>,
    ) -> Res<pb::apply_resource_change::Response> {
        let r = r.into_inner();
        // Whatever goes wrong before the new state is known, Terraform keeps the prior one.
        let mut resp = pb::apply_resource_change::Response {
            new_state: r.prior_state.clone(),
            private: r.planned_private.clone(),
            ..Default::default()
        };
        let decoded = (|| {
            let ty = self.resource_ty(&r.type_name)?;
            Ok::<_, Diagnostics>((
                ty,
                ApplyRequest {
                    prior: convert::decode(r.prior_state.as_ref(), ty, "prior state")?,
                    planned: convert::decode(r.planned_state.as_ref(), ty, "planned state")?,
                    config: convert::decode(r.config.as_ref(), ty, "configuration")?,
                    planned_private: r.planned_private.clone(),
                },
            ))
        })();
        let (ty, req) = match decoded {
            Ok(d) => d,
            Err(d) => {
                resp.diagnostics = diags(&d);
                return Ok(Response::new(resp));
            }
        };
        let mut out = self.core.apply_resource_change(&r.type_name, req).await;
        match convert::encode(&out.state, ty) {
            Ok(enc) => {
                resp.new_state = Some(enc);
                resp.private = out.private;
                resp.new_identity = self.identity(&r.type_name, out.identity);
            }
            Err(d) => out.diags.extend(d),
        }
        resp.diagnostics = diags(&out.diags);
        Ok(Response::new(resp))
    }

    async fn import_resource_state(
        &self,
        r: Request<pb::import_resource_state::Request>,
    ) -> Res<pb::import_resource_state::Response> {
        let r = r.into_inner();
        let result = async {
            let e = self.core.resource(&r.type_name)?;
            let req = if !r.id.is_empty() {
                ImportRequest::Id(r.id.clone())
            } else {
                let value = match &e.identity() {
                    Some((_, ty)) => convert::decode(
                        r.identity.as_ref().and_then(|i| i.identity_data.as_ref()),
                        ty,
                        "identity",
                    )?,
                    None => Value::Null,
                };
                ImportRequest::Identity(value)
            };
            let imported = self.core.import_resource_state(&r.type_name, req).await?;
            Ok::<_, Diagnostics>(pb::import_resource_state::ImportedResource {
                type_name: r.type_name.clone(),
                state: Some(convert::encode(&imported.state, e.ty())?),
                private: imported.private,
                identity: self.identity(&r.type_name, imported.identity),
            })
        }
        .await;
        Ok(Response::new(match result {
            Ok(imported) => pb::import_resource_state::Response {
                imported_resources: vec![imported],
                ..Default::default()
            },
            Err(d) => pb::import_resource_state::Response {
                diagnostics: diags(&d),
                ..Default::default()
            },
        }))
    }

    async fn read_data_source(
        &self,
        r: Request<pb::read_data_source::Request>,
    ) -> Res<pb::read_data_source::Response> {
        let r = r.into_inner();
        let result = async {
            let ty = self.core.data_source(&r.type_name)?.ty();
            let config = convert::decode(r.config.as_ref(), ty, "configuration")?;
            let (state, d) = self.core.read_data_source(&r.type_name, &config).await?;
            Ok::<_, Diagnostics>((convert::encode(&state, ty)?, d))
        }
        .await;
        Ok(Response::new(match result {
            Ok((state, d)) => pb::read_data_source::Response {
                state: Some(state),
                diagnostics: diags(&d),
                ..Default::default()
            },
            Err(d) => pb::read_data_source::Response {
                diagnostics: diags(&d),
                ..Default::default()
            },
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        r: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Res<pb::validate_ephemeral_resource_config::Response> {
        let r = r.into_inner();
        let ty = self.core.ephemeral(&r.type_name).map(|e| e.ty());
        let d = match decode(ty, r.config.as_ref(), "configuration") {
            Ok(config) => self
                .core
                .validate_ephemeral_resource_config(&r.type_name, &config),
            Err(d) => d,
        };
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: diags(&d),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        r: Request<pb::open_ephemeral_resource::Request>,
    ) -> Res<pb::open_ephemeral_resource::Response> {
        let r = r.into_inner();
        let result = async {
            let ty = self.core.ephemeral(&r.type_name)?.ty();
            let config = convert::decode(r.config.as_ref(), ty, "configuration")?;
            let opened = self
                .core
                .open_ephemeral_resource(&r.type_name, &config)
                .await?;
            Ok::<_, Diagnostics>(pb::open_ephemeral_resource::Response {
                diagnostics: diags(&opened.diags),
                renew_at: opened.renew_at.map(timestamp),
                result: Some(convert::encode(&opened.result, ty)?),
                private: opened.private,
                deferred: None,
            })
        }
        .await;
        Ok(Response::new(result.unwrap_or_else(|d| {
            pb::open_ephemeral_resource::Response {
                diagnostics: diags(&d),
                ..Default::default()
            }
        })))
    }

    async fn renew_ephemeral_resource(
        &self,
        r: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Res<pb::renew_ephemeral_resource::Response> {
        let r = r.into_inner();
        let renewed = self
            .core
            .renew_ephemeral_resource(&r.type_name, r.private.as_deref())
            .await;
        Ok(Response::new(match renewed {
            Ok((renew_at, private, d)) => pb::renew_ephemeral_resource::Response {
                diagnostics: diags(&d),
                renew_at: renew_at.map(timestamp),
                private,
            },
            Err(d) => pb::renew_ephemeral_resource::Response {
                diagnostics: diags(&d),
                ..Default::default()
            },
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        r: Request<pb::close_ephemeral_resource::Request>,
    ) -> Res<pb::close_ephemeral_resource::Response> {
        let r = r.into_inner();
        let d = self
            .core
            .close_ephemeral_resource(&r.type_name, r.private.as_deref())
            .await;
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: diags(&d),
        }))
    }

    async fn validate_action_config(
        &self,
        r: Request<pb::validate_action_config::Request>,
    ) -> Res<pb::validate_action_config::Response> {
        let r = r.into_inner();
        let ty = self.core.action(&r.type_name).map(|e| e.ty());
        let d = match decode(ty, r.config.as_ref(), "configuration") {
            Ok(config) => self.core.validate_action_config(&r.type_name, &config),
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics: diags(&d),
        }))
    }

    async fn plan_action(
        &self,
        r: Request<pb::plan_action::Request>,
    ) -> Res<pb::plan_action::Response> {
        let r = r.into_inner();
        let ty = self.core.action(&r.action_type).map(|e| e.ty());
        let d = match decode(ty, r.config.as_ref(), "configuration") {
            Ok(config) => self.core.validate_action_config(&r.action_type, &config),
            Err(d) => d,
        };
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: diags(&d),
            deferred: None,
        }))
    }

    async fn invoke_action(
        &self,
        r: Request<pb::invoke_action::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::invoke_action::Event>>, Status> {
        use pb::invoke_action::event::{Completed, Progress, Type as Event};
        let r = r.into_inner();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<pb::invoke_action::Event>();
        let completed = |d: &Diagnostics| pb::invoke_action::Event {
            r#type: Some(Event::Completed(Completed {
                diagnostics: diags(d),
            })),
        };
        let ty = self.core.action(&r.action_type).map(|e| e.ty());
        match decode(ty, r.config.as_ref(), "configuration") {
            Err(d) => {
                let _ = tx.send(completed(&d));
            }
            Ok(config) => {
                let core = self.core.clone();
                tokio::spawn(async move {
                    let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel::<String>();
                    let forward = {
                        let tx = tx.clone();
                        async move {
                            while let Some(message) = prx.recv().await {
                                let _ = tx.send(pb::invoke_action::Event {
                                    r#type: Some(Event::Progress(Progress { message })),
                                });
                            }
                        }
                    };
                    let run = ActionRun { progress: ptx };
                    let invoke = core.invoke_action(&r.action_type, &config, run);
                    let (d, ()) = tokio::join!(invoke, forward);
                    let _ = tx.send(completed(&d));
                });
            }
        }
        let stream = tokio_stream::wrappers::UnboundedReceiverStream::new(rx).map(Ok::<_, Status>);
        Ok(Response::new(Box::pin(stream)))
    }

    async fn validate_list_resource_config(
        &self,
        r: Request<pb::validate_list_resource_config::Request>,
    ) -> Res<pb::validate_list_resource_config::Response> {
        let r = r.into_inner();
        let ty = self.core.list(&r.type_name).map(|e| e.ty());
        let d = match decode(ty, r.config.as_ref(), "configuration") {
            Ok(config) => self
                .core
                .validate_list_resource_config(&r.type_name, &config),
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: diags(&d),
        }))
    }

    async fn list_resource(
        &self,
        r: Request<pb::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
        let r = r.into_inner();
        let events = async {
            let ty = self.core.list(&r.type_name)?.ty();
            let config = convert::decode(r.config.as_ref(), ty, "configuration")?;
            let found = self
                .core
                .list_resource(&r.type_name, &config, r.limit)
                .await?;
            let resource_ty = self.resource_ty(&r.type_name)?;
            found
                .into_iter()
                .map(|item| {
                    let resource_object = if r.include_resource_object {
                        Some(convert::encode(&item.state, resource_ty)?)
                    } else {
                        None
                    };
                    Ok(pb::list_resource::Event {
                        identity: self.identity(&r.type_name, item.identity),
                        display_name: item.display_name,
                        resource_object,
                        diagnostic: Vec::new(),
                    })
                })
                .collect::<Result<Vec<_>, Diagnostics>>()
        }
        .await
        .unwrap_or_else(|d| {
            vec![pb::list_resource::Event {
                diagnostic: diags(&d),
                ..Default::default()
            }]
        });
        let stream = tokio_stream::iter(events.into_iter().map(Ok::<_, Status>));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn generate_resource_config(
        &self,
        r: Request<pb::generate_resource_config::Request>,
    ) -> Res<pb::generate_resource_config::Response> {
        let r = r.into_inner();
        let result = (|| {
            let ty = self.resource_ty(&r.type_name)?;
            let state = convert::decode(r.state.as_ref(), ty, "state")?;
            let config = self.core.generate_resource_config(&r.type_name, &state)?;
            convert::encode(&config, ty)
        })();
        Ok(Response::new(match result {
            Ok(config) => pb::generate_resource_config::Response {
                config: Some(config),
                diagnostics: Vec::new(),
            },
            Err(d) => pb::generate_resource_config::Response {
                config: None,
                diagnostics: diags(&d),
            },
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _r: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Res<pb::get_resource_identity_schemas::Response> {
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas: self
                .identity_schemas
                .get_or_init(|| {
                    self.core
                        .resources
                        .iter()
                        .filter_map(|(k, e)| {
                            e.identity()
                                .map(|(i, _)| (k.to_string(), convert::identity_schema(i)))
                        })
                        .collect()
                })
                .clone(),
            diagnostics: Vec::new(),
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        r: Request<pb::upgrade_resource_identity::Request>,
    ) -> Res<pb::upgrade_resource_identity::Response> {
        let r = r.into_inner();
        let json = r.raw_identity.map(|raw| raw.json).unwrap_or_default();
        let result = self
            .core
            .upgrade_resource_identity(&r.type_name, &json)
            .and_then(|v| {
                let (_, ty) = self
                    .core
                    .resource(&r.type_name)?
                    .identity()
                    .as_ref()
                    .ok_or_else(Diagnostics::new)?;
                convert::encode(&v, ty)
            });
        Ok(Response::new(match result {
            Ok(enc) => pb::upgrade_resource_identity::Response {
                upgraded_identity: Some(pb::ResourceIdentityData {
                    identity_data: Some(enc),
                }),
                diagnostics: Vec::new(),
            },
            Err(d) => pb::upgrade_resource_identity::Response {
                upgraded_identity: None,
                diagnostics: diags(&d),
            },
        }))
    }

    async fn get_functions(
        &self,
        _r: Request<pb::get_functions::Request>,
    ) -> Res<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response {
            functions: self.schema().functions.clone(),
            diagnostics: Vec::new(),
        }))
    }

    async fn call_function(
        &self,
        r: Request<pb::call_function::Request>,
    ) -> Res<pb::call_function::Response> {
        let r = r.into_inner();
        let fail = |text: String, argument: Option<i64>| pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text,
                function_argument: argument,
            }),
        };
        let Some(sig) = self.core.function(&r.name).map(|f| f.signature()) else {
            return Ok(Response::new(fail(
                format!("This provider has no function {:?}.", r.name),
                None,
            )));
        };
        // A wrong count is reported before any argument is decoded (by the semantic layer).
        let mut args = vec![Value::Null; r.arguments.len()];
        if r.arguments.len() == sig.parameters.len() {
            for (i, (dv, p)) in r.arguments.iter().zip(&sig.parameters).enumerate() {
                match convert::decode(Some(dv), &p.ty, "function argument") {
                    Ok(v) => args[i] = v,
                    Err(_) => {
                        return Ok(Response::new(fail(
                            format!("Argument {:?} could not be decoded.", p.name),
                            i64::try_from(i).ok(),
                        )));
                    }
                }
            }
        }
        Ok(Response::new(
            match self.core.call_function(&r.name, &args) {
                Ok(v) => match convert::encode(&v, &sig.return_type) {
                    Ok(enc) => pb::call_function::Response {
                        result: Some(enc),
                        error: None,
                    },
                    Err(_) => fail(
                        "The function produced a value it cannot encode.".into(),
                        None,
                    ),
                },
                Err(err) => fail(err.text, err.argument),
            },
        ))
    }

    async fn stop_provider(
        &self,
        _r: Request<pb::stop_provider::Request>,
    ) -> Res<pb::stop_provider::Response> {
        self.core.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
