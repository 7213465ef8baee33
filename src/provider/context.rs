//! The per-object context of the agent37 handlers: the SDK hands every handler a [`Ctx`] with
//! the configured data, the operation's deadline and Terraform's cancellation; this is the one
//! place that turns it into the API client and an [`Op`] bounded and cancelled accordingly.

use std::time::Duration;

use crate::api::{Client, Op};
use crate::sdk::Ctx;

use super::Agent37Data;

/// The API side of a handler's context.
pub trait Api {
    /// The configured API client.
    fn client(&self) -> &Client;
    /// An operation bounded by the context's deadline and cancelled with Terraform's stop.
    fn op(&self) -> Op;
    /// The same with another deadline (a read that must not share a used-up deadline).
    fn op_within(&self, deadline: Duration) -> Op;
}

impl Api for Ctx<Agent37Data> {
    fn client(&self) -> &Client {
        &self.data().client
    }

    fn op(&self) -> Op {
        self.op_within(self.deadline())
    }

    fn op_within(&self, deadline: Duration) -> Op {
        self.client()
            .op(deadline)
            .with_cancel(self.cancel().clone())
    }
}
