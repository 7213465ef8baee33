//! The budgets of many instances at once (the `agent37_budgets` data source and the
//! `agent37_budget` list resource): one instance list, then one budget read per instance the
//! filters keep, a few at a time, in the list's order.

use futures::{StreamExt, TryStreamExt, stream};

use crate::api::{ApiError, Budget, Client, Instance, Op};
use crate::provider::instance::schema::InstanceFilters;

/// Budget reads in flight at once: enough to hide latency, few enough to stay polite.
const IN_FLIGHT: usize = 8;

/// Every instance the filters keep, with its budget. An instance deleted between the list and
/// its budget read is left out.
pub async fn budgets(
    client: &Client,
    op: &Op,
    filters: &InstanceFilters,
) -> Result<Vec<(Instance, Budget)>, ApiError> {
    let instances: Vec<Instance> = client
        .list_instances(op)
        .await?
        .into_iter()
        .filter(|i| filters.matches(i))
        .collect();
    let read = stream::iter(instances)
        .map(|i| async move {
            match client.get_budget(op, &i.id).await {
                Ok(b) => Ok(Some((i, b))),
                Err(e) if e.is_not_found() => Ok(None),
                Err(e) => Err(e),
            }
        })
        .buffered(IN_FLIGHT);
    let found: Vec<Option<(Instance, Budget)>> = read.try_collect().await?;
    Ok(found.into_iter().flatten().collect())
}
