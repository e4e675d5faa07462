//! Password + authenticator sign-in, and the signed-in account's security settings:
//! authenticator app, recovery codes, linked providers, emails and their warnings,
//! sessions, password.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// `POST /v1/login/password`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PasswordSignInRequest {
    /// The account's username (or its login email).
    pub username: String,
    pub password: String,
    #[serde(default)]
    pub device_name: Option<String>,
}

/// `POST /v1/login/mfa`: the authenticator code (6 digits) or a recovery code for an
/// `MfaRequired` step.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
    /// `false`: a notification email waiting for the code mailed to it; it receives
    /// nothing until then.
    #[serde(default = "confirmed_by_default")]
    pub confirmed: bool,
}

fn confirmed_by_default() -> bool {
    true
}

/// Something to know about a notification email just added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NotificationEmailWarning {
    /// The address signs in to another account (someone else's, or a shared address).
    LoginEmailOfAnotherAccount,
}

/// `POST /v1/account/emails`: the address waits for the code mailed to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct NotificationEmailAdded {
    pub email: String,
    /// A code was mailed to the address; `POST /v1/account/emails/confirm` takes it.
    pub confirmation_sent: bool,
    /// Seconds the code works.
    #[ts(type = "number")]
    pub expires_in: u64,
    pub warnings: Vec<NotificationEmailWarning>,
}

/// `POST /v1/account/emails/confirm`: the code mailed to a notification email.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConfirmEmailRequest {
    pub email: String,
    pub code: String,
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

/// The first product token of the User-Agent the desktop app sends ("Switchboard-App/1.2.0").
pub const APP_USER_AGENT_PRODUCT: &str = "Switchboard-App";
/// The first product token of the User-Agent `switchboard-cli` sends.
pub const CLI_USER_AGENT_PRODUCT: &str = "Switchboard-CLI";

/// The program a session signed in with, as the program said itself in its User-Agent:
/// for telling sessions apart, never for deciding anything (any program can claim any
/// name).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum SessionClient {
    /// The Switchboard desktop app.
    App,
    /// The command line, `switchboard-cli`.
    CommandLine,
    /// Another program, or a session from before the portal kept this.
    #[default]
    Other,
}

/// A name this version does not know (a later portal's) reads as `other`, so an older
/// client still shows the list.
impl<'de> Deserialize<'de> for SessionClient {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(match name.as_str() {
            "app" => Self::App,
            "command_line" => Self::CommandLine,
            _ => Self::Other,
        })
    }
}

impl SessionClient {
    /// Which program a User-Agent names, by its first product token (case-insensitive).
    pub fn of_user_agent(user_agent: &str) -> Self {
        let product = user_agent
            .split_whitespace()
            .next()
            .and_then(|token| token.split('/').next())
            .unwrap_or_default();
        if product.eq_ignore_ascii_case(APP_USER_AGENT_PRODUCT) {
            Self::App
        } else if product.eq_ignore_ascii_case(CLI_USER_AGENT_PRODUCT) {
            Self::CommandLine
        } else {
            Self::Other
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct SessionInfo {
    pub session_id: String,
    /// The name the program gave its computer when it signed in ("alice-laptop").
    pub device_name: String,
    /// "password", "password+totp", "sso:google", …
    pub auth_method: String,
    /// When it signed in (Unix seconds).
    #[ts(type = "number")]
    pub created_at: i64,
    /// When it was last used (Unix seconds): its sign-in or latest token refresh.
    #[ts(type = "number")]
    pub last_used_at: i64,
    /// The session asking.
    pub current: bool,
    /// The program it signed in with.
    #[serde(default)]
    pub client: SessionClient,
    /// The program's User-Agent as it sent it, made printable and at most 128 characters:
    /// untrusted text, to show as such (for `other` programs).
    #[serde(default)]
    pub user_agent: Option<String>,
    /// The address it signed in from (the portal's view of the client address).
    #[serde(default)]
    pub signed_in_from: Option<String>,
    /// The address it was last used from.
    #[serde(default)]
    pub last_used_from: Option<String>,
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
    /// Seconds this session may still make sensitive changes without confirming again
    /// (0: it has to confirm first).
    #[serde(default)]
    #[ts(type = "number")]
    pub confirmed_for_seconds: u64,
}

/// `POST /v1/account/authenticator`: a new secret to confirm.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct AuthenticatorSetup {
    /// RFC 4648 base32, for typing into an authenticator app by hand.
    pub secret: String,
    /// `otpauth://totp/…`, for the QR code.
    pub otpauth_uri: String,
    /// Seconds the setup waits for its confirmation.
    pub expires_in: u64,
}

/// Confirming or disabling the authenticator, or new recovery codes: the password and a
/// current code (confirming: a code from the new secret). A session that confirmed itself
/// (`/v1/account/confirm`) in the last five minutes leaves `password` empty or out, and,
/// disabling or making new recovery codes, `code` too.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PasswordAndCode {
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub code: String,
}

/// Shown once; only their hashes are kept.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// `POST /v1/account/linked-providers/start`: link another provider through the browser.
/// A new way to sign in: the password, and a code when the account has an authenticator;
/// or neither (`password` empty or out) when the session confirmed itself in the last five
/// minutes.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct StartLinkRequest {
    pub provider: String,
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub code: Option<String>,
    /// The PKCE challenge of the `/v1/authorize` request that will carry the intent.
    pub code_challenge: String,
}

/// Passed to `/v1/authorize` as `link_intent`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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

/// `POST /v1/account/password`: the current password, and the authenticator code when the
/// account has one; or neither (`current_password` empty or out) when the session confirmed
/// itself less than five minutes ago.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ChangePasswordRequest {
    #[serde(default)]
    pub current_password: String,
    pub new_password: String,
    #[serde(default)]
    pub code: Option<String>,
}

/// `POST /v1/account/confirm`: the password, and the authenticator code when the account
/// has one. The session may then make sensitive changes for `Confirmation::expires_in`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ConfirmRequest {
    pub password: String,
    #[serde(default)]
    pub code: Option<String>,
}

/// A confirmation of the session: good for `expires_in` seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct Confirmation {
    pub expires_in: u64,
}

/// Secrets never print: these types say which fields they have, not what is in them.
macro_rules! redacted_debug {
    ($type:ident { $($shown:ident),* }) => {
        impl std::fmt::Debug for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($shown), &self.$shown))*
                    .finish_non_exhaustive()
            }
        }
    };
}

redacted_debug!(PasswordSignInRequest {
    username,
    device_name
});
redacted_debug!(MfaRequest { device_name });
redacted_debug!(AuthenticatorSetup { expires_in });
redacted_debug!(PasswordAndCode {});
redacted_debug!(RecoveryCodes {});
redacted_debug!(StartLinkRequest { provider });
redacted_debug!(LinkIntent { expires_in });
redacted_debug!(ChangePasswordRequest {});
redacted_debug!(ConfirmRequest {});
redacted_debug!(ConfirmEmailRequest { email });

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_is_read_from_the_user_agents_first_product() {
        for (user_agent, client) in [
            ("Switchboard-App/1.2.0", SessionClient::App),
            ("switchboard-cli/0.1.0 (linux)", SessionClient::CommandLine),
            ("Switchboard-CLI", SessionClient::CommandLine),
            ("Switchboard/0.1.0", SessionClient::Other),
            ("curl/8.5.0", SessionClient::Other),
            ("Mozilla/5.0 Switchboard-App/1.0", SessionClient::Other),
            ("", SessionClient::Other),
        ] {
            assert_eq!(
                SessionClient::of_user_agent(user_agent),
                client,
                "{user_agent}"
            );
        }
    }

    #[test]
    fn a_session_from_an_older_portal_reads_with_an_unknown_program() {
        let session: SessionInfo = serde_json::from_value(serde_json::json!({
            "session_id": "s", "device_name": "vm", "auth_method": "password",
            "created_at": 1, "last_used_at": 2, "current": false
        }))
        .unwrap();
        assert_eq!(session.client, SessionClient::Other);
        assert_eq!(session.signed_in_from, None);
        let later: SessionClient = serde_json::from_value(serde_json::json!("phone")).unwrap();
        assert_eq!(later, SessionClient::Other);
    }

    #[test]
    fn secrets_do_not_debug_print() {
        let printed = format!(
            "{:?} {:?} {:?} {:?} {:?}",
            PasswordSignInRequest {
                username: "alice".into(),
                password: "hunter22".into(),
                device_name: None
            },
            MfaRequest {
                ticket: "sbt_secret-ticket".into(),
                code: "123456".into(),
                device_name: None
            },
            PasswordAndCode {
                password: "hunter22".into(),
                code: "654321".into()
            },
            RecoveryCodes {
                codes: vec!["abcde-fghij".into()]
            },
            AuthenticatorSetup {
                secret: "JBSWY3DPEHPK3PXP".into(),
                otpauth_uri: "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP".into(),
                expires_in: 600
            },
        );
        for secret in [
            "hunter22",
            "sbt_secret-ticket",
            "123456",
            "654321",
            "abcde-fghij",
            "JBSWY3DPEHPK3PXP",
        ] {
            assert!(!printed.contains(secret), "{printed}");
        }
        assert!(printed.contains("alice"));
    }
}
