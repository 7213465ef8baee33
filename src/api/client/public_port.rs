//! Public ports of an instance (revision 2026-08-21, contract 7.1): list, create, delete. There
//! is no PATCH and no GET of one port: a port is found in its instance's list.

use reqwest::Method;

use super::super::error::ApiError;
use super::super::retry::OpKind;
use super::super::types::*;
use super::{Client, Op};

impl Client {
    /// `GET /instances/{id}/public-ports` (creation order).
    pub async fn list_public_ports(
        &self,
        op: &Op,
        instance_id: &str,
    ) -> Result<Vec<PublicPort>, ApiError> {
        Ok(self
            .list(op, &["instances", instance_id, "public-ports"])
            .await?
            .0)
    }

    /// `POST /instances/{id}/public-ports`. A retry that answers `public_port_exists` is
    /// resolved by finding the entry an earlier attempt made.
    pub async fn create_public_port(
        &self,
        op: &Op,
        instance_id: &str,
        body: &CreatePublicPort,
    ) -> Result<PublicPort, ApiError> {
        let req = self.req(
            Method::POST,
            &["instances", instance_id, "public-ports"],
            &[],
            Some(body),
            OpKind::Write,
        )?;
        self.create_resolving(op, &req, "public_port_exists", || async {
            let ports = self.list_public_ports(op, instance_id).await.ok()?;
            ports.into_iter().find(|p| body.matches(p))
        })
        .await
    }

    /// `DELETE /instances/{id}/public-ports/{port}`; a `404 not_found` (the entry or the
    /// instance is gone) is [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_public_port(
        &self,
        op: &Op,
        instance_id: &str,
        port: u16,
    ) -> Result<DeleteOutcome, ApiError> {
        let port = port.to_string();
        let req = self.req(
            Method::DELETE,
            &["instances", instance_id, "public-ports", &port],
            &[],
            None::<&()>,
            OpKind::Write,
        )?;
        self.delete(op, &req).await
    }
}
