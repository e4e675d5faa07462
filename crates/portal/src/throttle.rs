//! Attempt limits: too many failures for one key within a window lock it for a while.
//! Kept in the database so every portal instance sees the same counts.

use sqlx::SqlitePool;

/// How many failures a scope allows, within what window, and for how long it then locks.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub scope: &'static str,
    pub max_failures: i64,
    pub window_seconds: i64,
    pub lockout_seconds: i64,
}

/// Linking an identity by password, per provider identity.
pub const LINK_PER_IDENTITY: Limit = Limit {
    scope: "link_identity",
    max_failures: 5,
    window_seconds: 15 * 60,
    lockout_seconds: 15 * 60,
};

/// Linking by password, per account (keyed by the username typed, so unknown and known
/// usernames behave alike).
pub const LINK_PER_ACCOUNT: Limit = Limit {
    scope: "link_account",
    max_failures: 5,
    window_seconds: 15 * 60,
    lockout_seconds: 15 * 60,
};

/// When the key is locked now, the Unix time it unlocks.
pub async fn locked_until(
    pool: &SqlitePool,
    limit: &Limit,
    key: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let row: Option<(Option<i64>,)> = sqlx::query_as(
        "SELECT locked_until FROM attempt_limits WHERE scope = ? AND subject_key = ?",
    )
    .bind(limit.scope)
    .bind(key)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(until,)| until).filter(|until| *until > now))
}

/// Counts a failure; answers the unlock time when this failure locked the key.
pub async fn record_failure(
    pool: &SqlitePool,
    limit: &Limit,
    key: &str,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Writing first takes SQLite's write lock, so concurrent failures all count.
    sqlx::query(
        "INSERT INTO attempt_limits (scope, subject_key, failures, window_started_at, locked_until)
         VALUES (?, ?, 0, ?, NULL) ON CONFLICT (scope, subject_key) DO NOTHING",
    )
    .bind(limit.scope)
    .bind(key)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let (failures, window_started_at, locked_until): (i64, i64, Option<i64>) = sqlx::query_as(
        "SELECT failures, window_started_at, locked_until FROM attempt_limits
         WHERE scope = ? AND subject_key = ?",
    )
    .bind(limit.scope)
    .bind(key)
    .fetch_one(&mut *tx)
    .await?;
    let window_over = now - window_started_at > limit.window_seconds;
    let lock_over = locked_until.is_some_and(|until| until <= now);
    let (failures, window_started_at) = if window_over || lock_over {
        (1, now)
    } else {
        (failures + 1, window_started_at)
    };
    let lock = (failures >= limit.max_failures).then_some(now + limit.lockout_seconds);
    sqlx::query(
        "UPDATE attempt_limits SET failures = ?, window_started_at = ?, locked_until = ?
         WHERE scope = ? AND subject_key = ?",
    )
    .bind(failures)
    .bind(window_started_at)
    .bind(lock)
    .bind(limit.scope)
    .bind(key)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(lock)
}

/// After a success: the key starts from zero.
pub async fn clear(pool: &SqlitePool, limit: &Limit, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM attempt_limits WHERE scope = ? AND subject_key = ?")
        .bind(limit.scope)
        .bind(key)
        .execute(pool)
        .await?;
    Ok(())
}

/// "Try again in N minutes", rounded up.
pub fn retry_message(seconds: i64) -> String {
    let minutes = (seconds.max(1) + 59) / 60;
    if minutes == 1 {
        "Too many wrong attempts. Try again in 1 minute.".to_owned()
    } else {
        format!("Too many wrong attempts. Try again in {minutes} minutes.")
    }
}
