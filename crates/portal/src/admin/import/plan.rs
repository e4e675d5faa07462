//! What an import changes: each checked row compared with the organization's accounts,
//! as the plan written in one transaction and the report of every row.

use std::collections::BTreeSet;

use super::{ImportReport, Row, RowOutcome, RowReport};
use crate::admin::validate::new_account_id;
use crate::admin::{Admin, AdminError};
use crate::crypto::Binding;
use crate::password::NO_PASSWORD;
use crate::store::{AccountChange, ImportAccount, ImportIdentity, ImportPlan, ImportUpdate};

impl Admin {
    /// What each row changes, checked against the database.
    pub(super) async fn plan(
        &self,
        path: &str,
        organization_id: &str,
        rows: &[Row],
        allow_shared: bool,
    ) -> Result<(ImportPlan, ImportReport), AdminError> {
        let csv_error = |row: usize, column: &str, problem: String| AdminError::Csv {
            path: path.to_owned(),
            row,
            column: column.to_owned(),
            problem,
        };
        let mut plan = ImportPlan::default();
        let mut report = ImportReport {
            organization: organization_id.to_owned(),
            rows: Vec::new(),
        };
        let imported: BTreeSet<&str> = rows.iter().map(|row| row.username.as_str()).collect();
        for row in rows {
            if !allow_shared {
                for email in &row.login_emails {
                    let others: Vec<String> = self
                        .store
                        .login_email_owners(email)
                        .await?
                        .into_iter()
                        .filter(|owner| {
                            owner != &row.username && !imported.contains(owner.as_str())
                        })
                        .collect();
                    if !others.is_empty() {
                        return Err(csv_error(
                            row.line,
                            "login_emails",
                            format!("{email} is already a login email of {}; pass --allow-shared-emails if it is a shared address on purpose", others.join(", ")),
                        ));
                    }
                }
            }
            let identities = row
                .identities
                .iter()
                .map(|(provider_id, subject)| {
                    let provider = self.provider(provider_id)?;
                    Ok(ImportIdentity {
                        // The exact issuer the provider's ID tokens carry (as configured).
                        issuer: provider.issuer.clone(),
                        subject: subject.clone(),
                        provider_id: provider_id.clone(),
                    })
                })
                .collect::<Result<Vec<_>, AdminError>>()?;
            let existing = self.store.account_by_username(&row.username).await?;
            let Some(account) = existing else {
                let sip_password = row.sip_password.as_deref().ok_or_else(|| {
                    csv_error(
                        row.line,
                        "sip_password",
                        "is required for a new account".into(),
                    )
                })?;
                let sip_user = row
                    .sip_user
                    .clone()
                    .unwrap_or_else(|| row.extension.clone());
                let id = new_account_id();
                let sip_password_encrypted = self
                    .key
                    .encrypt(sip_password.as_bytes(), Binding::sip_password(&id));
                plan.created.push(ImportAccount {
                    id,
                    username: row.username.clone(),
                    display_name: row.display_name.clone(),
                    extension: row.extension.clone(),
                    password_hash: NO_PASSWORD.to_owned(),
                    login_emails: row.login_emails.clone(),
                    notification_emails: row.notification_emails.clone(),
                    auth_user: row.auth_user.clone().unwrap_or_else(|| sip_user.clone()),
                    sip_user,
                    sip_password_encrypted,
                    sip_domain: row.sip_domain.clone(),
                    registrar: row.registrar.clone(),
                    transport: row.transport.clone(),
                    outbound_proxy: row.outbound_proxy.clone(),
                    stun_server: row.stun_server.clone(),
                    turn_server: row.turn_server.clone(),
                    voicemail_number: row.voicemail_number.clone(),
                    identities,
                });
                report.rows.push(RowReport {
                    row: row.line,
                    username: row.username.clone(),
                    outcome: RowOutcome::Created,
                    changes: Vec::new(),
                });
                continue;
            };
            if account.organization_id != organization_id {
                return Err(csv_error(
                    row.line,
                    "username",
                    format!(
                        "{} is an account of organization {}",
                        row.username, account.organization_id
                    ),
                ));
            }
            let mut changes = Vec::new();
            let mut change = AccountChange::default();
            if account.display_name != row.display_name {
                change.display_name = Some(row.display_name.clone());
                changes.push("display_name".to_owned());
            }
            if account.extension != row.extension {
                change.extension = Some(row.extension.clone());
                changes.push("extension".to_owned());
            }
            if let Some(profile) = self.store.sip_profile(&account.id).await? {
                let mut differ = |name: &str,
                                  current: Option<&str>,
                                  wanted: Option<&str>,
                                  slot: &mut Option<String>,
                                  clear: bool| {
                    if let Some(wanted_value) = wanted {
                        if current != Some(wanted_value) {
                            *slot = Some(wanted_value.to_owned());
                            changes.push(name.to_owned());
                        }
                    } else if clear && current.is_some() {
                        *slot = Some(String::new());
                        changes.push(name.to_owned());
                    }
                };
                differ(
                    "sip_user",
                    Some(&profile.sip_user),
                    row.sip_user.as_deref(),
                    &mut change.sip_user,
                    false,
                );
                differ(
                    "auth_user",
                    Some(&profile.auth_user),
                    row.auth_user.as_deref(),
                    &mut change.auth_user,
                    false,
                );
                differ(
                    "sip_domain",
                    Some(&profile.sip_domain),
                    Some(&row.sip_domain),
                    &mut change.sip_domain,
                    false,
                );
                differ(
                    "registrar",
                    Some(&profile.registrar),
                    Some(&row.registrar),
                    &mut change.registrar,
                    false,
                );
                differ(
                    "transport",
                    Some(&profile.transport),
                    Some(&row.transport),
                    &mut change.transport,
                    false,
                );
                differ(
                    "outbound_proxy",
                    profile.outbound_proxy.as_deref(),
                    row.outbound_proxy.as_deref(),
                    &mut change.outbound_proxy,
                    true,
                );
                differ(
                    "stun_server",
                    profile.stun_server.as_deref(),
                    row.stun_server.as_deref(),
                    &mut change.stun_server,
                    true,
                );
                differ(
                    "turn_server",
                    profile.turn_server.as_deref(),
                    row.turn_server.as_deref(),
                    &mut change.turn_server,
                    true,
                );
                differ(
                    "voicemail_number",
                    profile.voicemail_number.as_deref(),
                    row.voicemail_number.as_deref(),
                    &mut change.voicemail_number,
                    true,
                );
                if let Some(password) = &row.sip_password {
                    let binding = Binding::sip_password(&account.id);
                    let current = self.key.decrypt(&profile.password_encrypted, binding).ok();
                    if current.as_deref() != Some(password.as_bytes()) {
                        change.sip_password_encrypted =
                            Some(self.key.encrypt(password.as_bytes(), binding));
                        changes.push("sip_password".to_owned());
                    }
                }
            }
            let current: Vec<(String, String)> = self
                .store
                .emails_of_account(&account.id)
                .await?
                .into_iter()
                .map(|email| (email.email, email.purpose))
                .collect();
            let wanted: Vec<(String, String)> = row
                .login_emails
                .iter()
                .map(|email| (email.clone(), "login".to_owned()))
                .chain(
                    row.notification_emails
                        .iter()
                        .map(|email| (email.clone(), "notification".to_owned())),
                )
                .collect();
            let put_emails: Vec<(String, String)> = wanted
                .iter()
                .filter(|pair| !current.contains(pair))
                .cloned()
                .collect();
            let removed_emails: Vec<String> = current
                .iter()
                .filter(|(email, _)| !wanted.iter().any(|(wanted, _)| wanted == email))
                .map(|(email, _)| email.clone())
                .collect();
            for (email, purpose) in &put_emails {
                changes.push(format!("{purpose} email {email}"));
            }
            for email in &removed_emails {
                changes.push(format!("removed email {email}"));
            }
            let links = self.store.links_of_account(&account.id).await?;
            let new_identities: Vec<ImportIdentity> = identities
                .into_iter()
                .filter(|identity| {
                    !links.iter().any(|link| {
                        link.issuer == identity.issuer && link.subject == identity.subject
                    })
                })
                .collect();
            for identity in &new_identities {
                changes.push(format!("linked {}", identity.provider_id));
            }
            let outcome = if changes.is_empty() {
                RowOutcome::Unchanged
            } else {
                plan.updated.push(ImportUpdate {
                    account_id: account.id.clone(),
                    change,
                    put_emails,
                    removed_emails,
                    identities: new_identities,
                });
                RowOutcome::Updated
            };
            report.rows.push(RowReport {
                row: row.line,
                username: row.username.clone(),
                outcome,
                changes,
            });
        }
        Ok((plan, report))
    }
}
