//! The audit log's rows: written by every flow and every administrator's change, read by
//! `switchboard-portal admin audit`, deleted after the retention period.

use super::statements::Statements;
use super::{on_backend, Store, StoreError};

/// One event as stored. `id` sorts in the order events were written.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct AuditRow {
    pub id: String,
    pub at: i64,
    pub kind: String,
    pub actor: String,
    pub organization_id: Option<String>,
    pub account_id: Option<String>,
    pub method: Option<String>,
    pub provider_id: Option<String>,
    pub device: Option<String>,
    pub ip: Option<String>,
    pub result: String,
    pub detail: Option<String>,
}

/// Which events `audit_events` answers; `None` is no filter.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub account_id: Option<String>,
    pub organization_id: Option<String>,
    pub kind: Option<String>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub limit: Option<i64>,
}

impl Store {
    /// Writes one event (the organization is the account's when not given).
    pub async fn insert_audit(&self, row: &AuditRow) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            pool.acquire().await?.insert_audit_row(row).await?;
        });
        Ok(())
    }

    /// Events matching `filter`, oldest first (the newest `limit` when a limit is given).
    pub async fn audit_events(&self, filter: &AuditFilter) -> Result<Vec<AuditRow>, StoreError> {
        let mut rows: Vec<AuditRow> = on_backend!(self, pool => sqlx::query_as(
            "SELECT id, at, kind, actor, organization_id, account_id, method, provider_id, device, ip, result, detail
             FROM audit_events
             WHERE ($1 IS NULL OR account_id = $1)
               AND ($2 IS NULL OR organization_id = $2)
               AND ($3 IS NULL OR kind = $3)
               AND ($4 IS NULL OR at >= $4)
               AND ($5 IS NULL OR at < $5)
             ORDER BY at DESC, id DESC
             LIMIT $6",
        )
        .bind(filter.account_id.as_deref())
        .bind(filter.organization_id.as_deref())
        .bind(filter.kind.as_deref())
        .bind(filter.since)
        .bind(filter.until)
        .bind(filter.limit.unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?);
        rows.reverse();
        Ok(rows)
    }

    /// Deletes events older than `before`; how many.
    pub async fn purge_audit(&self, before: i64) -> Result<u64, StoreError> {
        Ok(
            on_backend!(self, pool => sqlx::query("DELETE FROM audit_events WHERE at < $1")
            .bind(before)
            .execute(pool)
            .await?
            .rows_affected()),
        )
    }
}
