//! App integrations of an instance (revision 2026-08-21, contract 7.6): managed Composio
//! connections. Connect, list, delete. There is no GET of one connection: it is found in its
//! instance's list. Connecting again adds another account, so a connect is never sent twice.

use reqwest::Method;

use super::super::error::ApiError;
use super::super::retry::OpKind;
use super::super::types::*;
use super::{Client, Op};

impl Client {
    /// `GET /instances/{id}/integrations/connections[?toolkit=]`, oldest first as the API
    /// lists them. An item this client cannot decode is left out (with a warning).
    pub async fn list_connections(
        &self,
        op: &Op,
        instance_id: &str,
        toolkit: Option<&str>,
    ) -> Result<Vec<Connection>, ApiError> {
        let query: Vec<(&str, &str)> = toolkit.map(|t| ("toolkit", t)).into_iter().collect();
        let req = self.req(
            Method::GET,
            &["instances", instance_id, "integrations", "connections"],
            &query,
            None::<&()>,
            OpKind::Read,
        )?;
        let list: ConnectionList = self.call(op, &req).await?;
        Ok(list
            .connections
            .iter()
            .filter_map(|raw| self.list_item(&req, raw))
            .collect())
    }

    /// The connection `id` of the instance; `None` when the instance has no such connection.
    pub async fn find_connection(
        &self,
        op: &Op,
        instance_id: &str,
        id: &str,
    ) -> Result<Option<Connection>, ApiError> {
        Ok(self
            .list_connections(op, instance_id, None)
            .await?
            .into_iter()
            .find(|c| c.id == id))
    }

    /// `POST /instances/{id}/integrations/connect` (answers `200`). Not idempotent (a repeat
    /// adds another account): never sent again once it may have reached the server; the
    /// caller resolves an ambiguous outcome.
    pub async fn connect_integration(
        &self,
        op: &Op,
        instance_id: &str,
        body: &Connect,
    ) -> Result<Connected, ApiError> {
        let req = self.req(
            Method::POST,
            &["instances", instance_id, "integrations", "connect"],
            &[],
            Some(body),
            OpKind::NonIdempotent,
        )?;
        self.call(op, &req).await
    }

    /// `DELETE /instances/{id}/integrations/connections/{cid}`; a `404 not_found` (the
    /// connection, or its instance, is gone) is [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_connection(
        &self,
        op: &Op,
        instance_id: &str,
        id: &str,
    ) -> Result<DeleteOutcome, ApiError> {
        let req = self.req(
            Method::DELETE,
            &["instances", instance_id, "integrations", "connections", id],
            &[],
            None::<&()>,
            OpKind::Write,
        )?;
        self.delete(op, &req).await
    }
}
