//! The traits a provider implements; the server (`super::server`) dispatches RPCs to them.
//!
//! `D` is the provider's configured data (for agent37, the API client), handed to every
//! resource and data source call through [`Ctx`].

use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::diag::Diagnostics;
use super::path::Path;
use super::raw_state::RawState;
use super::schema::Schema;
use super::types::Type;
use super::value::Value;

/// What every handler receives: the cancellation token that StopProvider trips, and the
/// provider's configured data (absent before ConfigureProvider).
pub struct Ctx<D> {
    pub cancel: CancellationToken,
    pub data: Option<Arc<D>>,
}

impl<D> Ctx<D> {
    /// The configured data, or an error diagnostic saying the provider is not configured.
    pub fn configured(&self) -> Result<&D, Diagnostics> {
        match &self.data {
            Some(d) => Ok(d),
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
}

/// What Terraform told the provider about itself at ConfigureProvider.
#[derive(Debug, Clone, Default)]
pub struct ConfigureEnv {
    pub terraform_version: String,
}

/// A planned change as the resource's `plan` hook sees and edits it. The server has already
/// applied the schema's generic rules (defaults, unknown computed values on create, prior values
/// for quiet computed attributes, replacement on `requires_replace` attributes).
pub struct Plan<'a> {
    pub schema: &'a Schema,
    /// Null when the resource is being created.
    pub prior: &'a Value,
    pub config: &'a Value,
    pub planned: Value,
    pub prior_private: &'a [u8],
    pub private: Vec<u8>,
    pub requires_replace: Vec<Path>,
    pub diags: Diagnostics,
}

impl Plan<'_> {
    pub fn is_create(&self) -> bool {
        self.prior.is_null()
    }

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
        self.prior.attr(name).unwrap_or(&Value::Null)
    }

    pub fn config_attr(&self, name: &str) -> &Value {
        self.config.attr(name).unwrap_or(&Value::Null)
    }

    pub fn replace_on(&mut self, name: &str) {
        let p = Path::attr(name);
        if !self.requires_replace.contains(&p) {
            self.requires_replace.push(p);
        }
    }
}

/// The outcome of a create or update: the new state (stored even with errors, so an object
/// that exists is never orphaned), private state, and diagnostics.
pub struct Applied {
    pub state: Value,
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

/// The outcome of a read: `state` None means the object is gone.
pub struct ReadOutcome {
    pub state: Option<Value>,
    pub private: Vec<u8>,
    pub diags: Diagnostics,
}

/// A resource identity (protocol 6.9, Terraform ≥ 1.12): string attributes of the state that
/// identify the remote object on their own. The server derives identity values from state and
/// turns an `import { identity = {…} }` into an import by the first attribute's value.
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
}

impl Identity {
    /// An identity made of one string attribute of the state (`id`, `name`…).
    pub fn single(name: &'static str, description: &'static str) -> Identity {
        Identity {
            version: 0,
            attributes: vec![IdentityAttribute { name, description }],
        }
    }

    /// The object type of identity values.
    pub fn value_type(&self) -> Type {
        Type::object(self.attributes.iter().map(|a| (a.name, Type::String)))
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

#[async_trait]
pub trait Resource<D>: Send + Sync {
    /// The full type name, e.g. `agent37_instance`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;

    /// The resource's identity, when it has one.
    fn identity(&self) -> Option<Identity> {
        None
    }

    /// Extra checks of the whole configuration beyond the attribute validators.
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}

    /// Rewrites state JSON written under schema `version` into the current version's shape
    /// (numbers are exact decimals). The default keeps state of this or an older version as it
    /// is (override it once a schema change needs a rewrite) and refuses state from a newer
    /// provider. Attributes the current schema lacks are dropped afterwards.
    fn upgrade_state(&self, version: i64, state: RawState) -> Result<RawState, String> {
        let current = self.schema().version;
        if version > current {
            return Err(format!(
                "it was written by a newer provider (schema version {version}, this one knows {current}); upgrade the provider"
            ));
        }
        Ok(state)
    }

    /// Resource-specific planning on top of the generic rules.
    async fn plan(&self, _ctx: &Ctx<D>, _plan: &mut Plan<'_>) {}

    async fn create(&self, ctx: &Ctx<D>, planned: &Value, config: &Value) -> Applied;
    async fn read(&self, ctx: &Ctx<D>, state: &Value, private: &[u8]) -> ReadOutcome;
    async fn update(
        &self,
        ctx: &Ctx<D>,
        prior: &Value,
        planned: &Value,
        config: &Value,
        private: &[u8],
    ) -> Applied;
    async fn delete(&self, ctx: &Ctx<D>, prior: &Value, private: &[u8]) -> Diagnostics;

    /// The configuration that `-generate-config-out` writes for `state`. The default keeps what
    /// a user would write: configurable attributes that are set and differ from their default.
    fn generate_config(&self, schema: &Schema, state: &Value) -> Value {
        super::plan::config_from_state(&schema.block, state)
    }

    /// Builds the state to import from an id (Terraform then calls read). The default says the
    /// resource does not support import.
    async fn import(&self, _ctx: &Ctx<D>, _id: &str) -> Result<(Value, Vec<u8>), Diagnostics> {
        let mut d = Diagnostics::new();
        d.error(
            "Import not supported",
            format!("{} cannot be imported.", self.type_name()),
        );
        Err(d)
    }
}

#[async_trait]
pub trait DataSource<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn read(&self, ctx: &Ctx<D>, config: &Value) -> (Value, Diagnostics);
}

/// What opening an ephemeral resource produced. `result` goes to Terraform for this run only
/// (never to plan or state); `private` comes back on renew and close.
pub struct Opened {
    pub result: Value,
    pub private: Option<Vec<u8>>,
    pub renew_at: Option<std::time::SystemTime>,
    pub diags: Diagnostics,
}

/// An ephemeral resource (Terraform ≥ 1.10): a value made fresh in every run, such as a
/// credential, that never lands in plan or state.
#[async_trait]
pub trait EphemeralResource<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn open(&self, ctx: &Ctx<D>, config: &Value) -> Opened;
    /// Called at `renew_at`; the default has nothing to renew.
    async fn renew(
        &self,
        _ctx: &Ctx<D>,
        private: Option<&[u8]>,
    ) -> (Option<std::time::SystemTime>, Option<Vec<u8>>, Diagnostics) {
        (None, private.map(<[u8]>::to_vec), Diagnostics::new())
    }
    /// Called when Terraform is done with the value; the default has nothing to release.
    async fn close(&self, _ctx: &Ctx<D>, _private: Option<&[u8]>) -> Diagnostics {
        Diagnostics::new()
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
pub trait Action<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    /// Runs the action, reporting progress as it goes; errors fail the run.
    async fn invoke(&self, ctx: &Ctx<D>, config: &Value, progress: &Progress) -> Diagnostics;
}

/// One object found by a list resource: its display name and full resource state (from which
/// the server derives the identity and, when asked, the resource object).
pub struct Listed {
    pub display_name: String,
    pub state: Value,
}

/// A list resource (Terraform ≥ 1.14): finds existing objects of a managed resource type for
/// `terraform query`. Its type name is the managed resource's.
#[async_trait]
pub trait ListResource<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    /// The schema of the `config { … }` block of a `list` block (the filters).
    fn schema(&self) -> Schema;
    fn validate(&self, _config: &Value, _diags: &mut Diagnostics) {}
    async fn list(&self, ctx: &Ctx<D>, config: &Value) -> Result<Vec<Listed>, Diagnostics>;
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

#[async_trait]
pub trait Provider: Send + Sync + 'static {
    type Data: Send + Sync + 'static;

    /// The provider's local name, e.g. `agent37`.
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn resources(&self) -> Vec<Arc<dyn Resource<Self::Data>>>;
    fn data_sources(&self) -> Vec<Arc<dyn DataSource<Self::Data>>>;
    fn functions(&self) -> Vec<Arc<dyn Function>> {
        Vec::new()
    }
    fn ephemeral_resources(&self) -> Vec<Arc<dyn EphemeralResource<Self::Data>>> {
        Vec::new()
    }
    fn actions(&self) -> Vec<Arc<dyn Action<Self::Data>>> {
        Vec::new()
    }
    fn list_resources(&self) -> Vec<Arc<dyn ListResource<Self::Data>>> {
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
