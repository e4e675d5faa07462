//! What operators change with `switchboard-portal admin`: organizations, the providers
//! they enabled, accounts and their emails. Every change is one transaction that also
//! writes its audit event, so a change and its record land together or not at all, and
//! instances serving at the same time see either all of it or none.

use serde::Serialize;

use super::accounts::NewAccount;
use super::audit::insert_audit_row;
use super::{on_backend, AuditRow, Store, StoreError};

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct OrganizationRow {
    pub id: String,
    pub name: String,
    pub require_totp_for_sso: bool,
    pub session_idle_seconds: i64,
    pub session_absolute_seconds: i64,
    pub accounts: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EnabledProviderRow {
    pub provider_id: String,
    pub domain_or_tenant: String,
}

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

/// An organization's new policy; `None` keeps a setting.
#[derive(Debug, Clone, Default)]
pub struct PolicyChange {
    pub require_totp_for_sso: Option<bool>,
    pub session_idle_seconds: Option<i64>,
    pub session_absolute_seconds: Option<i64>,
}

/// An account's new details; `None` keeps a field, `Some("")` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub extension: Option<String>,
    pub sip_user: Option<String>,
    pub auth_user: Option<String>,
    pub sip_password_encrypted: Option<String>,
    pub sip_domain: Option<String>,
    pub registrar: Option<String>,
    pub transport: Option<String>,
    pub outbound_proxy: Option<String>,
    pub stun_server: Option<String>,
    pub turn_server: Option<String>,
    pub voicemail_number: Option<String>,
}

impl AccountChange {
    fn touches_sip(&self) -> bool {
        self.sip_user.is_some()
            || self.auth_user.is_some()
            || self.sip_password_encrypted.is_some()
            || self.sip_domain.is_some()
            || self.registrar.is_some()
            || self.transport.is_some()
            || self.outbound_proxy.is_some()
            || self.stun_server.is_some()
            || self.turn_server.is_some()
            || self.voicemail_number.is_some()
            || self.extension.is_some()
            || self.display_name.is_some()
    }
}

/// What ending links did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Ended {
    pub links: u64,
    pub sessions: u64,
}

impl std::ops::AddAssign for Ended {
    fn add_assign(&mut self, other: Self) {
        self.links += other.links;
        self.sessions += other.sessions;
    }
}

/// Deletes the links `$select` returns (issuer, subject, account_id), with the choices
/// remembered through them, and ends the sessions that came through them; each ended link
/// is an `unlink` audit event by `$actor`. Evaluates to `Result<Ended, sqlx::Error>`.
/// `$select` is a DELETE … RETURNING issuer, subject, account_id, provider_id, already bound.
macro_rules! end_links {
    ($tx:expr, $select:expr, $reason:expr, $actor:expr, $now:expr) => {{
        async {
            let removed: Vec<(String, String, String, Option<String>)> =
                $select.fetch_all(&mut *$tx).await?;
            let mut ended = Ended::default();
            for (issuer, subject, account_id, provider_id) in &removed {
                ended.links += 1;
                let mut event = crate::audit::AuditEvent::new(crate::audit::AuditKind::Unlink)
                    .actor($actor)
                    .account(account_id.as_str())
                    .detail("reason", $reason);
                if let Some(provider_id) = provider_id {
                    event = event.provider(provider_id.as_str());
                }
                insert_audit_row!(&mut *$tx, &event.into_row($now))?;
                sqlx::query(
                    "DELETE FROM remembered_choices WHERE issuer = $1 AND subject = $2 AND account_id = $3",
                )
                .bind(issuer)
                .bind(subject)
                .bind(account_id)
                .execute(&mut *$tx)
                .await?;
                ended.sessions += end_sessions!(
                    $tx,
                    sqlx::query_as(
                        "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
                         WHERE account_id = $3 AND link_issuer = $4 AND link_subject = $5 AND revoked_at IS NULL
                         RETURNING id",
                    )
                    .bind($now)
                    .bind($reason)
                    .bind(account_id)
                    .bind(issuer)
                    .bind(subject)
                )?;
            }
            Ok::<Ended, sqlx::Error>(ended)
        }
        .await
    }};
}

/// Runs an `UPDATE sessions … RETURNING id` and deletes the ended sessions' access tokens;
/// evaluates to `Result<u64, sqlx::Error>` (how many ended).
macro_rules! end_sessions {
    ($tx:expr, $update:expr) => {{
        async {
            let ended: Vec<(String,)> = $update.fetch_all(&mut *$tx).await?;
            for (session_id,) in &ended {
                sqlx::query("DELETE FROM access_tokens WHERE session_id = $1")
                    .bind(session_id)
                    .execute(&mut *$tx)
                    .await?;
            }
            Ok::<u64, sqlx::Error>(ended.len() as u64)
        }
        .await
    }};
}

/// Ends the links made from `$email` on `$account_id` (see `end_links!`).
macro_rules! end_email_links {
    ($tx:expr, $account_id:expr, $email:expr, $actor:expr, $now:expr) => {
        end_links!(
            $tx,
            sqlx::query_as(
                "DELETE FROM identity_links WHERE account_id = $1 AND made_by = 'email' AND matched_email = $2
                 RETURNING issuer, subject, account_id, provider_id",
            )
            .bind($account_id)
            .bind($email),
            "login_email_removed",
            $actor,
            $now
        )
    };
}

/// Updates an account's details and SIP profile (whose version, its ETag, moves on so the
/// app fetches it again) with `$tx`; evaluates to `Result<bool, sqlx::Error>` (`false`: no
/// such account).
macro_rules! update_account_rows {
    ($tx:expr, $account_id:expr, $change:expr) => {{
        let account_id: &str = $account_id;
        let change: &AccountChange = $change;
        async {
            let changed = sqlx::query(
                "UPDATE accounts SET display_name = COALESCE($1, display_name), extension = COALESCE($2, extension)
                 WHERE id = $3",
            )
            .bind(change.display_name.as_deref())
            .bind(change.extension.as_deref())
            .bind(account_id)
            .execute(&mut *$tx)
            .await?
            .rows_affected()
                == 1;
            if changed && change.touches_sip() {
                sqlx::query(
                    "UPDATE sip_profiles SET
                         sip_user = COALESCE($1, sip_user),
                         auth_user = COALESCE($2, auth_user),
                         password_encrypted = COALESCE($3, password_encrypted),
                         sip_domain = COALESCE($4, sip_domain),
                         registrar = COALESCE($5, registrar),
                         transport = COALESCE($6, transport),
                         outbound_proxy = CASE WHEN $7 IS NULL THEN outbound_proxy ELSE NULLIF($7, '') END,
                         stun_server = CASE WHEN $8 IS NULL THEN stun_server ELSE NULLIF($8, '') END,
                         turn_server = CASE WHEN $9 IS NULL THEN turn_server ELSE NULLIF($9, '') END,
                         voicemail_number = CASE WHEN $10 IS NULL THEN voicemail_number ELSE NULLIF($10, '') END,
                         version = version + 1
                     WHERE account_id = $11",
                )
                .bind(change.sip_user.as_deref())
                .bind(change.auth_user.as_deref())
                .bind(change.sip_password_encrypted.as_deref())
                .bind(change.sip_domain.as_deref())
                .bind(change.registrar.as_deref())
                .bind(change.transport.as_deref())
                .bind(change.outbound_proxy.as_deref())
                .bind(change.stun_server.as_deref())
                .bind(change.turn_server.as_deref())
                .bind(change.voicemail_number.as_deref())
                .bind(account_id)
                .execute(&mut *$tx)
                .await?;
            }
            Ok::<bool, sqlx::Error>(changed)
        }
        .await
    }};
}

const ACCOUNT_COLUMNS: &str = "id, organization_id, username, display_name, extension, sso_allowed,
    totp_secret_encrypted IS NOT NULL AS has_authenticator, created_at";

impl Store {
    pub async fn organizations(&self) -> Result<Vec<OrganizationRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT o.id, o.name, o.require_totp_for_sso, o.session_idle_seconds, o.session_absolute_seconds,
                    (SELECT COUNT(*) FROM accounts a WHERE a.organization_id = o.id) AS accounts
             FROM organizations o ORDER BY o.id",
        )
        .fetch_all(pool)
        .await?))
    }

    pub async fn organization(&self, id: &str) -> Result<Option<OrganizationRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT o.id, o.name, o.require_totp_for_sso, o.session_idle_seconds, o.session_absolute_seconds,
                    (SELECT COUNT(*) FROM accounts a WHERE a.organization_id = o.id) AS accounts
             FROM organizations o WHERE o.id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?))
    }

    pub async fn enabled_providers(
        &self,
        organization_id: &str,
    ) -> Result<Vec<EnabledProviderRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT provider_id, domain_or_tenant FROM organization_providers
             WHERE organization_id = $1 ORDER BY provider_id, domain_or_tenant",
        )
        .bind(organization_id)
        .fetch_all(pool)
        .await?))
    }

    /// `false` (nothing written) when the id is taken.
    pub async fn create_organization(
        &self,
        organization: &OrganizationRow,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO organizations (id, name, require_totp_for_sso, session_idle_seconds, session_absolute_seconds)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            )
            .bind(&organization.id)
            .bind(&organization.name)
            .bind(organization.require_totp_for_sso)
            .bind(organization.session_idle_seconds)
            .bind(organization.session_absolute_seconds)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if inserted {
                insert_audit_row!(&mut *tx, audit)?;
                tx.commit().await?;
            }
            inserted
        }))
    }

    /// `false` when there is no such organization.
    pub async fn rename_organization(
        &self,
        id: &str,
        name: &str,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query("UPDATE organizations SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if changed {
                insert_audit_row!(&mut *tx, audit)?;
                tx.commit().await?;
            }
            changed
        }))
    }

    /// `false` when there is no such organization.
    pub async fn change_policy(
        &self,
        id: &str,
        change: &PolicyChange,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let changed = sqlx::query(
                "UPDATE organizations SET
                     require_totp_for_sso = COALESCE($1, require_totp_for_sso),
                     session_idle_seconds = COALESCE($2, session_idle_seconds),
                     session_absolute_seconds = COALESCE($3, session_absolute_seconds)
                 WHERE id = $4",
            )
            .bind(change.require_totp_for_sso)
            .bind(change.session_idle_seconds)
            .bind(change.session_absolute_seconds)
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if changed {
                insert_audit_row!(&mut *tx, audit)?;
                tx.commit().await?;
            }
            changed
        }))
    }

    /// Deletes an organization that has no accounts: `Ok(None)` when there is no such
    /// organization, `Ok(Some(n))` with its account count (deleted only when 0).
    pub async fn delete_organization(
        &self,
        id: &str,
        audit: &AuditRow,
    ) -> Result<Option<i64>, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            // The first write takes the lock: an account created meanwhile waits for us.
            let exists = sqlx::query("UPDATE organizations SET name = name WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !exists {
                None
            } else {
                let (accounts,): (i64,) =
                    sqlx::query_as("SELECT COUNT(*) FROM accounts WHERE organization_id = $1")
                        .bind(id)
                        .fetch_one(&mut *tx)
                        .await?;
                if accounts == 0 {
                    sqlx::query("DELETE FROM organization_providers WHERE organization_id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM organizations WHERE id = $1")
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    insert_audit_row!(&mut *tx, audit)?;
                    tx.commit().await?;
                }
                Some(accounts)
            }
        }))
    }

    /// `false` when it was enabled already (nothing written).
    pub async fn enable_provider(
        &self,
        organization_id: &str,
        provider_id: &str,
        domain_or_tenant: &str,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let inserted = sqlx::query(
                "INSERT INTO organization_providers (organization_id, provider_id, domain_or_tenant)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(organization_id)
            .bind(provider_id)
            .bind(domain_or_tenant)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if inserted {
                insert_audit_row!(&mut *tx, audit)?;
                tx.commit().await?;
            }
            inserted
        }))
    }

    /// Disables the provider for the domain or tenant: the links made through it there end,
    /// and the sessions that came through it. `None` when it was not enabled.
    pub async fn disable_provider(
        &self,
        organization_id: &str,
        provider_id: &str,
        domain_or_tenant: &str,
        now: i64,
        audit: &AuditRow,
    ) -> Result<Option<Ended>, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let removed = sqlx::query(
                "DELETE FROM organization_providers
                 WHERE organization_id = $1 AND provider_id = $2 AND domain_or_tenant = $3",
            )
            .bind(organization_id)
            .bind(provider_id)
            .bind(domain_or_tenant)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                == 1;
            if removed {
                let mut ended = end_links!(
                    tx,
                    sqlx::query_as(
                        "DELETE FROM identity_links
                         WHERE provider_id = $1 AND organization_key = $2
                           AND account_id IN (SELECT id FROM accounts WHERE organization_id = $3)
                         RETURNING issuer, subject, account_id, provider_id",
                    )
                    .bind(provider_id)
                    .bind(domain_or_tenant)
                    .bind(organization_id),
                    "provider_disabled",
                    audit.actor.as_str(),
                    now
                )?;
                // Sessions through it whose link was already gone.
                ended.sessions += end_sessions!(
                    tx,
                    sqlx::query_as(
                        "UPDATE sessions SET revoked_at = $1, revoked_reason = 'provider_disabled'
                         WHERE provider_id = $2 AND organization_key = $3 AND revoked_at IS NULL
                           AND account_id IN (SELECT id FROM accounts WHERE organization_id = $4)
                         RETURNING id",
                    )
                    .bind(now)
                    .bind(provider_id)
                    .bind(domain_or_tenant)
                    .bind(organization_id)
                )?;
                insert_audit_row!(&mut *tx, audit)?;
                tx.commit().await?;
                Some(ended)
            } else {
                None
            }
        }))
    }

    /// Ends the links an account (or, with `account_id` `None`, every account of the
    /// organization) has through `provider_id`, and the sessions that came through them.
    pub async fn end_provider_links(
        &self,
        organization_id: &str,
        account_id: Option<&str>,
        provider_id: &str,
        now: i64,
        audit: &AuditRow,
    ) -> Result<Ended, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut ended = end_links!(
                tx,
                sqlx::query_as(
                    "DELETE FROM identity_links
                     WHERE provider_id = $1
                       AND account_id IN (SELECT id FROM accounts WHERE organization_id = $2 AND ($3 IS NULL OR id = $3))
                     RETURNING issuer, subject, account_id, provider_id",
                )
                .bind(provider_id)
                .bind(organization_id)
                .bind(account_id),
                "relinked",
                audit.actor.as_str(),
                now
            )?;
            ended.sessions += end_sessions!(
                tx,
                sqlx::query_as(
                    "UPDATE sessions SET revoked_at = $1, revoked_reason = 'relinked'
                     WHERE provider_id = $2 AND revoked_at IS NULL
                       AND account_id IN (SELECT id FROM accounts WHERE organization_id = $3 AND ($4 IS NULL OR id = $4))
                     RETURNING id",
                )
                .bind(now)
                .bind(provider_id)
                .bind(organization_id)
                .bind(account_id)
            )?;
            insert_audit_row!(&mut *tx, audit)?;
            tx.commit().await?;
            ended
        }))
    }

    /// Moves an organization from one provider to another in one transaction: each
    /// (old provider, domain or tenant) is disabled (its links and sessions end) and the new
    /// provider enabled for `new_keys`.
    pub async fn move_provider(
        &self,
        organization_id: &str,
        from_provider: &str,
        to_provider: &str,
        new_keys: &[String],
        now: i64,
        audit: &AuditRow,
    ) -> Result<Ended, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM organization_providers WHERE organization_id = $1 AND provider_id = $2")
                .bind(organization_id)
                .bind(from_provider)
                .execute(&mut *tx)
                .await?;
            let mut ended = end_links!(
                tx,
                sqlx::query_as(
                    "DELETE FROM identity_links
                     WHERE provider_id = $1
                       AND account_id IN (SELECT id FROM accounts WHERE organization_id = $2)
                     RETURNING issuer, subject, account_id, provider_id",
                )
                .bind(from_provider)
                .bind(organization_id),
                "relinked",
                audit.actor.as_str(),
                now
            )?;
            ended.sessions += end_sessions!(
                tx,
                sqlx::query_as(
                    "UPDATE sessions SET revoked_at = $1, revoked_reason = 'relinked'
                     WHERE provider_id = $2 AND revoked_at IS NULL
                       AND account_id IN (SELECT id FROM accounts WHERE organization_id = $3)
                     RETURNING id",
                )
                .bind(now)
                .bind(from_provider)
                .bind(organization_id)
            )?;
            for key in new_keys {
                sqlx::query(
                    "INSERT INTO organization_providers (organization_id, provider_id, domain_or_tenant)
                     VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                )
                .bind(organization_id)
                .bind(to_provider)
                .bind(key)
                .execute(&mut *tx)
                .await?;
            }
            insert_audit_row!(&mut *tx, audit)?;
            tx.commit().await?;
            ended
        }))
    }

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
            super::accounts::insert_account!(tx, organization_id, account, now)?;
            insert_audit_row!(&mut *tx, audit)?;
            tx.commit().await?;
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
                insert_audit_row!(&mut *tx, audit)?;
                tx.commit().await?;
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
                insert_audit_row!(&mut *tx, audit)?;
                tx.commit().await?;
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
                insert_audit_row!(&mut *tx, audit)?;
                tx.commit().await?;
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
            sqlx::query("DELETE FROM attempt_limits WHERE subject_key = $1")
                .bind(format!("account:{account_id}"))
                .execute(&mut *tx)
                .await?;
            insert_audit_row!(&mut *tx, audit)?;
            tx.commit().await?;
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
                insert_audit_row!(&mut *tx, audit)?;
                tx.commit().await?;
            }
            had
        }))
    }

    /// Ends every session of the account. How many ended.
    pub async fn end_sessions_of_account(
        &self,
        account_id: &str,
        reason: &str,
        now: i64,
        audit: &AuditRow,
    ) -> Result<u64, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            let ended = end_sessions!(
                tx,
                sqlx::query_as(
                    "UPDATE sessions SET revoked_at = $1, revoked_reason = $2
                     WHERE account_id = $3 AND revoked_at IS NULL
                     RETURNING id",
                )
                .bind(now)
                .bind(reason)
                .bind(account_id)
            )?;
            insert_audit_row!(&mut *tx, audit)?;
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
                insert_audit_row!(&mut *tx, audit)?;
                tx.commit().await?;
                Some(ended)
            } else {
                None
            }
        }))
    }
}

/// One (email, account) pair of the risky-email report.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct EmailPairRow {
    pub email: String,
    pub username: String,
    pub organization_id: String,
    /// Report 3 only: the account whose login email it is.
    pub other_username: Option<String>,
}

impl Store {
    /// Login emails of accounts that have more than one.
    pub async fn accounts_with_several_login_emails(
        &self,
    ) -> Result<Vec<EmailPairRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT e.email, a.username, a.organization_id, NULL AS other_username
             FROM account_emails e JOIN accounts a ON a.id = e.account_id
             WHERE e.purpose = 'login' AND e.account_id IN
                 (SELECT account_id FROM account_emails WHERE purpose = 'login'
                  GROUP BY account_id HAVING COUNT(*) > 1)
             ORDER BY a.username, e.email",
        )
        .fetch_all(pool)
        .await?))
    }

    /// Login emails that are login emails of more than one account.
    pub async fn shared_login_emails(&self) -> Result<Vec<EmailPairRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT e.email, a.username, a.organization_id, NULL AS other_username
             FROM account_emails e JOIN accounts a ON a.id = e.account_id
             WHERE e.purpose = 'login' AND e.email IN
                 (SELECT email FROM account_emails WHERE purpose = 'login'
                  GROUP BY email HAVING COUNT(*) > 1)
             ORDER BY e.email, a.username",
        )
        .fetch_all(pool)
        .await?))
    }

    /// Notification emails that are another account's login email.
    pub async fn notification_emails_of_others(&self) -> Result<Vec<EmailPairRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT n.email, na.username, na.organization_id, la.username AS other_username
             FROM account_emails n
             JOIN account_emails l ON l.email = n.email AND l.purpose = 'login' AND l.account_id <> n.account_id
             JOIN accounts na ON na.id = n.account_id
             JOIN accounts la ON la.id = l.account_id
             WHERE n.purpose = 'notification'
             ORDER BY n.email, na.username, la.username",
        )
        .fetch_all(pool)
        .await?))
    }
}

/// A provider identity an import links to an account.
#[derive(Debug, Clone)]
pub struct ImportIdentity {
    pub issuer: String,
    pub subject: String,
    pub provider_id: String,
}

/// A new account from an import.
#[derive(Debug, Clone)]
pub struct ImportAccount {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub extension: String,
    pub password_hash: String,
    pub login_emails: Vec<String>,
    pub notification_emails: Vec<String>,
    pub sip_user: String,
    pub auth_user: String,
    pub sip_password_encrypted: String,
    pub sip_domain: String,
    pub registrar: String,
    pub transport: String,
    pub outbound_proxy: Option<String>,
    pub stun_server: Option<String>,
    pub turn_server: Option<String>,
    pub voicemail_number: Option<String>,
    pub identities: Vec<ImportIdentity>,
}

/// The changes an import makes to an existing account.
#[derive(Debug, Clone)]
pub struct ImportUpdate {
    pub account_id: String,
    pub change: AccountChange,
    /// (email, purpose) to add or whose purpose changes.
    pub put_emails: Vec<(String, String)>,
    pub removed_emails: Vec<String>,
    pub identities: Vec<ImportIdentity>,
}

#[derive(Debug, Clone, Default)]
pub struct ImportPlan {
    pub created: Vec<ImportAccount>,
    pub updated: Vec<ImportUpdate>,
}

impl ImportPlan {
    pub fn is_empty(&self) -> bool {
        self.created.is_empty() && self.updated.is_empty()
    }
}

impl Store {
    /// Writes a whole import in one transaction: all of it or, on any error, nothing.
    pub async fn apply_import(
        &self,
        organization_id: &str,
        plan: &ImportPlan,
        now: i64,
        audit: &AuditRow,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            for account in &plan.created {
                let login: Vec<&str> = account.login_emails.iter().map(String::as_str).collect();
                let notification: Vec<&str> =
                    account.notification_emails.iter().map(String::as_str).collect();
                let new_account = NewAccount {
                    id: &account.id,
                    username: &account.username,
                    display_name: &account.display_name,
                    extension: &account.extension,
                    password_hash: &account.password_hash,
                    totp_secret_encrypted: None,
                    login_emails: &login,
                    notification_emails: &notification,
                    sip: super::NewSipProfile {
                        sip_user: &account.sip_user,
                        auth_user: &account.auth_user,
                        password_encrypted: &account.sip_password_encrypted,
                        sip_domain: &account.sip_domain,
                        registrar: &account.registrar,
                        outbound_proxy: account.outbound_proxy.as_deref(),
                        transport: &account.transport,
                        stun_server: account.stun_server.as_deref(),
                        turn_server: account.turn_server.as_deref(),
                        voicemail_number: account.voicemail_number.as_deref(),
                    },
                };
                super::accounts::insert_account!(tx, organization_id, &new_account, now)?;
                for identity in &account.identities {
                    let link = super::NewLink {
                        issuer: &identity.issuer,
                        subject: &identity.subject,
                        provider_id: &identity.provider_id,
                        email: None,
                        organization_key: None,
                        origin: super::LinkOrigin::Import,
                    };
                    super::links::insert_link!(tx, &link, account.id.as_str(), now)?;
                }
            }
            for update in &plan.updated {
                update_account_rows!(tx, &update.account_id, &update.change)?;
                for (email, purpose) in &update.put_emails {
                    sqlx::query(
                        "INSERT INTO account_emails (account_id, email, purpose) VALUES ($1, $2, $3)
                         ON CONFLICT (account_id, email) DO UPDATE SET purpose = excluded.purpose",
                    )
                    .bind(&update.account_id)
                    .bind(email)
                    .bind(purpose)
                    .execute(&mut *tx)
                    .await?;
                    if purpose != "login" {
                        end_email_links!(tx, update.account_id.as_str(), email.as_str(), audit.actor.as_str(), now)?;
                    }
                }
                for email in &update.removed_emails {
                    sqlx::query("DELETE FROM account_emails WHERE account_id = $1 AND email = $2")
                        .bind(&update.account_id)
                        .bind(email)
                        .execute(&mut *tx)
                        .await?;
                    end_email_links!(tx, update.account_id.as_str(), email.as_str(), audit.actor.as_str(), now)?;
                }
                for identity in &update.identities {
                    let link = super::NewLink {
                        issuer: &identity.issuer,
                        subject: &identity.subject,
                        provider_id: &identity.provider_id,
                        email: None,
                        organization_key: None,
                        origin: super::LinkOrigin::Import,
                    };
                    super::links::insert_link!(tx, &link, update.account_id.as_str(), now)?;
                }
            }
            insert_audit_row!(&mut *tx, audit)?;
            tx.commit().await?;
        });
        Ok(())
    }
}
