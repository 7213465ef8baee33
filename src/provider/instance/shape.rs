//! The shapes of an instance: the contract's shape table and the validators of `cpu`, `memory`
//! and `disk` on their own. Pure; the rules across the three live in `sizing`.

use crate::api::ApiRevision;
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

const fn sh(cpu: i64, memory: i64, disk_min: i64, disk_max: i64) -> Shape {
    Shape {
        cpu,
        memory,
        disk_min,
        disk_max,
    }
}

/// Revision 2026-06-25's table (`hosting-api.md`).
pub const SHAPES_2026_06_25: [Shape; 4] = [
    sh(1, 3, 6, 20),
    sh(2, 4, 6, 20),
    sh(4, 8, 20, 40),
    sh(8, 16, 40, 80),
];

/// Revision 2026-08-21's table (`hosting-api-2026-08.md` §2.2): 1/3 is gone, disks start at 2.
pub const SHAPES_2026_08_21: [Shape; 3] = [sh(2, 4, 2, 12), sh(4, 8, 2, 20), sh(8, 16, 2, 40)];

/// The union of both tables: what validation (which knows no revision) accepts.
pub const SHAPES_ANY: [Shape; 4] = [
    sh(1, 3, 6, 20),
    sh(2, 4, 2, 20),
    sh(4, 8, 2, 40),
    sh(8, 16, 2, 80),
];

/// The shape table of `revision`; without one, the union of both.
pub fn table(revision: Option<ApiRevision>) -> &'static [Shape] {
    match revision {
        Some(ApiRevision::R2026_06_25) => &SHAPES_2026_06_25,
        Some(ApiRevision::R2026_08_21) => &SHAPES_2026_08_21,
        None => &SHAPES_ANY,
    }
}

/// Disk range of every template's default (smallest) shape (1/3 and 2/4 share it on
/// 2026-06-25).
pub fn default_disk(revision: Option<ApiRevision>) -> (i64, i64) {
    table(revision)
        .iter()
        .find(|s| s.cpu == 2)
        .map_or((2, 20), |s| (s.disk_min, s.disk_max))
}

/// The shapes in words, for diagnostics and docs.
pub fn shapes_text(revision: Option<ApiRevision>) -> &'static str {
    match revision {
        Some(ApiRevision::R2026_08_21) => "2 / 4, 4 / 8 or 8 / 16 (API revision 2026-08-21)",
        _ => SHAPES_TEXT,
    }
}

/// Both revisions' shapes in words.
pub const SHAPES_TEXT: &str = "1 vCPU / 3 GB (template `agent37-hermes-small`, API revision 2026-06-25 only), 2 / 4, 4 / 8 or 8 / 16";

pub fn shape_in(revision: Option<ApiRevision>, cpu: i64, memory: i64) -> Option<Shape> {
    table(revision)
        .iter()
        .copied()
        .find(|s| s.cpu == cpu && s.memory == memory)
}

pub fn shape(cpu: i64, memory: i64) -> Option<Shape> {
    shape_in(None, cpu, memory)
}

pub fn shape_by_cpu(cpu: i64) -> Option<Shape> {
    SHAPES_ANY.into_iter().find(|s| s.cpu == cpu)
}

pub fn shape_by_memory(memory: i64) -> Option<Shape> {
    SHAPES_ANY.into_iter().find(|s| s.memory == memory)
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
        Some(d) if (2..=80).contains(&d) => Ok(()),
        _ => Err("must be a whole number of GB from 2 to 80, within the shape's range of the API revision (2026-08-21: 2–12 for 2/4, 2–20 for 4/8, 2–40 for 8/16; 2026-06-25: 6–20 for 1/3 and 2/4, 20–40 for 4/8, 40–80 for 8/16)".to_string()),
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

    #[test]
    fn the_tables_of_both_revisions() {
        let old = Some(ApiRevision::R2026_06_25);
        let new = Some(ApiRevision::R2026_08_21);
        assert_eq!(shape_in(old, 1, 3).map(|s| s.disk_min), Some(6));
        assert_eq!(shape_in(new, 1, 3), None);
        assert_eq!(shape_in(new, 2, 4), Some(sh(2, 4, 2, 12)));
        assert_eq!(default_disk(old), (6, 20));
        assert_eq!(default_disk(new), (2, 12));
        // Validation accepts what either revision takes: disk 4 on 2/4 (2026-08-21's default).
        assert!(check_disk_overall(&n(4)).is_ok());
        assert!(check_disk_overall(&n(1)).is_err());
        assert_eq!(shape(2, 4).map(|s| (s.disk_min, s.disk_max)), Some((2, 20)));
    }
}
