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

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use serde::Serialize;
use serde_json::json;

use super::validate::{
    new_account_id, valid_email, valid_extension, valid_sip_uri, valid_text, valid_transport,
    valid_username,
};
use super::{Admin, AdminError, Outcome};
use crate::crypto::Binding;
use crate::password::NO_PASSWORD;
use crate::store::{AccountChange, ImportAccount, ImportIdentity, ImportPlan, ImportUpdate};

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
                .apply_import(&organization.id, &plan, self.now, &audit)
                .await?;
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

    fn parse_rows(
        &self,
        path: &str,
        text: &str,
        allow_shared: bool,
    ) -> Result<Vec<Row>, AdminError> {
        let csv_error = |row: usize, column: &str, problem: String| AdminError::Csv {
            path: path.to_owned(),
            row,
            column: column.to_owned(),
            problem,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|error| csv_error(1, "-", error.to_string()))?
            .iter()
            .map(|header| header.to_ascii_lowercase())
            .collect();
        for header in &headers {
            if !COLUMNS.contains(&header.as_str()) {
                return Err(csv_error(
                    1,
                    header,
                    format!("unknown column; the columns are {}", COLUMNS.join(", ")),
                ));
            }
        }
        for required in REQUIRED {
            if !headers.iter().any(|header| header == required) {
                return Err(csv_error(1, required, "this column is required".into()));
            }
        }
        let mut rows = Vec::new();
        let mut usernames: HashMap<String, usize> = HashMap::new();
        let mut login_emails: HashMap<String, usize> = HashMap::new();
        for (index, record) in reader.records().enumerate() {
            let line = index + 2;
            let record = record.map_err(|error| csv_error(line, "-", error.to_string()))?;
            let get = |column: &str| -> Option<&str> {
                headers
                    .iter()
                    .position(|header| header == column)
                    .and_then(|at| record.get(at))
                    .filter(|value| !value.is_empty())
            };
            let at = |column: &'static str| {
                move |error: AdminError| csv_error(line, column, error.to_string())
            };
            let required = |column: &'static str| {
                get(column).ok_or_else(|| csv_error(line, column, "is empty".into()))
            };
            let list = |column: &'static str| -> Result<Vec<String>, AdminError> {
                get(column)
                    .unwrap_or_default()
                    .split(';')
                    .map(str::trim)
                    .filter(|email| !email.is_empty())
                    .map(|email| valid_email(column, email).map_err(at(column)))
                    .collect()
            };
            let optional_uri = |column: &'static str| {
                get(column)
                    .map(|uri| valid_sip_uri(column, uri).map_err(at(column)))
                    .transpose()
            };
            let username = valid_username(required("username")?).map_err(at("username"))?;
            if let Some(first) = usernames.insert(username.clone(), line) {
                return Err(csv_error(
                    line,
                    "username",
                    format!("{username} is on row {first} already"),
                ));
            }
            let login = list("login_emails")?;
            let notification = list("notification_emails")?;
            for email in &login {
                if notification.contains(email) {
                    return Err(csv_error(
                        line,
                        "notification_emails",
                        format!("{email} is a login email of this row too"),
                    ));
                }
                if let Some(first) = login_emails.insert(email.clone(), line) {
                    if !allow_shared && first != line {
                        return Err(csv_error(
                            line,
                            "login_emails",
                            format!("{email} is a login email on row {first} too; pass --allow-shared-emails if it is a shared address on purpose"),
                        ));
                    }
                }
            }
            let identities = get("identities")
                .unwrap_or_default()
                .split(';')
                .map(str::trim)
                .filter(|pair| !pair.is_empty())
                .map(|pair| match pair.split_once(':') {
                    Some((provider, subject)) if !subject.trim().is_empty() => self
                        .provider(provider.trim())
                        .map_err(at("identities"))
                        .map(|_| (provider.trim().to_owned(), subject.trim().to_owned())),
                    _ => Err(csv_error(
                        line,
                        "identities",
                        format!("{pair:?} is not provider:subject"),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            rows.push(Row {
                line,
                display_name: valid_text("display_name", required("display_name")?, 120)
                    .map_err(at("display_name"))?,
                extension: valid_extension(required("extension")?).map_err(at("extension"))?,
                login_emails: login,
                notification_emails: notification,
                sip_user: get("sip_user")
                    .map(|user| valid_text("sip_user", user, 64).map_err(at("sip_user")))
                    .transpose()?,
                auth_user: get("auth_user")
                    .map(|user| valid_text("auth_user", user, 64).map_err(at("auth_user")))
                    .transpose()?,
                sip_password: get("sip_password")
                    .map(|password| {
                        valid_text("sip_password", password, 128).map_err(at("sip_password"))
                    })
                    .transpose()?,
                sip_domain: valid_text("sip_domain", required("sip_domain")?, 255)
                    .map_err(at("sip_domain"))?,
                registrar: valid_sip_uri("registrar", required("registrar")?)
                    .map_err(at("registrar"))?,
                transport: valid_transport(get("transport").unwrap_or("tls"))
                    .map_err(at("transport"))?,
                outbound_proxy: optional_uri("outbound_proxy")?,
                stun_server: optional_uri("stun_server")?,
                turn_server: optional_uri("turn_server")?,
                voicemail_number: get("voicemail_number")
                    .map(|number| valid_extension(number).map_err(at("voicemail_number")))
                    .transpose()?,
                identities,
                username,
            });
        }
        if rows.is_empty() {
            return Err(csv_error(2, "-", "the file has no rows".into()));
        }
        Ok(rows)
    }

    /// What each row changes, checked against the database.
    async fn plan(
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

fn count(report: &ImportReport, outcome: RowOutcome) -> usize {
    report
        .rows
        .iter()
        .filter(|row| row.outcome == outcome)
        .count()
}
