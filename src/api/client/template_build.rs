//! Cloud template builds (revision 2026-08-21, contract 3.3): create, upload the context to the
//! presigned URL, start, read, read the log. There is no list and no delete of builds.

use reqwest::{Method, Url};

use super::super::error::ApiError;
use super::super::retry::OpKind;
use super::super::types::*;
use super::transport::{Auth, Req, RunStats};
use super::{Client, Op};

/// How the upload shows in logs and errors: never the URL, which is a credential.
const UPLOAD_LABEL: &str = "(the build's upload URL)";

impl Client {
    /// `POST /template-builds`: a build in `created`, with the URL its context goes to. A
    /// repeat after an ambiguous failure at worst leaves an unstarted build, which costs
    /// nothing and expires.
    pub async fn create_template_build(
        &self,
        op: &Op,
        body: &CreateTemplateBuild,
    ) -> Result<BuildUpload, ApiError> {
        let req = self.req(
            Method::POST,
            &["template-builds"],
            &[],
            Some(body),
            OpKind::Write,
        )?;
        self.call(op, &req).await
    }

    /// `PUT {upload_url}` with the gzipped context: no key (the URL is the credential), no
    /// `Expect: 100-continue`. Idempotent until `start`: a repeat replaces the context.
    pub async fn upload_build_context(
        &self,
        op: &Op,
        upload: &BuildUpload,
        context: Vec<u8>,
    ) -> Result<(), ApiError> {
        let url = Url::parse(upload.upload_url.expose()).map_err(|_| {
            ApiError::InvalidArgument("the API answered an upload URL that is not a URL".into())
        })?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(ApiError::InvalidArgument(
                "the API answered an upload URL that is not http(s)".into(),
            ));
        }
        let req = Req {
            method: Method::PUT,
            url,
            path: UPLOAD_LABEL.to_string(),
            body: Some(context),
            kind: OpKind::Write,
            // A large context on a slow link: bounded by the operation, not request_timeout.
            blocking: true,
            instance: None,
            auth: Auth::Presigned,
        };
        // Not `run`: a 404 here says nothing about the API's routes.
        let max = self.inner.policy.max_retries;
        self.run_with(op, &req, &mut RunStats::default(), max, true)
            .await
            .map(|_| ())
    }

    /// `POST /template-builds/{id}/start`.
    pub async fn start_template_build(&self, op: &Op, id: &str) -> Result<(), ApiError> {
        let req = self.req(
            Method::POST,
            &["template-builds", id, "start"],
            &[],
            None::<&()>,
            // A repeat of a start that took effect answers 409 build_conflict, which the
            // caller resolves by reading the build.
            OpKind::Write,
        )?;
        self.run(op, &req, &mut RunStats::default())
            .await
            .map(|_| ())
    }

    /// `GET /template-builds/{id}`.
    pub async fn get_template_build(&self, op: &Op, id: &str) -> Result<TemplateBuild, ApiError> {
        let req = self.req(
            Method::GET,
            &["template-builds", id],
            &[],
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }

    /// `GET /template-builds/{id}/logs?offset=N`: the build and its log from byte `offset`.
    pub async fn template_build_logs(
        &self,
        op: &Op,
        id: &str,
        offset: u64,
    ) -> Result<BuildLogChunk, ApiError> {
        let offset = offset.to_string();
        let req = self.req(
            Method::GET,
            &["template-builds", id, "logs"],
            &[("offset", offset.as_str())],
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }
}
