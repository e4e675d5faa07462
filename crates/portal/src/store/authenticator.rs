//! The authenticator app (its encrypted secret, the last time step accepted, a set-up
//! waiting for its confirming code) and the recovery codes (stored hashed).

use super::account_statements::AccountStatements;
use super::{on_backend, Store, StoreError};

#[derive(sqlx::FromRow)]
pub struct TotpState {
    pub totp_secret_encrypted: Option<String>,
    pub totp_last_step: Option<i64>,
}

impl Store {
    pub async fn totp_state(&self, account_id: &str) -> Result<Option<TotpState>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT totp_secret_encrypted, totp_last_step FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Records an accepted time step, unless this step or a later one was recorded first
    /// (by any instance): then `false`, and the code does not count.
    pub async fn record_totp_step(&self, account_id: &str, step: i64) -> Result<bool, StoreError> {
        let stored = on_backend!(self, pool => sqlx::query(
            "UPDATE accounts SET totp_last_step = $1
             WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(account_id)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(stored == 1)
    }

    pub async fn save_pending_authenticator(
        &self,
        account_id: &str,
        secret_encrypted: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query(
            "INSERT INTO pending_authenticators (account_id, secret_encrypted, expires_at) VALUES ($1, $2, $3)
             ON CONFLICT (account_id) DO UPDATE SET secret_encrypted = excluded.secret_encrypted, expires_at = excluded.expires_at",
        )
        .bind(account_id)
        .bind(secret_encrypted)
        .bind(expires_at)
        .execute(pool)
        .await?;
        });
        Ok(())
    }

    pub async fn pending_authenticator(
        &self,
        account_id: &str,
        now: i64,
    ) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT secret_encrypted FROM pending_authenticators WHERE account_id = $1 AND expires_at >= $2",
        )
        .bind(account_id)
        .bind(now)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(secret,)| secret))
    }

    /// Turns the authenticator on with the confirmed secret and a new set of recovery
    /// codes, in one transaction; `false` (nothing changed) when one is on already.
    pub async fn enable_authenticator(
        &self,
        account_id: &str,
        secret_encrypted: &str,
        step: i64,
        recovery_code_hashes: &[String],
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let enabled = sqlx::query(
                "UPDATE accounts SET totp_secret_encrypted = $1, totp_last_step = $2
                 WHERE id = $3 AND totp_secret_encrypted IS NULL",
            )
            .bind(secret_encrypted)
            .bind(step)
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if enabled == 1 {
                sqlx::query("DELETE FROM pending_authenticators WHERE account_id = $1")
                    .bind(account_id)
                    .execute(&mut *tx)
                    .await?;
                tx.replace_recovery_codes(account_id, recovery_code_hashes, now)
                    .await?;
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            enabled == 1
        }))
    }

    /// Turns the authenticator off and deletes the recovery codes.
    pub async fn disable_authenticator(&self, account_id: &str) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "UPDATE accounts SET totp_secret_encrypted = NULL, totp_last_step = NULL WHERE id = $1",
            )
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Replaces the account's recovery codes.
    pub async fn replace_recovery_codes(
        &self,
        account_id: &str,
        code_hashes: &[String],
        now: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            // Locks the account's row: replacements of its codes happen one at a time.
            sqlx::query("UPDATE accounts SET totp_last_step = totp_last_step WHERE id = $1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            tx.replace_recovery_codes(account_id, code_hashes, now).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Uses the code up; `false` when it is not one of the account's unused codes.
    pub async fn consume_recovery_code(
        &self,
        account_id: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let used = on_backend!(self, pool => sqlx::query(
            "UPDATE recovery_codes SET used_at = $1
             WHERE account_id = $2 AND code_hash = $3 AND used_at IS NULL",
        )
        .bind(now)
        .bind(account_id)
        .bind(code_hash)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(used == 1)
    }

    pub async fn remaining_recovery_codes(&self, account_id: &str) -> Result<i64, StoreError> {
        let (count,): (i64,) = on_backend!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(pool)
        .await?);
        Ok(count)
    }
}
