//! Notification emails the user adds: each waits, unconfirmed, for the code mailed to it.

use super::{on_backend, Store, StoreError};

/// What adding a notification email did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddedEmail {
    /// Added, waiting for its code.
    Added,
    /// It was waiting already: a new code replaces the old one.
    CodeRenewed,
    /// The account has it already (confirmed, or as a login email).
    Exists,
    /// The account has as many notification emails as it may.
    LimitReached,
}

impl Store {
    /// Adds `email` as an unconfirmed notification email of the account, within `limit`
    /// notification emails, under a lock on the account's row (so parallel requests cannot
    /// pass the limit together).
    pub async fn add_unconfirmed_notification_email(
        &self,
        account_id: &str,
        email: &str,
        code_hash: &str,
        expires_at: i64,
        limit: i64,
    ) -> Result<AddedEmail, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            // The lock: the first statement writes the account's row.
            sqlx::query("UPDATE accounts SET username = username WHERE id = $1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            let existing: Option<(String, bool)> = sqlx::query_as(
                "SELECT purpose, confirmation_hash IS NOT NULL FROM account_emails
                 WHERE account_id = $1 AND email = $2",
            )
            .bind(account_id)
            .bind(email)
            .fetch_optional(&mut *tx)
            .await?;
            let outcome = match existing {
                Some((purpose, true)) if purpose == "notification" => {
                    sqlx::query(
                        "UPDATE account_emails SET confirmation_hash = $1, confirmation_expires_at = $2
                         WHERE account_id = $3 AND email = $4",
                    )
                    .bind(code_hash)
                    .bind(expires_at)
                    .bind(account_id)
                    .bind(email)
                    .execute(&mut *tx)
                    .await?;
                    AddedEmail::CodeRenewed
                }
                Some(_) => AddedEmail::Exists,
                None => {
                    let (count,): (i64,) = sqlx::query_as(
                        "SELECT COUNT(*) FROM account_emails
                         WHERE account_id = $1 AND purpose = 'notification'",
                    )
                    .bind(account_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    if count >= limit {
                        AddedEmail::LimitReached
                    } else {
                        sqlx::query(
                            "INSERT INTO account_emails
                                 (account_id, email, purpose, confirmation_hash, confirmation_expires_at)
                             VALUES ($1, $2, 'notification', $3, $4)",
                        )
                        .bind(account_id)
                        .bind(email)
                        .bind(code_hash)
                        .bind(expires_at)
                        .execute(&mut *tx)
                        .await?;
                        AddedEmail::Added
                    }
                }
            };
            tx.commit().await?;
            outcome
        }))
    }

    /// Confirms the waiting notification email when `code_hash` is its code's and in time.
    pub async fn confirm_notification_email(
        &self,
        account_id: &str,
        email: &str,
        code_hash: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        let confirmed = on_backend!(self, pool => sqlx::query(
            "UPDATE account_emails SET confirmation_hash = NULL, confirmation_expires_at = NULL
             WHERE account_id = $1 AND email = $2 AND purpose = 'notification'
               AND confirmation_hash = $3 AND confirmation_expires_at >= $4",
        )
        .bind(account_id)
        .bind(email)
        .bind(code_hash)
        .bind(now)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(confirmed == 1)
    }

    /// The account's notification emails still waiting for their code.
    pub async fn unconfirmed_emails_of_account(
        &self,
        account_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT email FROM account_emails
             WHERE account_id = $1 AND confirmation_hash IS NOT NULL ORDER BY email",
        )
        .bind(account_id)
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(email,)| email).collect())
    }

    /// The notification emails that may be sent copies: confirmed ones only.
    pub async fn deliverable_notification_emails(
        &self,
        account_id: &str,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT email FROM account_emails
             WHERE account_id = $1 AND purpose = 'notification' AND confirmation_hash IS NULL
             ORDER BY email",
        )
        .bind(account_id)
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(email,)| email).collect())
    }

    /// Whether `email` signs in to an account other than this one.
    pub async fn is_login_email_of_another_account(
        &self,
        account_id: &str,
        email: &str,
    ) -> Result<bool, StoreError> {
        let (count,): (i64,) = on_backend!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM account_emails
             WHERE email = $1 AND purpose = 'login' AND account_id <> $2",
        )
        .bind(email)
        .bind(account_id)
        .fetch_one(pool)
        .await?);
        Ok(count > 0)
    }
}
