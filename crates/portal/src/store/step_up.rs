//! Step-up: a session's recent confirmation (password, and the authenticator code when the
//! account has one), and ending what a password change makes stale.

use super::{on_backend, Store, StoreError};

impl Store {
    /// Marks the session as confirmed by its user at `now`.
    pub async fn confirm_session(&self, session_id: &str, now: i64) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query("UPDATE sessions SET confirmed_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now)
            .bind(session_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// When the session last confirmed its user, if ever.
    pub async fn session_confirmed_at(&self, session_id: &str) -> Result<Option<i64>, StoreError> {
        let row: Option<(Option<i64>,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT confirmed_at FROM sessions WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(session_id)
        .fetch_optional(pool)
        .await?);
        Ok(row.and_then(|(at,)| at))
    }

    /// Uses up the account's outstanding authenticator-code tickets (a password was
    /// checked to make them) and link intents, in one transaction. Answers how many ended.
    pub async fn end_pending_grants_of_account(
        &self,
        account_id: &str,
        now: i64,
    ) -> Result<u64, StoreError> {
        // The ticket lists its accounts comma-separated: match the whole id, literally.
        let pattern = format!(
            "%,{},%",
            account_id
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let tickets = sqlx::query(
                "UPDATE login_tickets SET used_at = $1
                 WHERE kind = 'mfa' AND used_at IS NULL
                   AND (',' || account_ids || ',') LIKE $2 ESCAPE '\\'",
            )
            .bind(now)
            .bind(&pattern)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            let intents = sqlx::query(
                "UPDATE link_intents SET used_at = $1 WHERE account_id = $2 AND used_at IS NULL",
            )
            .bind(now)
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            tx.commit().await?;
            tickets + intents
        }))
    }
}
