//! SSH keys (revision 2026-08-21, contract 7.3): list, create, delete. There is no GET by id:
//! a key is found in the list.

use reqwest::Method;

use super::super::error::ApiError;
use super::super::retry::OpKind;
use super::super::types::*;
use super::{Client, Op};

impl Client {
    /// `GET /ssh-keys` (newest first).
    pub async fn list_ssh_keys(&self, op: &Op) -> Result<Vec<SshKey>, ApiError> {
        Ok(self.list(op, &["ssh-keys"]).await?.0)
    }

    /// The key `id` from the list; `None` when the workspace has no such key.
    pub async fn find_ssh_key(&self, op: &Op, id: &str) -> Result<Option<SshKey>, ApiError> {
        Ok(self
            .list_ssh_keys(op)
            .await?
            .into_iter()
            .find(|k| k.id == id))
    }

    /// `POST /ssh-keys`. `fingerprint` is the fingerprint of `body.public_key`: a retry that
    /// answers `ssh_key_exists` is resolved by finding the key an earlier attempt registered.
    pub async fn create_ssh_key(
        &self,
        op: &Op,
        body: &CreateSshKey,
        fingerprint: &str,
    ) -> Result<SshKey, ApiError> {
        let req = self.req(Method::POST, &["ssh-keys"], &[], Some(body), OpKind::Write)?;
        self.create_resolving(op, &req, "ssh_key_exists", || async {
            let keys = self.list_ssh_keys(op).await.ok()?;
            keys.into_iter().find(|k| body.matches(fingerprint, k))
        })
        .await
    }

    /// `DELETE /ssh-keys/{id}`; a `404 not_found` is [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_ssh_key(&self, op: &Op, id: &str) -> Result<DeleteOutcome, ApiError> {
        let req = self.req(
            Method::DELETE,
            &["ssh-keys", id],
            &[],
            None::<&()>,
            OpKind::Write,
        )?;
        self.delete(op, &req).await
    }
}
