//! Cloud template builds (3.3, 8.4): the stored row, where a build stands on the emulator
//! clock, and its log. Both are pure functions of the row and the time, so a frozen clock
//! repeats exactly and the log only ever grows (offsets stay valid).

use serde_json::{Map, Value, json};

/// The largest context an upload may carry.
pub const MAX_CONTEXT_BYTES: i64 = 100_000_000;
/// A build still `building` this long after its start fails with `build_timeout`.
pub const BUILD_TIMEOUT_SECONDS: i64 = 2700;
/// How long an upload URL stays valid.
pub const UPLOAD_TTL_SECONDS: i64 = 3600;
/// A build whose end no poll observed is published by a sweep this long after it.
pub const SWEEP_DELAY_SECONDS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildStatus {
    Created,
    Building,
    Ingesting,
    Succeeded,
    Failed,
}

impl BuildStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BuildStatus::Created => "created",
            BuildStatus::Building => "building",
            BuildStatus::Ingesting => "ingesting",
            BuildStatus::Succeeded => "succeeded",
            BuildStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<BuildStatus> {
        [
            BuildStatus::Created,
            BuildStatus::Building,
            BuildStatus::Ingesting,
            BuildStatus::Succeeded,
            BuildStatus::Failed,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
    }

    pub fn running(self) -> bool {
        matches!(self, BuildStatus::Building | BuildStatus::Ingesting)
    }

    pub fn ended(self) -> bool {
        matches!(self, BuildStatus::Succeeded | BuildStatus::Failed)
    }
}

/// The error of a failed build: `(code, message)`.
pub type BuildError = (String, String);

/// A cloud build (3.3). The uploaded context is summarised at upload time: its length, its
/// SHA-256 (the image digest) and its Dockerfile's instructions (or why it has none).
#[derive(Debug, Clone, PartialEq)]
pub struct Build {
    pub id: String,
    pub workspace: String,
    pub name: String,
    /// Stored: `created`, then `building` from the start until the end is observed.
    pub status: BuildStatus,
    pub size_bytes: i64,
    /// `Some(None)`: sent as null; `None`: not sent.
    pub default_port: Option<Option<i64>>,
    pub description: Option<Option<String>>,
    pub upload_len: Option<i64>,
    pub upload_digest: Option<String>,
    /// The Dockerfile's instructions, or the context error.
    pub context: Option<Result<Vec<String>, String>>,
    pub created: i64,
    pub started: Option<i64>,
    pub finished: Option<i64>,
    pub expires_at: i64,
    /// Seconds in `building` (None: until the control route or the 2700 s timeout).
    pub build_seconds: Option<i64>,
    pub ingest_seconds: i64,
    pub error: Option<BuildError>,
    /// `(revision, digest)` of the published template.
    pub published: Option<(i64, String)>,
    /// An injected `image_ingest_failed` waits for the ingest step.
    pub fail_ingest: bool,
    /// Lines appended when the build ended (the failing step, the control route's log).
    pub tail_log: String,
}

/// Where a build stands at some instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Created,
    Building,
    Ingesting,
    /// Ended at `at`: succeeded, or failed with its error.
    Ended {
        at: i64,
        outcome: Result<(), BuildError>,
    },
}

fn failure(code: &str, message: &str) -> Result<(), BuildError> {
    Err((code.to_string(), message.to_string()))
}

impl Build {
    fn start(&self) -> i64 {
        self.started.unwrap_or(self.created)
    }

    fn instructions(&self) -> &[String] {
        match &self.context {
            Some(Ok(steps)) => steps,
            _ => &[],
        }
    }

    /// When the `building` phase ends by itself (None: it waits for the control route or the
    /// timeout, which is a failure).
    fn built_at(&self) -> Option<i64> {
        self.build_seconds
            .filter(|d| *d < BUILD_TIMEOUT_SECONDS)
            .map(|d| self.start() + d)
    }

    /// Where the build stands at `now`.
    pub fn phase(&self, now: i64) -> Phase {
        let s = self.start();
        match self.status {
            BuildStatus::Created => return Phase::Created,
            BuildStatus::Succeeded | BuildStatus::Failed => {
                let outcome = match (&self.error, self.status) {
                    (Some(e), BuildStatus::Failed) => Err(e.clone()),
                    (None, BuildStatus::Failed) => failure("internal_error", "the build failed"),
                    _ => Ok(()),
                };
                return Phase::Ended {
                    at: self.finished.unwrap_or(s),
                    outcome,
                };
            }
            BuildStatus::Building | BuildStatus::Ingesting => {}
        }
        if let Some(Err(e)) = &self.context {
            return Phase::Ended {
                at: s,
                outcome: failure("invalid_request", e),
            };
        }
        let Some(built) = self.built_at() else {
            return if now >= s + BUILD_TIMEOUT_SECONDS {
                Phase::Ended {
                    at: s + BUILD_TIMEOUT_SECONDS,
                    outcome: failure("build_timeout", "the build ran for more than 45 minutes"),
                }
            } else {
                Phase::Building
            };
        };
        let ingested = built + self.ingest_seconds.max(0);
        if now < built {
            Phase::Building
        } else if now < ingested {
            Phase::Ingesting
        } else if self.fail_ingest {
            Phase::Ended {
                at: ingested,
                outcome: failure(
                    "image_ingest_failed",
                    "copying the image into private storage failed",
                ),
            }
        } else {
            Phase::Ended {
                at: ingested,
                outcome: Ok(()),
            }
        }
    }

    /// When a sweep must look at this build: 300 s after its end, or after its timeout when it
    /// waits for the control route (None: not started, or ended).
    pub fn sweep_at(&self) -> Option<i64> {
        if !self.status.running() {
            return None;
        }
        let s = self.start();
        let end = match (&self.context, self.built_at()) {
            (Some(Err(_)), _) => s,
            (_, Some(built)) => built + self.ingest_seconds.max(0),
            (_, None) => s + BUILD_TIMEOUT_SECONDS,
        };
        Some(end + SWEEP_DELAY_SECONDS)
    }

    /// `(started steps, finished steps)` at `t` while building.
    fn progress(&self, t: i64, complete: bool) -> (usize, usize) {
        let n = self.instructions().len();
        if complete {
            return (n, n);
        }
        let elapsed = (t - self.start()).max(0);
        let started = match self.build_seconds.filter(|d| *d < BUILD_TIMEOUT_SECONDS) {
            Some(d) if d > 0 => 1 + (i128::from(elapsed) * n as i128 / i128::from(d)) as usize,
            Some(_) => n,
            None => 1 + elapsed as usize,
        };
        let started = started.min(n);
        (started, started.saturating_sub(1))
    }

    /// The seconds a step's `DONE` line reports (constant per build, so the log never changes).
    fn step_seconds(&self) -> f64 {
        let n = self.instructions().len().max(1) as f64;
        match self.build_seconds.filter(|d| *d < BUILD_TIMEOUT_SECONDS) {
            Some(d) => d as f64 / n,
            None => 1.0,
        }
    }

    /// The step running at `t` (1-based) and its instruction, for a failure's last line.
    pub fn running_step(&self, t: i64) -> Option<(usize, &str)> {
        let (started, _) = self.progress(t, false);
        let steps = self.instructions();
        (started > 0).then(|| (started, steps[started - 1].as_str()))
    }

    /// The tail a failure appends: the failing step (while building) and the error.
    pub fn failure_tail(&self, at: i64, code: &str, message: &str, log: Option<&str>) -> String {
        let mut out = String::new();
        let building = self.built_at().is_none_or(|b| at < b);
        if building
            && matches!(code, "build_failed" | "build_timeout")
            && let Some((k, instr)) = self.running_step(at)
        {
            out.push_str(&format!(
                "#{k} ERROR: process \"/bin/sh -c {}\" did not complete successfully: exit code: 1\n",
                instr.strip_prefix("RUN ").unwrap_or(instr)
            ));
        }
        if let Some(l) = log.filter(|l| !l.is_empty()) {
            out.push_str(l);
            if !l.ends_with('\n') {
                out.push('\n');
            }
        }
        out.push_str(&format!("ERROR: {code}: {message}\n"));
        out
    }

    /// The whole log at `now`; what a later call returns starts with it.
    pub fn log_text(&self, now: i64) -> String {
        let mut out = String::new();
        if self.status == BuildStatus::Created {
            return out;
        }
        out.push_str(&format!(
            "[internal] load build context: {} bytes\n",
            self.upload_len.unwrap_or(0)
        ));
        if let Some(Err(e)) = &self.context {
            out.push_str(&format!("ERROR: {e}\n"));
            return out;
        }
        let phase = self.phase(now);
        let t = match &phase {
            Phase::Ended { at, .. } => *at,
            _ => now,
        };
        let complete = self.status == BuildStatus::Succeeded
            || self.built_at().is_some_and(|b| t >= b)
            || matches!(phase, Phase::Ingesting);
        let (started, done) = self.progress(t, complete);
        let steps = self.instructions();
        let n = steps.len();
        let secs = self.step_seconds();
        for (i, step) in steps.iter().enumerate().take(started) {
            let k = i + 1;
            let shown: String = step.chars().take(1000).collect();
            out.push_str(&format!("#{k} [{k}/{n}] {shown}\n"));
            if k <= done {
                out.push_str(&format!("#{k} DONE {secs:.1}s\n"));
            }
        }
        let digest = self.upload_digest.as_deref().unwrap_or_default();
        if complete {
            out.push_str(&format!(
                "exporting to image\nwriting image {digest} done\ningesting the image into private storage\n"
            ));
        }
        if let (BuildStatus::Succeeded, Some((revision, digest))) = (self.status, &self.published) {
            out.push_str(&format!(
                "published {} revision {revision} ({digest})\n",
                self.name
            ));
        }
        out.push_str(&self.tail_log);
        out
    }

    /// The build as the API shows it at `now` (inapplicable keys absent).
    pub fn to_json(&self, now: i64) -> Value {
        let phase = self.phase(now);
        let status = match &phase {
            Phase::Created => BuildStatus::Created,
            Phase::Building => BuildStatus::Building,
            Phase::Ingesting => BuildStatus::Ingesting,
            Phase::Ended {
                outcome: Ok(()), ..
            } => BuildStatus::Succeeded,
            Phase::Ended {
                outcome: Err(_), ..
            } => BuildStatus::Failed,
        };
        let mut m = Map::new();
        m.insert("id".into(), self.id.clone().into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("status".into(), status.as_str().into());
        if let Phase::Ended {
            outcome: Err((code, message)),
            ..
        } = &phase
        {
            m.insert("error".into(), json!({"code": code, "message": message}));
        }
        if let (BuildStatus::Succeeded, Some((revision, digest))) = (status, &self.published) {
            m.insert(
                "template".into(),
                json!({"name": self.name, "revision": revision, "image_digest": digest}),
            );
        }
        m.insert("created".into(), self.created.into());
        if let Some(s) = self.started {
            m.insert("started".into(), s.into());
        }
        if let Phase::Ended { at, .. } = phase {
            m.insert("finished".into(), at.into());
        }
        Value::Object(m)
    }
}

/// The part of `text` from byte `offset`, at most `max` bytes, cut on character boundaries:
/// `(data, next offset)`. Past the end: `("", end)`.
pub fn log_chunk(text: &str, offset: usize, max: usize) -> (&str, usize) {
    if offset >= text.len() {
        return ("", text.len());
    }
    let mut start = offset;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    let mut end = (start + max).min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[start..end], end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(build_seconds: Option<i64>) -> Build {
        Build {
            id: "tb_0a1b2c3d4e5f60718293".into(),
            workspace: "ws".into(),
            name: "crawler".into(),
            status: BuildStatus::Building,
            size_bytes: 10,
            default_port: None,
            description: None,
            upload_len: Some(10),
            upload_digest: Some("sha256:ab".into()),
            context: Some(Ok(vec![
                "FROM node:22".into(),
                "RUN npm ci".into(),
                "COPY . /app".into(),
            ])),
            created: 1000,
            started: Some(1000),
            finished: None,
            expires_at: 4600,
            build_seconds,
            ingest_seconds: 1,
            error: None,
            published: None,
            fail_ingest: false,
            tail_log: String::new(),
        }
    }

    #[test]
    fn phases_follow_the_clock() {
        let b = build(Some(3));
        assert_eq!(b.phase(1000), Phase::Building);
        assert_eq!(b.phase(1002), Phase::Building);
        assert_eq!(b.phase(1003), Phase::Ingesting);
        assert_eq!(
            b.phase(1004),
            Phase::Ended {
                at: 1004,
                outcome: Ok(())
            }
        );
        assert_eq!(b.sweep_at(), Some(1304));
        let waiting = build(None);
        assert_eq!(waiting.phase(3699), Phase::Building);
        assert!(matches!(
            waiting.phase(3700),
            Phase::Ended { at: 3700, outcome: Err((ref c, _)) } if c == "build_timeout"
        ));
        let mut bad = build(Some(3));
        bad.context = Some(Err("no Dockerfile".into()));
        assert!(matches!(
            bad.phase(1000),
            Phase::Ended { at: 1000, outcome: Err((ref c, _)) } if c == "invalid_request"
        ));
        let mut ingest = build(Some(3));
        ingest.fail_ingest = true;
        assert!(matches!(
            ingest.phase(1004),
            Phase::Ended { outcome: Err((ref c, _)), .. } if c == "image_ingest_failed"
        ));
    }

    #[test]
    fn the_log_grows_one_step_per_instruction() {
        let b = build(Some(3));
        let mut last = String::new();
        for t in 1000..1006 {
            let text = b.log_text(t);
            assert!(text.starts_with(&last), "prefix-stable at {t}");
            last = text;
        }
        assert_eq!(last.matches("/3] ").count(), 3, "{last}");
        assert!(last.contains("#1 [1/3] FROM node:22\n#1 DONE 1.0s\n#2 [2/3] RUN npm ci\n"));
        assert!(b.log_text(1000).ends_with("#1 [1/3] FROM node:22\n"));
        let tail = b.failure_tail(1001, "build_failed", "step 2 failed", Some("npm ERR! 404"));
        assert!(
            tail.starts_with("#2 ERROR: process \"/bin/sh -c npm ci\""),
            "{tail}"
        );
        assert!(tail.ends_with("npm ERR! 404\nERROR: build_failed: step 2 failed\n"));
    }

    #[test]
    fn chunks_respect_characters() {
        let text = "aé€b";
        assert_eq!(log_chunk(text, 0, 2), ("a", 1));
        assert_eq!(log_chunk(text, 1, 2), ("é", 3));
        assert_eq!(log_chunk(text, 2, 10), ("€b", 7));
        assert_eq!(log_chunk(text, 7, 10), ("", 7));
        assert_eq!(log_chunk(text, 99, 10), ("", 7));
    }
}
