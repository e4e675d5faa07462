//! What the portal tells a signed-in app at once, over its event stream
//! (`GET /v1/events`, server-sent events): each event's `event:` field is its kind and its
//! `data:` the JSON of [`PortalEvent`]. The stream sends a comment every
//! [`HEARTBEAT_SECONDS`]; an app that hears nothing for three times as long reconnects.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Seconds between the stream's heartbeats.
pub const HEARTBEAT_SECONDS: u64 = 15;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PortalEvent {
    /// The stream is open (sent first, so the app knows it is following).
    Ready,
    /// This device's session ended: its tokens and SIP credential no longer work. The app
    /// unregisters the line, forgets the account and tells the user why.
    SessionEnded { reason: SessionEndReason },
    /// The account's SIP profile changed (new settings or credentials): fetch it again.
    SipProfileChanged,
    /// The organization changed its sign-in policy (session lifetimes, authenticator for
    /// single sign-on): it applies from the next refresh or sign-in.
    PolicyChanged,
}

impl PortalEvent {
    /// The SSE `event:` name.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::SessionEnded { .. } => "session_ended",
            Self::SipProfileChanged => "sip_profile_changed",
            Self::PolicyChanged => "policy_changed",
        }
    }
}

/// Why a session ended, as the portal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SessionEndReason {
    /// The user signed this device out (here, or with its token).
    SignedOut,
    /// The user signed this device out from another device's settings.
    SignedOutByUser,
    /// An administrator signed the account out everywhere.
    SignedOutByAdmin,
    /// The user changed the account's password on another device.
    PasswordChanged,
    /// An administrator reset the account's password.
    PasswordReset,
    /// An administrator turned off signing in with a provider for the account.
    SsoDenied,
    /// The provider this session signed in with was turned off for the organization.
    ProviderDisabled,
    /// The email the session's link was made from is no longer a login email.
    LoginEmailRemoved,
    /// The provider identity was linked to another account.
    Relinked,
    /// A refresh token or sign-in code was used twice: the session was ended to be safe.
    TokenReplayed,
    /// The organization's idle or absolute session lifetime ran out.
    Expired,
    /// The organization's directory turned the account off (SCIM `active: false` or
    /// delete).
    AccountDeactivated,
    /// Any other reason.
    #[serde(other)]
    Other,
}

impl SessionEndReason {
    /// The reason as the portal stores it (`sessions.revoked_reason`).
    pub fn from_stored(reason: &str) -> Self {
        match reason {
            "signed_out" => Self::SignedOut,
            "signed_out_by_user" => Self::SignedOutByUser,
            "signed_out_by_admin" => Self::SignedOutByAdmin,
            "password_changed" => Self::PasswordChanged,
            "password_reset" => Self::PasswordReset,
            "sso_denied" => Self::SsoDenied,
            "provider_disabled" => Self::ProviderDisabled,
            "login_email_removed" => Self::LoginEmailRemoved,
            "relinked" => Self::Relinked,
            "refresh_token_replayed" | "code_replayed" => Self::TokenReplayed,
            "expired" => Self::Expired,
            "account_deactivated" => Self::AccountDeactivated,
            _ => Self::Other,
        }
    }

    /// What the user is told, about the account named `account` on this computer.
    pub fn sentence(self, account: &str) -> String {
        match self {
            Self::SignedOut => format!("{account} was signed out on this computer."),
            Self::SignedOutByUser => {
                format!("{account} was signed out of this computer from another device.")
            }
            Self::SignedOutByAdmin => {
                format!("An administrator signed you out of {account} on this computer.")
            }
            Self::PasswordChanged => format!(
                "The password of {account} was changed on another device, so this computer was signed out."
            ),
            Self::PasswordReset => format!(
                "An administrator reset the password of {account}, so this computer was signed out."
            ),
            Self::SsoDenied => format!(
                "An administrator turned off single sign-on for {account}, so this computer was signed out."
            ),
            Self::ProviderDisabled => format!(
                "The way you signed in to {account} was turned off for your organization, so this computer was signed out."
            ),
            Self::LoginEmailRemoved => format!(
                "The email you signed in to {account} with was removed from it, so this computer was signed out."
            ),
            Self::Relinked => format!(
                "The sign-in you used for {account} was linked to another account, so this computer was signed out."
            ),
            Self::TokenReplayed => format!(
                "{account} was signed out on this computer to keep it safe: its sign-in was used from two places."
            ),
            Self::Expired => format!(
                "The sign-in of {account} on this computer expired under your organization's policy."
            ),
            Self::AccountDeactivated => format!(
                "Your organization turned {account} off in its directory, so this computer was signed out. Ask your administrator if this is a mistake."
            ),
            Self::Other => format!("{account} was signed out on this computer."),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_tagged_json_and_unknown_reasons_still_parse() {
        let ended = PortalEvent::SessionEnded {
            reason: SessionEndReason::SignedOutByAdmin,
        };
        let json = serde_json::to_string(&ended).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"session_ended","reason":"signed_out_by_admin"}"#
        );
        let later: PortalEvent = serde_json::from_str(
            r#"{"kind":"session_ended","reason":"a_reason_from_a_later_portal"}"#,
        )
        .unwrap();
        assert_eq!(
            later,
            PortalEvent::SessionEnded {
                reason: SessionEndReason::Other
            }
        );
    }

    #[test]
    fn stored_reasons_map_to_what_the_user_is_told() {
        assert_eq!(
            SessionEndReason::from_stored("signed_out_by_admin").sentence("Maria Manager"),
            "An administrator signed you out of Maria Manager on this computer."
        );
        assert_eq!(
            SessionEndReason::from_stored("code_replayed"),
            SessionEndReason::TokenReplayed
        );
        assert_eq!(
            SessionEndReason::from_stored("new"),
            SessionEndReason::Other
        );
    }
}
