//! The `agent37_template_build` resource: I/O only (rules and conversions live in `model`,
//! the context in `context`). A create packs the folder, creates the build, uploads the
//! context, starts the build and polls its log until it ends.

use std::path::PathBuf;
use std::time::Instant;

use async_trait::async_trait;

use crate::api::{self, ApiError, BuildStatus, BuildUpload, Client, Op};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::api_error;
use crate::provider::newer_api;
use crate::sdk::model::Attr;
use crate::sdk::{
    Create, Ctx, Delete, Diagnostics, Identity, Outcome, Path, Plan, Read, Resource, Schema, Update,
};

use super::context::{self, Context, Excludes};
use super::model::{self, LogTail, Polls, Verdict};
use super::schema::{self, TemplateBuild};

pub const TYPE: &str = "agent37_template_build";
const SUMMARY: &str = "Unable to build template";

pub struct TemplateBuildResource;

/// Why a folder could not be packed, on the attribute responsible.
fn context_error(e: &ContextError) -> Diagnostics {
    let mut d = Diagnostics::new();
    let (attr, summary) = match e {
        ContextError::Excludes(..) => (TemplateBuild::EXCLUDES, "Invalid exclude pattern"),
        ContextError::Pack(_) => (TemplateBuild::SOURCE_DIR, "Unusable build context"),
    };
    d.attr_error(Path::attr(attr), summary, e.to_string());
    d
}

#[derive(Debug, thiserror::Error)]
enum ContextError {
    #[error("excludes[{0}]: {1}")]
    Excludes(usize, context::glob::PatternError),
    #[error("source_dir: {0}")]
    Pack(#[from] context::ContextError),
}

/// Packs the configured folder off the async runtime (it reads every file).
async fn pack(dir: &str, excludes: &[String]) -> Result<Context, ContextError> {
    let excludes = Excludes::new(excludes).map_err(|(i, e)| ContextError::Excludes(i, e))?;
    let dir = PathBuf::from(dir);
    match tokio::task::spawn_blocking(move || context::pack(&dir, &excludes)).await {
        Ok(r) => r.map_err(ContextError::from),
        Err(e) => Err(ContextError::Pack(context::ContextError::Io {
            path: String::new(),
            message: format!("packing stopped: {e}"),
        })),
    }
}

/// The folder's hash when `source_dir` and `excludes` are known; `Err` when it cannot be packed.
async fn plan_hash(config: &TemplateBuild) -> Result<Attr<String>, Diagnostics> {
    let (Some(dir), false) = (config.source_dir.as_str(), config.excludes.is_unknown()) else {
        return Ok(Attr::unknown());
    };
    let excludes = config.excludes.known().cloned().unwrap_or_default();
    match pack(dir, &excludes).await {
        Ok(c) => Ok(c.sha256.into()),
        Err(e) => Err(context_error(&e)),
    }
}

/// How a started build ended for the apply.
enum Ended {
    Succeeded(api::TemplateBuild),
    /// The build's last known shape (if read) and the diagnostics.
    Failed(Option<api::TemplateBuild>, Diagnostics),
}

/// One build being applied: its log streams to the provider's log.
struct Run<'a> {
    client: &'a Client,
    op: &'a Op,
    id: String,
    name: String,
    log: LogTail,
    offset: u64,
}

impl Run<'_> {
    /// Starts the build; `409 build_conflict` is either this build started already (an
    /// earlier attempt's answer was lost) or another build of the workspace running, which is
    /// waited for.
    async fn start(&self) -> Result<(), ApiError> {
        loop {
            match self.client.start_template_build(self.op, &self.id).await {
                Ok(()) => return Ok(()),
                Err(e) if e.code() == Some("build_conflict") => {
                    let b = self.client.get_template_build(self.op, &self.id).await?;
                    if b.status != BuildStatus::Created {
                        return Ok(());
                    }
                    tracing::info!(
                        build = %self.id,
                        "another build of the workspace is running; waiting to start this one"
                    );
                    self.wait(model::CONFLICT_WAIT, e).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Waits `delay`, or fails with `why` when the deadline comes first, or on a stop.
    async fn wait(&self, delay: std::time::Duration, why: ApiError) -> Result<(), ApiError> {
        if self.op.remaining() <= delay {
            return Err(why);
        }
        tokio::select! {
            _ = self.op.cancel_token().cancelled() => Err(ApiError::Cancelled {
                operation: format!("build {}", self.id),
            }),
            _ = tokio::time::sleep(delay) => Ok(()),
        }
    }

    /// Polls the log until the build ends, streaming its lines.
    async fn follow(&mut self) -> Ended {
        let started = Instant::now();
        let mut polls = Polls::default();
        let mut last: Option<api::TemplateBuild> = None;
        let mut shown: Option<BuildStatus> = None;
        loop {
            let chunk = match self
                .client
                .template_build_logs(self.op, &self.id, self.offset)
                .await
            {
                Ok(c) => c,
                Err(e) => return Ended::Failed(last, self.stopped(&e, started)),
            };
            for line in self.log.push(&chunk.data) {
                tracing::info!(build = %self.id, "{line}");
            }
            self.offset = chunk.offset.max(self.offset);
            let build = chunk.build;
            if shown.as_ref() != Some(&build.status) {
                tracing::info!(
                    build = %self.id, template = %self.name, status = %build.status,
                    elapsed_s = started.elapsed().as_secs(), "template build progress"
                );
                shown = Some(build.status.clone());
            }
            match model::verdict(&build) {
                Verdict::Succeeded => return Ended::Succeeded(build),
                Verdict::Failed { code, message } => {
                    let mut d = Diagnostics::new();
                    d.error(
                        SUMMARY,
                        model::failure_detail(
                            &self.id,
                            &self.name,
                            &code,
                            &message,
                            &self.log.tail(),
                        ),
                    );
                    return Ended::Failed(Some(build), d);
                }
                Verdict::Running => {}
            }
            let status = build.status.clone();
            last = Some(build);
            let delay = polls.next().unwrap_or(model::MAX_POLL);
            let timeout = ApiError::Timeout {
                operation: format!("build {} ({status})", self.id),
                timeout: self.op.timeout(),
            };
            if let Err(e) = self.wait(delay, timeout).await {
                return Ended::Failed(last, self.stopped(&e, started));
            }
        }
    }

    /// The diagnostics of a build followed until `e` (a deadline, a stop, an API error).
    fn stopped(&self, e: &ApiError, started: Instant) -> Diagnostics {
        let mut d = Diagnostics::new();
        let tail = self.log.tail();
        let log = if tail.is_empty() {
            String::new()
        } else {
            format!("\n\nThe last lines of the build log:\n{tail}")
        };
        let what = match e.last() {
            ApiError::Timeout { .. } => format!(
                "Build {} of template {:?} did not end within timeouts.create (followed for \
                 {}s). It may still finish on the platform; the next apply builds again. Raise \
                 `timeouts.create` for long builds (they may take up to 45 minutes).",
                self.id,
                self.name,
                started.elapsed().as_secs()
            ),
            _ => format!(
                "Following build {} of template {:?} failed: {}",
                self.id,
                self.name,
                crate::provider::errors::detail(e)
            ),
        };
        d.error(SUMMARY, format!("{what}{log}"));
        d
    }
}

#[async_trait]
impl Resource<Agent37Data> for TemplateBuildResource {
    type State = TemplateBuild;
    type Private = ();

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn schema(&self) -> Schema {
        schema::resource()
    }

    fn identity(&self) -> Option<Identity> {
        Some(Identity::single(TemplateBuild::ID, "The build's id."))
    }

    async fn plan(&self, ctx: &Ctx<Agent37Data>, plan: &mut Plan<'_, TemplateBuild>) {
        if plan.is_create()
            && let Err(d) = newer_api::require(ctx, TYPE).await
        {
            plan.diags.extend(d);
            return;
        }
        let hash = match plan_hash(plan.config).await {
            Ok(h) => h,
            Err(d) => {
                plan.diags.extend(d);
                return;
            }
        };
        // A build of a template that does not exist yet creates it: instances that refer to it
        // by name skip their plan-time look-up (see `template::planned`).
        if plan.is_create()
            && let Some(name) = plan.planned.name.as_str()
        {
            crate::provider::template::planned::record(name);
        }
        let new_build = model::plan_context(plan.prior, hash, &mut plan.planned);
        if let Some(prior) = plan.prior {
            for attr in model::replacing_changes(prior, plan.config) {
                plan.replace_on(attr);
            }
            if new_build {
                plan.replace_on(TemplateBuild::CONTEXT_SHA256);
            }
        }
    }

    async fn create(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Create<TemplateBuild>,
    ) -> Outcome<Option<TemplateBuild>> {
        let mut planned = req.planned;
        let (Some(dir), Some(name)) = (planned.source_dir.as_str(), planned.name.as_str()) else {
            let mut d = Diagnostics::new();
            d.error(SUMMARY, "The planned build has no source_dir or name.");
            return d.into();
        };
        let name = name.to_string();
        let excludes = planned.excludes.known().cloned().unwrap_or_default();
        let context = match pack(dir, &excludes).await {
            Ok(c) => c,
            Err(e) => return context_error(&e).into(),
        };
        if let Some(expected) = planned.context_sha256.as_str()
            && expected != context.sha256
        {
            let mut d = Diagnostics::new();
            d.attr_error(
                Path::attr(TemplateBuild::SOURCE_DIR),
                SUMMARY,
                format!(
                    "The files of {dir} changed between plan and apply (context SHA-256 {expected} \
                     planned, {} now). Nothing was built; plan and apply again.",
                    context.sha256
                ),
            );
            return d.into();
        }
        planned.context_sha256 = context.sha256.clone().into();
        let size = context.bytes.len() as u64;
        let body = match model::create_body(&planned, size) {
            Ok(b) => b,
            Err(why) => {
                let mut d = Diagnostics::new();
                d.error(SUMMARY, format!("The planned build is not usable: {why}."));
                return d.into();
            }
        };
        let (client, op) = (ctx.client(), ctx.op());
        let upload: BuildUpload = match client.create_template_build(&op, &body).await {
            Ok(u) => u,
            Err(e) => return api_error(SUMMARY, &e).into(),
        };
        tracing::info!(
            build = %upload.id, template = %name, size_bytes = size,
            entries = context.entries, sha256 = %context.sha256, "uploading the build context"
        );
        // From here on the build exists: every failure returns it, so it is replaced next time.
        let made = model::made(&upload.id, &planned);
        if let Err(e) = client
            .upload_build_context(&op, &upload, context.bytes)
            .await
        {
            return Outcome::ok(Some(made)).with_diags(api_error(
                &format!("Unable to upload the context of build {}", upload.id),
                &e,
            ));
        }
        let mut run = Run {
            client,
            op: &op,
            id: upload.id.clone(),
            name,
            log: LogTail::default(),
            offset: 0,
        };
        if let Err(e) = run.start().await {
            return Outcome::ok(Some(made)).with_diags(api_error(
                &format!("Unable to start build {}", upload.id),
                &e,
            ));
        }
        match run.follow().await {
            Ended::Succeeded(b) => Outcome::ok(Some(model::state(&b, &planned))),
            Ended::Failed(last, d) => {
                let state = last.map_or(made, |b| model::state(&b, &planned));
                Outcome::ok(Some(state)).with_diags(d)
            }
        }
    }

    async fn read(
        &self,
        ctx: &Ctx<Agent37Data>,
        req: Read<TemplateBuild, ()>,
    ) -> Outcome<Option<TemplateBuild>> {
        let Some(id) = req.state.id.as_str() else {
            let mut d = Diagnostics::new();
            d.error("Unable to read template build", "The state has no id.");
            return d.into();
        };
        match ctx.client().get_template_build(&ctx.op(), id).await {
            Ok(b) => Outcome::ok(Some(model::state(&b, &req.state))),
            Err(e) if e.is_not_found() => match newer_api::confirm_gone(ctx, TYPE).await {
                // Gone (builds are not deleted, but a workspace may be reset): built again.
                None => Outcome::ok(None),
                Some(d) => d.into(),
            },
            Err(e) => api_error(&format!("Unable to read template build {id}"), &e).into(),
        }
    }

    /// `source_dir` and `excludes` change in place when the files sent stay the same: nothing
    /// to call.
    async fn update(
        &self,
        _ctx: &Ctx<Agent37Data>,
        req: Update<TemplateBuild, ()>,
    ) -> Outcome<Option<TemplateBuild>> {
        Outcome::ok(Some(req.planned))
    }

    /// Builds cannot be deleted: the template revision it published stays.
    async fn delete(&self, _ctx: &Ctx<Agent37Data>, req: Delete<TemplateBuild, ()>) -> Outcome<()> {
        tracing::info!(
            build = req.prior.id.as_str().unwrap_or_default(),
            "forgetting the template build; the template revision it published stays"
        );
        Outcome::ok(())
    }

    async fn import(&self, _ctx: &Ctx<Agent37Data>, id: &str) -> Outcome<Option<TemplateBuild>> {
        if id.is_empty() || id.contains(['/', ' ', '@']) {
            let mut d = Diagnostics::new();
            d.error(
                "Cannot import template build",
                format!(
                    "The import id {id:?} is not a build id. Import a build by the id its \
                     create answered (`tb_…`, shown as `id` in the state that made it): \
                     `terraform import {TYPE}.example <id>`. The API cannot list builds."
                ),
            );
            return d.into();
        }
        match self.import_seed(id) {
            Ok(seed) => Outcome::ok(Some(seed)),
            Err(d) => d.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::core::upgrade_stored_state;

    /// Committed state of every released schema version upgrades into the current typed state.
    #[test]
    fn released_state_fixtures_upgrade_into_the_current_model() {
        const VERSION_0: &[u8] = br#"{"name": "crawler", "source_dir": "./agent",
            "excludes": [".git"], "default_port": 9000, "description": null,
            "id": "tb_0a1b2c3d4e5f60718293", "status": "succeeded", "revision": 3,
            "image_digest": "sha256:009e", "context_sha256": "ab12", "started": 1786000015,
            "finished": 1786000240, "timeouts": null}"#;
        let r = TemplateBuildResource;
        assert_eq!(r.schema().version, 0);
        let v = upgrade_stored_state(&r, 0, VERSION_0).expect("version 0 upgrades");
        let state = TemplateBuild::from_value(&v).expect("fits the current model");
        assert_eq!(state.revision.get(), Some(3));
        assert_eq!(state.excludes.known().map(Vec::len), Some(1));
        assert!(upgrade_stored_state(&r, 1, VERSION_0).is_err());
    }
}
