//! The models of the `agent37_budget` resource and the `agent37_budget` / `agent37_usage` data
//! sources: their schemas, declared once. Every attribute carries a description: the docs are
//! generated from them.

use crate::sdk::model::Attr;
use crate::sdk::timeouts::{Timeouts, Waits};
use crate::sdk::validate::{IntRange, Validator, check};
use crate::sdk::{Model, Schema, Value};

/// Instance ids are 10 characters of `[a-z0-9]` (hosting API, conventions).
pub fn check_instance_id(s: &str) -> Result<(), String> {
    let ok = s.chars().count() == 10
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not an instance id: an id is 10 lowercase letters or digits."
        ))
    }
}

/// A month as `YYYY-MM` with a month from 01 to 12.
pub fn check_month(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let digits = |r: &[u8]| r.iter().all(u8::is_ascii_digit);
    let ok = b.len() == 7
        && b[4] == b'-'
        && digits(&b[..4])
        && digits(&b[5..])
        && matches!(s.get(5..).and_then(|m| m.parse::<u8>().ok()), Some(1..=12));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is not a month: use `YYYY-MM` with a month from 01 to 12, e.g. \"2026-07\"."
        ))
    }
}

/// Schema version of the resource; state written by every earlier version must upgrade.
pub const VERSION: i64 = 0;

pub(crate) fn instance_id_rule() -> impl Validator + 'static {
    check("An instance id: 10 lowercase letters or digits.", |v| {
        v.as_str().map_or(Ok(()), check_instance_id)
    })
}

fn month_rule() -> impl Validator + 'static {
    check("A month as `YYYY-MM` (month 01 to 12).", |v| {
        v.as_str().map_or(Ok(()), check_month)
    })
}

pub const RESOURCE: &str = "The budget of one instance: its monthly cap on managed spend (LLM, web search and \
         app-integration calls, billed at cost from the workspace wallet) and one-time top-up \
         headroom. A budget is a ceiling, not money: raising it moves no funds. Every instance \
         has exactly one budget, so this resource manages the existing budget of `instance_id` \
         instead of creating one; destroying it sets the monthly cap back to 0 and leaves the \
         headroom already granted. Import with the instance id.";

/// The state of `agent37_budget`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Budget {
    #[attr(
        required,
        requires_replace,
        describe = "Id of the instance whose budget this is. Changing it replaces the resource (the \
                 old instance's cap goes back to 0).",
        validate = instance_id_rule()
    )]
    pub instance_id: Attr<String>,
    #[attr(
        default = Value::number(0),
        validate = IntRange::at_least(0),
        describe = "Monthly ceiling of managed spend, in micros (1 USD = 1,000,000; \
                     `provider::agent37::usd_to_micros(\"5\")` converts). Resets every UTC month. \
                     Default 0, which refuses managed calls once the top-up headroom is used."
    )]
    pub monthly_cap_micros: Attr<i64>,
    #[attr(
        default = Value::number(0),
        validate = IntRange::at_least(0),
        describe = "One-time headroom granted through this resource, in micros, cumulative: it \
                     survives months and is used once the monthly part is exhausted. Raising it \
                     above the highest value ever applied grants the difference in one top-up, \
                     made idempotent so a retried or repeated apply never adds twice. Lowering \
                     it cannot take headroom back: the plan warns, nothing is called, and raising \
                     it again grants only what exceeds the highest value. After an import, the \
                     state holds the headroom the budget has left, so a configuration with that \
                     value plans no change, and later raises grant the difference; in the run of \
                     an `import` block, the configured value is taken as the baseline without a \
                     call, whatever it is. Default 0."
    )]
    pub topup_micros: Attr<i64>,
    #[attr(
        computed,
        unknown_on_update,
        describe = "Spend counted against the monthly cap in `monthly_period`, in micros."
    )]
    pub monthly_consumed_micros: Attr<i64>,
    #[attr(
        computed,
        unknown_on_update,
        describe = "What is left of the monthly cap: `max(cap − consumed, 0)`, in micros."
    )]
    pub monthly_remaining_micros: Attr<i64>,
    #[attr(
        computed,
        unknown_on_update,
        describe = "The UTC month (`YYYY-MM`) the monthly counters cover."
    )]
    pub monthly_period: Attr<String>,
    #[attr(
        computed,
        unknown_on_update,
        describe = "One-time headroom left on the instance, in micros (whoever granted it). \
                     Read from `credit_remaining_micros` on API revisions that use that name."
    )]
    pub topup_remaining_micros: Attr<i64>,
    #[attr(
        computed,
        unknown_on_update,
        describe = "Last write of the budget (cap change, top-up, spend), epoch seconds."
    )]
    pub updated_at: Attr<i64>,
    #[block]
    pub timeouts: Timeouts,
}

pub fn resource() -> Schema {
    Budget::schema(RESOURCE)
        .version(VERSION)
        .timeouts_wait_for(Waits {
            create: "the API to set the cap and grant the first top-up (its calls and retries)",
            update: "the API to change the cap or grant a top-up (its calls and retries)",
            delete: "the API to set the monthly cap to 0 (its call and retries; granted headroom stays)",
        })
}

pub const BUDGET_DATA: &str = "Reads the budget of an instance: its monthly cap and counters, and the one-time \
         top-up headroom left.";

/// `agent37_budget` (data source).
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct BudgetData {
    #[attr(required, describe = "Id of the instance.", validate = instance_id_rule())]
    pub instance_id: Attr<String>,
    #[attr(computed, describe = "Monthly ceiling of managed spend, in micros.")]
    pub monthly_cap_micros: Attr<i64>,
    #[attr(
        computed,
        describe = "Spend counted against the monthly cap in `monthly_period`, in micros."
    )]
    pub monthly_consumed_micros: Attr<i64>,
    #[attr(
        computed,
        describe = "What is left of the monthly cap: `max(cap − consumed, 0)`, in micros."
    )]
    pub monthly_remaining_micros: Attr<i64>,
    #[attr(
        computed,
        describe = "The UTC month (`YYYY-MM`) the monthly counters cover."
    )]
    pub monthly_period: Attr<String>,
    #[attr(
        computed,
        describe = "One-time headroom left, in micros (read from `credit_remaining_micros` on \
                     API revisions that use that name)."
    )]
    pub topup_remaining_micros: Attr<i64>,
    #[attr(
        computed,
        describe = "Last write of the budget (cap change, top-up, spend), epoch seconds."
    )]
    pub updated_at: Attr<i64>,
}

pub fn budget_data_source() -> Schema {
    BudgetData::schema(BUDGET_DATA)
}

pub const USAGE_DATA: &str = "Reads the managed spend of an instance in one UTC month, in total and per integration \
         (LLM, Brave web search, Composio app integrations).";

/// `agent37_usage`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct UsageData {
    #[attr(required, describe = "Id of the instance.", validate = instance_id_rule())]
    pub instance_id: Attr<String>,
    #[attr(optional, describe = "The UTC month to read, as `YYYY-MM`. Default: the current month.", validate = month_rule())]
    pub month: Attr<String>,
    #[attr(computed, describe = "The month the figures cover (`YYYY-MM`).")]
    pub period: Attr<String>,
    #[attr(computed, describe = "Total managed spend of the month, in micros.")]
    pub total_micros: Attr<i64>,
    #[attr(computed, describe = "Spend on LLM calls, in micros.")]
    pub llm_cost_micros: Attr<i64>,
    #[attr(computed, describe = "Number of LLM calls.")]
    pub llm_calls: Attr<i64>,
    #[attr(computed, describe = "LLM input tokens.")]
    pub llm_input_tokens: Attr<i64>,
    #[attr(computed, describe = "LLM output tokens.")]
    pub llm_output_tokens: Attr<i64>,
    #[attr(computed, describe = "Spend on Brave web search, in micros.")]
    pub brave_cost_micros: Attr<i64>,
    #[attr(computed, describe = "Number of Brave web searches.")]
    pub brave_calls: Attr<i64>,
    #[attr(computed, describe = "Spend on Composio app integrations, in micros.")]
    pub composio_cost_micros: Attr<i64>,
    #[attr(computed, describe = "Number of Composio calls.")]
    pub composio_calls: Attr<i64>,
}

pub fn usage_data_source() -> Schema {
    UsageData::schema(USAGE_DATA)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_checks() {
        assert!(check_instance_id("abc123defg").is_ok());
        for bad in ["", "abc", "ABC123DEFG", "abc123defg1", "abc-23defg"] {
            assert!(check_instance_id(bad).is_err(), "{bad}");
        }
        for good in ["2026-07", "1999-12", "2026-01"] {
            assert!(check_month(good).is_ok(), "{good}");
        }
        for bad in [
            "2026-13",
            "2026-00",
            "2026-7",
            "26-07",
            "2026/07",
            "abcd-07",
            "2026-0a",
            "2026-07-01",
            "2026-é1",
        ] {
            assert!(check_month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_attribute_is_described() {
        for s in [resource(), budget_data_source(), usage_data_source()] {
            assert!(!s.block.description.is_empty());
            for a in &s.block.attributes {
                assert!(!a.description.is_empty(), "{} has no description", a.name);
            }
        }
    }

    #[test]
    fn volatile_counters_and_replacing_instance_id() {
        let s = resource();
        let a = |n: &str| s.block.attribute(n).expect(n);
        assert!(a("instance_id").requires_replace && a("instance_id").required);
        for n in [
            "monthly_consumed_micros",
            "monthly_remaining_micros",
            "monthly_period",
            "topup_remaining_micros",
            "updated_at",
        ] {
            assert_eq!(a(n).on_update, crate::sdk::schema::OnUpdate::Unknown, "{n}");
        }
        for n in ["monthly_cap_micros", "topup_micros"] {
            assert!(
                a(n).optional && a(n).computed && a(n).default.is_some(),
                "{n}"
            );
        }
        assert_eq!(s.version, 0);
        assert!(s.block.blocks.iter().any(|b| b.name == "timeouts"));
    }
}
