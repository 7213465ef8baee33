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
use crate::model::{self, BudgetNames, Tier};
use crate::objects::Workspace;
use crate::store::{Store, Tx};
use crate::traffic::Traffic;

const META_CLOCK: &str = "clock";
const META_SECRET: &str = "signing_secret";
const META_DEFAULT_KEY: &str = "default_api_key";

/// The workspace the emulator makes (or adopts) at startup and after a reset.
#[derive(Debug, Clone)]
pub struct DefaultWorkspace {
    pub api_key: Option<String>,
    pub tier: Tier,
    pub wallet_micros: i64,
    pub instance_limit: Option<i64>,
}

pub struct Settings {
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
    pub faults: Faults,
    pub traffic: Traffic,
    clock: Clock,
    budget_names: Mutex<BudgetNames>,
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
    pub fn new(
        store: Store,
        settings: Settings,
        base_url: String,
        names: BudgetNames,
    ) -> ApiResult<App> {
        let app = App {
            store,
            settings,
            base_url,
            faults: Faults::default(),
            traffic: Traffic::default(),
            clock: Clock::default(),
            budget_names: Mutex::new(names),
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
        let (clock, secret, key) = self.store.with(|tx| {
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
                tx.save_workspace(&Workspace {
                    api_key: key.clone(),
                    tier: dw.tier,
                    wallet_micros: dw.wallet_micros,
                    instance_limit: dw.instance_limit,
                    created: clock.now(real_now()),
                })?;
            }
            Ok((clock, secret, key))
        })?;
        self.clock.set_state(clock);
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

    /// Runs `f` in one transaction after bringing renewals and budgets up to now.
    pub fn tx<T>(&self, f: impl FnOnce(&mut Tx<'_>, i64) -> ApiResult<T>) -> ApiResult<T> {
        self.store.with(|tx| {
            let now = self.now();
            billing::tick(tx, now)?;
            f(tx, now)
        })
    }

    /// Freezes/unfreezes and moves the clock forward, then runs what came due (renewals,
    /// past due, month rollover). Done under the store lock so no operation sees half of it.
    pub fn move_clock(&self, frozen: Option<bool>, advance: i64) -> ApiResult<i64> {
        if advance < 0 {
            return Err(ApiError::invalid("advance_seconds must be ≥ 0"));
        }
        self.store.with(|tx| {
            if let Some(f) = frozen {
                self.clock.set_frozen(f);
            }
            let state = self.clock.advance(advance);
            tx.meta_set(META_CLOCK, &state.encode())?;
            let now = self.now();
            billing::tick(tx, now)?;
            Ok(now)
        })
    }

    pub fn budget_names(&self) -> BudgetNames {
        *lock(&self.budget_names)
    }

    pub fn set_budget_names(&self, names: BudgetNames) {
        *lock(&self.budget_names) = names;
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
        self.store.with(|tx| {
            tx.clear_all()?;
            tx.meta_set(META_SECRET, &secret)?;
            tx.meta_set(META_DEFAULT_KEY, &key)?;
            tx.save_workspace(&Workspace {
                api_key: key.clone(),
                tier: dw.tier,
                wallet_micros: dw.wallet_micros,
                instance_limit: dw.instance_limit,
                created: real_now(),
            })
        })?;
        self.clock.set_state(ClockState::default());
        self.faults.clear();
        self.faults.reset_injected();
        self.traffic.reset();
        lock(&self.boots).clear();
        Ok(())
    }

    /// Authenticates a bearer key: its workspace, or 401.
    pub fn authenticate(&self, key: Option<&str>) -> ApiResult<String> {
        let bad = || ApiError::InvalidApiKey("missing, malformed or unknown API key".into());
        let key = key.filter(|k| model::is_valid_api_key(k)).ok_or_else(bad)?;
        let known = self.store.with(|tx| tx.workspace(key))?;
        known.map(|w| w.api_key).ok_or_else(bad)
    }
}
