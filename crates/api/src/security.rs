//! Password + authenticator sign-in, and the signed-in account's security settings:
//! authenticator app, recovery codes, linked providers, emails and their warnings,
//! sessions, password.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// `POST /v1/login/password`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PasswordSignInRequest {
    /// The account's username (or its login email).
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

/// `POST /v1/login/mfa`: the authenticator code (6 digits) or a recovery code for an
/// `MfaRequired` step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MfaRequest {
    pub ticket: String,
    pub code: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct AuthenticatorStatus {
    pub enabled: bool,
    /// Unused recovery codes.
    pub recovery_codes_left: u32,
}

/// A provider identity linked to the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct LinkedProvider {
    /// Names the link for removal.
    pub link_id: String,
    pub provider_id: String,
    pub provider_name: String,
    /// The email the provider gave when it was linked.
    pub email: Option<String>,
    /// Unix seconds.
    #[ts(type = "number")]
    pub linked_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum EmailPurpose {
    /// May sign in through a provider that vouches for it.
    Login,
    /// Only receives copies (voicemail); never signs in.
    Notification,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct AccountEmail {
    pub email: String,
    pub purpose: EmailPurpose,
    /// Other accounts that also sign in with this email (a shared or group address).
    pub also_login_email_of: u32,
}

/// A risky association, shown rather than hidden.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SecurityWarning {
    /// Several login emails reach this account: each can sign in to it.
    SeveralLoginEmails { count: u32 },
    /// A login email of this account is also a login email of other accounts.
    SharedLoginEmail { email: String, other_accounts: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct SessionInfo {
    pub session_id: String,
    pub device_name: String,
    /// "password", "password+totp", "sso:google", …
    pub auth_method: String,
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub last_used_at: i64,
    /// The session asking.
    pub current: bool,
}

/// `GET /v1/account/security`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct SecurityOverview {
    pub username: String,
    pub authenticator: AuthenticatorStatus,
    pub linked_providers: Vec<LinkedProvider>,
    pub emails: Vec<AccountEmail>,
    pub warnings: Vec<SecurityWarning>,
    pub sessions: Vec<SessionInfo>,
}

/// `POST /v1/account/authenticator`: a new secret to confirm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct AuthenticatorSetup {
    /// RFC 4648 base32, for typing into an authenticator app by hand.
    pub secret: String,
    /// `otpauth://totp/…`, for the QR code.
    pub otpauth_uri: String,
    /// Seconds the setup waits for its confirmation.
    pub expires_in: u64,
}

/// Confirming or disabling the authenticator, or new recovery codes: the password and a
/// current code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PasswordAndCode {
    pub password: String,
    pub code: String,
}

/// Shown once; only their hashes are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// `POST /v1/account/linked-providers/start`: link another provider through the browser.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StartLinkRequest {
    pub provider: String,
}

/// Passed to `/v1/authorize` as `link_intent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LinkIntent {
    pub link_intent: String,
    pub expires_in: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RemoveLinkRequest {
    pub link_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EmailRequest {
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevokeSessionRequest {
    pub session_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}
