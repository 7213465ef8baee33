//! One method per endpoint of the hosting API (the instance create lives in `create`).

use std::time::Instant;

use reqwest::Method;
use serde::Serialize;

use super::super::error::ApiError;
use super::super::list_cache::Step;
use super::super::retry::OpKind;
use super::super::types::*;
use super::transport::RunStats;
use super::{Client, Op};
use crate::timing;

impl Client {
    // -----------------------------------------------------------------------------------------
    // Instances
    // -----------------------------------------------------------------------------------------

    /// `GET /instances`, following `next_cursor` when the server pages. An instance this client
    /// cannot decode is left out (with a warning), never the whole list.
    pub async fn list_instances(&self, op: &Op) -> Result<Vec<Instance>, ApiError> {
        Ok(self.seen_all(self.list(op, &["instances"]).await?.0))
    }

    /// `GET /instances/{id}`.
    pub async fn get_instance(&self, op: &Op, id: &str) -> Result<Instance, ApiError> {
        let req = self.req(
            Method::GET,
            &["instances", id],
            &[],
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await.map(|i| self.seen(i))
    }

    /// An instance as a refresh reads it: `GET /instances/{id}` for a lone read; when reads come
    /// in a burst, one `GET /instances` serves them all, and the reads that follow less than
    /// [`LIST_WINDOW`](super::LIST_WINDOW) apart, for up to
    /// [`LIST_MAX_AGE`](super::LIST_MAX_AGE), unless this client writes an instance meanwhile.
    /// An id the list lacks is confirmed with its own GET, so the outcome (a 404 included) is
    /// the GET's.
    ///
    /// Create safety: the id is claimed first. A refresh reads the instances this process holds,
    /// so no ambiguous create may adopt one of them.
    pub async fn read_instance(&self, op: &Op, id: &str) -> Result<Instance, ApiError> {
        self.claim(id);
        let reads = &self.inner.instance_reads;
        let snapshot = match reads.begin(id, Instant::now()) {
            Step::Hit(instance) => return Ok(instance),
            Step::Get(_running) => return self.get_instance(op, id).await,
            Step::Wait(waiter) => {
                tokio::select! {
                    s = timing::waiting(waiter.wait()) => s,
                    _ = self.cancelled(op) => None,
                }
            }
            Step::List(leader) => {
                let listed = self.list_instances(op).await;
                if let Err(e) = &listed {
                    tracing::debug!(error = %e, "shared instance list failed; reading one by one");
                }
                leader.finish(listed.ok(), |i| i.id.as_str(), Instant::now())
            }
        };
        match snapshot.and_then(|s| s.get(id).cloned()) {
            Some(instance) => Ok(instance),
            None => self.get_instance(op, id).await,
        }
    }

    /// `PATCH /instances/{id}`.
    pub async fn patch_instance(
        &self,
        op: &Op,
        id: &str,
        body: &PatchInstance,
    ) -> Result<Instance, ApiError> {
        let req = self.req(
            Method::PATCH,
            &["instances", id],
            &[],
            Some(body),
            OpKind::Write,
        )?;
        self.call(op, &req).await.map(|i| self.seen(i))
    }

    /// `DELETE /instances/{id}`; a `404 not_found` is [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_instance(&self, op: &Op, id: &str) -> Result<DeleteOutcome, ApiError> {
        let req = self.req(
            Method::DELETE,
            &["instances", id],
            &[],
            None::<&()>,
            OpKind::Write,
        )?;
        self.delete(op, &req).await
    }

    /// `POST /instances/{id}/stop`, bounded by the operation's deadline.
    pub async fn stop_instance(&self, op: &Op, id: &str) -> Result<ActionAck, ApiError> {
        self.action(op, id, "stop", None::<&()>).await
    }

    /// `POST /instances/{id}/start`, bounded by the operation's deadline.
    pub async fn start_instance(&self, op: &Op, id: &str) -> Result<ActionAck, ApiError> {
        self.action(op, id, "start", None::<&()>).await
    }

    /// `POST /instances/{id}/restart`, bounded by the operation's deadline.
    pub async fn restart_instance(&self, op: &Op, id: &str) -> Result<ActionAck, ApiError> {
        self.action(op, id, "restart", None::<&()>).await
    }

    /// `POST /instances/{id}/update`: without `template`, the instance takes its template's
    /// current image (2026-08-21: a pinned one stays put); with one (2026-08-21 only), it pins,
    /// unpins, rolls back or migrates to that template reference.
    pub async fn update_instance(
        &self,
        op: &Op,
        id: &str,
        template: Option<&str>,
    ) -> Result<ActionAck, ApiError> {
        match template {
            None => self.action(op, id, "update", None::<&()>).await,
            Some(t) => {
                let body = UpdateRequest {
                    template: Some(t.to_owned()),
                };
                self.action(op, id, "update", Some(&body)).await
            }
        }
    }

    /// `POST /instances/{id}/resize`.
    pub async fn resize_instance(
        &self,
        op: &Op,
        id: &str,
        body: &Resize,
    ) -> Result<ActionAck, ApiError> {
        self.action(op, id, "resize", Some(body)).await
    }

    pub(super) async fn action<B: Serialize>(
        &self,
        op: &Op,
        id: &str,
        action: &str,
        body: Option<&B>,
    ) -> Result<ActionAck, ApiError> {
        let mut req = self.req(
            Method::POST,
            &["instances", id, action],
            &[],
            body,
            OpKind::Action,
        )?;
        req.blocking = true;
        req.instance = Some(id.to_owned());
        self.call(op, &req).await
    }

    /// `POST /instances/{id}/exec`: bounded by the operation's deadline and never sent again
    /// once it may have reached the server.
    pub async fn exec(&self, op: &Op, id: &str, command: &str) -> Result<ExecResult, ApiError> {
        let body = ExecRequest {
            command: command.to_owned(),
        };
        let mut req = self.req(
            Method::POST,
            &["instances", id, "exec"],
            &[],
            Some(&body),
            OpKind::NonIdempotent,
        )?;
        req.blocking = true;
        self.call(op, &req).await
    }

    /// `POST /instances/{id}/signed-url`. Minting is harmless to repeat, so it is retried.
    pub async fn signed_url(
        &self,
        op: &Op,
        id: &str,
        body: &SignedUrlRequest,
    ) -> Result<SignedUrl, ApiError> {
        let req = self.req(
            Method::POST,
            &["instances", id, "signed-url"],
            &[],
            Some(body),
            OpKind::Write,
        )?;
        self.call(op, &req).await
    }

    // -----------------------------------------------------------------------------------------
    // Templates
    // -----------------------------------------------------------------------------------------

    /// `GET /templates` (a template this client cannot decode is left out, with a warning).
    pub async fn list_templates(&self, op: &Op) -> Result<Vec<Template>, ApiError> {
        Ok(self.seen_all(self.list(op, &["templates"]).await?.0))
    }

    /// `GET /templates/{name}`, where `name` may carry a pin (`crawler@3`, 2026-08-21: the
    /// template as of that version).
    pub async fn get_template(&self, op: &Op, name: &str) -> Result<Template, ApiError> {
        let req = self.req(
            Method::GET,
            &["templates", name],
            &[],
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await.map(|t| self.seen(t))
    }

    /// `POST /templates`. A retry after an ambiguous attempt that answers `template_conflict`
    /// is resolved by reading the template: if it is exactly what was sent, the first attempt
    /// made it. Bounded by the operation's deadline (the resource's timeouts), not
    /// `request_timeout`: revision 2026-08-21 copies the image before it answers.
    pub async fn create_template(
        &self,
        op: &Op,
        body: &CreateTemplate,
    ) -> Result<Template, ApiError> {
        let mut req = self.req(Method::POST, &["templates"], &[], Some(body), OpKind::Write)?;
        req.blocking = true;
        let mut stats = RunStats::default();
        let err = match self.run(op, &req, &mut stats).await {
            Ok(answer) => return self.decode(&req, &answer).map(|t| self.seen(t)),
            Err(e) => e,
        };
        // Only a conflict after an attempt that may have made the template needs a look.
        if stats.possibly_applied == 0 || err.code() != Some("template_conflict") {
            return Err(err);
        }
        match self.get_template(op, &body.name).await {
            Ok(existing) if body.matches(&existing) => Ok(existing),
            _ => Err(err),
        }
    }

    /// `PATCH /templates/{name}`: bounded by the operation's deadline, as a create (a new
    /// `image_ref` is copied before the answer). Re-sending the same body is harmless: the same
    /// `image_ref` string makes no new revision.
    pub async fn patch_template(
        &self,
        op: &Op,
        name: &str,
        body: &PatchTemplate,
    ) -> Result<Template, ApiError> {
        let mut req = self.req(
            Method::PATCH,
            &["templates", name],
            &[],
            Some(body),
            OpKind::Write,
        )?;
        req.blocking = true;
        self.call(op, &req).await.map(|t| self.seen(t))
    }

    /// `DELETE /templates/{name}`; a `404 not_found` is [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_template(&self, op: &Op, name: &str) -> Result<DeleteOutcome, ApiError> {
        let req = self.req(
            Method::DELETE,
            &["templates", name],
            &[],
            None::<&()>,
            OpKind::Write,
        )?;
        self.delete(op, &req).await
    }

    // -----------------------------------------------------------------------------------------
    // Budgets and usage
    // -----------------------------------------------------------------------------------------

    /// `GET /instances/{id}/budget`.
    pub async fn get_budget(&self, op: &Op, instance_id: &str) -> Result<Budget, ApiError> {
        let req = self.req(
            Method::GET,
            &["instances", instance_id, "budget"],
            &[],
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }

    /// `PATCH /instances/{id}/budget` (idempotent).
    pub async fn patch_budget(
        &self,
        op: &Op,
        instance_id: &str,
        body: &PatchBudget,
    ) -> Result<Budget, ApiError> {
        let req = self.req(
            Method::PATCH,
            &["instances", instance_id, "budget"],
            &[],
            Some(body),
            OpKind::Write,
        )?;
        self.call(op, &req).await
    }

    /// `POST /instances/{id}/budget/top-up`. Retried like any idempotent write when it carries
    /// an idempotency key (see [`super::topup_idempotency_key`]); without one it is never sent
    /// twice once it may have reached the server.
    pub async fn top_up(
        &self,
        op: &Op,
        instance_id: &str,
        body: &TopUp,
    ) -> Result<Budget, ApiError> {
        let kind = if body.idempotency_key.is_some() {
            OpKind::Write
        } else {
            OpKind::NonIdempotent
        };
        let req = self.req(
            Method::POST,
            &["instances", instance_id, "budget", "top-up"],
            &[],
            Some(body),
            kind,
        )?;
        self.call(op, &req).await
    }

    /// `GET /instances/{id}/usage[?month=YYYY-MM]`.
    pub async fn get_usage(
        &self,
        op: &Op,
        instance_id: &str,
        month: Option<&str>,
    ) -> Result<Usage, ApiError> {
        let query: Vec<(&str, &str)> = month.map(|m| ("month", m)).into_iter().collect();
        let req = self.req(
            Method::GET,
            &["instances", instance_id, "usage"],
            &query,
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }
}
