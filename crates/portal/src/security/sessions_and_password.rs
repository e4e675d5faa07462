//! Signing out another session, and changing the password (which signs out all
//! others).

use super::{audit_change, prove_user, require_confirmation, SecurityError, MIN_PASSWORD_LENGTH};
use crate::request::RequestContext;
use crate::signin::login::LoginError;
use crate::signin::password_sign_in::CredentialContext;
use crate::signin::sessions::{self, AuthenticatedSession};
use crate::store::{Store, StoreError};

/// Signs out another session of the same account.
pub async fn revoke_other_session(
    store: &Store,
    session: &AuthenticatedSession,
    target: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(), SecurityError> {
    require_confirmation(store, session, now).await?;
    if target == session.session_id {
        return Err(SecurityError::CurrentSession);
    }
    let owned = store
        .live_sessions_of_account(&session.account_id)
        .await?
        .iter()
        .any(|live| live.id == target);
    if !owned {
        return Err(SecurityError::UnknownSession);
    }
    sessions::revoke_session(store, target, "signed_out_by_user", request, now).await?;
    Ok(())
}

/// Changes the password: the current one, and the authenticator code when it is on; or,
/// when the session confirmed itself within [`super::CONFIRMATION_LIFETIME`], nothing more
/// (`current` empty; see [`prove_user`]). Every other
/// session of the account is signed out, this one kept, and what the old password started
/// (authenticator-code tickets, link intents) can no longer be used.
pub async fn change_password(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    current: &str,
    new: &str,
    code: Option<&str>,
    request: &RequestContext,
    now: i64,
) -> Result<(), SecurityError> {
    let store = context.store;
    prove_user(context, session, current, code, request, now).await?;
    let username = store
        .username(&session.account_id)
        .await?
        .ok_or(SecurityError::AccountGone)?;
    if new.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(SecurityError::PasswordTooShort);
    }
    if new == current
        || new.eq_ignore_ascii_case(&username)
        || (current.is_empty() && is_current_password(context, &session.account_id, new).await?)
    {
        return Err(SecurityError::PasswordTooObvious);
    }
    let hash = context
        .passwords
        .hash(new)
        .await
        .map_err(LoginError::from)?
        .map_err(|error| LoginError::Db(StoreError::encode(error)))?;
    store.set_password_hash(&session.account_id, &hash).await?;
    store
        .end_pending_grants_of_account(&session.account_id, now)
        .await?;
    store
        .end_sessions_of_account(
            &session.account_id,
            Some(&session.session_id),
            "password_changed",
            now,
        )
        .await?;
    tracing::info!(account = %session.account_id, "password changed");
    audit_change(store, session, "password_changed", request, now).await;
    Ok(())
}

/// Whether `password` is the account's password now (the new one must differ from it even
/// when the user did not type the current one, having confirmed it's them instead).
async fn is_current_password(
    context: &CredentialContext<'_>,
    account_id: &str,
    password: &str,
) -> Result<bool, SecurityError> {
    let hash = context
        .store
        .credentials_by_id(account_id)
        .await?
        .ok_or(SecurityError::AccountGone)?
        .password_hash;
    Ok(context
        .passwords
        .verify(password, Some(&hash))
        .await
        .map_err(LoginError::from)?)
}
