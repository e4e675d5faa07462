//! Importing accounts from CSV (onboarding a company, for instance with its Google
//! Workspace users pre-linked). Idempotent: a row whose account exists in the organization
//! brings it up to date (its emails become exactly the row's), an unchanged row changes
//! nothing. All or nothing: every row is checked first, and a bad one names its row and
//! column and changes nothing; then every change is written in one transaction.
//!
//! Columns (header row required; `;` separates several values):
//! `username, display_name, extension, login_emails, notification_emails, sip_user,
//! auth_user, sip_password, sip_domain, registrar, transport, outbound_proxy, stun_server,
//! turn_server, voicemail_number, identities` where `identities` are `provider:subject`
//! pairs linked to the account (Google: the `sub` of the user's ID token).

mod csv_rows;
mod plan;

use std::path::Path;

use serde::Serialize;
use serde_json::json;

use super::{Admin, AdminError, Outcome};

const COLUMNS: &[&str] = &[
    "username",
    "display_name",
    "extension",
    "login_emails",
    "notification_emails",
    "sip_user",
    "auth_user",
    "sip_password",
    "sip_domain",
    "registrar",
    "transport",
    "outbound_proxy",
    "stun_server",
    "turn_server",
    "voicemail_number",
    "identities",
];
const REQUIRED: &[&str] = &[
    "username",
    "display_name",
    "extension",
    "sip_domain",
    "registrar",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowOutcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(Debug, Clone, Serialize)]
pub struct RowReport {
    pub row: usize,
    pub username: String,
    pub outcome: RowOutcome,
    /// What changed (updated rows).
    pub changes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    pub organization: String,
    pub rows: Vec<RowReport>,
}

/// One row, checked.
struct Row {
    line: usize,
    username: String,
    display_name: String,
    extension: String,
    login_emails: Vec<String>,
    notification_emails: Vec<String>,
    sip_user: Option<String>,
    auth_user: Option<String>,
    sip_password: Option<String>,
    sip_domain: String,
    registrar: String,
    transport: String,
    outbound_proxy: Option<String>,
    stun_server: Option<String>,
    turn_server: Option<String>,
    voicemail_number: Option<String>,
    identities: Vec<(String, String)>,
}

impl Admin {
    pub async fn import(
        &self,
        organization_id: &str,
        path: &Path,
        allow_shared: bool,
        dry_run: bool,
    ) -> Result<Outcome, AdminError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| AdminError::Read {
            path: shown.clone(),
            source,
        })?;
        let organization = self.organization(organization_id).await?;
        let rows = self.parse_rows(&shown, &text, allow_shared)?;
        let (plan, report) = self
            .plan(&shown, &organization.id, &rows, allow_shared)
            .await?;
        if !dry_run && !plan.is_empty() {
            let audit = self.row(
                self.event("accounts_imported")
                    .organization(organization.id.as_str())
                    .detail("file", shown.as_str())
                    .detail("created", count(&report, RowOutcome::Created))
                    .detail("updated", count(&report, RowOutcome::Updated)),
            );
            self.store
                .apply_import(&organization.id, &plan, self.now, &audit, &|link| {
                    self.unlink_row(link)
                })
                .await?;
            self.sync_static_credentials(None).await?;
        }
        let mut text = String::new();
        for row in &report.rows {
            text.push_str(&format!(
                "row {:>4}  {:<20} {:?}{}\n",
                row.row,
                row.username,
                row.outcome,
                if row.changes.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", row.changes.join(", "))
                }
            ));
        }
        text.push_str(&format!(
            "{}{} created, {} updated, {} unchanged.",
            if dry_run {
                "Dry run, nothing written: "
            } else {
                ""
            },
            count(&report, RowOutcome::Created),
            count(&report, RowOutcome::Updated),
            count(&report, RowOutcome::Unchanged),
        ));
        let mut json = json!(report);
        json["dry_run"] = json!(dry_run);
        Ok(Outcome::new(text, json))
    }
}

fn count(report: &ImportReport, outcome: RowOutcome) -> usize {
    report
        .rows
        .iter()
        .filter(|row| row.outcome == outcome)
        .count()
}
