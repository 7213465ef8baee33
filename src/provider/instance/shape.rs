//! The shapes of an instance: the contract's shape table and the validators of `cpu`, `memory`
//! and `disk` on their own. Pure; the rules across the three live in `sizing`.

use crate::sdk::Value;

pub const DEFAULT_TEMPLATE: &str = "agent37-hermes";
/// The only template that may use the 1/3 shape.
pub const SMALL_TEMPLATE: &str = "agent37-hermes-small";
pub const SYSTEM_TEMPLATES: [&str; 3] = [DEFAULT_TEMPLATE, SMALL_TEMPLATE, "agent37-openclaw"];

/// One cpu/memory pair of the contract with its disk range (GB).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub cpu: i64,
    pub memory: i64,
    pub disk_min: i64,
    pub disk_max: i64,
}

pub const SHAPES: [Shape; 4] = [
    Shape {
        cpu: 1,
        memory: 3,
        disk_min: 6,
        disk_max: 20,
    },
    Shape {
        cpu: 2,
        memory: 4,
        disk_min: 6,
        disk_max: 20,
    },
    Shape {
        cpu: 4,
        memory: 8,
        disk_min: 20,
        disk_max: 40,
    },
    Shape {
        cpu: 8,
        memory: 16,
        disk_min: 40,
        disk_max: 80,
    },
];

/// Disk range of every template's default (smallest) shape: 1/3 and 2/4 share it.
pub const DEFAULT_DISK: (i64, i64) = (6, 20);

/// The shapes in words, for diagnostics and docs.
pub const SHAPES_TEXT: &str =
    "1 vCPU / 3 GB (template `agent37-hermes-small` only), 2 / 4, 4 / 8 or 8 / 16";

pub fn shape(cpu: i64, memory: i64) -> Option<Shape> {
    SHAPES
        .into_iter()
        .find(|s| s.cpu == cpu && s.memory == memory)
}

pub fn shape_by_cpu(cpu: i64) -> Option<Shape> {
    SHAPES.into_iter().find(|s| s.cpu == cpu)
}

pub fn shape_by_memory(memory: i64) -> Option<Shape> {
    SHAPES.into_iter().find(|s| s.memory == memory)
}

// ---------------------------------------------------------------------------------------------
// Attribute validators (known, non-null values only)
// ---------------------------------------------------------------------------------------------

pub fn check_cpu(v: &Value) -> Result<(), String> {
    match v.as_i64().and_then(shape_by_cpu) {
        Some(_) => Ok(()),
        None => Err(format!(
            "{} is not a vCPU count of a shape; allowed: 1, 2, 4 or 8 (shapes: {SHAPES_TEXT})",
            number_text(v)
        )),
    }
}

pub fn check_memory(v: &Value) -> Result<(), String> {
    match v.as_i64().and_then(shape_by_memory) {
        Some(_) => Ok(()),
        None => Err(format!(
            "{} is not a memory size (GB) of a shape; allowed: 3, 4, 8 or 16 (shapes: {SHAPES_TEXT})",
            number_text(v)
        )),
    }
}

/// `disk` on its own: whole GB within the overall range (the shape's range is checked with it).
pub fn check_disk_overall(v: &Value) -> Result<(), String> {
    match v.as_i64() {
        Some(d) if (6..=80).contains(&d) => Ok(()),
        _ => Err("must be a whole number of GB from 6 to 80, within the shape's range (6–20 for 1/3 and 2/4, 20–40 for 4/8, 40–80 for 8/16)".to_string()),
    }
}

fn number_text(v: &Value) -> String {
    v.as_number()
        .map(ToString::to_string)
        .unwrap_or_else(|| "the value".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: i64) -> Value {
        Value::number(v)
    }

    #[test]
    fn cpu_and_memory_checks() {
        assert!(check_cpu(&n(4)).is_ok());
        assert!(check_cpu(&n(3)).unwrap_err().contains("1, 2, 4 or 8"));
        assert!(check_memory(&n(16)).is_ok());
        assert!(check_memory(&n(5)).is_err());
    }
}
