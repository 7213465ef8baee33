//! The list resources of `terraform query`, written once: each object module describes what it
//! lists with [`Listable`] (how to fetch, which items a configuration wants, what state an item
//! is), and [`ListOf`] is the list resource for it.

use std::future::Future;
use std::marker::PhantomData;

use async_trait::async_trait;

use crate::api::{ApiError, Client, Instance, Op, Template};
use crate::sdk::{Ctx, ListResource, Listed, Object, Outcome, Schema};

use super::Agent37Data;
use super::context::Api;
use super::errors::api_error;

/// An API object the workspace lists.
pub trait Fetch: Sized + Send + Sync {
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

/// What a list resource lists.
pub trait Listable: Send + Sync + 'static {
    /// The managed resource type the found objects belong to.
    const TYPE_NAME: &'static str;
    /// An object as the API lists it.
    type Item: Fetch;
    /// The filters (the `config { … }` block of a `list` block).
    type Config: Object;
    /// The managed resource's state.
    type State: Object;

    fn schema() -> Schema;

    /// Which items the configuration asks for.
    fn filter(config: &Self::Config) -> impl Fn(&Self::Item) -> bool + Send;

    /// What `terraform query` shows and imports for one item: exactly the state that `import`
    /// followed by `read` produces.
    fn listed(item: &Self::Item) -> Listed<Self::State>;
}

/// The list resource of a [`Listable`].
pub struct ListOf<L>(PhantomData<fn() -> L>);

impl<L> ListOf<L> {
    pub fn new() -> Self {
        ListOf(PhantomData)
    }
}

impl<L> Default for ListOf<L> {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl<L: Listable> ListResource<Agent37Data> for ListOf<L> {
    type Config = L::Config;
    type State = L::State;

    fn type_name(&self) -> &'static str {
        L::TYPE_NAME
    }

    fn schema(&self) -> Schema {
        L::schema()
    }

    async fn list(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: L::Config,
    ) -> Outcome<Vec<Listed<L::State>>> {
        match L::Item::fetch(ctx.client(), &ctx.op()).await {
            Ok(all) => {
                let wanted = L::filter(&config);
                Outcome::ok(all.iter().filter(|i| wanted(i)).map(L::listed).collect())
            }
            Err(e) => api_error(&format!("Unable to list {}", L::Item::WHAT), &e).into(),
        }
    }
}
