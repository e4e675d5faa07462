//! Attempt counters (failures per scope and key, and the lock they lead to), shared by
//! every instance. Counting reads and writes the counters under a row lock (taken by the
//! upsert that reads them, on PostgreSQL; SQLite's single writer on SQLite), so attempts
//! sent at once to several instances are counted one after another.

use super::{on_backend, Store, StoreError};

/// One counter: a scope (what is limited) and a key (whose attempts).
#[derive(Debug, Clone, Copy)]
pub struct AttemptKey<'a> {
    pub scope: &'a str,
    pub key: &'a str,
}

/// A counter's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct AttemptCount {
    pub failures: i64,
    pub window_started_at: i64,
    pub locked_until: Option<i64>,
}

impl Store {
    /// Reads the counters of `keys` (a new counter starts at zero failures), lets `decide`
    /// turn them into their new states, and writes those, all under one lock: no other
    /// attempt on these keys reads them in between.
    pub async fn count_attempts<T>(
        &self,
        keys: &[AttemptKey<'_>],
        now: i64,
        decide: impl FnOnce(&[AttemptCount]) -> (Vec<AttemptCount>, T),
    ) -> Result<T, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut counts = Vec::with_capacity(keys.len());
            for key in keys {
                // One statement makes the counter if it is new and reads it, locking its
                // row until the end of the transaction (on SQLite, as the transaction's
                // first write, it takes the database's write lock).
                let count: AttemptCount = sqlx::query_as(
                    "INSERT INTO attempt_limits (scope, subject_key, failures, window_started_at, locked_until)
                     VALUES ($1, $2, 0, $3, NULL)
                     ON CONFLICT (scope, subject_key) DO UPDATE SET failures = attempt_limits.failures
                     RETURNING failures, window_started_at, locked_until",
                )
                .bind(key.scope)
                .bind(key.key)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                counts.push(count);
            }
            let (updated, answer) = decide(&counts);
            for (key, (old, new)) in keys.iter().zip(counts.iter().zip(&updated)) {
                if old == new {
                    continue;
                }
                sqlx::query(
                    "UPDATE attempt_limits SET failures = $1, window_started_at = $2, locked_until = $3
                     WHERE scope = $4 AND subject_key = $5",
                )
                .bind(new.failures)
                .bind(new.window_started_at)
                .bind(new.locked_until)
                .bind(key.scope)
                .bind(key.key)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
            answer
        }))
    }

    /// After a success: the counter starts from zero.
    pub async fn clear_attempts(&self, key: AttemptKey<'_>) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query(
            "DELETE FROM attempt_limits WHERE scope = $1 AND subject_key = $2",
        )
        .bind(key.scope)
        .bind(key.key)
        .execute(pool)
        .await?;
        });
        Ok(())
    }
}

impl Store {
    /// Reserves `amount` requests of `client_key` in `scope`'s window starting at
    /// `window_start` (one atomic upsert, so instances reserving at once are counted one
    /// after another); the window's reserved count with them.
    pub async fn reserve_requests(
        &self,
        scope: &str,
        client_key: &str,
        window_start: i64,
        amount: i64,
    ) -> Result<i64, StoreError> {
        Ok(on_backend!(self, pool => {
            let (requests,): (i64,) = sqlx::query_as(
                "INSERT INTO request_counts (scope, client_key, window_start, requests)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (scope, client_key, window_start)
                 DO UPDATE SET requests = request_counts.requests + $4
                 RETURNING requests",
            )
            .bind(scope)
            .bind(client_key)
            .bind(window_start)
            .bind(amount)
            .fetch_one(pool)
            .await?;
            requests
        }))
    }
}
