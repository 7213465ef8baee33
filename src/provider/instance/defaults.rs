//! Defaults of `agent37_instance` in the plan. Pure; unit-tested at the bottom.
//!
//! - A **static** documented default (`template` "agent37-hermes", `auto_update` false,
//!   `wait_for_healthy` true) is what an attribute left out of the configuration means, so
//!   removing one plans the default again (as terraform-plugin-framework defaults do). `state`
//!   is not static (left out, it keeps the instance's current state), nor are `cpu`, `memory`
//!   and `disk`, which follow from each other and the template: left out, they keep the current
//!   value.
//! - On create, what the API chooses for the `cpu`, `memory` and `disk` the configuration leaves
//!   out follows from the configuration, the template and the API revision: the plan shows it,
//!   so `terraform test` can assert on it at plan time.

use crate::api::ApiRevision;
use crate::sdk::model::Attr;

use super::model::Instance;
use super::shape::{DEFAULT_TEMPLATE, SMALL_TEMPLATE, shape_in};

/// `auto_update`'s default.
pub const AUTO_UPDATE: bool = false;
/// `wait_for_healthy`'s default.
pub const WAIT_FOR_HEALTHY: bool = true;

/// Static defaults: an attribute left out of the configuration plans its default.
pub fn plan_static(config: &Instance, planned: &mut Instance) {
    if config.template.is_null() {
        planned.template = DEFAULT_TEMPLATE.to_string().into();
    }
    if config.auto_update.is_null() {
        planned.auto_update = AUTO_UPDATE.into();
    }
    if config.wait_for_healthy.is_null() {
        planned.wait_for_healthy = WAIT_FOR_HEALTHY.into();
    }
}

/// Whether a create's plan needs the API revision to tell the resources the API will choose:
/// something of `cpu`, `memory`, `disk` is left out.
pub fn create_needs_revision(config: &Instance) -> bool {
    config.cpu.is_null() || config.memory.is_null() || config.disk.is_null()
}

/// The default disk (GB) of a shape: 2026-06-25 the range's minimum, 2026-08-21 4 / 6 / 12 for
/// 2/4, 4/8, 8/16 (contract §2.2).
pub fn default_disk(revision: ApiRevision, cpu: i64, memory: i64) -> Option<i64> {
    let s = shape_in(Some(revision), cpu, memory)?;
    Some(match revision {
        ApiRevision::R2026_06_25 => s.disk_min,
        ApiRevision::R2026_08_21 => match s.cpu {
            2 => 4,
            4 => 6,
            _ => 12,
        },
    })
}

/// The shape the API gives a create that sends none: 2026-06-25 the template's smallest (1/3
/// for `agent37-hermes-small`, else 2/4); 2026-08-21 2/4 for every template. None while the
/// template is unknown on 2026-06-25.
fn default_shape(revision: ApiRevision, template: &Attr<String>) -> Option<(i64, i64)> {
    match (revision, template.as_str()) {
        (ApiRevision::R2026_08_21, _) => Some((2, 4)),
        (ApiRevision::R2026_06_25, Some(SMALL_TEMPLATE)) => Some((1, 3)),
        (ApiRevision::R2026_06_25, Some(_)) => Some((2, 4)),
        (ApiRevision::R2026_06_25, None) => None,
    }
}

/// On create (after `sizing::plan_resources` derived one of `cpu`/`memory` from the other),
/// fills in what the API will choose for the values the configuration leaves out. Values that
/// depend on something unknown stay unknown.
pub fn plan_create_resources(config: &Instance, planned: &mut Instance, revision: ApiRevision) {
    if config.cpu.is_null()
        && config.memory.is_null()
        && let Some((cpu, memory)) = default_shape(revision, &planned.template)
    {
        planned.cpu = cpu.into();
        planned.memory = memory.into();
    }
    if config.disk.is_null()
        && let (Some(cpu), Some(memory)) = (planned.cpu.get(), planned.memory.get())
        && let Some(disk) = default_disk(revision, cpu, memory)
    {
        planned.disk = disk.into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: ApiRevision = ApiRevision::R2026_06_25;
    const NEW: ApiRevision = ApiRevision::R2026_08_21;

    #[test]
    fn static_defaults_come_back_when_removed() {
        let prior = Instance {
            template: "my-agent".into(),
            auto_update: true.into(),
            wait_for_healthy: false.into(),
            state: "stopped".into(),
            cpu: 4.into(),
            ..Instance::default()
        };
        let mut planned = prior.clone();
        plan_static(&Instance::default(), &mut planned);
        assert_eq!(planned.template.as_str(), Some(DEFAULT_TEMPLATE));
        assert_eq!(planned.auto_update.get(), Some(false));
        assert_eq!(planned.wait_for_healthy.get(), Some(true));
        // Not static: kept.
        assert_eq!(planned.state.as_str(), Some("stopped"));
        assert_eq!(planned.cpu.get(), Some(4));
        // Configured values are the configuration's.
        let mut kept = prior.clone();
        plan_static(&prior, &mut kept);
        assert_eq!(kept, prior);
    }

    /// What the generic plan leaves before the hook: defaults filled, computed values unknown.
    fn create(config: Instance, revision: ApiRevision) -> Instance {
        let unknown_if_null = |a: &Attr<i64>| {
            if a.is_null() {
                Attr::unknown()
            } else {
                a.clone()
            }
        };
        let mut planned = Instance {
            template: if config.template.is_null() {
                DEFAULT_TEMPLATE.into()
            } else {
                config.template.clone()
            },
            cpu: unknown_if_null(&config.cpu),
            memory: unknown_if_null(&config.memory),
            disk: unknown_if_null(&config.disk),
            ..Instance::default()
        };
        plan_create_resources(&config, &mut planned, revision);
        planned
    }

    fn dims(i: &Instance) -> (Option<i64>, Option<i64>, Option<i64>) {
        (i.cpu.get(), i.memory.get(), i.disk.get())
    }

    #[test]
    fn a_create_plans_what_the_api_chooses() {
        let none = Instance::default();
        assert_eq!(
            dims(&create(none.clone(), OLD)),
            (Some(2), Some(4), Some(6))
        );
        assert_eq!(
            dims(&create(none.clone(), NEW)),
            (Some(2), Some(4), Some(4))
        );
        let small = Instance {
            template: SMALL_TEMPLATE.into(),
            ..Instance::default()
        };
        assert_eq!(
            dims(&create(small.clone(), OLD)),
            (Some(1), Some(3), Some(6))
        );
        assert_eq!(dims(&create(small, NEW)), (Some(2), Some(4), Some(4)));
        let big = Instance {
            cpu: 8.into(),
            memory: 16.into(),
            ..Instance::default()
        };
        assert_eq!(
            dims(&create(big.clone(), OLD)),
            (Some(8), Some(16), Some(40))
        );
        assert_eq!(dims(&create(big, NEW)), (Some(8), Some(16), Some(12)));
        let disk = Instance {
            disk: 10.into(),
            ..Instance::default()
        };
        assert_eq!(dims(&create(disk, NEW)), (Some(2), Some(4), Some(10)));
        // A template unknown at plan (made in the same configuration): on 2026-06-25 its
        // smallest shape is not known.
        let unknown = Instance {
            template: Attr::unknown(),
            ..Instance::default()
        };
        assert_eq!(dims(&create(unknown.clone(), OLD)), (None, None, None));
        assert_eq!(dims(&create(unknown, NEW)), (Some(2), Some(4), Some(4)));
        // An unknown cpu (a variable not known yet) leaves the shape and disk unknown.
        let var = Instance {
            cpu: Attr::unknown(),
            ..Instance::default()
        };
        let planned = create(var, NEW);
        assert!(planned.cpu.is_unknown() && planned.disk.is_unknown());
        assert!(create_needs_revision(&Instance::default()));
    }
}
