//! Reads that share one list request: refreshing N instances should not cost N requests.
//!
//! Terraform refreshes at most `-parallelism` objects at a time, one `ReadResource` each. A read
//! asks [`SharedList::begin`] what to do:
//!
//! - a list answer serves it for a window after it arrived, and for as long after as reads keep
//!   coming less than a window apart (one refresh of thousands of objects outlasts any short
//!   window, and listing again every window made a refresh of 5,000 instances cost a dozen
//!   lists), up to a maximum age; an id missing from it is confirmed with a single GET: a
//!   cache miss alone never removes anything from the state;
//! - else, a list in flight serves it once it arrives;
//! - else, when other reads are running or one ended a moment ago (a burst), it lists for
//!   everyone;
//! - else (a lone read) it does a single GET, so one read still costs one request.
//!
//! Every write of this process calls [`SharedList::invalidate`]: a list taken before (or
//! during) a write never serves a read that starts after it. Nothing here does I/O; the caller
//! fetches and reports back, which keeps the rules unit-testable with a hand-driven clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

/// A list answer, by key.
pub type Snapshot<T> = Arc<Listed<T>>;

/// The items of a list answer in their order, with an index by key. The items stay in the
/// vector they were decoded into, the index holds positions: an instance is over 500 bytes, and
/// a map of 5,000 of them, built while the vector still held them, took twice their room.
pub struct Listed<T> {
    items: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Listed<T> {
    pub fn new(items: Vec<T>, key: impl Fn(&T) -> &str) -> Listed<T> {
        let index = items
            .iter()
            .enumerate()
            .map(|(i, item)| (key(item).to_owned(), i))
            .collect();
        Listed { items, index }
    }

    pub fn get(&self, key: &str) -> Option<&T> {
        self.index.get(key).map(|&i| &self.items[i])
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// What a list in flight ends with: `None` while running, then `Some(None)` when it failed.
type Outcome<T> = Option<Option<Snapshot<T>>>;

/// The shared state of the reads of one kind of object (instances) in one client.
pub struct SharedList<T> {
    state: Mutex<State<T>>,
    window: Duration,
    burst: Duration,
    max_age: Duration,
}

struct State<T> {
    /// Bumped by every write; lists and snapshots of an older generation serve no new read.
    generation: u64,
    fresh: Option<Fresh<T>>,
    inflight: Option<InFlight<T>>,
    /// Single GETs running now.
    active: usize,
    /// When the last read began or a GET ended.
    last_activity: Option<Instant>,
    next_list_id: u64,
}

struct Fresh<T> {
    at: Instant,
    /// When it last served a read.
    served: Instant,
    generation: u64,
    items: Snapshot<T>,
}

impl<T> Fresh<T> {
    /// Whether it may serve a read at `now`: within the window of its arrival or of the read it
    /// last served, and younger than `max_age`.
    fn serves(&self, now: Instant, window: Duration, max_age: Duration) -> bool {
        let age = now.saturating_duration_since(self.at);
        age < window || (now.saturating_duration_since(self.served) < window && age < max_age)
    }
}

struct InFlight<T> {
    id: u64,
    generation: u64,
    outcome: watch::Receiver<Outcome<T>>,
}

/// What a read should do next.
pub enum Step<'a, T> {
    /// A fresh list holds it.
    Hit(T),
    /// Do a single GET (a lone read, or an id a fresh list does not hold); keep the guard
    /// until the GET ends.
    Get(GetGuard<'a, T>),
    /// A list is on its way: wait for it.
    Wait(Waiter<T>),
    /// List for everyone, then call [`Leader::finish`].
    List(Leader<'a, T>),
}

impl<T: Clone> SharedList<T> {
    /// `window`: how long a list answer serves reads after it arrived or last served one;
    /// `burst`: how close to another read a read must come to be worth a list; `max_age`: the
    /// oldest a list answer may be and still serve.
    pub fn new(window: Duration, burst: Duration, max_age: Duration) -> Self {
        SharedList {
            state: Mutex::new(State {
                generation: 0,
                fresh: None,
                inflight: None,
                active: 0,
                last_activity: None,
                next_list_id: 0,
            }),
            window,
            burst,
            max_age,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides how the read of `key`, beginning at `now`, is served.
    pub fn begin(&self, key: &str, now: Instant) -> Step<'_, T> {
        let mut st = self.lock();
        let busy = st.active > 0
            || st
                .last_activity
                .is_some_and(|t| now.saturating_duration_since(t) < self.burst);
        st.last_activity = Some(now);
        let generation = st.generation;
        if let Some(f) = st
            .fresh
            .as_mut()
            .filter(|f| f.generation == generation && f.serves(now, self.window, self.max_age))
        {
            f.served = now;
            return match f.items.get(key) {
                Some(item) => Step::Hit(item.clone()),
                None => self.get_guard(st),
            };
        }
        if let Some(inflight) = st.inflight.as_ref().filter(|i| i.generation == generation) {
            return Step::Wait(Waiter {
                outcome: inflight.outcome.clone(),
            });
        }
        if !busy {
            return self.get_guard(st);
        }
        let id = st.next_list_id;
        st.next_list_id += 1;
        let (tx, rx) = watch::channel(None);
        st.inflight = Some(InFlight {
            id,
            generation,
            outcome: rx,
        });
        Step::List(Leader {
            list: self,
            id,
            generation,
            outcome: Some(tx),
        })
    }

    fn get_guard(&self, mut st: MutexGuard<'_, State<T>>) -> Step<'_, T> {
        st.active += 1;
        Step::Get(GetGuard { list: self })
    }

    /// A write of this process began or ended: nothing listed so far serves a later read.
    pub fn invalidate(&self) {
        let mut st = self.lock();
        st.generation += 1;
        st.fresh = None;
    }
}

/// Holds a single GET's place among the running reads (a read arriving meanwhile lists).
pub struct GetGuard<'a, T> {
    list: &'a SharedList<T>,
}

impl<T> Drop for GetGuard<'_, T> {
    fn drop(&mut self) {
        let mut st = self
            .list
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        st.active = st.active.saturating_sub(1);
        st.last_activity = Some(Instant::now());
    }
}

/// A read waiting for another read's list.
pub struct Waiter<T> {
    outcome: watch::Receiver<Outcome<T>>,
}

impl<T> Waiter<T> {
    /// The list, or `None` when it failed or was abandoned (then do a single GET).
    pub async fn wait(mut self) -> Option<Snapshot<T>> {
        match self.outcome.wait_for(Option::is_some).await {
            Ok(outcome) => outcome.clone().flatten(),
            Err(_) => None,
        }
    }
}

/// The read that lists for everyone. Dropped without [`Leader::finish`] (its RPC was
/// cancelled), it releases the waiters, who then do their own GETs.
pub struct Leader<'a, T> {
    list: &'a SharedList<T>,
    id: u64,
    generation: u64,
    outcome: Option<watch::Sender<Outcome<T>>>,
}

impl<T: Clone> Leader<'_, T> {
    /// Reports the list (`None` when it failed), answered at `now`; returns it by key. It
    /// serves later reads only when no write began or ended since the list was sent.
    pub fn finish(
        mut self,
        items: Option<Vec<T>>,
        key: impl Fn(&T) -> &str,
        now: Instant,
    ) -> Option<Snapshot<T>> {
        let snapshot: Option<Snapshot<T>> = items.map(|items| Arc::new(Listed::new(items, key)));
        {
            let mut st = self.list.lock();
            if st.inflight.as_ref().is_some_and(|i| i.id == self.id) {
                st.inflight = None;
            }
            if let Some(items) = &snapshot
                && st.generation == self.generation
            {
                st.fresh = Some(Fresh {
                    at: now,
                    served: now,
                    generation: self.generation,
                    items: Arc::clone(items),
                });
            }
            st.last_activity = Some(now);
        }
        if let Some(tx) = self.outcome.take() {
            // Waiters that joined before a write get this list: their reads overlapped it.
            tx.send_replace(Some(snapshot.clone()));
        }
        snapshot
    }
}

impl<T> Drop for Leader<'_, T> {
    fn drop(&mut self) {
        if self.outcome.is_some() {
            let mut st = self
                .list
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if st.inflight.as_ref().is_some_and(|i| i.id == self.id) {
                st.inflight = None;
            }
            // Dropping the sender wakes the waiters with "no list".
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(2);
    const BURST: Duration = Duration::from_millis(50);
    const MAX_AGE: Duration = Duration::from_secs(60);

    fn list() -> SharedList<(String, u32)> {
        SharedList::new(WINDOW, BURST, MAX_AGE)
    }

    fn items(ids: &[&str], v: u32) -> Option<Vec<(String, u32)>> {
        Some(ids.iter().map(|id| (id.to_string(), v)).collect())
    }

    fn key(item: &(String, u32)) -> &str {
        &item.0
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn kind<T>(step: &Step<'_, T>) -> &'static str {
        match step {
            Step::Hit(_) => "hit",
            Step::Get(_) => "get",
            Step::Wait(_) => "wait",
            Step::List(_) => "list",
        }
    }

    #[test]
    fn a_lone_read_gets_and_so_does_one_long_after() {
        let l = list();
        let t0 = Instant::now();
        let step = l.begin("a", t0);
        assert_eq!(kind(&step), "get");
        drop(step);
        assert_eq!(kind(&l.begin("b", t0 + ms(60) + WINDOW)), "get");
    }

    #[test]
    fn a_read_during_a_get_lists_and_the_list_serves_the_window() {
        let l = list();
        let t0 = Instant::now();
        let first = l.begin("a", t0);
        assert_eq!(kind(&first), "get");
        let Step::List(leader) = l.begin("b", t0 + ms(1)) else {
            panic!("the second concurrent read should list");
        };
        drop(first);
        let snap = leader.finish(items(&["a", "b", "c"], 1), key, t0 + ms(10));
        assert_eq!(snap.map(|s| s.len()), Some(3));
        match l.begin("c", t0 + ms(10) + WINDOW - ms(1)) {
            Step::Hit(item) => assert_eq!(item, ("c".to_string(), 1)),
            other => panic!("expected a hit, got {}", kind(&other)),
        }
        // Past the window of its arrival, but within that of the read it last served: a hit.
        assert_eq!(kind(&l.begin("c", t0 + ms(20) + WINDOW)), "hit");
    }

    /// One refresh, however long, reads from one list while its reads keep coming; a pause
    /// longer than the window, or reaching the maximum age, ends it.
    #[test]
    fn a_list_serves_a_whole_burst_up_to_its_maximum_age() {
        let l = list();
        let t0 = Instant::now();
        drop(l.begin("a", t0));
        let Step::List(leader) = l.begin("b", t0 + ms(1)) else {
            panic!("a read right after another should list");
        };
        leader.finish(items(&["a", "b"], 1), key, t0 + ms(2));
        let mut now = t0 + ms(2);
        while now < t0 + MAX_AGE - WINDOW {
            now += WINDOW - ms(1);
            assert_eq!(kind(&l.begin("a", now)), "hit", "at {:?}", now - t0);
        }
        // Reads still coming, but the list is too old now.
        assert_eq!(kind(&l.begin("a", t0 + MAX_AGE + ms(2))), "list");

        let l = list();
        drop(l.begin("a", t0));
        let Step::List(leader) = l.begin("b", t0 + ms(1)) else {
            panic!("a read right after another should list");
        };
        leader.finish(items(&["a", "b"], 1), key, t0 + ms(2));
        assert_eq!(kind(&l.begin("a", t0 + ms(2) + WINDOW - ms(1))), "hit");
        // A pause longer than the window since the last read it served.
        drop(l.begin("b", t0 + ms(3) + 2 * WINDOW));
        assert_ne!(kind(&l.begin("b", t0 + ms(4) + 2 * WINDOW)), "hit");
    }

    #[test]
    fn sequential_reads_in_a_burst_list_once() {
        let l = list();
        let t0 = Instant::now();
        drop(l.begin("a", t0)); // a GET that ends at once
        let Step::List(leader) = l.begin("b", t0 + ms(5)) else {
            panic!("a read right after another should list");
        };
        leader.finish(items(&["a", "b", "c"], 1), key, t0 + ms(8));
        assert_eq!(kind(&l.begin("c", t0 + ms(9))), "hit");
    }

    #[test]
    fn an_id_missing_from_a_fresh_list_is_confirmed_with_a_get() {
        let l = list();
        let t0 = Instant::now();
        let _g = l.begin("a", t0);
        let Step::List(leader) = l.begin("b", t0) else {
            panic!("expected a list");
        };
        leader.finish(items(&["a"], 1), key, t0);
        assert_eq!(kind(&l.begin("gone", t0 + ms(1))), "get");
    }

    #[tokio::test]
    async fn reads_during_a_list_wait_for_it() {
        let l = list();
        let t0 = Instant::now();
        let _g = l.begin("a", t0);
        let Step::List(leader) = l.begin("b", t0) else {
            panic!("expected a list");
        };
        let Step::Wait(waiter) = l.begin("c", t0 + ms(1)) else {
            panic!("expected to wait");
        };
        leader.finish(items(&["b", "c"], 7), key, t0 + ms(2));
        let snap = waiter.wait().await.expect("the list");
        assert_eq!(snap.get("c"), Some(&("c".to_string(), 7)));
    }

    #[tokio::test]
    async fn a_failed_or_abandoned_list_sends_waiters_to_get() {
        let l = list();
        let t0 = Instant::now();
        let _g = l.begin("a", t0);
        let Step::List(leader) = l.begin("b", t0) else {
            panic!("expected a list");
        };
        let Step::Wait(waiter) = l.begin("c", t0) else {
            panic!("expected to wait");
        };
        assert!(leader.finish(None, key, t0).is_none());
        assert!(waiter.wait().await.is_none());
        // Nothing cached: the next read in the burst lists again.
        let Step::List(leader) = l.begin("d", t0 + ms(1)) else {
            panic!("expected a new list");
        };
        let Step::Wait(waiter) = l.begin("e", t0 + ms(1)) else {
            panic!("expected to wait");
        };
        drop(leader);
        assert!(waiter.wait().await.is_none());
        assert_eq!(kind(&l.begin("f", t0 + ms(2))), "list");
    }

    #[tokio::test]
    async fn a_write_invalidates_the_fresh_list_and_the_list_in_flight() {
        let l = list();
        let t0 = Instant::now();
        let _g = l.begin("a", t0);
        let Step::List(leader) = l.begin("b", t0) else {
            panic!("expected a list");
        };
        leader.finish(items(&["a", "b"], 1), key, t0);
        l.invalidate();
        // The fresh list no longer serves: the read (in a burst) lists anew.
        let Step::List(leader) = l.begin("a", t0 + ms(1)) else {
            panic!("expected a new list after the write");
        };
        let Step::Wait(early) = l.begin("b", t0 + ms(1)) else {
            panic!("expected to wait");
        };
        // A write while that list is in flight: later reads do not join it...
        l.invalidate();
        assert_eq!(kind(&l.begin("b", t0 + ms(2))), "list");
        // ...and its answer, maybe from before the write, is not kept for later reads.
        leader.finish(items(&["a", "b"], 2), key, t0 + ms(3));
        assert!(early.wait().await.is_some());
        assert!(!matches!(l.begin("a", t0 + ms(4)), Step::Hit(_)));
    }
}
