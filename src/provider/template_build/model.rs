//! Pure parts of `agent37_template_build`: the plan (what the context hash decides), the state
//! from the API's build, what a polled build means, the log tail kept for errors, and the
//! waits between polls.

use std::collections::VecDeque;
use std::time::Duration;

use crate::api::{self, BuildStatus, CreateTemplateBuild};
use crate::sdk::model::Attr;

use super::schema::TemplateBuild;

/// Lines of the build log shown when a build fails.
pub const TAIL_LINES: usize = 20;
/// A log line longer than this is cut in the tail (the provider log gets it whole).
const TAIL_LINE_CHARS: usize = 500;

/// The attributes whose change plans a new build, in the order they are reported. `source_dir`
/// and `excludes` are not among them: they change the build only through `context_sha256`.
pub fn replacing_changes(prior: &TemplateBuild, config: &TemplateBuild) -> Vec<&'static str> {
    let mut out = Vec::new();
    // A null prior value (after an import, whose state has only what the API shows) adopts
    // the configured one.
    if !prior.name.is_null() && prior.name != config.name {
        out.push(TemplateBuild::NAME);
    }
    if !prior.default_port.is_null() && prior.default_port != config.default_port {
        out.push(TemplateBuild::DEFAULT_PORT);
    }
    if !prior.description.is_null() && prior.description != config.description {
        out.push(TemplateBuild::DESCRIPTION);
    }
    out
}

/// Plans `context_sha256` from `hash` (the packed folder's, unknown while `source_dir` or
/// `excludes` is): `true` when it means a new build. After an import the prior hash is null:
/// the configured folder is adopted.
pub fn plan_context(
    prior: Option<&TemplateBuild>,
    hash: Attr<String>,
    planned: &mut TemplateBuild,
) -> bool {
    let changed = match prior {
        None => false,
        Some(p) => !p.context_sha256.is_null() && (hash.is_unknown() || hash != p.context_sha256),
    };
    if prior.is_none() || changed || prior.is_some_and(|p| p.context_sha256.is_null()) {
        planned.context_sha256 = hash;
    }
    changed
}

/// `POST /template-builds` for a context of `size` bytes.
pub fn create_body(planned: &TemplateBuild, size: u64) -> Result<CreateTemplateBuild, String> {
    let name = planned.name.as_str().ok_or("name is not a known string")?;
    Ok(CreateTemplateBuild {
        name: name.to_string(),
        size_bytes: size,
        default_port: planned.default_port.get(),
        description: planned.description.as_str().map(str::to_string),
    })
}

/// The state from the API's build; the arguments and `context_sha256` come from `form` (the
/// planned or prior state): the API does not show them.
pub fn state(b: &api::TemplateBuild, form: &TemplateBuild) -> TemplateBuild {
    let published = b
        .template
        .as_ref()
        .filter(|_| b.status == BuildStatus::Succeeded);
    TemplateBuild {
        name: b.name.clone().into(),
        id: b.id.clone().into(),
        status: b.status.as_str().to_string().into(),
        revision: Attr::from_option(published.map(|t| t.revision)),
        image_digest: Attr::from_option(published.and_then(|t| t.image_digest.clone())),
        started: Attr::from_option(b.started),
        finished: Attr::from_option(b.finished),
        ..form.clone()
    }
}

/// The state of a build that was made but not (yet) seen: only its id.
pub fn made(id: &str, form: &TemplateBuild) -> TemplateBuild {
    TemplateBuild {
        id: id.to_string().into(),
        status: BuildStatus::Created.as_str().to_string().into(),
        revision: Attr::Null,
        image_digest: Attr::Null,
        started: Attr::Null,
        finished: Attr::Null,
        ..form.clone()
    }
}

/// What a polled build means for the apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Still going (or ended without the template yet: the next poll registers it).
    Running,
    Succeeded,
    Failed {
        code: String,
        message: String,
    },
}

pub fn verdict(b: &api::TemplateBuild) -> Verdict {
    match b.status {
        BuildStatus::Succeeded if b.template.is_some() => Verdict::Succeeded,
        BuildStatus::Failed => {
            let (code, message) = match &b.error {
                Some(e) => (e.code.clone(), e.message.clone()),
                None => ("unknown".to_string(), "the API gave no reason".to_string()),
            };
            Verdict::Failed { code, message }
        }
        _ => Verdict::Running,
    }
}

/// The log as it streams in chunks: complete lines come out one by one (for the provider
/// log), and the last [`TAIL_LINES`] are kept for an error.
#[derive(Debug, Default)]
pub struct LogTail {
    partial: String,
    tail: VecDeque<String>,
}

impl LogTail {
    /// Adds a chunk; returns the lines it completed.
    pub fn push(&mut self, chunk: &str) -> Vec<String> {
        self.partial.push_str(chunk);
        let mut lines = Vec::new();
        while let Some(at) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=at).collect();
            let line = line.trim_end_matches(['\n', '\r']).to_string();
            self.keep(&line);
            lines.push(line);
        }
        lines
    }

    fn keep(&mut self, line: &str) {
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        let mut shown: String = line.chars().take(TAIL_LINE_CHARS).collect();
        if shown.len() < line.len() {
            shown.push('…');
        }
        self.tail.push_back(shown);
    }

    /// The last lines, an unterminated last line included.
    pub fn tail(&self) -> String {
        let mut lines: Vec<&str> = self.tail.iter().map(String::as_str).collect();
        let partial = self.partial.trim_end_matches('\r');
        if !partial.is_empty() {
            if lines.len() == TAIL_LINES {
                lines.remove(0);
            }
            lines.push(partial);
        }
        lines.join("\n")
    }
}

/// The error detail of a failed build.
pub fn failure_detail(id: &str, name: &str, code: &str, message: &str, tail: &str) -> String {
    let log = if tail.is_empty() {
        "The build log is empty.".to_string()
    } else {
        format!("The last lines of the build log:\n{tail}")
    };
    format!(
        "Build {id} of template {name:?} failed with code `{code}`: {message}\n\n{log}\n\nNothing \
         was published; fix the folder and apply again (the failed build is replaced by a new one)."
    )
}

/// The waits between polls: quick at first (short builds), then every few seconds.
#[derive(Debug, Clone)]
pub struct Polls {
    next: Duration,
}

pub const FIRST_POLL: Duration = Duration::from_millis(500);
pub const MAX_POLL: Duration = Duration::from_secs(5);
/// The wait before starting again while another build of the workspace runs.
pub const CONFLICT_WAIT: Duration = Duration::from_secs(3);

impl Default for Polls {
    fn default() -> Self {
        Polls { next: FIRST_POLL }
    }
}

impl Iterator for Polls {
    type Item = Duration;
    fn next(&mut self) -> Option<Duration> {
        let wait = self.next;
        self.next = (self.next * 2).min(MAX_POLL);
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{BuildError, BuiltTemplate};
    use crate::sdk::model::conforms;

    fn build(status: BuildStatus) -> api::TemplateBuild {
        api::TemplateBuild {
            id: "tb_1".into(),
            name: "crawler".into(),
            status,
            error: None,
            template: None,
            created: Some(1),
            started: Some(2),
            finished: None,
        }
    }

    fn applied() -> TemplateBuild {
        TemplateBuild {
            name: "crawler".into(),
            source_dir: "./agent".into(),
            default_port: 9000.into(),
            id: "tb_1".into(),
            context_sha256: "aa".into(),
            status: "succeeded".into(),
            revision: 1.into(),
            ..TemplateBuild::default()
        }
    }

    #[test]
    fn the_hash_decides_a_new_build() {
        let prior = applied();
        // The same files: nothing, whatever the folder is called now.
        let mut planned = prior.clone();
        assert!(!plan_context(
            Some(&prior),
            "aa".to_string().into(),
            &mut planned
        ));
        assert_eq!(planned.context_sha256, prior.context_sha256);
        // Other files: a new build with the new hash.
        let mut planned = prior.clone();
        assert!(plan_context(
            Some(&prior),
            "bb".to_string().into(),
            &mut planned
        ));
        assert_eq!(planned.context_sha256.as_str(), Some("bb"));
        // A folder not known yet: possibly other files.
        let mut planned = prior.clone();
        assert!(plan_context(Some(&prior), Attr::unknown(), &mut planned));
        assert!(planned.context_sha256.is_unknown());
        // After an import (no hash in state): adopted.
        let imported = TemplateBuild {
            context_sha256: Attr::Null,
            ..prior.clone()
        };
        let mut planned = imported.clone();
        assert!(!plan_context(
            Some(&imported),
            "cc".to_string().into(),
            &mut planned
        ));
        assert_eq!(planned.context_sha256.as_str(), Some("cc"));
        // A create plans the hash.
        let mut planned = TemplateBuild::default();
        assert!(!plan_context(None, "dd".to_string().into(), &mut planned));
        assert_eq!(planned.context_sha256.as_str(), Some("dd"));
    }

    #[test]
    fn name_port_and_description_replace_unless_adopted_after_import() {
        let prior = applied();
        assert!(replacing_changes(&prior, &prior).is_empty());
        let moved = TemplateBuild {
            source_dir: "./elsewhere".into(),
            excludes: Attr::Known(vec![".git".into()]),
            ..prior.clone()
        };
        assert!(replacing_changes(&prior, &moved).is_empty());
        let other = TemplateBuild {
            name: "other".into(),
            default_port: Attr::Null,
            description: "d".into(),
            ..prior.clone()
        };
        assert_eq!(
            replacing_changes(&prior, &other),
            [TemplateBuild::NAME, TemplateBuild::DEFAULT_PORT]
        );
        let imported = TemplateBuild {
            default_port: Attr::Null,
            source_dir: Attr::Null,
            ..prior.clone()
        };
        assert!(replacing_changes(&imported, &prior).is_empty());
    }

    #[test]
    fn verdicts() {
        assert_eq!(verdict(&build(BuildStatus::Building)), Verdict::Running);
        assert_eq!(verdict(&build(BuildStatus::Other)), Verdict::Running);
        // Ended, but not registered yet by a poll: once more.
        assert_eq!(verdict(&build(BuildStatus::Succeeded)), Verdict::Running);
        let mut ok = build(BuildStatus::Succeeded);
        ok.template = Some(BuiltTemplate {
            name: "crawler".into(),
            revision: 2,
            image_digest: Some("sha256:ab".into()),
        });
        assert_eq!(verdict(&ok), Verdict::Succeeded);
        let mut failed = build(BuildStatus::Failed);
        failed.error = Some(BuildError {
            code: "build_failed".into(),
            message: "step 2".into(),
        });
        assert_eq!(
            verdict(&failed),
            Verdict::Failed {
                code: "build_failed".into(),
                message: "step 2".into()
            }
        );
    }

    #[test]
    fn the_state_shows_the_published_revision_only_on_success() {
        let mut ok = build(BuildStatus::Succeeded);
        ok.finished = Some(9);
        ok.template = Some(BuiltTemplate {
            name: "crawler".into(),
            revision: 2,
            image_digest: Some("sha256:ab".into()),
        });
        let s = state(&ok, &applied());
        assert_eq!(s.revision.get(), Some(2));
        assert_eq!(s.image_digest.as_str(), Some("sha256:ab"));
        assert_eq!(s.finished.get(), Some(9));
        assert_eq!(s.source_dir.as_str(), Some("./agent"), "arguments kept");
        assert_eq!(s.context_sha256.as_str(), Some("aa"));
        let failed = state(&build(BuildStatus::Failed), &applied());
        assert_eq!(failed.revision, Attr::Null);
        assert_eq!(failed.status.as_str(), Some("failed"));
        let m = made("tb_9", &applied());
        assert_eq!(m.status.as_str(), Some("created"));
        assert_eq!(m.revision, Attr::Null);
    }

    #[test]
    fn the_log_streams_whole_lines_and_keeps_a_tail() {
        let mut log = LogTail::default();
        assert_eq!(log.push("#1 [1/2] FROM alp"), Vec::<String>::new());
        assert_eq!(
            log.push("ine\r\n#2 RUN x\n#3"),
            ["#1 [1/2] FROM alpine", "#2 RUN x"]
        );
        assert_eq!(log.tail(), "#1 [1/2] FROM alpine\n#2 RUN x\n#3");
        for i in 0..30 {
            log.push(&format!("line {i}\n"));
        }
        let tail = log.tail();
        assert_eq!(tail.lines().count(), TAIL_LINES);
        assert!(tail.starts_with("line 10\n") && tail.ends_with("line 29"));
        let mut long = LogTail::default();
        long.push(&format!("{}\n", "x".repeat(600)));
        assert_eq!(long.tail().chars().count(), TAIL_LINE_CHARS + 1);
    }

    #[test]
    fn polls_speed_up_then_settle() {
        let waits: Vec<u128> = Polls::default().take(6).map(|d| d.as_millis()).collect();
        assert_eq!(waits, [500, 1000, 2000, 4000, 5000, 5000]);
    }

    #[test]
    fn the_body_and_the_failure_text() {
        let body = create_body(&applied(), 123).expect("body");
        assert_eq!(body.name, "crawler");
        assert_eq!(body.size_bytes, 123);
        assert_eq!(body.default_port, Some(9000));
        assert_eq!(body.description, None);
        assert!(create_body(&TemplateBuild::default(), 1).is_err());
        let d = failure_detail(
            "tb_1",
            "crawler",
            "build_failed",
            "step 2 failed",
            "#2 ERROR",
        );
        assert!(d.contains("`build_failed`: step 2 failed"));
        assert!(d.contains("The last lines of the build log:\n#2 ERROR"));
    }

    #[test]
    fn the_state_has_exactly_its_schema_shape() {
        let s = state(&build(BuildStatus::Building), &applied());
        conforms(
            &s.to_value(),
            &super::super::schema::resource().value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_template_build: {e}"));
    }
}
