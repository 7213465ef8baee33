//! The database layout (version 2: the superset both revisions are served from) and the
//! in-place migration of a version-1 file (the layout before revision 2026-08-21).

use rusqlite::{Connection, params};
use serde_json::Value;

use crate::model;
use crate::objects::sha256_digest;

/// The layout version, kept in SQLite's `user_version`.
pub const SCHEMA_VERSION: i64 = 2;

pub const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS workspaces (
    api_key TEXT PRIMARY KEY,
    -- Derived from topups_total_micros (kept for readers of the first layout).
    tier TEXT NOT NULL,
    wallet_micros INTEGER NOT NULL,
    instance_limit INTEGER,
    created INTEGER NOT NULL,
    -- Aggregates over the live instances, kept by save_instance and recomputed at open,
    -- so the limit and 30-day checks of a create cost O(1) however big the fleet.
    live_count INTEGER NOT NULL DEFAULT 0,
    fleet_day_micros INTEGER NOT NULL DEFAULT 0,
    topups_total_micros INTEGER NOT NULL DEFAULT 0,
    shared_enabled INTEGER NOT NULL DEFAULT 0,
    ip_allowlist TEXT,
    suspended INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS instances (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    workspace TEXT NOT NULL,
    status TEXT NOT NULL,
    template TEXT NOT NULL,
    pin TEXT,
    template_revision INTEGER,
    image_ref TEXT,
    image_digest TEXT,
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
    budget_updated_at INTEGER NOT NULL,
    status_reason TEXT,
    kind TEXT NOT NULL DEFAULT 'dedicated',
    env TEXT,
    auto_sleep INTEGER NOT NULL DEFAULT 0,
    idle_timeout INTEGER NOT NULL DEFAULT 300,
    slept_at INTEGER,
    checkpoint_until INTEGER,
    wake_until INTEGER,
    last_activity INTEGER NOT NULL DEFAULT 0,
    extra TEXT,
    -- Kept by the store itself (save_instance), never by handlers:
    running_since INTEGER,
    first_run INTEGER,
    runs TEXT,
    boots INTEGER NOT NULL DEFAULT 0,
    meter_at INTEGER,
    due_at INTEGER
);
CREATE INDEX IF NOT EXISTS instances_by_workspace ON instances (workspace, status);
CREATE INDEX IF NOT EXISTS instances_by_seq ON instances (seq);
CREATE INDEX IF NOT EXISTS instances_by_renewal ON instances (paid_through);
CREATE INDEX IF NOT EXISTS instances_by_due ON instances (due_at);
CREATE TABLE IF NOT EXISTS templates (
    workspace TEXT NOT NULL,
    name TEXT NOT NULL,
    image_ref TEXT,
    description TEXT,
    ports TEXT NOT NULL,
    default_port INTEGER,
    revision INTEGER NOT NULL DEFAULT 1,
    image_digest TEXT,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    PRIMARY KEY (workspace, name)
);
CREATE TABLE IF NOT EXISTS template_revisions (
    workspace TEXT NOT NULL,
    name TEXT NOT NULL,
    revision INTEGER NOT NULL,
    image_digest TEXT NOT NULL,
    image_ref TEXT,
    created INTEGER NOT NULL,
    PRIMARY KEY (workspace, name, revision)
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
CREATE TABLE IF NOT EXISTS system_releases (
    name TEXT NOT NULL, tag TEXT NOT NULL, image_ref TEXT NOT NULL, PRIMARY KEY (name, tag)
);
CREATE TABLE IF NOT EXISTS images (
    image_ref TEXT PRIMARY KEY, public INTEGER NOT NULL, platform TEXT NOT NULL,
    size_bytes INTEGER NOT NULL, digest TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS public_ports (
    instance_id TEXT NOT NULL,
    port INTEGER NOT NULL,
    slug TEXT UNIQUE,
    prefix TEXT,
    label TEXT,
    created INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (instance_id, port)
);
CREATE TABLE IF NOT EXISTS domains (
    domain TEXT PRIMARY KEY, workspace TEXT NOT NULL, active INTEGER NOT NULL,
    created INTEGER NOT NULL, polls INTEGER NOT NULL, seq INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS domains_by_workspace ON domains (workspace, active);
CREATE TABLE IF NOT EXISTS ssh_keys (
    id TEXT PRIMARY KEY, workspace TEXT NOT NULL, name TEXT, key_type TEXT NOT NULL,
    fingerprint TEXT NOT NULL, created INTEGER NOT NULL, seq INTEGER NOT NULL,
    UNIQUE (workspace, fingerprint)
);
CREATE TABLE IF NOT EXISTS template_builds (
    id TEXT PRIMARY KEY, workspace TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
    size_bytes INTEGER NOT NULL, default_port TEXT, description TEXT,
    upload_len INTEGER, upload_digest TEXT, context TEXT,
    created INTEGER NOT NULL, started INTEGER, finished INTEGER, expires_at INTEGER NOT NULL,
    build_seconds INTEGER, ingest_seconds INTEGER NOT NULL,
    error_code TEXT, error_message TEXT, published_revision INTEGER, published_digest TEXT,
    fail_ingest INTEGER NOT NULL DEFAULT 0, tail_log TEXT NOT NULL DEFAULT '',
    sweep_at INTEGER
);
CREATE INDEX IF NOT EXISTS builds_by_sweep ON template_builds (sweep_at);
CREATE TABLE IF NOT EXISTS instance_logs (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS instance_logs_by_instance ON instance_logs (instance_id, seq);
CREATE TABLE IF NOT EXISTS connections (
    id TEXT PRIMARY KEY, instance_id TEXT NOT NULL, toolkit TEXT NOT NULL, status TEXT NOT NULL,
    auth_scheme TEXT NOT NULL, callback_url TEXT, created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL, seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS instance_files (
    instance_id TEXT NOT NULL, path TEXT NOT NULL, content BLOB NOT NULL,
    modified INTEGER NOT NULL, PRIMARY KEY (instance_id, path)
);
";

/// The first layout's instance columns, copied as they are.
const V1_INSTANCE_COLS: &str = "id, seq, workspace, status, template, image_ref, agent, cpu, \
    memory, disk, ports, user_tag, label, metadata, paid_through, past_due, created, \
    day_paid_micros, monthly_cap, monthly_consumed, monthly_period, topup_remaining, \
    budget_updated_at";

/// `(workspace, name, image_ref, description, ports, created, updated)` of the first layout.
type V1Template = (String, String, String, Option<String>, String, i64, i64);

/// Moves a version-1 database to version 2 in place (one transaction): workspaces get their
/// total top-ups from the tier, instances and templates are rebuilt with the new columns (their
/// image may now be null) and every template gets revision 1 with one `revisions` entry.
pub fn migrate_v1(conn: &mut Connection, now: i64) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(
        "ALTER TABLE workspaces ADD COLUMN topups_total_micros INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE workspaces ADD COLUMN shared_enabled INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE workspaces ADD COLUMN ip_allowlist TEXT;
         ALTER TABLE workspaces ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;
         UPDATE workspaces SET topups_total_micros = CASE tier WHEN 'paid' THEN 5000000 ELSE 0 END;
         DROP INDEX IF EXISTS instances_by_workspace;
         DROP INDEX IF EXISTS instances_by_seq;
         DROP INDEX IF EXISTS instances_by_due;
         ALTER TABLE instances RENAME TO instances_v1;
         ALTER TABLE templates RENAME TO templates_v1;",
    )?;
    tx.execute_batch(SCHEMA)?;
    // Every instance of the first layout was created running, so it has run; a running one
    // runs from the migration on (for metrics), and its idle timer starts now.
    tx.execute(
        &format!(
            "INSERT INTO instances ({V1_INSTANCE_COLS}, last_activity, running_since, first_run)
             SELECT {V1_INSTANCE_COLS}, ?1, CASE status WHEN 'running' THEN ?1 END, created
             FROM instances_v1"
        ),
        [now],
    )?;
    let old: Vec<V1Template> = {
        let mut stmt = tx.prepare(
            "SELECT workspace, name, image_ref, description, ports, created, updated FROM templates_v1",
        )?;
        stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?
        .collect::<Result<_, _>>()?
    };
    for (ws, name, image_ref, description, ports, created, updated) in old {
        let parsed: Value = serde_json::from_str(&ports).unwrap_or(Value::Null);
        let default_port = model::ports_from_json(&parsed)
            .iter()
            .find(|p| p.default)
            .map(|p| p.port);
        let digest = sha256_digest(image_ref.as_bytes());
        tx.execute(
            "INSERT INTO templates (workspace, name, image_ref, description, ports, default_port,
               revision, image_digest, created, updated)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1, ?7, ?8, ?9)",
            params![
                ws,
                name,
                image_ref,
                description,
                ports,
                default_port,
                digest,
                created,
                updated
            ],
        )?;
        tx.execute(
            "INSERT INTO template_revisions (workspace, name, revision, image_digest, image_ref, created)
             VALUES (?1, ?2, 1, ?3, ?4, ?5)",
            params![ws, name, digest, image_ref, updated],
        )?;
    }
    tx.execute_batch("DROP TABLE instances_v1; DROP TABLE templates_v1;")?;
    tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
    tx.commit()
}
