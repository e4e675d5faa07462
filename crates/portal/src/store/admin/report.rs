//! The risky-email report's queries.

use serde::Serialize;

use super::super::{on_backend, Store, StoreError};

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
