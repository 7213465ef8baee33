//! The list resources of `terraform query`, written once: [`ListOf`] fetches every object of a
//! kind ([`Fetch`]), keeps those its filters ([`Filter`], the `config { … }` block) want, and
//! turns each into the state of its managed resource. An object module only says how to
//! filter and what state an item is.

use std::future::Future;
use std::marker::PhantomData;

use async_trait::async_trait;

use crate::api::{ApiError, Client, Instance, Op, Template};
use crate::sdk::{Ctx, ListResource, Listed, Model, Object, Outcome, Schema};

use super::Agent37Data;
use super::context::Api;
use super::errors::api_error;

/// An API object the workspace lists.
pub trait Fetch: Sized + Send + Sync + 'static {
    /// What the error of a failed listing names ("instances").
    const WHAT: &'static str;

    /// Every object of the workspace.
    fn fetch<'a>(
        client: &'a Client,
        op: &'a Op,
    ) -> impl Future<Output = Result<Vec<Self>, ApiError>> + Send + 'a;
}

impl Fetch for Instance {
    const WHAT: &'static str = "instances";

    fn fetch<'a>(
        client: &'a Client,
        op: &'a Op,
    ) -> impl Future<Output = Result<Vec<Self>, ApiError>> + Send + 'a {
        client.list_instances(op)
    }
}

impl Fetch for Template {
    const WHAT: &'static str = "templates";

    fn fetch<'a>(
        client: &'a Client,
        op: &'a Op,
    ) -> impl Future<Output = Result<Vec<Self>, ApiError>> + Send + 'a {
        client.list_templates(op)
    }
}

/// The filters of a list resource: which items they want.
pub trait Filter<I>: Model + Object {
    fn wants(&self, item: &I) -> bool;
}

/// The list resource of managed type `type_name` over items `I`, filtered by `C`, each shown
/// as `listed` says: exactly the state that `import` followed by `read` produces.
pub struct ListOf<I, C, S> {
    type_name: &'static str,
    description: &'static str,
    listed: fn(&I) -> Listed<S>,
    filters: PhantomData<fn() -> C>,
}

impl<I, C, S> ListOf<I, C, S> {
    pub fn new(
        type_name: &'static str,
        description: &'static str,
        listed: fn(&I) -> Listed<S>,
    ) -> Self {
        ListOf {
            type_name,
            description,
            listed,
            filters: PhantomData,
        }
    }
}

#[async_trait]
impl<I: Fetch, C: Filter<I>, S: Object> ListResource<Agent37Data> for ListOf<I, C, S> {
    type Config = C;
    type State = S;

    fn type_name(&self) -> &'static str {
        self.type_name
    }

    fn schema(&self) -> Schema {
        C::schema(self.description)
    }

    async fn list(&self, ctx: &Ctx<Agent37Data>, config: C) -> Outcome<Vec<Listed<S>>> {
        match I::fetch(ctx.client(), &ctx.op()).await {
            Ok(all) => Outcome::ok(
                all.iter()
                    .filter(|i| config.wants(i))
                    .map(self.listed)
                    .collect(),
            ),
            Err(e) => api_error(&format!("Unable to list {}", I::WHAT), &e).into(),
        }
    }
}
