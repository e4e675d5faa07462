//! Deleting what has expired. Every statement deletes only rows no request can use any
//! more, and deleting a row twice is harmless, so any number of instances may purge at
//! the same time.

use super::statements::Statements;
use super::{on_backend, Store, StoreError};

/// Seconds an expired one-time code is kept (a code whose session is still live is kept as
/// long as the session, so that a replay always revokes it).
pub const CODE_RETENTION_SECONDS: i64 = 3600;
/// Seconds the refresh tokens of an ended session are kept, so that the device still
/// hears why it was signed out ("expired under your organization's policy") when it comes
/// back within a week.
pub const ENDED_SESSION_TOKEN_RETENTION_SECONDS: i64 = 7 * 24 * 3600;
/// Seconds an idle attempt counter (no lock in force) is kept after its window started.
pub const ATTEMPT_RETENTION_SECONDS: i64 = 24 * 3600;
/// Seconds an ended session's row is kept (it shows how the session ended).
pub const ENDED_SESSION_RETENTION_SECONDS: i64 = 30 * 24 * 3600;
/// Seconds a request counter is kept after its window started (its minute is long over).
pub const REQUEST_COUNT_RETENTION_SECONDS: i64 = 120;

/// Seconds an event-stream row is kept: an app that reconnects later learns what it
/// missed from its next request instead (a revoked session's tokens say why).
pub const SESSION_EVENT_RETENTION_SECONDS: i64 = 3600;
/// Seconds a contact removal is retried: by then the contact has expired at the registrar
/// anyway (the registrar's longest registration is two hours).
pub const REGISTRAR_REMOVAL_RETENTION_SECONDS: i64 = 2 * 3600;

/// Rows deleted per table (and sessions ended because their lifetime ran out).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct PurgeReport {
    pub pending_authorizations: u64,
    pub authorization_codes: u64,
    pub login_tickets: u64,
    pub link_intents: u64,
    pub pending_authenticators: u64,
    pub expired_sessions_ended: u64,
    pub access_tokens: u64,
    pub refresh_tokens: u64,
    pub sessions: u64,
    pub attempt_limits: u64,
    pub request_counts: u64,
    pub session_events: u64,
    /// Contact removals given up on (the contacts expired meanwhile).
    pub registrar_removals: u64,
    /// Accounts the directory deleted longer ago than their organization's retention.
    pub deleted_accounts: u64,
}

impl PurgeReport {
    pub fn total(&self) -> u64 {
        self.pending_authorizations
            + self.authorization_codes
            + self.login_tickets
            + self.link_intents
            + self.pending_authenticators
            + self.expired_sessions_ended
            + self.access_tokens
            + self.refresh_tokens
            + self.sessions
            + self.attempt_limits
            + self.request_counts
            + self.session_events
            + self.registrar_removals
            + self.deleted_accounts
    }
}

impl Store {
    /// Deletes everything expired at `now`.
    pub async fn purge_expired(&self, now: i64) -> Result<PurgeReport, StoreError> {
        // (statement, the values bound as $1, $2)
        let expired_sessions_ended = self.end_expired_sessions(now).await?;
        let statements: [(&str, &[i64]); 12] = [
            ("DELETE FROM pending_authorizations WHERE expires_at < $1", &[now]),
            (
                "DELETE FROM authorization_codes WHERE expires_at < $1
                   AND (session_id IS NULL
                        OR session_id NOT IN (SELECT id FROM sessions WHERE revoked_at IS NULL))",
                &[now - CODE_RETENTION_SECONDS],
            ),
            ("DELETE FROM login_tickets WHERE expires_at < $1", &[now]),
            ("DELETE FROM link_intents WHERE expires_at < $1", &[now]),
            ("DELETE FROM pending_authenticators WHERE expires_at < $1", &[now]),
            (
                "DELETE FROM access_tokens WHERE expires_at < $1
                    OR session_id IN (SELECT id FROM sessions WHERE revoked_at IS NOT NULL)",
                &[now],
            ),
            (
                "DELETE FROM refresh_tokens
                 WHERE session_id IN (SELECT id FROM sessions WHERE revoked_at IS NOT NULL AND revoked_at <= $1)",
                &[now - ENDED_SESSION_TOKEN_RETENTION_SECONDS],
            ),
            (
                "DELETE FROM sessions WHERE revoked_at < $1
                   AND id NOT IN (SELECT session_id FROM refresh_tokens)
                   AND id NOT IN (SELECT session_id FROM access_tokens)",
                &[now - ENDED_SESSION_RETENTION_SECONDS],
            ),
            (
                "DELETE FROM attempt_limits WHERE window_started_at < $1
                   AND (locked_until IS NULL OR locked_until < $2)",
                &[now - ATTEMPT_RETENTION_SECONDS, now],
            ),
            (
                "DELETE FROM request_counts WHERE window_start < $1",
                &[now - REQUEST_COUNT_RETENTION_SECONDS],
            ),
            (
                "DELETE FROM session_events WHERE created_at < $1",
                &[now - SESSION_EVENT_RETENTION_SECONDS],
            ),
            (
                "DELETE FROM registrar_outbox WHERE created_at < $1",
                &[now - REGISTRAR_REMOVAL_RETENTION_SECONDS],
            ),
        ];
        let mut counts = [0_u64; 12];
        for ((sql, values), count) in statements.iter().zip(counts.iter_mut()) {
            *count = on_backend!(self, pool => {
                let mut query = sqlx::query(sql);
                for value in *values {
                    query = query.bind(*value);
                }
                query.execute(pool).await?.rows_affected()
            });
        }
        let [pending_authorizations, authorization_codes, login_tickets, link_intents, pending_authenticators, access_tokens, refresh_tokens, sessions, attempt_limits, request_counts, session_events, registrar_removals] =
            counts;
        Ok(PurgeReport {
            pending_authorizations,
            authorization_codes,
            login_tickets,
            link_intents,
            pending_authenticators,
            expired_sessions_ended,
            access_tokens,
            refresh_tokens,
            sessions,
            attempt_limits,
            request_counts,
            session_events,
            registrar_removals,
            deleted_accounts: self.purge_deleted_accounts(now).await?,
        })
    }

    /// Ends the sessions past their organization's idle or absolute lifetime, as a refresh
    /// would end them, with their device credentials in the same transaction.
    async fn end_expired_sessions(&self, now: i64) -> Result<u64, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let ended: Vec<(String, String)> = sqlx::query_as(
                "UPDATE sessions SET revoked_at = $1, revoked_reason = 'expired'
                 WHERE revoked_at IS NULL AND id IN (
                     SELECT s.id FROM sessions s
                     JOIN accounts a ON a.id = s.account_id
                     JOIN organizations o ON o.id = a.organization_id
                     WHERE $1 - s.last_used_at > o.session_idle_seconds
                        OR $1 - s.created_at > o.session_absolute_seconds)
                 RETURNING id, account_id",
            )
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            for (session_id, account_id) in &ended {
                tx.end_session_credentials(session_id, account_id, "expired", now).await?;
            }
            tx.commit().await?;
            ended.len() as u64
        }))
    }

    /// Rows per table, for the purge test and operators.
    pub async fn table_sizes(&self) -> Result<Vec<(&'static str, i64)>, StoreError> {
        const TABLES: [&str; 11] = [
            "pending_authorizations",
            "authorization_codes",
            "login_tickets",
            "link_intents",
            "pending_authenticators",
            "sessions",
            "access_tokens",
            "refresh_tokens",
            "attempt_limits",
            "request_counts",
            "identity_links",
        ];
        let mut sizes = Vec::with_capacity(TABLES.len());
        for table in TABLES {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            let (count,): (i64,) =
                on_backend!(self, pool => sqlx::query_as(&sql).fetch_one(pool).await?);
            sizes.push((table, count));
        }
        Ok(sizes)
    }
}

impl Store {
    /// Purges the accounts the directory deleted longer ago than their organization's
    /// retention: every row of theirs but the audit log. How many.
    pub async fn purge_deleted_accounts(&self, now: i64) -> Result<u64, StoreError> {
        let due: Vec<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT a.id FROM accounts a JOIN scim_settings s ON s.organization_id = a.organization_id
             WHERE a.deleted_at IS NOT NULL AND a.deleted_at < $1 - s.retention_days * 86400",
        )
        .bind(now)
        .fetch_all(pool)
        .await?);
        for (account_id,) in &due {
            on_backend!(self, pool => {
                let mut tx = pool.begin().await?;
                for sql in PURGE_ACCOUNT {
                    sqlx::query(sql).bind(account_id.as_str()).execute(&mut *tx).await?;
                }
                tx.commit().await?;
            });
        }
        Ok(due.len() as u64)
    }
}

/// Every row an account owns, children first; the audit log stays.
const PURGE_ACCOUNT: [&str; 15] = [
    "DELETE FROM sip_credentials WHERE account_id = $1",
    "DELETE FROM refresh_tokens WHERE session_id IN (SELECT id FROM sessions WHERE account_id = $1)",
    "DELETE FROM access_tokens WHERE session_id IN (SELECT id FROM sessions WHERE account_id = $1)",
    "UPDATE authorization_codes SET session_id = NULL WHERE session_id IN (SELECT id FROM sessions WHERE account_id = $1)",
    "DELETE FROM sessions WHERE account_id = $1",
    "DELETE FROM account_emails WHERE account_id = $1",
    "DELETE FROM identity_links WHERE account_id = $1",
    "DELETE FROM removed_links WHERE account_id = $1",
    "DELETE FROM remembered_choices WHERE account_id = $1",
    "DELETE FROM recovery_codes WHERE account_id = $1",
    "DELETE FROM pending_authenticators WHERE account_id = $1",
    "DELETE FROM link_intents WHERE account_id = $1",
    "DELETE FROM session_events WHERE account_id = $1",
    "DELETE FROM sip_profiles WHERE account_id = $1",
    "DELETE FROM accounts WHERE id = $1",
];
