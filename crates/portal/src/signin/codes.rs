//! The one-time code a provider sign-in ends with: minted for the app's PKCE challenge
//! and redirect URI when the browser comes back, redeemed once by the app (the
//! `authorization_code` grant) for the sign-in's next step.

use switchboard_api::LoginStep;

use super::login::{link_and_sign_in, record_login_failure, step_for_identity, LoginError};
use super::sessions;
use crate::audit::{AuditEvent, AuditKind};
use crate::providers::ProviderIdentity;
use crate::request::RequestContext;
use crate::store::{from_json, to_json, Store};
use crate::tokens::{constant_time_eq, new_token, pkce_s256, token_hash, TokenKind};

/// Seconds a one-time code handed to the app lives.
pub const CODE_LIFETIME: i64 = 60;

/// Mints the one-time code the app redeems, bound to its PKCE challenge and redirect URI.
pub async fn issue_code(
    store: &Store,
    identity: &ProviderIdentity,
    app_redirect_uri: &str,
    app_code_challenge: &str,
    link_account_id: Option<&str>,
    now: i64,
) -> Result<String, LoginError> {
    let code = new_token(TokenKind::AuthorizationCode);
    store
        .insert_code(
            &token_hash(&code),
            app_redirect_uri,
            app_code_challenge,
            &to_json(identity)?,
            link_account_id,
            now,
            now + CODE_LIFETIME,
        )
        .await?;
    Ok(code)
}

/// What the app sends to redeem a one-time code (the `authorization_code` grant).
#[derive(Debug, Clone, Copy)]
pub struct CodeRedemption<'a> {
    pub code: &'a str,
    pub code_verifier: Option<&'a str>,
    pub redirect_uri: &'a str,
    pub device_name: &'a str,
}

/// The `authorization_code` grant: one use, in time, same redirect URI, right verifier.
/// A replayed code also ends the session it produced (RFC 6749 §4.1.2).
pub async fn redeem_code(
    store: &Store,
    redemption: CodeRedemption<'_>,
    request: &RequestContext,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let mut provider_id = None;
    let result = redeem_code_checked(store, redemption, &mut provider_id, request, now).await;
    if let Err(error) = &result {
        let mut event = AuditEvent::new(AuditKind::SignInFailed)
            .method("authorization_code")
            .device(redemption.device_name);
        if let Some(provider_id) = provider_id {
            event = event.provider(provider_id);
        }
        record_login_failure(store, event, error, request, now).await;
    }
    result
}

/// `provider_id` is set as soon as the code names its provider, for the failure's audit row.
async fn redeem_code_checked(
    store: &Store,
    redemption: CodeRedemption<'_>,
    provider_id: &mut Option<String>,
    request: &RequestContext,
    now: i64,
) -> Result<LoginStep, LoginError> {
    let CodeRedemption {
        code,
        code_verifier,
        redirect_uri,
        device_name,
    } = redemption;
    let hash = token_hash(code);
    let Some(claimed) = store.claim_code(&hash, now).await? else {
        return match store.mark_code_replayed(&hash, now).await? {
            Some(session) => {
                if let Some(session_id) = session {
                    sessions::revoke_session(store, &session_id, "code_replayed", request, now)
                        .await?;
                }
                Err(LoginError::CodeReplayed)
            }
            None => Err(LoginError::UnknownCode),
        };
    };
    if now > claimed.expires_at {
        return Err(LoginError::CodeExpired);
    }
    if claimed.app_redirect_uri != redirect_uri {
        return Err(LoginError::RedirectMismatch);
    }
    match code_verifier {
        Some(verifier) if constant_time_eq(&pkce_s256(verifier), &claimed.app_code_challenge) => {}
        _ => return Err(LoginError::VerifierMismatch),
    }
    let identity: ProviderIdentity = from_json(&claimed.identity)?;
    *provider_id = Some(identity.provider_id.clone());
    let (step, session_id) = match claimed.link_account_id {
        Some(account_id) => {
            link_and_sign_in(store, &identity, &account_id, device_name, request, now).await?
        }
        None => step_for_identity(store, &identity, device_name, request, now).await?,
    };
    if let Some(session_id) = session_id {
        // A replay that came in while this session was being made could not revoke it.
        if store.set_code_session(&hash, &session_id).await? {
            sessions::revoke_session(store, &session_id, "code_replayed", request, now).await?;
            return Err(LoginError::CodeReplayed);
        }
    }
    Ok(step)
}
