//! Accounts: create, list, show, update, emails, password, authenticator, sessions, and
//! whether the account may use single sign-on.

mod access;
mod create;
mod update;
mod view;

use serde_json::json;

use crate::store::AccountRow;

/// The SIP settings an operator gives for an account.
#[derive(Debug, Clone, Default)]
pub struct SipInput {
    pub sip_user: Option<String>,
    pub auth_user: Option<String>,
    pub password: Option<String>,
    /// A new static SIP password made up now and shown once (`account update`).
    pub new_password: bool,
    pub domain: Option<String>,
    pub registrar: Option<String>,
    pub transport: Option<String>,
    pub outbound_proxy: Option<String>,
    pub stun_server: Option<String>,
    pub turn_server: Option<String>,
    pub voicemail_number: Option<String>,
}

/// A new account as the operator gives it.
#[derive(Debug, Clone, Default)]
pub struct AccountInput {
    pub username: String,
    pub display_name: String,
    pub extension: String,
    pub login_emails: Vec<String>,
    pub notification_emails: Vec<String>,
    /// Login emails may be login emails of other accounts too (a shared address).
    pub shared: bool,
    /// The first password; `None` makes one up and shows it once.
    pub password: Option<String>,
    pub sip: SipInput,
}
fn account_json(account: &AccountRow) -> serde_json::Value {
    json!({
        "id": account.id,
        "organization": account.organization_id,
        "username": account.username,
        "display_name": account.display_name,
        "extension": account.extension,
        "sso_allowed": account.sso_allowed,
        "authenticator": account.has_authenticator,
        "active": account.active,
        "created_at": account.created_at,
    })
}
