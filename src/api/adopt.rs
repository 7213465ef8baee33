//! Create safety: finding, after an ambiguous instance create, the instance the call made.
//!
//! The rule (`docs/contract/provider-spec.md`, "Create safety"): adopt an instance whose every sent field matches, whose `created`
//! is at least the call's start − 2 s, and whose id this process does not already hold; with
//! several, the oldest unclaimed one, so that concurrent identical creates each claim a
//! different instance. The matching and the choice are pure; [`Claims`] holds the ids.
//!
//! Clock: `created` is the server's clock, which may be far from ours (the emulator's clock can
//! be moved). The call's start is therefore expressed in the server's clock: the `Date` header
//! of the look-up's list answer, minus the local time elapsed since the call started. Without a
//! `Date` header the local clock at the call's start is used. Both errors (the header's 1 s
//! resolution, the network delay) only make the start earlier, i.e. the filter more lenient;
//! exact field matching and the claims keep that safe.

use std::collections::HashSet;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};
use tokio::sync::Notify;

use super::types::{CreateInstance, Instance, empty_str_is_none};

/// Whether `inst` carries every field `req` sent. Fields not sent must be empty on the
/// instance where the API leaves them empty (user, name, metadata); resources are compared
/// only on the dimensions sent, since the API fills in the others.
pub fn matches_request(req: &CreateInstance, inst: &Instance) -> bool {
    if req.template.as_ref().is_some_and(|t| *t != inst.template) {
        return false;
    }
    if let Some(r) = &req.resources {
        let dims = [
            (r.cpu, inst.resources.cpu),
            (r.memory, inst.resources.memory),
            (r.disk, inst.resources.disk),
        ];
        if dims
            .iter()
            .any(|(sent, got)| sent.is_some_and(|s| s != *got))
        {
            return false;
        }
    }
    empty_str_is_none(req.user.as_deref()) == empty_str_is_none(inst.user.as_deref())
        && empty_str_is_none(req.name.as_deref()) == empty_str_is_none(inst.name.as_deref())
        && empty_map_is_none(req.metadata.as_ref()) == empty_map_is_none(inst.metadata.as_ref())
        && req.auto_sleep.is_none_or(|s| inst.auto_sleep == Some(s))
        && req
            .idle_timeout_seconds
            .is_none_or(|s| inst.idle_timeout_seconds == Some(s))
}

/// The API stores `{}` metadata as null.
fn empty_map_is_none(m: Option<&Map<String, Value>>) -> Option<&Map<String, Value>> {
    m.filter(|m| !m.is_empty())
}

/// The smallest `created` an instance made by a call started at `start` (server clock) can
/// have: whole seconds, rounded down, minus the slack.
pub fn created_threshold(start: SystemTime, slack: Duration) -> i64 {
    let secs = match start.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    };
    secs.saturating_sub(i64::try_from(slack.as_secs()).unwrap_or(i64::MAX))
}

/// The call's start on the server's clock: the server's `Date` at the moment an answer was
/// received, minus the local time elapsed from the call's start to that moment; the local
/// clock at the call's start when the server sent no `Date`.
pub fn server_clock_at_start(
    call_start: Instant,
    call_start_local: SystemTime,
    answered_at: Instant,
    server_date: Option<SystemTime>,
) -> SystemTime {
    match server_date {
        Some(date) => {
            let elapsed = answered_at.saturating_duration_since(call_start);
            date.checked_sub(elapsed).unwrap_or(UNIX_EPOCH)
        }
        None => call_start_local,
    }
}

/// The instances that qualify, oldest first. `instances` is in the list's order (newest
/// first), which breaks ties between equal `created` seconds.
pub fn candidates<'a>(
    req: &CreateInstance,
    instances: &'a [Instance],
    created_min: i64,
    is_claimed: impl Fn(&str) -> bool,
) -> Vec<&'a Instance> {
    let mut found: Vec<&Instance> = instances
        .iter()
        .rev()
        .filter(|i| i.created >= created_min && !is_claimed(&i.id) && matches_request(req, i))
        .collect();
    // Stable: equal seconds keep the reversed list order, i.e. the older one first.
    found.sort_by_key(|i| i.created);
    found
}

/// The process-wide set of instance ids held by this provider process (every instance it
/// created, adopted, or was told about), and the creates currently awaiting an answer.
#[derive(Clone, Default)]
pub struct Claims {
    inner: Arc<ClaimsInner>,
}

#[derive(Default)]
struct ClaimsInner {
    state: Mutex<ClaimState>,
    changed: Notify,
}

#[derive(Default)]
struct ClaimState {
    ids: HashSet<String>,
    in_flight: Vec<(u64, CreateInstance)>,
    next_ticket: u64,
}

static PROCESS_CLAIMS: LazyLock<Claims> = LazyLock::new(Claims::default);

impl Claims {
    /// The set shared by every client of this process.
    pub fn process() -> Self {
        PROCESS_CLAIMS.clone()
    }

    fn state(&self) -> MutexGuard<'_, ClaimState> {
        // A panic elsewhere while holding the lock leaves a set that is still consistent.
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Marks `id` as held; false if it already was.
    pub fn claim(&self, id: &str) -> bool {
        self.state().ids.insert(id.to_owned())
    }

    pub fn is_claimed(&self, id: &str) -> bool {
        self.state().ids.contains(id)
    }

    /// Chooses the oldest qualifying instance and claims it, atomically, so that concurrent
    /// look-ups never pick the same one.
    pub fn claim_oldest_match(
        &self,
        req: &CreateInstance,
        instances: &[Instance],
        created_min: i64,
    ) -> Option<Instance> {
        self.claim_oldest_match_where(req, instances, created_min, |_| true)
    }

    /// [`Claims::claim_oldest_match`] among the instances `keep` accepts (a failed create's
    /// leftover is looked for among `failed` instances only).
    pub fn claim_oldest_match_where(
        &self,
        req: &CreateInstance,
        instances: &[Instance],
        created_min: i64,
        keep: impl Fn(&Instance) -> bool,
    ) -> Option<Instance> {
        let mut state = self.state();
        let chosen = candidates(req, instances, created_min, |id| state.ids.contains(id))
            .into_iter()
            .find(|i| keep(i))
            .cloned()?;
        state.ids.insert(chosen.id.clone());
        Some(chosen)
    }

    /// Records a create about to be sent; the guard forgets it when the answer is in.
    pub(crate) fn begin_create(&self, req: &CreateInstance) -> InFlight {
        let mut state = self.state();
        let ticket = state.next_ticket;
        state.next_ticket += 1;
        state.in_flight.push((ticket, req.clone()));
        InFlight {
            claims: self.clone(),
            ticket,
        }
    }

    fn has_identical_in_flight(&self, req: &CreateInstance) -> bool {
        self.state().in_flight.iter().any(|(_, other)| other == req)
    }

    /// Waits until no create with an identical body is still awaiting its answer, or until
    /// `until`. A create that succeeds claims its instance, so waiting keeps an ambiguous
    /// sibling from adopting that instance in its place.
    pub(crate) async fn wait_identical_answered(&self, req: &CreateInstance, until: Instant) {
        loop {
            let notified = self.inner.changed.notified();
            tokio::pin!(notified);
            // Register before checking, so a change between the check and the wait is seen.
            notified.as_mut().enable();
            if !self.has_identical_in_flight(req) {
                return;
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep_until(until.into()) => return,
            }
        }
    }
}

/// A create awaiting its answer (see [`Claims::begin_create`]).
pub(crate) struct InFlight {
    claims: Claims,
    ticket: u64,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.claims
            .state()
            .in_flight
            .retain(|(t, _)| *t != self.ticket);
        self.claims.inner.changed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::types::ResourcesRequest;
    use serde_json::json;

    fn inst(id: &str, created: i64) -> Instance {
        serde_json::from_value(json!({
            "id": id, "status": "running", "template": "agent37-hermes", "image_ref": "img",
            "resources": {"cpu": 2, "memory": 4, "disk": 6}, "ports": [],
            "user": "u1", "name": "bot", "metadata": {"a": "1", "b": "2"},
            "paid_through": null, "past_due": false, "created": created
        }))
        .expect("an instance")
    }

    fn req() -> CreateInstance {
        CreateInstance {
            template: Some("agent37-hermes".into()),
            resources: Some(ResourcesRequest {
                cpu: Some(2),
                memory: Some(4),
                disk: None,
            }),
            user: Some("u1".into()),
            name: Some("bot".into()),
            metadata: json!({"b": "2", "a": "1"}).as_object().cloned(),
            ..Default::default()
        }
    }

    #[test]
    fn matching_compares_every_sent_field() {
        let i = inst("a", 10);
        assert!(
            matches_request(&req(), &i),
            "metadata order does not matter"
        );

        let mut r = req();
        r.template = Some("agent37-openclaw".into());
        assert!(!matches_request(&r, &i));

        let mut r = req();
        r.resources = Some(ResourcesRequest {
            disk: Some(6),
            ..Default::default()
        });
        assert!(matches_request(&r, &i), "only sent dimensions count");
        r.resources = Some(ResourcesRequest {
            disk: Some(7),
            ..Default::default()
        });
        assert!(!matches_request(&r, &i));

        let mut r = req();
        r.name = Some("other".into());
        assert!(!matches_request(&r, &i));
        r.name = None;
        assert!(!matches_request(&r, &i), "a name not sent means no name");

        let mut r = req();
        r.user = None;
        assert!(!matches_request(&r, &i));

        let mut r = req();
        r.metadata = json!({"a": "1"}).as_object().cloned();
        assert!(!matches_request(&r, &i));

        // The API stores "" and {} as null.
        let mut bare = inst("b", 10);
        bare.user = None;
        bare.name = None;
        bare.metadata = None;
        let r = CreateInstance {
            user: Some(String::new()),
            name: None,
            metadata: Some(Map::new()),
            ..Default::default()
        };
        assert!(matches_request(&r, &bare));
        assert!(matches_request(&CreateInstance::default(), &bare));
    }

    #[test]
    fn threshold_and_server_clock() {
        let t = UNIX_EPOCH + Duration::from_millis(100_900);
        assert_eq!(created_threshold(t, Duration::from_secs(2)), 98);
        assert_eq!(created_threshold(UNIX_EPOCH, Duration::from_secs(2)), -2);

        let start = Instant::now();
        let later = start + Duration::from_secs(5);
        let local = UNIX_EPOCH + Duration::from_secs(1_000);
        // Server clock 10 days ahead: the start is taken from its Date, not ours.
        let server_now = UNIX_EPOCH + Duration::from_secs(1_000 + 864_000 + 5);
        assert_eq!(
            server_clock_at_start(start, local, later, Some(server_now)),
            UNIX_EPOCH + Duration::from_secs(1_000 + 864_000)
        );
        assert_eq!(server_clock_at_start(start, local, later, None), local);
    }

    #[test]
    fn candidate_choice_none_one_several_claimed() {
        let r = req();
        let no_claims = |_: &str| false;
        // None: too old, or not matching.
        let mut other = inst("x", 100);
        other.name = Some("else".into());
        let list = vec![other, inst("old", 50)];
        assert!(candidates(&r, &list, 98, no_claims).is_empty());

        // One.
        let list = vec![inst("new", 100), inst("old", 50)];
        let got: Vec<_> = candidates(&r, &list, 98, no_claims)
            .iter()
            .map(|i| i.id.clone())
            .collect();
        assert_eq!(got, vec!["new"]);

        // Several, newest first in the list: oldest first out; equal seconds by list order.
        let list = vec![
            inst("c", 101),
            inst("b2", 100),
            inst("b1", 100),
            inst("a", 99),
        ];
        let got: Vec<_> = candidates(&r, &list, 98, no_claims)
            .iter()
            .map(|i| i.id.clone())
            .collect();
        assert_eq!(got, vec!["a", "b1", "b2", "c"]);

        // Claimed ones are skipped.
        let got: Vec<_> = candidates(&r, &list, 98, |id| id == "a" || id == "b1")
            .iter()
            .map(|i| i.id.clone())
            .collect();
        assert_eq!(got, vec!["b2", "c"]);
    }

    #[test]
    fn concurrent_claims_take_different_instances() {
        let claims = Claims::default();
        let r = req();
        let list = vec![inst("c", 101), inst("b", 100), inst("a", 99)];
        assert!(claims.claim("held"));
        assert!(!claims.claim("held"));
        let picks: Vec<_> = (0..4)
            .map(|_| claims.claim_oldest_match(&r, &list, 98).map(|i| i.id))
            .collect();
        assert_eq!(
            picks,
            vec![Some("a".into()), Some("b".into()), Some("c".into()), None]
        );
        assert!(claims.is_claimed("b"));
    }

    #[tokio::test]
    async fn waiting_ends_when_identical_creates_are_answered() {
        let claims = Claims::default();
        let r = req();
        let other = CreateInstance::default();
        let _unrelated = claims.begin_create(&other);
        // Nothing identical in flight: returns at once.
        let far = Instant::now() + Duration::from_secs(30);
        tokio::time::timeout(
            Duration::from_secs(1),
            claims.wait_identical_answered(&r, far),
        )
        .await
        .expect("no wait");

        let sibling = claims.begin_create(&r);
        let waiter = {
            let claims = claims.clone();
            let r = r.clone();
            tokio::spawn(async move { claims.wait_identical_answered(&r, far).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        drop(sibling);
        tokio::time::timeout(Duration::from_secs(1), waiter)
            .await
            .expect("woken")
            .expect("joined");

        // Bounded even if the sibling never answers.
        let _stuck = claims.begin_create(&r);
        let soon = Instant::now() + Duration::from_millis(30);
        tokio::time::timeout(
            Duration::from_secs(1),
            claims.wait_identical_answered(&r, soon),
        )
        .await
        .expect("bounded");
    }
}
