//! Writing a CSV import in one transaction.

use super::super::accounts::NewAccount;
use super::super::audit::insert_audit_row;
use super::super::{on_backend, AuditRow, Store, StoreError};
use super::{AccountChange, Ended};

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
                    sip: super::super::NewSipProfile {
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
                super::super::accounts::insert_account!(tx, organization_id, &new_account, now)?;
                for identity in &account.identities {
                    let link = super::super::NewLink {
                        issuer: &identity.issuer,
                        subject: &identity.subject,
                        provider_id: &identity.provider_id,
                        email: None,
                        organization_key: None,
                        origin: super::super::LinkOrigin::Import,
                    };
                    super::super::links::insert_link!(tx, &link, account.id.as_str(), now)?;
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
                    let link = super::super::NewLink {
                        issuer: &identity.issuer,
                        subject: &identity.subject,
                        provider_id: &identity.provider_id,
                        email: None,
                        organization_key: None,
                        origin: super::super::LinkOrigin::Import,
                    };
                    super::super::links::insert_link!(tx, &link, update.account_id.as_str(), now)?;
                }
            }
            commit_with_audit!(tx, audit);
        });
        Ok(())
    }
}
