//! The API revision in the provider's decisions (`docs/contract/provider-spec-2026-08.md` §1),
//! for every resource:
//!
//! - a plan whose decision depends on the revision (a shape table, whether a change replaces,
//!   whether a value may be sent at all) asks [`at_plan`], which knows it from the last object
//!   the client decoded or else probes once, and records it in the planned private state;
//! - apply calls [`check_at_apply`]: if the API now serves another revision, it fails with
//!   "the API revision changed since the plan; plan again" before doing anything;
//! - [`require`] refuses at plan, in one call, an attribute (or a whole resource) that only a
//!   newer revision honours, with one diagnostic naming both revisions.
//!
//! Terraform plans every change again at apply time and hands that final plan's private state
//! to apply, so the stamp guards the window between the final plan and the apply; a saved plan
//! whose decisions the new revision changes is refused by Terraform itself (the final plan must
//! match the saved one: `revisions::upgrade` in the acceptance tests shows it).
//!
//! A resource keeps the stamp in its private state: [`Stamp`] when it has nothing else to
//! keep, or its own type implementing [`PlanStamp`].

use crate::api::ApiRevision;
use crate::sdk::{Ctx, Diagnostics, Path, Plan, PrivateState};

use super::Agent37Data;
use super::context::Api;
use super::errors::api_error;

/// The summary of an apply refused because the revision moved after the plan.
pub const CHANGED_SUMMARY: &str = "The API revision changed since the plan; plan again";
/// The summary of a value refused because the API serves an older revision.
pub const NEEDS_SUMMARY: &str = "Not available in this API revision";

/// A private state that carries the revision a plan used. A plan starts from the prior private
/// state: [`clear`] it first, so that a stamp never outlives the plan that made it.
pub trait PlanStamp: PrivateState {
    fn planned_revision(&self) -> Option<ApiRevision>;
    fn set_planned_revision(&mut self, revision: Option<ApiRevision>);
}

/// The private state of a resource that keeps nothing but the stamp:
/// `{"api_revision":"2026-08-21"}`, or nothing at all when no decision used the revision.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stamp(pub Option<ApiRevision>);

#[derive(serde::Serialize, serde::Deserialize)]
struct StampJson {
    api_revision: String,
}

impl PrivateState for Stamp {
    fn decode(bytes: &[u8]) -> Stamp {
        Stamp(
            serde_json::from_slice::<StampJson>(bytes)
                .ok()
                .and_then(|j| j.api_revision.parse().ok()),
        )
    }

    fn encode(&self) -> Vec<u8> {
        match self.0 {
            None => Vec::new(),
            Some(r) => serde_json::to_vec(&StampJson {
                api_revision: r.as_str().to_owned(),
            })
            .unwrap_or_default(),
        }
    }
}

impl PlanStamp for Stamp {
    fn planned_revision(&self) -> Option<ApiRevision> {
        self.0
    }

    fn set_planned_revision(&mut self, revision: Option<ApiRevision>) {
        self.0 = revision;
    }
}

/// Forgets the stamp the prior private state carried (call first in a plan hook).
pub fn clear<S, P: PlanStamp>(plan: &mut Plan<'_, S, P>) {
    plan.private.set_planned_revision(None);
}

/// The revision the client talks to ([`Client::revision`](crate::api::Client::revision): the
/// setting, else the last answer, else one probe), or the diagnostics of why it could not be
/// told. Every decision of the provider that depends on the revision asks here.
pub async fn served(ctx: &Ctx<Agent37Data>) -> Result<ApiRevision, Diagnostics> {
    ctx.client()
        .revision(&ctx.op())
        .await
        .map_err(|e| api_error("Unable to tell the API revision", &e))
}

/// The revision a plan decides with, recorded in its private state; `None` (with an error in
/// the plan's diagnostics) when it could not be told.
pub async fn at_plan<S, P: PlanStamp>(
    ctx: &Ctx<Agent37Data>,
    plan: &mut Plan<'_, S, P>,
) -> Option<ApiRevision> {
    match served(ctx).await {
        Ok(r) => {
            plan.private.set_planned_revision(Some(r));
            Some(r)
        }
        Err(d) => {
            plan.diags.extend(d);
            None
        }
    }
}

/// Refuses, at plan, what only revision `needed` (or a later one) honours: `at` is the
/// attribute (`None`: the whole resource), `what` names it in the diagnostic
/// ("a template pin (`name@version`)", "agent37_domain"). Returns whether it is available.
/// One call; it probes the revision only when no answer told it yet.
pub async fn require<S, P: PlanStamp>(
    ctx: &Ctx<Agent37Data>,
    plan: &mut Plan<'_, S, P>,
    needed: ApiRevision,
    at: Option<Path>,
    what: &str,
) -> bool {
    let Some(served) = at_plan(ctx, plan).await else {
        return false;
    };
    match refusal(served, needed, ctx.client().base_url(), at, what) {
        Some(d) => {
            plan.diags.extend(d);
            false
        }
        None => true,
    }
}

/// The diagnostic of [`require`], or `None` when `served` honours what needs `needed`. Pure.
pub fn refusal(
    served: ApiRevision,
    needed: ApiRevision,
    base_url: &str,
    at: Option<Path>,
    what: &str,
) -> Option<Diagnostics> {
    if served >= needed {
        return None;
    }
    let detail = format!("{}.", needs(what, served, needed, base_url));
    let mut d = Diagnostics::new();
    match at {
        Some(path) => d.attr_error(path, NEEDS_SUMMARY, detail),
        None => d.error(NEEDS_SUMMARY, detail),
    }
    Some(d)
}

/// The sentence every refusal of a newer revision's attribute or object starts with (no final
/// stop, so a caller may go on): "`what` needs API revision `needed`; the API at `base_url`
/// serves `served`".
pub fn needs(what: &str, served: ApiRevision, needed: ApiRevision, base_url: &str) -> String {
    format!("{what} needs API revision {needed}; the API at {base_url} serves {served}")
}

/// At apply, before any change: when the plan recorded a revision and the API now serves
/// another, the apply stops (its decisions were made for the other one). No request is made
/// when the plan recorded none. Returns the revision the apply runs against, when asked.
pub async fn check_at_apply<P: PlanStamp>(
    ctx: &Ctx<Agent37Data>,
    private: &P,
) -> Result<Option<ApiRevision>, Diagnostics> {
    let Some(planned) = private.planned_revision() else {
        return Ok(None);
    };
    let now = served(ctx).await?;
    match changed(planned, now, ctx.client().base_url()) {
        Some(d) => Err(d),
        None => Ok(Some(now)),
    }
}

/// The error of [`check_at_apply`], or `None` when the revision is the planned one. Pure.
pub fn changed(planned: ApiRevision, now: ApiRevision, base_url: &str) -> Option<Diagnostics> {
    if planned == now {
        return None;
    }
    let mut d = Diagnostics::new();
    d.error(
        CHANGED_SUMMARY,
        format!(
            "The plan was made against API revision {planned}, and the API at {base_url} now serves {now}; nothing was changed. Run terraform plan (or apply) again."
        ),
    );
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stamp_round_trips_and_is_empty_without_a_revision() {
        assert_eq!(Stamp(None).encode(), Vec::<u8>::new());
        let s = Stamp(Some(ApiRevision::R2026_08_21));
        assert_eq!(s.encode(), br#"{"api_revision":"2026-08-21"}"#);
        assert_eq!(Stamp::decode(&s.encode()), s);
        assert_eq!(Stamp::decode(b""), Stamp(None));
        assert_eq!(
            Stamp::decode(br#"{"api_revision":"1999-01-01"}"#),
            Stamp(None)
        );
    }

    #[test]
    fn refusal_names_both_revisions_and_the_attribute() {
        let base = "http://127.0.0.1:1/v1";
        let newer = ApiRevision::R2026_08_21;
        let older = ApiRevision::R2026_06_25;
        assert!(refusal(newer, newer, base, None, "x").is_none());
        assert!(refusal(newer, older, base, None, "x").is_none());
        let d =
            refusal(older, newer, base, Some(Path::attr("template")), "A pin").expect("refused");
        assert_eq!(d.0[0].summary, NEEDS_SUMMARY);
        assert_eq!(
            d.0[0].detail,
            "A pin needs API revision 2026-08-21; the API at http://127.0.0.1:1/v1 serves 2026-06-25."
        );
        assert_eq!(d.0[0].attribute, Some(Path::attr("template")));
        let whole = refusal(older, newer, base, None, "agent37_domain").expect("refused");
        assert_eq!(whole.0[0].attribute, None);
    }

    #[test]
    fn an_apply_against_another_revision_is_refused() {
        let base = "https://api.agent37.com/v1";
        assert!(changed(ApiRevision::R2026_06_25, ApiRevision::R2026_06_25, base).is_none());
        let d = changed(ApiRevision::R2026_06_25, ApiRevision::R2026_08_21, base).expect("changed");
        assert_eq!(d.0[0].summary, CHANGED_SUMMARY);
        assert!(
            d.0[0]
                .detail
                .contains("made against API revision 2026-06-25")
        );
        assert!(d.0[0].detail.contains("now serves 2026-08-21"));
    }
}
