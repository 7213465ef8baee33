//! Managed resources: the rules Terraform's resource RPCs follow, on values.

use std::time::Instant;

use super::super::diag::Diagnostics;
use super::super::dispatch::{DynResource, ValuePlan};
use super::super::json;
use super::super::path::Path;
use super::super::plan::{mark_volatile, plan_block};
use super::super::raw_state::{RawState, RawStateError};
use super::super::schema::Schema;
use super::super::timeouts::{self, Phase};
use super::super::traits::Provider;
use super::super::types::Type;
use super::super::value::Value;
use super::{Core, Entry, ensure_known, log_timing, unknown_type};
use crate::timing;

/// ReadResource: the state Terraform holds and its private state.
pub struct ReadRequest {
    pub state: Value,
    pub private: Vec<u8>,
}

/// What a refresh produced.
#[derive(Debug)]
pub struct ReadResponse {
    /// The refreshed state (null: the object is gone), or `None` when the state Terraform holds
    /// stays as it is (there was nothing to read, or the read failed).
    pub state: Option<Value>,
    pub private: Vec<u8>,
    /// The identity of the refreshed state (`None`: Terraform keeps the one it has).
    pub identity: Option<Value>,
    pub diags: Diagnostics,
}

/// PlanResourceChange: prior state (null on create), Terraform's proposed new state (null on
/// destroy), the configuration and the prior private state.
pub struct PlanRequest {
    pub prior: Value,
    pub proposed: Value,
    pub config: Value,
    pub prior_private: Vec<u8>,
}

#[derive(Debug)]
pub struct PlanResponse {
    pub planned: Value,
    pub requires_replace: Vec<Path>,
    pub private: Vec<u8>,
    /// Known once the object exists; a create's identity is only known after apply.
    pub identity: Option<Value>,
    pub diags: Diagnostics,
}

/// ApplyResourceChange: planned null is a destroy, prior null a create, else an update.
pub struct ApplyRequest {
    pub prior: Value,
    pub planned: Value,
    pub config: Value,
    pub planned_private: Vec<u8>,
}

#[derive(Debug)]
pub struct ApplyResponse {
    /// The new state (null after a destroy). The prior state when the handler left an unknown
    /// in what it returned (reported as a provider bug).
    pub state: Value,
    pub private: Vec<u8>,
    pub identity: Option<Value>,
    pub diags: Diagnostics,
}

/// ImportResourceState: by id (`terraform import`, `import { id = … }`) or by identity
/// (`import { identity = { … } }`).
pub enum ImportRequest {
    Id(String),
    Identity(Value),
}

#[derive(Debug)]
pub struct Imported {
    pub state: Value,
    pub private: Vec<u8>,
    pub identity: Option<Value>,
}

impl<P: Provider> Core<P> {
    /// ValidateResourceConfig. A Terraform that cannot keep write-only values out of its plan
    /// and state (before 1.11: `write_only_allowed` false) must not be given one.
    pub fn validate_resource_config(
        &self,
        type_name: &str,
        config: &Value,
        write_only_allowed: bool,
    ) -> Diagnostics {
        let e = match self.resource(type_name) {
            Ok(e) => e,
            Err(d) => return d,
        };
        let mut diags = e.validate(config, |v, d| e.imp.validate(v, d));
        if !write_only_allowed {
            for path in e.schema().block.write_only_paths(config) {
                diags.attr_error(
                    path.clone(),
                    "Write-only attribute not allowed",
                    format!("{path} is write-only, which needs Terraform 1.11 or later; upgrade Terraform, or leave it out."),
                );
            }
        }
        diags
    }

    /// UpgradeResourceState: stored JSON of schema `version` into the current schema's value.
    /// Numbers stay exact on the whole path; attributes the current schema no longer has are
    /// dropped, so removing an attribute never breaks old state.
    pub fn upgrade_resource_state(
        &self,
        type_name: &str,
        version: i64,
        raw_json: &[u8],
    ) -> Result<Value, Diagnostics> {
        let e = self.resource(type_name)?;
        upgrade(e.imp.as_ref(), e.schema(), e.ty(), version, raw_json)
    }

    /// ReadResource: refreshes the state through the resource's `read`. A read that returns
    /// nothing removes the object; a failed read keeps the state Terraform holds.
    pub async fn read_resource(&self, type_name: &str, req: ReadRequest) -> ReadResponse {
        let started = Instant::now();
        let keep = |diags| ReadResponse {
            state: None,
            private: Vec::new(),
            identity: None,
            diags,
        };
        let e = match self.resource(type_name) {
            Ok(e) => e,
            Err(d) => return keep(d),
        };
        if req.state.is_null() {
            return keep(Diagnostics::new());
        }
        let ctx = match self.ctx(timeouts::DEFAULT) {
            Ok(c) => c,
            Err(d) => return keep(d),
        };
        let (out, api) = timing::scope(e.imp.read(&ctx, &req.state, &req.private)).await;
        log_timing("ReadResource", type_name, started, api);
        let mut diags = out.diags;
        let mut state = out.value.unwrap_or(Value::Null);
        e.schema().block.null_write_only(&mut state);
        ensure_known(&state, &mut diags, "refreshed state");
        if diags.has_errors() {
            return keep(diags);
        }
        ReadResponse {
            identity: e.identity_of(&state),
            state: Some(state),
            private: out.private,
            diags,
        }
    }

    /// PlanResourceChange: the schema's generic rules (defaults, unknown computed values on
    /// create, quiet computed values, replacement), then the resource's `plan` hook, then the
    /// volatile values. A destroy plans the null without calling the hook.
    pub async fn plan_resource_change(
        &self,
        type_name: &str,
        req: PlanRequest,
    ) -> Result<PlanResponse, Diagnostics> {
        let e = self.resource(type_name)?;
        if req.proposed.is_null() {
            return Ok(PlanResponse {
                planned: Value::Null,
                requires_replace: Vec::new(),
                private: req.prior_private,
                identity: None,
                diags: Diagnostics::new(),
            });
        }
        let ctx = self.ctx(timeouts::DEFAULT)?;
        let (planned, requires_replace) =
            plan_block(&e.schema().block, &req.prior, req.proposed, &req.config);
        let mut plan = ValuePlan {
            schema: e.schema(),
            prior: &req.prior,
            config: &req.config,
            planned,
            prior_private: &req.prior_private,
            private: req.prior_private.clone(),
            requires_replace,
            diags: Diagnostics::new(),
        };
        e.imp.plan(&ctx, &mut plan).await;
        let ValuePlan {
            mut planned,
            requires_replace,
            private,
            diags,
            ..
        } = plan;
        // Write-only values are in the configuration only, never in a plan; nulled first, so
        // that a write-only value (never in the prior state) is not taken for a change.
        e.schema().block.null_write_only(&mut planned);
        mark_volatile(&e.schema().block, &req.prior, &mut planned);
        Ok(PlanResponse {
            identity: e.identity_of(&planned),
            planned,
            requires_replace,
            private,
            diags,
        })
    }

    /// ApplyResourceChange: create, update or delete. A failed delete keeps the prior state, so
    /// nothing is forgotten; a create or update keeps whatever state it returns, even with
    /// errors, so an object that exists is never orphaned.
    pub async fn apply_resource_change(&self, type_name: &str, req: ApplyRequest) -> ApplyResponse {
        let started = Instant::now();
        let e = match self.resource(type_name) {
            Ok(e) => e,
            Err(d) => {
                return ApplyResponse {
                    state: req.prior,
                    private: req.planned_private,
                    identity: None,
                    diags: d,
                };
            }
        };
        let (phase, deadline_from) = if req.planned.is_null() {
            (Phase::Delete, &req.prior)
        } else if req.prior.is_null() {
            (Phase::Create, &req.planned)
        } else {
            (Phase::Update, &req.planned)
        };
        let ctx = match self.ctx(timeouts::get(deadline_from, phase)) {
            Ok(c) => c,
            Err(d) => {
                return ApplyResponse {
                    state: req.prior,
                    private: req.planned_private,
                    identity: None,
                    diags: d,
                };
            }
        };
        let (done, api) = timing::scope(async {
            match phase {
                Phase::Delete => {
                    let d = e.imp.delete(&ctx, &req.prior, &req.planned_private).await;
                    let state = if d.has_errors() {
                        req.prior.clone()
                    } else {
                        Value::Null
                    };
                    (state, req.planned_private.clone(), d)
                }
                Phase::Create => {
                    let a = e
                        .imp
                        .create(&ctx, &req.planned, &req.config, &req.planned_private)
                        .await;
                    (a.value.unwrap_or(Value::Null), a.private, a.diags)
                }
                Phase::Update => {
                    let a = e
                        .imp
                        .update(
                            &ctx,
                            &req.prior,
                            &req.planned,
                            &req.config,
                            &req.planned_private,
                        )
                        .await;
                    match a.value {
                        Some(state) => (state, a.private, a.diags),
                        // Nothing new: the prior state (and private state) stay.
                        None => (req.prior.clone(), req.planned_private.clone(), a.diags),
                    }
                }
            }
        })
        .await;
        log_timing("ApplyResourceChange", type_name, started, api);
        let (mut state, private, mut diags) = done;
        e.schema().block.null_write_only(&mut state);
        ensure_known(&state, &mut diags, "new state");
        if !state.is_fully_known() {
            return ApplyResponse {
                state: req.prior,
                private: req.planned_private,
                identity: None,
                diags,
            };
        }
        ApplyResponse {
            identity: e.identity_of(&state),
            state,
            private,
            diags,
        }
    }

    /// ImportResourceState: the resource's `import` seeds the state Terraform then reads.
    pub async fn import_resource_state(
        &self,
        type_name: &str,
        req: ImportRequest,
    ) -> Result<Imported, Diagnostics> {
        let e = self.resource(type_name)?;
        let id = match req {
            ImportRequest::Id(id) => id,
            ImportRequest::Identity(identity) => import_id_from_identity(e, &identity)?,
        };
        let ctx = self.ctx(timeouts::DEFAULT)?;
        let out = e.imp.import(&ctx, &id).await;
        if out.diags.has_errors() {
            return Err(out.diags);
        }
        let Some(mut state) = out.value else {
            return Err(out.diags);
        };
        e.schema().block.null_write_only(&mut state);
        let private = out.private;
        Ok(Imported {
            identity: e.identity_of(&state),
            state,
            private,
        })
    }

    /// GenerateResourceConfig: the configuration `-generate-config-out` writes for `state`.
    pub fn generate_resource_config(
        &self,
        type_name: &str,
        state: &Value,
    ) -> Result<Value, Diagnostics> {
        let e = self.resource(type_name)?;
        Ok(e.imp.generate_config(e.schema(), state))
    }

    /// UpgradeResourceIdentity: every identity so far is version 0, so stored JSON decodes as
    /// it is.
    pub fn upgrade_resource_identity(
        &self,
        type_name: &str,
        raw_json: &[u8],
    ) -> Result<Value, Diagnostics> {
        let e = self.resource(type_name)?;
        let Some((_, ty)) = &e.identity() else {
            return Err(unknown_type("resource identity", type_name));
        };
        if raw_json.is_empty() {
            return Ok(Value::Null);
        }
        json::decode(raw_json, ty).map_err(|err| codec_error("stored identity", &err))
    }
}

/// What UpgradeResourceState does with one resource's stored state, outside any server: a
/// resource's tests run committed state fixtures of every released schema version through it.
pub fn upgrade_stored_state<D>(
    resource: &dyn DynResource<D>,
    version: i64,
    raw_json: &[u8],
) -> Result<Value, Diagnostics> {
    let schema = resource.schema();
    upgrade(resource, &schema, &schema.value_type(), version, raw_json)
}

fn upgrade<D>(
    resource: &dyn DynResource<D>,
    schema: &Schema,
    ty: &Type,
    version: i64,
    raw_json: &[u8],
) -> Result<Value, Diagnostics> {
    if raw_json.is_empty() {
        return Ok(Value::Null);
    }
    let mut diags = Diagnostics::new();
    let stored = match RawState::parse(raw_json) {
        Ok(s) => s,
        Err(err) => {
            let detail = match err {
                RawStateError::Syntax(_) => format!("{}.", capitalise(&err.to_string())),
                RawStateError::NotAnObject => "The stored state is not a JSON object.".into(),
            };
            diags.error("Invalid stored state", detail);
            return Err(diags);
        }
    };
    // State of the current version (every refresh and plan) has nothing to rewrite: the
    // resource's hook runs only for state another schema version wrote.
    let mut upgraded = if version == schema.version {
        stored
    } else {
        match resource.upgrade_state(version, stored) {
            Ok(s) => s,
            Err(msg) => {
                diags.error(
                    "Unable to upgrade stored state",
                    format!(
                        "State written by schema version {version} could not be upgraded: {msg}"
                    ),
                );
                return Err(diags);
            }
        }
    };
    let block = &schema.block;
    upgraded.retain(|name| {
        block.attributes.iter().any(|a| a.name == name)
            || block.blocks.iter().any(|b| b.name == name)
    });
    json::decode_tree(upgraded.into_json(), ty).map_err(|err| codec_error("stored state", &err))
}

/// The import id an `import { identity = {…} }` block stands for (see
/// [`Identity::import_id`](crate::sdk::traits::Identity::import_id)).
fn import_id_from_identity<T: ?Sized>(e: &Entry<T>, value: &Value) -> Result<String, Diagnostics> {
    let mut d = Diagnostics::new();
    let Some((identity, _)) = &e.identity() else {
        d.error(
            "Import by identity not supported",
            "This resource type has no identity; import it by id.",
        );
        return Err(d);
    };
    identity.import_id(value).map_err(|missing| {
        d.attr_error(
            Path::attr(missing),
            "Missing identity attribute",
            format!("The import identity must set {missing}."),
        );
        d
    })
}

/// The diagnostic of a value the provider could not decode (`what`: "stored state"…).
pub(crate) fn codec_error(what: &str, err: &dyn std::fmt::Display) -> Diagnostics {
    let mut d = Diagnostics::new();
    d.error(
        format!("Invalid {what} value from Terraform"),
        format!("The provider could not decode the {what}: {err}."),
    );
    d
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
