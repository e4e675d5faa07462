//! The risky-email report: what an office manager should review about which emails reach
//! which accounts.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::json;

use super::{Admin, AdminError, Outcome};
use crate::store::EmailPairRow;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RiskReport {
    /// Accounts reached by more than one login email: username → emails.
    pub accounts_with_several_login_emails: BTreeMap<String, Vec<String>>,
    /// Emails that sign in to more than one account (shared or group addresses): email →
    /// usernames.
    pub shared_login_emails: BTreeMap<String, Vec<String>>,
    /// Notification emails that are another account's login email: (email, the account
    /// notified, the account it signs in to).
    pub notification_emails_of_other_accounts: Vec<(String, String, String)>,
}

fn in_scope(row: &EmailPairRow, organization: Option<&str>) -> bool {
    organization.is_none_or(|id| row.organization_id == id)
}

impl Admin {
    pub async fn report(&self, organization_id: Option<&str>) -> Result<Outcome, AdminError> {
        if let Some(id) = organization_id {
            self.organization(id).await?;
        }
        let mut report = RiskReport::default();
        for row in self.store.accounts_with_several_login_emails().await? {
            if in_scope(&row, organization_id) {
                report
                    .accounts_with_several_login_emails
                    .entry(row.username)
                    .or_default()
                    .push(row.email);
            }
        }
        let shared = self.store.shared_login_emails().await?;
        for row in &shared {
            // An address shared by accounts of several organizations shows in each one's report.
            let touches_scope = shared
                .iter()
                .any(|other| other.email == row.email && in_scope(other, organization_id));
            if touches_scope {
                report
                    .shared_login_emails
                    .entry(row.email.clone())
                    .or_default()
                    .push(row.username.clone());
            }
        }
        for row in self.store.notification_emails_of_others().await? {
            if in_scope(&row, organization_id) {
                report.notification_emails_of_other_accounts.push((
                    row.email,
                    row.username,
                    row.other_username.unwrap_or_default(),
                ));
            }
        }
        Ok(Outcome::new(report_text(&report), json!(report)))
    }
}

fn report_text(report: &RiskReport) -> String {
    let mut text =
        String::from("Accounts with several login emails (each signs in to the account):\n");
    if report.accounts_with_several_login_emails.is_empty() {
        text.push_str("  none\n");
    }
    for (username, emails) in &report.accounts_with_several_login_emails {
        text.push_str(&format!("  {username:<20} {}\n", emails.join(", ")));
    }
    text.push_str("\nLogin emails of several accounts (shared or group addresses):\n");
    if report.shared_login_emails.is_empty() {
        text.push_str("  none\n");
    }
    for (email, usernames) in &report.shared_login_emails {
        text.push_str(&format!("  {email:<30} {}\n", usernames.join(", ")));
    }
    text.push_str("\nNotification emails that are another account's login email:\n");
    if report.notification_emails_of_other_accounts.is_empty() {
        text.push_str("  none\n");
    }
    for (email, notified, owner) in &report.notification_emails_of_other_accounts {
        text.push_str(&format!(
            "  {email:<30} receives copies for {notified}, signs in to {owner}\n"
        ));
    }
    text.trim_end().to_owned()
}

impl Admin {
    /// The audit log, oldest first.
    pub async fn audit(&self, filter: &crate::store::AuditFilter) -> Result<Outcome, AdminError> {
        if let Some(id) = &filter.organization_id {
            self.organization(id).await?;
        }
        let events = self.store.audit_events(filter).await?;
        let mut text = String::new();
        for event in &events {
            let at = chrono::DateTime::from_timestamp(event.at, 0)
                .map(|time| time.format("%Y-%m-%dT%H:%M:%SZ").to_string())
                .unwrap_or_else(|| event.at.to_string());
            text.push_str(&format!(
                "{at} {:<14} {:<8} {:<16} account={} method={} provider={} device={} ip={} {}\n",
                event.kind,
                event.result,
                event.actor,
                event.account_id.as_deref().unwrap_or("-"),
                event.method.as_deref().unwrap_or("-"),
                event.provider_id.as_deref().unwrap_or("-"),
                event.device.as_deref().unwrap_or("-"),
                event.ip.as_deref().unwrap_or("-"),
                event.detail.as_deref().unwrap_or(""),
            ));
        }
        if events.is_empty() {
            text.push_str("No events match.");
        }
        let json = serde_json::Value::Array(
            events
                .iter()
                .map(|event| {
                    let mut value = json!(event);
                    if let Some(detail) = &event.detail {
                        value["detail"] = serde_json::from_str(detail).unwrap_or(json!(detail));
                    }
                    value
                })
                .collect(),
        );
        Ok(Outcome::new(text.trim_end(), json))
    }
}
