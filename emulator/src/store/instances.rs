//! Instance rows. `save_instance` is the one writer: besides the row it keeps the workspace
//! aggregates, the running periods (metrics), the boot log, the next time-driven event
//! (`due_at`) and, under revision 2026-08-21, settles the meter whenever the rate changes.

use rusqlite::{OptionalExtension, Row, params};
use serde_json::{Map, Value};

use super::{Tx, internal};
use crate::error::{ApiError, ApiResult};
use crate::model::{self, Budget, InstanceType, Resources, Status, StatusReason};
use crate::objects::{Extra, Instance, meter_rate};

/// One day of compute in SQL: the same half-up formula as `model::day_cost_micros`.
const SQL_DAY_COST: &str = "((800000 * cpu + 700000 * memory + 90000 * disk) * 24 + 365) / 730";

const COLS: &str = "id, seq, workspace, status, template, pin, template_revision, image_ref, \
    image_digest, agent, cpu, memory, disk, ports, user_tag, label, metadata, paid_through, \
    past_due, created, day_paid_micros, monthly_cap, monthly_consumed, monthly_period, \
    topup_remaining, budget_updated_at, status_reason, kind, env, auto_sleep, idle_timeout, \
    slept_at, checkpoint_until, wake_until, last_activity, extra, running_since, first_run, runs, boots";

/// Running periods older than this are dropped (metrics look back 336 hours at most).
const RUNS_KEPT_SECONDS: i64 = 15 * 86_400;

/// What the stored row says before a save: the inputs of the aggregates, the meter and the
/// running bookkeeping.
struct Before {
    workspace: String,
    status: Status,
    resources: Resources,
    past_due: bool,
    running_since: Option<i64>,
    first_run: Option<i64>,
    runs: Vec<(i64, i64)>,
    boots: i64,
    meter_at: Option<i64>,
}

fn opt_json<T: serde::de::DeserializeOwned>(s: Option<String>) -> ApiResult<Option<T>> {
    match s {
        Some(text) => Ok(Some(serde_json::from_str(&text)?)),
        None => Ok(None),
    }
}

fn decode(r: &Row<'_>) -> rusqlite::Result<Result<Instance, ApiError>> {
    let status: String = r.get(3)?;
    let ports: String = r.get(13)?;
    let metadata: Option<String> = r.get(16)?;
    let reason: Option<String> = r.get(26)?;
    let kind: String = r.get(27)?;
    let env: Option<String> = r.get(28)?;
    let extra: Option<String> = r.get(35)?;
    let runs: Option<String> = r.get(38)?;
    let boots: i64 = r.get(39)?;
    let base = (
        r.get::<_, String>(0)?,
        r.get::<_, i64>(1)?,
        r.get::<_, String>(2)?,
        r.get::<_, String>(4)?,
    );
    let row = RowRest {
        pin: r.get(5)?,
        template_revision: r.get(6)?,
        image_ref: r.get(7)?,
        image_digest: r.get(8)?,
        agent: r.get(9)?,
        resources: Resources {
            cpu: r.get(10)?,
            memory: r.get(11)?,
            disk: r.get(12)?,
        },
        user: r.get(14)?,
        name: r.get(15)?,
        paid_through: r.get(17)?,
        past_due: r.get(18)?,
        created: r.get(19)?,
        day_paid_micros: r.get(20)?,
        budget: Budget {
            monthly_cap: r.get(21)?,
            monthly_consumed: r.get(22)?,
            monthly_period: r.get(23)?,
            topup_remaining: r.get(24)?,
            updated_at: r.get(25)?,
        },
        auto_sleep: r.get(29)?,
        idle_timeout: r.get(30)?,
        slept_at: r.get(31)?,
        checkpoint_until: r.get(32)?,
        wake_until: r.get(33)?,
        last_activity: r.get(34)?,
        running_since: r.get(36)?,
        first_run: r.get(37)?,
    };
    Ok((|| {
        let status =
            Status::parse(&status).ok_or_else(|| internal(format!("stored status {status:?}")))?;
        let ports: Value = serde_json::from_str(&ports)?;
        let reason: Option<Value> = opt_json(reason)?;
        let status_reason = reason
            .map(|v| StatusReason::from_json(&v))
            .transpose()
            .map_err(internal)?;
        let mut extra: Extra = opt_json(extra)?.unwrap_or_default();
        extra.boots = boots;
        let (id, seq, workspace, template) = base;
        Ok(Instance {
            id,
            seq,
            workspace,
            status,
            template,
            pin: row.pin,
            template_revision: row.template_revision,
            image_ref: row.image_ref,
            image_digest: row.image_digest,
            agent: row.agent,
            resources: row.resources,
            ports: model::ports_from_json(&ports),
            user: row.user,
            name: row.name,
            metadata: opt_json::<Map<String, Value>>(metadata)?,
            paid_through: row.paid_through,
            past_due: row.past_due,
            created: row.created,
            day_paid_micros: row.day_paid_micros,
            budget: row.budget,
            status_reason,
            kind: if kind == "shared" {
                InstanceType::Shared
            } else {
                InstanceType::Dedicated
            },
            env: opt_json(env)?,
            auto_sleep: row.auto_sleep,
            idle_timeout: row.idle_timeout,
            slept_at: row.slept_at,
            checkpoint_until: row.checkpoint_until,
            wake_until: row.wake_until,
            last_activity: row.last_activity,
            running_since: row.running_since,
            first_run: row.first_run,
            runs: opt_json(runs)?.unwrap_or_default(),
            extra,
        })
    })())
}

/// The plain columns of a row, read inside rusqlite's closure.
struct RowRest {
    pin: Option<String>,
    template_revision: Option<i64>,
    image_ref: Option<String>,
    image_digest: Option<String>,
    agent: String,
    resources: Resources,
    user: Option<String>,
    name: Option<String>,
    paid_through: Option<i64>,
    past_due: bool,
    created: i64,
    day_paid_micros: i64,
    budget: Budget,
    auto_sleep: bool,
    idle_timeout: i64,
    slept_at: Option<i64>,
    checkpoint_until: Option<i64>,
    wake_until: Option<i64>,
    last_activity: i64,
    running_since: Option<i64>,
    first_run: Option<i64>,
}

/// `(id, workspace, status, resources, past_due, first_run, meter_at)` of a metered row.
type MeterRow = (String, String, String, Resources, bool, Option<i64>, i64);

/// The instant the next time-driven change of `i` falls due (idle sleep, end of a slow wake).
fn due_at(i: &Instance) -> Option<i64> {
    match i.status {
        Status::Running if i.auto_sleep && !i.past_due => Some(i.last_activity + i.idle_timeout),
        Status::Waking => i.wake_until,
        _ => None,
    }
}

impl Tx<'_> {
    pub fn instance(&self, id: &str) -> ApiResult<Option<Instance>> {
        let sql = format!("SELECT {COLS} FROM instances WHERE id = ?1");
        self.tx
            .prepare_cached(&sql)?
            .query_row([id], decode)
            .optional()?
            .transpose()
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
        let rows = stmt.query_map(p, decode)?.collect::<Result<Vec<_>, _>>()?;
        rows.into_iter().collect()
    }

    /// The workspace's instances that are not deleted, newest first.
    pub fn live_instances(&self, workspace: &str) -> ApiResult<Vec<Instance>> {
        let sql = format!(
            "SELECT {COLS} FROM instances WHERE workspace = ?1 AND status != 'deleted'
             ORDER BY created DESC, seq DESC"
        );
        self.query_instances(&sql, [workspace])
    }

    /// Every live instance of the store, oldest first.
    pub fn all_live_instances(&self) -> ApiResult<Vec<Instance>> {
        let sql = format!("SELECT {COLS} FROM instances WHERE status != 'deleted' ORDER BY seq");
        self.query_instances(&sql, [])
    }

    /// How many live (not deleted) instances the workspace has.
    pub fn count_live(&self, workspace: &str) -> ApiResult<i64> {
        Ok(self.aggregates(workspace)?.0)
    }

    /// One day of compute summed over the workspace's live instances.
    pub fn fleet_day_cost(&self, workspace: &str) -> ApiResult<i64> {
        Ok(self.aggregates(workspace)?.1)
    }

    pub(super) fn aggregates(&self, workspace: &str) -> ApiResult<(i64, i64)> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT live_count, fleet_day_micros FROM workspaces WHERE api_key = ?1",
            )?
            .query_row([workspace], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0, 0)))
    }

    fn before(&self, id: &str) -> ApiResult<Option<Before>> {
        let row = self
            .tx
            .prepare_cached(
                "SELECT workspace, status, cpu, memory, disk, past_due, running_since, first_run,
                   runs, boots, meter_at FROM instances WHERE id = ?1",
            )?
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    Resources {
                        cpu: r.get(2)?,
                        memory: r.get(3)?,
                        disk: r.get(4)?,
                    },
                    r.get::<_, bool>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, i64>(9)?,
                    r.get::<_, Option<i64>>(10)?,
                ))
            })
            .optional()?;
        let Some((
            workspace,
            status,
            resources,
            past_due,
            running_since,
            first_run,
            runs,
            boots,
            meter_at,
        )) = row
        else {
            return Ok(None);
        };
        Ok(Some(Before {
            workspace,
            status: Status::parse(&status)
                .ok_or_else(|| internal(format!("stored status {status:?}")))?,
            resources,
            past_due,
            running_since,
            first_run,
            runs: opt_json(runs)?.unwrap_or_default(),
            boots,
            meter_at,
        }))
    }

    /// Moves the workspace aggregates from what the stored row contributed to what `i` will.
    fn adjust_aggregates(&self, before: Option<&Before>, i: &Instance) -> ApiResult<()> {
        let old = before.and_then(|b| {
            (b.status != Status::Deleted)
                .then(|| (b.workspace.clone(), model::day_cost_micros(b.resources)))
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

    pub fn next_instance_seq(&self) -> ApiResult<i64> {
        self.next_seq("instances")
    }

    /// Settles the meter of a row from `meter_at` to `at` at `monthly` micros a month: whole
    /// minutes are debited (half-up), leftover seconds carry over. Returns the new anchor.
    fn settle(
        &mut self,
        workspace: &str,
        meter_at: i64,
        monthly: i64,
        at: i64,
    ) -> ApiResult<(i64, i64)> {
        if at <= meter_at {
            return Ok((meter_at, 0));
        }
        let minutes = (at - meter_at) / 60;
        let debit = model::meter_debit(monthly, minutes);
        self.debit_wallet(workspace, debit)?;
        Ok((meter_at + minutes * 60, debit))
    }

    /// Writes `i` (insert or update) at the transaction's time; see the module comment.
    pub fn save_instance(&mut self, i: &Instance) -> ApiResult<()> {
        let now = self.now;
        let before = self.before(&i.id)?;
        self.adjust_aggregates(before.as_ref(), i)?;
        let (mut running_since, mut first_run, mut runs, mut boots, mut meter_at) = match &before {
            Some(b) => (
                b.running_since,
                b.first_run,
                b.runs.clone(),
                b.boots,
                b.meter_at,
            ),
            None => (None, None, Vec::new(), 0, None),
        };
        let mut booted = false;
        match (i.status == Status::Running, running_since) {
            (true, None) => {
                running_since = Some(now);
                if first_run.is_some() {
                    boots += 1;
                }
                first_run.get_or_insert(now);
                booted = true;
            }
            (false, Some(s)) => {
                runs.push((s, now));
                running_since = None;
            }
            _ => {}
        }
        runs.retain(|(_, end)| *end > now - RUNS_KEPT_SECONDS);
        if self.metered {
            let new_rate =
                meter_rate(i.status, i.past_due, first_run.is_some()).monthly_micros(i.resources);
            match (&before, meter_at) {
                (Some(b), Some(m)) => {
                    let old_rate = meter_rate(b.status, b.past_due, b.first_run.is_some())
                        .monthly_micros(b.resources);
                    if old_rate != new_rate {
                        meter_at = Some(self.settle(&b.workspace, m, old_rate, now)?.0);
                    }
                }
                _ => meter_at = Some(now),
            }
        }
        let metadata = i.metadata.as_ref().map(serde_json::to_string).transpose()?;
        let env = i.env.as_ref().map(serde_json::to_string).transpose()?;
        let reason = i.status_reason.as_ref().map(|r| r.to_json().to_string());
        let mut extra = i.extra.clone();
        extra.boots = 0;
        let extra = (extra != Extra::default())
            .then(|| serde_json::to_string(&extra))
            .transpose()?;
        let runs = (!runs.is_empty())
            .then(|| serde_json::to_string(&runs))
            .transpose()?;
        let sql = format!(
            "INSERT OR REPLACE INTO instances ({COLS}, meter_at, due_at) VALUES
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
              ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36,
              ?37, ?38, ?39, ?40, ?41, ?42)"
        );
        self.tx.prepare_cached(&sql)?.execute(params![
            i.id,
            i.seq,
            i.workspace,
            i.status.as_str(),
            i.template,
            i.pin,
            i.template_revision,
            i.image_ref,
            i.image_digest,
            i.agent,
            i.resources.cpu,
            i.resources.memory,
            i.resources.disk,
            model::ports_to_json(&i.ports).to_string(),
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
            reason,
            i.kind.as_str(),
            env,
            i.auto_sleep,
            i.idle_timeout,
            i.slept_at,
            i.checkpoint_until,
            i.wake_until,
            i.last_activity,
            extra,
            running_since,
            first_run,
            runs,
            boots,
            meter_at,
            due_at(i),
        ])?;
        if booted {
            self.log_boot(i)?;
        }
        Ok(())
    }

    /// A boot that does not leave `running` (restart, update, resize): counted and logged.
    pub fn reboot(&mut self, i: &Instance) -> ApiResult<()> {
        self.tx
            .prepare_cached("UPDATE instances SET boots = boots + 1 WHERE id = ?1")?
            .execute([&i.id])?;
        self.log_boot(i)
    }

    fn log_boot(&self, i: &Instance) -> ApiResult<()> {
        let image = i
            .image_ref
            .clone()
            .or_else(|| i.image_digest.clone())
            .unwrap_or_default();
        let text = format!(
            "[boot] {} starting {} ({image})\n[boot] gateway on {}\n[boot] ready\n",
            i.id,
            i.template_ref(),
            i.default_port()
        );
        self.append_log(&i.id, &text)
    }

    pub fn append_log(&self, id: &str, text: &str) -> ApiResult<()> {
        self.tx
            .prepare_cached("INSERT INTO instance_logs (instance_id, text) VALUES (?1, ?2)")?
            .execute([id, text])?;
        Ok(())
    }

    /// The last `max_lines` lines of an instance's log, oldest first, within `max_bytes`
    /// (older lines dropped); `true` when the byte cap dropped some.
    pub fn log_lines(
        &self,
        id: &str,
        max_lines: usize,
        max_bytes: usize,
    ) -> ApiResult<(Vec<String>, bool)> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT text FROM instance_logs WHERE instance_id = ?1 ORDER BY seq DESC",
        )?;
        let mut rows = stmt.query([id])?;
        let mut lines: Vec<String> = Vec::new();
        let mut bytes = 0;
        while let Some(row) = rows.next()? {
            let text: String = row.get(0)?;
            for line in text.lines().rev() {
                if lines.len() >= max_lines {
                    lines.reverse();
                    return Ok((lines, false));
                }
                if bytes + line.len() + 1 > max_bytes {
                    lines.reverse();
                    return Ok((lines, true));
                }
                bytes += line.len() + 1;
                lines.push(line.to_string());
            }
        }
        lines.reverse();
        Ok((lines, false))
    }

    /// Live, not past-due instances whose 2026-06-25 prepaid day has ended by `now`.
    pub fn renewals_due(&self, now: i64) -> ApiResult<Vec<Instance>> {
        let sql = format!(
            "SELECT {COLS} FROM instances
             WHERE paid_through <= ?1 AND status != 'deleted' AND past_due = 0
             ORDER BY paid_through, seq"
        );
        self.query_instances(&sql, [now])
    }

    /// Instances whose next time-driven change (idle sleep, end of a slow wake) is due.
    pub fn events_due(&self, now: i64) -> ApiResult<Vec<Instance>> {
        let sql = format!(
            "SELECT {COLS} FROM instances WHERE due_at <= ?1 AND status != 'deleted' ORDER BY due_at, seq"
        );
        self.query_instances(&sql, [now])
    }

    /// Settles every metered instance (of one workspace, or all) up to now at its current
    /// rate; returns the debits by instance id.
    pub fn settle_meters(&mut self, workspace: Option<&str>) -> ApiResult<Vec<(String, i64)>> {
        let rows: Vec<MeterRow> = {
            let mut stmt = self.tx.prepare_cached(
                "SELECT id, workspace, status, cpu, memory, disk, past_due, first_run, meter_at
                 FROM instances WHERE meter_at IS NOT NULL AND status != 'deleted'
                   AND (?1 IS NULL OR workspace = ?1) ORDER BY seq",
            )?;
            stmt.query_map([workspace], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    Resources {
                        cpu: r.get(3)?,
                        memory: r.get(4)?,
                        disk: r.get(5)?,
                    },
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            })?
            .collect::<Result<_, _>>()?
        };
        let mut debits = Vec::new();
        for (id, ws, status, res, past_due, first_run, meter_at) in rows {
            let status = Status::parse(&status)
                .ok_or_else(|| internal(format!("stored status {status:?}")))?;
            let monthly = meter_rate(status, past_due, first_run.is_some()).monthly_micros(res);
            let (anchor, debit) = self.settle(&ws, meter_at, monthly, self.now)?;
            if anchor != meter_at {
                self.tx
                    .prepare_cached("UPDATE instances SET meter_at = ?2 WHERE id = ?1")?
                    .execute(params![id, anchor])?;
            }
            debits.push((id, debit));
        }
        Ok(debits)
    }

    /// Starts every live meter (of one workspace, or all) at `at`, without settling.
    pub fn anchor_meters(&self, workspace: Option<&str>, at: Option<i64>) -> ApiResult<()> {
        self.tx
            .prepare_cached(
                "UPDATE instances SET meter_at = ?2 WHERE status != 'deleted' AND (?1 IS NULL OR workspace = ?1)",
            )?
            .execute(params![workspace, at])?;
        Ok(())
    }

    /// 2026-06-25 bookkeeping restarted at a switch: every live instance's prepaid day starts
    /// at `at` without a debit.
    pub fn restart_prepaid_days(&self, at: i64) -> ApiResult<()> {
        self.tx.execute(
            "UPDATE instances SET paid_through = ?1 + 86400, day_paid_micros = 0 WHERE status != 'deleted'",
            [at],
        )?;
        Ok(())
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

    /// The day cost SQL, for the aggregate recomputation at open.
    pub fn sql_day_cost() -> &'static str {
        SQL_DAY_COST
    }
}
