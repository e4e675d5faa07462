//! Login steps: every sign-in path answers with one of these, and the app's screens are
//! views of them. Standard OAuth where a word exists (token, refresh, revoke); typed steps
//! for what OAuth has none for.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct AccountSummary {
    pub account_id: String,
    pub username: String,
    pub display_name: String,
    pub extension: String,
    pub organization_name: String,
}

/// A signed-in session: a short-lived access token and a rotating refresh token. Also the
/// answer of the `refresh_token` grant.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct SessionTokens {
    pub access_token: String,
    /// Always "Bearer".
    pub token_type: String,
    /// Seconds the access token lives.
    pub expires_in: u64,
    /// Store it in the OS keychain only; it changes on every refresh.
    pub refresh_token: String,
    pub account: AccountSummary,
    /// On a sign-in: how many accounts the sign-in's provider identity reaches (more than
    /// one offers "use a different account", also when a remembered choice skipped the
    /// chooser). Absent on a refresh, and when the portal does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub reaches_accounts: Option<u32>,
}

/// One account of the chooser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct AccountChoice {
    pub account_id: String,
    pub display_name: String,
    pub extension: String,
    pub organization_name: String,
    /// The email that reached this account is a login email of several accounts (a shared
    /// or group address): the chooser says so.
    pub reached_through_shared_email: bool,
}

/// Why an identity must be linked by username and password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum LinkReason {
    /// No account signs in with this email through this provider.
    NoAccountForEmail,
    /// The provider does not vouch for the email address.
    EmailUnverified,
    /// The organization has not enabled this provider for the identity's domain or tenant.
    ProviderNotEnabled,
    /// This provider does not vouch for email domains, so its emails find no account by
    /// themselves (Apple, company providers, unless the operator turned matching on).
    EmailMatchingOff,
    /// The email is already linked through another identity of this provider (a recreated
    /// user, a re-registered domain): the new identity must prove the account once.
    EmailLinkedToAnotherIdentity,
}

// Its `Debug` leaves the ticket out (a ticket finishes the sign-in for whoever holds it).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum LoginStep {
    SignedIn {
        session: SessionTokens,
    },
    /// The password was right; the account has an authenticator app.
    MfaRequired {
        ticket: String,
        expires_in: u64,
    },
    /// This identity reaches several accounts.
    ChooseAccount {
        ticket: String,
        expires_in: u64,
        accounts: Vec<AccountChoice>,
        remembered_account_id: Option<String>,
    },
    /// The identity is not linked to any account yet: ask the account's username and
    /// password once.
    LinkAccount {
        ticket: String,
        expires_in: u64,
        email: Option<String>,
        reason: LinkReason,
    },
}

/// `POST /v1/login/choose-account`: the account picked from a `ChooseAccount` step.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChooseAccountRequest {
    pub ticket: String,
    /// One of the accounts the step listed.
    pub account_id: String,
    /// Remember this account for this identity (on every computer); `false` forgets a
    /// remembered choice.
    #[serde(default)]
    pub remember: bool,
    /// Shown in the user's list of sessions.
    #[serde(default)]
    pub device_name: Option<String>,
}

/// `POST /v1/login/link-account`: the account's own credentials, once, to link the
/// identity of a `LinkAccount` step to it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LinkAccountRequest {
    pub ticket: String,
    pub username: String,
    pub password: String,
    /// The authenticator code, when the account has an authenticator app.
    #[serde(default)]
    pub totp_code: Option<String>,
    #[serde(default)]
    pub device_name: Option<String>,
}

/// `POST /v1/login/choose-again` (with the access token): "use a different account".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChooseAgainRequest {
    #[serde(default)]
    pub device_name: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum SipTransport {
    Udp,
    Tcp,
    Tls,
}

/// The softphone settings of the signed-in account (`GET /v1/sip-profile`, with an ETag).
/// Its debug output leaves the password out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct SipProfile {
    pub extension: String,
    pub display_name: String,
    pub sip_user: String,
    pub auth_user: String,
    /// Store it in the OS keychain only.
    pub password: String,
    pub domain: String,
    pub registrar: String,
    pub outbound_proxy: Option<String>,
    pub transport: SipTransport,
    pub stun_server: Option<String>,
    pub turn_server: Option<String>,
    pub voicemail_number: Option<String>,
    /// Changes whenever any setting changes.
    pub version: i64,
}

impl std::fmt::Debug for SipProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SipProfile")
            .field("extension", &self.extension)
            .field("sip_user", &self.sip_user)
            .field("auth_user", &self.auth_user)
            .field("domain", &self.domain)
            .field("registrar", &self.registrar)
            .field("outbound_proxy", &self.outbound_proxy)
            .field("transport", &self.transport)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for LoginStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginStep::SignedIn { session } => f
                .debug_struct("SignedIn")
                .field("session", session)
                .finish(),
            LoginStep::MfaRequired { expires_in, .. } => f
                .debug_struct("MfaRequired")
                .field("expires_in", expires_in)
                .finish_non_exhaustive(),
            LoginStep::ChooseAccount {
                expires_in,
                accounts,
                remembered_account_id,
                ..
            } => f
                .debug_struct("ChooseAccount")
                .field("expires_in", expires_in)
                .field("accounts", accounts)
                .field("remembered_account_id", remembered_account_id)
                .finish_non_exhaustive(),
            LoginStep::LinkAccount {
                expires_in,
                email,
                reason,
                ..
            } => f
                .debug_struct("LinkAccount")
                .field("expires_in", expires_in)
                .field("email", email)
                .field("reason", reason)
                .finish_non_exhaustive(),
        }
    }
}

impl std::fmt::Debug for ChooseAccountRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChooseAccountRequest")
            .field("account_id", &self.account_id)
            .field("remember", &self.remember)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for LinkAccountRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkAccountRequest")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for SessionTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionTokens")
            .field("expires_in", &self.expires_in)
            .field("account", &self.account)
            .field("reaches_accounts", &self.reaches_accounts)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_step_does_not_debug_print_its_ticket() {
        let ticket = "tkt_secret_ticket_value".to_owned();
        let steps = [
            LoginStep::MfaRequired {
                ticket: ticket.clone(),
                expires_in: 600,
            },
            LoginStep::ChooseAccount {
                ticket: ticket.clone(),
                expires_in: 600,
                accounts: Vec::new(),
                remembered_account_id: None,
            },
            LoginStep::LinkAccount {
                ticket: ticket.clone(),
                expires_in: 600,
                email: Some("ann@example.com".into()),
                reason: LinkReason::NoAccountForEmail,
            },
        ];
        for step in steps {
            let printed = format!("{step:?}");
            assert!(!printed.contains(&ticket), "{printed}");
            assert!(printed.contains("expires_in: 600"), "{printed}");
        }
    }

    #[test]
    fn a_sip_profile_does_not_debug_print_its_password() {
        let profile = SipProfile {
            extension: "201".into(),
            display_name: "Alice".into(),
            sip_user: "201".into(),
            auth_user: "201".into(),
            password: "sip-secret-xyz".into(),
            domain: "sip.example".into(),
            registrar: "sip:sip.example".into(),
            outbound_proxy: None,
            transport: SipTransport::Tls,
            stun_server: None,
            turn_server: None,
            voicemail_number: None,
            version: 1,
        };
        let printed = format!("{profile:?}");
        assert!(!printed.contains("sip-secret-xyz"), "{printed}");
        assert!(printed.contains("201"), "{printed}");
    }
}
