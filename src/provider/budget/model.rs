//! Pure conversions between the API's budget and usage objects and the models of `schema`
//! (the credit decisions live in `credit`).

use crate::api::{self, Usage};
use crate::sdk::model::Attr;
use crate::sdk::timeouts::Timeouts;

use super::schema::{Budget, BudgetData, BudgetFields, BudgetItem, UsageData};

// ---------------------------------------------------------------------------------------------
// API → models
// ---------------------------------------------------------------------------------------------

/// The resource's values the user sets (or that keep their state value).
#[derive(Clone, Debug, PartialEq)]
pub struct Desired {
    pub instance_id: String,
    pub monthly_cap_micros: i64,
    pub credit_micros: i64,
    pub timeouts: Timeouts,
}

/// The resource state: what the user set (the credit under both names), and the rest from the
/// budget object.
pub fn resource_state(d: &Desired, b: &api::Budget) -> Budget {
    Budget {
        instance_id: d.instance_id.clone().into(),
        monthly_cap_micros: d.monthly_cap_micros.into(),
        credit_micros: d.credit_micros.into(),
        topup_micros: d.credit_micros.into(),
        monthly_consumed_micros: b.monthly_consumed_micros.into(),
        monthly_remaining_micros: b.monthly_remaining_micros.into(),
        monthly_period: b.monthly_period.clone().into(),
        credit_remaining_micros: b.credit_remaining_micros.into(),
        topup_remaining_micros: b.credit_remaining_micros.into(),
        updated_at: b.updated_at.into(),
        timeouts: d.timeouts.clone(),
    }
}

/// What an apply returns: the plan's known values (Terraform requires them unchanged), the
/// unknown ones from the budget the API answered. A counter the plan kept may have moved
/// since (spend): the next refresh shows it.
pub fn settled(planned: &Budget, b: &api::Budget) -> Budget {
    fn keep<T: Clone>(planned: &Attr<T>, api: T) -> Attr<T> {
        match planned {
            Attr::Known(v) => Attr::Known(v.clone()),
            _ => Attr::Known(api),
        }
    }
    Budget {
        instance_id: planned.instance_id.clone(),
        monthly_cap_micros: keep(&planned.monthly_cap_micros, b.monthly_cap_micros),
        credit_micros: planned.credit_micros.clone(),
        topup_micros: planned.topup_micros.clone(),
        monthly_consumed_micros: keep(&planned.monthly_consumed_micros, b.monthly_consumed_micros),
        monthly_remaining_micros: keep(
            &planned.monthly_remaining_micros,
            b.monthly_remaining_micros,
        ),
        monthly_period: keep(&planned.monthly_period, b.monthly_period.clone()),
        credit_remaining_micros: keep(&planned.credit_remaining_micros, b.credit_remaining_micros),
        topup_remaining_micros: keep(&planned.topup_remaining_micros, b.credit_remaining_micros),
        updated_at: keep(&planned.updated_at, b.updated_at),
        timeouts: planned.timeouts.clone(),
    }
}

fn fields(b: &api::Budget) -> BudgetFields {
    BudgetFields {
        monthly_cap_micros: b.monthly_cap_micros.into(),
        monthly_consumed_micros: b.monthly_consumed_micros.into(),
        monthly_remaining_micros: b.monthly_remaining_micros.into(),
        monthly_period: b.monthly_period.clone().into(),
        credit_remaining_micros: b.credit_remaining_micros.into(),
        updated_at: b.updated_at.into(),
    }
}

/// The `agent37_budget` data source result.
pub fn budget_data(instance_id: &str, b: &api::Budget) -> BudgetData {
    BudgetData {
        instance_id: instance_id.into(),
        fields: fields(b),
        topup_remaining_micros: b.credit_remaining_micros.into(),
    }
}

/// One budget of `agent37_budgets`.
pub fn budget_item(instance_id: &str, b: &api::Budget) -> BudgetItem {
    BudgetItem {
        instance_id: instance_id.into(),
        fields: fields(b),
    }
}

/// What `terraform query` shows and imports for a budget: exactly what an import (whose seed
/// has only the instance id) followed by a read produces.
pub fn listed_state(instance_id: &str, b: &api::Budget) -> Budget {
    let d = Desired {
        instance_id: instance_id.to_string(),
        monthly_cap_micros: b.monthly_cap_micros,
        credit_micros: b.credit_remaining_micros,
        timeouts: Timeouts::default(),
    };
    resource_state(&d, b)
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

    fn budget(credit: i64) -> api::Budget {
        api::Budget {
            monthly_cap_micros: 5,
            monthly_consumed_micros: 1,
            monthly_remaining_micros: 4,
            monthly_period: "2026-06".into(),
            credit_remaining_micros: credit,
            updated_at: 9,
        }
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

    fn desired() -> Desired {
        Desired {
            instance_id: "abc123defg".into(),
            monthly_cap_micros: 5,
            credit_micros: 2,
            timeouts: Timeouts::default(),
        }
    }

    #[test]
    fn resource_state_takes_config_values_and_budget_counters() {
        let s = resource_state(&desired(), &budget(77));
        assert_eq!(s.instance_id.as_str(), Some("abc123defg"));
        assert_eq!(s.monthly_cap_micros.get(), Some(5));
        // Both names hold the one value.
        assert_eq!(
            (s.credit_micros.get(), s.topup_micros.get()),
            (Some(2), Some(2))
        );
        assert_eq!(
            (
                s.credit_remaining_micros.get(),
                s.topup_remaining_micros.get()
            ),
            (Some(77), Some(77))
        );
        assert_eq!(s.monthly_period.as_str(), Some("2026-06"));
        assert_eq!(s.updated_at.get(), Some(9));
        assert_eq!(s.timeouts, Timeouts::default());
    }

    #[test]
    fn an_apply_keeps_what_the_plan_knew_and_fills_the_rest() {
        let prior = resource_state(&desired(), &budget(77));
        let planned = Budget {
            monthly_cap_micros: 6.into(),
            monthly_remaining_micros: Attr::unknown(),
            updated_at: Attr::unknown(),
            ..prior.clone()
        };
        // Meanwhile 3 more were spent: the answer's consumed moved, the plan had kept it.
        let answer = api::Budget {
            monthly_cap_micros: 6,
            monthly_consumed_micros: 4,
            monthly_remaining_micros: 2,
            updated_at: 20,
            ..budget(77)
        };
        let s = settled(&planned, &answer);
        assert_eq!(s.monthly_consumed_micros.get(), Some(1));
        assert_eq!(s.monthly_remaining_micros.get(), Some(2));
        assert_eq!(s.updated_at.get(), Some(20));
        assert_eq!(s.monthly_cap_micros.get(), Some(6));
        assert_eq!(s.credit_micros.get(), Some(2));
    }

    #[test]
    fn listed_state_is_an_import_then_a_read() {
        let s = listed_state("abc123defg", &budget(40));
        assert_eq!(s.credit_micros.get(), Some(40), "the credit left");
        assert_eq!(s.monthly_cap_micros.get(), Some(5));
        assert_eq!(s.timeouts, Timeouts::default());
    }

    #[test]
    fn data_values_carry_the_api_figures() {
        let v = usage_data("abc123defg", Attr::Null, &usage());
        assert_eq!(v.llm_output_tokens.get(), Some(40));
        assert_eq!(v.composio_calls.get(), Some(3));
        assert_eq!(v.month, Attr::Null);
        let b = budget_data("abc123defg", &budget(1));
        assert_eq!(b.fields.credit_remaining_micros.get(), Some(1));
        assert_eq!(b.topup_remaining_micros.get(), Some(1));
        assert_eq!(b.fields.monthly_cap_micros.get(), Some(5));
    }

    /// The resource's state, an import seed, each data source's result and a listed state
    /// have exactly their schemas' shapes.
    #[test]
    fn every_model_output_has_exactly_its_schema_shape() {
        use super::super::schema::{self, BudgetsData};
        use crate::sdk::model::conforms;
        let state = resource_state(&desired(), &budget(1));
        conforms(&state.to_value(), &schema::resource().value_type())
            .unwrap_or_else(|e| panic!("agent37_budget: {e}"));
        conforms(
            &listed_state("abc123defg", &budget(1)).to_value(),
            &schema::resource().value_type(),
        )
        .unwrap_or_else(|e| panic!("agent37_budget (listed): {e}"));
        let seed = Budget {
            instance_id: "abc123defg".into(),
            ..Budget::default()
        };
        conforms(&seed.to_value(), &schema::resource().value_type())
            .unwrap_or_else(|e| panic!("agent37_budget (import seed): {e}"));
        let data = budget_data("abc123defg", &budget(1));
        conforms(&data.to_value(), &schema::budget_data_source().value_type())
            .unwrap_or_else(|e| panic!("agent37_budget (data source): {e}"));
        let all = BudgetsData {
            budgets: Attr::Known(vec![budget_item("abc123defg", &budget(1))]),
            instance_ids: Attr::Known(vec!["abc123defg".into()]),
            ..BudgetsData::default()
        };
        conforms(&all.to_value(), &schema::budgets_data_source().value_type())
            .unwrap_or_else(|e| panic!("agent37_budgets: {e}"));
        let usage = usage_data("abc123defg", "2026-06".into(), &usage());
        conforms(&usage.to_value(), &schema::usage_data_source().value_type())
            .unwrap_or_else(|e| panic!("agent37_usage: {e}"));
    }
}
