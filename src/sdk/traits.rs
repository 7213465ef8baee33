//! The traits a provider implements, and the contract of each hook.
//!
//! Every handler has one shape: `(&self, ctx, request) -> Outcome`. [`Ctx`] carries the
//! provider's configured data, the operation's deadline and the cancellation StopProvider
//! trips, all set in one place (the semantic layer, `super::core`). [`Outcome`] carries the
//! value, the private state and the diagnostics. States, configurations and private states are
//! typed: a resource names its [`Resource::State`] (a model, see `super::model`) and its
//! [`Resource::Private`], and the SDK converts them from and to wire values in one place
//! (`super::dispatch`).
//!
//! The rules the SDK applies around the hooks, so that no hook has to:
//!
//! - `validate` sees configurations that may hold unknown values; the schema's validators have
//!   run first, on every attribute.
//! - `plan` is never called for a destroy (the SDK plans the null itself) and gets a planned
//!   state the schema's generic rules already shaped (defaults, unknown computed values on
//!   create, quiet prior values on update, replacement on `requires_replace`). Volatile
//!   computed values become unknown after it when an update is planned.
//! - `create` returns the state even on error: whatever was created must reach the state
//!   (Terraform marks it tainted), or it would be orphaned. `None` means nothing was created.
//! - `read` returning `None` without an error removes the object from state (deleted out of
//!   band); with an error, the state Terraform holds stays as it is.
//! - `update` returns the state as it now is, even after a partial failure; `None` keeps the
//!   prior state.
//! - `delete` that fails keeps the prior state (nothing is forgotten). An object already gone
//!   is success.
//! - `import` seeds the state Terraform then reads; by convention the seed is the model's
//!   `Default` (every attribute null) with the identity attributes set
//!   ([`Resource::import_seed`]).
//! - No hook may leave an unknown in what it returns (a diagnostic says it is a provider bug).
//! - Every handler but `validate` runs only once the provider is configured; before that the
//!   SDK answers "Provider not configured" itself.
//! - Write-only attributes are null in every planned, applied, read and imported state: hooks
//!   read them from the configuration.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::model::{Object, PrivateState};
use super::path::Path;
use super::raw_state::RawState;
use super::schema::Schema;
use super::timeouts;
use super::types::Type;
use super::value::Value;

/// What every handler receives: the provider's configured data, the deadline of this operation
/// (the resource's `timeouts` entry for its phase, an action's `timeout`, else
/// [`timeouts::DEFAULT`]) and the cancellation that StopProvider trips.
pub struct Ctx<D> {
    data: Arc<D>,
    cancel: CancellationToken,
    deadline: Duration,
}

impl<D> Clone for Ctx<D> {
    fn clone(&self) -> Self {
        Ctx {
            data: self.data.clone(),
            cancel: self.cancel.clone(),
            deadline: self.deadline,
        }
    }
}

impl<D> Ctx<D> {
    pub fn new(data: Arc<D>, cancel: CancellationToken, deadline: Duration) -> Self {
        Ctx {
            data,
            cancel,
            deadline,
        }
    }

    /// The provider's configured data.
    pub fn data(&self) -> &D {
        &self.data
    }

    /// Tripped when Terraform asks the provider to stop.
    pub fn cancel(&self) -> &CancellationToken {
        &self.cancel
    }

    /// How long this operation may take, from when it starts.
    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// The same context with another deadline (e.g. a final read that must not share a
    /// deadline an earlier step used up).
    pub fn within(&self, deadline: Duration) -> Ctx<D> {
        Ctx {
            deadline,
            ..self.clone()
        }
    }
}

/// What Terraform told the provider about itself at ConfigureProvider.
#[derive(Debug, Clone, Default)]
pub struct ConfigureEnv {
    pub terraform_version: String,
}

/// What a handler hands back: a value (a state, a data source's result, found objects…), the
/// private state to keep beside it, and diagnostics.
#[derive(Debug)]
pub struct Outcome<T, P = ()> {
    pub value: T,
    pub private: P,
    pub diags: Diagnostics,
}

impl<T, P: Default> Outcome<T, P> {
    /// A value, no private state, no diagnostics.
    pub fn ok(value: T) -> Self {
        Outcome {
            value,
            private: P::default(),
            diags: Diagnostics::new(),
        }
    }
}

impl<T: Default, P: Default> Outcome<T, P> {
    /// Failed before producing anything (`None`, no objects…).
    pub fn failed(diags: Diagnostics) -> Self {
        Outcome {
            value: T::default(),
            private: P::default(),
            diags,
        }
    }
}

impl<T, P> Outcome<T, P> {
    pub fn with_private(mut self, private: P) -> Self {
        self.private = private;
        self
    }

    pub fn with_diags(mut self, diags: Diagnostics) -> Self {
        self.diags.extend(diags);
        self
    }
}

impl<T: Default, P: Default> From<Diagnostics> for Outcome<T, P> {
    fn from(diags: Diagnostics) -> Self {
        Outcome::failed(diags)
    }
}

/// A planned change as the `plan` hook sees and edits it.
pub struct Plan<'a, S, P = ()> {
    pub schema: &'a Schema,
    /// `None` when the resource is being created.
    pub prior: Option<&'a S>,
    pub config: &'a S,
    pub planned: S,
    pub prior_private: &'a P,
    /// Carried to apply (starts as the prior private state).
    pub private: P,
    pub requires_replace: Vec<Path>,
    pub diags: Diagnostics,
}

impl<S, P> Plan<'_, S, P> {
    pub fn is_create(&self) -> bool {
        self.prior.is_none()
    }

    /// Plans a replacement because of the top-level attribute `name`.
    pub fn replace_on(&mut self, name: &str) {
        let p = Path::attr(name);
        if !self.requires_replace.contains(&p) {
            self.requires_replace.push(p);
        }
    }
}

impl<P> Plan<'_, Value, P> {
    /// Sets a top-level attribute of the planned object.
    pub fn set(&mut self, name: &str, value: Value) {
        if let Value::Object(m) = &mut self.planned {
            m.insert(name.to_string(), value);
        }
    }

    pub fn planned_attr(&self, name: &str) -> &Value {
        self.planned.attr(name).unwrap_or(&Value::Null)
    }

    pub fn prior_attr(&self, name: &str) -> &Value {
        self.prior
            .and_then(|p| p.attr(name))
            .unwrap_or(&Value::Null)
    }

    pub fn config_attr(&self, name: &str) -> &Value {
        self.config.attr(name).unwrap_or(&Value::Null)
    }
}

/// A create: the planned state, the configuration (write-only values are only here) and the
/// private state the plan left (what the plan decided on, for apply to check).
pub struct Create<S, P = ()> {
    pub planned: S,
    pub config: S,
    pub private: P,
}

/// A refresh of the state Terraform holds.
pub struct Read<S, P> {
    pub state: S,
    pub private: P,
}

/// An in-place update from `prior` to `planned`.
pub struct Update<S, P> {
    pub prior: S,
    pub planned: S,
    pub config: S,
    pub private: P,
}

/// A destroy of `prior`.
pub struct Delete<S, P> {
    pub prior: S,
    pub private: P,
}

/// A resource identity (protocol 6.9, Terraform ≥ 1.12): attributes of the state (strings or
/// numbers) that identify the remote object on their own. The server derives identity values
/// from state and turns an `import { identity = {…} }` into an import by the id those values
/// stand for ([`Identity::import_id`]): the one attribute's value, or for a composite identity
/// every value in order joined by [`Identity::SEPARATOR`] (`<instance_id>/<port>`).
#[derive(Debug, Clone)]
pub struct Identity {
    pub version: i64,
    pub attributes: Vec<IdentityAttribute>,
}

#[derive(Debug, Clone)]
pub struct IdentityAttribute {
    /// Also the name of the state attribute holding the value.
    pub name: &'static str,
    pub description: &'static str,
    /// [`Type::String`] or [`Type::Number`] (a whole number).
    pub ty: Type,
}

impl IdentityAttribute {
    pub fn string(name: &'static str, description: &'static str) -> IdentityAttribute {
        IdentityAttribute {
            name,
            description,
            ty: Type::String,
        }
    }

    pub fn number(name: &'static str, description: &'static str) -> IdentityAttribute {
        IdentityAttribute {
            name,
            description,
            ty: Type::Number,
        }
    }

    /// This attribute's value from one part of an import id.
    fn parse(&self, part: &str) -> Result<Value, String> {
        if part.is_empty() {
            return Err(format!("its {} is empty", self.name));
        }
        if self.ty == Type::Number {
            return part
                .parse::<i64>()
                .map(Value::number)
                .map_err(|_| format!("its {} {part:?} is not a whole number", self.name));
        }
        Ok(Value::string(part))
    }

    /// This attribute's value as a part of an import id.
    fn render(&self, v: &Value) -> Option<String> {
        match v {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => n.as_i64().map(|i| i.to_string()),
            _ => None,
        }
    }
}

impl Identity {
    /// Joins the values of a composite identity in its import id.
    pub const SEPARATOR: char = '/';

    /// An identity made of one string attribute of the state (`id`, `name`…).
    pub fn single(name: &'static str, description: &'static str) -> Identity {
        Identity::composite(vec![IdentityAttribute::string(name, description)])
    }

    /// An identity of several attributes, whose import id is their values in this order joined
    /// by [`Identity::SEPARATOR`].
    pub fn composite(attributes: Vec<IdentityAttribute>) -> Identity {
        Identity {
            version: 0,
            attributes,
        }
    }

    /// The object type of identity values.
    pub fn value_type(&self) -> Type {
        Type::object(self.attributes.iter().map(|a| (a.name, a.ty.clone())))
    }

    /// What an import id looks like, for messages: `<instance_id>/<port>`.
    pub fn id_form(&self) -> String {
        self.attributes
            .iter()
            .map(|a| format!("<{}>", a.name))
            .collect::<Vec<_>>()
            .join(&Self::SEPARATOR.to_string())
    }

    /// The identity attributes an import id stands for: the whole id for a single attribute,
    /// else exactly one part per attribute.
    pub fn seed(&self, id: &str) -> Result<Value, String> {
        let parts: Vec<&str> = if self.attributes.len() == 1 {
            vec![id]
        } else {
            id.split(Self::SEPARATOR).collect()
        };
        if parts.len() != self.attributes.len() {
            return Err(format!(
                "the import id {id:?} must have the form {}",
                self.id_form()
            ));
        }
        let mut pairs = Vec::with_capacity(parts.len());
        for (a, part) in self.attributes.iter().zip(parts) {
            let v = a.parse(part).map_err(|why| {
                format!(
                    "the import id {id:?} must have the form {}: {why}",
                    self.id_form()
                )
            })?;
            pairs.push((a.name, v));
        }
        Ok(Value::object(pairs))
    }

    /// The import id an identity value stands for; `Err` names the first attribute missing.
    pub fn import_id(&self, value: &Value) -> Result<String, &'static str> {
        let mut parts = Vec::with_capacity(self.attributes.len());
        for a in &self.attributes {
            let part = value.attr(a.name).and_then(|v| a.render(v)).ok_or(a.name)?;
            parts.push(part);
        }
        Ok(parts.join(&Self::SEPARATOR.to_string()))
    }

    /// The identity of a state value, when every identity attribute is known and set.
    pub fn of(&self, state: &Value) -> Option<Value> {
        let mut pairs = Vec::with_capacity(self.attributes.len());
        for a in &self.attributes {
            let v = state.attr(a.name)?;
            if !v.is_known() || v.is_null() {
                return None;
            }
            pairs.push((a.name, v.clone()));
        }
        Some(Value::object(pairs))
    }
}

/// The default `upgrade_state`: state of this or an older version stays as it is; state from a
/// newer provider is refused.
pub fn keep_state(current: i64, version: i64, state: RawState) -> Result<RawState, String> {
    if version > current {
        return Err(format!(
            "it was written by a newer provider (schema version {version}, this one knows {current}); upgrade the provider"
        ));
    }
    Ok(state)
}

/// `s` with its first letter in uppercase, to start a diagnostic's sentence.
pub fn capitalise_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn import_not_supported(type_name: &str) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        "Import not supported",
        format!("{type_name} cannot be imported."),
    );
    d
}

/// A managed resource.
#[async_trait]
pub trait Resource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// The resource's state (its schema's object), typed.
    type State: Object;
    /// What it keeps in private state (`()` for nothing).
    type Private: PrivateState;

    /// The full type name, e.g. `agent37_instance`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;

    /// The resource's identity, when it has one.
    fn identity(&self) -> Option<Identity> {
        None
    }

    /// Checks of the whole configuration beyond the attribute validators.
    fn validate(&self, _config: &Self::State, _diags: &mut Diagnostics) {}

    /// Rewrites stored state of schema `version` into the current version's shape (numbers are
    /// exact decimals). Called only for state another schema version wrote: state of the
    /// current version is taken as it is. The default keeps state of an older version and
    /// refuses state from a newer provider; attributes the current schema lacks are dropped
    /// afterwards.
    fn upgrade_state(&self, version: i64, state: RawState) -> Result<RawState, String> {
        keep_state(self.schema().version, version, state)
    }

    /// Resource-specific planning on top of the generic rules (see the module's contract).
    async fn plan(&self, _ctx: &Ctx<D>, _plan: &mut Plan<'_, Self::State, Self::Private>) {}

    async fn create(
        &self,
        ctx: &Ctx<D>,
        req: Create<Self::State, Self::Private>,
    ) -> Outcome<Option<Self::State>, Self::Private>;

    async fn read(
        &self,
        ctx: &Ctx<D>,
        req: Read<Self::State, Self::Private>,
    ) -> Outcome<Option<Self::State>, Self::Private>;

    /// `true` for a resource whose every argument but `timeouts` forces replacement (an SSH
    /// key, a domain, a public port): Terraform then plans an update only for a change of
    /// `timeouts`, which needs no call, and the default [`Resource::update`] serves it.
    fn every_argument_replaces(&self) -> bool {
        false
    }

    /// Applies an in-place change. The default is for a resource that says
    /// [`Resource::every_argument_replaces`]: the plan (and its private state) becomes the new
    /// state with no call. Any other resource implements it; the default refuses rather than
    /// pretend a change was applied.
    async fn update(
        &self,
        _ctx: &Ctx<D>,
        req: Update<Self::State, Self::Private>,
    ) -> Outcome<Option<Self::State>, Self::Private> {
        if self.every_argument_replaces() {
            return Outcome::ok(Some(req.planned)).with_private(req.private);
        }
        let mut d = Diagnostics::new();
        d.error(
            format!("Unable to update {}", self.type_name()),
            format!(
                "{} cannot change in place; this is a bug in the provider (its update is not implemented).",
                self.type_name()
            ),
        );
        Outcome {
            value: Some(req.prior),
            private: req.private,
            diags: d,
        }
    }

    async fn delete(&self, ctx: &Ctx<D>, req: Delete<Self::State, Self::Private>) -> Outcome<()>;

    /// The configuration that `-generate-config-out` writes for `state`. The default keeps what
    /// a user would write: configurable attributes that are set and differ from their default.
    fn generate_config(&self, schema: &Schema, state: &Value) -> Value {
        super::plan::config_from_state(&schema.block, state)
    }

    /// The state an import starts from: every attribute null but the identity's, set from the
    /// import id (the read that follows fills in the rest). Needs an identity.
    fn import_seed(&self, id: &str) -> Result<Self::State, Diagnostics> {
        let Some(identity) = self.identity() else {
            return Err(import_not_supported(self.type_name()));
        };
        let seed = identity.seed(id).map_err(|why| {
            let mut d = Diagnostics::new();
            d.error(
                format!("Cannot import {}", self.type_name()),
                format!("{}.", capitalise_first(&why)),
            );
            d
        })?;
        Self::State::from_value(&seed).map_err(|e| e.diagnostics())
    }

    /// Builds the state to import from an id (Terraform then calls read). The default says the
    /// resource does not support import; a resource that does checks the id and returns
    /// [`Resource::import_seed`].
    async fn import(
        &self,
        _ctx: &Ctx<D>,
        _id: &str,
    ) -> Outcome<Option<Self::State>, Self::Private> {
        Outcome::failed(import_not_supported(self.type_name()))
    }
}

/// A data source: its configuration goes in, the same object with the computed attributes
/// filled comes out (`None` with an error diagnostic when the read failed).
#[async_trait]
pub trait DataSource<D: Send + Sync + 'static>: Send + Sync + 'static {
    type Model: Object;
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Self::Model, _diags: &mut Diagnostics) {}
    async fn read(&self, ctx: &Ctx<D>, config: Self::Model) -> Outcome<Option<Self::Model>>;
}

/// What opening an ephemeral resource produced: a result for this run only (never in plan or
/// state), renewed at `renew_at` when set.
#[derive(Debug)]
pub struct Opened<S> {
    pub result: S,
    pub renew_at: Option<SystemTime>,
}

/// An ephemeral resource (Terraform ≥ 1.10): a value made fresh in every run, such as a
/// credential, that never lands in plan or state. Its private state comes back on renew and
/// close.
#[async_trait]
pub trait EphemeralResource<D: Send + Sync + 'static>: Send + Sync + 'static {
    type Model: Object;
    type Private: PrivateState;
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Self::Model, _diags: &mut Diagnostics) {}
    async fn open(
        &self,
        ctx: &Ctx<D>,
        config: Self::Model,
    ) -> Outcome<Option<Opened<Self::Model>>, Self::Private>;
    /// Called at `renew_at`: the next renewal time. The default has nothing to renew.
    async fn renew(
        &self,
        _ctx: &Ctx<D>,
        private: Self::Private,
    ) -> Outcome<Option<SystemTime>, Self::Private> {
        Outcome::ok(None).with_private(private)
    }
    /// Called when Terraform is done with the value; the default has nothing to release.
    async fn close(&self, _ctx: &Ctx<D>, _private: Self::Private) -> Outcome<()> {
        Outcome::ok(())
    }
}

/// Progress messages of a running action; Terraform shows each as it arrives.
#[derive(Clone)]
pub struct Progress {
    tx: tokio::sync::mpsc::UnboundedSender<String>,
}

impl Progress {
    pub fn new(tx: tokio::sync::mpsc::UnboundedSender<String>) -> Progress {
        Progress { tx }
    }

    /// Sends one message; a Terraform that stopped listening is not an error.
    pub fn send(&self, message: impl Into<String>) {
        let _ = self.tx.send(message.into());
    }
}

/// An action (Terraform ≥ 1.14): a one-off operation run with `terraform apply -invoke=…` or
/// from a resource's `action_trigger`, which changes nothing in state.
#[async_trait]
pub trait Action<D: Send + Sync + 'static>: Send + Sync + 'static {
    type Config: Object;
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Self::Config, _diags: &mut Diagnostics) {}
    /// The deadline of one run (the context's [`Ctx::deadline`]).
    fn timeout(&self, _config: &Self::Config) -> Duration {
        timeouts::DEFAULT
    }
    /// Runs the action, reporting progress as it goes; errors fail the run.
    async fn invoke(&self, ctx: &Ctx<D>, config: Self::Config, progress: &Progress) -> Outcome<()>;
}

/// One object found by a list resource: its display name and full resource state (from which
/// the SDK derives the identity and, when asked, the resource object).
#[derive(Debug)]
pub struct Listed<S> {
    pub display_name: String,
    pub state: S,
}

/// A list resource (Terraform ≥ 1.14): finds existing objects of a managed resource type for
/// `terraform query`. Its type name is the managed resource's.
#[async_trait]
pub trait ListResource<D: Send + Sync + 'static>: Send + Sync + 'static {
    /// The `config { … }` block of a `list` block (the filters).
    type Config: Object;
    /// The managed resource's state.
    type State: Object;
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Self::Config, _diags: &mut Diagnostics) {}
    async fn list(&self, ctx: &Ctx<D>, config: Self::Config) -> Outcome<Vec<Listed<Self::State>>>;
}

/// One parameter of a provider function.
#[derive(Debug, Clone)]
pub struct Parameter {
    pub name: &'static str,
    pub ty: Type,
    pub description: &'static str,
}

#[derive(Debug, Clone)]
pub struct Signature {
    pub parameters: Vec<Parameter>,
    pub return_type: Type,
    pub summary: &'static str,
    pub description: &'static str,
}

/// A function error; `argument` points at the offending argument (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionError {
    pub text: String,
    pub argument: Option<i64>,
}

pub trait Function: Send + Sync {
    fn name(&self) -> &'static str;
    fn signature(&self) -> Signature;
    fn call(&self, args: &[Value]) -> Result<Value, FunctionError>;
}

pub use super::dispatch::{
    DynAction, DynDataSource, DynEphemeralResource, DynListResource, DynResource,
};

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    type Data: Send + Sync + 'static;

    /// The provider's local name, e.g. `agent37`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn resources(&self) -> Vec<Arc<dyn DynResource<Self::Data>>>;
    fn data_sources(&self) -> Vec<Arc<dyn DynDataSource<Self::Data>>>;
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }
    fn ephemeral_resources(&self) -> Vec<Arc<dyn DynEphemeralResource<Self::Data>>> {
        Vec::new()
    }
    fn actions(&self) -> Vec<Arc<dyn DynAction<Self::Data>>> {
        Vec::new()
    }
    fn list_resources(&self) -> Vec<Arc<dyn DynListResource<Self::Data>>> {
        Vec::new()
    }
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn configure(
        &self,
        config: &Value,
        env: &ConfigureEnv,
        diags: &mut Diagnostics,
    ) -> Option<Self::Data>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port_identity() -> Identity {
        Identity::composite(vec![
            IdentityAttribute::string("instance_id", "The instance."),
            IdentityAttribute::number("port", "The port."),
        ])
    }

    #[test]
    fn a_single_identity_takes_the_whole_id() {
        let i = Identity::single("name", "The name.");
        assert_eq!(i.value_type(), Type::object([("name", Type::String)]));
        let seed = i.seed("a/b").expect("one attribute takes everything");
        assert_eq!(seed, Value::object([("name", Value::string("a/b"))]));
        assert_eq!(i.import_id(&seed).as_deref(), Ok("a/b"));
        assert_eq!(i.id_form(), "<name>");
        assert!(i.seed("").is_err());
    }

    #[test]
    fn a_composite_identity_joins_its_values_in_order() {
        let i = port_identity();
        assert_eq!(
            i.value_type(),
            Type::object([("instance_id", Type::String), ("port", Type::Number)])
        );
        let seed = i.seed("abc123defg/9100").expect("two parts");
        assert_eq!(
            seed,
            Value::object([
                ("instance_id", Value::string("abc123defg")),
                ("port", Value::number(9100)),
            ])
        );
        assert_eq!(i.import_id(&seed).as_deref(), Ok("abc123defg/9100"));
        assert_eq!(i.of(&seed), Some(seed.clone()));
        assert_eq!(i.id_form(), "<instance_id>/<port>");

        for (bad, why) in [
            ("abc123defg", "must have the form <instance_id>/<port>"),
            ("abc/1/2", "must have the form"),
            ("/9100", "its instance_id is empty"),
            ("abc123defg/http", "its port \"http\" is not a whole number"),
        ] {
            let err = i.seed(bad).expect_err(bad);
            assert!(err.contains(why), "{bad}: {err}");
        }
        let partial = Value::object([("instance_id", Value::string("abc123defg"))]);
        assert_eq!(i.import_id(&partial), Err("port"));
    }
}
