//! Schemas of the `agent37_budget` resource and the `agent37_budget` / `agent37_usage` data
//! sources. Every attribute carries a description: the docs are generated from them.

use crate::sdk::validate::{IntRange, check};
use crate::sdk::{Attribute, Schema, Value, timeouts};

use super::model;

/// Schema version of the resource; state written by every earlier version must upgrade.
pub const VERSION: i64 = 0;

fn instance_id(what: &str) -> Attribute {
    Attribute::string("instance_id")
        .required()
        .describe(what)
        .validate(check(
            "An instance id: 10 lowercase letters or digits.",
            |v| v.as_str().map_or(Ok(()), model::check_instance_id),
        ))
}

fn micros(name: &str) -> Attribute {
    Attribute::number(name)
}

pub fn resource() -> Schema {
    Schema::new(
        "The budget of one instance: its monthly cap on managed spend (LLM, web search and \
         app-integration calls, billed at cost from the workspace wallet) and one-time top-up \
         headroom. A budget is a ceiling, not money: raising it moves no funds. Every instance \
         has exactly one budget, so this resource manages the existing budget of `instance_id` \
         instead of creating one; destroying it sets the monthly cap back to 0 and leaves the \
         headroom already granted. Import with the instance id.",
        vec![
            instance_id(
                "Id of the instance whose budget this is. Changing it replaces the resource (the \
                 old instance's cap goes back to 0).",
            )
            .requires_replace(),
            micros("monthly_cap_micros")
                .default(Value::number(0))
                .validate(IntRange::at_least(0))
                .describe(
                    "Monthly ceiling of managed spend, in micros (1 USD = 1,000,000; \
                     `provider::agent37::usd_to_micros(\"5\")` converts). Resets every UTC month. \
                     Default 0, which refuses managed calls once the top-up headroom is used.",
                ),
            micros("topup_micros")
                .default(Value::number(0))
                .validate(IntRange::at_least(0))
                .describe(
                    "One-time headroom granted through this resource, in micros, cumulative: it \
                     survives months and is used once the monthly part is exhausted. Raising it \
                     above the highest value ever applied grants the difference in one top-up, \
                     made idempotent so a retried or repeated apply never adds twice. Lowering \
                     it cannot take headroom back: the plan warns, nothing is called, and raising \
                     it again grants only what exceeds the highest value. After an import, the \
                     state holds the headroom the budget has left, so a configuration with that \
                     value plans no change, and later raises grant the difference; in the run of \
                     an `import` block, the configured value is taken as the baseline without a \
                     call, whatever it is. Default 0.",
                ),
            micros("monthly_consumed_micros")
                .computed()
                .unknown_on_update()
                .describe("Spend counted against the monthly cap in `monthly_period`, in micros."),
            micros("monthly_remaining_micros")
                .computed()
                .unknown_on_update()
                .describe("What is left of the monthly cap: `max(cap − consumed, 0)`, in micros."),
            Attribute::string("monthly_period")
                .computed()
                .unknown_on_update()
                .describe("The UTC month (`YYYY-MM`) the monthly counters cover."),
            micros("topup_remaining_micros")
                .computed()
                .unknown_on_update()
                .describe(
                    "One-time headroom left on the instance, in micros (whoever granted it). \
                     Read from `credit_remaining_micros` on API revisions that use that name.",
                ),
            Attribute::number("updated_at")
                .computed()
                .unknown_on_update()
                .describe("Last write of the budget (cap change, top-up, spend), epoch seconds."),
        ],
    )
    .version(VERSION)
    .with_block(timeouts::block())
}

pub fn budget_data_source() -> Schema {
    Schema::new(
        "Reads the budget of an instance: its monthly cap and counters, and the one-time \
         top-up headroom left.",
        vec![
            instance_id("Id of the instance."),
            micros("monthly_cap_micros")
                .computed()
                .describe("Monthly ceiling of managed spend, in micros."),
            micros("monthly_consumed_micros")
                .computed()
                .describe("Spend counted against the monthly cap in `monthly_period`, in micros."),
            micros("monthly_remaining_micros")
                .computed()
                .describe("What is left of the monthly cap: `max(cap − consumed, 0)`, in micros."),
            Attribute::string("monthly_period")
                .computed()
                .describe("The UTC month (`YYYY-MM`) the monthly counters cover."),
            micros("topup_remaining_micros").computed().describe(
                "One-time headroom left, in micros (read from `credit_remaining_micros` on \
                     API revisions that use that name).",
            ),
            Attribute::number("updated_at")
                .computed()
                .describe("Last write of the budget (cap change, top-up, spend), epoch seconds."),
        ],
    )
}

pub fn usage_data_source() -> Schema {
    let n = |name: &str, what: &str| Attribute::number(name).computed().describe(what);
    Schema::new(
        "Reads the managed spend of an instance in one UTC month, in total and per integration \
         (LLM, Brave web search, Composio app integrations).",
        vec![
            instance_id("Id of the instance."),
            Attribute::string("month")
                .optional()
                .describe("The UTC month to read, as `YYYY-MM`. Default: the current month.")
                .validate(check("A month as `YYYY-MM` (month 01 to 12).", |v| {
                    v.as_str().map_or(Ok(()), model::check_month)
                })),
            Attribute::string("period")
                .computed()
                .describe("The month the figures cover (`YYYY-MM`)."),
            n(
                "total_micros",
                "Total managed spend of the month, in micros.",
            ),
            n("llm_cost_micros", "Spend on LLM calls, in micros."),
            n("llm_calls", "Number of LLM calls."),
            n("llm_input_tokens", "LLM input tokens."),
            n("llm_output_tokens", "LLM output tokens."),
            n("brave_cost_micros", "Spend on Brave web search, in micros."),
            n("brave_calls", "Number of Brave web searches."),
            n(
                "composio_cost_micros",
                "Spend on Composio app integrations, in micros.",
            ),
            n("composio_calls", "Number of Composio calls."),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

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
