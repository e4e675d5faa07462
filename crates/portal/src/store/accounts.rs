//! Organizations, accounts, their emails and their softphone (SIP) profiles.

use super::account_statements::AccountStatements;
use super::{on_backend, Store, StoreError};

/// The columns of [`MatchedAccountRow`], over `accounts a JOIN organizations o`.
pub(super) const MATCHED_ACCOUNT_COLUMNS: &str = "a.id, a.display_name, a.extension, o.name AS organization_name, o.require_totp_for_sso, a.totp_secret_encrypted IS NOT NULL AS has_totp";

/// An account an identity reaches, with what the chooser and the policy need.
#[derive(sqlx::FromRow)]
pub struct MatchedAccountRow {
    pub id: String,
    pub display_name: String,
    pub extension: String,
    pub organization_name: String,
    pub require_totp_for_sso: bool,
    pub has_totp: bool,
}

/// An account a login email reaches, for email matching.
#[derive(sqlx::FromRow)]
pub struct EmailMatchRow {
    #[sqlx(flatten)]
    pub account: MatchedAccountRow,
    pub sso_allowed: bool,
    pub provider_enabled: bool,
}

/// What checking an account's password needs.
#[derive(sqlx::FromRow)]
pub struct AccountCredentials {
    pub id: String,
    pub password_hash: String,
    pub has_totp: bool,
    pub sso_allowed: bool,
}

/// One email of an account, with how many other accounts sign in with it too.
#[derive(sqlx::FromRow)]
pub struct AccountEmailRow {
    pub email: String,
    pub purpose: String,
    pub other_login_accounts: i64,
}

#[derive(sqlx::FromRow)]
pub struct SipProfileRow {
    pub extension: String,
    pub display_name: String,
    pub sip_user: String,
    pub auth_user: String,
    pub password_encrypted: String,
    pub sip_domain: String,
    pub registrar: String,
    pub outbound_proxy: Option<String>,
    pub transport: String,
    pub stun_server: Option<String>,
    pub turn_server: Option<String>,
    pub voicemail_number: Option<String>,
    pub version: i64,
}

pub struct NewOrganization<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub require_totp_for_sso: bool,
    pub session_idle_seconds: i64,
    pub session_absolute_seconds: i64,
    /// (provider id, domain or tenant) pairs enabled for it.
    pub providers: &'a [(&'a str, &'a str)],
}

pub struct NewAccount<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub extension: &'a str,
    pub password_hash: &'a str,
    pub totp_secret_encrypted: Option<&'a str>,
    pub login_emails: &'a [&'a str],
    pub notification_emails: &'a [&'a str],
    pub sip: NewSipProfile<'a>,
}

pub struct NewSipProfile<'a> {
    pub sip_user: &'a str,
    pub auth_user: &'a str,
    pub password_encrypted: &'a str,
    pub sip_domain: &'a str,
    pub registrar: &'a str,
    pub outbound_proxy: Option<&'a str>,
    pub transport: &'a str,
    pub stun_server: Option<&'a str>,
    pub turn_server: Option<&'a str>,
    pub voicemail_number: Option<&'a str>,
}

impl Store {
    /// (id, username, display name, extension, organization name).
    pub async fn account_summary(
        &self,
        account_id: &str,
    ) -> Result<Option<(String, String, String, String, String)>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT a.id, a.username, a.display_name, a.extension, o.name
             FROM accounts a JOIN organizations o ON o.id = a.organization_id WHERE a.id = $1",
        )
        .bind(account_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Accounts whose *login* emails equal `email`, each with whether its organization
    /// enabled `provider_id` for `organization_key` (a domain or tenant) and whether it may
    /// use SSO. Accounts from which the user removed this identity's link are left out.
    pub async fn accounts_by_login_email(
        &self,
        email: &str,
        provider_id: &str,
        organization_key: &str,
        issuer: &str,
        subject: &str,
    ) -> Result<Vec<EmailMatchRow>, StoreError> {
        let sql = format!(
            "SELECT {MATCHED_ACCOUNT_COLUMNS}, a.sso_allowed,
                    EXISTS (SELECT 1 FROM organization_providers p
                            WHERE p.organization_id = a.organization_id
                              AND p.provider_id = $1 AND p.domain_or_tenant = $2) AS provider_enabled
             FROM account_emails e
             JOIN accounts a ON a.id = e.account_id
             JOIN organizations o ON o.id = a.organization_id
             WHERE e.email = $3 AND e.purpose = 'login' AND a.deactivated_at IS NULL
               AND NOT EXISTS (SELECT 1 FROM removed_links r
                               WHERE r.issuer = $4 AND r.subject = $5 AND r.account_id = a.id)
             ORDER BY a.display_name, a.id"
        );
        Ok(on_backend!(self, pool => sqlx::query_as(&sql)
            .bind(provider_id)
            .bind(organization_key)
            .bind(email)
            .bind(issuer)
            .bind(subject)
            .fetch_all(pool)
            .await?))
    }

    /// How many accounts sign in with this login email.
    pub async fn login_email_account_count(&self, email: &str) -> Result<i64, StoreError> {
        let (count,): (i64,) = on_backend!(self, pool => sqlx::query_as(
            "SELECT COUNT(DISTINCT e.account_id) FROM account_emails e JOIN accounts a ON a.id = e.account_id
             WHERE e.email = $1 AND e.purpose = 'login' AND a.deactivated_at IS NULL",
        )
        .bind(email)
        .fetch_one(pool)
        .await?);
        Ok(count)
    }

    /// The account whose username is `username` (compared in lower case).
    pub async fn credentials_by_username(
        &self,
        username: &str,
    ) -> Result<Option<AccountCredentials>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT id, password_hash, totp_secret_encrypted IS NOT NULL AS has_totp, sso_allowed
             FROM accounts WHERE lower(username) = $1 AND deactivated_at IS NULL",
        )
        .bind(username)
        .fetch_optional(pool)
        .await?))
    }

    /// The accounts that sign in with this login email.
    pub async fn credentials_by_login_email(
        &self,
        email: &str,
    ) -> Result<Vec<AccountCredentials>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT a.id, a.password_hash, a.totp_secret_encrypted IS NOT NULL AS has_totp, a.sso_allowed
             FROM account_emails e JOIN accounts a ON a.id = e.account_id
             WHERE e.email = $1 AND e.purpose = 'login' AND a.deactivated_at IS NULL
             ORDER BY a.id",
        )
        .bind(email)
        .fetch_all(pool)
        .await?))
    }

    pub async fn credentials_by_id(
        &self,
        account_id: &str,
    ) -> Result<Option<AccountCredentials>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT id, password_hash, totp_secret_encrypted IS NOT NULL AS has_totp, sso_allowed
             FROM accounts WHERE id = $1 AND deactivated_at IS NULL",
        )
        .bind(account_id)
        .fetch_optional(pool)
        .await?))
    }

    pub async fn username(&self, account_id: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT username FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_optional(pool)
        .await?);
        Ok(row.map(|(name,)| name))
    }

    pub async fn set_password_hash(
        &self,
        account_id: &str,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query("UPDATE accounts SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(account_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Allows or denies the account SSO sign-in (an administrator's decision).
    pub async fn set_sso_allowed(&self, account_id: &str, allowed: bool) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query("UPDATE accounts SET sso_allowed = $1 WHERE id = $2")
            .bind(allowed)
            .bind(account_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Changes an organization's policy; `None` keeps a setting.
    pub async fn set_organization_policy(
        &self,
        organization_id: &str,
        require_totp_for_sso: Option<bool>,
        session_idle_seconds: Option<i64>,
        session_absolute_seconds: Option<i64>,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query(
            "UPDATE organizations SET
                 require_totp_for_sso = COALESCE($1, require_totp_for_sso),
                 session_idle_seconds = COALESCE($2, session_idle_seconds),
                 session_absolute_seconds = COALESCE($3, session_absolute_seconds)
             WHERE id = $4",
        )
        .bind(require_totp_for_sso)
        .bind(session_idle_seconds)
        .bind(session_absolute_seconds)
        .bind(organization_id)
        .execute(pool)
        .await?;
        });
        Ok(())
    }

    pub async fn account_count(&self) -> Result<i64, StoreError> {
        let (count,): (i64,) = on_backend!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM accounts",
        )
        .fetch_one(pool)
        .await?);
        Ok(count)
    }

    /// The account's emails, login ones first, each with how many *other* accounts have
    /// it as a login email (for login emails only: notification emails reveal nothing).
    pub async fn emails_of_account(
        &self,
        account_id: &str,
    ) -> Result<Vec<AccountEmailRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT e.email, e.purpose,
                    CASE WHEN e.purpose = 'login' THEN
                        (SELECT COUNT(*) FROM account_emails o
                         WHERE o.email = e.email AND o.purpose = 'login' AND o.account_id <> e.account_id)
                    ELSE 0 END AS other_login_accounts
             FROM account_emails e WHERE e.account_id = $1 ORDER BY e.purpose, e.email",
        )
        .bind(account_id)
        .fetch_all(pool)
        .await?))
    }

    /// Adds a notification-only email; `false` when the account has that email already.
    pub async fn add_notification_email(
        &self,
        account_id: &str,
        email: &str,
    ) -> Result<bool, StoreError> {
        let added = on_backend!(self, pool => sqlx::query(
            "INSERT INTO account_emails (account_id, email, purpose) VALUES ($1, $2, 'notification')
             ON CONFLICT (account_id, email) DO NOTHING",
        )
        .bind(account_id)
        .bind(email)
        .execute(pool)
        .await?
        .rows_affected());
        Ok(added == 1)
    }

    /// Removes a notification email. `Ok(None)`: the account has no such email;
    /// `Ok(Some(purpose))`: its purpose, and only a notification email was removed.
    pub async fn remove_notification_email(
        &self,
        account_id: &str,
        email: &str,
    ) -> Result<Option<String>, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let removed = sqlx::query(
                "DELETE FROM account_emails WHERE account_id = $1 AND email = $2 AND purpose = 'notification'",
            )
            .bind(account_id)
            .bind(email)
            .execute(&mut *tx)
            .await?;
            let purpose = if removed.rows_affected() > 0 {
                Some("notification".to_owned())
            } else {
                let row: Option<(String,)> = sqlx::query_as(
                    "SELECT purpose FROM account_emails WHERE account_id = $1 AND email = $2",
                )
                .bind(account_id)
                .bind(email)
                .fetch_optional(&mut *tx)
                .await?;
                row.map(|(purpose,)| purpose)
            };
            tx.commit().await?;
            purpose
        }))
    }

    pub async fn sip_profile(&self, account_id: &str) -> Result<Option<SipProfileRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT a.extension, a.display_name, p.sip_user, p.auth_user, p.password_encrypted, p.sip_domain,
                    p.registrar, p.outbound_proxy, p.transport, p.stun_server, p.turn_server, p.voicemail_number, p.version
             FROM sip_profiles p JOIN accounts a ON a.id = p.account_id WHERE p.account_id = $1",
        )
        .bind(account_id)
        .fetch_optional(pool)
        .await?))
    }

    /// Moves the account's phone to another registrar; the profile's version (ETag) moves on.
    pub async fn set_sip_registrar(
        &self,
        account_id: &str,
        registrar: &str,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            sqlx::query(
                "UPDATE sip_profiles SET registrar = $1, version = version + 1 WHERE account_id = $2",
            )
            .bind(registrar)
            .bind(account_id)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// How many organizations there are besides `organization_id`.
    pub async fn other_organization_count(&self, organization_id: &str) -> Result<i64, StoreError> {
        let (count,): (i64,) = on_backend!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM organizations WHERE id <> $1",
        )
        .bind(organization_id)
        .fetch_one(pool)
        .await?);
        Ok(count)
    }

    pub async fn organization_exists(&self, organization_id: &str) -> Result<bool, StoreError> {
        let row: Option<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT id FROM organizations WHERE id = $1",
        )
        .bind(organization_id)
        .fetch_optional(pool)
        .await?);
        Ok(row.is_some())
    }

    /// Writes an organization with its providers and accounts in one transaction; `false`
    /// (and nothing written) when an organization with that id exists already.
    pub async fn insert_organization_with_accounts(
        &self,
        organization: &NewOrganization<'_>,
        accounts: &[NewAccount<'_>],
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO organizations (id, name, require_totp_for_sso, session_idle_seconds, session_absolute_seconds)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            )
            .bind(organization.id)
            .bind(organization.name)
            .bind(organization.require_totp_for_sso)
            .bind(organization.session_idle_seconds)
            .bind(organization.session_absolute_seconds)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted == 1 {
                for (provider_id, domain_or_tenant) in organization.providers {
                    sqlx::query(
                        "INSERT INTO organization_providers (organization_id, provider_id, domain_or_tenant) VALUES ($1, $2, $3)",
                    )
                    .bind(organization.id)
                    .bind(*provider_id)
                    .bind(*domain_or_tenant)
                    .execute(&mut *tx)
                    .await?;
                }
                for account in accounts {
                    tx.insert_account(organization.id, account, now).await?;
                }
            }
            tx.commit().await?;
            inserted == 1
        }))
    }
}
