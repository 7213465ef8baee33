//! Cloud template builds (2026-08-21, section 3.3): not served yet. The sweep has nothing to
//! advance until builds exist.

use crate::error::ApiResult;
use crate::store::Tx;

/// Publishes or fails builds whose end a poll has not observed (a sweep 300 s later).
pub fn sweep(tx: &mut Tx<'_>, now: i64) -> ApiResult<()> {
    let _due = tx.builds_to_sweep(now)?;
    Ok(())
}
