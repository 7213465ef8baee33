//! Keys, ids and instance statuses.

/// `sk_live_` followed by at least 24 ASCII alphanumerics.
pub fn is_valid_api_key(key: &str) -> bool {
    key.strip_prefix("sk_live_")
        .is_some_and(|rest| rest.len() >= 24 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

pub fn is_valid_instance_id(id: &str) -> bool {
    id.len() == 10
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

// ---------------------------------------------------------------- instance status

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Provisioning,
    Running,
    Stopping,
    Stopped,
    Starting,
    Restarting,
    Updating,
    Failed,
    Deleting,
    Deleted,
    /// 2026-08-21: checkpointed by auto-sleep (or a suspension).
    Sleeping,
    /// 2026-08-21: a slow wake in progress.
    Waking,
}

impl Status {
    /// The statuses of revision 2026-06-25.
    pub const ALL_V1: [Status; 10] = [
        Status::Provisioning,
        Status::Running,
        Status::Stopping,
        Status::Stopped,
        Status::Starting,
        Status::Restarting,
        Status::Updating,
        Status::Failed,
        Status::Deleting,
        Status::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Provisioning => "provisioning",
            Status::Running => "running",
            Status::Stopping => "stopping",
            Status::Stopped => "stopped",
            Status::Starting => "starting",
            Status::Restarting => "restarting",
            Status::Updating => "updating",
            Status::Failed => "failed",
            Status::Deleting => "deleting",
            Status::Deleted => "deleted",
            Status::Sleeping => "sleeping",
            Status::Waking => "waking",
        }
    }

    /// Any of the 12 statuses of revision 2026-08-21 (a superset of 2026-06-25's 10).
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL_V1
            .into_iter()
            .chain([Status::Sleeping, Status::Waking])
            .find(|st| st.as_str() == s)
    }

    /// Statuses with a container running or being worked on: the meter's full rate.
    pub fn is_compute(self) -> bool {
        matches!(
            self,
            Status::Running
                | Status::Starting
                | Status::Restarting
                | Status::Updating
                | Status::Stopping
        )
    }
}

/// `idempotency_key`: `^[A-Za-z0-9_-]{1,64}$`.
pub fn is_valid_idempotency_key(k: &str) -> bool {
    (1..=64).contains(&k.len())
        && k.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_keys_and_ids() {
        assert!(is_valid_api_key("sk_live_abcdefghijklmnopqrstuvwx"));
        assert!(!is_valid_api_key("sk_live_abcdefghijklmnopqrstuvw"));
        assert!(!is_valid_api_key("sk_test_abcdefghijklmnopqrstuvwx"));
        assert!(!is_valid_api_key("sk_live_abcdefghijklmnopqrstuv-x"));
        assert!(is_valid_instance_id("a1b2c3d4e5"));
        assert!(!is_valid_instance_id("A1b2c3d4e5"));
        assert!(!is_valid_instance_id("a1b2c3d4e"));
    }

    #[test]
    fn idempotency_keys() {
        assert!(is_valid_idempotency_key("abc_DEF-123"));
        assert!(!is_valid_idempotency_key(""));
        assert!(!is_valid_idempotency_key(&"a".repeat(65)));
        assert!(!is_valid_idempotency_key("a b"));
    }
}
