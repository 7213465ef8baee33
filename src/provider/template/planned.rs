//! The names of the `agent37_template` objects this provider process planned to create: an
//! instance that refers to one (`template = agent37_template.x.name`, known at plan) must not
//! fail the plan-time look-up of its template (`instance::lookup`), which does not exist yet.
//! Terraform plans a resource before the resources that refer to it, in one provider process
//! per operation; a name recorded for another workspace only skips a look-up (the API still
//! checks the name at apply).

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};

static PLANNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

/// Records that a plan creates a template named `name`.
pub fn record(name: &str) {
    PLANNED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(name.to_string());
}

/// Whether a plan of this process creates a template named `name`.
pub fn is_planned(name: &str) -> bool {
    PLANNED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .contains(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_names_are_planned() {
        assert!(!is_planned("planned-0001"));
        record("planned-0001");
        assert!(is_planned("planned-0001"));
        assert!(!is_planned("planned-0002"));
    }
}
