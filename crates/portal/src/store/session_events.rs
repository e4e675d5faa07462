//! The rows of the apps' event stream (see migration 0011 and `crate::events`).

use super::{on_backend_reading, Store, StoreError};

/// An event as stored: for one session (`session_id`) or every session of the account.
#[derive(sqlx::FromRow, Debug, Clone, PartialEq, Eq)]
pub struct SessionEventRow {
    pub id: String,
    pub account_id: String,
    pub session_id: Option<String>,
    pub kind: String,
    pub reason: Option<String>,
}

/// Where a session stands, for the event stream's check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionStanding {
    Live,
    /// Ended, with the stored reason.
    Ended(Option<String>),
    Unknown,
}

impl Store {
    /// The events whose id is at least `from_id` (ids start with the wall clock's
    /// nanoseconds), oldest first.
    pub async fn session_events_from(
        &self,
        from_id: &str,
    ) -> Result<Vec<SessionEventRow>, StoreError> {
        Ok(on_backend_reading!(self, pool => sqlx::query_as(
            "SELECT id, account_id, session_id, kind, reason FROM session_events
             WHERE id >= $1 ORDER BY id LIMIT 1000",
        )
        .bind(from_id)
        .fetch_all(pool)
        .await?))
    }

    pub async fn session_standing(&self, session_id: &str) -> Result<SessionStanding, StoreError> {
        let row: Option<(Option<i64>, Option<String>)> = on_backend_reading!(self, pool => sqlx::query_as(
            "SELECT revoked_at, revoked_reason FROM sessions WHERE id = $1",
        )
        .bind(session_id)
        .fetch_optional(pool)
        .await?);
        Ok(match row {
            None => SessionStanding::Unknown,
            Some((None, _)) => SessionStanding::Live,
            Some((Some(_), reason)) => SessionStanding::Ended(reason),
        })
    }
}
