//! SQLite persistence. One connection behind a mutex and one transaction per operation:
//! operations are serialized, so limits hold exactly under parallel requests and a failed
//! operation leaves nothing half-written. The layout is the superset both API revisions are
//! served from (`schema.rs`); a file of the first layout is migrated in place at open.

mod instances;
mod objects;
mod schema;
#[cfg(test)]
mod tests;

pub use schema::SCHEMA_VERSION;

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::clock::real_now;
use crate::error::{ApiError, ApiResult};
use crate::objects::Workspace;

const RECOMPUTE_AGGREGATES: &str = "
UPDATE workspaces SET
    live_count = (SELECT COUNT(*) FROM instances i
                  WHERE i.workspace = workspaces.api_key AND i.status != 'deleted'),
    fleet_day_micros = (SELECT COALESCE(SUM(((800000 * cpu + 700000 * memory + 90000 * disk) * 24 + 365) / 730), 0)
                        FROM instances i
                        WHERE i.workspace = workspaces.api_key AND i.status != 'deleted');
";

pub struct Store {
    inner: Mutex<Inner>,
}

struct Inner {
    conn: Connection,
    /// The month the budget counters were last rolled to, so the rollover UPDATE runs once a month.
    rolled_period: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "the database was written by another version of the emulator (layout {found}, this one uses {SCHEMA_VERSION}); remove it or pass a new --db path"
    )]
    Incompatible { found: i64 },
}

impl Store {
    /// Opens (and creates) the database at `path`, or an in-memory one; a file of the first
    /// layout is migrated in place.
    pub fn open(path: Option<&Path>) -> Result<Store, OpenError> {
        let mut conn = match path {
            Some(p) => {
                let c = Connection::open(p)?;
                // WAL: commits need no fsync of the whole file, which keeps creates fast.
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.pragma_update(None, "synchronous", "NORMAL")?;
                c
            }
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let has_tables: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'workspaces')",
            [],
            |r| r.get(0),
        )?;
        match (has_tables, found) {
            (_, SCHEMA_VERSION) | (false, 0) => {}
            (true, 1) => schema::migrate_v1(&mut conn, real_now())?,
            // A file from before versioning (tables, but version 0) is another layout too.
            _ => return Err(OpenError::Incompatible { found }),
        }
        conn.execute_batch(schema::SCHEMA)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        conn.execute_batch(RECOMPUTE_AGGREGATES)?;
        Ok(Store {
            inner: Mutex::new(Inner {
                conn,
                rolled_period: None,
            }),
        })
    }

    /// Runs `f` in one transaction at real time without the meter: committed when it returns
    /// Ok, rolled back otherwise.
    pub fn with<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> ApiResult<T>) -> ApiResult<T> {
        self.with_ctx(real_now(), false, f)
    }

    /// Runs `f` in one transaction at emulator time `now`; with `metered` (revision
    /// 2026-08-21), saving an instance settles its meter when its rate changes.
    pub fn with_ctx<T>(
        &self,
        now: i64,
        metered: bool,
        f: impl FnOnce(&mut Tx<'_>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        // A panic elsewhere while holding the lock leaves the connection usable: SQLite rolls
        // back the unfinished transaction when it is dropped.
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let inner = &mut *guard;
        let tx = inner.conn.transaction()?;
        let mut t = Tx {
            tx,
            rolled_period: &mut inner.rolled_period,
            now,
            metered,
            went_negative: false,
        };
        let out = f(&mut t)?;
        t.tx.commit()?;
        Ok(out)
    }
}

pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    rolled_period: &'a mut Option<String>,
    /// The emulator time of this operation.
    pub now: i64,
    /// Revision 2026-08-21: instances carry a per-minute meter.
    pub metered: bool,
    /// A settle in this transaction left some wallet below zero.
    pub went_negative: bool,
}

pub(crate) fn internal(msg: String) -> ApiError {
    ApiError::Internal(msg)
}

const WORKSPACE_COLS: &str = "api_key, topups_total_micros, wallet_micros, instance_limit, created, \
    shared_enabled, ip_allowlist, suspended";

fn read_workspace(r: &Row<'_>) -> rusqlite::Result<Workspace> {
    let allow: Option<String> = r.get(6)?;
    Ok(Workspace {
        api_key: r.get(0)?,
        topups_total: r.get(1)?,
        wallet_micros: r.get(2)?,
        instance_limit: r.get(3)?,
        created: r.get(4)?,
        shared_enabled: r.get(5)?,
        ip_allowlist: allow
            .and_then(|a| serde_json::from_str(&a).ok())
            .unwrap_or_default(),
        suspended: r.get(7)?,
    })
}

/// Usage counters of one service in one month.
#[derive(Debug, Clone, Copy, Default)]
pub struct UsageRow {
    pub cost_micros: i64,
    pub calls: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
}

/// A registry image as `/_emulator/images` declared it (or the defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageInfo {
    pub public: bool,
    pub platform: String,
    pub size_bytes: i64,
    pub digest: String,
}

impl Tx<'_> {
    // ------------------------------------------------------------ meta

    pub fn meta_get(&self, key: &str) -> ApiResult<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?)
    }

    pub fn meta_set(&self, key: &str, value: &str) -> ApiResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![key, value])?;
        Ok(())
    }

    pub fn meta_delete(&self, key: &str) -> ApiResult<()> {
        self.tx.execute("DELETE FROM meta WHERE key = ?1", [key])?;
        Ok(())
    }

    // ------------------------------------------------------------ workspaces

    pub fn workspace(&self, key: &str) -> ApiResult<Option<Workspace>> {
        Ok(self
            .tx
            .prepare_cached(&format!(
                "SELECT {WORKSPACE_COLS} FROM workspaces WHERE api_key = ?1"
            ))?
            .query_row([key], read_workspace)
            .optional()?)
    }

    pub fn workspaces(&self) -> ApiResult<Vec<Workspace>> {
        let mut stmt = self.tx.prepare_cached(&format!(
            "SELECT {WORKSPACE_COLS} FROM workspaces ORDER BY created, api_key"
        ))?;
        Ok(stmt
            .query_map([], read_workspace)?
            .collect::<Result<Vec<_>, _>>()?)
    }

    pub fn save_workspace(&mut self, w: &Workspace) -> ApiResult<()> {
        let allow = if w.ip_allowlist.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&w.ip_allowlist)?)
        };
        self.tx
            .prepare_cached(
                "INSERT INTO workspaces (api_key, tier, wallet_micros, instance_limit, created,
                   topups_total_micros, shared_enabled, ip_allowlist, suspended)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (api_key) DO UPDATE SET tier = excluded.tier,
                   wallet_micros = excluded.wallet_micros, instance_limit = excluded.instance_limit,
                   topups_total_micros = excluded.topups_total_micros,
                   shared_enabled = excluded.shared_enabled, ip_allowlist = excluded.ip_allowlist,
                   suspended = excluded.suspended",
            )?
            .execute(params![
                w.api_key,
                w.tier().as_str(),
                w.wallet_micros,
                w.instance_limit,
                w.created,
                w.topups_total,
                w.shared_enabled,
                allow,
                w.suspended
            ])?;
        if w.wallet_micros < 0 && !w.suspended {
            self.went_negative = true;
        }
        Ok(())
    }

    /// Debits a wallet by `micros` (relative, so a handler's copy of the workspace is never
    /// overwritten); notes when it went below zero.
    pub fn debit_wallet(&mut self, workspace: &str, micros: i64) -> ApiResult<()> {
        if micros == 0 {
            return Ok(());
        }
        let left: Option<i64> = self
            .tx
            .prepare_cached(
                "UPDATE workspaces SET wallet_micros = wallet_micros - ?2 WHERE api_key = ?1
                 RETURNING wallet_micros",
            )?
            .query_row(params![workspace, micros], |r| r.get(0))
            .optional()?;
        if left.is_some_and(|w| w < 0) {
            self.went_negative = true;
        }
        Ok(())
    }

    /// Workspaces whose wallet is below zero and that are not suspended yet.
    pub fn unsuspended_negative(&self) -> ApiResult<Vec<String>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT api_key FROM workspaces WHERE wallet_micros < 0 AND suspended = 0",
        )?;
        Ok(stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?)
    }

    // ------------------------------------------------------------ budgets and usage

    pub fn topup_key_seen(&self, instance: &str, key: &str) -> ApiResult<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM topup_keys WHERE instance_id = ?1 AND key = ?2")?
            .query_row([instance, key], |_| Ok(()))
            .optional()?
            .is_some())
    }

    pub fn remember_topup_key(&self, instance: &str, key: &str) -> ApiResult<()> {
        self.tx.execute(
            "INSERT OR IGNORE INTO topup_keys (instance_id, key) VALUES (?1, ?2)",
            [instance, key],
        )?;
        Ok(())
    }

    pub fn usage(&self, instance: &str, period: &str, service: &str) -> ApiResult<UsageRow> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT cost_micros, calls, input_tokens, output_tokens FROM usage
                 WHERE instance_id = ?1 AND period = ?2 AND service = ?3",
            )?
            .query_row([instance, period, service], |r| {
                Ok(UsageRow {
                    cost_micros: r.get(0)?,
                    calls: r.get(1)?,
                    input_tokens: r.get(2)?,
                    output_tokens: r.get(3)?,
                })
            })
            .optional()?
            .unwrap_or_default())
    }

    pub fn add_usage(
        &self,
        instance: &str,
        period: &str,
        service: &str,
        add: UsageRow,
    ) -> ApiResult<()> {
        self.tx.execute(
            "INSERT INTO usage (instance_id, period, service, cost_micros, calls, input_tokens, output_tokens)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (instance_id, period, service) DO UPDATE SET
               cost_micros = cost_micros + excluded.cost_micros,
               calls = calls + excluded.calls,
               input_tokens = input_tokens + excluded.input_tokens,
               output_tokens = output_tokens + excluded.output_tokens",
            params![instance, period, service, add.cost_micros, add.calls, add.input_tokens, add.output_tokens],
        )?;
        Ok(())
    }

    // ------------------------------------------------------------ system images and registry

    pub fn system_image(&self, name: &str) -> ApiResult<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT image_ref FROM system_images WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?)
    }

    /// Moves a system template to `image_ref` and publishes its tag for pins.
    pub fn set_system_image(&self, name: &str, image_ref: &str, tag: &str) -> ApiResult<()> {
        self.tx.execute(
            "INSERT INTO system_images (name, image_ref) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET image_ref = excluded.image_ref",
            [name, image_ref],
        )?;
        self.tx.execute(
            "INSERT INTO system_releases (name, tag, image_ref) VALUES (?1, ?2, ?3)
             ON CONFLICT (name, tag) DO UPDATE SET image_ref = excluded.image_ref",
            [name, tag, image_ref],
        )?;
        Ok(())
    }

    /// The image a published system tag names (the built-in release is not stored).
    pub fn system_release(&self, name: &str, tag: &str) -> ApiResult<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT image_ref FROM system_releases WHERE name = ?1 AND tag = ?2")?
            .query_row([name, tag], |r| r.get(0))
            .optional()?)
    }

    pub fn system_tags(&self, name: &str) -> ApiResult<Vec<String>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT tag FROM system_releases WHERE name = ?1 ORDER BY tag")?;
        Ok(stmt
            .query_map([name], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?)
    }

    pub fn declare_image(&self, image_ref: &str, i: &ImageInfo) -> ApiResult<()> {
        self.tx.execute(
            "INSERT INTO images (image_ref, public, platform, size_bytes, digest) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (image_ref) DO UPDATE SET public = excluded.public, platform = excluded.platform,
               size_bytes = excluded.size_bytes, digest = excluded.digest",
            params![image_ref, i.public, i.platform, i.size_bytes, i.digest],
        )?;
        Ok(())
    }

    pub fn image(&self, image_ref: &str) -> ApiResult<Option<ImageInfo>> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT public, platform, size_bytes, digest FROM images WHERE image_ref = ?1",
            )?
            .query_row([image_ref], |r| {
                Ok(ImageInfo {
                    public: r.get(0)?,
                    platform: r.get(1)?,
                    size_bytes: r.get(2)?,
                    digest: r.get(3)?,
                })
            })
            .optional()?)
    }

    // ------------------------------------------------------------ reset

    /// Drops every object (the caller recreates the default workspace).
    pub fn clear_all(&mut self) -> ApiResult<()> {
        self.tx.execute_batch(
            "DELETE FROM meta; DELETE FROM workspaces; DELETE FROM instances; DELETE FROM templates;
             DELETE FROM template_revisions; DELETE FROM topup_keys; DELETE FROM usage;
             DELETE FROM system_images; DELETE FROM system_releases; DELETE FROM images;
             DELETE FROM public_ports; DELETE FROM domains; DELETE FROM ssh_keys;
             DELETE FROM template_builds; DELETE FROM instance_logs; DELETE FROM connections;",
        )?;
        *self.rolled_period = None;
        Ok(())
    }

    /// The next value of a per-table insertion order.
    fn next_seq(&self, table: &str) -> ApiResult<i64> {
        Ok(self
            .tx
            .prepare_cached(&format!("SELECT COALESCE(MAX(seq), 0) + 1 FROM {table}"))?
            .query_row([], |r| r.get(0))?)
    }
}
