//! SIP credentials the registrar accepts (see migration 0011): each signed-in device's own,
//! made at its first profile fetch and ended in the transaction that ends its session;
//! an account's static one, for phones an administrator provisions by hand; and the
//! registrar outbox, the contact removals the registrar has not confirmed yet.

use super::statements::Statements;
use super::{on_backend, on_backend_reading, Store, StoreError};

pub use super::changes::NewSipCredential;

/// A device's credential as its profile hands it out.
#[derive(sqlx::FromRow)]
pub struct DeviceCredentialRow {
    pub auth_user: String,
    pub password_encrypted: String,
}

/// An account's static credential as stored, to compare with what its profile says.
#[derive(sqlx::FromRow, Debug, Clone, PartialEq, Eq)]
pub struct StaticCredentialRow {
    pub auth_user: String,
    pub realm: String,
    pub aor_user: String,
    pub ha1_md5: String,
    pub ha1_sha256: String,
}

/// An account's SIP profile fields the static credential is made from.
#[derive(sqlx::FromRow)]
pub struct StaticCredentialSource {
    pub account_id: String,
    pub auth_user: String,
    pub realm: String,
    pub aor_user: String,
    pub password_encrypted: String,
}

/// A row of the registrar's view of the credentials (what Kamailio's auth_db reads).
#[derive(sqlx::FromRow, Debug, Clone, PartialEq, Eq)]
pub struct RegistrarCredentialRow {
    pub username: String,
    pub domain: String,
    pub ha1: String,
    pub extension: String,
}

/// A contact removal the registrar is still to confirm.
#[derive(sqlx::FromRow, Debug, Clone, PartialEq, Eq)]
pub struct RegistrarRemoval {
    pub id: String,
    pub auth_user: String,
    /// `sip:user@domain`.
    pub aor: String,
    pub created_at: i64,
    pub attempts: i64,
}

impl Store {
    /// The credential of a device's session, if it has one yet.
    pub async fn device_credential(
        &self,
        session_id: &str,
    ) -> Result<Option<DeviceCredentialRow>, StoreError> {
        Ok(on_backend_reading!(self, pool => sqlx::query_as(
            "SELECT auth_user, password_encrypted FROM sip_credentials WHERE session_id = $1",
        )
        .bind(session_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Stores the credential of a live session that has none. `false` when the session
    /// has ended (nothing stored) or another request stored one first. The session's row
    /// is locked first, so a revocation running at the same time either sees this
    /// credential (and ends it) or comes first (and this stores nothing).
    pub async fn insert_device_credential(
        &self,
        credential: &NewSipCredential<'_>,
    ) -> Result<bool, StoreError> {
        let Some(session_id) = credential.session_id else {
            return Ok(false);
        };
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let live = sqlx::query(
                "UPDATE sessions SET last_used_at = last_used_at WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(session_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if live == 0 {
                return Ok(false);
            }
            let inserted = sqlx::query(
                "INSERT INTO sip_credentials (auth_user, account_id, session_id, realm, aor_user, ha1_md5,
                                              ha1_sha256, password_encrypted, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (session_id) DO NOTHING",
            )
            .bind(credential.auth_user)
            .bind(credential.account_id)
            .bind(session_id)
            .bind(credential.realm)
            .bind(credential.aor_user)
            .bind(credential.ha1_md5)
            .bind(credential.ha1_sha256)
            .bind(credential.password_encrypted)
            .bind(credential.now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            inserted == 1
        }))
    }

    /// The account's static credential as stored.
    pub async fn static_credential(
        &self,
        account_id: &str,
    ) -> Result<Option<StaticCredentialRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT auth_user, realm, aor_user, ha1_md5, ha1_sha256 FROM sip_credentials
             WHERE account_id = $1 AND session_id IS NULL",
        )
        .bind(account_id)
        .fetch_optional(pool)
        .await?))
    }

    /// What every account's static credential is made from (its SIP profile); only the
    /// one account's when `account_id` is given.
    pub async fn static_credential_sources(
        &self,
        account_id: Option<&str>,
    ) -> Result<Vec<StaticCredentialSource>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT p.account_id, p.auth_user, p.sip_domain AS realm, p.sip_user AS aor_user, p.password_encrypted
             FROM sip_profiles p JOIN accounts a ON a.id = p.account_id
             WHERE ($1 IS NULL OR p.account_id = $1) AND a.deactivated_at IS NULL
             ORDER BY p.account_id",
        )
        .bind(account_id)
        .fetch_all(pool)
        .await?))
    }

    /// Replaces the account's static credential (its old contacts are queued for removal
    /// unless the new one is the same user on the same line).
    pub async fn put_static_credential(
        &self,
        credential: &NewSipCredential<'_>,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            tx.put_static_credential(credential).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Up to `limit` removals due at `now`, each pushed `retry_after` seconds on so that
    /// another instance does not take it meanwhile (taking one twice is harmless).
    pub async fn take_due_registrar_removals(
        &self,
        now: i64,
        retry_after: i64,
        limit: i64,
    ) -> Result<Vec<RegistrarRemoval>, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let due: Vec<RegistrarRemoval> = sqlx::query_as(
                "UPDATE registrar_outbox SET next_attempt_at = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM registrar_outbox WHERE next_attempt_at <= $1
                              ORDER BY next_attempt_at LIMIT $3)
                 RETURNING id, auth_user, aor, created_at, attempts",
            )
            .bind(now)
            .bind(now + retry_after)
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
            tx.commit().await?;
            due
        }))
    }

    /// Whether a removal is waiting (due or not): for a quick look before taking any.
    pub async fn registrar_removals_due(&self, now: i64) -> Result<bool, StoreError> {
        let row: Option<(String,)> = on_backend_reading!(self, pool => sqlx::query_as(
            "SELECT id FROM registrar_outbox WHERE next_attempt_at <= $1 LIMIT 1",
        )
        .bind(now)
        .fetch_optional(pool)
        .await?);
        Ok(row.is_some())
    }

    /// The registrar confirmed the removal (or it no longer matters): it leaves the outbox.
    pub async fn registrar_removal_done(&self, id: &str) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query("DELETE FROM registrar_outbox WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// The registrar did not confirm: tried again at `next_attempt_at`.
    pub async fn registrar_removal_failed(
        &self,
        id: &str,
        next_attempt_at: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query("UPDATE registrar_outbox SET next_attempt_at = $1, last_error = $2 WHERE id = $3")
                .bind(next_attempt_at)
                .bind(error)
                .bind(id)
                .execute(pool)
                .await?;
        });
        Ok(())
    }

    /// What the registrar reads: the view of the credentials with the SHA-256 digests when
    /// `sha256`, else the MD5 ones; by username.
    pub async fn registrar_credentials(
        &self,
        sha256: bool,
    ) -> Result<Vec<RegistrarCredentialRow>, StoreError> {
        let sql = if sha256 {
            "SELECT username, domain, ha1, extension FROM registrar_credentials_sha256 ORDER BY username"
        } else {
            "SELECT username, domain, ha1, extension FROM registrar_credentials_md5 ORDER BY username"
        };
        Ok(on_backend!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?))
    }

    /// Every removal still waiting, oldest first (for `admin` reports and tests).
    pub async fn registrar_outbox(&self) -> Result<Vec<RegistrarRemoval>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT id, auth_user, aor, created_at, attempts FROM registrar_outbox ORDER BY created_at, id",
        )
        .fetch_all(pool)
        .await?))
    }

    /// Ends every device credential of the account (its extension or SIP settings
    /// changed): each device gets a new one at its next profile fetch, whose version
    /// moves on, and is told so at once.
    pub async fn rotate_device_credentials(
        &self,
        account_id: &str,
        now: i64,
    ) -> Result<u64, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let ended = tx.rotate_device_credentials(account_id, now).await?;
            tx.commit().await?;
            ended
        }))
    }
}
