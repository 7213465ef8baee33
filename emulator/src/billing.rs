//! Time-driven rules, run lazily at the start of every operation (and when the control surface
//! moves the clock), so the state is always what the emulator's clock says it should be:
//! under 2026-06-25 daily renewals and past-due stops; under 2026-08-21 idle sleep, the end of
//! slow wakes, build sweeps, the hourly meter settle and suspension; the budgets' month
//! rollover under both.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::error::ApiResult;
use crate::model::{self, DAY, Revision, Status};
use crate::objects::Workspace;
use crate::routes::builds;
use crate::store::Tx;

/// Brings the stored state up to `now` under `rev`; `hourly` asks for a store-wide settle.
pub fn tick(tx: &mut Tx<'_>, now: i64, rev: Revision, hourly: bool) -> ApiResult<()> {
    tx.roll_month(&model::month_of(now))?;
    if !rev.is_v2() {
        return renew(tx, now);
    }
    events(tx, now)?;
    builds::sweep(tx, now)?;
    if hourly {
        tx.settle_meters(None)?;
        suspend_negative(tx, now)?;
    }
    Ok(())
}

/// Idle sleep and the end of slow wakes, each at the instant it fell due (so a frozen clock
/// moved by `advance_seconds` gives exact figures).
fn events(tx: &mut Tx<'_>, now: i64) -> ApiResult<()> {
    let due = tx.events_due(now)?;
    if due.is_empty() {
        return Ok(());
    }
    for mut inst in due {
        let at = match inst.status {
            Status::Running if inst.auto_sleep => {
                let at = inst.last_activity + inst.idle_timeout;
                inst.status = Status::Sleeping;
                inst.slept_at = Some(at);
                inst.checkpoint_until = None;
                at
            }
            Status::Waking => {
                let at = inst.wake_until.unwrap_or(now);
                inst.status = Status::Running;
                inst.wake_until = None;
                inst.last_activity = at;
                at
            }
            _ => now,
        };
        tx.now = at.min(now);
        let saved = tx.save_instance(&inst);
        tx.now = now;
        saved?;
    }
    Ok(())
}

/// A settle left wallets below zero: their workspaces are suspended, running instances are
/// force-slept without a checkpoint and every live instance is marked past due.
pub fn suspend_negative(tx: &mut Tx<'_>, now: i64) -> ApiResult<()> {
    for key in tx.unsuspended_negative()? {
        let Some(mut ws) = tx.workspace(&key)? else {
            continue;
        };
        for mut inst in tx.live_instances(&key)? {
            if inst.status.is_compute() {
                inst.status = Status::Sleeping;
                inst.slept_at = Some(now);
                inst.checkpoint_until = None;
            }
            inst.past_due = true;
            tx.save_instance(&inst)?;
        }
        ws = tx.workspace(&ws.api_key)?.unwrap_or(ws);
        ws.suspended = true;
        tx.save_workspace(&ws)?;
    }
    tx.went_negative = false;
    Ok(())
}

/// Lifts a suspension after a top-up: `past_due` cleared, meters re-anchored now.
pub fn lift_suspension(tx: &mut Tx<'_>, ws: &mut Workspace, now: i64) -> ApiResult<()> {
    tx.settle_meters(Some(&ws.api_key))?;
    for mut inst in tx.live_instances(&ws.api_key)? {
        if inst.past_due {
            inst.past_due = false;
            tx.save_instance(&inst)?;
        }
    }
    tx.anchor_meters(Some(&ws.api_key), Some(now))?;
    ws.suspended = false;
    Ok(())
}

/// The switch between revisions under a live database (8.2).
pub fn switch(tx: &mut Tx<'_>, now: i64, next: Revision) -> ApiResult<()> {
    if next.is_v2() {
        tx.anchor_meters(None, Some(now))?;
        return Ok(());
    }
    // To 2026-06-25: sleepers wake (that revision has no sleep), meters stop, and every live
    // instance's prepaid day starts at the switch without a debit.
    tx.settle_meters(None)?;
    for mut inst in tx.all_live_instances()? {
        if matches!(inst.status, Status::Sleeping | Status::Waking) {
            inst.status = Status::Running;
            inst.slept_at = None;
            inst.checkpoint_until = None;
            inst.wake_until = None;
            inst.last_activity = now;
            tx.save_instance(&inst)?;
        }
    }
    tx.anchor_meters(None, None)?;
    tx.restart_prepaid_days(now)
}

/// Renews every prepaid day that has ended, oldest first across the whole store, so that
/// instances sharing a wallet drain it in the order their days came due. An instance whose
/// renewal the wallet cannot pay is force-stopped and marked past due.
fn renew(tx: &mut Tx<'_>, now: i64) -> ApiResult<()> {
    let mut due = tx.renewals_due(now)?;
    if due.is_empty() {
        return Ok(());
    }
    let mut wallets: HashMap<String, Option<Workspace>> = HashMap::new();
    let mut heap: BinaryHeap<Reverse<(i64, i64, usize)>> = due
        .iter()
        .enumerate()
        .filter_map(|(i, inst)| inst.paid_through.map(|pt| Reverse((pt, inst.seq, i))))
        .collect();
    while let Some(Reverse((_, _, i))) = heap.pop() {
        let inst = &mut due[i];
        if !wallets.contains_key(&inst.workspace) {
            let ws = tx.workspace(&inst.workspace)?;
            wallets.insert(inst.workspace.clone(), ws);
        }
        let Some(Some(ws)) = wallets.get_mut(&inst.workspace) else {
            continue; // an orphan (its workspace is gone): nothing can pay for it
        };
        let cost = inst.day_cost();
        let Some(pt) = inst.paid_through else {
            continue;
        };
        if ws.wallet_micros >= cost {
            ws.wallet_micros -= cost;
            inst.paid_through = Some(pt + DAY);
            inst.day_paid_micros = cost;
            if pt + DAY <= now {
                heap.push(Reverse((pt + DAY, inst.seq, i)));
            }
        } else {
            inst.status = Status::Stopped;
            inst.past_due = true;
        }
    }
    for inst in &due {
        tx.save_instance(inst)?;
    }
    let to_save: Vec<Workspace> = wallets.into_values().flatten().collect();
    for ws in &to_save {
        tx.save_workspace(ws)?;
    }
    Ok(())
}
