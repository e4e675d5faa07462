//! The signed-in account's security settings: the authenticator app (set up with a QR code
//! and a confirming code + password, disable, recovery codes), linked providers (add through
//! the browser, remove), emails and their warnings, sessions (sign out others), password.
//!
//! Every sensitive change needs proof that the session's user is making it, so a stolen
//! access token alone changes nothing. The proof is a step-up: the session confirmed its
//! user with the password (and the code when the authenticator is on) less than
//! [`CONFIRMATION_LIFETIME`] seconds ago; wrong ones count towards the same limits as
//! signing in. Adding a notification email, removing a linked sign-in and signing out
//! other sessions take only that. Changes to a credential (the authenticator app on or
//! off, new recovery codes, a new password, a new linked sign-in) take it too, or else the
//! password (and a current code) sent with the change: a confirmation of another session,
//! or an older one, is no proof.

mod authenticator;
mod emails;
mod linked_providers;
mod overview;
mod sessions_and_password;
mod step_up;

pub use authenticator::{
    confirm_authenticator, disable_authenticator, regenerate_recovery_codes,
    start_authenticator_setup,
};
pub(crate) use emails::normalized_email;
pub use emails::{add_notification_email, remove_notification_email};
pub use linked_providers::{remove_link, start_link};
pub use overview::overview;
pub use sessions_and_password::{change_password, revoke_other_session};
pub use step_up::confirm;

use authenticator::has_authenticator;
use linked_providers::link_id;
use step_up::{confirmed_for, prove_user, require_confirmation};

use crate::audit::{self, AuditEvent, AuditKind};
use crate::notification_emails;
use crate::request::RequestContext;
use crate::signin::login::LoginError;
use crate::signin::sessions::{self, AuthenticatedSession};
use crate::store::{Store, StoreError};

/// Seconds an authenticator set-up waits for its confirming code, and a link intent for
/// its browser sign-in.
pub const SETUP_LIFETIME: i64 = 600;
pub const MIN_PASSWORD_LENGTH: usize = 10;
/// Seconds a session's confirmation (step-up) lets it make sensitive changes.
pub const CONFIRMATION_LIFETIME: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    /// `retry_after`: the seconds of the wait this wrong password started (from the third).
    #[error("your current password is wrong{}", crate::throttle::wait_after_wrong(*retry_after))]
    WrongPassword { retry_after: Option<i64> },
    #[error("that code does not match: enter the code your authenticator app shows now (check that this computer's clock is right)")]
    WrongSetupCode,
    #[error("this account no longer exists: sign in again")]
    AccountGone,
    #[error("an authenticator app is already set up: turn it off first to set up another")]
    AlreadyEnabled,
    #[error("no authenticator app is set up for this account")]
    NotEnabled,
    #[error("this set-up has expired or was never started: start setting up the authenticator app again")]
    NoPendingSetup,
    #[error("this sign-in provider is not offered here")]
    UnknownProvider,
    #[error("this linked sign-in is not on your account (it may have been removed already)")]
    UnknownLink,
    #[error(transparent)]
    NotificationEmail(#[from] notification_emails::NotificationEmailError),
    #[error("login emails are managed by your administrator; only notification emails can be removed here")]
    LoginEmailManaged,
    #[error("{0} is not on your account")]
    UnknownEmail(String),
    #[error("that session is not one of yours, or it has ended already")]
    UnknownSession,
    #[error("this is the session you are using: use Sign out instead")]
    CurrentSession,
    #[error("the new password must have at least {MIN_PASSWORD_LENGTH} characters")]
    PasswordTooShort,
    #[error("the new password must differ from the current one and from your username")]
    PasswordTooObvious,
    #[error("confirm it is you first: enter your password (and your authenticator code when it is on), then try again")]
    ConfirmationRequired,
    #[error(transparent)]
    Login(#[from] LoginError),
}

impl From<StoreError> for SecurityError {
    fn from(error: StoreError) -> Self {
        Self::Login(LoginError::from(error))
    }
}

impl From<sessions::SessionError> for SecurityError {
    fn from(error: sessions::SessionError) -> Self {
        Self::Login(LoginError::from(error))
    }
}

/// A change the signed-in user made in the security settings.
fn change_event(session: &AuthenticatedSession, action: &str) -> AuditEvent {
    AuditEvent::new(AuditKind::Security)
        .account(session.account_id.as_str())
        .detail("action", action)
}

async fn audit_change(
    store: &Store,
    session: &AuthenticatedSession,
    action: &str,
    request: &RequestContext,
    now: i64,
) {
    audit::record(store, change_event(session, action), request, now).await;
}
