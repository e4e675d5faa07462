//! Identity links: a provider identity (issuer + subject) linked to an account.

use super::account_statements::AccountStatements;
use super::accounts::{MatchedAccountRow, MATCHED_ACCOUNT_COLUMNS};
use super::{on_backend, Store, StoreError};

/// A link as the security settings show it.
#[derive(sqlx::FromRow)]
pub struct LinkRow {
    pub issuer: String,
    pub subject: String,
    pub provider_id: Option<String>,
    pub email: Option<String>,
    pub created_at: i64,
    /// How it was made (`email`, `password`, `settings`, `admin`, `import`).
    pub made_by: Option<String>,
}

/// How a link was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkOrigin {
    /// The identity's verified email matched a login email of the account: the link ends
    /// when that email stops being the account's login email.
    Email,
    /// The user linked it with the account's password at sign-in.
    Password,
    /// The user added the provider in the security settings.
    Settings,
    /// An administrator linked it.
    Admin,
    /// A CSV import pre-linked it.
    Import,
}

impl LinkOrigin {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkOrigin::Email => "email",
            LinkOrigin::Password => "password",
            LinkOrigin::Settings => "settings",
            LinkOrigin::Admin => "admin",
            LinkOrigin::Import => "import",
        }
    }
}

/// What a new link records about the identity.
pub struct NewLink<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub provider_id: &'a str,
    pub email: Option<&'a str>,
    /// The domain or tenant the provider vouched for.
    pub organization_key: Option<&'a str>,
    pub origin: LinkOrigin,
}

impl Store {
    /// The accounts linked to this identity that may use SSO, by display name.
    pub async fn linked_accounts(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Vec<MatchedAccountRow>, StoreError> {
        let sql = format!(
            "SELECT {MATCHED_ACCOUNT_COLUMNS} FROM identity_links l
             JOIN accounts a ON a.id = l.account_id
             JOIN organizations o ON o.id = a.organization_id
             WHERE l.issuer = $1 AND l.subject = $2 AND a.sso_allowed AND a.deactivated_at IS NULL
             ORDER BY a.display_name, a.id"
        );
        Ok(on_backend!(self, pool => sqlx::query_as(&sql)
            .bind(issuer)
            .bind(subject)
            .fetch_all(pool)
            .await?))
    }

    /// Every account the identity is linked to, SSO allowed or not, by id.
    pub async fn accounts_linked_to(
        &self,
        issuer: &str,
        subject: &str,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = on_backend!(self, pool => sqlx::query_as(
            "SELECT account_id FROM identity_links WHERE issuer = $1 AND subject = $2 ORDER BY account_id",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_all(pool)
        .await?);
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Whether `email` is linked through another subject of the same issuer.
    pub async fn email_linked_through_other_subject(
        &self,
        issuer: &str,
        subject: &str,
        email: &str,
    ) -> Result<bool, StoreError> {
        let (count,): (i64,) = on_backend!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM identity_links WHERE issuer = $1 AND subject <> $2 AND lower(email) = $3",
        )
        .bind(issuer)
        .bind(subject)
        .bind(email.to_ascii_lowercase())
        .fetch_one(pool)
        .await?);
        Ok(count > 0)
    }

    /// Links the identity to each account (once), all or none.
    pub async fn record_links(
        &self,
        link: &NewLink<'_>,
        account_ids: &[&str],
        now: i64,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            for account_id in account_ids {
                tx.insert_link(link, account_id, now).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn links_of_account(&self, account_id: &str) -> Result<Vec<LinkRow>, StoreError> {
        Ok(on_backend!(self, pool => sqlx::query_as(
            "SELECT issuer, subject, provider_id, email, created_at, made_by FROM identity_links
             WHERE account_id = $1 ORDER BY created_at, issuer, subject",
        )
        .bind(account_id)
        .fetch_all(pool)
        .await?))
    }

    /// Removes the link and the account choice remembered through it; whether it existed.
    /// The removal is remembered: email matching does not make the link again.
    pub async fn remove_link(
        &self,
        issuer: &str,
        subject: &str,
        account_id: &str,
        now: i64,
    ) -> Result<bool, StoreError> {
        Ok(on_backend!(self, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query(
                "INSERT INTO removed_links (issuer, subject, account_id, removed_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (issuer, subject, account_id) DO UPDATE SET removed_at = excluded.removed_at",
            )
            .bind(issuer)
            .bind(subject)
            .bind(account_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let removed = sqlx::query(
                "DELETE FROM identity_links WHERE issuer = $1 AND subject = $2 AND account_id = $3",
            )
            .bind(issuer)
            .bind(subject)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "DELETE FROM remembered_choices WHERE issuer = $1 AND subject = $2 AND account_id = $3",
            )
            .bind(issuer)
            .bind(subject)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            removed.rows_affected() > 0
        }))
    }
}
