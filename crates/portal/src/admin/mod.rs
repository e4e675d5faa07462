//! Operating a portal: organizations, the providers each enabled for its domains or
//! tenants, accounts, CSV import, re-linking, the risky-email report and the audit log.
//! `switchboard-portal admin …` (see [`cli`]) runs these against the same configuration and
//! database as `serve`, while instances serve. Each change is one transaction that writes
//! its audit event with the operator's name.

mod accounts;
pub mod cli;
mod import;
mod organizations;
mod report;
mod scim;
pub(crate) mod validate;

use serde_json::Value;
use switchboard_api::ProviderKind;

use crate::audit::{AuditEvent, AuditKind};
use crate::config::ProviderConfig;
use crate::crypto::EncryptionKey;
use crate::password::HashError;
use crate::store::{AccountRow, AuditRow, EndedLink, OrganizationRow, Store, StoreError};

pub use accounts::{AccountInput, SipInput};
pub use import::{ImportReport, RowOutcome};
pub use report::RiskReport;
pub use scim::ScimInput;

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no organization is called {0:?}: `switchboard-portal admin org list` shows them")]
    UnknownOrganization(String),
    #[error("an organization called {0:?} exists already")]
    OrganizationExists(String),
    #[error("organization {id:?} still has {accounts} account(s); it can be deleted only when it has none")]
    OrganizationNotEmpty { id: String, accounts: i64 },
    #[error(
        "no provider {id:?} is configured in this portal; the configured ones are: {configured}"
    )]
    UnknownProvider { id: String, configured: String },
    #[error(
        "no account has the username {0:?}: `switchboard-portal admin account list` shows them"
    )]
    UnknownAccount(String),
    #[error("the username {0:?} is taken")]
    UsernameTaken(String),
    #[error("{email} is already a login email of {owners}: a login email signs in to every account it is on. Pass --shared if it is a shared address on purpose")]
    EmailTaken { email: String, owners: String },
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    #[error("{0}")]
    Unchanged(String),
    #[error("{path}: row {row}, column {column}: {problem}. Nothing was imported")]
    Csv {
        path: String,
        row: usize,
        column: String,
        problem: String,
    },
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error(transparent)]
    SipCredentials(#[from] crate::sip_credentials::SipCredentialError),
}

pub(crate) fn invalid(field: &str, problem: impl Into<String>) -> AdminError {
    AdminError::Invalid {
        field: field.to_owned(),
        problem: problem.into(),
    }
}

/// What a command answers: words for a person and the same as JSON.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub text: String,
    pub json: Value,
}

impl Outcome {
    fn new(text: impl Into<String>, json: Value) -> Self {
        Self {
            text: text.into(),
            json,
        }
    }
}

/// The operator's session: the store, the key for secrets at rest, the configured
/// providers, who is acting, and the time.
pub struct Admin {
    store: Store,
    key: EncryptionKey,
    providers: Vec<ProviderConfig>,
    actor: String,
    now: i64,
    /// The portal's public URL, for the SCIM tenant URL it tells operators.
    public_url: Option<String>,
}

impl Admin {
    pub fn new(
        store: Store,
        key: EncryptionKey,
        providers: Vec<ProviderConfig>,
        actor: impl Into<String>,
        now: i64,
    ) -> Self {
        Self {
            store,
            key,
            providers,
            actor: actor.into(),
            now,
            public_url: None,
        }
    }

    /// The portal's public URL (`public_url`, else `http://<listen>/`).
    pub fn with_public_url(mut self, url: impl Into<String>) -> Self {
        self.public_url = Some(url.into());
        self
    }

    /// The SCIM tenant URL a directory is given.
    fn scim_url(&self) -> String {
        format!(
            "{}{}",
            self.public_url
                .as_deref()
                .unwrap_or("https://portal.example")
                .trim_end_matches('/'),
            switchboard_scim::BASE_PATH
        )
    }

    /// Brings the registrar's static credentials in line with the SIP profiles just
    /// written (one account's, or all when `None`).
    async fn sync_static_credentials(&self, account_id: Option<&str>) -> Result<(), AdminError> {
        crate::sip_credentials::sync_static_credentials(
            &self.store,
            &self.key,
            account_id,
            self.now,
        )
        .await?;
        Ok(())
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    fn event(&self, action: &str) -> AuditEvent {
        AuditEvent::admin(&self.actor, action)
    }

    fn row(&self, event: AuditEvent) -> AuditRow {
        event.into_row(self.now)
    }

    /// The `unlink` audit row of a link this operator's change ended (the store writes it
    /// in the change's transaction).
    fn unlink_row(&self, link: &EndedLink<'_>) -> AuditRow {
        let mut event = AuditEvent::new(AuditKind::Unlink)
            .by_admin(&self.actor)
            .account(link.account_id)
            .detail("reason", link.reason);
        if let Some(provider_id) = link.provider_id {
            event = event.provider(provider_id);
        }
        self.row(event)
    }

    async fn organization(&self, id: &str) -> Result<OrganizationRow, AdminError> {
        self.store
            .organization(id)
            .await?
            .ok_or_else(|| AdminError::UnknownOrganization(id.to_owned()))
    }

    async fn account(&self, username: &str) -> Result<AccountRow, AdminError> {
        self.store
            .account_by_username(username.trim())
            .await?
            .ok_or_else(|| AdminError::UnknownAccount(username.trim().to_owned()))
    }

    fn provider(&self, id: &str) -> Result<&ProviderConfig, AdminError> {
        self.providers
            .iter()
            .find(|provider| provider.id == id)
            .ok_or_else(|| AdminError::UnknownProvider {
                id: id.to_owned(),
                configured: if self.providers.is_empty() {
                    "none (add [[providers]] to the configuration)".to_owned()
                } else {
                    self.providers
                        .iter()
                        .map(|provider| provider.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            })
    }
}

/// A domain (`acme.example`) or, for Microsoft Entra, a tenant id, in the form stored.
pub(crate) fn domain_or_tenant(kind: ProviderKind, text: &str) -> Result<String, AdminError> {
    let key = text.trim().to_ascii_lowercase();
    let ok = match kind {
        ProviderKind::Microsoft => {
            key.len() == 36
                && key.chars().enumerate().all(|(i, c)| {
                    if [8, 13, 18, 23].contains(&i) {
                        c == '-'
                    } else {
                        c.is_ascii_hexdigit()
                    }
                })
        }
        _ => is_domain(&key),
    };
    if ok {
        Ok(key)
    } else {
        Err(invalid(
            "domain or tenant",
            match kind {
                ProviderKind::Microsoft => format!("{text:?} is not an Entra tenant id (a GUID such as 4f1d6a2e-7b1c-4d3e-9a55-0c1e2f3a4b5c)"),
                _ => format!("{text:?} is not a domain such as acme.example"),
            },
        ))
    }
}

pub(crate) fn is_domain(text: &str) -> bool {
    text.len() <= 253
        && text.contains('.')
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_tenants() {
        assert_eq!(
            domain_or_tenant(ProviderKind::Google, " Acme.Example ").unwrap(),
            "acme.example"
        );
        assert!(domain_or_tenant(ProviderKind::Google, "acme").is_err());
        assert!(domain_or_tenant(ProviderKind::Google, "acme..example").is_err());
        assert!(domain_or_tenant(ProviderKind::Google, "ac me.example").is_err());
        assert!(domain_or_tenant(
            ProviderKind::Microsoft,
            "4f1d6a2e-7b1c-4d3e-9a55-0c1e2f3a4b5c"
        )
        .is_ok());
        assert!(domain_or_tenant(ProviderKind::Microsoft, "acme.example").is_err());
    }
}
