//! Pure conversions between the API's budget and usage objects and Terraform values, the
//! private state that remembers the highest top-up applied, and the top-up decisions.
//!
//! Top-up rule: `topup_micros` is cumulative headroom granted through the resource. The highest
//! value ever applied lives in private state (`{"topup_highest": N}`); a planned value above it
//! grants the difference once, under an idempotency key derived from the instance id and the new
//! highest value, so any retry of that change is answered without adding twice. Lower values
//! change only the state (with a warning), never the server.
//!
//! Import: the imported state's `topup_micros` is the headroom the budget has left (so a
//! configuration with that value plans nothing), marked `{"imported": true}` in private state.
//! A plan that still sees the mark (the run of an `import` block) takes the configured value as
//! the baseline without a call; otherwise the next refresh settles the baseline on the imported
//! value, so later raises grant the difference.

use serde::{Deserialize, Serialize};

use crate::api::{self, Usage};
use crate::sdk::PrivateState;
use crate::sdk::model::Attr;
use crate::sdk::timeouts::Timeouts;

use super::schema::{Budget, BudgetData, UsageData};

// ---------------------------------------------------------------------------------------------
// Private state
// ---------------------------------------------------------------------------------------------

/// What the resource remembers between runs, outside the visible state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Private {
    /// The highest `topup_micros` ever applied through this resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topup_highest: Option<i64>,
    /// Set by import until the baseline is settled (see the module comment).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imported: bool,
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
            topup_highest: Some(highest),
            imported: false,
        }
    }

    pub fn imported() -> Private {
        Private {
            topup_highest: None,
            imported: true,
        }
    }

    /// The highest value applied so far. Without a record (private state lost), the state's
    /// value is the best lower bound: the value last applied.
    pub fn highest(&self, prior_topup: Option<i64>) -> i64 {
        self.topup_highest.or(prior_topup).unwrap_or(0).max(0)
    }
}

/// The private state a refresh returns. The first read after an import fills `topup_micros`
/// (`state_topup` is still null) and keeps the mark for the plan of the same run; a later read
/// settles the baseline on the imported value.
pub fn private_after_read(private: Private, state_topup: Option<i64>) -> Private {
    match (private.imported, state_topup) {
        (true, Some(v)) => Private::with_highest(v),
        _ => private,
    }
}

/// The `topup_micros` a refresh stores: the state's own value (the API has no such field), or
/// right after an import the headroom the budget has left.
pub fn topup_after_read(state_topup: Option<i64>, budget: &api::Budget) -> i64 {
    state_topup.unwrap_or(budget.topup_remaining_micros)
}

// ---------------------------------------------------------------------------------------------
// Top-up decisions
// ---------------------------------------------------------------------------------------------

/// What an apply does about `topup_micros`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopupStep {
    /// Nothing to call; the highest value stays.
    Nothing { highest: i64 },
    /// One top-up of `amount`, after which `new_highest` is the highest value applied.
    Grant { amount: i64, new_highest: i64 },
}

impl TopupStep {
    /// The highest value once the step succeeded.
    pub fn highest_after(self) -> i64 {
        match self {
            TopupStep::Nothing { highest } => highest,
            TopupStep::Grant { new_highest, .. } => new_highest,
        }
    }
}

/// Grants only what the planned value adds above the highest value applied.
pub fn topup_step(highest: i64, planned: i64) -> TopupStep {
    if planned > highest {
        TopupStep::Grant {
            amount: planned - highest,
            new_highest: planned,
        }
    } else {
        TopupStep::Nothing { highest }
    }
}

/// The step an update applies. An import mark still present means the configured value is the
/// baseline (normally the plan has already turned the mark into that value).
pub fn update_step(private: Private, prior: Option<i64>, planned: i64) -> TopupStep {
    if private.imported {
        TopupStep::Nothing { highest: planned }
    } else {
        topup_step(private.highest(prior), planned)
    }
}

/// Why a planned `topup_micros` change grants nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TopupWarning {
    /// Lowered: headroom cannot be taken back.
    Lowered { from: i64, to: i64, highest: i64 },
    /// Raised, but not above the highest value already granted.
    NotAboveHighest { from: i64, to: i64, highest: i64 },
}

impl TopupWarning {
    pub fn summary(&self) -> &'static str {
        match self {
            TopupWarning::Lowered { .. } => "Top-up headroom is not taken back",
            TopupWarning::NotAboveHighest { .. } => "No top-up headroom is granted",
        }
    }

    pub fn detail(&self) -> String {
        match *self {
            TopupWarning::Lowered { from, to, highest } => format!(
                "topup_micros goes from {from} to {to}, but headroom already granted cannot be \
                 removed: no headroom is removed and no API call is made. Raising topup_micros \
                 again grants only what exceeds {highest}, the highest value applied through \
                 this resource."
            ),
            TopupWarning::NotAboveHighest { from, to, highest } => format!(
                "topup_micros goes from {from} to {to}, which is not above {highest}, the highest \
                 value already applied through this resource: no headroom is added and no API \
                 call is made. Only a value above {highest} grants more (the difference)."
            ),
        }
    }
}

/// The plan's view of `topup_micros` on an update: the private state to carry to apply, and a
/// warning when the change grants nothing. `planned` is None while unknown.
pub fn plan_topup(
    private: Private,
    prior: Option<i64>,
    planned: Option<i64>,
) -> (Private, Option<TopupWarning>) {
    let Some(to) = planned else {
        return (private, None);
    };
    if private.imported {
        // The run of an import block: the configured value is the baseline, no call.
        return (Private::with_highest(to), None);
    }
    let from = prior.unwrap_or(0);
    let highest = private.highest(prior);
    let warning = if to == from || to > highest {
        None
    } else if to < from {
        Some(TopupWarning::Lowered { from, to, highest })
    } else {
        Some(TopupWarning::NotAboveHighest { from, to, highest })
    };
    (private, warning)
}

// ---------------------------------------------------------------------------------------------
// API → models
// ---------------------------------------------------------------------------------------------

/// The resource's values the user sets (or that keep their state value).
#[derive(Clone, Debug, PartialEq)]
pub struct Desired {
    pub instance_id: String,
    pub monthly_cap_micros: i64,
    pub topup_micros: i64,
    pub timeouts: Timeouts,
}

/// The resource state: what the user set, and the rest from the budget object.
pub fn resource_state(d: &Desired, b: &api::Budget) -> Budget {
    Budget {
        instance_id: d.instance_id.clone().into(),
        monthly_cap_micros: d.monthly_cap_micros.into(),
        topup_micros: d.topup_micros.into(),
        monthly_consumed_micros: b.monthly_consumed_micros.into(),
        monthly_remaining_micros: b.monthly_remaining_micros.into(),
        monthly_period: b.monthly_period.clone().into(),
        topup_remaining_micros: b.topup_remaining_micros.into(),
        updated_at: b.updated_at.into(),
        timeouts: d.timeouts.clone(),
    }
}

/// The `agent37_budget` data source result.
pub fn budget_data(instance_id: &str, b: &api::Budget) -> BudgetData {
    BudgetData {
        instance_id: instance_id.into(),
        monthly_cap_micros: b.monthly_cap_micros.into(),
        monthly_consumed_micros: b.monthly_consumed_micros.into(),
        monthly_remaining_micros: b.monthly_remaining_micros.into(),
        monthly_period: b.monthly_period.clone().into(),
        topup_remaining_micros: b.topup_remaining_micros.into(),
        updated_at: b.updated_at.into(),
    }
}

/// The `agent37_usage` data source result; `month` stays as configured (null or `YYYY-MM`).
pub fn usage_data(instance_id: &str, month: Attr<String>, u: &Usage) -> UsageData {
    let i = &u.by_integration;
    UsageData {
        instance_id: instance_id.into(),
        month,
        period: u.period.clone().into(),
        total_micros: u.total_micros.into(),
        llm_cost_micros: i.llm.cost_micros.into(),
        llm_calls: i.llm.calls.into(),
        llm_input_tokens: i.llm.input_tokens.into(),
        llm_output_tokens: i.llm.output_tokens.into(),
        brave_cost_micros: i.brave.cost_micros.into(),
        brave_calls: i.brave.calls.into(),
        composio_cost_micros: i.composio.cost_micros.into(),
        composio_calls: i.composio.calls.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(topup: i64) -> api::Budget {
        api::Budget {
            monthly_cap_micros: 5,
            monthly_consumed_micros: 1,
            monthly_remaining_micros: 4,
            monthly_period: "2026-06".into(),
            topup_remaining_micros: topup,
            updated_at: 9,
        }
    }

    #[test]
    fn private_round_trips_and_tolerates_garbage() {
        let p = Private::with_highest(7);
        assert_eq!(p.encode(), br#"{"topup_highest":7}"#);
        assert_eq!(Private::decode(&p.encode()), p);
        assert_eq!(Private::imported().encode(), br#"{"imported":true}"#);
        assert_eq!(
            Private::decode(br#"{"imported":true}"#),
            Private::imported()
        );
        assert_eq!(Private::decode(b""), Private::default());
        assert_eq!(Private::decode(b"writes=3"), Private::default());
        assert_eq!(
            Private::decode(br#"{"topup_highest":"x"}"#),
            Private::default()
        );
    }

    #[test]
    fn highest_falls_back_to_the_state_value() {
        assert_eq!(Private::with_highest(9).highest(Some(3)), 9);
        assert_eq!(Private::default().highest(Some(3)), 3);
        assert_eq!(Private::default().highest(None), 0);
        assert_eq!(Private::with_highest(-4).highest(None), 0);
    }

    #[test]
    fn only_the_amount_above_the_highest_is_granted() {
        assert_eq!(
            topup_step(0, 5),
            TopupStep::Grant {
                amount: 5,
                new_highest: 5
            }
        );
        assert_eq!(
            topup_step(5, 8),
            TopupStep::Grant {
                amount: 3,
                new_highest: 8
            }
        );
        assert_eq!(topup_step(8, 8), TopupStep::Nothing { highest: 8 });
        assert_eq!(topup_step(8, 2), TopupStep::Nothing { highest: 8 });
        assert_eq!(topup_step(0, 0), TopupStep::Nothing { highest: 0 });
        assert_eq!(topup_step(8, 2).highest_after(), 8);
        assert_eq!(topup_step(8, 10).highest_after(), 10);
    }

    #[test]
    fn update_step_honours_the_record_and_the_import_mark() {
        let p = Private::with_highest(8);
        assert_eq!(
            update_step(p, Some(3), 5),
            TopupStep::Nothing { highest: 8 }
        );
        assert_eq!(
            update_step(p, Some(3), 10),
            TopupStep::Grant {
                amount: 2,
                new_highest: 10
            }
        );
        // Private state lost: the state's value is the floor.
        assert_eq!(
            update_step(Private::default(), Some(4), 6),
            TopupStep::Grant {
                amount: 2,
                new_highest: 6
            }
        );
        assert_eq!(
            update_step(Private::imported(), Some(4), 60),
            TopupStep::Nothing { highest: 60 }
        );
    }

    #[test]
    fn plan_warns_when_a_change_grants_nothing() {
        let p = Private::with_highest(8);
        // Lowering.
        let (carried, w) = plan_topup(p, Some(8), Some(3));
        assert_eq!(carried, p);
        assert_eq!(
            w,
            Some(TopupWarning::Lowered {
                from: 8,
                to: 3,
                highest: 8
            })
        );
        let w = w.expect("warning");
        assert!(
            w.detail().contains("no headroom is removed"),
            "{}",
            w.detail()
        );
        // Raising again, not above the highest.
        assert_eq!(
            plan_topup(p, Some(3), Some(8)).1,
            Some(TopupWarning::NotAboveHighest {
                from: 3,
                to: 8,
                highest: 8
            })
        );
        // Above the highest, no change, or unknown: quiet.
        assert_eq!(plan_topup(p, Some(3), Some(9)).1, None);
        assert_eq!(plan_topup(p, Some(3), Some(3)).1, None);
        assert_eq!(plan_topup(p, Some(3), None).1, None);
    }

    #[test]
    fn import_mark_makes_the_configured_value_the_baseline() {
        let (carried, w) = plan_topup(Private::imported(), Some(3), Some(10));
        assert_eq!((carried, w), (Private::with_highest(10), None));
        // Unknown yet: the mark waits for the plan made at apply time.
        assert_eq!(
            plan_topup(Private::imported(), Some(3), None).0,
            Private::imported()
        );
    }

    #[test]
    fn reads_after_an_import_fill_then_settle() {
        let b = budget(4_000);
        // First read (state value still null): fill from the headroom left, keep the mark.
        assert_eq!(topup_after_read(None, &b), 4_000);
        assert_eq!(
            private_after_read(Private::imported(), None),
            Private::imported()
        );
        // Later read: the imported value becomes the highest applied.
        assert_eq!(topup_after_read(Some(4_000), &b), 4_000);
        assert_eq!(
            private_after_read(Private::imported(), Some(4_000)),
            Private::with_highest(4_000)
        );
        // Ordinary reads keep the state's value and private state.
        assert_eq!(topup_after_read(Some(7), &b), 7);
        let p = Private::with_highest(9);
        assert_eq!(private_after_read(p, Some(7)), p);
    }

    fn usage() -> Usage {
        serde_json::from_value(serde_json::json!({
            "period": "2026-06", "total_micros": 12,
            "by_integration": {
                "llm": {"cost_micros": 10, "calls": 2, "input_tokens": 30, "output_tokens": 40},
                "brave": {"cost_micros": 1, "calls": 1},
                "composio": {"cost_micros": 1, "calls": 3}
            }
        }))
        .expect("usage decodes")
    }

    #[test]
    fn resource_state_takes_config_values_and_budget_counters() {
        let d = Desired {
            instance_id: "abc123defg".into(),
            monthly_cap_micros: 5,
            topup_micros: 2,
            timeouts: Timeouts::default(),
        };
        let s = resource_state(&d, &budget(77));
        assert_eq!(s.instance_id.as_str(), Some("abc123defg"));
        assert_eq!(s.monthly_cap_micros.get(), Some(5));
        assert_eq!(s.topup_micros.get(), Some(2));
        assert_eq!(s.topup_remaining_micros.get(), Some(77));
        assert_eq!(s.monthly_period.as_str(), Some("2026-06"));
        assert_eq!(s.updated_at.get(), Some(9));
        assert_eq!(s.timeouts, Timeouts::default());
    }

    #[test]
    fn data_values_carry_the_api_figures() {
        let v = usage_data("abc123defg", Attr::Null, &usage());
        assert_eq!(v.llm_output_tokens.get(), Some(40));
        assert_eq!(v.composio_calls.get(), Some(3));
        assert_eq!(v.month, Attr::Null);
        let b = budget_data("abc123defg", &budget(1));
        assert_eq!(b.topup_remaining_micros.get(), Some(1));
        assert_eq!(b.monthly_cap_micros.get(), Some(5));
    }

    /// The resource's state, an import seed and each data source's result have exactly their
    /// schemas' shapes.
    #[test]
    fn every_model_output_has_exactly_its_schema_shape() {
        use super::super::schema;
        use crate::sdk::model::conforms;
        let d = Desired {
            instance_id: "abc123defg".into(),
            monthly_cap_micros: 5,
            topup_micros: 2,
            timeouts: Timeouts::default(),
        };
        let state = resource_state(&d, &budget(1));
        conforms(&state.to_value(), &schema::resource().value_type())
            .unwrap_or_else(|e| panic!("agent37_budget: {e}"));
        let seed = Budget {
            instance_id: "abc123defg".into(),
            ..Budget::default()
        };
        conforms(&seed.to_value(), &schema::resource().value_type())
            .unwrap_or_else(|e| panic!("agent37_budget (import seed): {e}"));
        let data = budget_data("abc123defg", &budget(1));
        conforms(&data.to_value(), &schema::budget_data_source().value_type())
            .unwrap_or_else(|e| panic!("agent37_budget (data source): {e}"));
        let usage = usage_data("abc123defg", "2026-06".into(), &usage());
        conforms(&usage.to_value(), &schema::usage_data_source().value_type())
            .unwrap_or_else(|e| panic!("agent37_usage: {e}"));
    }
}
