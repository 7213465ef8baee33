//! The object-safe faces of the typed traits of [`super::traits`], on wire values: what the
//! semantic layer (`super::core`) calls, and where typed states, configurations and private
//! states are converted from and to values, in one place. Every type implementing a typed
//! trait implements its `Dyn*` face through the blanket impls below, so a provider registers
//! `Arc::new(MyResource)` as an `Arc<dyn DynResource<D>>`.
//!
//! Private state: the typed value is decoded from the stored bytes and, when the handler hands
//! back an equal value, the original bytes are returned untouched (a state another version
//! wrote is not rewritten for nothing).

use std::time::{Duration, SystemTime};

use async_trait::async_trait;

use super::diag::Diagnostics;
use super::model::{ModelError, Object, PrivateState};
use super::path::Path;
use super::raw_state::RawState;
use super::schema::Schema;
use super::traits::{
    Action, Create, Ctx, DataSource, Delete, EphemeralResource, Identity, ListResource, Listed,
    Opened, Outcome, Plan, Progress, Read, Resource, Update,
};
use super::value::Value;

/// A planned change on values, as the semantic layer holds it.
pub struct ValuePlan<'a> {
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

/// A handler's outcome on values.
pub type ValueOutcome<T = Option<Value>> = Outcome<T, Vec<u8>>;

/// The private bytes to keep: the original ones when the value did not change.
fn carry<P: PrivateState>(original: &[u8], before: &P, after: &P) -> Vec<u8> {
    if before == after {
        original.to_vec()
    } else {
        after.encode()
    }
}

fn from_value<S: Object>(v: &Value) -> Result<S, Diagnostics> {
    S::from_value(v).map_err(|e: ModelError| e.diagnostics())
}

/// A typed outcome as values, its private state carried from `original`.
fn to_values<S: Object, P: PrivateState>(
    out: Outcome<Option<S>, P>,
    original: &[u8],
    before: &P,
) -> ValueOutcome {
    Outcome {
        value: out.value.map(|s| s.to_value()),
        private: carry(original, before, &out.private),
        diags: out.diags,
    }
}

/// Runs `validate` on a typed configuration. A configuration the model cannot read is
/// reported only when the attribute validators found nothing (they say it better).
fn validate_typed<S: Object>(
    config: &Value,
    diags: &mut Diagnostics,
    f: impl FnOnce(&S, &mut Diagnostics),
) {
    match S::from_value(config) {
        Ok(c) => f(&c, diags),
        Err(e) if !diags.has_errors() => diags.extend(e.diagnostics()),
        Err(_) => {}
    }
}

/// What every face passes on as it is: the type name, the schema, and the validation of a
/// typed configuration.
macro_rules! common_face {
    ($typed:ident) => {
        fn type_name(&self) -> &'static str {
            $typed::type_name(self)
        }

        fn schema(&self) -> Schema {
            $typed::schema(self)
        }

        fn validate(&self, config: &Value, diags: &mut Diagnostics) {
            validate_typed(config, diags, |c, d| $typed::validate(self, c, d));
        }
    };
}

/// [`Resource`] on values.
#[async_trait]
pub trait DynResource<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn identity(&self) -> Option<Identity>;
    fn validate(&self, config: &Value, diags: &mut Diagnostics);
    fn upgrade_state(&self, version: i64, state: RawState) -> Result<RawState, String>;
    async fn plan(&self, ctx: &Ctx<D>, plan: &mut ValuePlan<'_>);
    async fn create(
        &self,
        ctx: &Ctx<D>,
        planned: &Value,
        config: &Value,
        private: &[u8],
    ) -> ValueOutcome;
    async fn read(&self, ctx: &Ctx<D>, state: &Value, private: &[u8]) -> ValueOutcome;
    async fn update(
        &self,
        ctx: &Ctx<D>,
        prior: &Value,
        planned: &Value,
        config: &Value,
        private: &[u8],
    ) -> ValueOutcome;
    async fn delete(&self, ctx: &Ctx<D>, prior: &Value, private: &[u8]) -> Diagnostics;
    fn generate_config(&self, schema: &Schema, state: &Value) -> Value;
    async fn import(&self, ctx: &Ctx<D>, id: &str) -> ValueOutcome;
}

#[async_trait]
impl<D: Send + Sync + 'static, T: Resource<D>> DynResource<D> for T {
    common_face!(Resource);

    fn identity(&self) -> Option<Identity> {
        Resource::identity(self)
    }

    fn upgrade_state(&self, version: i64, state: RawState) -> Result<RawState, String> {
        Resource::upgrade_state(self, version, state)
    }

    async fn plan(&self, ctx: &Ctx<D>, plan: &mut ValuePlan<'_>) {
        let typed = (|| {
            let prior = if plan.prior.is_null() {
                None
            } else {
                Some(from_value::<T::State>(plan.prior)?)
            };
            Ok::<_, Diagnostics>((
                prior,
                from_value::<T::State>(plan.config)?,
                from_value::<T::State>(&plan.planned)?,
            ))
        })();
        let (prior, config, planned) = match typed {
            Ok(t) => t,
            Err(d) => {
                plan.diags.extend(d);
                return;
            }
        };
        let prior_private = T::Private::decode(plan.prior_private);
        let mut p = Plan {
            schema: plan.schema,
            prior: prior.as_ref(),
            config: &config,
            planned,
            private: T::Private::decode(plan.prior_private),
            prior_private: &prior_private,
            requires_replace: std::mem::take(&mut plan.requires_replace),
            diags: std::mem::take(&mut plan.diags),
        };
        Resource::plan(self, ctx, &mut p).await;
        plan.planned = p.planned.to_value();
        plan.private = carry(plan.prior_private, &prior_private, &p.private);
        plan.requires_replace = p.requires_replace;
        plan.diags = p.diags;
    }

    async fn create(
        &self,
        ctx: &Ctx<D>,
        planned: &Value,
        config: &Value,
        private: &[u8],
    ) -> ValueOutcome {
        let req = match (from_value(planned), from_value(config)) {
            (Ok(planned), Ok(config)) => Create {
                planned,
                config,
                private: T::Private::decode(private),
            },
            (Err(d), _) | (_, Err(d)) => return Outcome::failed(d),
        };
        let before = T::Private::decode(private);
        to_values(Resource::create(self, ctx, req).await, private, &before)
    }

    async fn read(&self, ctx: &Ctx<D>, state: &Value, private: &[u8]) -> ValueOutcome {
        let state = match from_value(state) {
            Ok(s) => s,
            Err(d) => return Outcome::failed(d),
        };
        let before = T::Private::decode(private);
        let req = Read {
            state,
            private: T::Private::decode(private),
        };
        to_values(Resource::read(self, ctx, req).await, private, &before)
    }

    async fn update(
        &self,
        ctx: &Ctx<D>,
        prior: &Value,
        planned: &Value,
        config: &Value,
        private: &[u8],
    ) -> ValueOutcome {
        let req = match (from_value(prior), from_value(planned), from_value(config)) {
            (Ok(prior), Ok(planned), Ok(config)) => Update {
                prior,
                planned,
                config,
                private: T::Private::decode(private),
            },
            (Err(d), _, _) | (_, Err(d), _) | (_, _, Err(d)) => return Outcome::failed(d),
        };
        let before = T::Private::decode(private);
        to_values(Resource::update(self, ctx, req).await, private, &before)
    }

    async fn delete(&self, ctx: &Ctx<D>, prior: &Value, private: &[u8]) -> Diagnostics {
        match from_value(prior) {
            Ok(prior) => {
                let req = Delete {
                    prior,
                    private: T::Private::decode(private),
                };
                Resource::delete(self, ctx, req).await.diags
            }
            Err(d) => d,
        }
    }

    fn generate_config(&self, schema: &Schema, state: &Value) -> Value {
        Resource::generate_config(self, schema, state)
    }

    async fn import(&self, ctx: &Ctx<D>, id: &str) -> ValueOutcome {
        let before = T::Private::decode(&[]);
        to_values(Resource::import(self, ctx, id).await, &[], &before)
    }
}

/// [`DataSource`] on values.
#[async_trait]
pub trait DynDataSource<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value, diags: &mut Diagnostics);
    async fn read(&self, ctx: &Ctx<D>, config: &Value) -> Outcome<Option<Value>>;
}

#[async_trait]
impl<D: Send + Sync + 'static, T: DataSource<D>> DynDataSource<D> for T {
    common_face!(DataSource);

    async fn read(&self, ctx: &Ctx<D>, config: &Value) -> Outcome<Option<Value>> {
        let config = match from_value(config) {
            Ok(c) => c,
            Err(d) => return Outcome::failed(d),
        };
        let out = DataSource::read(self, ctx, config).await;
        Outcome {
            value: out.value.map(|m| m.to_value()),
            private: (),
            diags: out.diags,
        }
    }
}

/// [`EphemeralResource`] on values.
#[async_trait]
pub trait DynEphemeralResource<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value, diags: &mut Diagnostics);
    async fn open(&self, ctx: &Ctx<D>, config: &Value) -> ValueOutcome<Option<Opened<Value>>>;
    async fn renew(&self, ctx: &Ctx<D>, private: &[u8]) -> ValueOutcome<Option<SystemTime>>;
    async fn close(&self, ctx: &Ctx<D>, private: &[u8]) -> Diagnostics;
}

#[async_trait]
impl<D: Send + Sync + 'static, T: EphemeralResource<D>> DynEphemeralResource<D> for T {
    common_face!(EphemeralResource);

    async fn open(&self, ctx: &Ctx<D>, config: &Value) -> ValueOutcome<Option<Opened<Value>>> {
        let config = match from_value(config) {
            Ok(c) => c,
            Err(d) => return Outcome::failed(d),
        };
        let out = EphemeralResource::open(self, ctx, config).await;
        Outcome {
            value: out.value.map(|o| Opened {
                result: o.result.to_value(),
                renew_at: o.renew_at,
            }),
            private: out.private.encode(),
            diags: out.diags,
        }
    }

    async fn renew(&self, ctx: &Ctx<D>, private: &[u8]) -> ValueOutcome<Option<SystemTime>> {
        let before = T::Private::decode(private);
        let out = EphemeralResource::renew(self, ctx, T::Private::decode(private)).await;
        Outcome {
            private: carry(private, &before, &out.private),
            value: out.value,
            diags: out.diags,
        }
    }

    async fn close(&self, ctx: &Ctx<D>, private: &[u8]) -> Diagnostics {
        EphemeralResource::close(self, ctx, T::Private::decode(private))
            .await
            .diags
    }
}

/// [`Action`] on values.
#[async_trait]
pub trait DynAction<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value, diags: &mut Diagnostics);
    /// The deadline of a run with `config` (the default when it cannot be read).
    fn timeout(&self, config: &Value) -> Duration;
    async fn invoke(&self, ctx: &Ctx<D>, config: &Value, progress: &Progress) -> Diagnostics;
}

#[async_trait]
impl<D: Send + Sync + 'static, T: Action<D>> DynAction<D> for T {
    common_face!(Action);

    fn timeout(&self, config: &Value) -> Duration {
        match T::Config::from_value(config) {
            Ok(c) => Action::timeout(self, &c),
            Err(_) => super::timeouts::DEFAULT,
        }
    }

    async fn invoke(&self, ctx: &Ctx<D>, config: &Value, progress: &Progress) -> Diagnostics {
        match from_value(config) {
            Ok(c) => Action::invoke(self, ctx, c, progress).await.diags,
            Err(d) => d,
        }
    }
}

/// [`ListResource`] on values.
#[async_trait]
pub trait DynListResource<D>: Send + Sync {
    fn type_name(&self) -> &'static str;
    fn schema(&self) -> Schema;
    fn validate(&self, config: &Value, diags: &mut Diagnostics);
    async fn list(&self, ctx: &Ctx<D>, config: &Value) -> Outcome<Vec<Listed<Value>>>;
}

#[async_trait]
impl<D: Send + Sync + 'static, T: ListResource<D>> DynListResource<D> for T {
    common_face!(ListResource);

    async fn list(&self, ctx: &Ctx<D>, config: &Value) -> Outcome<Vec<Listed<Value>>> {
        let config = match from_value(config) {
            Ok(c) => c,
            Err(d) => return Outcome::failed(d),
        };
        let out = ListResource::list(self, ctx, config).await;
        Outcome {
            value: out
                .value
                .into_iter()
                .map(|l| Listed {
                    display_name: l.display_name,
                    state: l.state.to_value(),
                })
                .collect(),
            private: (),
            diags: out.diags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A private state whose stored form has several spellings of one value.
    #[derive(Debug, Default, PartialEq)]
    struct Count(i64);

    impl PrivateState for Count {
        fn decode(bytes: &[u8]) -> Self {
            Count(
                std::str::from_utf8(bytes)
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0),
            )
        }
        fn encode(&self) -> Vec<u8> {
            self.0.to_string().into_bytes()
        }
    }

    #[test]
    fn unchanged_private_state_keeps_its_bytes() {
        // Equal values: the stored bytes go back as they were, not re-encoded.
        assert_eq!(carry(b"007", &Count(7), &Count(7)), b"007");
        assert_eq!(carry(b"", &Count::default(), &Count::default()), b"");
        // A change is encoded.
        assert_eq!(carry(b"007", &Count(7), &Count(8)), b"8");
        assert_eq!(carry(b"", &Count(0), &Count(3)), b"3");
    }
}
