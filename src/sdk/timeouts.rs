//! The conventional `timeouts { create = "10m" … }` block of managed resources.

use std::time::Duration;

use super::duration;
use super::model::{BlockField, Field, ModelError};
use super::path::Path;
use super::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use super::validate::check;
use super::value::Value;

pub const DEFAULT: Duration = Duration::from_secs(600);

/// Which phase of a resource's life a deadline is for (the entry of its `timeouts` block).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Create,
    Update,
    Delete,
}

impl Phase {
    fn attr(self) -> &'static str {
        match self {
            Phase::Create => "create",
            Phase::Update => "update",
            Phase::Delete => "delete",
        }
    }
}

/// The description of a `timeouts` entry that waits for `what`.
fn entry_description(what: &str) -> String {
    format!(
        "How long to wait for {what}, as a duration such as `\"10m\"` or `\"1h\"`. Default `\"10m\"`."
    )
}

/// What each phase of a resource waits for, in its own words (the block's generic words say
/// only "the object to be created"); see [`Schema::timeouts_wait_for`].
#[derive(Clone, Copy, Debug)]
pub struct Waits {
    pub create: &'static str,
    pub update: &'static str,
    pub delete: &'static str,
}

impl Schema {
    /// Describes the `timeouts` entries with what this resource actually waits for. A schema
    /// without a `timeouts` block is returned as it is.
    pub fn timeouts_wait_for(mut self, waits: Waits) -> Schema {
        let Some(block) = self.block.blocks.iter_mut().find(|b| b.name == "timeouts") else {
            return self;
        };
        for attr in &mut block.block.attributes {
            let what = match attr.name.as_str() {
                "create" => waits.create,
                "update" => waits.update,
                "delete" => waits.delete,
                _ => continue,
            };
            attr.description = entry_description(what);
        }
        self
    }
}

/// The `timeouts` block with `create`, `update` and `delete`.
pub fn block() -> NestedBlock {
    let attr = |name: &str, what: &str| {
        Attribute::string(name)
            .optional()
            .describe(&entry_description(what))
            .validate(check(
                "A duration longer than zero, such as `\"30s\"`, `\"10m\"` or `\"1h30m\"`.",
                |v| v.as_str().map_or(Ok(()), |s| parse_deadline(s).map(|_| ())),
            ))
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

/// A deadline: a duration longer than zero (a zero deadline would fail every call before it
/// is sent).
fn parse_deadline(s: &str) -> Result<Duration, String> {
    match duration::parse(s)? {
        d if d.is_zero() => Err(format!(
            "{s:?} is no time at all; a deadline must be longer than zero"
        )),
        d => Ok(d),
    }
}

/// The deadline for `phase` from a resource's configuration or planned state (default 10 minutes).
pub fn get(state: &Value, phase: Phase) -> Duration {
    Timeouts(state.attr("timeouts").cloned().unwrap_or(Value::Null)).deadline(phase)
}

/// The `timeouts` block of a resource model (`#[block] timeouts: Timeouts`): the block as
/// Terraform sent it (null when absent, durations possibly unknown while planning), kept as it
/// is so a state keeps what the configuration wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeouts(pub Value);

impl Timeouts {
    /// The deadline for `phase` (default 10 minutes).
    pub fn deadline(&self, phase: Phase) -> Duration {
        self.0
            .attr(phase.attr())
            .and_then(Value::as_str)
            .and_then(|s| parse_deadline(s).ok())
            .unwrap_or(DEFAULT)
    }
}

impl Field for Timeouts {
    fn from_value(v: &Value, _at: &Path) -> Result<Self, ModelError> {
        Ok(Timeouts(v.clone()))
    }
    fn to_value(&self) -> Value {
        self.0.clone()
    }
}

impl BlockField for Timeouts {
    fn nested_block(name: &str) -> NestedBlock {
        NestedBlock {
            name: name.to_string(),
            ..block()
        }
    }
}

/// The path of one timeout attribute, for diagnostics.
pub fn path(phase: Phase) -> Path {
    Path::attr("timeouts").join_attr(phase.attr())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sdk::validate::validate_block;
    use crate::sdk::{Diagnostics, Path};

    fn with_create(text: &str) -> Value {
        Value::object([(
            "timeouts",
            Value::object([
                ("create", Value::string(text)),
                ("update", Value::Null),
                ("delete", Value::Null),
            ]),
        )])
    }

    #[test]
    fn a_zero_deadline_is_refused_and_never_used() {
        for zero in ["0", "0s", "00m", "0h0m"] {
            let config = with_create(zero);
            let mut diags = Diagnostics::new();
            let block = Block {
                attributes: Vec::new(),
                blocks: vec![block()],
                description: String::new(),
                deprecated: false,
            };
            validate_block(&block, &config, &Path::root(), &mut diags);
            assert!(diags.has_errors(), "{zero:?} accepted");
            assert_eq!(get(&config, Phase::Create), DEFAULT, "{zero:?}");
        }
        assert_eq!(
            get(&with_create("90s"), Phase::Create),
            Duration::from_secs(90)
        );
    }

    /// Issue 15: each resource's `timeouts` say what that resource waits for.
    #[test]
    fn a_resource_describes_what_its_timeouts_wait_for() {
        let schema = Schema {
            version: 0,
            block: Block {
                attributes: Vec::new(),
                blocks: vec![block()],
                description: String::new(),
                deprecated: false,
            },
        }
        .timeouts_wait_for(Waits {
            create: "the thing to boot",
            update: "the thing to reboot",
            delete: "the thing to go",
        });
        let descriptions: Vec<&str> = schema.block.blocks[0]
            .block
            .attributes
            .iter()
            .map(|a| a.description.as_str())
            .collect();
        assert_eq!(
            descriptions,
            [
                "How long to wait for the thing to boot, as a duration such as `\"10m\"` or `\"1h\"`. Default `\"10m\"`.",
                "How long to wait for the thing to reboot, as a duration such as `\"10m\"` or `\"1h\"`. Default `\"10m\"`.",
                "How long to wait for the thing to go, as a duration such as `\"10m\"` or `\"1h\"`. Default `\"10m\"`.",
            ]
        );
    }
}
