//! The semantic layer of the tfplugin6 server, on SDK values: what each RPC means for a
//! provider built on [`super::traits`], without protobuf (the tonic adapter in
//! [`super::server`] only decodes, calls in here, and encodes). Unit-tested in process against
//! the test provider, the way terraform-plugin-framework tests its `fwserver`.
//!
//! - `mod.rs`: the registry (every object's schema and value type, built once on first use),
//!   the provider's configured data, StopProvider, and the provider-level RPCs.
//! - `resource`: validate, upgrade, read, plan, apply, import, identity, generated config.
//! - `others`: data sources, ephemeral resources, actions, list resources, functions.

mod others;
mod resource;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::path::Path;
use super::schema::Schema;
use super::traits::{
    ConfigureEnv, Ctx, DynAction as Action, DynDataSource as DataSource,
    DynEphemeralResource as EphemeralResource, DynListResource as ListResource,
    DynResource as Resource, Function, Identity, Provider,
};
use super::types::Type;
use super::validate::validate_block;
use super::value::Value;

pub use others::{ActionRun, Listing, OpenedResult};
pub use resource::{
    ApplyRequest, ApplyResponse, ImportRequest, Imported, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, upgrade_stored_state,
};

/// A registered object; its schema and value type are built on first use, once. A provider
/// process usually serves one or two types (a plan of instances needs only
/// `agent37_instance`), and building every schema at start cost more than all of its
/// per-call work at 100 resources; GetProviderSchema builds them all when Terraform asks.
pub struct Entry<T: ?Sized> {
    pub(crate) imp: Arc<T>,
    describe: fn(&T) -> (Schema, Option<Identity>),
    built: OnceLock<Built>,
}

struct Built {
    schema: Schema,
    /// The type of the object's values (configuration, state).
    ty: Type,
    /// The identity schema and its value type (resources only).
    identity: Option<(Identity, Type)>,
}

impl<T: ?Sized> Entry<T> {
    fn new(imp: Arc<T>, describe: fn(&T) -> (Schema, Option<Identity>)) -> Self {
        Entry {
            imp,
            describe,
            built: OnceLock::new(),
        }
    }

    fn built(&self) -> &Built {
        self.built.get_or_init(|| {
            let (mut schema, identity) = (self.describe)(&self.imp);
            schema.block.sort_by_name();
            let ty = schema.value_type();
            let identity = identity.map(|i| {
                let t = i.value_type();
                (i, t)
            });
            Built {
                schema,
                ty,
                identity,
            }
        })
    }

    pub fn schema(&self) -> &Schema {
        &self.built().schema
    }

    /// The type of the object's values (configuration, state).
    pub fn ty(&self) -> &Type {
        &self.built().ty
    }

    /// The identity schema and its value type (resources only).
    pub fn identity(&self) -> Option<&(Identity, Type)> {
        self.built().identity.as_ref()
    }

    /// The identity of `state`, when the type has an identity and the state holds every
    /// identity attribute.
    pub fn identity_of(&self, state: &Value) -> Option<Value> {
        self.identity()?.0.of(state)
    }

    /// Decodes-side checks of a configuration: the schema's validators, then the object's own.
    fn validate(
        &self,
        config: &Value,
        extra: impl FnOnce(&Value, &mut Diagnostics),
    ) -> Diagnostics {
        let mut diags = Diagnostics::new();
        validate_block(&self.schema().block, config, &Path::root(), &mut diags);
        // Terraform warns only where a deprecated attribute is referenced; setting one is the
        // provider's to report, on the attribute, with what to use instead.
        for (path, message) in self.schema().block.deprecated_set(config) {
            diags.attr_warning(
                path.clone(),
                "Deprecated attribute",
                format!("{path} is deprecated. {message}"),
            );
        }
        extra(config, &mut diags);
        diags
    }
}

fn registry<T: ?Sized>(
    items: Vec<Arc<T>>,
    name: fn(&T) -> &'static str,
    describe: fn(&T) -> (Schema, Option<Identity>),
) -> HashMap<&'static str, Entry<T>> {
    items
        .into_iter()
        .map(|imp| (name(&imp), Entry::new(imp, describe)))
        .collect()
}

/// The semantic layer: a [`Provider`]'s objects and the rules every RPC follows.
pub struct Core<P: Provider> {
    provider: Arc<P>,
    pub(crate) provider_schema: Schema,
    pub(crate) provider_ty: Type,
    pub(crate) resources: HashMap<&'static str, Entry<dyn Resource<P::Data>>>,
    pub(crate) data_sources: HashMap<&'static str, Entry<dyn DataSource<P::Data>>>,
    pub(crate) ephemerals: HashMap<&'static str, Entry<dyn EphemeralResource<P::Data>>>,
    pub(crate) actions: HashMap<&'static str, Entry<dyn Action<P::Data>>>,
    pub(crate) lists: HashMap<&'static str, Entry<dyn ListResource<P::Data>>>,
    pub(crate) functions: HashMap<&'static str, Arc<dyn Function>>,
    data: RwLock<Option<Arc<P::Data>>>,
    stop: Mutex<CancellationToken>,
}

impl<P: Provider> Core<P> {
    pub fn new(provider: P) -> Self {
        let mut provider_schema = provider.schema();
        provider_schema.block.sort_by_name();
        let provider_ty = provider_schema.value_type();
        Core {
            resources: registry(
                provider.resources(),
                |r| r.type_name(),
                |r| (r.schema(), r.identity()),
            ),
            data_sources: registry(
                provider.data_sources(),
                |d| d.type_name(),
                |d| (d.schema(), None),
            ),
            ephemerals: registry(
                provider.ephemeral_resources(),
                |e| e.type_name(),
                |e| (e.schema(), None),
            ),
            actions: registry(
                provider.actions(),
                |a| a.type_name(),
                |a| (a.schema(), None),
            ),
            lists: registry(
                provider.list_resources(),
                |l| l.type_name(),
                |l| (l.schema(), None),
            ),
            functions: provider
                .functions()
                .into_iter()
                .map(|f| (f.name(), f))
                .collect(),
            provider: Arc::new(provider),
            provider_schema,
            provider_ty,
            data: RwLock::new(None),
            stop: Mutex::new(CancellationToken::new()),
        }
    }

    /// What every handler receives, made here and nowhere else: the configured data, the
    /// operation's `deadline`, and a cancellation token that StopProvider trips. Before
    /// ConfigureProvider succeeded there is no context, only a diagnostic saying so.
    pub(crate) fn ctx(&self, deadline: Duration) -> Result<Ctx<P::Data>, Diagnostics> {
        let cancel = match self.stop.lock() {
            Ok(t) => t.child_token(),
            Err(poisoned) => poisoned.into_inner().child_token(),
        };
        let data = match self.data.read() {
            Ok(d) => d.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        match data {
            Some(data) => Ok(Ctx::new(data, cancel, deadline)),
            None => {
                let mut diags = Diagnostics::new();
                diags.error(
                    "Provider not configured",
                    "The provider was used before ConfigureProvider succeeded.",
                );
                Err(diags)
            }
        }
    }

    /// The provider block's schema and value type.
    pub fn provider_schema(&self) -> (&Schema, &Type) {
        (&self.provider_schema, &self.provider_ty)
    }

    pub fn resource(&self, type_name: &str) -> Result<&Entry<dyn Resource<P::Data>>, Diagnostics> {
        self.resources
            .get(type_name)
            .ok_or_else(|| unknown_type("resource", type_name))
    }

    pub fn data_source(
        &self,
        type_name: &str,
    ) -> Result<&Entry<dyn DataSource<P::Data>>, Diagnostics> {
        self.data_sources
            .get(type_name)
            .ok_or_else(|| unknown_type("data source", type_name))
    }

    pub fn ephemeral(
        &self,
        type_name: &str,
    ) -> Result<&Entry<dyn EphemeralResource<P::Data>>, Diagnostics> {
        self.ephemerals
            .get(type_name)
            .ok_or_else(|| unknown_type("ephemeral resource", type_name))
    }

    pub fn action(&self, type_name: &str) -> Result<&Entry<dyn Action<P::Data>>, Diagnostics> {
        self.actions
            .get(type_name)
            .ok_or_else(|| unknown_type("action", type_name))
    }

    pub fn list(&self, type_name: &str) -> Result<&Entry<dyn ListResource<P::Data>>, Diagnostics> {
        self.lists
            .get(type_name)
            .ok_or_else(|| unknown_type("list resource", type_name))
    }

    pub fn function(&self, name: &str) -> Option<&Arc<dyn Function>> {
        self.functions.get(name)
    }

    // -----------------------------------------------------------------------------------------
    // Provider

    /// The provider block against its schema and the provider's own checks.
    pub fn validate_provider_config(&self, config: &Value) -> Diagnostics {
        let mut diags = Diagnostics::new();
        validate_block(
            &self.provider_schema.block,
            config,
            &Path::root(),
            &mut diags,
        );
        self.provider.validate(config, &mut diags);
        diags
    }

    /// Configures the provider; its data is handed to every handler from then on.
    pub async fn configure(&self, config: &Value, env: ConfigureEnv) -> Diagnostics {
        let mut diags = Diagnostics::new();
        if let Some(data) = self.provider.configure(config, &env, &mut diags).await
            && let Ok(mut slot) = self.data.write()
        {
            *slot = Some(Arc::new(data));
        }
        diags
    }

    /// StopProvider: cancels everything in flight, then arms a fresh token so calls Terraform
    /// still makes (it may refresh or persist state after an interrupt) are not born cancelled.
    pub fn stop(&self) {
        let mut guard = match self.stop.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        guard.cancel();
        *guard = CancellationToken::new();
        tracing::info!("StopProvider: in-flight operations cancelled");
    }
}

pub(crate) fn unknown_type(kind: &str, type_name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        format!("Unknown {kind} type"),
        format!("This provider has no {kind} type {type_name:?}."),
    );
    d
}

/// Checks that a value handed back to Terraform holds no unknown, which Terraform rejects.
fn ensure_known(value: &Value, diags: &mut Diagnostics, what: &str) {
    if !value.is_fully_known() {
        diags.error(
            "Provider returned an unknown value",
            format!("This is a bug in the provider: the {what} still holds an unknown value."),
        );
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
