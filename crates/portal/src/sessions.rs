//! Sessions: one refresh-token family per signed-in device. Refresh tokens are stored
//! hashed and rotate on every use; the just-rotated token keeps working for a short grace
//! window (a crash between rotation and the keychain write must not sign the user out);
//! an older token coming back means it was copied, and the whole family is revoked.
//! Idle and absolute lifetimes come from the organization's policy.

use sqlx::SqlitePool;
use switchboard_api::{AccountSummary, SessionTokens};

use crate::db::DbError;
use crate::providers::ProviderIdentity;
use crate::tokens::{new_token, token_hash, TokenKind};

/// Seconds an access token lives.
pub const ACCESS_TOKEN_LIFETIME: i64 = 600;
/// Seconds a just-rotated refresh token is still accepted.
pub const REFRESH_GRACE_SECONDS: i64 = 30;

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("this sign-in is not valid (unknown or revoked): sign in again")]
    Invalid,
    #[error("this sign-in has expired under your organization's policy: sign in again")]
    Expired,
    #[error("this sign-in was used from two places, so it was ended for safety: sign in again")]
    Replayed,
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<sqlx::Error> for SessionError {
    fn from(error: sqlx::Error) -> Self {
        Self::Db(DbError::Query(error))
    }
}

pub async fn account_summary(
    pool: &SqlitePool,
    account_id: &str,
) -> Result<AccountSummary, SessionError> {
    let row: Option<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT a.id, a.username, a.display_name, a.extension, o.name
         FROM accounts a JOIN organizations o ON o.id = a.organization_id WHERE a.id = ?",
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await?;
    let (account_id, username, display_name, extension, organization_name) =
        row.ok_or(SessionError::Invalid)?;
    Ok(AccountSummary {
        account_id,
        username,
        display_name,
        extension,
        organization_name,
    })
}

/// Starts a session for the account: a new refresh-token family and an access token.
pub async fn start_session(
    pool: &SqlitePool,
    account_id: &str,
    auth_method: &str,
    device_name: &str,
    now: i64,
) -> Result<(String, SessionTokens), SessionError> {
    start_session_from(pool, account_id, auth_method, device_name, None, now).await
}

/// As `start_session`, remembering the provider identity it came through (for "use a
/// different account" later).
pub async fn start_session_from(
    pool: &SqlitePool,
    account_id: &str,
    auth_method: &str,
    device_name: &str,
    identity: Option<&ProviderIdentity>,
    now: i64,
) -> Result<(String, SessionTokens), SessionError> {
    let identity = identity
        .map(serde_json::to_string)
        .transpose()
        .map_err(|e| DbError::Encode(e.to_string()))?;
    let account = account_summary(pool, account_id).await?;
    let session_id = new_token(TokenKind::SessionId);
    let refresh_token = new_token(TokenKind::RefreshToken);
    let access_token = new_token(TokenKind::AccessToken);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO sessions (id, account_id, auth_method, device_name, created_at, last_used_at, identity)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&session_id)
    .bind(account_id)
    .bind(auth_method)
    .bind(device_name)
    .bind(now)
    .bind(now)
    .bind(identity)
    .execute(&mut *tx)
    .await?;
    insert_tokens(&mut tx, &session_id, &refresh_token, &access_token, now).await?;
    tx.commit().await?;
    Ok((
        session_id,
        SessionTokens {
            access_token,
            token_type: "Bearer".into(),
            expires_in: ACCESS_TOKEN_LIFETIME as u64,
            refresh_token,
            account,
        },
    ))
}

async fn insert_tokens(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    session_id: &str,
    refresh_token: &str,
    access_token: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO refresh_tokens (token_hash, session_id, issued_at) VALUES (?, ?, ?)")
        .bind(token_hash(refresh_token))
        .bind(session_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    sqlx::query("INSERT INTO access_tokens (token_hash, session_id, expires_at) VALUES (?, ?, ?)")
        .bind(token_hash(access_token))
        .bind(session_id)
        .bind(now + ACCESS_TOKEN_LIFETIME)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PresentedToken {
    session_id: String,
    rotated_at: Option<i64>,
    successor_hash: Option<String>,
    account_id: String,
    created_at: i64,
    last_used_at: i64,
    revoked_at: Option<i64>,
    session_idle_seconds: i64,
    session_absolute_seconds: i64,
}

/// The `refresh_token` grant.
pub async fn refresh(
    pool: &SqlitePool,
    refresh_token: &str,
    now: i64,
) -> Result<SessionTokens, SessionError> {
    let presented_hash = token_hash(refresh_token);
    let presented: PresentedToken = sqlx::query_as(
        "SELECT r.session_id, r.rotated_at, r.successor_hash, s.account_id, s.created_at,
                s.last_used_at, s.revoked_at, o.session_idle_seconds, o.session_absolute_seconds
         FROM refresh_tokens r
         JOIN sessions s ON s.id = r.session_id
         JOIN accounts a ON a.id = s.account_id
         JOIN organizations o ON o.id = a.organization_id
         WHERE r.token_hash = ?",
    )
    .bind(&presented_hash)
    .fetch_optional(pool)
    .await?
    .ok_or(SessionError::Invalid)?;

    if presented.revoked_at.is_some() {
        return Err(SessionError::Invalid);
    }
    let idle = now - presented.last_used_at > presented.session_idle_seconds;
    let too_old = now - presented.created_at > presented.session_absolute_seconds;
    if idle || too_old {
        revoke_session(pool, &presented.session_id, "expired", now).await?;
        return Err(SessionError::Expired);
    }

    // The token to rotate: the presented one, or within the grace window its successor
    // when that is still the family's current token.
    let rotate_from = match (&presented.rotated_at, &presented.successor_hash) {
        (None, _) => presented_hash,
        (Some(rotated_at), Some(successor)) if now - rotated_at <= REFRESH_GRACE_SECONDS => {
            let successor_current: Option<(Option<i64>,)> =
                sqlx::query_as("SELECT rotated_at FROM refresh_tokens WHERE token_hash = ?")
                    .bind(successor)
                    .fetch_optional(pool)
                    .await?;
            if !matches!(successor_current, Some((None,))) {
                revoke_session(pool, &presented.session_id, "refresh_token_replayed", now).await?;
                return Err(SessionError::Replayed);
            }
            successor.clone()
        }
        _ => {
            revoke_session(pool, &presented.session_id, "refresh_token_replayed", now).await?;
            return Err(SessionError::Replayed);
        }
    };

    let new_refresh = new_token(TokenKind::RefreshToken);
    let new_access = new_token(TokenKind::AccessToken);
    let mut tx = pool.begin().await?;
    // Writing first takes the write lock at once; the condition makes a concurrent
    // rotation of the same token lose cleanly instead of forking the family.
    let rotated = sqlx::query(
        "UPDATE refresh_tokens SET rotated_at = ?, successor_hash = ?
         WHERE token_hash = ? AND rotated_at IS NULL",
    )
    .bind(now)
    .bind(token_hash(&new_refresh))
    .bind(&rotate_from)
    .execute(&mut *tx)
    .await?;
    if rotated.rows_affected() != 1 {
        return Err(SessionError::Invalid);
    }
    insert_tokens(
        &mut tx,
        &presented.session_id,
        &new_refresh,
        &new_access,
        now,
    )
    .await?;
    sqlx::query("UPDATE sessions SET last_used_at = ? WHERE id = ? AND revoked_at IS NULL")
        .bind(now)
        .bind(&presented.session_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;

    Ok(SessionTokens {
        access_token: new_access,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TOKEN_LIFETIME as u64,
        refresh_token: new_refresh,
        account: account_summary(pool, &presented.account_id).await?,
    })
}

pub async fn revoke_session(
    pool: &SqlitePool,
    session_id: &str,
    reason: &str,
    now: i64,
) -> Result<(), SessionError> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE sessions SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL",
    )
    .bind(now)
    .bind(reason)
    .bind(session_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM access_tokens WHERE session_id = ?")
        .bind(session_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// RFC 7009: a refresh token ends its whole session; an access token just itself. Unknown
/// tokens are not an error (the answer must not tell which tokens exist).
pub async fn revoke_token(pool: &SqlitePool, token: &str, now: i64) -> Result<(), SessionError> {
    let hash = token_hash(token);
    let session: Option<(String,)> =
        sqlx::query_as("SELECT session_id FROM refresh_tokens WHERE token_hash = ?")
            .bind(&hash)
            .fetch_optional(pool)
            .await?;
    if let Some((session_id,)) = session {
        return revoke_session(pool, &session_id, "signed_out", now).await;
    }
    sqlx::query("DELETE FROM access_tokens WHERE token_hash = ?")
        .bind(&hash)
        .execute(pool)
        .await?;
    Ok(())
}

/// The account an access token stands for, if it is valid now.
pub async fn account_for_access_token(
    pool: &SqlitePool,
    access_token: &str,
    now: i64,
) -> Result<Option<String>, SessionError> {
    Ok(session_for_access_token(pool, access_token, now)
        .await?
        .map(|session| session.account_id))
}

/// The session behind a valid access token.
#[derive(Debug, Clone)]
pub struct AuthenticatedSession {
    pub session_id: String,
    pub account_id: String,
    /// The provider identity it signed in through; `None` for a password sign-in.
    pub identity: Option<ProviderIdentity>,
}

pub async fn session_for_access_token(
    pool: &SqlitePool,
    access_token: &str,
    now: i64,
) -> Result<Option<AuthenticatedSession>, SessionError> {
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT s.id, s.account_id, s.identity FROM access_tokens t JOIN sessions s ON s.id = t.session_id
         WHERE t.token_hash = ? AND t.expires_at > ? AND s.revoked_at IS NULL",
    )
    .bind(token_hash(access_token))
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some((session_id, account_id, identity)) = row else {
        return Ok(None);
    };
    let identity = identity
        .map(|json| serde_json::from_str(&json))
        .transpose()
        .map_err(|e| DbError::Encode(e.to_string()))?;
    Ok(Some(AuthenticatedSession {
        session_id,
        account_id,
        identity,
    }))
}

/// The device name shown in the user's sessions: printable, at most 64 characters.
pub fn device_label(name: Option<&str>) -> String {
    let name: String = name
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect();
    let name = name.trim();
    if name.is_empty() {
        "Unknown device".to_owned()
    } else {
        name.to_owned()
    }
}
