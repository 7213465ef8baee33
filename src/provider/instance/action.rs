//! Actions on an instance (Terraform ≥ 1.14): `agent37_instance_exec`,
//! `agent37_instance_restart` and `agent37_instance_update`. One-off operations run with
//! `terraform apply -invoke=action.<type>.<name>` or from a resource's `action_trigger`; they
//! change nothing in state.
//!
//! The API's lifecycle calls and exec answer only when they are done, so every wait sends a
//! "still …" progress event every few seconds. The pure parts (schemas, the exec report and its
//! failure) are unit-tested at the bottom.

use std::future::Future;
use std::time::Duration;

use async_trait::async_trait;

use crate::api::{
    ApiError, ApiRevision, Client, ExecResult, Instance, InstanceStatus, Op, template_name,
};
use crate::provider::Agent37Data;
use crate::provider::context::Api;
use crate::provider::errors::{api_error, detail};
use crate::sdk::model::Attr;
use crate::sdk::validate::{Validator, check};
use crate::sdk::{Action, Ctx, Diagnostics, Model, Outcome, Path, Progress, Schema, duration};

use super::health;
use crate::provider::ids;
use crate::provider::revision;

pub const EXEC: &str = "agent37_instance_exec";
pub const RESTART: &str = "agent37_instance_restart";
pub const UPDATE: &str = "agent37_instance_update";

/// Between two "still running" progress events.
const TICK: Duration = Duration::from_secs(5);
/// Default `timeout` of exec: the API's own limit (280 s) plus slack for the network.
const EXEC_TIMEOUT: &str = "5m";
/// Default `timeout` of restart and update, like the resources' `timeouts`.
pub(super) const LIFECYCLE_TIMEOUT: &str = "10m";
/// Each output stream is shown up to this many bytes (its end, where errors usually are).
pub const SHOWN_BYTES: usize = 4096;
/// The end of stderr carried by the diagnostic of a failed command.
pub const FAILURE_TAIL_BYTES: usize = 2048;

// ---------------------------------------------------------------------------------------------
// Configurations
// ---------------------------------------------------------------------------------------------

/// A string that must not be blank.
fn non_empty(what: &'static str) -> impl Validator + 'static {
    check(what, |v| match v.as_str() {
        Some(s) if s.trim().is_empty() => Err("must not be empty".into()),
        _ => Ok(()),
    })
}

/// A duration longer than zero.
pub(super) fn positive_duration() -> impl Validator + 'static {
    check(
        "A positive duration such as `\"30s\"`, `\"5m\"` or `\"1h\"`.",
        |v| match v.as_str().map(duration::parse) {
            Some(Ok(d)) if d.is_zero() => Err("must be longer than zero".into()),
            Some(Err(e)) => Err(e),
            _ => Ok(()),
        },
    )
}

pub(super) fn timeout_doc(doc: &str, default: &str) -> String {
    format!("{doc} Default `\"{default}\"`.")
}

pub(super) fn wait_doc(after: &str) -> String {
    format!(
        "After the {after}, wait (within `timeout`) until the agent gateway's `/v1/health` answers `ok`, as `agent37_instance` does. Applies only to running instances of templates with agents and a default port. Default true."
    )
}

const EXEC_DESCRIPTION: &str = "Runs a shell command on a running instance (`sh -c` inside it) and shows its output. The API answers only when the command ends, so a progress line is shown every few seconds while it runs; then stdout, stderr (each cut to its last 4 KB for display) and the exit code. A non-zero exit code fails the run unless `allow_failure = true`. The API stops commands after 280 seconds and caps each output stream at 512 KB (keeping its start and end). A command is never sent twice: if the call fails after it may have reached the instance, the command may have run.";

/// The configuration of `agent37_instance_exec`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct ExecConfig {
    #[attr(
        required,
        describe = "The id of the instance to run the command on; it must be running.",
        validate = ids::rule()
    )]
    pub instance_id: Attr<String>,
    #[attr(
        required,
        describe = "The command, run under `sh -c` in the instance.",
        validate = non_empty("A non-empty command.")
    )]
    pub command: Attr<String>,
    #[attr(
        optional,
        describe = "When true, a non-zero exit code is shown but does not fail the run. Default false."
    )]
    pub allow_failure: Attr<bool>,
    #[attr(
        optional,
        validate = positive_duration(),
        describe = &timeout_doc("How long to wait for the command, as a duration such as `\"90s\"` or `\"5m\"`. The API itself stops a command after 280 seconds (and answers an error), so a longer value only adds slack for the network. When this timeout passes first, the command may still be running on the instance.", EXEC_TIMEOUT)
    )]
    pub timeout: Attr<String>,
}

pub fn exec_schema() -> Schema {
    ExecConfig::schema(EXEC_DESCRIPTION)
}

const RESTART_DESCRIPTION: &str = "Restarts a running instance's container (`POST /instances/{id}/restart`), keeping its data, then by default waits until it is healthy again.";

/// The configuration of `agent37_instance_restart`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct RestartConfig {
    #[attr(
        required,
        describe = "The id of the instance to restart; it must be running.",
        validate = ids::rule()
    )]
    pub instance_id: Attr<String>,
    #[attr(optional, describe = &wait_doc("restart"))]
    pub wait_for_healthy: Attr<bool>,
    #[attr(
        optional,
        validate = positive_duration(),
        describe = &timeout_doc("How long the restart and the wait for health may take together, as a duration such as `\"10m\"`.", LIFECYCLE_TIMEOUT)
    )]
    pub timeout: Attr<String>,
}

pub fn restart_schema() -> Schema {
    RestartConfig::schema(RESTART_DESCRIPTION)
}

const UPDATE_DESCRIPTION: &str = "Updates an instance to its template's current image (`POST /instances/{id}/update`), keeping its data; shows the old and new `image_ref`. A running or failed instance is restarted on the new image (and waited for, by default); a stopped one records the new image and stays stopped. With `template` (API revision 2026-08-21), it pins, unpins, rolls back or migrates the instance instead. An `agent37_instance` whose `image_ref` or `template` changes this way shows the new value at its next refresh (and, for a `template` its configuration sets otherwise, plans it back).";
const TEMPLATE_DOC: &str = "API revision 2026-08-21: the template reference to move the instance to, in place (same id, URLs, shape and data under the home folders; the operating-system layer is reset to the new image): its own template with `@version` pins it (an older workspace revision rolls it back), its own bare name unpins it, another template migrates it. Same rules as `agent37_instance.template` (`@latest` is refused). Left out: the template's current image, as without it. Against revision 2026-06-25 the action fails before any change.";

/// The configuration of `agent37_instance_update`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct UpdateConfig {
    #[attr(
        required,
        describe = "The id of the instance to update.",
        validate = ids::rule()
    )]
    pub instance_id: Attr<String>,
    #[attr(
        optional,
        describe = TEMPLATE_DOC,
        validate = check("A system template, or a workspace template name, optionally with `@version`.", super::model::check_template)
    )]
    pub template: Attr<String>,
    #[attr(optional, describe = &wait_doc("update"))]
    pub wait_for_healthy: Attr<bool>,
    #[attr(
        optional,
        validate = positive_duration(),
        describe = &timeout_doc("How long the update and the wait for health may take together, as a duration such as `\"10m\"`.", LIFECYCLE_TIMEOUT)
    )]
    pub timeout: Attr<String>,
}

pub fn update_schema() -> Schema {
    UpdateConfig::schema(UPDATE_DESCRIPTION)
}

// ---------------------------------------------------------------------------------------------
// Pure helpers: configuration, the exec report and its failure
// ---------------------------------------------------------------------------------------------

/// The configured `timeout`, or `default` (validation has refused bad values already).
pub(super) fn timeout_of(timeout: &Attr<String>, default: &str) -> Duration {
    let text = timeout.as_str().unwrap_or(default);
    duration::parse(text)
        .or_else(|_| duration::parse(default))
        .unwrap_or(crate::sdk::timeouts::DEFAULT)
}

/// The last `max` bytes of `text` (cut on a character boundary) and whether anything was cut.
pub fn tail(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    (&text[start..], true)
}

/// One output stream as a progress message.
fn stream_message(name: &str, text: &str) -> String {
    if text.is_empty() {
        return format!("{name}: (empty)");
    }
    let (shown, cut) = tail(text, SHOWN_BYTES);
    let shown = shown.trim_end_matches('\n');
    if cut {
        format!(
            "{name} ({} bytes; the last {SHOWN_BYTES} shown):\n…{shown}",
            text.len()
        )
    } else {
        format!("{name}:\n{shown}")
    }
}

/// The progress messages that report a finished command.
pub fn exec_report(result: &ExecResult, allow_failure: bool) -> Vec<String> {
    let mut out = vec![
        stream_message("stdout", &result.stdout),
        stream_message("stderr", &result.stderr),
    ];
    if result.truncated {
        out.push("The API truncated the output: a stream over 512 KB keeps only its first and last 256 KB (the middle was cut).".into());
    }
    out.push(match (result.exit_code, allow_failure) {
        (0, _) => "exit code 0".to_string(),
        (code, true) => format!("exit code {code} (allowed: allow_failure = true)"),
        (code, false) => format!("exit code {code}"),
    });
    out
}

/// The error of a command that exited non-zero (unless allowed), with the end of its stderr
/// (or of its stdout, when stderr is empty).
pub fn exec_failure(id: &str, result: &ExecResult, allow_failure: bool) -> Diagnostics {
    let mut d = Diagnostics::new();
    if result.exit_code == 0 || allow_failure {
        return d;
    }
    let code = result.exit_code;
    let (name, text) = if result.stderr.trim().is_empty() {
        ("stdout", result.stdout.as_str())
    } else {
        ("stderr", result.stderr.as_str())
    };
    let output = if text.trim().is_empty() {
        "It wrote nothing to stdout or stderr.".to_string()
    } else {
        let (end, cut) = tail(text, FAILURE_TAIL_BYTES);
        let what = if cut {
            format!("The end of its {name}")
        } else {
            format!("Its {name}")
        };
        format!("{what}:\n{}", end.trim_end_matches('\n'))
    };
    d.error(
        format!("Command failed with exit code {code}"),
        format!(
            "The command on instance {id} exited with code {code}.\n\n{output}\n\nSet `allow_failure = true` to accept a non-zero exit code."
        ),
    );
    d
}

/// An `image_ref` for a message: an image built by a cloud build has none (2026-08-21).
fn image_text(image_ref: Option<&str>) -> String {
    image_ref.map_or_else(
        || "(none: built by a cloud build)".to_owned(),
        str::to_owned,
    )
}

/// An exec call that failed; a timeout or a lost connection leaves the command's fate unknown.
fn exec_error(id: &str, e: &ApiError) -> Diagnostics {
    let summary = format!("Unable to run the command on instance {id}");
    let unknown = match e.last() {
        ApiError::Timeout { .. } => true,
        ApiError::Transport {
            may_have_reached_server,
            ..
        } => *may_have_reached_server,
        _ => false,
    };
    if !unknown {
        return api_error(&summary, e);
    }
    let mut d = Diagnostics::new();
    d.error(
        summary,
        format!(
            "{} The command may have run (or still be running) on the instance; it was not sent again.",
            detail(e)
        ),
    );
    d
}

// ---------------------------------------------------------------------------------------------
// I/O
// ---------------------------------------------------------------------------------------------

/// Awaits `fut`, sending "`what` after Ns…" every [`TICK`] while it runs.
pub(super) async fn with_ticks<F: Future>(fut: F, progress: &Progress, what: &str) -> F::Output {
    let start = tokio::time::Instant::now();
    let mut ticks = tokio::time::interval_at(start + TICK, TICK);
    tokio::pin!(fut);
    loop {
        tokio::select! {
            out = &mut fut => return out,
            _ = ticks.tick() => {
                progress.send(format!("{what} after {}s…", start.elapsed().as_secs()));
            }
        }
    }
}

/// The action's `wait_for_healthy` (on unless set to false): re-reads the instance and waits
/// for its gateway, with the resource's own poll.
pub(super) async fn wait_ready(
    client: &Client,
    op: &Op,
    id: &str,
    wait: &Attr<bool>,
    progress: &Progress,
    what: &str,
) -> Diagnostics {
    if wait.get() == Some(false) {
        return Diagnostics::new();
    }
    wait_running_healthy(client, op, id, progress, what)
        .await
        .err()
        .unwrap_or_default()
}

/// Re-reads the instance and, when it runs, waits for its gateway with the resource's poll.
async fn wait_running_healthy(
    client: &Client,
    op: &Op,
    id: &str,
    progress: &Progress,
    what: &str,
) -> Result<(), Diagnostics> {
    let inst = client
        .get_instance(op, id)
        .await
        .map_err(|e| api_error(&format!("Unable to read instance {id}"), &e))?;
    if inst.status != InstanceStatus::Running {
        return Ok(());
    }
    progress.send(format!("Waiting for instance {id} to be healthy…"));
    let advice = format!(
        "The {what} itself succeeded; raise the action's `timeout`, or set `wait_for_healthy = false`."
    );
    with_ticks(
        health::wait_for_healthy(client, op, &inst, &advice),
        progress,
        "Still waiting for health",
    )
    .await?;
    progress.send(format!("Instance {id} is ready"));
    Ok(())
}

pub struct ExecAction;

#[async_trait]
impl Action<Agent37Data> for ExecAction {
    type Config = ExecConfig;

    fn type_name(&self) -> &'static str {
        EXEC
    }

    fn schema(&self) -> Schema {
        exec_schema()
    }

    fn timeout(&self, config: &ExecConfig) -> Duration {
        timeout_of(&config.timeout, EXEC_TIMEOUT)
    }

    async fn invoke(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: ExecConfig,
        progress: &Progress,
    ) -> Outcome<()> {
        let (client, op) = (ctx.client(), ctx.op());
        let id = config.instance_id.as_str().unwrap_or_default();
        let command = config.command.as_str().unwrap_or_default();
        let allow_failure = config.allow_failure.get().unwrap_or(false);
        progress.send(format!("Running the command on instance {id}…"));
        // The client never re-sends an exec that may have reached the server.
        let result =
            match with_ticks(client.exec(&op, id, command), progress, "Still running").await {
                Ok(r) => r,
                Err(e) => return exec_error(id, &e).into(),
            };
        for message in exec_report(&result, allow_failure) {
            progress.send(message);
        }
        exec_failure(id, &result, allow_failure).into()
    }
}

pub struct RestartAction;

#[async_trait]
impl Action<Agent37Data> for RestartAction {
    type Config = RestartConfig;

    fn type_name(&self) -> &'static str {
        RESTART
    }

    fn timeout(&self, config: &RestartConfig) -> Duration {
        timeout_of(&config.timeout, LIFECYCLE_TIMEOUT)
    }

    fn schema(&self) -> Schema {
        restart_schema()
    }

    async fn invoke(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: Self::Config,
        progress: &Progress,
    ) -> Outcome<()> {
        let (client, op) = (ctx.client(), ctx.op());
        let id = config.instance_id.as_str().unwrap_or_default();
        progress.send(format!("Restarting instance {id}…"));
        match with_ticks(
            client.restart_instance(&op, id),
            progress,
            "Still restarting",
        )
        .await
        {
            Ok(ack) => progress.send(format!(
                "Instance {id} restarted (status {})",
                ack.status.as_str()
            )),
            Err(e) => return api_error(&format!("Unable to restart instance {id}"), &e).into(),
        }
        wait_ready(
            client,
            &op,
            id,
            &config.wait_for_healthy,
            progress,
            "restart",
        )
        .await
        .into()
    }
}

pub struct UpdateAction;

#[async_trait]
impl Action<Agent37Data> for UpdateAction {
    type Config = UpdateConfig;

    fn type_name(&self) -> &'static str {
        UPDATE
    }

    fn timeout(&self, config: &UpdateConfig) -> Duration {
        timeout_of(&config.timeout, LIFECYCLE_TIMEOUT)
    }

    fn schema(&self) -> Schema {
        update_schema()
    }

    async fn invoke(
        &self,
        ctx: &Ctx<Agent37Data>,
        config: Self::Config,
        progress: &Progress,
    ) -> Outcome<()> {
        let (client, op) = (ctx.client(), ctx.op());
        let id = config.instance_id.as_str().unwrap_or_default();
        let before = match client.get_instance(&op, id).await {
            Ok(i) => i,
            Err(e) => return api_error(&format!("Unable to read instance {id}"), &e).into(),
        };
        let before_image = image_text(before.image_ref.as_deref());
        if let Some(target) = config.template.as_str() {
            return update_template(ctx, &config, &before, target, progress).await;
        }
        progress.send(format!(
            "Updating instance {id} to template {:?}'s current image (image_ref now {before_image})…",
            before.template
        ));
        let ack = match with_ticks(
            client.update_instance(&op, id, None),
            progress,
            "Still updating",
        )
        .await
        {
            Ok(a) => a,
            Err(e) => return api_error(&format!("Unable to update instance {id}"), &e).into(),
        };
        let new = image_text(ack.image_ref.as_deref().or(before.image_ref.as_deref()));
        progress.send(if new == before_image {
            format!("image_ref unchanged: {new} (already the template's current image)")
        } else {
            format!("image_ref: {before_image} → {new}")
        });
        wait_ready(
            client,
            &op,
            id,
            &config.wait_for_healthy,
            progress,
            "update",
        )
        .await
        .into()
    }
}

/// What `update {"template"}` does to an instance on `current`: pin (or move the pin, or roll
/// back), unpin, or migrate to another template. Pure.
pub fn template_move(current: &str, target: &str) -> &'static str {
    let (from, to) = (template_name(current), template_name(target));
    if from != to {
        "Migrating"
    } else if target.contains('@') {
        "Pinning"
    } else {
        "Unpinning"
    }
}

/// The `template` form of the update action (2026-08-21 only: refused before any change on an
/// older revision).
async fn update_template(
    ctx: &Ctx<Agent37Data>,
    config: &UpdateConfig,
    before: &Instance,
    target: &str,
    progress: &Progress,
) -> Outcome<()> {
    let (client, op) = (ctx.client(), ctx.op());
    let id = before.id.as_str();
    let served = match revision::served(ctx).await {
        Ok(r) => r,
        Err(d) => return d.into(),
    };
    if let Some(d) = revision::refusal(
        served,
        ApiRevision::R2026_08_21,
        client.base_url(),
        Some(Path::attr(UpdateConfig::TEMPLATE)),
        "`template` (pin, unpin, migrate)",
    ) {
        return d.into();
    }
    progress.send(format!(
        "{} instance {id}: template {:?} → {target:?}…",
        template_move(&before.template, target),
        before.template
    ));
    let ack = match with_ticks(
        client.update_instance(&op, id, Some(target)),
        progress,
        "Still updating",
    )
    .await
    {
        Ok(a) => a,
        Err(e) => return api_error(&format!("Unable to update instance {id}"), &e).into(),
    };
    progress.send(format!(
        "Instance {id} now on template {:?} (revision {}, image {})",
        ack.template.as_deref().unwrap_or(target),
        ack.template_revision
            .map_or_else(|| "none".to_string(), |r| r.to_string()),
        image_text(ack.image_digest.as_deref().or(ack.image_ref.as_deref()))
    ));
    wait_ready(
        client,
        &op,
        id,
        &config.wait_for_healthy,
        progress,
        "update",
    )
    .await
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::validate::validate_block;
    use crate::sdk::{Path, Value};

    fn result(code: i64, stdout: &str, stderr: &str, truncated: bool) -> ExecResult {
        ExecResult {
            exit_code: code,
            stdout: stdout.into(),
            stderr: stderr.into(),
            truncated,
        }
    }

    #[test]
    fn template_moves_are_named() {
        assert_eq!(template_move("crawler", "crawler@2"), "Pinning");
        assert_eq!(template_move("crawler@3", "crawler@1"), "Pinning");
        assert_eq!(template_move("crawler@3", "crawler"), "Unpinning");
        assert_eq!(template_move("crawler@3", "agent37-hermes"), "Migrating");
        let schema = update_schema();
        let t = schema
            .block
            .attributes
            .iter()
            .find(|a| a.name == "template")
            .expect("template");
        assert!(t.optional && !t.required);
    }

    #[test]
    fn every_attribute_is_described() {
        for s in [exec_schema(), restart_schema(), update_schema()] {
            assert!(!s.block.description.is_empty());
            for a in &s.block.attributes {
                assert!(!a.description.is_empty(), "{}", a.name);
                // Terraform refuses computed attributes in action schemas.
                assert!(!a.computed, "{}", a.name);
            }
        }
    }

    #[test]
    fn tail_cuts_on_char_boundaries() {
        assert_eq!(tail("abc", 5), ("abc", false));
        assert_eq!(tail("abcdef", 3), ("def", true));
        // "é" is two bytes: a cut inside it moves forward.
        assert_eq!(tail("aéb", 2), ("b", true));
    }

    #[test]
    fn report_shows_streams_truncation_and_exit_code() {
        let r = exec_report(&result(0, "hello\n", "", false), false);
        assert_eq!(r, ["stdout:\nhello", "stderr: (empty)", "exit code 0"]);

        let big = "x".repeat(SHOWN_BYTES + 10);
        let r = exec_report(&result(3, &big, "oops\n", true), true);
        assert!(r[0].starts_with(&format!(
            "stdout ({} bytes; the last {SHOWN_BYTES} shown):\n…",
            SHOWN_BYTES + 10
        )));
        assert_eq!(r[1], "stderr:\noops");
        assert!(r[2].contains("truncated"));
        assert_eq!(r[3], "exit code 3 (allowed: allow_failure = true)");
    }

    #[test]
    fn failure_carries_code_and_stderr_tail() {
        assert!(exec_failure("i1", &result(0, "", "warn", false), false).is_empty());
        assert!(exec_failure("i1", &result(3, "", "oops", false), true).is_empty());

        let d = exec_failure("i1", &result(3, "out", "oops\n", false), false);
        assert_eq!(d.0[0].summary, "Command failed with exit code 3");
        assert!(
            d.0[0].detail.contains("Its stderr:\noops\n"),
            "{}",
            d.0[0].detail
        );

        let long = format!("{}END", "e".repeat(FAILURE_TAIL_BYTES));
        let d = exec_failure("i1", &result(1, "", &long, false), false);
        assert!(d.0[0].detail.contains("The end of its stderr"));
        assert!(d.0[0].detail.contains("END"));

        let d = exec_failure("i1", &result(2, "only out\n", "", false), false);
        assert!(d.0[0].detail.contains("Its stdout:\nonly out"));
        let d = exec_failure("i1", &result(2, "", "", false), false);
        assert!(d.0[0].detail.contains("nothing to stdout or stderr"));
    }

    #[test]
    fn timeouts_are_validated_and_defaulted() {
        let cfg = |t: Value| {
            Value::object([
                ("instance_id", Value::string("abc123defg")),
                ("command", Value::string("true")),
                ("allow_failure", Value::Null),
                ("timeout", t),
            ])
        };
        let errors = |v: &Value| {
            let mut d = Diagnostics::new();
            validate_block(&exec_schema().block, v, &Path::root(), &mut d);
            d.iter()
                .map(|d| {
                    d.attribute
                        .as_ref()
                        .map(|p| p.to_string())
                        .unwrap_or_default()
                })
                .collect::<Vec<_>>()
        };
        assert!(errors(&cfg(Value::string("90s"))).is_empty());
        assert_eq!(errors(&cfg(Value::string("soon"))), ["timeout"]);
        assert_eq!(errors(&cfg(Value::string("0s"))), ["timeout"]);
        let config = |t: Value| ExecConfig::from_value(&cfg(t)).expect("model");
        assert_eq!(
            ExecAction.timeout(&config(Value::Null)),
            Duration::from_secs(300)
        );
        assert_eq!(
            ExecAction.timeout(&config(Value::string("90s"))),
            Duration::from_secs(90)
        );
    }

    /// Each action's configuration model reads and writes exactly its schema's shape.
    /// Issue 15, bug 7: the exec timeout message ends its first sentence with a full stop
    /// (it ran into the next one).
    #[test]
    fn an_exec_timeout_is_two_sentences() {
        let e = ApiError::Timeout {
            operation: "POST /instances/abc123defg/exec".into(),
            timeout: Duration::from_secs(300),
        };
        let d = exec_error("abc123defg", &e);
        assert_eq!(
            d.0[0].summary,
            "Unable to run the command on instance abc123defg"
        );
        assert_eq!(
            d.0[0].detail,
            "POST /instances/abc123defg/exec did not finish within its timeout of 300s. The command may have run (or still be running) on the instance; it was not sent again."
        );
    }

    /// Issue 15: the actions check `instance_id`'s format at validate, as the resources do,
    /// instead of sending a malformed id to the API at invoke.
    #[test]
    fn actions_check_the_instance_id_format() {
        for (name, schema) in [
            (EXEC, exec_schema()),
            (RESTART, restart_schema()),
            (UPDATE, update_schema()),
        ] {
            let check = |id: &str| {
                let config = Value::object(schema.block.attributes.iter().map(|a| {
                    let v = match a.name.as_str() {
                        "instance_id" => Value::string(id),
                        "command" => Value::string("true"),
                        _ => Value::Null,
                    };
                    (a.name.clone(), v)
                }));
                let mut d = Diagnostics::new();
                validate_block(&schema.block, &config, &Path::root(), &mut d);
                d.iter()
                    .map(|d| (d.attribute.clone(), d.detail.clone()))
                    .collect::<Vec<_>>()
            };
            assert_eq!(check("abc123defg"), [], "{name}");
            assert_eq!(
                check("i-123"),
                [(
                    Some(Path::attr("instance_id")),
                    "instance_id: \"i-123\" is not an instance id: an instance id is 10 lowercase letters or digits."
                        .to_string()
                )],
                "{name}"
            );
        }
    }

    #[test]
    fn every_configuration_has_exactly_its_schema_shape() {
        use crate::sdk::model::conforms;
        let exec = ExecConfig {
            instance_id: "abc123defg".into(),
            command: "true".into(),
            ..ExecConfig::default()
        };
        conforms(&exec.to_value(), &exec_schema().value_type())
            .unwrap_or_else(|e| panic!("agent37_instance_exec: {e}"));
        let restart = RestartConfig {
            instance_id: "abc123defg".into(),
            wait_for_healthy: false.into(),
            ..RestartConfig::default()
        };
        conforms(&restart.to_value(), &restart_schema().value_type())
            .unwrap_or_else(|e| panic!("agent37_instance_restart: {e}"));
        let update = UpdateConfig {
            instance_id: "abc123defg".into(),
            timeout: "1m".into(),
            ..UpdateConfig::default()
        };
        conforms(&update.to_value(), &update_schema().value_type())
            .unwrap_or_else(|e| panic!("agent37_instance_update: {e}"));
    }
}
