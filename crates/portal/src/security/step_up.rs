//! Step-up: the session's user proves it is them (password, and the authenticator code
//! when it is on) before a sensitive change; and the password check those changes share.

use switchboard_api::Confirmation;

use super::{audit_change, has_authenticator, SecurityError, CONFIRMATION_LIFETIME};
use crate::request::RequestContext;
use crate::signin::login::LoginError;
use crate::signin::password_sign_in::{
    account_key, admit, check_second_factor, failure, CredentialContext,
};
use crate::signin::sessions::AuthenticatedSession;
use crate::store::Store;
use crate::throttle::{self, PASSWORD_PER_CLIENT};

/// Seconds the session's confirmation still holds (0: none, or too old).
pub(super) async fn confirmed_for(
    store: &Store,
    session: &AuthenticatedSession,
    now: i64,
) -> Result<u64, SecurityError> {
    let left = store
        .session_confirmed_at(&session.session_id)
        .await?
        .map_or(0, |at| {
            (at + CONFIRMATION_LIFETIME - now).min(CONFIRMATION_LIFETIME)
        });
    Ok(u64::try_from(left).unwrap_or(0))
}

/// A sensitive change goes ahead only for a session confirmed less than
/// [`CONFIRMATION_LIFETIME`] seconds ago.
pub(super) async fn require_confirmation(
    store: &Store,
    session: &AuthenticatedSession,
    now: i64,
) -> Result<(), SecurityError> {
    if confirmed_for(store, session, now).await? > 0 {
        Ok(())
    } else {
        Err(SecurityError::ConfirmationRequired)
    }
}

/// Proof for a change to a credential (turning the authenticator app on or off, new
/// recovery codes, a new password, a new linked sign-in). A step-up confirmation of this
/// session less than [`CONFIRMATION_LIFETIME`] seconds ago is that proof: the change may
/// then come without a password (`password` empty). Otherwise the password, and the
/// authenticator code when the account has one. A password sent is always checked, and
/// without a confirmation the code too.
pub(super) async fn prove_user(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    password: &str,
    code: Option<&str>,
    request: &RequestContext,
    now: i64,
) -> Result<(), SecurityError> {
    let confirmed = confirmed_for(context.store, session, now).await? > 0;
    match (password.is_empty(), confirmed) {
        (true, true) => Ok(()),
        (true, false) => Err(SecurityError::ConfirmationRequired),
        (false, true) => check_password(context, &session.account_id, password, request, now).await,
        (false, false) => {
            check_password_and_code(context, &session.account_id, password, code, request, now)
                .await
        }
    }
}

/// The password, and the authenticator code when the account has one: both counted
/// against the same limits as signing in.
pub(super) async fn check_password_and_code(
    context: &CredentialContext<'_>,
    account_id: &str,
    password: &str,
    code: Option<&str>,
    request: &RequestContext,
    now: i64,
) -> Result<(), SecurityError> {
    check_password(context, account_id, password, request, now).await?;
    if has_authenticator(context.store, account_id).await? {
        let code = code.map(str::trim).unwrap_or_default();
        check_second_factor(context, account_id, code, now).await?;
    }
    Ok(())
}

/// Step-up: the session's user proves it is them (password, and the authenticator code
/// when it is on); for [`CONFIRMATION_LIFETIME`] seconds the session may then make
/// sensitive changes.
pub async fn confirm(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    password: &str,
    code: Option<&str>,
    request: &RequestContext,
    now: i64,
) -> Result<Confirmation, SecurityError> {
    check_password_and_code(context, &session.account_id, password, code, request, now).await?;
    context
        .store
        .confirm_session(&session.session_id, now)
        .await?;
    audit_change(context.store, session, "confirmed", request, now).await;
    Ok(Confirmation {
        expires_in: CONFIRMATION_LIFETIME as u64,
    })
}

/// The account's current password, counted against the same limit as signing in with it.
pub(super) async fn check_password(
    context: &CredentialContext<'_>,
    account_id: &str,
    password: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(), SecurityError> {
    let hash = context
        .store
        .credentials_by_id(account_id)
        .await?
        .ok_or(SecurityError::AccountGone)?
        .password_hash;
    // Per account and address only: someone else's guesses elsewhere never stop a
    // signed-in user from confirming it is them or changing their password.
    let key = throttle::per_client(&account_key(Some(account_id), ""), request);
    let if_wrong = admit(context.store, &[(&PASSWORD_PER_CLIENT, &key)], now).await?;
    if context
        .passwords
        .verify(password, Some(&hash))
        .await
        .map_err(LoginError::from)?
    {
        throttle::clear(context.store, &PASSWORD_PER_CLIENT, &key).await?;
        return Ok(());
    }
    Err(
        match failure(
            if_wrong,
            LoginError::InvalidPassword { retry_after: None },
            now,
        ) {
            LoginError::InvalidPassword { retry_after } => {
                SecurityError::WrongPassword { retry_after }
            }
            other => other.into(),
        },
    )
}
