//! Budgets, top-ups and usage.

use serde::{Deserialize, Serialize};

// ---------------------------------------------------------------------------------------------
// Budgets and usage
// ---------------------------------------------------------------------------------------------

/// An instance's budget. The one-time headroom (credit) is read from `credit_remaining_micros`
/// (revision 2026-08-21's name, also served by some 2026-06-25 deployments) or from its older
/// name `topup_remaining_micros`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "BudgetWire")]
pub struct Budget {
    pub monthly_cap_micros: i64,
    pub monthly_consumed_micros: i64,
    pub monthly_remaining_micros: i64,
    pub monthly_period: String,
    pub credit_remaining_micros: i64,
    pub updated_at: i64,
}

/// Both names are optional on the wire so that a server sending both (during a migration)
/// still decodes, which a serde `alias` would reject as a duplicate field.
#[derive(Deserialize)]
struct BudgetWire {
    monthly_cap_micros: i64,
    monthly_consumed_micros: i64,
    monthly_remaining_micros: i64,
    monthly_period: String,
    #[serde(default)]
    topup_remaining_micros: Option<i64>,
    #[serde(default)]
    credit_remaining_micros: Option<i64>,
    updated_at: i64,
}

impl TryFrom<BudgetWire> for Budget {
    type Error = String;

    fn try_from(w: BudgetWire) -> Result<Self, Self::Error> {
        let credit = w
            .credit_remaining_micros
            .or(w.topup_remaining_micros)
            .ok_or_else(|| {
                "missing field `credit_remaining_micros` (or `topup_remaining_micros`)".to_owned()
            })?;
        Ok(Self {
            monthly_cap_micros: w.monthly_cap_micros,
            monthly_consumed_micros: w.monthly_consumed_micros,
            monthly_remaining_micros: w.monthly_remaining_micros,
            monthly_period: w.monthly_period,
            credit_remaining_micros: credit,
            updated_at: w.updated_at,
        })
    }
}

/// Body of `PATCH /instances/{id}/budget`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct PatchBudget {
    pub monthly_cap_micros: i64,
}

/// Body of `POST /instances/{id}/budget/top-up`. With a key the call is safe to retry; without
/// one the client treats it as non-idempotent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TopUp {
    pub amount_micros: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// Managed spend of one instance in one month.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub period: String,
    pub total_micros: i64,
    #[serde(default)]
    pub by_integration: UsageByIntegration,
}

/// Spend per integration; an integration the server leaves out reads as zero.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageByIntegration {
    #[serde(default)]
    pub llm: LlmUsage,
    #[serde(default)]
    pub brave: ServiceUsage,
    #[serde(default)]
    pub composio: ServiceUsage,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmUsage {
    #[serde(default)]
    pub cost_micros: i64,
    #[serde(default)]
    pub calls: i64,
    #[serde(default)]
    pub input_tokens: i64,
    #[serde(default)]
    pub output_tokens: i64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceUsage {
    #[serde(default)]
    pub cost_micros: i64,
    #[serde(default)]
    pub calls: i64,
}
