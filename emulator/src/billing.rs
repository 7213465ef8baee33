//! Time-driven money rules: daily renewals, past-due stops and the budgets' month rollover.
//! They run lazily at the start of every operation (and when the control surface moves the
//! clock), so the state is always what the emulator's clock says it should be.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::error::ApiResult;
use crate::model::{self, DAY, Status};
use crate::objects::Workspace;
use crate::store::Tx;

/// Brings the stored state up to `now`.
pub fn tick(tx: &mut Tx<'_>, now: i64) -> ApiResult<()> {
    tx.roll_month(&model::month_of(now))?;
    renew(tx, now)
}

/// Renews every prepaid day that has ended, oldest first across the whole store, so that
/// instances sharing a wallet drain it in the order their days came due. An instance whose
/// renewal the wallet cannot pay is force-stopped and marked past due.
fn renew(tx: &mut Tx<'_>, now: i64) -> ApiResult<()> {
    let mut due = tx.due_instances(now)?;
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
    for ws in wallets.values().flatten() {
        tx.save_workspace(ws)?;
    }
    Ok(())
}
