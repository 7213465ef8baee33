//! Which computed values of `agent37_instance` an update's plan keeps and which it leaves
//! unknown. Pure; unit-tested at the bottom.
//!
//! `status`, `image_ref`, `paid_through` and `past_due` move only with a lifecycle call (start,
//! stop, repair, resize, a template change, an image pull) or on the platform's own clock. An
//! update that makes no lifecycle call (labels, `metadata`, `wait_for_healthy`) keeps them at
//! their prior values in the plan, so the plan says exactly what changes; one that does leaves
//! unknown what the call may move.

use crate::sdk::model::Attr;

use super::model::{Instance, update_steps};

/// Plans the four values for an in-place update from `prior` to `planned` (called after every
/// other decision of the plan; `pulls`: `auto_update` planned an image pull, whose target
/// image is already set).
pub fn plan_update(prior: &Instance, planned: &mut Instance, pulls: bool) {
    let steps = update_steps(prior, planned);
    let lifecycle = steps.restarts() || steps.stop || pulls;
    if !lifecycle {
        return;
    }
    planned.status = Attr::unknown();
    planned.paid_through = Attr::unknown();
    planned.past_due = Attr::unknown();
    planned.added.status_reason = Attr::unknown();
    planned.added.slept_at = Attr::unknown();
    // A repair or a template change installs an image the plan does not read.
    if steps.repair || steps.template.is_some() {
        planned.image_ref = Attr::unknown();
    }
    // A pull shows its target image (`auto_update`) but not the digest and revision it lands on.
    if steps.repair || steps.template.is_some() || pulls {
        planned.added.image_digest = Attr::unknown();
        planned.added.template_revision = Attr::unknown();
    }
}

/// The state an update returns: the values the plan kept known stay as planned. They can only
/// differ from the final read when the platform moved them on its own between the plan and the
/// apply (a sleeper woken by a request, a day renewed), which the next refresh reads; Terraform
/// refuses an apply whose result contradicts a known planned value.
pub fn keep_planned(planned: &Instance, fresh: &mut Instance) {
    keep(&planned.status, &mut fresh.status);
    keep(&planned.image_ref, &mut fresh.image_ref);
    keep(&planned.paid_through, &mut fresh.paid_through);
    keep(&planned.past_due, &mut fresh.past_due);
    // The 2026-08-21 read-only fields follow the same rule; the public ports and domain URLs
    // change through other resources (`agent37_instance_public_port`, `agent37_domain`), which
    // the next refresh reads.
    let (planned, fresh) = (&planned.added, &mut fresh.added);
    keep(&planned.domain_urls, &mut fresh.domain_urls);
    keep(&planned.public_ports, &mut fresh.public_ports);
    keep(&planned.status_reason, &mut fresh.status_reason);
    keep(&planned.template_revision, &mut fresh.template_revision);
    keep(&planned.image_digest, &mut fresh.image_digest);
    keep(&planned.slept_at, &mut fresh.slept_at);
}

fn keep<T: Clone>(planned: &Attr<T>, fresh: &mut Attr<T>) {
    if !planned.is_unknown() {
        *fresh = planned.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::super::model::{RUNNING, STOPPED};
    use super::*;

    fn running() -> Instance {
        Instance {
            name: "a".into(),
            state: RUNNING.into(),
            status: RUNNING.into(),
            image_ref: "img:1".into(),
            paid_through: 100.into(),
            past_due: false.into(),
            cpu: 2.into(),
            memory: 4.into(),
            disk: 6.into(),
            wait_for_healthy: true.into(),
            ..Instance::default()
        }
    }

    #[test]
    fn a_change_without_a_lifecycle_call_keeps_the_computed_values() {
        let prior = running();
        for planned in [
            Instance {
                name: "b".into(),
                ..prior.clone()
            },
            Instance {
                wait_for_healthy: false.into(),
                ..prior.clone()
            },
            Instance {
                metadata: Attr::Known([("k".to_string(), Some("v".to_string()))].into()),
                ..prior.clone()
            },
        ] {
            let mut p = planned.clone();
            plan_update(&prior, &mut p, false);
            assert_eq!(p, planned);
        }
    }

    #[test]
    fn a_lifecycle_call_leaves_what_it_moves_unknown() {
        let prior = running();
        // Stop: status and billing may move; the image does not.
        let mut stop = Instance {
            state: STOPPED.into(),
            ..prior.clone()
        };
        plan_update(&prior, &mut stop, false);
        assert!(stop.status.is_unknown() && stop.paid_through.is_unknown());
        assert!(stop.past_due.is_unknown());
        assert_eq!(stop.image_ref.as_str(), Some("img:1"));
        // Resize.
        let mut grow = Instance {
            cpu: 4.into(),
            memory: 8.into(),
            ..prior.clone()
        };
        plan_update(&prior, &mut grow, false);
        assert!(grow.status.is_unknown());
        assert_eq!(grow.image_ref.as_str(), Some("img:1"));
        // A repair installs the template's image.
        let failed = Instance {
            state: "failed".into(),
            ..prior.clone()
        };
        let mut repair = Instance {
            state: RUNNING.into(),
            ..failed.clone()
        };
        plan_update(&failed, &mut repair, false);
        assert!(repair.image_ref.is_unknown() && repair.status.is_unknown());
        // A template change too.
        let mut migrate = Instance {
            template: "other".into(),
            ..prior.clone()
        };
        plan_update(&prior, &mut migrate, false);
        assert!(migrate.image_ref.is_unknown());
        // A pull keeps the target image it was given.
        let mut pull = Instance {
            image_ref: "img:2".into(),
            ..prior.clone()
        };
        plan_update(&prior, &mut pull, true);
        assert_eq!(pull.image_ref.as_str(), Some("img:2"));
        assert!(pull.status.is_unknown());
    }

    #[test]
    fn an_update_returns_the_kept_values() {
        let planned = running();
        let mut fresh = Instance {
            status: "sleeping".into(),
            paid_through: 200.into(),
            ..planned.clone()
        };
        keep_planned(&planned, &mut fresh);
        assert_eq!(fresh, planned);
        let mut unknown = planned.clone();
        unknown.status = Attr::unknown();
        let mut fresh = Instance {
            status: "stopped".into(),
            ..planned.clone()
        };
        keep_planned(&unknown, &mut fresh);
        assert_eq!(fresh.status.as_str(), Some("stopped"));
    }
}
