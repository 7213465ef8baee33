//! The conventional `timeouts { create = "10m" … }` block of managed resources.

use std::time::Duration;

use super::duration;
use super::path::Path;
use super::schema::{Attribute, Block, NestedBlock, Nesting};
use super::validate::check;
use super::value::Value;

pub const DEFAULT: Duration = Duration::from_secs(600);

/// Which operation a deadline is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Update,
    Delete,
}

impl Op {
    fn attr(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Update => "update",
            Op::Delete => "delete",
        }
    }
}

/// The `timeouts` block with `create`, `update` and `delete`.
pub fn block() -> NestedBlock {
    let attr = |name: &str, what: &str| {
        Attribute::string(name)
            .optional()
            .describe(&format!(
                "How long to wait for {what}, as a duration such as `\"10m\"` or `\"1h\"`. Default `\"10m\"`."
            ))
            .validate(check("A duration such as `\"30s\"`, `\"10m\"` or `\"1h30m\"`.", |v| {
                v.as_str().map_or(Ok(()), |s| duration::parse(s).map(|_| ()))
            }))
    };
    NestedBlock {
        name: "timeouts".to_string(),
        nesting: Nesting::Single,
        block: Block {
            attributes: vec![
                attr(
                    "create",
                    "the object to be created (and healthy, where that applies)",
                ),
                attr("update", "an in-place update to finish"),
                attr("delete", "the object to be deleted"),
            ],
            blocks: Vec::new(),
            description: "Deadlines for the operations that wait on the platform.".to_string(),
            deprecated: false,
        },
        min_items: 0,
        max_items: 0,
    }
}

/// The deadline for `op` from a resource's configuration or planned state (default 10 minutes).
pub fn get(state: &Value, op: Op) -> Duration {
    state
        .attr("timeouts")
        .and_then(|t| t.attr(op.attr()))
        .and_then(Value::as_str)
        .and_then(|s| duration::parse(s).ok())
        .unwrap_or(DEFAULT)
}

/// The path of one timeout attribute, for diagnostics.
pub fn path(op: Op) -> Path {
    Path::attr("timeouts").join_attr(op.attr())
}
