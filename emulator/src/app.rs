//! The emulator's shared state: the store, the clock, settings and the in-memory helpers
//! (faults, traffic, boot timers) that do not need to survive a restart.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use std::time::{Duration, Instant};

use rand::Rng;
use rand::distr::Alphanumeric;

use crate::billing;
use crate::clock::{Clock, ClockState, real_now};
use crate::error::{ApiError, ApiResult};
use crate::exec::ExecMode;
use crate::faults::Faults;
use crate::model::{self, BudgetNames, PAID_TOPUP_MICROS, Revision, Tier};
use crate::objects::Workspace;
use crate::store::{Store, Tx};
use crate::traffic::Traffic;

const META_CLOCK: &str = "clock";
const META_SECRET: &str = "signing_secret";
const META_DEFAULT_KEY: &str = "default_api_key";
const META_REVISION: &str = "api_revision";
const META_BUDGET_NAMES: &str = "budget_names";

/// The workspace the emulator makes (or adopts) at startup and after a reset.
#[derive(Debug, Clone)]
pub struct DefaultWorkspace {
    pub api_key: Option<String>,
    pub tier: Tier,
    pub wallet_micros: i64,
    /// Lifetime top-ups; `None`: what the tier implies.
    pub topups_micros: Option<i64>,
    pub instance_limit: Option<i64>,
}

impl DefaultWorkspace {
    fn workspace(&self, key: String, created: i64) -> Workspace {
        Workspace {
            api_key: key,
            topups_total: self
                .topups_micros
                .unwrap_or_else(|| topups_for_tier(self.tier, 0)),
            wallet_micros: self.wallet_micros,
            instance_limit: self.instance_limit,
            created,
            shared_enabled: false,
            ip_allowlist: Vec::new(),
            suspended: false,
        }
    }
}

/// `tier: "free"` means no top-up yet; `"paid"` at least the smallest one (8.2).
pub fn topups_for_tier(tier: Tier, current: i64) -> i64 {
    match tier {
        Tier::Free => 0,
        Tier::Paid => current.max(PAID_TOPUP_MICROS),
    }
}

/// The run-time configuration of `GET`/`POST /_emulator/config` (8.1), kept in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeConfig {
    /// `reject`: the 2026-08-21 plane refuses `Authorization: Bearer`.
    pub plane_bearer_reject: bool,
    pub plane_host: String,
    pub domain_verify_polls: i64,
    /// Emulator-clock seconds a build spends in `building` (None: until the control route).
    pub build_seconds: Option<i64>,
    pub ingest_seconds: i64,
    pub ingest_delay_ms: u64,
    pub wake_seconds: i64,
    pub integrations_available: bool,
}

impl RuntimeConfig {
    pub fn new(plane_host: String) -> RuntimeConfig {
        RuntimeConfig {
            plane_bearer_reject: false,
            plane_host,
            domain_verify_polls: 1,
            build_seconds: Some(3),
            ingest_seconds: 1,
            ingest_delay_ms: 0,
            wake_seconds: 2,
            integrations_available: true,
        }
    }
}

pub struct Settings {
    /// `--api-revision`: wins over the stored one, and is stored.
    pub api_revision: Option<Revision>,
    /// `--budget-names`: an explicit override, stored.
    pub budget_names: Option<BudgetNames>,
    pub plane_host: String,
    pub boot_delay: Duration,
    pub exec_mode: ExecMode,
    pub exec_root: PathBuf,
    pub default_workspace: DefaultWorkspace,
}

pub struct App {
    pub store: Store,
    pub settings: Settings,
    /// `http://HOST:PORT` of the bound listener; instance URLs hang off it.
    pub base_url: String,
    /// The port of `base_url`, which every 2026-08-21 plane URL carries.
    pub port: u16,
    pub faults: Faults,
    pub traffic: Traffic,
    clock: Clock,
    revision: Mutex<Revision>,
    /// An explicit budget-names override (else the revision's names).
    budget_names: Mutex<Option<BudgetNames>>,
    config: Mutex<RuntimeConfig>,
    /// The emulator-hour of the last store-wide meter settle.
    settled_hour: Mutex<Option<i64>>,
    boots: Mutex<HashMap<String, Instant>>,
    secret: Mutex<String>,
    default_key: Mutex<String>,
}

pub fn random_alnum(n: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(n)
        .map(char::from)
        .collect()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl App {
    /// Builds the state over an opened store and makes sure the default workspace exists.
    pub fn new(store: Store, settings: Settings, base_url: String) -> ApiResult<App> {
        let port = base_url
            .rsplit_once(':')
            .and_then(|(_, p)| p.trim_end_matches('/').parse().ok())
            .unwrap_or(80);
        let config = RuntimeConfig::new(settings.plane_host.clone());
        let app = App {
            store,
            settings,
            base_url,
            port,
            faults: Faults::default(),
            traffic: Traffic::default(),
            clock: Clock::default(),
            revision: Mutex::new(Revision::R20260625),
            budget_names: Mutex::new(None),
            config: Mutex::new(config),
            settled_hour: Mutex::new(None),
            boots: Mutex::new(HashMap::new()),
            secret: Mutex::new(String::new()),
            default_key: Mutex::new(String::new()),
        };
        app.bootstrap()?;
        Ok(app)
    }

    /// Loads the persisted clock and signing secret and adopts or creates the default workspace.
    fn bootstrap(&self) -> ApiResult<()> {
        let dw = self.settings.default_workspace.clone();
        let (cli_rev, cli_names) = (self.settings.api_revision, self.settings.budget_names);
        let (clock, secret, key, rev, names) = self.store.with(|tx| {
            let clock = tx
                .meta_get(META_CLOCK)?
                .map(|v| ClockState::decode(&v))
                .unwrap_or_default();
            let secret = match tx.meta_get(META_SECRET)? {
                Some(s) => s,
                None => {
                    let s = random_alnum(32);
                    tx.meta_set(META_SECRET, &s)?;
                    s
                }
            };
            // Without --api-key the default key is made once per database and then reused.
            let key = match (&dw.api_key, tx.meta_get(META_DEFAULT_KEY)?) {
                (Some(k), _) => k.clone(),
                (None, Some(k)) => k,
                (None, None) => format!("sk_live_{}", random_alnum(24)),
            };
            tx.meta_set(META_DEFAULT_KEY, &key)?;
            if tx.workspace(&key)?.is_none() {
                tx.save_workspace(&dw.workspace(key.clone(), clock.now(real_now())))?;
            }
            // An explicit flag wins and is stored; else the stored value; else 2026-06-25.
            let stored_rev = tx
                .meta_get(META_REVISION)?
                .and_then(|r| Revision::parse(&r));
            let rev = cli_rev.or(stored_rev).unwrap_or(Revision::R20260625);
            tx.meta_set(META_REVISION, rev.as_str())?;
            let names = match cli_names {
                Some(n) => {
                    tx.meta_set(META_BUDGET_NAMES, n.as_str())?;
                    Some(n)
                }
                None => tx
                    .meta_get(META_BUDGET_NAMES)?
                    .and_then(|n| BudgetNames::parse(&n)),
            };
            Ok((clock, secret, key, rev, names))
        })?;
        self.clock.set_state(clock);
        *lock(&self.revision) = rev;
        *lock(&self.budget_names) = names;
        *lock(&self.secret) = secret;
        *lock(&self.default_key) = key;
        Ok(())
    }

    pub fn default_key(&self) -> String {
        lock(&self.default_key).clone()
    }

    pub fn secret(&self) -> String {
        lock(&self.secret).clone()
    }

    /// The emulator's clock: real time plus the offset moved by `POST /_emulator/clock`.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn clock_state(&self) -> ClockState {
        self.clock.state()
    }

    /// The revision requests are served under now.
    pub fn revision(&self) -> Revision {
        *lock(&self.revision)
    }

    pub fn config(&self) -> RuntimeConfig {
        lock(&self.config).clone()
    }

    /// The host suffix of plane URLs (read on every request by the host router).
    pub fn plane_host(&self) -> String {
        lock(&self.config).plane_host.clone()
    }

    pub fn set_config(&self, c: RuntimeConfig) {
        *lock(&self.config) = c;
    }

    /// Whether a store-wide settle is due this emulator-hour (once per started hour).
    fn hour_due(&self, now: i64) -> bool {
        let hour = now.div_euclid(3600);
        let mut last = lock(&self.settled_hour);
        if *last == Some(hour) {
            return false;
        }
        *last = Some(hour);
        true
    }

    /// Runs `f` in one transaction after bringing the time-driven state up to now (renewals
    /// and budgets; under 2026-08-21 also idle sleep, wakes, builds and the hourly settle).
    pub fn tx<T>(&self, f: impl FnOnce(&mut Tx<'_>, i64) -> ApiResult<T>) -> ApiResult<T> {
        let rev = self.revision();
        let now = self.now();
        let hourly = rev.is_v2() && self.hour_due(now);
        self.store.with_ctx(now, rev.is_v2(), |tx| {
            billing::tick(tx, now, rev, hourly)?;
            let out = f(tx, now)?;
            if tx.went_negative && rev.is_v2() {
                billing::suspend_negative(tx, now)?;
            }
            Ok(out)
        })
    }

    /// Switches the served revision (8.2): to 2026-06-25 wakes sleepers and restarts the
    /// prepaid days without a debit; to 2026-08-21 anchors every meter now. Stored.
    pub fn set_revision(&self, next: Revision) -> ApiResult<()> {
        let current = self.revision();
        let now = self.now();
        self.store.with_ctx(now, current.is_v2(), |tx| {
            tx.meta_set(META_REVISION, next.as_str())?;
            if next == current {
                return Ok(());
            }
            billing::switch(tx, now, next)
        })?;
        *lock(&self.revision) = next;
        Ok(())
    }

    /// Freezes/unfreezes and moves the clock forward, then runs what came due (renewals,
    /// past due, month rollover). Done under the store lock so no operation sees half of it.
    pub fn move_clock(&self, frozen: Option<bool>, advance: i64) -> ApiResult<i64> {
        if advance < 0 {
            return Err(ApiError::invalid("advance_seconds must be ≥ 0"));
        }
        let rev = self.revision();
        self.store.with(|tx| {
            if let Some(f) = frozen {
                self.clock.set_frozen(f);
            }
            let state = self.clock.advance(advance);
            tx.meta_set(META_CLOCK, &state.encode())?;
            let now = self.now();
            tx.now = now;
            tx.metered = rev.is_v2();
            let hourly = rev.is_v2() && self.hour_due(now);
            billing::tick(tx, now, rev, hourly)?;
            if tx.went_negative && rev.is_v2() {
                billing::suspend_negative(tx, now)?;
            }
            Ok(now)
        })
    }

    /// The budget field names served: an explicit override, else the revision's.
    pub fn budget_names(&self) -> BudgetNames {
        lock(&self.budget_names).unwrap_or(if self.revision().is_v2() {
            BudgetNames::Credit
        } else {
            BudgetNames::Topup
        })
    }

    /// Sets (Some) or clears (None) the explicit budget-names override; stored.
    pub fn set_budget_names(&self, names: Option<BudgetNames>) -> ApiResult<()> {
        self.store.with(|tx| match names {
            Some(n) => tx.meta_set(META_BUDGET_NAMES, n.as_str()),
            None => tx.meta_delete(META_BUDGET_NAMES),
        })?;
        *lock(&self.budget_names) = names;
        Ok(())
    }

    /// Starts the boot delay of an instance (create, start, restart, update, resize).
    pub fn mark_booting(&self, id: &str) {
        if !self.settings.boot_delay.is_zero() {
            lock(&self.boots).insert(id.to_string(), Instant::now() + self.settings.boot_delay);
        }
    }

    pub fn is_booting(&self, id: &str) -> bool {
        let mut boots = lock(&self.boots);
        match boots.get(id) {
            Some(until) if Instant::now() < *until => true,
            Some(_) => {
                boots.remove(id);
                false
            }
            None => false,
        }
    }

    /// Drops all state, then recreates the default workspace with its startup key and settings.
    pub fn reset(&self) -> ApiResult<()> {
        let key = self.default_key();
        let secret = self.secret();
        let dw = self.settings.default_workspace.clone();
        let rev = self.revision();
        let names = *lock(&self.budget_names);
        self.store.with(|tx| {
            tx.clear_all()?;
            tx.meta_set(META_SECRET, &secret)?;
            tx.meta_set(META_DEFAULT_KEY, &key)?;
            // The revision and an explicit budget-names choice are configuration, not objects.
            tx.meta_set(META_REVISION, rev.as_str())?;
            if let Some(n) = names {
                tx.meta_set(META_BUDGET_NAMES, n.as_str())?;
            }
            tx.save_workspace(&dw.workspace(key.clone(), real_now()))
        })?;
        *lock(&self.settled_hour) = None;
        self.clock.set_state(ClockState::default());
        self.faults.clear();
        self.faults.reset_injected();
        self.traffic.reset();
        lock(&self.boots).clear();
        Ok(())
    }

    /// Authenticates a key: its workspace, or 401.
    pub fn authenticate(&self, key: Option<&str>) -> ApiResult<Workspace> {
        let bad = || ApiError::InvalidApiKey("missing, malformed or unknown API key".into());
        let key = key.filter(|k| model::is_valid_api_key(k)).ok_or_else(bad)?;
        let known = self.store.with(|tx| tx.workspace(key))?;
        known.ok_or_else(bad)
    }
}
