//! An organization's directory (Entra ID, Okta, Google, Keycloak…) keeping its accounts
//! current over SCIM 2.0: what each request does to the accounts, with the protocol's
//! shapes from `switchboard_scim` and the HTTP in `routes::scim`.
//!
//! How a SCIM User becomes an account:
//! - `userName` is the account's username (lower case) and, when it is an email, a login
//!   email; the primary (else the `work`, else the first) email is a login email too; the
//!   other emails are notification emails (confirmed: the directory vouches for them).
//! - `externalId` is kept as the directory's stable id; it may change only by a write.
//! - `displayName` (else the name's parts, else `userName`) is the display name.
//! - The extension comes from the attribute the organization configured (`employeeNumber`
//!   or the `work` phone number) or is the next free one of its range; the line gets the
//!   organization's SIP settings.
//! - `active: false` (or a delete) ends every session, device credential and the static
//!   credential, as an administrator's sign-out does, and the registrar drops the contacts;
//!   `active: true` lets the account sign in again.
//! - The attributes the portal keeps but does not use (name parts, phone numbers,
//!   enterprise fields, email types) are stored as the directory sent them.

mod accounts;
mod mapping;
pub mod tokens;

use switchboard_scim::ScimError;

use crate::admin::AdminError;
use crate::crypto::EncryptionKey;
use crate::store::{ScimSettingsRow, Store, StoreError};

pub use mapping::UserResource;

pub use switchboard_scim::BASE_PATH;
/// The most resources one list answers.
pub const MAX_RESULTS: usize = 200;
/// The page size when the directory asks for none.
pub const DEFAULT_COUNT: usize = 100;

/// One directory request's view of the portal: its organization, who acts (the token's
/// name), where resources live, and the time.
pub struct Directory<'a> {
    pub store: &'a Store,
    pub key: &'a EncryptionKey,
    pub organization_id: &'a str,
    /// The token's name, for the audit log (`scim:<name>`).
    pub token_name: &'a str,
    /// The SCIM base URL (`https://portal.example/scim/v2`).
    pub base_url: &'a str,
    pub now: i64,
}

impl Directory<'_> {
    async fn settings(&self) -> Result<ScimSettingsRow, ScimError> {
        self.store
            .scim_settings(self.organization_id)
            .await
            .map_err(store_error)?
            .ok_or_else(|| {
                ScimError::status(
                    500,
                    "This organization has no provisioning settings: the portal's operator runs `switchboard-portal admin scim configure`.",
                )
            })
    }

    fn actor(&self) -> String {
        format!("scim:{}", self.token_name)
    }
}

/// A store error as the directory sees it: a conflict is 409, an outage 503, the rest 500
/// (logged).
pub(crate) fn store_error(error: StoreError) -> ScimError {
    match error {
        StoreError::Conflict(_) => ScimError::uniqueness(
            "Another resource has this userName or externalId (a request at the same time wrote it first).",
        ),
        StoreError::Unavailable(_) => ScimError::status(
            503,
            "The portal cannot reach its database right now. Try again in a few seconds.",
        ),
        StoreError::UnstorableText => {
            ScimError::invalid_value("The request holds a character that cannot be stored.")
        }
        error => {
            tracing::error!(%error, "a SCIM request failed in the store");
            ScimError::status(500, "The portal could not finish this request.")
        }
    }
}

/// A validation error of the admin rules (the same rules as `admin account create`) as an
/// `invalidValue`.
fn invalid(error: AdminError) -> ScimError {
    match error {
        AdminError::Store(error) => store_error(error),
        error => ScimError::invalid_value(error.to_string()),
    }
}
