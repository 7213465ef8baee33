//! The credit rules of `agent37_budget`, as pure decisions: the private state that remembers
//! the highest credit applied, which of the two names the configuration uses, what an apply
//! grants, what a plan warns about, which counters a plan can know, and whether a destroy may
//! reset the cap.
//!
//! Credit rule: `credit_micros` (alias `topup_micros`) is cumulative headroom granted through
//! the resource. The highest value ever applied lives in private state; a planned value above it
//! grants the difference once, under an idempotency key derived from the instance id and the
//! new highest value, so any retry of that change is answered without adding twice. Lower
//! values change only the state (with a warning), never the server.
//!
//! Import: the imported state's credit is the headroom the budget has left (so a configuration
//! with that value plans nothing), marked `{"imported": true}` in private state. A plan that
//! still sees the mark (the run of an `import` block) takes the configured value as the
//! baseline without a call, and warns when it differs from what is left; otherwise the next
//! refresh settles the baseline on the imported value, so later raises grant the difference.

use serde::{Deserialize, Serialize};

use crate::sdk::PrivateState;
use crate::sdk::model::Attr;

use super::schema::Budget;

// ---------------------------------------------------------------------------------------------
// Private state
// ---------------------------------------------------------------------------------------------

/// What the resource remembers between runs, outside the visible state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Private {
    /// The highest credit ever applied through this resource. Stored under the key released
    /// versions wrote (`topup_highest`), so their private state keeps its record.
    #[serde(
        default,
        rename = "topup_highest",
        skip_serializing_if = "Option::is_none"
    )]
    pub highest: Option<i64>,
    /// Set by import until the baseline is settled (see the module comment).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
    /// A token naming this resource object, set when it creates or updates the budget; see
    /// [`destroy_resets_cap`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<u64>,
}

/// Stored as JSON; the SDK keeps the stored bytes when a handler leaves the value unchanged.
impl PrivateState for Private {
    /// Empty or unreadable bytes (another version's format) read as "nothing known", which
    /// falls back to the state's own value.
    fn decode(bytes: &[u8]) -> Private {
        serde_json::from_slice(bytes).unwrap_or_default()
    }

    fn encode(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl Private {
    pub fn with_highest(highest: i64) -> Private {
        Private {
            highest: Some(highest),
            ..Private::default()
        }
    }

    pub fn imported() -> Private {
        Private {
            imported: true,
            ..Private::default()
        }
    }

    /// The same record, owned by `owner`.
    pub fn owned_by(self, owner: u64) -> Private {
        Private {
            owner: Some(owner),
            ..self
        }
    }

    /// The highest value applied so far. Without a record (private state lost), the state's
    /// value is the best lower bound: the value last applied.
    pub fn highest(&self, prior_credit: Option<i64>) -> i64 {
        self.highest.or(prior_credit).unwrap_or(0).max(0)
    }
}

/// The private state a refresh returns. The first read after an import fills the credit
/// (`state_credit` is still null) and keeps the mark for the plan of the same run; a later read
/// settles the baseline on the imported value.
pub fn private_after_read(private: Private, state_credit: Option<i64>) -> Private {
    match (private.imported, state_credit) {
        (true, Some(v)) => Private {
            imported: false,
            highest: Some(v),
            ..private
        },
        _ => private,
    }
}

/// The credit a refresh stores: the state's own value (the API has no such field), or right
/// after an import the headroom the budget has left.
pub fn credit_after_read(state_credit: Option<i64>, remaining: i64) -> i64 {
    state_credit.unwrap_or(remaining)
}

// ---------------------------------------------------------------------------------------------
// The two names
// ---------------------------------------------------------------------------------------------

/// Which name a configuration gives the credit under (warnings point at it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditName {
    Credit,
    /// The deprecated alias.
    Topup,
}

impl CreditName {
    pub fn attr(self) -> &'static str {
        match self {
            CreditName::Credit => Budget::CREDIT_MICROS,
            CreditName::Topup => Budget::TOPUP_MICROS,
        }
    }
}

/// The credit a configuration asks for, and under which name: whichever of the two is set
/// (validation refuses both), else the static default 0.
pub fn configured_credit(config: &Budget) -> (Attr<i64>, CreditName) {
    match (&config.credit_micros, &config.topup_micros) {
        (Attr::Null, Attr::Null) => (Attr::Known(0), CreditName::Credit),
        (Attr::Null, topup) => (topup.clone(), CreditName::Topup),
        (credit, _) => (credit.clone(), CreditName::Credit),
    }
}

/// The error when a configuration sets both names (even to unknown values).
pub fn both_names_problem(config: &Budget) -> Option<(&'static str, String)> {
    (!config.credit_micros.is_null() && !config.topup_micros.is_null()).then(|| {
        (
            "Credit set twice",
            format!(
                "{} and {} are one value under two names ({} is the deprecated one); set only {}.",
                Budget::CREDIT_MICROS,
                Budget::TOPUP_MICROS,
                Budget::TOPUP_MICROS,
                Budget::CREDIT_MICROS
            ),
        )
    })
}

// ---------------------------------------------------------------------------------------------
// Grants
// ---------------------------------------------------------------------------------------------

/// What an apply does about the credit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditStep {
    /// Nothing to call; the highest value stays.
    Nothing { highest: i64 },
    /// One top-up of `amount`, after which `new_highest` is the highest value applied.
    Grant { amount: i64, new_highest: i64 },
}

impl CreditStep {
    /// The highest value once the step succeeded.
    pub fn highest_after(self) -> i64 {
        match self {
            CreditStep::Nothing { highest } => highest,
            CreditStep::Grant { new_highest, .. } => new_highest,
        }
    }
}

/// Grants only what the planned value adds above the highest value applied.
pub fn credit_step(highest: i64, planned: i64) -> CreditStep {
    if planned > highest {
        CreditStep::Grant {
            amount: planned - highest,
            new_highest: planned,
        }
    } else {
        CreditStep::Nothing { highest }
    }
}

/// The step an update applies. An import mark still present means the configured value is the
/// baseline (normally the plan has already turned the mark into that value).
pub fn update_step(private: Private, prior: Option<i64>, planned: i64) -> CreditStep {
    if private.imported {
        CreditStep::Nothing { highest: planned }
    } else {
        credit_step(private.highest(prior), planned)
    }
}

/// Why a planned credit change grants nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CreditWarning {
    /// Lowered: headroom cannot be taken back.
    Lowered { from: i64, to: i64, highest: i64 },
    /// Raised, but not above the highest value already granted.
    NotAboveHighest { from: i64, to: i64, highest: i64 },
    /// The run of an `import` block: the configured value becomes the record of what was
    /// granted, and differs from the credit the budget has left.
    ImportBaseline { configured: i64, left: i64 },
}

impl CreditWarning {
    pub fn summary(&self) -> &'static str {
        match self {
            CreditWarning::Lowered { .. } => "Credit is not taken back",
            CreditWarning::NotAboveHighest { .. } => "No credit is granted",
            CreditWarning::ImportBaseline { .. } => "Imported credit: nothing is granted",
        }
    }

    /// The detail, naming the attribute the configuration uses.
    pub fn detail(&self, name: CreditName) -> String {
        let attr = name.attr();
        match *self {
            CreditWarning::Lowered { from, to, highest } => format!(
                "{attr} goes from {from} to {to}, but credit already granted cannot be removed: \
                 no credit is removed and no API call is made. Raising {attr} again grants only \
                 what exceeds {highest}, the highest value applied through this resource."
            ),
            CreditWarning::NotAboveHighest { from, to, highest } => format!(
                "{attr} goes from {from} to {to}, which is not above {highest}, the highest value \
                 already applied through this resource: no credit is added and no API call is \
                 made. Only a value above {highest} grants more (the difference)."
            ),
            CreditWarning::ImportBaseline { configured, left } => format!(
                "This run imports the budget, which has {left} micros of credit left. The \
                 configured {attr} = {configured} is recorded as the credit already granted \
                 through this resource: no top-up is made now and the credit left stays {left}. \
                 A later value above {configured} grants the difference; to grant more now, \
                 import first, then raise {attr} above {configured}."
            ),
        }
    }
}

/// The plan's view of the credit on an update: the private state to carry to apply, and a
/// warning when the change grants nothing. `planned` is None while unknown; `left` is the
/// credit the budget has left (the refreshed counter).
pub fn plan_credit(
    private: Private,
    prior: Option<i64>,
    planned: Option<i64>,
    left: Option<i64>,
) -> (Private, Option<CreditWarning>) {
    let Some(to) = planned else {
        return (private, None);
    };
    if private.imported {
        // The run of an import block: the configured value is the baseline, no call.
        let warning = left
            .filter(|l| *l != to)
            .map(|left| CreditWarning::ImportBaseline {
                configured: to,
                left,
            });
        return (
            Private {
                imported: false,
                highest: Some(to),
                ..private
            },
            warning,
        );
    }
    let from = prior.unwrap_or(0);
    let highest = private.highest(prior);
    let warning = if to == from || to > highest {
        None
    } else if to < from {
        Some(CreditWarning::Lowered { from, to, highest })
    } else {
        Some(CreditWarning::NotAboveHighest { from, to, highest })
    };
    (private, warning)
}

// ---------------------------------------------------------------------------------------------
// Counters in a plan, and the applied state
// ---------------------------------------------------------------------------------------------

/// The counters of an in-place update: only those a planned call can move become unknown (a
/// cap change moves `monthly_remaining_micros`, a grant the credit left, both `updated_at`);
/// the others keep their prior values, so a change that calls nothing plans no unknowns.
/// `may_grant`: the apply may call top-up (a grant, or a credit still unknown).
pub fn plan_counters(planned: &mut Budget, prior: &Budget, may_grant: bool) {
    let cap_changes = planned.monthly_cap_micros != prior.monthly_cap_micros;
    if cap_changes {
        planned.monthly_remaining_micros = Attr::unknown();
    }
    if may_grant {
        planned.credit_remaining_micros = Attr::unknown();
        planned.topup_remaining_micros = Attr::unknown();
    }
    if cap_changes || may_grant {
        planned.updated_at = Attr::unknown();
    }
}

// ---------------------------------------------------------------------------------------------
// Destroy
// ---------------------------------------------------------------------------------------------

/// Whether destroying the budget object owned by `mine` sets the instance's cap back to 0.
/// `latest` is the owner of the last create or update of that instance's budget in this
/// provider process. When another object wrote it since (the replacement that
/// `create_before_destroy` creates before destroying the deposed object, or a second
/// `agent37_budget` taking the instance over), the cap is that object's, and resetting it would
/// leave its state wrong: the destroy leaves the cap alone.
pub fn destroy_resets_cap(mine: Option<u64>, latest: Option<u64>) -> bool {
    match latest {
        None => true,
        Some(latest) => mine == Some(latest),
    }
}

#[cfg(test)]
mod tests;
