//! Accounts as operators change them: details, emails, password, authenticator, sessions,
//! single sign-on.

use serde::Serialize;

use super::super::accounts::NewAccount;
use super::super::audit::insert_audit_row;
use super::super::{on_backend, AuditRow, Store, StoreError};
use super::{AccountChange, Ended};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AccountRow {
    pub id: String,
    pub organization_id: String,
    pub username: String,
    pub display_name: String,
    pub extension: String,
    pub sso_allowed: bool,
    pub has_authenticator: bool,
    pub created_at: i64,
}

const ACCOUNT_COLUMNS: &str = "id, organization_id, username, display_name, extension, sso_allowed,
    totp_secret_encrypted IS NOT NULL AS has_authenticator, created_at";

impl Store {
    pub async fn account_by_username(
        &self,
        username: &str,
    ) -> Result<Option<AccountRow>, StoreError> {
        let sql =
            format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE lower(username) = lower($1)");
        Ok(on_backend!(self, pool => sqlx::query_as(&sql)
            .bind(username)
            .fetch_optional(pool)
            .await?))
    }

    pub async fn accounts_of(
        &self,
        organization_id: Option<&str>,
    ) -> Result<Vec<AccountRow>, StoreError> {
        let sql = format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE ($1 IS NULL OR organization_id = $1)
             ORDER BY organization_id, username"
        );
        Ok(on_backend!(self, pool => sqlx::query_as(&sql)
            .bind(organization_id)
            .fetch_all(pool)
            .await?))
    }

    /// The usernames of the accounts that sign in with this login email.
    pub async fn login_email_owners(&self, email: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT a.username FROM account_emails e JOIN accounts a ON a.id = e.account_id
             WHERE e.email = $1 AND e.purpose = 'login' ORDER BY a.username",
        )
        .bind(email)
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(username,)| username).collect())
    }

    /// Creates one account with its emails and SIP profile in `organization_id`.
    pub async fn create_account(
        &self,
        organization_id: &str,
        account: &NewAccount<'_>,
        now: i64,
        audit: &AuditRow,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            super::super::accounts::insert_account!(tx, organization_id, account, now)?;
            commit_with_audit!(tx, audit);
        });
        Ok(())
    }

    /// `false` when there is no such account.
    pub async fn update_account(
        &self,
        account_id: &str,
        change: &AccountChange,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let changed = update_account_rows!(tx, account_id, change)?;
            if changed {
                commit_with_audit!(tx, audit);
            }
            changed
        }))
    }

    /// Adds an email with `purpose`, or changes the purpose of one the account has. When a
    /// login email becomes notification-only, the links made from it end with their
    /// sessions. `None` when the account has the email with that purpose already.
    pub async fn put_email(
        &self,
        account_id: &str,
        email: &str,
        purpose: &str,
        now: i64,
        audit: &AuditRow,
    ) -> Result<Option<Ended>, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let written = sqlx::query(
                "INSERT INTO account_emails (account_id, email, purpose) VALUES ($1, $2, $3)
                 ON CONFLICT (account_id, email) DO UPDATE SET purpose = excluded.purpose
                 WHERE account_emails.purpose <> excluded.purpose",
            )
            .bind(account_id)
            .bind(email)
            .bind(purpose)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if written {
                let ended = if purpose == "login" {
                    Ended::default()
                } else {
                    end_email_links!(tx, account_id, email, audit.actor.as_str(), now)?
                };
                commit_with_audit!(tx, audit);
                Some(ended)
            } else {
                None
            }
        }))
    }

    /// Removes an email of the account; the links made from it end with their sessions.
    /// `None` when the account has no such email.
    pub async fn remove_email(
        &self,
        account_id: &str,
        email: &str,
        now: i64,
        audit: &AuditRow,
    ) -> Result<Option<Ended>, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let removed = sqlx::query("DELETE FROM account_emails WHERE account_id = $1 AND email = $2")
                .bind(account_id)
                .bind(email)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if removed {
                let ended = end_email_links!(tx, account_id, email, audit.actor.as_str(), now)?;
                commit_with_audit!(tx, audit);
                Some(ended)
            } else {
                None
            }
        }))
    }

    /// Sets a new password hash; every session of the account ends. How many ended.
    pub async fn reset_password(
        &self,
        account_id: &str,
        password_hash: &str,
        now: i64,
        audit: &AuditRow,
    ) -> Result<u64, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            let ended = end_sessions!(
                tx,
                sqlx::query_as(
                    "UPDATE sessions SET revoked_at = $1, revoked_reason = 'password_reset'
                     WHERE account_id = $2 AND revoked_at IS NULL RETURNING id",
                )
                .bind(now)
                .bind(account_id)
            )?;
            // A lockout from someone else's guesses ends with the reset.
            // (The account's own key and its per-client keys `account:<id>|<address>`.)
            let own_key = format!("account:{account_id}");
            sqlx::query(
                "DELETE FROM attempt_limits
                 WHERE subject_key = $1 OR substr(subject_key, 1, length($2)) = $2",
            )
            .bind(&own_key)
            .bind(format!("{own_key}|"))
            .execute(&mut *tx)
            .await?;
            commit_with_audit!(tx, audit);
            ended
        }))
    }

    /// Removes the account's authenticator app and recovery codes. `false` when it had none.
    pub async fn reset_authenticator(
        &self,
        account_id: &str,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let had = sqlx::query(
                "UPDATE accounts SET totp_secret_encrypted = NULL, totp_last_step = NULL
                 WHERE id = $1 AND totp_secret_encrypted IS NOT NULL",
            )
            .bind(account_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM pending_authenticators WHERE account_id = $1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM attempt_limits WHERE subject_key = $1")
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            if had {
                commit_with_audit!(tx, audit);
            }
            had
        }))
    }

    /// Ends every live session of the account except `keep`, with `audit` in the same
    /// transaction when given. How many ended.
    pub async fn end_sessions_of_account(
        &self,
        account_id: &str,
        keep: Option<&str>,
        reason: &str,
        now: i64,
        audit: Option<&AuditRow>,
    ) -> Result<u64, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let ended = end_sessions!(
                tx,
                sqlx::query_as(
                    "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
                     WHERE account_id = $3 AND revoked_at IS NULL AND id <> COALESCE($4, '')
                     RETURNING id",
                )
                .bind(now)
                .bind(reason)
                .bind(account_id)
                .bind(keep)
            )?;
            if let Some(audit) = audit {
                insert_audit_row!(&mut *tx, audit)?;
            }
            tx.commit().await?;
            ended
        }))
    }

    /// Allows or denies the account SSO; denying ends its provider sessions. How many
    /// ended; `None` when it was so already.
    pub async fn set_sso(
        &self,
        account_id: &str,
        allowed: bool,
        now: i64,
        audit: &AuditRow,
    ) -> Result<Option<u64>, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query("UPDATE accounts SET sso_allowed = $1 WHERE id = $2 AND sso_allowed <> $1")
                .bind(allowed)
                .bind(account_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if changed {
                let ended = if allowed {
                    0
                } else {
                    end_sessions!(
                        tx,
                        sqlx::query_as(
                            "UPDATE sessions SET revoked_at = $1, revoked_reason = 'sso_denied'
                             WHERE account_id = $2 AND revoked_at IS NULL
                               AND (identity IS NOT NULL OR auth_method LIKE 'sso:%' OR auth_method LIKE 'link:%')
                             RETURNING id",
                        )
                        .bind(now)
                        .bind(account_id)
                    )?
                };
                commit_with_audit!(tx, audit);
                Some(ended)
            } else {
                None
            }
        }))
    }
}
