//! The models of the `agent37_budget` resource and the `agent37_budget` / `agent37_usage` data
//! sources: their schemas, declared once. Every attribute carries a description: the docs are
//! generated from them.

use crate::provider::ids;
use crate::provider::instance::schema::InstanceFilters;
use crate::sdk::model::Attr;
use crate::sdk::timeouts::{Timeouts, Waits};
use crate::sdk::validate::{IntRange, Validator, check};
use crate::sdk::{Model, Schema, Value};

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
/// 0: `topup_micros`, `topup_remaining_micros`. 1: adds `credit_micros` and
/// `credit_remaining_micros` (the API's names from revision 2026-08-21 on), the `topup_*` ones
/// kept as deprecated aliases.
pub const VERSION: i64 = 1;

fn month_rule() -> impl Validator + 'static {
    check("A month as `YYYY-MM` (month 01 to 12).", |v| {
        v.as_str().map_or(Ok(()), check_month)
    })
}

pub const RESOURCE: &str = "The budget of one instance: its monthly cap on managed spend (LLM, web search and \
         app-integration calls, billed at cost from the workspace wallet) and one-time credit \
         headroom. A budget is a ceiling, not money: raising it moves no funds. Every instance \
         has exactly one budget, so this resource manages the existing budget of `instance_id` \
         instead of creating one; destroying it sets the monthly cap back to 0 and leaves the \
         credit already granted. Import with the instance id. Works the same on API revisions \
         2026-06-25 and 2026-08-21 (the credit is called a top-up in 2026-06-25's field names).";

/// What `credit_micros` and its alias say about the headroom granted.
const CREDIT_DOC: &str = "One-time headroom (credit) granted through this resource, in micros, cumulative: it \
     survives months and is used once the monthly part is exhausted. Raising it above the highest \
     value ever applied grants the difference in one top-up call, made idempotent so a retried or \
     repeated apply never adds twice. Lowering it cannot take headroom back: the plan warns, \
     nothing is called, and raising it again grants only what exceeds the highest value. After \
     an import the state holds the headroom the budget has left, so a configuration with that \
     value plans no change; in the run of an `import` block the configured value is taken as the \
     baseline of what was granted, without a call (the plan warns when it differs from what is \
     left). Default 0; removing it from the configuration plans 0 (which grants nothing and \
     takes nothing back). Same on API revisions 2026-06-25 and 2026-08-21.";

/// The state of `agent37_budget`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct Budget {
    #[attr(
        required,
        requires_replace,
        describe = "Id of the instance whose budget this is (10 lowercase letters or digits, \
                 checked in full at plan). Changing it replaces the resource (the old \
                 instance's cap goes back to 0).",
        validate = ids::rule()
    )]
    pub instance_id: Attr<String>,
    #[attr(
        default = Value::number(0),
        validate = IntRange::at_least(0),
        describe = "Monthly ceiling of managed spend, in micros (1 USD = 1,000,000; \
                     `provider::agent37::usd_to_micros(\"5\")` converts). Resets every UTC month. \
                     Default 0, which refuses managed calls once the credit is used; removing \
                     it from the configuration sets the cap back to 0. Same on both API \
                     revisions."
    )]
    pub monthly_cap_micros: Attr<i64>,
    #[attr(optional, computed, validate = IntRange::at_least(0), describe = CREDIT_DOC)]
    pub credit_micros: Attr<i64>,
    #[attr(
        optional,
        computed,
        validate = IntRange::at_least(0),
        deprecated = "Use `credit_micros` (the API's name since revision 2026-08-21). `topup_micros` is an alias sharing the same highest-value record; set one of the two, not both.",
        describe = "Deprecated alias of `credit_micros` (set one of the two, not both): the same \
                     value, the same highest-value record, the same rules."
    )]
    pub topup_micros: Attr<i64>,
    #[attr(
        computed,
        describe = "Spend counted against the monthly cap in `monthly_period`, in micros. Read \
                     at every refresh; a plan marks it unknown only when it calls the API."
    )]
    pub monthly_consumed_micros: Attr<i64>,
    #[attr(
        computed,
        describe = "What is left of the monthly cap: `max(cap − consumed, 0)`, in micros; \
                     unknown in a plan that changes the cap."
    )]
    pub monthly_remaining_micros: Attr<i64>,
    #[attr(
        computed,
        describe = "The UTC month (`YYYY-MM`) the monthly counters cover."
    )]
    pub monthly_period: Attr<String>,
    #[attr(
        computed,
        describe = "One-time credit left on the instance, in micros (whoever granted it); \
                     unknown in a plan that grants credit. Read from `credit_remaining_micros` \
                     (revision 2026-08-21) or `topup_remaining_micros` (2026-06-25)."
    )]
    pub credit_remaining_micros: Attr<i64>,
    #[attr(
        computed,
        deprecated = "Use `credit_remaining_micros`.",
        describe = "Deprecated alias of `credit_remaining_micros`: the same value."
    )]
    pub topup_remaining_micros: Attr<i64>,
    #[attr(
        computed,
        describe = "Last write of the budget (cap change, top-up, spend), epoch seconds; \
                     unknown in a plan that calls the API."
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

/// The fields of one budget as the data sources and the list show them (all computed).
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct BudgetFields {
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
        describe = "One-time credit left, in micros (read from `credit_remaining_micros` on API \
                     revision 2026-08-21, `topup_remaining_micros` on 2026-06-25)."
    )]
    pub credit_remaining_micros: Attr<i64>,
    #[attr(
        computed,
        describe = "Last write of the budget (cap change, top-up, spend), epoch seconds."
    )]
    pub updated_at: Attr<i64>,
}

pub const BUDGET_DATA: &str = "Reads the budget of an instance: its monthly cap and counters, and the one-time \
         credit left. The same on API revisions 2026-06-25 and 2026-08-21.";

/// `agent37_budget` (data source).
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct BudgetData {
    #[attr(
        required,
        describe = "Id of the instance (10 lowercase letters or digits).",
        validate = ids::rule()
    )]
    pub instance_id: Attr<String>,
    #[flatten]
    pub fields: BudgetFields,
    #[attr(
        computed,
        deprecated = "Use `credit_remaining_micros`.",
        describe = "Deprecated alias of `credit_remaining_micros`: the same value."
    )]
    pub topup_remaining_micros: Attr<i64>,
}

pub fn budget_data_source() -> Schema {
    BudgetData::schema(BUDGET_DATA)
}

/// One budget of `agent37_budgets`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct BudgetItem {
    #[attr(computed, describe = "Id of the instance whose budget this is.")]
    pub instance_id: Attr<String>,
    #[flatten]
    pub fields: BudgetFields,
}

pub const BUDGETS_DATA: &str = "Reads the budgets of the workspace's instances (newest instance first), optionally \
         filtered like the `agent37_instances` data source; every filter given must match. One \
         budget read per matching instance.";

/// `agent37_budgets`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct BudgetsData {
    #[flatten]
    pub filters: InstanceFilters,
    #[attr(
        computed,
        describe = "The budgets of the matching instances (an instance deleted while they are \
                     read is left out)."
    )]
    pub budgets: Attr<Vec<BudgetItem>>,
    #[attr(
        computed,
        describe = "The instance ids of `budgets`, in the same order."
    )]
    pub instance_ids: Attr<Vec<String>>,
}

pub fn budgets_data_source() -> Schema {
    BudgetsData::schema(BUDGETS_DATA)
}

pub const LIST: &str = "Finds the budgets of the workspace's instances for `terraform query` (newest instance \
     first), optionally filtered like the `agent37_instances` data source; every filter given must \
     match. Each result is named by its instance's `name` (or id), carries its identity \
     `{ instance_id }`, and `terraform query -generate-config-out=FILE` turns it into an \
     `agent37_budget` with an import block: the generated `credit_micros` is the credit the \
     budget has left, so the import plans no change. Together with the `agent37_instance` list \
     this adopts a whole fleet.";

pub const USAGE_DATA: &str = "Reads the managed spend of an instance in one UTC month, in total and per integration \
         (LLM, Brave web search, Composio app integrations).";

/// `agent37_usage`.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct UsageData {
    #[attr(
        required,
        describe = "Id of the instance (10 lowercase letters or digits).",
        validate = ids::rule()
    )]
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
    fn months() {
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
        for s in [
            resource(),
            budget_data_source(),
            budgets_data_source(),
            usage_data_source(),
            InstanceFilters::schema(LIST),
        ] {
            assert!(!s.block.description.is_empty());
            for a in &s.block.attributes {
                assert!(!a.description.is_empty(), "{} has no description", a.name);
            }
        }
    }

    #[test]
    fn counters_are_quiet_and_aliases_deprecated() {
        let s = resource();
        let a = |n: &str| s.block.attribute(n).expect(n);
        assert!(a("instance_id").requires_replace && a("instance_id").required);
        // The plan decides which counters a change can move (model::plan_counters).
        for n in [
            "monthly_consumed_micros",
            "monthly_remaining_micros",
            "monthly_period",
            "credit_remaining_micros",
            "topup_remaining_micros",
            "updated_at",
        ] {
            assert_eq!(
                a(n).on_update,
                crate::sdk::schema::OnUpdate::KeepPrior,
                "{n}"
            );
        }
        assert!(a("monthly_cap_micros").default.is_some());
        for n in ["credit_micros", "topup_micros"] {
            assert!(
                a(n).optional && a(n).computed && a(n).default.is_none(),
                "{n}"
            );
        }
        for n in ["topup_micros", "topup_remaining_micros"] {
            assert!(a(n).deprecated.is_some(), "{n}");
        }
        assert!(a("credit_micros").deprecated.is_none());
        assert_eq!(s.version, 1);
        assert!(s.block.blocks.iter().any(|b| b.name == "timeouts"));
    }
}
