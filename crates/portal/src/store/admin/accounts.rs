//! Accounts as operators change them: details, emails, password, authenticator, sessions,
//! single sign-on.

use serde::Serialize;

use super::super::account_statements::AccountStatements;
use super::super::accounts::NewAccount;
use super::super::changes::{Ended, LinksToEnd, SessionsToEnd, UnlinkAudit};
use super::super::statements::Statements;
use super::super::{on_backend, AuditRow, Store, StoreError};
use super::{write_with_audit, AccountChange, Written};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AccountRow {
    pub id: String,
    pub organization_id: String,
    pub username: String,
    pub display_name: String,
    pub extension: String,
    pub sso_allowed: bool,
    pub has_authenticator: bool,
    /// `false` when the organization's directory turned it off (SCIM).
    pub active: bool,
    pub created_at: i64,
}

const ACCOUNT_COLUMNS: &str = "id, organization_id, username, display_name, extension, sso_allowed,
    totp_secret_encrypted IS NOT NULL AS has_authenticator, deactivated_at IS NULL AS active,
    created_at";

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
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            tx.insert_account(organization_id, account, now).await?;
            Ok(Written::Changed(()))
        })
        .await)
    }

    /// `false` when there is no such account.
    pub async fn update_account(
        &self,
        account_id: &str,
        change: &AccountChange,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            let changed = tx.update_account_rows(account_id, change).await?;
            if changed && change.rotates_device_credentials() {
                tx.rotate_device_credentials(account_id, audit.at).await?;
            }
            Ok(Written::when(changed, changed))
        })
        .await)
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
        unlink_audit: UnlinkAudit<'_>,
    ) -> Result<Option<Ended>, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
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
            if !written {
                return Ok(Written::Unchanged(None));
            }
            let ended = if purpose == "login" {
                Ended::default()
            } else {
                let made_from_email = LinksToEnd::MadeFromEmail { account_id, email };
                tx.end_links(made_from_email, "login_email_removed", now, unlink_audit)
                    .await?
            };
            Ok(Written::Changed(Some(ended)))
        })
        .await)
    }

    /// Removes an email of the account; the links made from it end with their sessions.
    /// `None` when the account has no such email.
    pub async fn remove_email(
        &self,
        account_id: &str,
        email: &str,
        now: i64,
        audit: &AuditRow,
        unlink_audit: UnlinkAudit<'_>,
    ) -> Result<Option<Ended>, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            let removed = sqlx::query("DELETE FROM account_emails WHERE account_id = $1 AND email = $2")
                .bind(account_id)
                .bind(email)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !removed {
                return Ok(Written::Unchanged(None));
            }
            let made_from_email = LinksToEnd::MadeFromEmail { account_id, email };
            let ended = tx
                .end_links(made_from_email, "login_email_removed", now, unlink_audit)
                .await?;
            Ok(Written::Changed(Some(ended)))
        })
        .await)
    }

    /// Sets a new password hash; every session of the account ends. How many ended.
    pub async fn reset_password(
        &self,
        account_id: &str,
        password_hash: &str,
        now: i64,
        audit: &AuditRow,
    ) -> Result<u64, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
                .bind(password_hash)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
            let every_session = SessionsToEnd::OfAccount { account_id, except: None };
            let ended = tx.end_sessions(every_session, "password_reset", now).await?;
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
            Ok(Written::Changed(ended))
        })
        .await)
    }

    /// Removes the account's authenticator app and recovery codes. `false` when it had none.
    pub async fn reset_authenticator(
        &self,
        account_id: &str,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
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
            Ok(Written::when(had, had))
        })
        .await)
    }

    /// Ends every live session of the account, with `reason`. How many ended.
    pub async fn end_all_sessions(
        &self,
        account_id: &str,
        reason: &str,
        now: i64,
        audit: &AuditRow,
    ) -> Result<u64, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            let every_session = SessionsToEnd::OfAccount { account_id, except: None };
            let ended = tx.end_sessions(every_session, reason, now).await?;
            Ok(Written::Changed(ended))
        })
        .await)
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
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            let changed = sqlx::query("UPDATE accounts SET sso_allowed = $1 WHERE id = $2 AND sso_allowed <> $1")
                .bind(allowed)
                .bind(account_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !changed {
                return Ok(Written::Unchanged(None));
            }
            let ended = if allowed {
                0
            } else {
                let through_providers = SessionsToEnd::ThroughProviders { account_id };
                tx.end_sessions(through_providers, "sso_denied", now).await?
            };
            Ok(Written::Changed(Some(ended)))
        })
        .await)
    }
}
