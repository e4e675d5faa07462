//! What operators change with `switchboard-portal admin`: organizations, the providers
//! they enabled, accounts and their emails. Every change is one transaction that also
//! writes its audit event, so a change and its record land together or not at all, and
//! instances serving at the same time see either all of it or none: [`write_with_audit`].

use sqlx::{Database, Pool};

use super::statements::Statements;
use super::{AuditRow, StoreError};

/// An account's new details; `None` keeps a field, `Some("")` clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub extension: Option<String>,
    pub sip_user: Option<String>,
    pub auth_user: Option<String>,
    pub sip_password_encrypted: Option<String>,
    pub sip_domain: Option<String>,
    pub registrar: Option<String>,
    pub transport: Option<String>,
    pub outbound_proxy: Option<String>,
    pub stun_server: Option<String>,
    pub turn_server: Option<String>,
    pub voicemail_number: Option<String>,
}

impl AccountChange {
    pub(in crate::store) fn touches_sip(&self) -> bool {
        self.sip_user.is_some()
            || self.auth_user.is_some()
            || self.sip_password_encrypted.is_some()
            || self.sip_domain.is_some()
            || self.registrar.is_some()
            || self.transport.is_some()
            || self.outbound_proxy.is_some()
            || self.stun_server.is_some()
            || self.turn_server.is_some()
            || self.voicemail_number.is_some()
            || self.extension.is_some()
            || self.display_name.is_some()
    }

    /// Whether the change moves the line or its registration (extension, SIP user or
    /// domain, credentials, registrar, transport, proxy): every device's credential is
    /// replaced then, so what the registrar holds matches what devices are told.
    pub(in crate::store) fn rotates_device_credentials(&self) -> bool {
        self.extension.is_some()
            || self.sip_user.is_some()
            || self.sip_domain.is_some()
            || self.auth_user.is_some()
            || self.sip_password_encrypted.is_some()
            || self.registrar.is_some()
            || self.transport.is_some()
            || self.outbound_proxy.is_some()
    }
}

/// What an administrator's write found, in [`write_with_audit`].
pub(super) enum Written<T> {
    /// It changed something: the audit row is written and the transaction commits.
    Changed(T),
    /// Nothing changed: the transaction rolls back and no audit row is written.
    Unchanged(T),
}

impl<T> Written<T> {
    /// `Changed(value)` when `changed`, else `Unchanged(value)`.
    fn when(changed: bool, value: T) -> Self {
        if changed {
            Self::Changed(value)
        } else {
            Self::Unchanged(value)
        }
    }
}

/// Every administrator's change: opens a transaction on `pool` and runs `write` in it;
/// when it changed something, writes `audit` and commits (a change lands with its audit
/// row or not at all), else rolls back. On an error the transaction is dropped, which rolls
/// it back too.
async fn write_with_audit<DB, T>(
    pool: &Pool<DB>,
    audit: &AuditRow,
    write: impl AsyncFnOnce(&mut DB::Connection) -> Result<Written<T>, sqlx::Error>,
) -> Result<T, StoreError>
where
    DB: Database,
    DB::Connection: Statements,
{
    let mut tx = pool.begin().await?;
    match write(&mut *tx).await? {
        Written::Changed(value) => {
            tx.insert_audit_row(audit).await?;
            tx.commit().await?;
            Ok(value)
        }
        Written::Unchanged(value) => {
            tx.rollback().await?;
            Ok(value)
        }
    }
}

mod accounts;
mod directory;
mod directory_settings;
mod import;
mod organizations;
mod report;

pub use accounts::AccountRow;
pub use directory::{
    DirectoryAccountRow, DirectoryChange, DirectoryFields, DirectoryLookup, DirectoryReplaced,
    ExtensionChoice,
};
pub use directory_settings::{NewScimToken, ScimSettingsRow, ScimTokenRow};
pub use import::{ImportAccount, ImportIdentity, ImportPlan, ImportUpdate};
pub use organizations::{EnabledProviderRow, OrganizationRow, PolicyChange};
pub use report::EmailPairRow;
