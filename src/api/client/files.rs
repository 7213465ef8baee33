//! Files on an instance's agent plane (revision 2026-08-21, **[decided]**: see
//! `types/file.rs`): put, stat, delete, on the instance's default URL with `X-Agent37-Key`.
//! Plane answers are flat: a missing file is `404 {"error": "file_not_found"}`, a missing
//! instance `404 {"error": "not_found"}`.

use base64::Engine;
use reqwest::Method;

use super::super::error::ApiError;
use super::super::retry::OpKind;
use super::super::types::*;
use super::transport::RunStats;
use super::{Client, Op};

/// `["v1", "files", segments of path…]`.
fn segments(path: &str) -> Vec<&str> {
    ["v1", "files"].into_iter().chain(path.split('/')).collect()
}

impl Client {
    /// `PUT {url}/v1/files/{path}`: writes the whole file (idempotent: the same content again
    /// leaves the same file).
    pub async fn put_file(
        &self,
        op: &Op,
        inst: &Instance,
        path: &str,
        content: &[u8],
    ) -> Result<FileStat, ApiError> {
        let body = PutFile {
            content_base64: base64::engine::general_purpose::STANDARD.encode(content),
        };
        let body = serde_json::to_vec(&body)
            .map_err(|e| ApiError::InvalidArgument(format!("file body: {e}")))?;
        let req = self.plane_req(
            inst,
            Method::PUT,
            &segments(path),
            Some(body),
            OpKind::Write,
        )?;
        let max = self.inner.policy.max_retries;
        let answer = self
            .run_with(op, &req, &mut RunStats::default(), max, true)
            .await?;
        self.decode(&req, &answer)
    }

    /// `GET {url}/v1/files/{path}`: the file's stat; `None` when there is no such file.
    pub async fn stat_file(
        &self,
        op: &Op,
        inst: &Instance,
        path: &str,
    ) -> Result<Option<FileStat>, ApiError> {
        let req = self.plane_req(inst, Method::GET, &segments(path), None, OpKind::Read)?;
        let max = self.inner.policy.max_retries;
        match self
            .run_with(op, &req, &mut RunStats::default(), max, true)
            .await
        {
            Ok(answer) => self.decode(&req, &answer).map(Some),
            Err(e) if e.last().flat_code() == Some(FILE_NOT_FOUND) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `DELETE {url}/v1/files/{path}`; a missing file is [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_file(
        &self,
        op: &Op,
        inst: &Instance,
        path: &str,
    ) -> Result<DeleteOutcome, ApiError> {
        let req = self.plane_req(inst, Method::DELETE, &segments(path), None, OpKind::Write)?;
        let max = self.inner.policy.max_retries;
        match self
            .run_with(op, &req, &mut RunStats::default(), max, true)
            .await
        {
            Ok(_) => Ok(DeleteOutcome::Deleted),
            Err(e) if e.last().flat_code() == Some(FILE_NOT_FOUND) => {
                Ok(DeleteOutcome::AlreadyGone)
            }
            Err(e) => Err(e),
        }
    }
}
