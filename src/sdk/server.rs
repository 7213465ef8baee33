//! The tfplugin6 gRPC service: decodes requests, applies the schema's generic rules, dispatches
//! to the provider's traits, and encodes answers. Knows nothing of agent37.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio_stream::StreamExt as _;
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status};

use crate::proto::tfplugin6 as pb;
use pb::provider_server::Provider as Grpc;

use super::convert;
use super::diag::Diagnostics;
use super::path::Path;
use super::plan::{mark_volatile, plan_block};
use super::schema::Schema;
use super::traits::{
    Action, ConfigureEnv, Ctx, DataSource, EphemeralResource, Function, Identity, ListResource,
    Plan, Progress, Provider, Resource,
};
use super::types::Type;
use super::validate::validate_block;
use super::value::Value;
use crate::timing;

/// A registered object with its schema and value type, computed once at start-up.
struct Entry<T: ?Sized> {
    imp: Arc<T>,
    schema: Schema,
    ty: Type,
    /// The identity schema and its value type (resources only).
    identity: Option<(Identity, Type)>,
}

impl<T: ?Sized> Entry<T> {
    fn new(imp: Arc<T>, schema: Schema, identity: Option<Identity>) -> Self {
        let ty = schema.value_type();
        let identity = identity.map(|i| {
            let t = i.value_type();
            (i, t)
        });
        Entry {
            imp,
            schema,
            ty,
            identity,
        }
    }

    /// The identity of `state` as protocol data, when the type has an identity and the state
    /// holds every identity attribute.
    fn identity_data(&self, state: &Value) -> Option<pb::ResourceIdentityData> {
        let (identity, ty) = self.identity.as_ref()?;
        let value = identity.of(state)?;
        let enc = convert::encode(&value, ty).ok()?;
        Some(pb::ResourceIdentityData {
            identity_data: Some(enc),
        })
    }
}

/// Serves a [`Provider`] over tfplugin6.
pub struct Server<P: Provider> {
    provider: Arc<P>,
    provider_schema: Schema,
    provider_ty: Type,
    resources: HashMap<&'static str, Entry<dyn Resource<P::Data>>>,
    data_sources: HashMap<&'static str, Entry<dyn DataSource<P::Data>>>,
    ephemerals: HashMap<&'static str, Entry<dyn EphemeralResource<P::Data>>>,
    actions: HashMap<&'static str, Entry<dyn Action<P::Data>>>,
    lists: HashMap<&'static str, Entry<dyn ListResource<P::Data>>>,
    functions: HashMap<&'static str, Arc<dyn Function>>,
    /// Built once: Terraform may ask for it many times, and it never changes.
    schema_response: pb::get_provider_schema::Response,
    metadata_response: pb::get_metadata::Response,
    identity_schemas: HashMap<String, pb::ResourceIdentitySchema>,
    data: RwLock<Option<Arc<P::Data>>>,
    stop: Mutex<CancellationToken>,
}

fn capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: true,
        move_resource_state: false,
        generate_resource_config: true,
    }
}

impl<P: Provider> Server<P> {
    pub fn new(provider: P) -> Self {
        let provider_schema = provider.schema();
        let provider_ty = provider_schema.value_type();
        let resources: HashMap<_, _> = provider
            .resources()
            .into_iter()
            .map(|r| {
                (
                    r.type_name(),
                    Entry::new(r.clone(), r.schema(), r.identity()),
                )
            })
            .collect();
        let data_sources: HashMap<_, _> = provider
            .data_sources()
            .into_iter()
            .map(|d| (d.type_name(), Entry::new(d.clone(), d.schema(), None)))
            .collect();
        let ephemerals: HashMap<_, _> = provider
            .ephemeral_resources()
            .into_iter()
            .map(|d| (d.type_name(), Entry::new(d.clone(), d.schema(), None)))
            .collect();
        let actions: HashMap<_, _> = provider
            .actions()
            .into_iter()
            .map(|a| (a.type_name(), Entry::new(a.clone(), a.schema(), None)))
            .collect();
        let lists: HashMap<_, _> = provider
            .list_resources()
            .into_iter()
            .map(|l| (l.type_name(), Entry::new(l.clone(), l.schema(), None)))
            .collect();
        let functions: HashMap<_, _> = provider
            .functions()
            .into_iter()
            .map(|f| (f.name(), f))
            .collect();

        let schema_response = pb::get_provider_schema::Response {
            provider: Some(convert::schema(&provider_schema)),
            resource_schemas: resources
                .iter()
                .map(|(k, e)| (k.to_string(), convert::schema(&e.schema)))
                .collect(),
            data_source_schemas: data_sources
                .iter()
                .map(|(k, e)| (k.to_string(), convert::schema(&e.schema)))
                .collect(),
            functions: functions
                .iter()
                .map(|(k, f)| (k.to_string(), convert::function(&f.signature())))
                .collect(),
            ephemeral_resource_schemas: ephemerals
                .iter()
                .map(|(k, e)| (k.to_string(), convert::schema(&e.schema)))
                .collect(),
            action_schemas: actions
                .iter()
                .map(|(k, e)| {
                    (
                        k.to_string(),
                        pb::ActionSchema {
                            schema: Some(convert::schema(&e.schema)),
                        },
                    )
                })
                .collect(),
            list_resource_schemas: lists
                .iter()
                .map(|(k, e)| (k.to_string(), convert::schema(&e.schema)))
                .collect(),
            server_capabilities: Some(capabilities()),
            ..Default::default()
        };
        let names = |it: Vec<&&'static str>| {
            let mut v: Vec<String> = it.into_iter().map(|s| s.to_string()).collect();
            v.sort();
            v
        };
        let metadata_response = pb::get_metadata::Response {
            server_capabilities: Some(capabilities()),
            resources: names(resources.keys().collect())
                .into_iter()
                .map(|type_name| pb::get_metadata::ResourceMetadata { type_name })
                .collect(),
            data_sources: names(data_sources.keys().collect())
                .into_iter()
                .map(|type_name| pb::get_metadata::DataSourceMetadata { type_name })
                .collect(),
            functions: names(functions.keys().collect())
                .into_iter()
                .map(|name| pb::get_metadata::FunctionMetadata { name })
                .collect(),
            ephemeral_resources: names(ephemerals.keys().collect())
                .into_iter()
                .map(|type_name| pb::get_metadata::EphemeralMetadata { type_name })
                .collect(),
            actions: names(actions.keys().collect())
                .into_iter()
                .map(|type_name| pb::get_metadata::ActionMetadata { type_name })
                .collect(),
            list_resources: names(lists.keys().collect())
                .into_iter()
                .map(|type_name| pb::get_metadata::ListResourceMetadata { type_name })
                .collect(),
            ..Default::default()
        };
        let identity_schemas = resources
            .iter()
            .filter_map(|(k, e)| {
                e.identity
                    .as_ref()
                    .map(|(i, _)| (k.to_string(), convert::identity_schema(i)))
            })
            .collect();
        Server {
            identity_schemas,
            provider: Arc::new(provider),
            provider_schema,
            provider_ty,
            resources,
            data_sources,
            ephemerals,
            actions,
            lists,
            functions,
            schema_response,
            metadata_response,
            data: RwLock::new(None),
            stop: Mutex::new(CancellationToken::new()),
        }
    }

    fn ctx(&self) -> Ctx<P::Data> {
        let cancel = match self.stop.lock() {
            Ok(t) => t.child_token(),
            Err(poisoned) => poisoned.into_inner().child_token(),
        };
        let data = match self.data.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        Ctx { cancel, data }
    }

    fn resource(&self, type_name: &str) -> Result<&Entry<dyn Resource<P::Data>>, Diagnostics> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    fn ephemeral(
        &self,
        type_name: &str,
    ) -> Result<&Entry<dyn EphemeralResource<P::Data>>, Diagnostics> {
        self.ephemerals
            .get(type_name)
            .ok_or_else(|| unknown_type("ephemeral resource", type_name))
    }

    fn action(&self, type_name: &str) -> Result<&Entry<dyn Action<P::Data>>, Diagnostics> {
        self.actions
            .get(type_name)
            .ok_or_else(|| unknown_type("action", type_name))
    }

    fn list(&self, type_name: &str) -> Result<&Entry<dyn ListResource<P::Data>>, Diagnostics> {
        self.lists
            .get(type_name)
            .ok_or_else(|| unknown_type("list resource", type_name))
    }

    /// Decodes and validates a configuration against an entry's schema and its own checks.
    fn validate_config<T: ?Sized>(
        e: &Entry<T>,
        config: Option<&pb::DynamicValue>,
        extra: impl FnOnce(&Value, &mut Diagnostics),
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        match convert::decode(config, &e.ty, "configuration") {
            Ok(v) => {
                validate_block(&e.schema.block, &v, &Path::root(), &mut diags);
                extra(&v, &mut diags);
            }
            Err(d) => diags.extend(d),
        }
        diags
    }

    fn data_source(&self, type_name: &str) -> Result<&Entry<dyn DataSource<P::Data>>, Diagnostics> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }
}

fn unknown_type(kind: &str, type_name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type {type_name:?}."),
    );
    d
}

/// The import id an `import { identity = {…} }` block stands for: the value of the identity's
/// first attribute.
fn import_id_from_identity<T: ?Sized>(
    e: &Entry<T>,
    data: Option<&pb::ResourceIdentityData>,
) -> Result<String, Diagnostics> {
    let mut d = Diagnostics::new();
    let Some((identity, ty)) = &e.identity else {
        d.error(
            "Import by identity not supported",
            "This resource type has no identity; import it by id.",
        );
        return Err(d);
    };
    let value = convert::decode(data.and_then(|i| i.identity_data.as_ref()), ty, "identity")?;
    let first = identity
        .attributes
        .first()
        .map(|a| a.name)
        .unwrap_or_default();
    match value.attr(first).and_then(Value::as_str) {
        Some(s) if !s.is_empty() => Ok(s.to_string()),
        _ => {
            d.attr_error(
                Path::attr(first),
                "Missing identity attribute",
                format!("The import identity must set {first}."),
            );
            Err(d)
        }
    }
}

fn timestamp(t: std::time::SystemTime) -> prost_types::Timestamp {
    let d = t.duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    prost_types::Timestamp {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    }
}

/// One debug line per read or apply: the handler's wall time, the part of it spent waiting on
/// the API, and the rest (the provider's own time, what `cargo xtask bench` reports).
fn log_timing(rpc: &'static str, type_name: &str, started: Instant, api: Duration) {
    let handler = started.elapsed();
    let us = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
    tracing::debug!(
        type_name,
        handler_us = us(handler),
        api_us = us(api),
        own_us = us(handler.saturating_sub(api)),
        "{rpc}"
    );
}

/// Checks that an applied or read state holds no unknown value, which Terraform rejects.
fn ensure_known(state: &Value, diags: &mut Diagnostics, what: &str) {
    if !state.is_fully_known() {
        diags.error(
            "Provider returned an unknown value",
            format!("This is a bug in the provider: the {what} still holds an unknown value."),
        );
    }
}

/// Builds a response from a closure that collects diagnostics; a closure that fails early
/// returns its diagnostics in the same slot.
macro_rules! try_diags {
    ($diags:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(d) => {
                $diags.extend(d);
                return Err($diags);
            }
        }
    };
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
        Ok(Response::new(self.schema_response.clone()))
    }

    async fn validate_provider_config(
        &self,
        r: Request<pb::validate_provider_config::Request>,
    ) -> Res<pb::validate_provider_config::Response> {
        let r = r.into_inner();
        let run = || -> Result<Diagnostics, Diagnostics> {
            let mut diags = Diagnostics::new();
            let config = try_diags!(
                diags,
                convert::decode(
                    r.config.as_ref(),
                    &self.provider_ty,
                    "provider configuration"
                )
            );
            validate_block(
                &self.provider_schema.block,
                &config,
                &Path::root(),
                &mut diags,
            );
            self.provider.validate(&config, &mut diags);
            Ok(diags)
        };
        let diags = run().unwrap_or_else(|d| d);
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn configure_provider(
        &self,
        r: Request<pb::configure_provider::Request>,
    ) -> Res<pb::configure_provider::Response> {
        let r = r.into_inner();
        let mut diags = Diagnostics::new();
        match convert::decode(
            r.config.as_ref(),
            &self.provider_ty,
            "provider configuration",
        ) {
            Ok(config) => {
                let env = ConfigureEnv {
                    terraform_version: r.terraform_version,
                };
                if let Some(data) = self.provider.configure(&config, &env, &mut diags).await
                    && let Ok(mut slot) = self.data.write()
                {
                    *slot = Some(Arc::new(data));
                }
            }
            Err(d) => diags.extend(d),
        }
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn validate_resource_config(
        &self,
        r: Request<pb::validate_resource_config::Request>,
    ) -> Res<pb::validate_resource_config::Response> {
        let r = r.into_inner();
        let diags = match self.resource(&r.type_name) {
            Ok(e) => Self::validate_config(e, r.config.as_ref(), |v, d| e.imp.validate(v, d)),
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        r: Request<pb::validate_data_resource_config::Request>,
    ) -> Res<pb::validate_data_resource_config::Response> {
        let r = r.into_inner();
        let diags = match self.data_source(&r.type_name) {
            Ok(e) => Self::validate_config(e, r.config.as_ref(), |v, d| e.imp.validate(v, d)),
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        r: Request<pb::upgrade_resource_state::Request>,
    ) -> Res<pb::upgrade_resource_state::Response> {
        let r = r.into_inner();
        let run = || -> Result<pb::DynamicValue, Diagnostics> {
            let mut diags = Diagnostics::new();
            let e = try_diags!(diags, self.resource(&r.type_name));
            let raw = r.raw_state.map(|s| s.json).unwrap_or_default();
            if raw.is_empty() {
                return convert::encode(&Value::Null, &e.ty);
            }
            let parsed: serde_json::Value = match serde_json::from_slice(&raw) {
                Ok(v) => v,
                Err(err) => {
                    diags.error(
                        "Invalid stored state",
                        format!("The stored state is not valid JSON: {err}."),
                    );
                    return Err(diags);
                }
            };
            let serde_json::Value::Object(obj) = parsed else {
                diags.error(
                    "Invalid stored state",
                    "The stored state is not a JSON object.",
                );
                return Err(diags);
            };
            let upgraded = match e.imp.upgrade_state(r.version, obj) {
                Ok(o) => o,
                Err(msg) => {
                    diags.error(
                        "Unable to upgrade stored state",
                        format!(
                            "State written by schema version {} could not be upgraded: {msg}",
                            r.version
                        ),
                    );
                    return Err(diags);
                }
            };
            // Attributes that the current schema no longer has are dropped, so removing an
            // attribute never breaks old state.
            let known: Vec<&str> = e
                .schema
                .block
                .attributes
                .iter()
                .map(|a| a.name.as_str())
                .chain(e.schema.block.blocks.iter().map(|b| b.name.as_str()))
                .collect();
            let filtered: serde_json::Map<_, _> = upgraded
                .into_iter()
                .filter(|(k, _)| known.contains(&k.as_str()))
                .collect();
            let bytes =
                serde_json::to_vec(&serde_json::Value::Object(filtered)).unwrap_or_default();
            let value = try_diags!(
                diags,
                convert::decode(
                    Some(&pb::DynamicValue {
                        msgpack: Vec::new(),
                        json: bytes
                    }),
                    &e.ty,
                    "stored state"
                )
            );
            convert::encode(&value, &e.ty)
        };
        Ok(Response::new(match run() {
            Ok(v) => pb::upgrade_resource_state::Response {
                upgraded_state: Some(v),
                diagnostics: Vec::new(),
            },
            Err(d) => pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: convert::diagnostics(&d),
            },
        }))
    }

    async fn read_resource(
        &self,
        r: Request<pb::read_resource::Request>,
    ) -> Res<pb::read_resource::Response> {
        let r = r.into_inner();
        let started = Instant::now();
        let mut resp = pb::read_resource::Response {
            private: r.private.clone(),
            new_state: r.current_state.clone(),
            new_identity: r.current_identity.clone(),
            ..Default::default()
        };
        let mut diags = Diagnostics::new();
        let (outcome, api) = timing::scope(async {
            let e = self.resource(&r.type_name)?;
            let state = convert::decode(r.current_state.as_ref(), &e.ty, "state")?;
            if state.is_null() {
                return Ok(None);
            }
            let out = e.imp.read(&self.ctx(), &state, &r.private).await;
            let mut d = out.diags;
            let new_state = out.state.unwrap_or(Value::Null);
            ensure_known(&new_state, &mut d, "refreshed state");
            let enc = if d.has_errors() {
                None
            } else {
                Some((
                    convert::encode(&new_state, &e.ty)?,
                    e.identity_data(&new_state),
                ))
            };
            Ok::<_, Diagnostics>(Some((enc, out.private, d)))
        })
        .await;
        match outcome {
            Ok(Some((enc, private, d))) => {
                if let Some((enc, identity)) = enc {
                    resp.new_state = Some(enc);
                    resp.private = private;
                    resp.new_identity = identity.or(resp.new_identity);
                }
                diags.extend(d);
            }
            Ok(None) => {}
            Err(d) => diags.extend(d),
        }
        log_timing("ReadResource", &r.type_name, started, api);
        resp.diagnostics = convert::diagnostics(&diags);
        Ok(Response::new(resp))
    }

    async fn plan_resource_change(
        &self,
        r: Request<pb::plan_resource_change::Request>,
    ) -> Res<pb::plan_resource_change::Response> {
        let r = r.into_inner();
        let result = async {
            let e = self.resource(&r.type_name)?;
            let prior = convert::decode(r.prior_state.as_ref(), &e.ty, "prior state")?;
            let proposed = convert::decode(r.proposed_new_state.as_ref(), &e.ty, "proposed state")?;
            let config = convert::decode(r.config.as_ref(), &e.ty, "configuration")?;
            if proposed.is_null() {
                // Destroy: nothing to plan but the null.
                return Ok((
                    convert::encode(&Value::Null, &e.ty)?,
                    Vec::new(),
                    r.prior_private.clone(),
                    Diagnostics::new(),
                    None,
                ));
            }
            let (planned, requires_replace) =
                plan_block(&e.schema.block, &prior, &proposed, &config);
            let mut plan = Plan {
                schema: &e.schema,
                prior: &prior,
                config: &config,
                planned,
                prior_private: &r.prior_private,
                private: r.prior_private.clone(),
                requires_replace,
                diags: Diagnostics::new(),
            };
            e.imp.plan(&self.ctx(), &mut plan).await;
            let Plan {
                mut planned,
                requires_replace,
                private,
                diags,
                ..
            } = plan;
            mark_volatile(&e.schema.block, &prior, &mut planned);
            let enc = convert::encode(&planned, &e.ty)?;
            // Known once the object exists; a create's identity is only known after apply.
            let identity = e.identity_data(&planned);
            Ok::<_, Diagnostics>((
                enc,
                requires_replace.iter().map(convert::path).collect(),
                private,
                diags,
                identity,
            ))
        }
        .await;
        Ok(Response::new(match result {
            Ok((planned, replace, private, diags, identity)) => {
                pb::plan_resource_change::Response {
                    planned_state: Some(planned),
                    requires_replace: replace,
                    planned_private: private,
                    diagnostics: convert::diagnostics(&diags),
                    planned_identity: identity,
                    ..Default::default()
                }
            }
            Err(d) => pb::plan_resource_change::Response {
                diagnostics: convert::diagnostics(&d),
                ..Default::default()
            },
        }))
    }

    async fn apply_resource_change(
        &self,
        r: Request<pb::apply_resource_change::Request>,
    ) -> Res<pb::apply_resource_change::Response> {
        let r = r.into_inner();
        let started = Instant::now();
        let mut resp = pb::apply_resource_change::Response {
            new_state: r.prior_state.clone(),
            private: r.planned_private.clone(),
            ..Default::default()
        };
        let (result, api) = timing::scope(async {
            let e = self.resource(&r.type_name)?;
            let prior = convert::decode(r.prior_state.as_ref(), &e.ty, "prior state")?;
            let planned = convert::decode(r.planned_state.as_ref(), &e.ty, "planned state")?;
            let config = convert::decode(r.config.as_ref(), &e.ty, "configuration")?;
            let ctx = self.ctx();
            let (state, private, mut diags) = if planned.is_null() {
                let d = e.imp.delete(&ctx, &prior, &r.planned_private).await;
                // A failed delete keeps the prior state so nothing is forgotten.
                let state = if d.has_errors() {
                    prior.clone()
                } else {
                    Value::Null
                };
                (state, r.planned_private.clone(), d)
            } else if prior.is_null() {
                let a = e.imp.create(&ctx, &planned, &config).await;
                (a.state, a.private, a.diags)
            } else {
                let a = e
                    .imp
                    .update(&ctx, &prior, &planned, &config, &r.planned_private)
                    .await;
                (a.state, a.private, a.diags)
            };
            ensure_known(&state, &mut diags, "new state");
            let enc = if state.is_fully_known() {
                Some((convert::encode(&state, &e.ty)?, e.identity_data(&state)))
            } else {
                None
            };
            Ok::<_, Diagnostics>((enc, private, diags))
        })
        .await;
        let diags = match result {
            Ok((enc, private, diags)) => {
                if let Some((enc, identity)) = enc {
                    resp.new_state = Some(enc);
                    resp.private = private;
                    resp.new_identity = identity;
                }
                diags
            }
            Err(d) => d,
        };
        log_timing("ApplyResourceChange", &r.type_name, started, api);
        resp.diagnostics = convert::diagnostics(&diags);
        Ok(Response::new(resp))
    }

    async fn import_resource_state(
        &self,
        r: Request<pb::import_resource_state::Request>,
    ) -> Res<pb::import_resource_state::Response> {
        let r = r.into_inner();
        let result = async {
            let e = self.resource(&r.type_name)?;
            let id = if r.id.is_empty() {
                import_id_from_identity(e, r.identity.as_ref())?
            } else {
                r.id.clone()
            };
            let (state, private) = e.imp.import(&self.ctx(), &id).await?;
            Ok::<_, Diagnostics>(pb::import_resource_state::ImportedResource {
                type_name: r.type_name.clone(),
                state: Some(convert::encode(&state, &e.ty)?),
                private,
                identity: e.identity_data(&state),
            })
        }
        .await;
        Ok(Response::new(match result {
            Ok(imported) => pb::import_resource_state::Response {
                imported_resources: vec![imported],
                ..Default::default()
            },
            Err(d) => pb::import_resource_state::Response {
                diagnostics: convert::diagnostics(&d),
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
            let e = self.data_source(&r.type_name)?;
            let config = convert::decode(r.config.as_ref(), &e.ty, "configuration")?;
            let (state, mut diags) = e.imp.read(&self.ctx(), &config).await;
            if diags.has_errors() {
                return Err(diags);
            }
            ensure_known(&state, &mut diags, "data source result");
            let enc = if state.is_fully_known() {
                Some(convert::encode(&state, &e.ty)?)
            } else {
                None
            };
            Ok::<_, Diagnostics>((enc, diags))
        }
        .await;
        Ok(Response::new(match result {
            Ok((state, diags)) => pb::read_data_source::Response {
                state,
                diagnostics: convert::diagnostics(&diags),
                ..Default::default()
            },
            Err(d) => pb::read_data_source::Response {
                diagnostics: convert::diagnostics(&d),
                ..Default::default()
            },
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        r: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Res<pb::validate_ephemeral_resource_config::Response> {
        let r = r.into_inner();
        let diags = match self.ephemeral(&r.type_name) {
            Ok(e) => Self::validate_config(e, r.config.as_ref(), |v, d| e.imp.validate(v, d)),
            Err(d) => d,
        };
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: convert::diagnostics(&diags),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        r: Request<pb::open_ephemeral_resource::Request>,
    ) -> Res<pb::open_ephemeral_resource::Response> {
        let r = r.into_inner();
        let result = async {
            let e = self.ephemeral(&r.type_name)?;
            let config = convert::decode(r.config.as_ref(), &e.ty, "configuration")?;
            let opened = e.imp.open(&self.ctx(), &config).await;
            if opened.diags.has_errors() {
                return Err(opened.diags);
            }
            let mut diags = opened.diags;
            ensure_known(&opened.result, &mut diags, "ephemeral result");
            if diags.has_errors() {
                return Err(diags);
            }
            Ok::<_, Diagnostics>(pb::open_ephemeral_resource::Response {
                diagnostics: convert::diagnostics(&diags),
                renew_at: opened.renew_at.map(timestamp),
                result: Some(convert::encode(&opened.result, &e.ty)?),
                private: opened.private,
                deferred: None,
            })
        }
        .await;
        Ok(Response::new(result.unwrap_or_else(|d| {
            pb::open_ephemeral_resource::Response {
                diagnostics: convert::diagnostics(&d),
                ..Default::default()
            }
        })))
    }

    async fn renew_ephemeral_resource(
        &self,
        r: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Res<pb::renew_ephemeral_resource::Response> {
        let r = r.into_inner();
        Ok(Response::new(match self.ephemeral(&r.type_name) {
            Ok(e) => {
                let (renew_at, private, diags) =
                    e.imp.renew(&self.ctx(), r.private.as_deref()).await;
                pb::renew_ephemeral_resource::Response {
                    diagnostics: convert::diagnostics(&diags),
                    renew_at: renew_at.map(timestamp),
                    private,
                }
            }
            Err(d) => pb::renew_ephemeral_resource::Response {
                diagnostics: convert::diagnostics(&d),
                ..Default::default()
            },
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        r: Request<pb::close_ephemeral_resource::Request>,
    ) -> Res<pb::close_ephemeral_resource::Response> {
        let r = r.into_inner();
        let diags = match self.ephemeral(&r.type_name) {
            Ok(e) => e.imp.close(&self.ctx(), r.private.as_deref()).await,
            Err(d) => d,
        };
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn validate_action_config(
        &self,
        r: Request<pb::validate_action_config::Request>,
    ) -> Res<pb::validate_action_config::Response> {
        let r = r.into_inner();
        let diags = match self.action(&r.type_name) {
            Ok(e) => Self::validate_config(e, r.config.as_ref(), |v, d| e.imp.validate(v, d)),
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn plan_action(
        &self,
        r: Request<pb::plan_action::Request>,
    ) -> Res<pb::plan_action::Response> {
        let r = r.into_inner();
        // Actions change nothing Terraform tracks: planning only checks the configuration.
        let diags = match self.action(&r.action_type) {
            Ok(e) => Self::validate_config(e, r.config.as_ref(), |v, d| e.imp.validate(v, d)),
            Err(d) => d,
        };
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: convert::diagnostics(&diags),
            deferred: None,
        }))
    }

    async fn invoke_action(
        &self,
        r: Request<pb::invoke_action::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::invoke_action::Event>>, Status> {
        use pb::invoke_action::event::{Completed, Progress as ProgressEvent, Type};
        let r = r.into_inner();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<pb::invoke_action::Event>();
        let completed = |diags: &Diagnostics| pb::invoke_action::Event {
            r#type: Some(Type::Completed(Completed {
                diagnostics: convert::diagnostics(diags),
            })),
        };
        match self.action(&r.action_type).and_then(|e| {
            convert::decode(r.config.as_ref(), &e.ty, "configuration").map(|c| (e, c))
        }) {
            Err(d) => {
                let _ = tx.send(completed(&d));
            }
            Ok((e, config)) => {
                let imp = e.imp.clone();
                let ctx = self.ctx();
                tokio::spawn(async move {
                    let (ptx, mut prx) = tokio::sync::mpsc::unbounded_channel::<String>();
                    let progress = Progress::new(ptx);
                    let forward = {
                        let tx = tx.clone();
                        async move {
                            while let Some(message) = prx.recv().await {
                                let _ = tx.send(pb::invoke_action::Event {
                                    r#type: Some(Type::Progress(ProgressEvent { message })),
                                });
                            }
                        }
                    };
                    let run = async move { imp.invoke(&ctx, &config, &progress).await };
                    // Progress is forwarded while the action runs; the channel closes with it.
                    let (diags, ()) = tokio::join!(run, forward);
                    let _ = tx.send(completed(&diags));
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
        let diags = match self.list(&r.type_name) {
            Ok(e) => Self::validate_config(e, r.config.as_ref(), |v, d| e.imp.validate(v, d)),
            Err(d) => d,
        };
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: convert::diagnostics(&diags),
        }))
    }

    async fn list_resource(
        &self,
        r: Request<pb::list_resource::Request>,
    ) -> Result<Response<tonic::codegen::BoxStream<pb::list_resource::Event>>, Status> {
        let r = r.into_inner();
        let failed = |d: &Diagnostics| pb::list_resource::Event {
            diagnostic: convert::diagnostics(d),
            ..Default::default()
        };
        let events: Vec<pb::list_resource::Event> = match async {
            let e = self.list(&r.type_name)?;
            let res = self.resource(&r.type_name)?;
            let config = convert::decode(r.config.as_ref(), &e.ty, "configuration")?;
            let found = e.imp.list(&self.ctx(), &config).await?;
            let limit = usize::try_from(r.limit).ok().filter(|l| *l > 0);
            let mut out = Vec::with_capacity(found.len());
            for item in found.into_iter().take(limit.unwrap_or(usize::MAX)) {
                let resource_object = if r.include_resource_object {
                    Some(convert::encode(&item.state, &res.ty)?)
                } else {
                    None
                };
                out.push(pb::list_resource::Event {
                    identity: res.identity_data(&item.state),
                    display_name: item.display_name,
                    resource_object,
                    diagnostic: Vec::new(),
                });
            }
            Ok::<_, Diagnostics>(out)
        }
        .await
        {
            Ok(events) => events,
            Err(d) => vec![failed(&d)],
        };
        let stream = tokio_stream::iter(events.into_iter().map(Ok::<_, Status>));
        Ok(Response::new(Box::pin(stream)))
    }

    async fn generate_resource_config(
        &self,
        r: Request<pb::generate_resource_config::Request>,
    ) -> Res<pb::generate_resource_config::Response> {
        let r = r.into_inner();
        let result = (|| {
            let e = self.resource(&r.type_name)?;
            let state = convert::decode(r.state.as_ref(), &e.ty, "state")?;
            let config = e.imp.generate_config(&e.schema, &state);
            convert::encode(&config, &e.ty)
        })();
        Ok(Response::new(match result {
            Ok(config) => pb::generate_resource_config::Response {
                config: Some(config),
                diagnostics: Vec::new(),
            },
            Err(d) => pb::generate_resource_config::Response {
                config: None,
                diagnostics: convert::diagnostics(&d),
            },
        }))
    }

    async fn get_resource_identity_schemas(
        &self,
        _r: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Res<pb::get_resource_identity_schemas::Response> {
        Ok(Response::new(pb::get_resource_identity_schemas::Response {
            identity_schemas: self.identity_schemas.clone(),
            diagnostics: Vec::new(),
        }))
    }

    async fn upgrade_resource_identity(
        &self,
        r: Request<pb::upgrade_resource_identity::Request>,
    ) -> Res<pb::upgrade_resource_identity::Response> {
        let r = r.into_inner();
        let result = (|| {
            let e = self.resource(&r.type_name)?;
            let Some((_, ty)) = &e.identity else {
                return Err(unknown_type("resource identity", &r.type_name));
            };
            // Every identity so far is version 0: stored JSON decodes as it is.
            let json = r.raw_identity.map(|raw| raw.json).unwrap_or_default();
            let value = convert::decode(
                Some(&pb::DynamicValue {
                    msgpack: Vec::new(),
                    json,
                }),
                ty,
                "stored identity",
            )?;
            convert::encode(&value, ty)
        })();
        Ok(Response::new(match result {
            Ok(enc) => pb::upgrade_resource_identity::Response {
                upgraded_identity: Some(pb::ResourceIdentityData {
                    identity_data: Some(enc),
                }),
                diagnostics: Vec::new(),
            },
            Err(d) => pb::upgrade_resource_identity::Response {
                upgraded_identity: None,
                diagnostics: convert::diagnostics(&d),
            },
        }))
    }

    async fn get_functions(
        &self,
        _r: Request<pb::get_functions::Request>,
    ) -> Res<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response {
            functions: self.schema_response.functions.clone(),
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
        let Some(f) = self.functions.get(r.name.as_str()) else {
            return Ok(Response::new(fail(
                format!("This provider has no function {:?}.", r.name),
                None,
            )));
        };
        let sig = f.signature();
        if r.arguments.len() != sig.parameters.len() {
            return Ok(Response::new(fail(
                format!(
                    "{} takes {} argument(s), got {}.",
                    r.name,
                    sig.parameters.len(),
                    r.arguments.len()
                ),
                None,
            )));
        }
        let mut args = Vec::with_capacity(r.arguments.len());
        for (i, (dv, p)) in r.arguments.iter().zip(&sig.parameters).enumerate() {
            match convert::decode(Some(dv), &p.ty, "function argument") {
                Ok(v) => args.push(v),
                Err(_) => {
                    return Ok(Response::new(fail(
                        format!("Argument {:?} could not be decoded.", p.name),
                        i64::try_from(i).ok(),
                    )));
                }
            }
        }
        Ok(Response::new(match f.call(&args) {
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
        }))
    }

    async fn stop_provider(
        &self,
        _r: Request<pb::stop_provider::Request>,
    ) -> Res<pb::stop_provider::Response> {
        // Cancel everything in flight, then arm a fresh token so calls Terraform still makes
        // (it may refresh or persist state after an interrupt) are not born cancelled.
        let mut guard = match self.stop.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.cancel();
        *guard = CancellationToken::new();
        tracing::info!("StopProvider: in-flight operations cancelled");
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
