//! The step DSL of the acceptance tests, in the spirit of terraform-plugin-testing: a test is a
//! sequence of steps run against one Terraform directory (and usually one emulator):
//!
//! ```ignore
//! fn lifecycle(m: Matrix) {
//!     let emu = m.emulator(&[]);
//!     let mut case = m.case(&emu);
//!     case.check_destroy(|| assert!(emu.instances().is_empty()));
//!     case.apply(hcl::config(r#"resource "agent37_instance" "a" { name = "one" }"#));
//!     // ^ apply, then `plan -detailed-exitcode` must say "No changes."
//!     let plan = case.plan(hcl::config(r#"resource "agent37_instance" "a" { name = "two" }"#));
//!     assert_eq!(plan.actions_of("agent37_instance.a"), ["update"]);
//!     case.step(Step::apply(limit_config).expect_error(
//!         Diag::error("Unable to create instance").detail_contains("instance_limit_reached"),
//!     ));
//!     case.step(Step::reapply().non_empty_plan("auto_update pulls the new image at each plan"));
//!     case.verify_import("agent37_instance.a", &id, &[]); // CLI, block, identity
//!     case.destroy(); // empty state, then every check_destroy function
//! }
//! matrix!(lifecycle); // lifecycle::tf_1_15 and lifecycle::tf_1_11
//! ```
//!
//! Every step that applies (apply, `-invoke`, `-refresh-only`, import) and succeeds is followed
//! by a plan that must be empty, unless the step says why not ([`Step::non_empty_plan`],
//! [`Step::no_plan_check`]). A failing step is expected with its exact diagnostics
//! ([`Step::expect_error`], read from Terraform's `-json` stream). Assertions between steps
//! are ordinary Rust on [`Case::tf`] and the emulator.

mod import;
mod step;

pub use step::{Diag, Expect, Step};

use crate::emulator::Emulator;
use crate::process::Output;
use crate::terraform::{Diagnostic, Plan, Terraform, diagnostics_in_stream};
use crate::version::Matrix;

use step::{After, Command, unmatched};

/// The ways [`Case::verify_import`] imports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Import {
    /// `terraform import ADDRESS ID`.
    Cli,
    /// An `import { to = ADDRESS, id = ID }` block.
    Block,
    /// An `import { to = ADDRESS, identity = {…} }` block (Terraform >= 1.12).
    Identity,
}

/// What a step left: the command's output, the diagnostics of its `-json` stream (when it was
/// expected to fail with diagnostics), and the saved plan of a plan step.
#[derive(Debug)]
pub struct Outcome {
    pub output: Output,
    pub diagnostics: Vec<Diagnostic>,
    pub plan: Option<Plan>,
}

impl Outcome {
    /// The saved plan of a plan step.
    #[track_caller]
    pub fn plan(&self) -> &Plan {
        self.plan
            .as_ref()
            .unwrap_or_else(|| panic!("not a plan step: {}", self.output.command))
    }
}

/// A scenario: one Terraform directory, the emulator it talks to, the steps run so far, and
/// what must hold after a destroy.
pub struct Case<'e> {
    tf: Terraform,
    matrix: Matrix,
    emulator: Option<&'e Emulator>,
    steps: usize,
    destroy_checks: Vec<Box<dyn Fn() + 'e>>,
}

impl<'e> Case<'e> {
    /// A case with no emulator (validation, the SDK's test provider, a fake API).
    #[track_caller]
    pub fn new(matrix: Matrix) -> Case<'e> {
        Case {
            tf: Terraform::new(matrix.tf),
            matrix,
            emulator: None,
            steps: 0,
            destroy_checks: Vec::new(),
        }
    }

    /// A case whose provider talks to `emulator` with its default workspace's key.
    #[track_caller]
    pub fn with_emulator(matrix: Matrix, emulator: &'e Emulator) -> Case<'e> {
        let mut case = Case::new(matrix);
        case.tf.use_emulator(emulator);
        case.emulator = Some(emulator);
        case
    }

    pub fn matrix(&self) -> Matrix {
        self.matrix
    }

    pub fn tf(&self) -> &Terraform {
        &self.tf
    }

    /// The Terraform of the case, to set its environment (another key, `TF_LOG`…).
    pub fn tf_mut(&mut self) -> &mut Terraform {
        &mut self.tf
    }

    /// The emulator of the case; panics for a case without one.
    #[track_caller]
    pub fn emulator(&self) -> &'e Emulator {
        self.emulator
            .unwrap_or_else(|| panic!("this case has no emulator"))
    }

    /// A check that runs after every successful destroy step, such as "nothing is left on the
    /// server".
    pub fn check_destroy(&mut self, check: impl Fn() + 'e) {
        self.destroy_checks.push(Box::new(check));
    }

    /// Runs one step; panics (naming the step) when it does not end as expected or the plan
    /// after it is not what the step says.
    #[track_caller]
    pub fn step(&mut self, step: Step) -> Outcome {
        self.steps += 1;
        let label = format!("step {} ({})", self.steps, step.command.name());
        if let Some(main) = &step.main {
            self.tf.write_main(main);
        }
        for (name, contents) in &step.files {
            self.tf.write_file(name, contents);
        }
        for name in &step.remove {
            self.tf.workdir().remove(name);
        }
        let vars: Vec<String> = step
            .vars
            .iter()
            .map(|(k, v)| format!("-var={k}={v}"))
            .collect();
        let json = matches!(step.expect, Expect::Errors(_));
        let mut args: Vec<String> = match &step.command {
            Command::Apply => vec!["apply".into(), "-auto-approve".into()],
            Command::Invoke(action) => vec![
                "apply".into(),
                "-auto-approve".into(),
                format!("-invoke=action.{action}"),
            ],
            Command::RefreshOnly => {
                vec![
                    "apply".into(),
                    "-refresh-only".into(),
                    "-auto-approve".into(),
                ]
            }
            Command::Plan => vec!["plan".into(), "-out=tfplan".into()],
            Command::Import { address, id } => {
                assert!(
                    !json,
                    "{label}: `terraform import` has no -json; use expect_failure and read the output"
                );
                vec!["import".into(), address.clone(), id.clone()]
            }
            Command::Destroy => vec!["destroy".into(), "-auto-approve".into()],
        };
        if json {
            args.push("-json".into());
        }
        args.extend(step.args.iter().cloned());
        args.extend(vars.iter().cloned());
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = self.tf.run(&arg_refs);

        let mut diagnostics = Vec::new();
        match &step.expect {
            Expect::Success => {
                assert!(output.success(), "{label}: expected success:\n{output}")
            }
            Expect::Failure => assert!(
                !output.timed_out && matches!(output.code, Some(c) if c != 0),
                "{label}: expected a failure:\n{output}"
            ),
            Expect::Errors(want) => {
                assert!(
                    !output.timed_out && matches!(output.code, Some(c) if c != 0),
                    "{label}: expected a failure:\n{output}"
                );
                let lines: Vec<serde_json::Value> = output
                    .stdout
                    .lines()
                    .filter_map(|l| serde_json::from_str(l).ok())
                    .collect();
                diagnostics = diagnostics_in_stream(&lines);
                let (missing, extra) = unmatched(want, &diagnostics);
                assert!(
                    missing.is_empty() && extra.is_empty(),
                    "{label}: the diagnostics differ.\nexpected, not found: {missing:#?}\n\
                     found, not expected: {extra:#?}\nall found: {diagnostics:#?}"
                );
            }
        }
        let mut outcome = Outcome {
            output,
            diagnostics,
            plan: None,
        };
        if !matches!(step.expect, Expect::Success) {
            // Nothing (or not everything) was applied: no plan to check.
            return outcome;
        }
        match &step.command {
            Command::Plan => {
                let show = self.tf.run_ok(&["show", "-json", "tfplan"]);
                let json = serde_json::from_str(&show.stdout)
                    .unwrap_or_else(|e| panic!("{label}: show -json is not JSON ({e}):\n{show}"));
                outcome.plan = Some(Plan { json });
            }
            Command::Destroy => {
                let left = self.tf.state_resources();
                assert!(
                    left.is_empty(),
                    "{label}: the state still holds {:?}",
                    left.keys().collect::<Vec<_>>()
                );
                for check in &self.destroy_checks {
                    check();
                }
            }
            _ => {}
        }
        if step.command.applies() {
            self.plan_after(&label, &step.after, &vars);
        }
        outcome
    }

    #[track_caller]
    fn plan_after(&self, label: &str, after: &After, vars: &[String]) {
        let mut args = vec!["plan", "-detailed-exitcode"];
        args.extend(vars.iter().map(String::as_str));
        match after {
            After::Empty => {
                let out = self.tf.run(&args);
                assert!(
                    out.code == Some(0) && out.stdout.contains("No changes."),
                    "{label}: the plan after it is not empty (the provider is not idempotent \
                     here):\n{out}"
                );
            }
            After::NonEmpty(why) => {
                let out = self.tf.run(&args);
                assert!(
                    out.code == Some(2),
                    "{label}: the plan after it should propose changes ({why}):\n{out}"
                );
            }
            // The reason is the step's documentation; it shows in the test's log.
            After::Unchecked(why) => eprintln!("{label}: no plan after it: {why}"),
        }
    }

    /// Writes `main.tf` and applies it; an empty plan must follow.
    #[track_caller]
    pub fn apply(&mut self, main_tf: impl Into<String>) -> Outcome {
        self.step(Step::apply(main_tf))
    }

    /// Applies the configuration as it is; an empty plan must follow.
    #[track_caller]
    pub fn reapply(&mut self) -> Outcome {
        self.step(Step::reapply())
    }

    /// Writes `main.tf` and plans it (applying nothing): the saved plan.
    #[track_caller]
    pub fn plan(&mut self, main_tf: impl Into<String>) -> Plan {
        self.step(Step::plan(main_tf)).plan().clone()
    }

    /// Plans the configuration as it is.
    #[track_caller]
    pub fn replan(&mut self) -> Plan {
        self.step(Step::replan()).plan().clone()
    }

    /// `terraform import ADDRESS ID`; an empty plan must follow.
    #[track_caller]
    pub fn import(&mut self, address: &str, id: &str) -> Outcome {
        self.step(Step::import(address, id))
    }

    /// `terraform destroy`; then the state is empty and every check-destroy function passes.
    #[track_caller]
    pub fn destroy(&mut self) -> Outcome {
        self.step(Step::destroy())
    }
}
