//! What operators change with `switchboard-portal admin`: organizations, the providers
//! they enabled, accounts and their emails. Every change is one transaction that also
//! writes its audit event, so a change and its record land together or not at all, and
//! instances serving at the same time see either all of it or none: [`write_with_audit`].

use sqlx::{Database, Pool};

use super::statements::Statements;
use super::{AuditRow, StoreError};

pub use super::changes::AccountChange;

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
