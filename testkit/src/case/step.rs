//! One step of a [`Case`](super::Case): what to write, which command to run, what to expect,
//! and which plan must follow.

use crate::terraform::Diagnostic;

/// The Terraform command of a step.
#[derive(Clone, Debug)]
pub(super) enum Command {
    /// `apply -auto-approve EXTRA…`
    Apply,
    /// `apply -auto-approve -invoke=action.ADDRESS`
    Invoke(String),
    /// `apply -refresh-only -auto-approve`
    RefreshOnly,
    /// `plan -out` + `show -json`: a plan, applied to nothing.
    Plan,
    /// `import ADDRESS ID`
    Import { address: String, id: String },
    /// `destroy -auto-approve`
    Destroy,
}

impl Command {
    pub(super) fn name(&self) -> String {
        match self {
            Command::Apply => "apply".into(),
            Command::Invoke(action) => format!("apply -invoke=action.{action}"),
            Command::RefreshOnly => "apply -refresh-only".into(),
            Command::Plan => "plan".into(),
            Command::Import { address, id } => format!("import {address} {id}"),
            Command::Destroy => "destroy".into(),
        }
    }

    /// Whether the step changes the state, so that a plan must follow it.
    pub(super) fn applies(&self) -> bool {
        !matches!(self, Command::Plan)
    }
}

/// What a step must end with.
#[derive(Clone, Debug)]
pub enum Expect {
    /// Exit code 0.
    Success,
    /// A non-zero exit code; the test reads the output itself.
    Failure,
    /// A non-zero exit code with exactly these error diagnostics (and no other error), read
    /// from the command's `-json` stream.
    Errors(Vec<Diag>),
}

/// Which plan follows a step that succeeded.
#[derive(Clone, Debug)]
pub(super) enum After {
    /// `plan -detailed-exitcode` must say "No changes." (the default).
    Empty,
    /// The plan must propose changes, for the reason given.
    NonEmpty(&'static str),
    /// No plan, for the reason given.
    Unchecked(&'static str),
}

/// A step: built with [`Step::apply`] and friends, refined with the methods below, run with
/// [`Case::step`](super::Case::step).
#[derive(Clone, Debug)]
pub struct Step {
    pub(super) main: Option<String>,
    pub(super) files: Vec<(String, String)>,
    pub(super) remove: Vec<String>,
    pub(super) command: Command,
    pub(super) args: Vec<String>,
    pub(super) vars: Vec<(String, String)>,
    pub(super) expect: Expect,
    pub(super) after: After,
}

impl Step {
    fn new(main: Option<String>, command: Command) -> Step {
        Step {
            main,
            files: Vec::new(),
            remove: Vec::new(),
            command,
            args: Vec::new(),
            vars: Vec::new(),
            expect: Expect::Success,
            after: After::Empty,
        }
    }

    /// Writes `main.tf`, then `apply`; an empty plan must follow.
    pub fn apply(main_tf: impl Into<String>) -> Step {
        Step::new(Some(main_tf.into()), Command::Apply)
    }

    /// `apply` of the configuration as it is (after drift, or after `file`).
    pub fn reapply() -> Step {
        Step::new(None, Command::Apply)
    }

    /// Writes `main.tf`, then plans only: nothing is applied, so no plan follows. The saved
    /// plan is in [`Outcome::plan`](super::Outcome).
    pub fn plan(main_tf: impl Into<String>) -> Step {
        Step::new(Some(main_tf.into()), Command::Plan)
    }

    /// A plan of the configuration as it is.
    pub fn replan() -> Step {
        Step::new(None, Command::Plan)
    }

    /// `terraform import ADDRESS ID` with the configuration as it is; an empty plan must follow.
    pub fn import(address: &str, id: &str) -> Step {
        Step::new(
            None,
            Command::Import {
                address: address.to_string(),
                id: id.to_string(),
            },
        )
    }

    /// `apply -invoke=action.ACTION` (`agent37_instance_exec.hello`); an empty plan must follow.
    pub fn invoke(action: &str) -> Step {
        Step::new(None, Command::Invoke(action.to_string()))
    }

    /// `apply -refresh-only`; an empty plan must follow.
    pub fn refresh_only() -> Step {
        Step::new(None, Command::RefreshOnly)
    }

    /// `destroy`: the state must be empty after it, and the case's check-destroy functions
    /// pass. No plan follows (it would propose to create everything again).
    pub fn destroy() -> Step {
        let mut step = Step::new(None, Command::Destroy);
        step.after = After::Unchecked("a destroy is checked by the state and check-destroy");
        step
    }

    /// Writes `main.tf` before the step (for the steps that keep the configuration by default).
    pub fn config(mut self, main_tf: impl Into<String>) -> Step {
        self.main = Some(main_tf.into());
        self
    }

    /// Also writes `name` before the step (another `.tf`, an import block, a query file).
    pub fn file(mut self, name: &str, contents: impl Into<String>) -> Step {
        self.files.push((name.to_string(), contents.into()));
        self
    }

    /// Removes the file `name` before the step.
    pub fn remove_file(mut self, name: &str) -> Step {
        self.remove.push(name.to_string());
        self
    }

    /// Extra arguments of the command (`-parallelism=30`, `-refresh=false`).
    pub fn args(mut self, args: &[&str]) -> Step {
        self.args.extend(args.iter().map(|a| a.to_string()));
        self
    }

    /// `-var=NAME=VALUE`, given to the command and to the plan that follows it.
    pub fn var(mut self, name: &str, value: &str) -> Step {
        self.vars.push((name.to_string(), value.to_string()));
        self
    }

    /// The command must fail with exactly these error diagnostics (in any order); no plan
    /// follows a failed step.
    pub fn expect_errors(mut self, diags: impl IntoIterator<Item = Diag>) -> Step {
        self.expect = Expect::Errors(diags.into_iter().collect());
        self
    }

    /// The command must fail with exactly this one error diagnostic.
    pub fn expect_error(self, diag: Diag) -> Step {
        self.expect_errors([diag])
    }

    /// The command must fail; the test reads the output (for a command without `-json`).
    pub fn expect_failure(mut self) -> Step {
        self.expect = Expect::Failure;
        self
    }

    /// The plan after this step must propose changes, because `why`.
    pub fn non_empty_plan(mut self, why: &'static str) -> Step {
        self.after = After::NonEmpty(why);
        self
    }

    /// No plan after this step, because `why` (say why: every applied step is followed by an
    /// empty plan unless it documents why not).
    pub fn no_plan_check(mut self, why: &'static str) -> Step {
        self.after = After::Unchecked(why);
        self
    }
}

/// How a detail must read.
#[derive(Clone, Debug, PartialEq)]
enum Detail {
    Any,
    Exactly(String),
    Contains(Vec<String>),
}

/// An expected diagnostic: its severity and exact summary, and what its detail, attribute and
/// resource address must be.
#[derive(Clone, Debug, PartialEq)]
pub struct Diag {
    severity: &'static str,
    summary: String,
    detail: Detail,
    attribute: Option<String>,
    address: Option<String>,
}

impl Diag {
    /// An error whose summary is exactly `summary`.
    pub fn error(summary: &str) -> Diag {
        Diag {
            severity: "error",
            summary: summary.to_string(),
            detail: Detail::Any,
            attribute: None,
            address: None,
        }
    }

    /// A warning whose summary is exactly `summary`.
    pub fn warning(summary: &str) -> Diag {
        Diag {
            severity: "warning",
            ..Diag::error(summary)
        }
    }

    /// The detail is exactly `detail`.
    pub fn detail(mut self, detail: &str) -> Diag {
        self.detail = Detail::Exactly(detail.to_string());
        self
    }

    /// The detail contains `piece` (and every other piece given this way).
    pub fn detail_contains(mut self, piece: &str) -> Diag {
        match &mut self.detail {
            Detail::Contains(pieces) => pieces.push(piece.to_string()),
            _ => self.detail = Detail::Contains(vec![piece.to_string()]),
        }
        self
    }

    /// Terraform points it at this attribute (as written in the configuration).
    pub fn attribute(mut self, name: &str) -> Diag {
        self.attribute = Some(name.to_string());
        self
    }

    /// Terraform attaches it to this resource address.
    pub fn address(mut self, address: &str) -> Diag {
        self.address = Some(address.to_string());
        self
    }

    pub fn matches(&self, d: &Diagnostic) -> bool {
        let detail = match &self.detail {
            Detail::Any => true,
            Detail::Exactly(text) => d.detail == *text,
            Detail::Contains(pieces) => pieces.iter().all(|p| d.detail.contains(p.as_str())),
        };
        d.severity == self.severity
            && d.summary == self.summary
            && detail
            && (self.attribute.is_none() || d.attribute() == self.attribute)
            && (self.address.is_none() || d.address() == self.address)
    }
}

/// Pairs every expected diagnostic with one found (each found one used once); what is left
/// over on either side: (expected but not found, found errors not expected).
pub(super) fn unmatched<'a>(
    expected: &'a [Diag],
    found: &'a [Diagnostic],
) -> (Vec<&'a Diag>, Vec<&'a Diagnostic>) {
    let mut used = vec![false; found.len()];
    let mut missing = Vec::new();
    for want in expected {
        let hit = found
            .iter()
            .enumerate()
            .find(|(i, d)| !used[*i] && want.matches(d))
            .map(|(i, _)| i);
        match hit {
            Some(i) => used[i] = true,
            None => missing.push(want),
        }
    }
    let extra = found
        .iter()
        .zip(&used)
        .filter(|(d, used)| !**used && d.severity == "error")
        .map(|(d, _)| d)
        .collect();
    (missing, extra)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn diag(severity: &str, summary: &str, detail: &str) -> Diagnostic {
        Diagnostic::from_json(&json!({
            "severity": severity, "summary": summary, "detail": detail,
            "address": "agent37_instance.a",
        }))
    }

    #[test]
    fn every_expected_diagnostic_is_found_once_and_no_error_is_left() {
        let found = [
            diag(
                "error",
                "Unable to create instance",
                "HTTP 409: instance_limit_reached",
            ),
            diag("warning", "Deprecated", "x"),
        ];
        let want = [Diag::error("Unable to create instance")
            .detail_contains("instance_limit_reached")
            .address("agent37_instance.a")];
        let (missing, extra) = unmatched(&want, &found);
        assert!(missing.is_empty() && extra.is_empty());

        // The summary is exact; an unexpected error is reported.
        let want = [Diag::error("Unable to create")];
        let (missing, extra) = unmatched(&want, &found);
        assert_eq!((missing.len(), extra.len()), (1, 1));

        // One found diagnostic cannot satisfy two expectations.
        let twice = [
            Diag::error("Unable to create instance"),
            Diag::error("Unable to create instance"),
        ];
        assert_eq!(unmatched(&twice, &found).0.len(), 1);
    }

    #[test]
    fn details_match_exactly_or_by_pieces() {
        let d = diag("error", "S", "cpu = 4 needs memory = 8");
        assert!(
            Diag::error("S")
                .detail("cpu = 4 needs memory = 8")
                .matches(&d)
        );
        assert!(!Diag::error("S").detail("cpu = 4").matches(&d));
        assert!(
            Diag::error("S")
                .detail_contains("cpu = 4")
                .detail_contains("memory = 8")
                .matches(&d)
        );
        assert!(!Diag::warning("S").matches(&d));
        assert!(!Diag::error("S").address("agent37_instance.b").matches(&d));
    }
}
