//! Sessions (one refresh-token family per signed-in device) and their tokens, stored as
//! hashes.

use super::changes::SessionsToEnd;
use super::statements::Statements;
use super::{on_backend, on_backend_reading, Store, StoreError};

pub struct NewSession<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub auth_method: &'a str,
    pub device_name: &'a str,
    pub identity_json: Option<&'a str>,
    /// The provider identity it came through: (issuer, subject, provider id, domain or
    /// tenant).
    pub link: Option<SessionLink<'a>>,
    /// The program it signed in with, as its User-Agent said (see `sessions::user_agent_label`).
    pub user_agent: Option<&'a str>,
    /// The client address it signed in from.
    pub ip: Option<&'a str>,
    pub refresh_token_hash: &'a str,
    pub access_token_hash: &'a str,
    pub access_expires_at: i64,
    pub now: i64,
}

/// Which provider identity a session signed in through.
pub struct SessionLink<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub provider_id: &'a str,
    pub organization_key: Option<&'a str>,
}

/// A refresh token as presented, with its session and the organization's lifetimes.
#[derive(sqlx::FromRow)]
pub struct PresentedRefreshToken {
    pub session_id: String,
    pub rotated_at: Option<i64>,
    pub successor_hash: Option<String>,
    pub account_id: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub revoked_at: Option<i64>,
    pub revoked_reason: Option<String>,
    pub session_idle_seconds: i64,
    pub session_absolute_seconds: i64,
}

/// A session as the security settings show it, or as an access token finds it.
#[derive(sqlx::FromRow)]
pub struct SessionRow {
    pub id: String,
    pub account_id: String,
    pub device_name: String,
    pub auth_method: String,
    pub created_at: i64,
    pub last_used_at: i64,
    pub identity: Option<String>,
    pub user_agent: Option<String>,
    pub signed_in_ip: Option<String>,
    pub last_used_ip: Option<String>,
}

impl Store {
    /// A new session with its first refresh and access tokens, all or nothing.
    pub async fn insert_session(&self, session: &NewSession<'_>) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            // Only for an account that is not deactivated (a sign-in that began before its
            // directory turned it off ends here).
            let inserted = sqlx::query(
                "INSERT INTO sessions (id, account_id, auth_method, device_name, created_at, last_used_at, identity,
                                       link_issuer, link_subject, provider_id, organization_key,
                                       user_agent, signed_in_ip, last_used_ip)
                 SELECT $1, $2, $3, $4, $5, $5, $6, $7, $8, $9, $10, $11, $12, $12
                 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $2 AND deactivated_at IS NULL)",
            )
            .bind(session.id)
            .bind(session.account_id)
            .bind(session.auth_method)
            .bind(session.device_name)
            .bind(session.now)
            .bind(session.identity_json)
            .bind(session.link.as_ref().map(|link| link.issuer))
            .bind(session.link.as_ref().map(|link| link.subject))
            .bind(session.link.as_ref().map(|link| link.provider_id))
            .bind(session.link.as_ref().and_then(|link| link.organization_key))
            .bind(session.user_agent)
            .bind(session.ip)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 0 {
                return Err(StoreError::AccountDeactivated);
            }
            sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)")
                .bind(session.refresh_token_hash)
                .bind(session.id)
                .bind(session.now)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO access_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3)")
                .bind(session.access_token_hash)
                .bind(session.id)
                .bind(session.access_expires_at)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn presented_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<PresentedRefreshToken>, StoreError> {
        Ok(on_backend_reading!(self, pool => sqlx::query_as(
            "SELECT r.session_id, r.rotated_at, r.successor_hash, s.account_id, s.created_at,
                    s.last_used_at, s.revoked_at, s.revoked_reason, o.session_idle_seconds, o.session_absolute_seconds
             FROM refresh_tokens r
             JOIN sessions s ON s.id = r.session_id
             JOIN accounts a ON a.id = s.account_id
             JOIN organizations o ON o.id = a.organization_id
             WHERE r.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await?))
    }

    /// Whether this refresh token is still its family's current one (not rotated).
    pub async fn refresh_token_is_current(&self, token_hash: &str) -> Result<bool, StoreError> {
        let row: Option<(Option<i64>,)> = on_backend_reading!(self, pool => sqlx::query_as(
            "SELECT rotated_at FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await?);
        Ok(matches!(row, Some((None,))))
    }

    /// Rotates `from` to a new refresh token and issues an access token, in one
    /// transaction; the session's last use is now, from `ip` (when known). `false` (and nothing written) when `from` was rotated already, by this
    /// instance or another, or the session was revoked meanwhile: the conditional update
    /// lets exactly one rotation of a live session win.
    #[allow(clippy::too_many_arguments)]
    pub async fn rotate_refresh_token(
        &self,
        session_id: &str,
        from_hash: &str,
        new_refresh_hash: &str,
        new_access_hash: &str,
        access_expires_at: i64,
        ip: Option<&str>,
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            // The session first: this locks its row, so a revocation either comes before
            // (and nothing rotates) or waits until this rotation is done.
            let live = sqlx::query(
                "UPDATE sessions SET last_used_at = $1, last_used_ip = COALESCE($3, last_used_ip)
                 WHERE id = $2 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(session_id)
            .bind(ip)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let rotated = if live == 1 {
                sqlx::query(
                    "UPDATE refresh_tokens SET rotated_at = $1, successor_hash = $2
                     WHERE token_hash = $3 AND session_id = $4 AND rotated_at IS NULL",
                )
                .bind(now)
                .bind(new_refresh_hash)
                .bind(from_hash)
                .bind(session_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
            } else {
                0
            };
            if rotated == 1 {
                sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES ($1, $2, $3)")
                    .bind(new_refresh_hash)
                    .bind(session_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO access_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, $3)")
                    .bind(new_access_hash)
                    .bind(session_id)
                    .bind(access_expires_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            rotated == 1
        }))
    }

    /// Ends the session: refresh tokens stop working, its access tokens are deleted, and so
    /// is its device's SIP credential (its contacts queued for removal at the registrar).
    /// The account whose live session it was (`None`: unknown or ended already).
    pub async fn revoke_session(
        &self,
        session_id: &str,
        reason: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let ended: Option<(String,)> = sqlx::query_as(
                "UPDATE sessions SET revoked_at = $1, revoked_reason = $2 WHERE id = $3 AND revoked_at IS NULL
                 RETURNING account_id",
            )
            .bind(now)
            .bind(reason)
            .bind(session_id)
            .fetch_optional(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM access_tokens WHERE session_id = $1")
                .bind(session_id)
                .execute(&mut *tx)
                .await?;
            if let Some((account_id,)) = &ended {
                tx.end_session_credentials(session_id, account_id, reason, now).await?;
            }
            tx.commit().await?;
            ended.map(|(account_id,)| account_id)
        }))
    }

    /// Ends every live session of the account but `keep`, with `reason`. How many ended.
    pub async fn end_sessions_of_account(
        &self,
        account_id: &str,
        keep: Option<&str>,
        reason: &str,
        now: i64,
    ) -> Result<u64, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let others = SessionsToEnd::OfAccount { account_id, except: keep };
            let ended = tx.end_sessions(others, reason, now).await?;
            tx.commit().await?;
            ended
        }))
    }

    /// The session a refresh token belongs to.
    pub async fn session_of_refresh_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT session_id FROM refresh_tokens WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(id,)| id))
    }

    pub async fn delete_access_token(&self, token_hash: &str) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query("DELETE FROM access_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The live session behind an access token valid at `now`.
    pub async fn session_for_access_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<SessionRow>, StoreError> {
        Ok(on_backend_reading!(self, pool => sqlx::query_as(
            "SELECT s.id, s.account_id, s.device_name, s.auth_method, s.created_at, s.last_used_at, s.identity,
                    s.user_agent, s.signed_in_ip, s.last_used_ip
             FROM access_tokens t JOIN sessions s ON s.id = t.session_id
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND s.revoked_at IS NULL",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(pool)
        .await?))
    }

    /// The account's live sessions, most recently used first.
    pub async fn live_sessions_of_account(
        &self,
        account_id: &str,
    ) -> Result<Vec<SessionRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT id, account_id, device_name, auth_method, created_at, last_used_at, identity,
                    user_agent, signed_in_ip, last_used_ip
             FROM sessions WHERE account_id = $1 AND revoked_at IS NULL
             ORDER BY last_used_at DESC, id",
        )
        .bind(account_id)
        .fetch_all(pool)
        .await?))
    }

    /// The stored form of a session's refresh tokens (their hashes), each with whether it
    /// is the family's current one: for checking that nothing is stored in the clear and
    /// that a family never forks.
    pub async fn refresh_token_hashes(
        &self,
        session_id: &str,
    ) -> Result<Vec<(String, bool)>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT token_hash, rotated_at IS NULL FROM refresh_tokens
             WHERE session_id = $1 ORDER BY issued_at, token_hash",
        )
        .bind(session_id)
        .fetch_all(pool)
        .await?))
    }
}
