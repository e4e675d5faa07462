//! The authenticator app: set-up with a QR code and a confirming code, turning it off,
//! and recovery codes.

use crate::crypto::Binding;
use crate::request::RequestContext;
use switchboard_api::{AuthenticatorSetup, RecoveryCodes};

use super::{audit_change, prove_user, SecurityError, SETUP_LIFETIME};
use crate::signin::password_sign_in::CredentialContext;
use crate::signin::sessions::AuthenticatedSession;
use crate::store::Store;
use crate::{recovery, totp};

fn otpauth_uri(issuer: &str, username: &str, secret: &str) -> String {
    let encode = |text: &str| -> String {
        url::form_urlencoded::byte_serialize(text.as_bytes())
            .collect::<String>()
            .replace('+', "%20")
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits={}&period={}",
        encode(issuer),
        encode(username),
        encode(issuer),
        totp::DIGITS,
        totp::STEP_SECONDS,
    )
}

/// A new authenticator secret (160 bits) waiting for its confirmation.
pub async fn start_authenticator_setup(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    issuer: &str,
    now: i64,
) -> Result<AuthenticatorSetup, SecurityError> {
    let store = context.store;
    if has_authenticator(store, &session.account_id).await? {
        return Err(SecurityError::AlreadyEnabled);
    }
    let username = store
        .username(&session.account_id)
        .await?
        .ok_or(SecurityError::AccountGone)?;
    let secret = totp::new_secret_base32();
    store
        .save_pending_authenticator(
            &session.account_id,
            &context
                .key
                .encrypt(secret.as_bytes(), Binding::totp_secret(&session.account_id)),
            now + SETUP_LIFETIME,
        )
        .await?;
    Ok(AuthenticatorSetup {
        otpauth_uri: otpauth_uri(issuer, &username, &secret),
        secret,
        expires_in: SETUP_LIFETIME as u64,
    })
}

fn new_recovery_codes() -> Vec<String> {
    recovery::generate(&mut rand::rngs::OsRng)
}

/// Turns the authenticator on: a code from the new secret, and the password unless the
/// session confirmed itself in the last five minutes (see [`prove_user`]). Answers the
/// recovery codes, the only time they are shown.
pub async fn confirm_authenticator(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    password: &str,
    code: &str,
    request: &RequestContext,
    now: i64,
) -> Result<RecoveryCodes, SecurityError> {
    let store = context.store;
    let encrypted = store
        .pending_authenticator(&session.account_id, now)
        .await?
        .ok_or(SecurityError::NoPendingSetup)?;
    prove_user(context, session, password, None, request, now).await?;
    let secret = context
        .key
        .decrypt(&encrypted, Binding::totp_secret(&session.account_id))
        .ok()
        .and_then(|text| totp::decode_base32(&String::from_utf8_lossy(&text)).ok())
        .ok_or(SecurityError::NoPendingSetup)?;
    let step = totp::accept(&secret, code, now, None).ok_or(SecurityError::WrongSetupCode)?;
    let codes = new_recovery_codes();
    let enabled = store
        .enable_authenticator(
            &session.account_id,
            &encrypted,
            step,
            &recovery::stored_hashes(context.key, &session.account_id, &codes),
            now,
        )
        .await?;
    if !enabled {
        return Err(SecurityError::AlreadyEnabled);
    }
    tracing::info!(account = %session.account_id, "authenticator app set up");
    audit_change(store, session, "authenticator_on", request, now).await;
    Ok(RecoveryCodes { codes })
}

pub(super) async fn has_authenticator(
    store: &Store,
    account_id: &str,
) -> Result<bool, SecurityError> {
    Ok(store
        .credentials_by_id(account_id)
        .await?
        .ok_or(SecurityError::AccountGone)?
        .has_totp)
}

async fn require_enabled(store: &Store, account_id: &str) -> Result<(), SecurityError> {
    if has_authenticator(store, account_id).await? {
        Ok(())
    } else {
        Err(SecurityError::NotEnabled)
    }
}

/// Turns the authenticator off: the password and a current or recovery code, or a
/// confirmation of this session in the last five minutes.
pub async fn disable_authenticator(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    password: &str,
    code: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(), SecurityError> {
    require_enabled(context.store, &session.account_id).await?;
    prove_user(context, session, password, Some(code), request, now).await?;
    context
        .store
        .disable_authenticator(&session.account_id)
        .await?;
    tracing::info!(account = %session.account_id, "authenticator app turned off");
    audit_change(context.store, session, "authenticator_off", request, now).await;
    Ok(())
}

/// A new set of recovery codes; the old ones stop working. The same proof as turning the
/// authenticator off.
pub async fn regenerate_recovery_codes(
    context: &CredentialContext<'_>,
    session: &AuthenticatedSession,
    password: &str,
    code: &str,
    request: &RequestContext,
    now: i64,
) -> Result<RecoveryCodes, SecurityError> {
    require_enabled(context.store, &session.account_id).await?;
    prove_user(context, session, password, Some(code), request, now).await?;
    let codes = new_recovery_codes();
    recovery::replace(context.store, context.key, &session.account_id, &codes, now).await?;
    audit_change(
        context.store,
        session,
        "recovery_codes_replaced",
        request,
        now,
    )
    .await;
    Ok(RecoveryCodes { codes })
}
