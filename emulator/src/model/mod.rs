//! The contract's objects and rules as pure functions: shapes, prices, refunds, months,
//! and input validation. Nothing here touches the clock, the network or the database,
//! so every rule can be unit-tested on its own. One module per topic; `model::` re-exports
//! them all.

mod archive;
mod bodies;
mod budgets;
mod calendar;
mod files;
mod ids;
mod integrations;
mod metrics;
mod net;
mod plane;
mod query;
mod revision;
mod shapes;
mod ssh;
mod templates;
mod v2bodies;

pub use archive::*;
pub use bodies::*;
pub use budgets::*;
pub use calendar::*;
pub use files::*;
pub use ids::*;
pub use integrations::*;
pub use metrics::*;
pub use net::*;
pub use plane::*;
pub use query::*;
pub use revision::*;
pub use shapes::*;
pub use ssh::*;
pub use templates::*;
pub use v2bodies::*;

/// Stream cap of exec output (512 KB).
pub const EXEC_CAP: usize = 524_288;
/// Exec time limit in seconds.
pub const EXEC_LIMIT_SECS: u64 = 280;
