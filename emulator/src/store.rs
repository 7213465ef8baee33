//! SQLite persistence. One connection behind a mutex and one transaction per operation:
//! operations are serialized, so limits hold exactly under parallel requests and a failed
//! operation leaves nothing half-written.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};
use crate::model::{self, Budget, Resources, Status, Tier};
use crate::objects::{Instance, Workspace, WorkspaceTemplate};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS workspaces (
    api_key TEXT PRIMARY KEY,
    tier TEXT NOT NULL,
    wallet_micros INTEGER NOT NULL,
        instance_limit INTEGER,
    created INTEGER NOT NULL,
    -- Aggregates over the live instances, kept by save_instance and recomputed at open,
    -- so the limit and 30-day checks of a create cost O(1) however big the fleet.
    live_count INTEGER NOT NULL DEFAULT 0,
    fleet_day_micros INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS instances (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    workspace TEXT NOT NULL,
    status TEXT NOT NULL,
    template TEXT NOT NULL,
    image_ref TEXT NOT NULL,
    agent TEXT NOT NULL,
    cpu INTEGER NOT NULL,
    memory INTEGER NOT NULL,
    disk INTEGER NOT NULL,
    ports TEXT NOT NULL,
    user_tag TEXT,
    label TEXT,
    metadata TEXT,
    paid_through INTEGER,
    past_due INTEGER NOT NULL,
    created INTEGER NOT NULL,
    day_paid_micros INTEGER NOT NULL,
    monthly_cap INTEGER NOT NULL,
    monthly_consumed INTEGER NOT NULL,
    monthly_period TEXT NOT NULL,
    topup_remaining INTEGER NOT NULL,
    budget_updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS instances_by_workspace ON instances (workspace, status);
CREATE INDEX IF NOT EXISTS instances_by_seq ON instances (seq);
CREATE INDEX IF NOT EXISTS instances_by_due ON instances (paid_through);
CREATE TABLE IF NOT EXISTS templates (
    workspace TEXT NOT NULL,
    name TEXT NOT NULL,
    image_ref TEXT NOT NULL,
    description TEXT,
    ports TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    PRIMARY KEY (workspace, name)
);
CREATE TABLE IF NOT EXISTS topup_keys (
    instance_id TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (instance_id, key)
);
CREATE TABLE IF NOT EXISTS usage (
    instance_id TEXT NOT NULL,
    period TEXT NOT NULL,
    service TEXT NOT NULL,
    cost_micros INTEGER NOT NULL,
    calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    PRIMARY KEY (instance_id, period, service)
);
CREATE TABLE IF NOT EXISTS system_images (name TEXT PRIMARY KEY, image_ref TEXT NOT NULL);
";

/// One day of compute in SQL: the same half-up formula as `model::day_cost_micros`
/// (integer division of non-negative integers truncates, so `(x + 365) / 730` rounds half-up).
const SQL_DAY_COST: &str = "((800000 * cpu + 700000 * memory + 90000 * disk) * 24 + 365) / 730";

const RECOMPUTE_AGGREGATES: &str = "
UPDATE workspaces SET
    live_count = (SELECT COUNT(*) FROM instances i
                  WHERE i.workspace = workspaces.api_key AND i.status != 'deleted'),
    fleet_day_micros = (SELECT COALESCE(SUM(((800000 * cpu + 700000 * memory + 90000 * disk) * 24 + 365) / 730), 0)
                        FROM instances i
                        WHERE i.workspace = workspaces.api_key AND i.status != 'deleted');
";

const INSTANCE_COLS: &str = "id, seq, workspace, status, template, image_ref, agent, cpu, memory, \
    disk, ports, user_tag, label, metadata, paid_through, past_due, created, day_paid_micros, \
    monthly_cap, monthly_consumed, monthly_period, topup_remaining, budget_updated_at";

pub struct Store {
    inner: Mutex<Inner>,
}

struct Inner {
    conn: Connection,
    /// The month the budget counters were last rolled to, so the rollover UPDATE runs once a month.
    rolled_period: Option<String>,
}

/// The layout version of the database, kept in SQLite's `user_version`. Bump it whenever
/// `SCHEMA` changes in a way an older file cannot follow.
const SCHEMA_VERSION: i64 = 1;

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
    /// Opens (and creates) the database at `path`, or an in-memory one.
    pub fn open(path: Option<&Path>) -> Result<Store, OpenError> {
        let conn = match path {
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
        // A file from before versioning (tables, but version 0) is another layout too.
        if (has_tables || found != 0) && found != SCHEMA_VERSION {
            return Err(OpenError::Incompatible { found });
        }
        conn.execute_batch(SCHEMA)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        conn.execute_batch(RECOMPUTE_AGGREGATES)?;
        Ok(Store {
            inner: Mutex::new(Inner {
                conn,
                rolled_period: None,
            }),
        })
    }

    /// Runs `f` in one transaction: committed when it returns Ok, rolled back otherwise.
    pub fn with<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> ApiResult<T>) -> ApiResult<T> {
        // A panic elsewhere while holding the lock leaves the connection usable: SQLite rolls
        // back the unfinished transaction when it is dropped.
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let inner = &mut *guard;
        let tx = inner.conn.transaction()?;
        let mut t = Tx {
            tx,
            rolled_period: &mut inner.rolled_period,
        };
        let out = f(&mut t)?;
        t.tx.commit()?;
        Ok(out)
    }
}

pub struct Tx<'a> {
    tx: rusqlite::Transaction<'a>,
    rolled_period: &'a mut Option<String>,
}

fn internal(msg: String) -> ApiError {
    ApiError::Internal(msg)
}

fn row_to_workspace(row: &Row<'_>) -> rusqlite::Result<(String, String, i64, Option<i64>, i64)> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

fn workspace_from(parts: (String, String, i64, Option<i64>, i64)) -> ApiResult<Workspace> {
    let (api_key, tier, wallet_micros, instance_limit, created) = parts;
    let tier = Tier::parse(&tier).ok_or_else(|| internal(format!("stored tier {tier:?}")))?;
    Ok(Workspace {
        api_key,
        tier,
        wallet_micros,
        instance_limit,
        created,
    })
}

/// Raw instance row, decoded into an `Instance` outside rusqlite's closure so that bad
/// stored values become errors rather than panics.
struct InstanceRow {
    id: String,
    seq: i64,
    workspace: String,
    status: String,
    template: String,
    image_ref: String,
    agent: String,
    cpu: i64,
    memory: i64,
    disk: i64,
    ports: String,
    user: Option<String>,
    name: Option<String>,
    metadata: Option<String>,
    paid_through: Option<i64>,
    past_due: bool,
    created: i64,
    day_paid_micros: i64,
    monthly_cap: i64,
    monthly_consumed: i64,
    monthly_period: String,
    topup_remaining: i64,
    budget_updated_at: i64,
}

fn read_instance_row(row: &Row<'_>) -> rusqlite::Result<InstanceRow> {
    Ok(InstanceRow {
        id: row.get(0)?,
        seq: row.get(1)?,
        workspace: row.get(2)?,
        status: row.get(3)?,
        template: row.get(4)?,
        image_ref: row.get(5)?,
        agent: row.get(6)?,
        cpu: row.get(7)?,
        memory: row.get(8)?,
        disk: row.get(9)?,
        ports: row.get(10)?,
        user: row.get(11)?,
        name: row.get(12)?,
        metadata: row.get(13)?,
        paid_through: row.get(14)?,
        past_due: row.get(15)?,
        created: row.get(16)?,
        day_paid_micros: row.get(17)?,
        monthly_cap: row.get(18)?,
        monthly_consumed: row.get(19)?,
        monthly_period: row.get(20)?,
        topup_remaining: row.get(21)?,
        budget_updated_at: row.get(22)?,
    })
}

impl InstanceRow {
    fn decode(self) -> ApiResult<Instance> {
        let status = Status::parse(&self.status)
            .ok_or_else(|| internal(format!("stored status {:?}", self.status)))?;
        let ports: Value = serde_json::from_str(&self.ports)?;
        let metadata: Option<Map<String, Value>> = match self.metadata {
            Some(text) => Some(serde_json::from_str(&text)?),
            None => None,
        };
        Ok(Instance {
            id: self.id,
            seq: self.seq,
            workspace: self.workspace,
            status,
            template: self.template,
            image_ref: self.image_ref,
            agent: self.agent,
            resources: Resources {
                cpu: self.cpu,
                memory: self.memory,
                disk: self.disk,
            },
            ports: model::ports_from_json(&ports),
            user: self.user,
            name: self.name,
            metadata,
            paid_through: self.paid_through,
            past_due: self.past_due,
            created: self.created,
            day_paid_micros: self.day_paid_micros,
            budget: Budget {
                monthly_cap: self.monthly_cap,
                monthly_consumed: self.monthly_consumed,
                monthly_period: self.monthly_period,
                topup_remaining: self.topup_remaining,
                updated_at: self.budget_updated_at,
            },
        })
    }
}

/// Usage counters of one service in one month.
#[derive(Debug, Clone, Copy, Default)]
pub struct UsageRow {
    pub cost_micros: i64,
    pub calls: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
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
        self.tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    // ------------------------------------------------------------ workspaces

    pub fn workspace(&self, key: &str) -> ApiResult<Option<Workspace>> {
        let parts = self
            .tx
            .prepare_cached(
                "SELECT api_key, tier, wallet_micros, instance_limit, created
                 FROM workspaces WHERE api_key = ?1",
            )?
            .query_row([key], row_to_workspace)
            .optional()?;
        parts.map(workspace_from).transpose()
    }

    pub fn workspaces(&self) -> ApiResult<Vec<Workspace>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT api_key, tier, wallet_micros, instance_limit, created
             FROM workspaces ORDER BY created, api_key",
        )?;
        let rows = stmt
            .query_map([], row_to_workspace)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(workspace_from).collect()
    }

    pub fn save_workspace(&self, w: &Workspace) -> ApiResult<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO workspaces (api_key, tier, wallet_micros, instance_limit, created)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (api_key) DO UPDATE SET tier = excluded.tier,
                   wallet_micros = excluded.wallet_micros, instance_limit = excluded.instance_limit",
            )?
            .execute(params![w.api_key, w.tier.as_str(), w.wallet_micros, w.instance_limit, w.created])?;
        Ok(())
    }

    // ------------------------------------------------------------ instances

    pub fn instance(&self, id: &str) -> ApiResult<Option<Instance>> {
        let sql = format!("SELECT {INSTANCE_COLS} FROM instances WHERE id = ?1");
        let row = self
            .tx
            .prepare_cached(&sql)?
            .query_row([id], read_instance_row)
            .optional()?;
        row.map(InstanceRow::decode).transpose()
    }

    /// The workspace's instance `id`; deleted and foreign ones answer like missing ones.
    pub fn live_instance(&self, workspace: &str, id: &str) -> ApiResult<Instance> {
        if !model::is_valid_instance_id(id) {
            return Err(ApiError::not_found(format_args!("instance {id:?}")));
        }
        match self.instance(id)? {
            Some(i) if i.workspace == workspace && i.status != Status::Deleted => Ok(i),
            _ => Err(ApiError::not_found(format_args!("instance {id:?}"))),
        }
    }

    fn query_instances(&self, sql: &str, p: impl rusqlite::Params) -> ApiResult<Vec<Instance>> {
        let mut stmt = self.tx.prepare_cached(sql)?;
        let rows = stmt
            .query_map(p, read_instance_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(InstanceRow::decode).collect()
    }

    /// The workspace's instances that are not deleted, newest first.
    pub fn live_instances(&self, workspace: &str) -> ApiResult<Vec<Instance>> {
        let sql = format!(
            "SELECT {INSTANCE_COLS} FROM instances WHERE workspace = ?1 AND status != 'deleted'
             ORDER BY created DESC, seq DESC"
        );
        self.query_instances(&sql, [workspace])
    }

    /// How many live (not deleted) instances the workspace has.
    pub fn count_live(&self, workspace: &str) -> ApiResult<i64> {
        Ok(self.aggregates(workspace)?.0)
    }

    /// One day of compute summed over the workspace's live instances.
    pub fn fleet_day_cost(&self, workspace: &str) -> ApiResult<i64> {
        Ok(self.aggregates(workspace)?.1)
    }

    fn aggregates(&self, workspace: &str) -> ApiResult<(i64, i64)> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT live_count, fleet_day_micros FROM workspaces WHERE api_key = ?1",
            )?
            .query_row([workspace], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, 0)))
    }

    /// Moves the workspace aggregates by what the stored row of `i.id` contributed and what
    /// `i` will contribute (a live instance counts once and with its day cost).
    fn adjust_aggregates(&self, i: &Instance) -> ApiResult<()> {
        let old: Option<(String, String, i64)> = self
            .tx
            .prepare_cached(&format!(
                "SELECT workspace, status, {SQL_DAY_COST} FROM instances WHERE id = ?1"
            ))?
            .query_row([&i.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let old = old.and_then(|(ws, status, day)| {
            (status != Status::Deleted.as_str()).then_some((ws, day))
        });
        let new = (i.status != Status::Deleted).then(|| (i.workspace.clone(), i.day_cost()));
        if old == new {
            return Ok(());
        }
        let mut bump = self.tx.prepare_cached(
            "UPDATE workspaces SET live_count = live_count + ?2, fleet_day_micros = fleet_day_micros + ?3
             WHERE api_key = ?1",
        )?;
        if let Some((ws, day)) = old {
            bump.execute(params![ws, -1, -day])?;
        }
        if let Some((ws, day)) = new {
            bump.execute(params![ws, 1, day])?;
        }
        Ok(())
    }

    pub fn id_taken(&self, id: &str) -> ApiResult<bool> {
        Ok(self
            .tx
            .prepare_cached("SELECT 1 FROM instances WHERE id = ?1")?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    pub fn next_seq(&self) -> ApiResult<i64> {
        Ok(self
            .tx
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) + 1 FROM instances")?
            .query_row([], |r| r.get(0))?)
    }

    pub fn save_instance(&self, i: &Instance) -> ApiResult<()> {
        self.adjust_aggregates(i)?;
        let ports = model::ports_to_json(&i.ports).to_string();
        let metadata = match &i.metadata {
            Some(m) => Some(serde_json::to_string(m)?),
            None => None,
        };
        let sql = format!(
            "INSERT OR REPLACE INTO instances ({INSTANCE_COLS}) VALUES
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
              ?19, ?20, ?21, ?22, ?23)"
        );
        self.tx.prepare_cached(&sql)?.execute(params![
            i.id,
            i.seq,
            i.workspace,
            i.status.as_str(),
            i.template,
            i.image_ref,
            i.agent,
            i.resources.cpu,
            i.resources.memory,
            i.resources.disk,
            ports,
            i.user,
            i.name,
            metadata,
            i.paid_through,
            i.past_due,
            i.created,
            i.day_paid_micros,
            i.budget.monthly_cap,
            i.budget.monthly_consumed,
            i.budget.monthly_period,
            i.budget.topup_remaining,
            i.budget.updated_at,
        ])?;
        Ok(())
    }

    /// Live, not past-due instances whose prepaid day has ended by `now`.
    pub fn due_instances(&self, now: i64) -> ApiResult<Vec<Instance>> {
        let sql = format!(
            "SELECT {INSTANCE_COLS} FROM instances
             WHERE paid_through <= ?1 AND status != 'deleted' AND past_due = 0
             ORDER BY paid_through, seq"
        );
        self.query_instances(&sql, [now])
    }

    /// Starts the budget counters of a new UTC month; cheap after the first call of a month.
    pub fn roll_month(&mut self, period: &str) -> ApiResult<()> {
        if self.rolled_period.as_deref() == Some(period) {
            return Ok(());
        }
        self.tx.execute(
            "UPDATE instances SET monthly_consumed = 0, monthly_period = ?1
             WHERE monthly_period != ?1 AND status != 'deleted'",
            [period],
        )?;
        *self.rolled_period = Some(period.to_string());
        Ok(())
    }

    // ------------------------------------------------------------ templates

    pub fn templates(&self, workspace: &str) -> ApiResult<Vec<WorkspaceTemplate>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT name, image_ref, description, ports, created, updated FROM templates
             WHERE workspace = ?1 ORDER BY name",
        )?;
        let rows = stmt
            .query_map([workspace], read_template_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().map(decode_template).collect()
    }

    pub fn template(&self, workspace: &str, name: &str) -> ApiResult<Option<WorkspaceTemplate>> {
        let row = self
            .tx
            .prepare_cached(
                "SELECT name, image_ref, description, ports, created, updated FROM templates
                 WHERE workspace = ?1 AND name = ?2",
            )?
            .query_row([workspace, name], read_template_row)
            .optional()?;
        row.map(decode_template).transpose()
    }

    pub fn insert_template(&self, workspace: &str, t: &WorkspaceTemplate) -> ApiResult<()> {
        self.tx.execute(
            "INSERT INTO templates (workspace, name, image_ref, description, ports, created, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                workspace,
                t.name,
                t.image_ref,
                t.description,
                model::ports_to_json(&t.ports).to_string(),
                t.created,
                t.updated
            ],
        )?;
        Ok(())
    }

    pub fn delete_template(&self, workspace: &str, name: &str) -> ApiResult<bool> {
        let n = self.tx.execute(
            "DELETE FROM templates WHERE workspace = ?1 AND name = ?2",
            [workspace, name],
        )?;
        Ok(n > 0)
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

    // ------------------------------------------------------------ system images

    pub fn system_image(&self, name: &str) -> ApiResult<Option<String>> {
        Ok(self
            .tx
            .prepare_cached("SELECT image_ref FROM system_images WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?)
    }

    pub fn set_system_image(&self, name: &str, image_ref: &str) -> ApiResult<()> {
        self.tx.execute(
            "INSERT INTO system_images (name, image_ref) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET image_ref = excluded.image_ref",
            [name, image_ref],
        )?;
        Ok(())
    }

    // ------------------------------------------------------------ reset

    /// Drops every object (the caller recreates the default workspace).
    pub fn clear_all(&mut self) -> ApiResult<()> {
        self.tx.execute_batch(
            "DELETE FROM meta; DELETE FROM workspaces; DELETE FROM instances; DELETE FROM templates;
             DELETE FROM topup_keys; DELETE FROM usage; DELETE FROM system_images;",
        )?;
        *self.rolled_period = None;
        Ok(())
    }
}

fn read_template_row(
    r: &Row<'_>,
) -> rusqlite::Result<(String, String, Option<String>, String, i64, i64)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn decode_template(
    (name, image_ref, description, ports, created, updated): (
        String,
        String,
        Option<String>,
        String,
        i64,
        i64,
    ),
) -> ApiResult<WorkspaceTemplate> {
    let ports: Value = serde_json::from_str(&ports)?;
    Ok(WorkspaceTemplate {
        name,
        image_ref,
        description,
        ports: model::ports_from_json(&ports),
        created,
        updated,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DAY, Port};

    fn instance(id: &str, seq: i64, r: Resources, status: Status) -> Instance {
        Instance {
            id: id.into(),
            seq,
            workspace: "ws".into(),
            status,
            template: "agent37-hermes".into(),
            image_ref: "acme/a:1".into(),
            agent: "hermes".into(),
            resources: r,
            ports: vec![Port {
                port: 3737,
                default: true,
            }],
            user: None,
            name: Some("n".into()),
            metadata: serde_json::from_str(r#"{"z":1,"a":2}"#).ok(),
            paid_through: Some(DAY),
            past_due: false,
            created: 0,
            day_paid_micros: 1,
            budget: Budget {
                monthly_cap: 1,
                monthly_consumed: 0,
                monthly_period: "2026-01".into(),
                topup_remaining: 2,
                updated_at: 0,
            },
        }
    }

    fn workspace(key: &str) -> Workspace {
        Workspace {
            api_key: key.into(),
            tier: Tier::Paid,
            wallet_micros: 0,
            instance_limit: None,
            created: 0,
        }
    }

    fn res(cpu: i64, memory: i64, disk: i64) -> Resources {
        Resources { cpu, memory, disk }
    }

    /// Live count and fleet day cost, straight from the rows.
    fn from_rows(tx: &Tx<'_>, ws: &str) -> (i64, i64) {
        let live: Vec<Instance> = tx.live_instances(ws).unwrap();
        (live.len() as i64, live.iter().map(Instance::day_cost).sum())
    }

    #[test]
    fn aggregates_follow_every_save_and_match_the_model() {
        let dir = std::env::temp_dir().join(format!("a37-store-test-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        let store = Store::open(Some(&dir)).unwrap();
        store
            .with(|tx| {
                tx.save_workspace(&workspace("ws"))?;
                tx.save_workspace(&workspace("other"))?;
                let shapes = [res(1, 3, 7), res(2, 4, 6), res(4, 8, 33), res(8, 16, 80)];
                for (n, r) in shapes.iter().enumerate() {
                    tx.save_instance(&instance(
                        &format!("id{n:08}"),
                        n as i64,
                        *r,
                        Status::Running,
                    ))?;
                }
                let all: i64 = shapes.iter().map(|r| model::day_cost_micros(*r)).sum();
                assert_eq!((tx.count_live("ws")?, tx.fleet_day_cost("ws")?), (4, all));
                // A status change that stays live changes nothing; a resize moves the cost.
                let mut i = tx.instance("id00000001")?.unwrap();
                i.status = Status::Stopped;
                tx.save_instance(&i)?;
                i.resources = res(4, 8, 20);
                tx.save_instance(&i)?;
                assert_eq!(tx.fleet_day_cost("ws")?, from_rows(tx, "ws").1);
                // Deleting removes it; a deleted row saved again stays out.
                i.status = Status::Deleted;
                tx.save_instance(&i)?;
                tx.save_instance(&i)?;
                assert_eq!(
                    (tx.count_live("ws")?, tx.fleet_day_cost("ws")?),
                    from_rows(tx, "ws")
                );
                assert_eq!(tx.count_live("ws")?, 3);
                // Moving an instance to another workspace moves its share.
                let mut j = tx.instance("id00000000")?.unwrap();
                j.workspace = "other".into();
                tx.save_instance(&j)?;
                assert_eq!(
                    (tx.count_live("other")?, tx.fleet_day_cost("other")?),
                    from_rows(tx, "other")
                );
                assert_eq!(
                    (tx.count_live("ws")?, tx.fleet_day_cost("ws")?),
                    from_rows(tx, "ws")
                );
                assert_eq!(tx.count_live("nobody")?, 0);
                Ok(())
            })
            .unwrap();
        let before = store
            .with(|tx| Ok((tx.aggregates("ws")?, tx.aggregates("other")?)))
            .unwrap();
        drop(store);
        // Recomputed at open from the rows: the same figures.
        let reopened = Store::open(Some(&dir)).unwrap();
        let after = reopened
            .with(|tx| Ok((tx.aggregates("ws")?, tx.aggregates("other")?)))
            .unwrap();
        assert_eq!(before, after);
        drop(reopened);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", dir.display()));
        }
    }

    #[test]
    fn instances_round_trip_and_failed_transactions_roll_back() {
        let store = Store::open(None).unwrap();
        let r = Resources {
            cpu: 2,
            memory: 4,
            disk: 6,
        };
        let inst = instance("abcdefghij", 1, r, Status::Stopped);
        store.with(|tx| tx.save_instance(&inst)).unwrap();
        let back = store.with(|tx| tx.instance("abcdefghij")).unwrap().unwrap();
        assert_eq!(back.to_json("http://h"), inst.to_json("http://h"));
        assert_eq!(back.budget, inst.budget);
        let err: ApiResult<()> = store.with(|tx| {
            tx.save_instance(&instance("zzzzzzzzzz", 2, r, Status::Running))?;
            Err(ApiError::invalid("boom"))
        });
        assert!(err.is_err());
        assert!(
            store
                .with(|tx| tx.instance("zzzzzzzzzz"))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_file_of_another_layout_is_refused_with_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("emu-layout-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        {
            // A file from before versioning: the tables exist, user_version is 0.
            let c = Connection::open(&dir).unwrap();
            c.execute_batch("CREATE TABLE workspaces (api_key TEXT PRIMARY KEY);")
                .unwrap();
        }
        let err = Store::open(Some(&dir)).err().map(|e| e.to_string());
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("another version of the emulator")),
            "{err:?}"
        );
        std::fs::remove_file(&dir).unwrap();
        // A fresh file opens, and opens again.
        drop(Store::open(Some(&dir)).unwrap());
        drop(Store::open(Some(&dir)).unwrap());
        let _ = std::fs::remove_file(&dir);
    }
}
