//! How an organization's directory provisions (its SCIM settings) and the bearer tokens it
//! presents, each change with its audit row.

use super::super::{on_backend, AuditRow, Store, StoreError};
use super::{write_with_audit, Written};

/// How an organization's directory provisions accounts.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct ScimSettingsRow {
    pub organization_id: String,
    pub extension_first: i64,
    pub extension_last: i64,
    /// `employeeNumber` or `phoneNumbers.work`; `None`: the lowest free extension.
    pub extension_attribute: Option<String>,
    pub sip_domain: String,
    pub registrar: String,
    pub transport: String,
    pub retention_days: i64,
}

/// A directory's bearer token, as operators list it (never the token).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ScimTokenRow {
    pub id: String,
    pub organization_id: String,
    pub name: String,
    pub created_by: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// A new token: only its hash is stored.
pub struct NewScimToken<'a> {
    pub id: &'a str,
    pub organization_id: &'a str,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub created_by: &'a str,
    pub now: i64,
}

impl Store {
    pub async fn scim_settings(
        &self,
        organization_id: &str,
    ) -> Result<Option<ScimSettingsRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT organization_id, extension_first, extension_last, extension_attribute,
                    sip_domain, registrar, transport, retention_days
             FROM scim_settings WHERE organization_id = $1",
        )
        .bind(organization_id)
        .fetch_optional(pool)
        .await?))
    }

    pub async fn put_scim_settings(
        &self,
        settings: &ScimSettingsRow,
        audit: &AuditRow,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            sqlx::query(
                "INSERT INTO scim_settings (organization_id, extension_first, extension_last,
                     extension_attribute, sip_domain, registrar, transport, retention_days)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (organization_id) DO UPDATE SET
                     extension_first = excluded.extension_first,
                     extension_last = excluded.extension_last,
                     extension_attribute = excluded.extension_attribute,
                     sip_domain = excluded.sip_domain, registrar = excluded.registrar,
                     transport = excluded.transport, retention_days = excluded.retention_days",
            )
            .bind(settings.organization_id.as_str())
            .bind(settings.extension_first)
            .bind(settings.extension_last)
            .bind(settings.extension_attribute.as_deref())
            .bind(settings.sip_domain.as_str())
            .bind(settings.registrar.as_str())
            .bind(settings.transport.as_str())
            .bind(settings.retention_days)
            .execute(&mut *tx)
            .await?;
            Ok(Written::Changed(()))
        })
        .await)
    }

    pub async fn insert_scim_token(
        &self,
        token: &NewScimToken<'_>,
        audit: &AuditRow,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            sqlx::query(
                "INSERT INTO scim_tokens (id, organization_id, name, token_hash, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(token.id)
            .bind(token.organization_id)
            .bind(token.name)
            .bind(token.token_hash)
            .bind(token.created_by)
            .bind(token.now)
            .execute(&mut *tx)
            .await?;
            Ok(Written::Changed(()))
        })
        .await)
    }

    /// The organization's tokens, live ones first, newest first.
    pub async fn scim_tokens(
        &self,
        organization_id: &str,
    ) -> Result<Vec<ScimTokenRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT id, organization_id, name, created_by, created_at, last_used_at, revoked_at
             FROM scim_tokens WHERE organization_id = $1
             ORDER BY revoked_at IS NOT NULL, created_at DESC, name",
        )
        .bind(organization_id)
        .fetch_all(pool)
        .await?))
    }

    /// Revokes the organization's live token called `name`; `false` when there is none.
    pub async fn revoke_scim_token(
        &self,
        organization_id: &str,
        name: &str,
        now: i64,
        audit: &AuditRow,
    ) -> Result<bool, StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
            let revoked = sqlx::query(
                "UPDATE scim_tokens SET revoked_at = $1
                 WHERE organization_id = $2 AND name = $3 AND revoked_at IS NULL",
            )
            .bind(now)
            .bind(organization_id)
            .bind(name)
            .execute(&mut *tx)
            .await?
            .rows_affected()
                > 0;
            Ok(Written::when(revoked, revoked))
        })
        .await)
    }

    /// The live token with this hash; its last use is noted (at most once a minute).
    pub async fn scim_token_by_hash(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<ScimTokenRow>, StoreError> {
        let token: Option<ScimTokenRow> = on_backend!(self, pool => sqlx::query_as(
            "SELECT id, organization_id, name, created_by, created_at, last_used_at, revoked_at
             FROM scim_tokens WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await?);
        if let Some(token) = &token {
            if token.last_used_at.is_none_or(|used| used < now - 60) {
                on_backend!(self, pool => sqlx::query(
                    "UPDATE scim_tokens SET last_used_at = $1 WHERE id = $2",
                )
                .bind(now)
                .bind(token.id.as_str())
                .execute(pool)
                .await
                .map(|_| ())?);
            }
        }
        Ok(token)
    }
}
