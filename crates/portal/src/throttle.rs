//! Attempt limits: too many failures for one key within a window lock it for a while.
//! Kept in the database so every portal instance sees the same counts.

use sqlx::SqlitePool;

/// How many failures a scope allows, within what window, and for how long it then locks.
/// From `free_failures` on, each failure also makes the key wait (1 s, 2 s, 4 s, … up to
/// `backoff_cap_seconds`) before the next attempt counts; at `max_failures` it locks for
/// `lockout_seconds`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub scope: &'static str,
    pub free_failures: i64,
    pub max_failures: i64,
    pub window_seconds: i64,
    pub lockout_seconds: i64,
    pub backoff_cap_seconds: i64,
}

/// Linking an identity by password, per provider identity.
pub const LINK_PER_IDENTITY: Limit = Limit {
    scope: "link_identity",
    free_failures: 5,
    max_failures: 5,
    window_seconds: 15 * 60,
    lockout_seconds: 15 * 60,
    backoff_cap_seconds: 0,
};

/// Linking by password, per account (keyed by the username typed, so unknown and known
/// usernames behave alike).
pub const LINK_PER_ACCOUNT: Limit = Limit {
    scope: "link_account",
    free_failures: 5,
    max_failures: 5,
    window_seconds: 15 * 60,
    lockout_seconds: 15 * 60,
    backoff_cap_seconds: 0,
};

/// Password sign-in, per username typed: backoff from the third failure, locked for 15
/// minutes at the tenth.
pub const PASSWORD_PER_ACCOUNT: Limit = Limit {
    scope: "password",
    free_failures: 3,
    max_failures: 10,
    window_seconds: 15 * 60,
    lockout_seconds: 15 * 60,
    backoff_cap_seconds: 60,
};

/// Authenticator and recovery codes, per account: locked for 15 minutes at the fifth
/// wrong code.
pub const CODE_PER_ACCOUNT: Limit = Limit {
    scope: "code",
    free_failures: 5,
    max_failures: 5,
    window_seconds: 15 * 60,
    lockout_seconds: 15 * 60,
    backoff_cap_seconds: 0,
};

/// What `admit` decided about an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// A key is locked until then: the credential is not even checked.
    Refused { until: i64 },
    /// Counted; `locks_out_at`: this attempt reached a key's lockout, reported if it fails.
    Admitted { locks_out_at: Option<i64> },
}

/// Keys are what people type: bounded, so the table cannot be grown without limit.
fn bounded(key: &str) -> &str {
    match key.char_indices().nth(200) {
        Some((end, _)) => &key[..end],
        None => key,
    }
}

/// Counts an attempt before its credential is checked, so attempts sent all at once
/// cannot slip in under the limit together: refused while any key is locked, else counted
/// as a failure on every key (a success then clears them).
pub async fn admit(
    pool: &SqlitePool,
    keys: &[(&Limit, &str)],
    now: i64,
) -> Result<Admission, sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Writing first takes SQLite's write lock: concurrent attempts are counted one by one.
    // (PostgreSQL needs `SELECT … FOR UPDATE` below for the same.)
    sqlx::query(
        "DELETE FROM attempt_limits WHERE window_started_at < ? AND (locked_until IS NULL OR locked_until < ?)",
    )
    .bind(now - 24 * 3600)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    let mut rows = Vec::with_capacity(keys.len());
    for (limit, key) in keys {
        let key = bounded(key);
        sqlx::query(
            "INSERT INTO attempt_limits (scope, subject_key, failures, window_started_at, locked_until)
             VALUES (?, ?, 0, ?, NULL) ON CONFLICT (scope, subject_key) DO NOTHING",
        )
        .bind(limit.scope)
        .bind(key)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let row: (i64, i64, Option<i64>) = sqlx::query_as(
            "SELECT failures, window_started_at, locked_until FROM attempt_limits
             WHERE scope = ? AND subject_key = ?",
        )
        .bind(limit.scope)
        .bind(key)
        .fetch_one(&mut *tx)
        .await?;
        rows.push((*limit, key, row));
    }
    let locked = rows
        .iter()
        .filter_map(|(_, _, (_, _, until))| *until)
        .filter(|until| *until > now)
        .max();
    if let Some(until) = locked {
        tx.commit().await?;
        return Ok(Admission::Refused { until });
    }
    let mut locks_out_at = None;
    for (limit, key, (failures, window_started_at, locked_until)) in rows {
        let window_over = now - window_started_at > limit.window_seconds;
        // After a lockout has passed the key starts afresh; a backoff that passed does not.
        let lock_over =
            failures >= limit.max_failures && locked_until.is_some_and(|until| until <= now);
        let (failures, window_started_at) = if window_over || lock_over {
            (1, now)
        } else {
            (failures + 1, window_started_at)
        };
        let lock = if failures >= limit.max_failures {
            let until = now + limit.lockout_seconds;
            locks_out_at = locks_out_at.max(Some(until));
            Some(until)
        } else if failures >= limit.free_failures {
            let doubling = u32::try_from(failures - limit.free_failures).unwrap_or(u32::MAX);
            let wait = 2_i64
                .checked_pow(doubling)
                .unwrap_or(i64::MAX)
                .min(limit.backoff_cap_seconds);
            (wait > 0).then_some(now + wait)
        } else {
            None
        };
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
    }
    tx.commit().await?;
    Ok(Admission::Admitted { locks_out_at })
}

/// After a success: the key starts from zero.
pub async fn clear(pool: &SqlitePool, limit: &Limit, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM attempt_limits WHERE scope = ? AND subject_key = ?")
        .bind(limit.scope)
        .bind(bounded(key))
        .execute(pool)
        .await?;
    Ok(())
}

/// "Try again in N minutes" (or seconds), rounded up.
pub fn retry_message(seconds: i64) -> String {
    let seconds = seconds.max(1);
    if seconds < 60 {
        return if seconds == 1 {
            "Too many wrong attempts. Try again in 1 second.".to_owned()
        } else {
            format!("Too many wrong attempts. Try again in {seconds} seconds.")
        };
    }
    let minutes = (seconds + 59) / 60;
    if minutes == 1 {
        "Too many wrong attempts. Try again in 1 minute.".to_owned()
    } else {
        format!("Too many wrong attempts. Try again in {minutes} minutes.")
    }
}
