//! Organizations, their policy and the providers each enabled, as operators change them.

use serde::Serialize;

use super::super::audit::insert_audit_row;
use super::super::{on_backend, AuditRow, Store, StoreError};
use super::Ended;

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

/// An organization's new policy; `None` keeps a setting.
#[derive(Debug, Clone, Default)]
pub struct PolicyChange {
    pub require_totp_for_sso: Option<bool>,
    pub session_idle_seconds: Option<i64>,
    pub session_absolute_seconds: Option<i64>,
}

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
                commit_with_audit!(tx, audit);
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
                commit_with_audit!(tx, audit);
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
                commit_with_audit!(tx, audit);
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
                    commit_with_audit!(tx, audit);
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
                commit_with_audit!(tx, audit);
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
                commit_with_audit!(tx, audit);
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
            commit_with_audit!(tx, audit);
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
            commit_with_audit!(tx, audit);
            ended
        }))
    }
}
