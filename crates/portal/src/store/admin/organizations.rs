//! Organizations, their policy and the providers each enabled, as operators change them.

use serde::Serialize;

use super::super::changes::{Ended, ProviderScope, UnlinkAudit};
use super::super::statements::Statements;
use super::super::{on_backend, AuditRow, Store, StoreError};
use super::{write_with_audit, Written};

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
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
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
            Ok(Written::when(inserted, inserted))
        })
        .await)
    }

    /// `false` when there is no such organization.
    pub async fn rename_organization(
        &self,
        id: &str,
        name: &str,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            let changed = sqlx::query("UPDATE organizations SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            Ok(Written::when(changed, changed))
        })
        .await)
    }

    /// `false` when there is no such organization.
    pub async fn change_policy(
        &self,
        id: &str,
        change: &PolicyChange,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
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
                // Every signed-in app of the organization is told (its event stream).
                sqlx::query(
                    "INSERT INTO session_events (id, account_id, session_id, kind, reason, created_at)
                     SELECT $1 || '-' || id, id, NULL, $2, NULL, $3 FROM accounts WHERE organization_id = $4",
                )
                .bind(super::super::changes::event_row_id().as_str())
                .bind(super::super::changes::event_kind::POLICY_CHANGED)
                .bind(audit.at)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            }
            Ok(Written::when(changed, changed))
        })
        .await)
    }

    /// Deletes an organization that has no accounts: `Ok(None)` when there is no such
    /// organization, `Ok(Some(n))` with its account count (deleted only when 0).
    pub async fn delete_organization(
        &self,
        id: &str,
        audit: &AuditRow,
    ) -> Result<Option<i64>, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            // The first write takes the lock: an account created meanwhile waits for us.
            let exists = sqlx::query("UPDATE organizations SET name = name WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                == 1;
            if !exists {
                return Ok(Written::Unchanged(None));
            }
            let (accounts,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM accounts WHERE organization_id = $1")
                    .bind(id)
                    .fetch_one(&mut *tx)
                    .await?;
            if accounts > 0 {
                return Ok(Written::Unchanged(Some(accounts)));
            }
            for table in ["organization_providers", "scim_tokens", "scim_settings"] {
                sqlx::query(&format!("DELETE FROM {table} WHERE organization_id = $1"))
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM organizations WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            Ok(Written::Changed(Some(0)))
        })
        .await)
    }

    /// `false` when it was enabled already (nothing written).
    pub async fn enable_provider(
        &self,
        organization_id: &str,
        provider_id: &str,
        domain_or_tenant: &str,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
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
            Ok(Written::when(inserted, inserted))
        })
        .await)
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
        unlink_audit: UnlinkAudit<'_>,
    ) -> Result<Option<Ended>, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
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
            if !removed {
                return Ok(Written::Unchanged(None));
            }
            let there = ProviderScope {
                organization_id,
                provider_id,
                organization_key: Some(domain_or_tenant),
                account_id: None,
            };
            let ended = tx
                .end_provider_links(there, "provider_disabled", now, unlink_audit)
                .await?;
            Ok(Written::Changed(Some(ended)))
        })
        .await)
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
        unlink_audit: UnlinkAudit<'_>,
    ) -> Result<Ended, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            let scope = ProviderScope {
                organization_id,
                provider_id,
                organization_key: None,
                account_id,
            };
            let ended = tx
                .end_provider_links(scope, "relinked", now, unlink_audit)
                .await?;
            Ok(Written::Changed(ended))
        })
        .await)
    }

    /// Moves an organization from one provider to another in one transaction: each
    /// (old provider, domain or tenant) is disabled (its links and sessions end) and the new
    /// provider enabled for `new_keys`.
    #[allow(clippy::too_many_arguments)]
    pub async fn move_provider(
        &self,
        organization_id: &str,
        from_provider: &str,
        to_provider: &str,
        new_keys: &[String],
        now: i64,
        audit: &AuditRow,
        unlink_audit: UnlinkAudit<'_>,
    ) -> Result<Ended, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            sqlx::query("DELETE FROM organization_providers WHERE organization_id = $1 AND provider_id = $2")
                .bind(organization_id)
                .bind(from_provider)
                .execute(&mut *tx)
                .await?;
            let every_account = ProviderScope {
                organization_id,
                provider_id: from_provider,
                organization_key: None,
                account_id: None,
            };
            let ended = tx
                .end_provider_links(every_account, "relinked", now, unlink_audit)
                .await?;
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
            Ok(Written::Changed(ended))
        })
        .await)
    }
}
