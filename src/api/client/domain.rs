//! Custom domains (revision 2026-08-21, contract 7.2): list, get, create, verify, delete.

use reqwest::Method;

use super::super::error::ApiError;
use super::super::retry::OpKind;
use super::super::types::*;
use super::{Client, Op};

impl Client {
    /// `GET /domains` (oldest first).
    pub async fn list_domains(&self, op: &Op) -> Result<Vec<Domain>, ApiError> {
        Ok(self.list(op, &["domains"]).await?.0)
    }

    /// `GET /domains/{domain}`.
    pub async fn get_domain(&self, op: &Op, domain: &str) -> Result<Domain, ApiError> {
        let req = self.req(
            Method::GET,
            &["domains", domain],
            &[],
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }

    /// `POST /domains`. A retry that answers `domain_exists` is resolved by reading the domain:
    /// this workspace holding it means an earlier attempt registered it (another workspace's
    /// domain reads as 404).
    pub async fn create_domain(&self, op: &Op, body: &CreateDomain) -> Result<Domain, ApiError> {
        let req = self.req(Method::POST, &["domains"], &[], Some(body), OpKind::Write)?;
        self.create_resolving(op, &req, "domain_exists", || async {
            self.get_domain(op, &body.domain).await.ok()
        })
        .await
    }

    /// `POST /domains/{domain}/verify`: one idempotent check of the delegation.
    pub async fn verify_domain(
        &self,
        op: &Op,
        domain: &str,
    ) -> Result<DomainVerification, ApiError> {
        let req = self.req(
            Method::POST,
            &["domains", domain, "verify"],
            &[],
            None::<&()>,
            OpKind::Write,
        )?;
        self.call(op, &req).await
    }

    /// `DELETE /domains/{domain}`; a `404 not_found` is [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_domain(&self, op: &Op, domain: &str) -> Result<DeleteOutcome, ApiError> {
        let req = self.req(
            Method::DELETE,
            &["domains", domain],
            &[],
            None::<&()>,
            OpKind::Write,
        )?;
        self.delete(op, &req).await
    }
}
