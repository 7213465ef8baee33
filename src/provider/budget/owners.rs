//! Which `agent37_budget` object last wrote each instance's budget in this provider process:
//! the memory behind [`super::credit::destroy_resets_cap`]. Terraform runs the create of a
//! `create_before_destroy` replacement and the destroy of the deposed object in one apply, so
//! one process sees both; instance ids are unique across workspaces, so one map serves every
//! configured provider.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

static LATEST: Mutex<Option<HashMap<String, u64>>> = Mutex::new(None);

/// A fresh owner token for a resource object that creates (or first updates) a budget.
pub fn new_owner() -> u64 {
    rand::random()
}

/// Records that `owner` wrote the budget of `instance_id`.
pub fn record(instance_id: &str, owner: u64) {
    let mut map = LATEST.lock().unwrap_or_else(PoisonError::into_inner);
    map.get_or_insert_with(HashMap::new)
        .insert(instance_id.to_string(), owner);
}

/// The owner that last wrote the budget of `instance_id` in this process.
pub fn latest(instance_id: &str) -> Option<u64> {
    let map = LATEST.lock().unwrap_or_else(PoisonError::into_inner);
    map.as_ref().and_then(|m| m.get(instance_id).copied())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_writer_wins() {
        assert_eq!(latest("owners0001"), None);
        record("owners0001", 1);
        record("owners0001", 2);
        record("owners0002", 3);
        assert_eq!(latest("owners0001"), Some(2));
        assert_eq!(latest("owners0002"), Some(3));
    }
}
