//! Attempt limits: too many failures for one key within a window lock it for a while.
//! Kept in the database so every portal instance sees the same counts.
//!
//! Lockouts are built so that nobody can use them against the account's owner: password
//! failures count per account *and client address* (an attacker's guesses lock only the
//! attacker's address), with a much higher ceiling per account over all addresses (against
//! guessing spread over many addresses). A device that already has a session is never
//! locked out: refreshing never checks a password, and a signed-in user's own password
//! checks (changing the password, confirming it is them) count only per account and
//! address, never against the account-wide ceiling.

use crate::request::RequestContext;
use crate::store::{AttemptCount, AttemptKey, Store, StoreError};

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

/// Linking by password, per account over all identities (keyed by the username typed, so
/// unknown and known usernames behave alike): a ceiling well above what one identity may
/// try, so an attacker needs many provider identities to hold it.
pub const LINK_PER_ACCOUNT: Limit = Limit {
    scope: "link_account",
    free_failures: 50,
    max_failures: 50,
    window_seconds: 15 * 60,
    lockout_seconds: 15 * 60,
    backoff_cap_seconds: 0,
};

/// Password checks, per account (or username typed) and client address: backoff from the
/// third failure, locked for 15 minutes at the tenth. Only that address is held back.
pub const PASSWORD_PER_CLIENT: Limit = Limit {
    scope: "password",
    free_failures: 3,
    max_failures: 10,
    window_seconds: 15 * 60,
    lockout_seconds: 15 * 60,
    backoff_cap_seconds: 60,
};

/// Password sign-in, per account over all addresses: locked for 15 minutes at the
/// hundredth failure in 15 minutes (ten addresses at their own limit). Signed-in devices
/// are not affected (see the module's note).
pub const PASSWORD_PER_ACCOUNT: Limit = Limit {
    scope: "password_account",
    free_failures: 100,
    max_failures: 100,
    window_seconds: 15 * 60,
    lockout_seconds: 15 * 60,
    backoff_cap_seconds: 0,
};

/// The per-client key of an account key (see `password_sign_in::account_key`) for the
/// client `request` comes from.
pub fn per_client(account_key: &str, request: &RequestContext) -> String {
    format!("{account_key}|{}", request.client_key())
}

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
    /// Counted; what its failure means: see [`IfWrong`].
    Admitted(IfWrong),
}

/// What an admitted attempt's failure starts, to be told with the failure: the client
/// then waits instead of being refused by the next attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IfWrong {
    /// This attempt reached a key's lockout, until then.
    pub locks_out_at: Option<i64>,
    /// This attempt started a key's backoff (below the lockout): the next attempt is
    /// refused until then.
    pub waits_until: Option<i64>,
}

/// Keys are what people type: bounded, so the table cannot be grown without limit.
fn bounded(key: &str) -> &str {
    match key.char_indices().nth(200) {
        Some((end, _)) => &key[..end],
        None => key,
    }
}

/// Counts an attempt before its credential is checked, so attempts sent all at once (to
/// any instances) cannot slip in under the limit together: refused while any key is
/// locked, else counted as a failure on every key (a success then clears them).
pub async fn admit(
    store: &Store,
    keys: &[(&Limit, &str)],
    now: i64,
) -> Result<Admission, StoreError> {
    let attempt_keys: Vec<AttemptKey<'_>> = keys
        .iter()
        .map(|(limit, key)| AttemptKey {
            scope: limit.scope,
            key: bounded(key),
        })
        .collect();
    store
        .count_attempts(&attempt_keys, now, |counts| {
            let limits: Vec<&Limit> = keys.iter().map(|(limit, _)| *limit).collect();
            decide(&limits, counts, now)
        })
        .await
}

/// The counters after one more attempt, and what to answer it.
fn decide(limits: &[&Limit], counts: &[AttemptCount], now: i64) -> (Vec<AttemptCount>, Admission) {
    let locked = counts
        .iter()
        .filter_map(|count| count.locked_until)
        .filter(|until| *until > now)
        .max();
    if let Some(until) = locked {
        return (counts.to_vec(), Admission::Refused { until });
    }
    let mut locks_out_at = None;
    let mut waits_until = None;
    let updated = limits
        .iter()
        .zip(counts)
        .map(|(limit, count)| {
            let window_over = now - count.window_started_at > limit.window_seconds;
            // After a lockout has passed the key starts afresh; a backoff that passed does not.
            let lock_over = count.failures >= limit.max_failures
                && count.locked_until.is_some_and(|until| until <= now);
            let (failures, window_started_at) = if window_over || lock_over {
                (1, now)
            } else {
                (count.failures + 1, count.window_started_at)
            };
            let locked_until = if failures >= limit.max_failures {
                let until = now + limit.lockout_seconds;
                locks_out_at = locks_out_at.max(Some(until));
                Some(until)
            } else if failures >= limit.free_failures {
                let doubling = u32::try_from(failures - limit.free_failures).unwrap_or(u32::MAX);
                let wait = 2_i64
                    .checked_pow(doubling)
                    .unwrap_or(i64::MAX)
                    .min(limit.backoff_cap_seconds);
                let until = (wait > 0).then_some(now + wait);
                waits_until = waits_until.max(until);
                until
            } else {
                None
            };
            AttemptCount {
                failures,
                window_started_at,
                locked_until,
            }
        })
        .collect();
    (
        updated,
        Admission::Admitted(IfWrong {
            locks_out_at,
            waits_until,
        }),
    )
}

/// After a success on a key that must not start afresh (an account's ceiling over all
/// addresses): takes back the count `admit` made for this attempt, and the lock it set if
/// this attempt was the one that reached it.
pub async fn forgive(store: &Store, limit: &Limit, key: &str, now: i64) -> Result<(), StoreError> {
    let keys = [AttemptKey {
        scope: limit.scope,
        key: bounded(key),
    }];
    store
        .count_attempts(&keys, now, |counts| {
            let updated = counts
                .iter()
                .map(|count| {
                    let failures = (count.failures - 1).max(0);
                    let undo_lock =
                        count.failures == limit.max_failures && failures < limit.max_failures;
                    AttemptCount {
                        failures,
                        window_started_at: count.window_started_at,
                        locked_until: if undo_lock { None } else { count.locked_until },
                    }
                })
                .collect();
            (updated, ())
        })
        .await
}

/// After a success: the key starts from zero.
pub async fn clear(store: &Store, limit: &Limit, key: &str) -> Result<(), StoreError> {
    store
        .clear_attempts(AttemptKey {
            scope: limit.scope,
            key: bounded(key),
        })
        .await
}

/// "Too many wrong attempts. Try again in N minutes." (or seconds), rounded up.
pub fn retry_message(seconds: i64) -> String {
    format!("Too many wrong attempts. {}.", try_again_in(seconds))
}

/// "Try again in N minutes" (or seconds, under a minute), rounded up.
pub fn try_again_in(seconds: i64) -> String {
    let seconds = seconds.max(1);
    if seconds < 60 {
        return if seconds == 1 {
            "Try again in 1 second".to_owned()
        } else {
            format!("Try again in {seconds} seconds")
        };
    }
    let minutes = (seconds + 59) / 60;
    if minutes == 1 {
        "Try again in 1 minute".to_owned()
    } else {
        format!("Try again in {minutes} minutes")
    }
}

/// ". Try again in N seconds" after a wrong answer that started a wait; nothing without.
pub fn wait_after_wrong(retry_after: Option<i64>) -> String {
    retry_after
        .map(|seconds| format!(". {}", try_again_in(seconds)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The answers to `n` failures in a row on one password key, each after the wait the
    /// one before started.
    fn failures(n: usize) -> Vec<IfWrong> {
        let mut count = AttemptCount {
            failures: 0,
            window_started_at: 0,
            locked_until: None,
        };
        let mut now = 1_000;
        let mut answers = Vec::new();
        for _ in 0..n {
            now = now.max(count.locked_until.unwrap_or(now));
            let (updated, admission) =
                decide(&[&PASSWORD_PER_CLIENT], std::slice::from_ref(&count), now);
            let Admission::Admitted(if_wrong) = admission else {
                panic!("refused at {now}: {admission:?}");
            };
            count = updated[0];
            answers.push(IfWrong {
                locks_out_at: if_wrong.locks_out_at.map(|until| until - now),
                waits_until: if_wrong.waits_until.map(|until| until - now),
            });
        }
        answers
    }

    #[test]
    fn from_the_third_failure_each_tells_the_wait_it_starts_until_the_lockout() {
        let waits: Vec<Option<i64>> = failures(10).iter().map(|f| f.waits_until).collect();
        assert_eq!(
            waits,
            [
                None,
                None,
                Some(1),
                Some(2),
                Some(4),
                Some(8),
                Some(16),
                Some(32),
                Some(60),
                None
            ]
        );
        let lockouts: Vec<Option<i64>> = failures(10).iter().map(|f| f.locks_out_at).collect();
        assert_eq!(lockouts[..9], [None; 9]);
        assert_eq!(lockouts[9], Some(15 * 60));
    }

    #[test]
    fn an_attempt_within_the_wait_is_refused_until_its_end() {
        let count = AttemptCount {
            failures: 5,
            window_started_at: 0,
            locked_until: Some(108),
        };
        let (unchanged, admission) = decide(&[&PASSWORD_PER_CLIENT], &[count], 100);
        assert_eq!(admission, Admission::Refused { until: 108 });
        assert_eq!(unchanged[0], count);
    }

    #[test]
    fn waits_read_in_seconds_then_minutes() {
        assert_eq!(wait_after_wrong(None), "");
        assert_eq!(wait_after_wrong(Some(1)), ". Try again in 1 second");
        assert_eq!(wait_after_wrong(Some(32)), ". Try again in 32 seconds");
        assert_eq!(
            retry_message(900),
            "Too many wrong attempts. Try again in 15 minutes."
        );
        assert_eq!(
            retry_message(61),
            "Too many wrong attempts. Try again in 2 minutes."
        );
    }
}
