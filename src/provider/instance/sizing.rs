//! The rules that involve `cpu`, `memory` and `disk` together: the whole-configuration checks
//! and the plan of the three on top of the generic plan. Pure decisions, unit-tested at the
//! bottom.

use crate::sdk::model::Attr;
use crate::sdk::{Diagnostics, Path};

use super::model::Instance;
use crate::api::ApiRevision;

use super::shape::{
    DEFAULT_TEMPLATE, SHAPES_TEXT, SMALL_TEMPLATE, Shape, default_disk, shape, shape_by_cpu,
    shape_by_memory, shape_in, shapes_text,
};

// ---------------------------------------------------------------------------------------------
// Whole-configuration validation
// ---------------------------------------------------------------------------------------------

/// The shape the configuration pins down, from `cpu` and `memory` (either one is enough: each
/// value belongs to one shape). None when neither is known, or when they disagree.
fn config_shape(config: &Instance) -> Option<Shape> {
    match (config.cpu.get(), config.memory.get()) {
        (Some(c), Some(m)) => shape(c, m),
        (Some(c), None) => shape_by_cpu(c),
        (None, Some(m)) => shape_by_memory(m),
        (None, None) => None,
    }
}

/// The rules that involve several attributes: the cpu/memory pair, the 1/3 shape's template,
/// and the disk range of the shape. Validation knows no API revision: it checks the union of
/// both revisions' tables (the plan checks the exact rules of the revision it talks to).
/// Single-attribute rules are the schema's validators.
pub fn validate_config(config: &Instance, diags: &mut Diagnostics) {
    let cpu = config.cpu.get();
    let memory = config.memory.get();
    if let (Some(c), Some(m)) = (cpu, memory)
        && shape_by_cpu(c).is_some()
        && shape_by_memory(m).is_some()
        && shape(c, m).is_none()
    {
        let wanted = shape_by_cpu(c).map_or(0, |s| s.memory);
        diags.attr_error(
            Path::attr(Instance::MEMORY),
            "Invalid instance shape",
            format!(
                "cpu = {c} with memory = {m} is not a shape; cpu = {c} needs memory = {wanted}. Shapes (vCPU / GB): {SHAPES_TEXT}."
            ),
        );
        return;
    }
    let Some(s) = config_shape(config) else {
        return;
    };
    let template = match &config.template {
        Attr::Null => Some(DEFAULT_TEMPLATE),
        t => t.as_str(),
    };
    if s.cpu == 1 && template.is_some_and(|t| t != SMALL_TEMPLATE) {
        let path = if cpu.is_some() {
            Instance::CPU
        } else {
            Instance::MEMORY
        };
        diags.attr_error(
            Path::attr(path),
            "Invalid instance shape",
            format!(
                "The 1 vCPU / 3 GB shape is only available with template \"{SMALL_TEMPLATE}\", not {:?}; use 2 vCPU / 4 GB or larger, or template \"{SMALL_TEMPLATE}\".",
                template.unwrap_or(DEFAULT_TEMPLATE)
            ),
        );
    }
    if let Some(d) = config.disk.get() {
        check_disk(d, (s.disk_min, s.disk_max), &shape_label(s), diags);
    }
}

fn shape_label(s: Shape) -> String {
    format!("the {} vCPU / {} GB shape", s.cpu, s.memory)
}

fn check_disk(disk: i64, (min, max): (i64, i64), what: &str, diags: &mut Diagnostics) {
    if disk < min || disk > max {
        diags.attr_error(
            Path::attr("disk"),
            "Invalid disk size",
            format!("disk = {disk} is outside the range of {what}: {min} to {max} GB."),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Planning
// ---------------------------------------------------------------------------------------------

/// Plans `cpu`, `memory` and `disk` on top of the generic plan, and returns the attributes
/// whose shrinking forces a replacement. `revision` is the API revision the plan talks to
/// (`None` when nothing about to be sent depends on it).
///
/// - One of `cpu`/`memory` set alone implies the other (each value belongs to one shape).
/// - Growing into a bigger shape: on 2026-06-25 the API raises the disk to that shape's
///   minimum, so a disk left out of the configuration is planned as `max(prior, minimum)`; on
///   2026-08-21 the disk is kept.
/// - Values that depend on an unknown one are unknown, never guessed.
/// - Only values about to be sent are checked against the revision's exact table (a shape or
///   disk already on the server never becomes an error by itself): a shape the revision does not
///   have is an error on `cpu`, a disk outside the planned shape's range one on `disk`.
pub fn plan_resources(
    prior: Option<&Instance>,
    config: &Instance,
    planned: &mut Instance,
    revision: Option<ApiRevision>,
    diags: &mut Diagnostics,
) -> Vec<&'static str> {
    derive_pair(&config.memory, &config.cpu, &mut planned.memory, |c| {
        shape_by_cpu(c).map(|s| s.memory)
    });
    derive_pair(&config.cpu, &config.memory, &mut planned.cpu, |m| {
        shape_by_memory(m).map(|s| s.cpu)
    });

    let new_shape = match (planned.cpu.get(), planned.memory.get()) {
        (Some(c), Some(m)) => shape_in(revision, c, m),
        _ => None,
    };
    let shape_changed = prior
        .is_none_or(|p| planned.cpu.get() != p.cpu.get() || planned.memory.get() != p.memory.get());
    if let (Some(c), Some(m), true, Some(r)) = (
        planned.cpu.get(),
        planned.memory.get(),
        shape_changed,
        revision,
    ) && (!config.cpu.is_null() || !config.memory.is_null())
        && new_shape.is_none()
        && shape(c, m).is_some()
    {
        diags.attr_error(
            Path::attr(if config.cpu.is_null() {
                Instance::MEMORY
            } else {
                Instance::CPU
            }),
            "Invalid instance shape",
            format!(
                "{c} vCPU / {m} GB is not a shape of API revision {r}; shapes: {}.",
                shapes_text(Some(r))
            ),
        );
    }
    if let Some(prior) = prior
        && config.disk.is_null()
    {
        let shape_unknown = planned.cpu.is_unknown() || planned.memory.is_unknown();
        if shape_unknown {
            planned.disk = Attr::unknown();
        } else if let (true, Some(s), false) = (
            shape_changed,
            new_shape,
            revision == Some(ApiRevision::R2026_08_21),
        ) {
            planned.disk = Attr::Known(prior.disk.get().map_or(s.disk_min, |d| d.max(s.disk_min)));
        }
    }

    if let Some(d) = config.disk.get() {
        let about_to_be_sent = shape_changed || prior.is_none_or(|p| p.disk.get() != Some(d));
        let pinned_by_config = config_shape(config).is_some();
        match new_shape {
            // Validation checked the union of the tables; the revision's own range applies
            // here. Without a revision, validation's check is all there is.
            Some(s) if about_to_be_sent && (revision.is_some() || !pinned_by_config) => {
                check_disk(d, (s.disk_min, s.disk_max), &shape_label(s), diags)
            }
            None if prior.is_none() && config.cpu.is_null() && config.memory.is_null() => {
                check_disk(
                    d,
                    default_disk(revision),
                    "the template's default shape",
                    diags,
                )
            }
            _ => {}
        }
    }

    let Some(prior) = prior else {
        return Vec::new();
    };
    [
        (Instance::CPU, planned.cpu.get(), prior.cpu.get()),
        (Instance::MEMORY, planned.memory.get(), prior.memory.get()),
        (Instance::DISK, planned.disk.get(), prior.disk.get()),
    ]
    .into_iter()
    .filter(|(_, new, old)| matches!((new, old), (Some(new), Some(old)) if new < old))
    .map(|(name, _, _)| name)
    .collect()
}

/// Whether planning `cpu`, `memory` and `disk` needs the API revision: something about them is
/// about to be sent (a create that sets any of them, or a change).
pub fn needs_revision(prior: Option<&Instance>, config: &Instance, planned: &Instance) -> bool {
    match prior {
        None => !(config.cpu.is_null() && config.memory.is_null() && config.disk.is_null()),
        Some(p) => {
            planned.cpu.get() != p.cpu.get()
                || planned.memory.get() != p.memory.get()
                || planned.disk.get() != p.disk.get()
                || (!config.cpu.is_null() && config.cpu.get() != p.cpu.get())
                || (!config.memory.is_null() && config.memory.get() != p.memory.get())
                || (!config.disk.is_null() && config.disk.get() != p.disk.get())
        }
    }
}

/// When `target` is not configured, plans it from `source` through the shape table (unknown
/// while `source` is unknown).
fn derive_pair(
    target_config: &Attr<i64>,
    source_config: &Attr<i64>,
    target: &mut Attr<i64>,
    derive: impl Fn(i64) -> Option<i64>,
) {
    if !target_config.is_null() {
        return;
    }
    match source_config {
        Attr::Unknown(_) => *target = Attr::unknown(),
        Attr::Known(v) => {
            if let Some(d) = derive(*v) {
                *target = Attr::Known(d);
            }
        }
        Attr::Null => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims3(cpu: i64, memory: i64, disk: i64) -> Instance {
        Instance {
            cpu: cpu.into(),
            memory: memory.into(),
            disk: disk.into(),
            ..Instance::default()
        }
    }

    fn errors(d: &Diagnostics) -> Vec<(String, String)> {
        d.iter()
            .map(|d| {
                (
                    d.attribute
                        .as_ref()
                        .map(|p| p.to_string())
                        .unwrap_or_default(),
                    d.detail.clone(),
                )
            })
            .collect()
    }

    fn config(
        cpu: Attr<i64>,
        memory: Attr<i64>,
        disk: Attr<i64>,
        template: Attr<String>,
    ) -> Instance {
        Instance {
            cpu,
            memory,
            disk,
            template,
            ..Instance::default()
        }
    }

    #[test]
    fn validate_shapes_templates_and_disk() {
        let run = |c: &Instance| {
            let mut d = Diagnostics::new();
            validate_config(c, &mut d);
            errors(&d)
        };
        assert!(run(&config(4.into(), 8.into(), 20.into(), Attr::Null)).is_empty());
        assert!(run(&config(4.into(), Attr::Null, Attr::Null, Attr::Null)).is_empty());
        let e = run(&config(4.into(), 4.into(), Attr::Null, Attr::Null));
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, "memory");
        assert!(e[0].1.contains("needs memory = 8"), "{}", e[0].1);
        let e = run(&config(1.into(), 3.into(), Attr::Null, Attr::Null));
        assert_eq!(e[0].0, "cpu");
        assert!(e[0].1.contains("agent37-hermes-small"));
        assert!(
            run(&config(
                1.into(),
                Attr::Null,
                Attr::Null,
                SMALL_TEMPLATE.into()
            ))
            .is_empty()
        );
        assert_eq!(
            run(&config(Attr::Null, 3.into(), Attr::Null, "x-y".into()))[0].0,
            "memory"
        );
        // An unknown template is not judged.
        assert!(run(&config(1.into(), Attr::Null, Attr::Null, Attr::unknown())).is_empty());
        // Validation takes the union of both revisions' ranges: 2/4 is 2–20 there.
        let e = run(&config(2.into(), Attr::Null, 30.into(), Attr::Null));
        assert_eq!(e[0].0, "disk");
        assert!(e[0].1.contains("2 to 20 GB"), "{}", e[0].1);
        // Without a shape in the configuration the disk waits for the plan.
        assert!(run(&config(Attr::Null, Attr::Null, 30.into(), Attr::Null)).is_empty());
    }

    fn planned_after(
        prior: Option<&Instance>,
        config: &Instance,
    ) -> (Instance, Vec<&'static str>, Diagnostics) {
        // The generic plan: configured values, else the prior ones (unknown on create).
        let pick = |c: &Attr<i64>, p: Option<&Attr<i64>>| match (c, p) {
            (Attr::Null, None) => Attr::unknown(),
            (Attr::Null, Some(p)) => p.clone(),
            (c, _) => c.clone(),
        };
        let mut planned = Instance {
            cpu: pick(&config.cpu, prior.map(|p| &p.cpu)),
            memory: pick(&config.memory, prior.map(|p| &p.memory)),
            disk: pick(&config.disk, prior.map(|p| &p.disk)),
            ..Instance::default()
        };
        let mut d = Diagnostics::new();
        let replace = plan_resources(prior, config, &mut planned, Some(OLD), &mut d);
        (planned, replace, d)
    }

    fn dims(v: &Instance) -> (Option<i64>, Option<i64>, Option<i64>) {
        (v.cpu.get(), v.memory.get(), v.disk.get())
    }

    fn only(cpu: Option<i64>, memory: Option<i64>, disk: Option<i64>) -> Instance {
        Instance {
            cpu: Attr::from_option(cpu),
            memory: Attr::from_option(memory),
            disk: Attr::from_option(disk),
            ..Instance::default()
        }
    }

    #[test]
    fn plan_grow_shrink_and_derive() {
        let prior = dims3(2, 4, 10);
        // Growing the shape with cpu alone: memory follows, disk rises to the new minimum.
        let (p, r, d) = planned_after(Some(&prior), &only(Some(4), None, None));
        assert_eq!(dims(&p), (Some(4), Some(8), Some(20)));
        assert!(r.is_empty() && d.is_empty());
        // A disk above the minimum stays.
        let big = dims3(2, 4, 18);
        let (p, _, _) = planned_after(Some(&big), &only(None, Some(8), None));
        assert_eq!(dims(&p), (Some(4), Some(8), Some(20)));
        let bigger = dims3(4, 8, 30);
        let (p, _, _) = planned_after(Some(&bigger), &only(Some(8), None, None));
        assert_eq!(dims(&p), (Some(8), Some(16), Some(40)));
        // Shrinking replaces, marked on what shrank.
        let (_, r, _) = planned_after(Some(&prior), &only(None, None, Some(8)));
        assert_eq!(r, vec!["disk"]);
        let (_, r, _) = planned_after(Some(&bigger), &only(Some(2), Some(4), None));
        assert_eq!(r, vec!["cpu", "memory"]);
        // Removed from the configuration: the prior values stay, nothing to do.
        let (p, r, _) = planned_after(Some(&prior), &only(None, None, None));
        assert_eq!(dims(&p), (Some(2), Some(4), Some(10)));
        assert!(r.is_empty());
        // An unknown cpu makes memory and a non-configured disk unknown, not guessed.
        let unknown_cpu = Instance {
            cpu: Attr::unknown(),
            ..Instance::default()
        };
        let (p, _, _) = planned_after(Some(&prior), &unknown_cpu);
        assert!(p.memory.is_unknown());
        assert!(p.disk.is_unknown());
    }

    const OLD: ApiRevision = ApiRevision::R2026_06_25;
    const NEW: ApiRevision = ApiRevision::R2026_08_21;

    fn plan_on(
        revision: ApiRevision,
        prior: Option<&Instance>,
        config: &Instance,
    ) -> (Instance, Vec<(String, String)>) {
        let pick = |c: &Attr<i64>, p: Option<&Attr<i64>>| match (c, p) {
            (Attr::Null, None) => Attr::unknown(),
            (Attr::Null, Some(p)) => p.clone(),
            (c, _) => c.clone(),
        };
        let mut planned = Instance {
            cpu: pick(&config.cpu, prior.map(|p| &p.cpu)),
            memory: pick(&config.memory, prior.map(|p| &p.memory)),
            disk: pick(&config.disk, prior.map(|p| &p.disk)),
            ..Instance::default()
        };
        let mut d = Diagnostics::new();
        plan_resources(prior, config, &mut planned, Some(revision), &mut d);
        (planned, errors(&d))
    }

    #[test]
    fn disk_4_on_2_4_is_valid_on_2026_08_21_and_refused_at_plan_on_2026_06_25() {
        let cfg = only(Some(2), Some(4), Some(4));
        let mut d = Diagnostics::new();
        validate_config(&cfg, &mut d);
        assert!(d.is_empty(), "validation takes either revision's values");
        assert!(plan_on(NEW, None, &cfg).1.is_empty());
        let e = plan_on(OLD, None, &cfg).1;
        assert_eq!(e[0].0, "disk");
        assert!(e[0].1.contains("6 to 20 GB"), "{}", e[0].1);
        // Without a shape configured, the default shape's range of the revision.
        assert!(plan_on(NEW, None, &only(None, None, Some(4))).1.is_empty());
        assert!(!plan_on(OLD, None, &only(None, None, Some(4))).1.is_empty());
        // 2026-08-21 caps 2/4 at 12 GB.
        assert!(
            plan_on(NEW, None, &only(Some(2), None, Some(14))).1[0]
                .1
                .contains("2 to 12 GB")
        );
    }

    #[test]
    fn a_value_already_on_the_server_is_not_an_error() {
        // A 2026-06-25 instance of 2/4 with 20 GB, read under 2026-08-21 (range 2–12): unchanged
        // configuration, nothing sent, no error.
        let prior = dims3(2, 4, 20);
        assert!(
            plan_on(NEW, Some(&prior), &only(Some(2), Some(4), Some(20)))
                .1
                .is_empty()
        );
        // A 1/3 instance stays as it is; asking for 1/3 anew on 2026-08-21 is an error.
        let small = dims3(1, 3, 6);
        assert!(
            plan_on(NEW, Some(&small), &only(Some(1), None, None))
                .1
                .is_empty()
        );
        let e = plan_on(NEW, None, &only(Some(1), Some(3), None)).1;
        assert_eq!(e[0].0, "cpu");
        assert!(
            e[0].1.contains("not a shape of API revision 2026-08-21"),
            "{}",
            e[0].1
        );
    }

    #[test]
    fn growing_the_shape_keeps_the_disk_on_2026_08_21() {
        let prior = dims3(2, 4, 4);
        let (p, e) = plan_on(NEW, Some(&prior), &only(Some(4), None, None));
        assert!(e.is_empty());
        assert_eq!(dims(&p), (Some(4), Some(8), Some(4)));
        let (p, _) = plan_on(OLD, Some(&dims3(2, 4, 10)), &only(Some(4), None, None));
        assert_eq!(dims(&p), (Some(4), Some(8), Some(20)));
    }

    #[test]
    fn the_revision_is_asked_only_when_resources_are_sent() {
        let none = Instance::default();
        assert!(!needs_revision(None, &none, &none));
        assert!(needs_revision(None, &only(None, None, Some(4)), &none));
        let prior = dims3(2, 4, 6);
        assert!(!needs_revision(Some(&prior), &none, &prior));
        assert!(!needs_revision(
            Some(&prior),
            &only(Some(2), None, None),
            &prior
        ));
        assert!(needs_revision(
            Some(&prior),
            &only(Some(4), None, None),
            &dims3(4, 8, 6)
        ));
    }

    #[test]
    fn plan_checks_disk_against_the_planned_shape() {
        let prior = dims3(4, 8, 20);
        let (_, _, d) = planned_after(Some(&prior), &only(None, None, Some(50)));
        assert_eq!(errors(&d)[0].0, "disk");
        assert!(errors(&d)[0].1.contains("20 to 40 GB"));
        // On create with no shape configured, the default shapes' range applies.
        let (p, _, d) = planned_after(None, &only(None, None, Some(25)));
        assert!(errors(&d)[0].1.contains("6 to 20 GB"));
        assert!(p.cpu.is_unknown());
        let (p, _, d) = planned_after(None, &only(Some(4), None, None));
        assert!(d.is_empty());
        assert_eq!(dims(&p), (Some(4), Some(8), None));
    }
}
