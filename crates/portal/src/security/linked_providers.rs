//! Linked providers: adding one through a browser sign-in (a link intent) and removing
//! one.

use switchboard_api::{LinkIntent, SignInOptions, StartLinkRequest};

use super::{prove_user, require_confirmation, SecurityError, SETUP_LIFETIME};
use crate::audit::{self, AuditEvent, AuditKind};
use crate::request::RequestContext;
use crate::signin::password_sign_in::CredentialContext;
use crate::signin::sessions::AuthenticatedSession;
use crate::store::Store;
use crate::tokens::{new_token, token_hash, TokenKind};

/// The link's public name: a hash of its issuer and subject.
pub(super) fn link_id(issuer: &str, subject: &str) -> String {
    token_hash(&format!("{issuer}\n{subject}"))[..32].to_owned()
}

/// A one-time intent the app passes to `/v1/authorize` as `link_intent`: the provider
/// sign-in that follows links to this account. A new way to sign in is a credential, so
/// it asks for the password (and a code when the account has an authenticator app) or a
/// confirmation of this session in the last five minutes, and
/// the intent is bound to the app's PKCE challenge: only that sign-in can use it.
pub async fn start_link(
    context: &CredentialContext<'_>,
    options: &SignInOptions,
    session: &AuthenticatedSession,
    request: &StartLinkRequest,
    client: &RequestContext,
    now: i64,
) -> Result<LinkIntent, SecurityError> {
    let store = context.store;
    let provider_id = request.provider.as_str();
    if !options.providers.iter().any(|p| p.id == provider_id) {
        return Err(SecurityError::UnknownProvider);
    }
    prove_user(
        context,
        session,
        &request.password,
        request.code.as_deref(),
        client,
        now,
    )
    .await?;
    let intent = new_token(TokenKind::LinkIntent);
    store
        .insert_link_intent(
            &token_hash(&intent),
            &session.account_id,
            provider_id,
            &request.code_challenge,
            now + SETUP_LIFETIME,
        )
        .await?;
    Ok(LinkIntent {
        link_intent: intent,
        expires_in: SETUP_LIFETIME as u64,
    })
}

/// Removes a linked provider. Adding it again later works like the first time.
pub async fn remove_link(
    store: &Store,
    session: &AuthenticatedSession,
    wanted: &str,
    request: &RequestContext,
    now: i64,
) -> Result<(), SecurityError> {
    require_confirmation(store, session, now).await?;
    let link = store
        .links_of_account(&session.account_id)
        .await?
        .into_iter()
        .find(|link| link_id(&link.issuer, &link.subject) == wanted)
        .ok_or(SecurityError::UnknownLink)?;
    if !store
        .remove_link(&link.issuer, &link.subject, &session.account_id, now)
        .await?
    {
        return Err(SecurityError::UnknownLink);
    }
    tracing::info!(account = %session.account_id, "linked provider removed");
    let mut event = AuditEvent::new(AuditKind::Unlink)
        .account(session.account_id.as_str())
        .detail("reason", "removed_by_user");
    if let Some(provider_id) = &link.provider_id {
        event = event.provider(provider_id.as_str());
    }
    audit::record(store, event, request, now).await;
    Ok(())
}
