//! Writing a CSV import in one transaction.

use super::super::account_statements::AccountStatements;
use super::super::changes::{LinksToEnd, UnlinkAudit};
use super::super::statements::Statements;
use super::super::{
    on_backend, AuditRow, LinkOrigin, NewAccount, NewLink, NewSipProfile, Store, StoreError,
};
use super::{write_with_audit, AccountChange, Written};

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
        unlink_audit: UnlinkAudit<'_>,
    ) -> Result<(), StoreError> {
        on_backend!(self, pool => write_with_audit(pool, audit, async |tx| {
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
                    sip: NewSipProfile {
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
                tx.insert_account(organization_id, &new_account, now).await?;
                for identity in &account.identities {
                    tx.insert_link(&imported_link(identity), &account.id, now).await?;
                }
            }
            for update in &plan.updated {
                let account_id = update.account_id.as_str();
                let changed = tx.update_account_rows(account_id, &update.change).await?;
                if changed && update.change.rotates_device_credentials() {
                    tx.rotate_device_credentials(account_id, now).await?;
                }
                for (email, purpose) in &update.put_emails {
                    sqlx::query(
                        "INSERT INTO account_emails (account_id, email, purpose) VALUES ($1, $2, $3)
                         ON CONFLICT (account_id, email) DO UPDATE SET purpose = excluded.purpose",
                    )
                    .bind(account_id)
                    .bind(email)
                    .bind(purpose)
                    .execute(&mut *tx)
                    .await?;
                    if purpose != "login" {
                        let made_from_email = LinksToEnd::MadeFromEmail { account_id, email };
                        tx.end_links(made_from_email, "login_email_removed", now, unlink_audit)
                            .await?;
                    }
                }
                for email in &update.removed_emails {
                    sqlx::query("DELETE FROM account_emails WHERE account_id = $1 AND email = $2")
                        .bind(account_id)
                        .bind(email)
                        .execute(&mut *tx)
                        .await?;
                    let made_from_email = LinksToEnd::MadeFromEmail { account_id, email };
                    tx.end_links(made_from_email, "login_email_removed", now, unlink_audit)
                        .await?;
                }
                for identity in &update.identities {
                    tx.insert_link(&imported_link(identity), account_id, now).await?;
                }
            }
            Ok(Written::Changed(()))
        })
        .await)
    }
}

/// The link an import makes to a provider identity.
fn imported_link(identity: &ImportIdentity) -> NewLink<'_> {
    NewLink {
        issuer: &identity.issuer,
        subject: &identity.subject,
        provider_id: &identity.provider_id,
        email: None,
        organization_key: None,
        origin: LinkOrigin::Import,
    }
}
