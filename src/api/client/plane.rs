//! The instance plane: `GET {url}/v1/health` of an instance's agent gateway, under either
//! revision (`docs/contract/hosting-api-2026-08.md` §6 and §8.3). The key travels as the
//! revision of the instance object wants it: `Authorization: Bearer` for a 2026-06-25 object,
//! `X-Agent37-Key` for a 2026-08-21 one (the Bearer form is deprecated there).

use reqwest::Method;

use super::super::config::is_loopback;
use super::super::error::ApiError;
use super::super::retry::OpKind;
use super::super::revision::{ApiRevision, RevisionHint};
use super::super::types::{FALLBACK_DEFAULT_PORT, Instance};
use super::transport::{Auth, Req};
use super::{Client, Op};

/// What one health poll found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HealthPoll {
    /// The gateway answered `"ok": true`.
    Healthy,
    /// Not ready yet: booting, waking (`wake_timeout`, `wake_failed` retry by themselves), or
    /// `"ok": false`. What the edge or the gateway said.
    NotYet(String),
    /// 2026-08-21: `402 instance_suspended`: the workspace balance is negative; no wake is
    /// attempted until a top-up.
    Suspended,
}

impl Client {
    /// The port `inst` serves at its default URL: the default entry of its `ports`
    /// (2026-06-25), else, for a 2026-08-21 instance (which has `url` and no `ports`), its
    /// template's `default_port` (null, or a template since deleted: the fallback 3737). `None`
    /// when the instance has no default port.
    pub async fn default_port(&self, op: &Op, inst: &Instance) -> Result<Option<u16>, ApiError> {
        if let Some(p) = inst.declared_default_port() {
            return Ok(Some(p));
        }
        if inst.url.is_none() {
            return Ok(None);
        }
        match self.get_template(op, inst.template_name()).await {
            Ok(t) => Ok(Some(t.default_port().unwrap_or(FALLBACK_DEFAULT_PORT))),
            Err(e) if e.is_not_found() => Ok(Some(FALLBACK_DEFAULT_PORT)),
            Err(e) => Err(e),
        }
    }

    /// One `GET {url}/v1/health` of `inst`'s default port, with the workspace key in the header
    /// its revision wants. The key only travels over https, or over http to loopback (a
    /// loopback base URL resolves every name to loopback, see `resolve`).
    pub async fn instance_health(&self, op: &Op, inst: &Instance) -> Result<HealthPoll, ApiError> {
        #[derive(serde::Deserialize)]
        struct Health {
            #[serde(default)]
            ok: bool,
        }
        let req = self.plane_req(inst, Method::GET, &["v1", "health"], None, OpKind::Read)?;
        self.check_live(op, &req)?;
        match self.attempt(op, &req, 0).await {
            Ok(answer) => Ok(if self.decode::<Health>(&req, &answer)?.ok {
                HealthPoll::Healthy
            } else {
                HealthPoll::NotYet("the gateway answered ok: false".into())
            }),
            Err(e) if e.flat_code() == Some("instance_suspended") => Ok(HealthPoll::Suspended),
            Err(e) if matches!(e.status(), Some(502..=504)) => {
                Ok(HealthPoll::NotYet(e.flat_code().map_or_else(
                    || format!("HTTP {}", e.status().unwrap_or(0)),
                    str::to_owned,
                )))
            }
            Err(e) => Err(e),
        }
    }

    /// A request to `{url}/{segments…}` of `inst`'s default URL, with the workspace key in
    /// the header its revision wants. The key only travels over https, or over http to
    /// loopback (a loopback base URL resolves every name to loopback, see `resolve`).
    pub(super) fn plane_req(
        &self,
        inst: &Instance,
        method: Method,
        segments: &[&str],
        body: Option<Vec<u8>>,
        kind: OpKind,
    ) -> Result<Req, ApiError> {
        let Some(instance_url) = inst.default_url() else {
            return Err(ApiError::InvalidArgument(format!(
                "instance {} has no URL",
                inst.id
            )));
        };
        let mut url = reqwest::Url::parse(instance_url).map_err(|e| {
            ApiError::InvalidArgument(format!("instance URL {instance_url:?}: {e}"))
        })?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let plain_ok = is_loopback(&host) || self.inner.loopback;
        match url.scheme() {
            "https" => {}
            "http" if plain_ok => {}
            other => {
                return Err(ApiError::InvalidArgument(format!(
                    "instance URL {instance_url:?} uses {other}:// to {host}: the key is only sent over https, or over http to loopback"
                )));
            }
        }
        url.set_query(None);
        url.set_fragment(None);
        url.path_segments_mut()
            .map_err(|()| ApiError::InvalidArgument("the instance URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        let auth = match inst.revision_hint() {
            Some(ApiRevision::R2026_08_21) => Auth::AgentKey,
            _ => Auth::Bearer,
        };
        Ok(Req {
            method,
            path: url.path().to_owned(),
            url,
            body,
            kind,
            blocking: false,
            instance: None,
            auth,
        })
    }
}
