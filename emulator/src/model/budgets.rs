//! Budgets: the served field names, the counters, month rollover and the spend order.

use serde_json::{Map, Value};

/// Which revision's field names the budget object is served with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetNames {
    Topup,
    Credit,
}

impl BudgetNames {
    pub fn parse(s: &str) -> Option<BudgetNames> {
        match s {
            "topup" => Some(BudgetNames::Topup),
            "credit" => Some(BudgetNames::Credit),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BudgetNames::Topup => "topup",
            BudgetNames::Credit => "credit",
        }
    }

    pub fn remaining_field(self) -> &'static str {
        match self {
            BudgetNames::Topup => "topup_remaining_micros",
            BudgetNames::Credit => "credit_remaining_micros",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub monthly_cap: i64,
    pub monthly_consumed: i64,
    pub monthly_period: String,
    pub topup_remaining: i64,
    pub updated_at: i64,
}

impl Budget {
    /// The counters as they stand in `period`: a new month starts from zero consumed.
    pub fn rolled(&self, period: &str) -> Budget {
        let mut b = self.clone();
        if b.monthly_period != period {
            b.monthly_period = period.to_string();
            b.monthly_consumed = 0;
        }
        b
    }

    pub fn monthly_remaining(&self) -> i64 {
        (self.monthly_cap - self.monthly_consumed).max(0)
    }

    /// Spends `micros`: the monthly remainder first, then the top-up headroom.
    /// Refused whole (Err with the headroom) when both together cannot cover it.
    pub fn spend(&mut self, micros: i64) -> Result<(), i64> {
        let headroom = self
            .monthly_remaining()
            .saturating_add(self.topup_remaining);
        if micros > headroom {
            return Err(headroom);
        }
        let from_month = micros.min(self.monthly_remaining());
        self.monthly_consumed += from_month;
        self.topup_remaining -= micros - from_month;
        Ok(())
    }

    pub fn to_json(&self, names: BudgetNames) -> Value {
        let mut m = Map::new();
        m.insert("monthly_cap_micros".into(), self.monthly_cap.into());
        m.insert(
            "monthly_consumed_micros".into(),
            self.monthly_consumed.into(),
        );
        m.insert(
            "monthly_remaining_micros".into(),
            self.monthly_remaining().into(),
        );
        m.insert("monthly_period".into(), self.monthly_period.clone().into());
        m.insert(names.remaining_field().into(), self.topup_remaining.into());
        m.insert("updated_at".into(), self.updated_at.into());
        Value::Object(m)
    }
}

/// Managed-spend services metered per instance.
pub const SERVICES: [&str; 3] = ["llm", "brave", "composio"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_spend_order_and_rollover() {
        let mut b = Budget {
            monthly_cap: 100,
            monthly_consumed: 0,
            monthly_period: "2026-06".into(),
            topup_remaining: 50,
            updated_at: 0,
        };
        assert_eq!(b.spend(80), Ok(()));
        assert_eq!((b.monthly_consumed, b.topup_remaining), (80, 50));
        assert_eq!(b.spend(40), Ok(()));
        assert_eq!(
            (b.monthly_consumed, b.topup_remaining, b.monthly_remaining()),
            (100, 30, 0)
        );
        assert_eq!(b.spend(31), Err(30));
        let next = b.rolled("2026-07");
        assert_eq!((next.monthly_consumed, next.topup_remaining), (0, 30));
        assert_eq!(b.rolled("2026-06"), b);
        let j = b.to_json(BudgetNames::Credit);
        assert_eq!(j["credit_remaining_micros"], 30);
        assert!(j.get("topup_remaining_micros").is_none());
    }
}
