//! What the window shows: every screen is a view of one `AppView`, with at most one
//! notice. `ts-rs` turns these types into `ui/src/bindings/`, so the TypeScript cannot drift
//! from the Rust.

use serde::Serialize;
use switchboard_api::{
    AccountChoice, AccountSummary, LinkReason, ProviderOption, SecurityOverview, SignInOptions,
};
use switchboard_client::{ClientError, PhoneSummary};
use ts_rs::TS;

use switchboard_frontend::error_code::{message, retry_after, ErrorCode};

/// What the app knows about itself and where it signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppInfo {
    pub portal_url: String,
    pub version: String,
}

/// Whether the portal answers, and if so what its sign-in screen offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PortalStatus {
    Reachable {
        options: SignInOptions,
    },
    Unreachable {
        /// What went wrong and what to do, in words a user understands.
        message: String,
        status_page_url: Option<String>,
    },
}

/// What the window shows: every screen is a view of one of these. Commands answer with it,
/// and the `app-view` event pushes it when something happens outside a command (a deep
/// link arrived).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "screen", rename_all = "snake_case")]
// A value handed to the window now and then: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum AppView {
    /// The sign-in screen, with what just happened if anything. `back_to`: an account
    /// still signed in here ("add another account"); the screen offers going back to it.
    SignIn {
        notice: Option<Notice>,
        back_to: Option<AccountSummary>,
    },
    /// Restoring the remembered account on start.
    Restoring,
    /// The browser is open at the provider, or could not be opened (`browser_opened`
    /// false: no browser on this computer): the screen then says so and offers the link
    /// to copy at once.
    WaitingForBrowser {
        provider_name: String,
        /// For "copy the sign-in link" when the browser did not open.
        authorize_url: String,
        browser_opened: bool,
    },
    /// The identity reaches several phone accounts: pick one.
    ChooseAccount {
        accounts: Vec<AccountChoice>,
        /// Preselected; also what "remember my choice" starts ticked for.
        remembered_account_id: Option<String>,
        /// The accounts are reached through an email several accounts sign in with (a
        /// shared or group address): the chooser says so.
        shared_email: bool,
        /// "Use a different account": the account in use, which the chosen one replaces on
        /// this computer (signed out here once the other is signed in). `None` when a new
        /// sign-in adds an account.
        in_place_of: Option<AccountSummary>,
        notice: Option<Notice>,
    },
    /// The identity is not linked to an account yet: the account's username and password
    /// (and authenticator code) once.
    LinkAccount {
        provider_name: String,
        email: Option<String>,
        reason: LinkReason,
        /// Why, in words (the CLI says the same).
        reason_text: String,
        notice: Option<Notice>,
    },
    /// The password was right (or the organization asks after a provider): the
    /// authenticator code, or a recovery code.
    MfaRequired { notice: Option<Notice> },
    /// Signed in and the softphone provisioned.
    Ready {
        account: AccountSummary,
        phone: PhoneSummary,
        notice: Option<Notice>,
        /// Every account signed in here, the current one included (the switcher).
        signed_in: Vec<AccountSummary>,
        /// How many accounts the sign-in that signed this one in reached, as far as this
        /// computer saw (its chooser; 1 after a password or a new link): "use a different
        /// account" is offered only with more than one (it chooses among them).
        reaches_accounts: u32,
    },
    /// The portal asked for a step this version cannot take yet.
    StepNotSupported { message: String },
    /// The current account's security settings.
    Security {
        account: AccountSummary,
        overview: SecurityOverview,
        /// Every provider the portal offers (for "add").
        providers: Vec<ProviderOption>,
        /// An authenticator app being set up: its QR code and secret.
        setup: Option<AuthenticatorSetupView>,
        /// Just made: shown this once.
        recovery_codes: Option<Vec<String>>,
        notice: Option<Notice>,
    },
}

/// A QR code for the window to draw: `size` × `size` modules, row by row, `1` dark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct QrCode {
    pub size: u32,
    pub rows: Vec<String>,
}

/// An authenticator app being set up.
#[derive(Clone, PartialEq, Eq, Serialize, TS)]
pub struct AuthenticatorSetupView {
    /// Base32, for typing in by hand.
    pub secret: String,
    pub otpauth_uri: String,
    /// The otpauth URI as a QR code.
    pub qr: QrCode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    Info,
    Error,
}

/// A message on screen, with the stable code kept for support.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Notice {
    pub kind: NoticeKind,
    pub message: String,
    pub code: Option<ErrorCode>,
    /// With `too_many_attempts`, or `invalid_credentials` for a wrong password that started
    /// a wait: seconds from when the answer came until trying again can succeed (the window
    /// counts down and holds the button until then).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional, type = "number")]
    pub retry_after_seconds: Option<u64>,
}

impl Notice {
    pub fn info(message: impl Into<String>) -> Self {
        Self {
            kind: NoticeKind::Info,
            message: message.into(),
            code: None,
            retry_after_seconds: None,
        }
    }
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            kind: NoticeKind::Error,
            message: message.into(),
            code: Some(code),
            retry_after_seconds: None,
        }
    }

    /// A client core error as a notice: its code and its sentence. The user's own Cancel at
    /// the provider is no error: it is said as information (the code is kept for support).
    pub fn of(error: &ClientError) -> Self {
        let code = ErrorCode::of(error);
        let kind = if code == ErrorCode::AccessDenied {
            NoticeKind::Info
        } else {
            NoticeKind::Error
        };
        Self {
            kind,
            message: message(error),
            code: Some(code),
            retry_after_seconds: retry_after(error),
        }
    }
}

/// The secret (also inside the URI and the QR code) never prints.
impl std::fmt::Debug for AuthenticatorSetupView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticatorSetupView")
            .field("qr_size", &self.qr.size)
            .finish_non_exhaustive()
    }
}

impl AppView {
    /// The view with `notice` when it has room for one and none yet.
    pub fn with_notice(self, notice: Option<Notice>) -> AppView {
        let Some(extra) = notice else {
            return self;
        };
        match self {
            AppView::SignIn {
                notice: None,
                back_to,
            } => AppView::SignIn {
                notice: Some(extra),
                back_to,
            },
            AppView::Ready {
                account,
                phone,
                notice: None,
                signed_in,
                reaches_accounts,
            } => AppView::Ready {
                account,
                phone,
                notice: Some(extra),
                signed_in,
                reaches_accounts,
            },
            AppView::ChooseAccount {
                accounts,
                remembered_account_id,
                shared_email,
                in_place_of,
                notice: None,
            } => AppView::ChooseAccount {
                accounts,
                remembered_account_id,
                shared_email,
                in_place_of,
                notice: Some(extra),
            },
            AppView::MfaRequired { notice: None } => AppView::MfaRequired {
                notice: Some(extra),
            },
            AppView::LinkAccount {
                provider_name,
                email,
                reason,
                reason_text,
                notice: None,
            } => AppView::LinkAccount {
                provider_name,
                email,
                reason,
                reason_text,
                notice: Some(extra),
            },
            AppView::Security {
                account,
                overview,
                providers,
                setup,
                recovery_codes,
                notice: None,
            } => AppView::Security {
                account,
                overview,
                providers,
                setup,
                recovery_codes,
                notice: Some(extra),
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_at_the_provider_is_information_and_other_failures_are_errors() {
        let cancelled = ClientError::SignIn(switchboard_client::SignInError::Provider {
            code: "access_denied".into(),
            message: "Signing in with Google was cancelled.".into(),
        });
        let notice = Notice::of(&cancelled);
        assert_eq!(notice.kind, NoticeKind::Info);
        assert_eq!(notice.code, Some(ErrorCode::AccessDenied));
        assert_eq!(notice.message, "Signing in with Google was cancelled.");
        let refused = ClientError::SignIn(switchboard_client::SignInError::Provider {
            code: "server_error".into(),
            message: "Google could not sign you in.".into(),
        });
        assert_eq!(Notice::of(&refused).kind, NoticeKind::Error);
    }

    #[test]
    fn an_authenticator_set_up_does_not_debug_print_its_secret() {
        let setup = AuthenticatorSetupView {
            secret: "JBSWY3DPEHPK3PXP".into(),
            otpauth_uri: "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP".into(),
            qr: QrCode {
                size: 21,
                rows: vec![],
            },
        };
        let printed = format!("{setup:?}");
        assert!(!printed.contains("JBSWY3DPEHPK3PXP"), "{printed}");
    }
}
