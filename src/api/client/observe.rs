//! Instance logs and metrics (revision 2026-08-21, contract 7.4 and 7.5): read-only.

use reqwest::Method;

use super::super::error::ApiError;
use super::super::retry::OpKind;
use super::super::types::*;
use super::{Client, Op};

impl Client {
    /// `GET /instances/{id}/logs?tail=N` (the API's default of 500 lines without `tail`).
    pub async fn instance_logs(
        &self,
        op: &Op,
        id: &str,
        tail: Option<i64>,
    ) -> Result<InstanceLogs, ApiError> {
        let tail = tail.map(|t| t.to_string());
        let query: Vec<(&str, &str)> = tail.iter().map(|t| ("tail", t.as_str())).collect();
        let req = self.req(
            Method::GET,
            &["instances", id, "logs"],
            &query,
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }

    /// `GET /instances/{id}/metrics?hours=N` (the API's default of 24 hours without `hours`).
    pub async fn instance_metrics(
        &self,
        op: &Op,
        id: &str,
        hours: Option<i64>,
    ) -> Result<InstanceMetrics, ApiError> {
        let hours = hours.map(|h| h.to_string());
        let query: Vec<(&str, &str)> = hours.iter().map(|h| ("hours", h.as_str())).collect();
        let req = self.req(
            Method::GET,
            &["instances", id, "metrics"],
            &query,
            None::<&()>,
            OpKind::Read,
        )?;
        self.call(op, &req).await
    }
}
