//! `/v1/providers/{provider}/callback`: the provider's answer (a query, or Apple's
//! form_post) checked against the remembered sign-in, its code redeemed, and the app handed
//! a one-time code through its redirect URI.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use utoipa::IntoParams;

use super::browser_page::{browser_page, AppReturn};
use crate::audit::{self, AuditEvent, AuditKind};
use crate::crypto::Binding;
use crate::error::PortalError;
use crate::log_text::{outside_error, Outside};
use crate::login;
use crate::request::RequestContext;
use crate::state::AppState;
use crate::store::PendingAuthorization;
use crate::tokens::token_hash;

#[derive(Debug, Deserialize, IntoParams)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    /// RFC 9207: the provider's issuer identifier.
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The provider's answer (query).
#[utoipa::path(
    get,
    path = "/v1/providers/{provider}/callback",
    tag = "sign-in",
    params(("provider" = String, Path), CallbackParams),
    responses(
        (status = 303, description = "Back to the app (loopback redirect URI) with `code` or `error`, `state`, `iss`"),
        (status = 200, description = "A page that opens the app (custom-scheme redirect URI)"),
        (status = 400, description = "Unknown or used sign-in"),
    )
)]
pub async fn callback_query(
    State(state): State<AppState>,
    client: RequestContext,
    Path(provider): Path<String>,
    Query(params): Query<CallbackParams>,
) -> Result<Response, PortalError> {
    callback(state, provider, params, &client).await
}

/// The provider's answer posted by the browser (Apple's `form_post`).
#[utoipa::path(
    post,
    path = "/v1/providers/{provider}/callback",
    tag = "sign-in",
    params(("provider" = String, Path)),
    request_body(content_type = "application/x-www-form-urlencoded", description = "code, state, error, user"),
    responses(
        (status = 303, description = "Back to the app (loopback redirect URI)"),
        (status = 200, description = "A page that opens the app (custom-scheme redirect URI)"),
        (status = 400, description = "Unknown or used sign-in"),
    )
)]
pub async fn callback_form(
    State(state): State<AppState>,
    client: RequestContext,
    Path(provider): Path<String>,
    Form(params): Form<CallbackParams>,
) -> Result<Response, PortalError> {
    callback(state, provider, params, &client).await
}

pub(super) async fn callback(
    state: AppState,
    provider: String,
    params: CallbackParams,
    client: &RequestContext,
) -> Result<Response, PortalError> {
    let now = state.clock.now();
    let Some(portal_state) = params.state else {
        return Ok(browser_page(
            StatusCode::BAD_REQUEST,
            "This sign-in link is not valid",
            "Go back to Switchboard and start signing in again.",
            None,
        ));
    };
    let portal_state_hash = token_hash(&portal_state);
    let pending = state
        .store
        .take_pending_authorization(&portal_state_hash, &provider)
        .await?;
    let Some(PendingAuthorization {
        app_redirect_uri: redirect_uri,
        app_state,
        app_code_challenge: challenge,
        nonce_encrypted: nonce,
        pkce_verifier_encrypted: verifier,
        expires_at,
        link_account_id,
    }) = pending
    else {
        return Ok(browser_page(
            StatusCode::BAD_REQUEST,
            "This sign-in was already used or is unknown",
            "Go back to Switchboard and start signing in again.",
            None,
        ));
    };
    let app = AppReturn {
        redirect_uri,
        state: app_state,
        issuer: state.issuer.clone(),
    };
    if now > expires_at {
        return Ok(app.error(
            "expired",
            "Signing in took too long. Start again from the app.",
        ));
    }
    // RFC 9207, before anything of the answer is used: it must come from this provider.
    let callback_issuer = crate::providers::CallbackIssuer {
        iss: params.iss.as_deref(),
    };
    if let Err(error) = state
        .providers
        .check_callback_issuer(&provider, &callback_issuer)
        .await
    {
        tracing::warn!(provider = %Outside(&provider), error = %outside_error(&error), "provider answer refused");
        let message = match error {
            crate::providers::ProviderError::InvalidIdToken(_) => "The answer did not come from the sign-in provider you chose, so you were not signed in. Start again from the app.".to_owned(),
            other => provider_failure_message(&state, &provider, &other),
        };
        return Ok(app.error("invalid_request", &message));
    }
    if let Some(error) = params.error {
        // The provider's own wording is logged for support, never shown: it is not ours.
        tracing::info!(
            provider = %Outside(&provider),
            error = %Outside(&error),
            description = %Outside(params.error_description.as_deref().unwrap_or_default()),
            "provider returned an error"
        );
        let (code, message) = match error.as_str() {
            "access_denied" => ("access_denied", "Signing in was cancelled at the provider."),
            _ => (
                "provider_error",
                "The sign-in provider could not sign you in. Try again, or use another way to sign in.",
            ),
        };
        return Ok(app.error(code, message));
    }
    let Some(code) = params.code else {
        return Ok(app.error("provider_error", "The sign-in provider sent no answer."));
    };
    let decrypt = |stored: &str, binding| {
        state
            .key
            .decrypt(stored, binding)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
    };
    let (Some(nonce), Some(verifier)) = (
        decrypt(&nonce, Binding::sign_in_nonce(&portal_state_hash)),
        decrypt(
            &verifier,
            Binding::sign_in_pkce_verifier(&portal_state_hash),
        ),
    ) else {
        return Ok(app.error(
            "server_error",
            "The portal cannot finish this sign-in. Start again from the app.",
        ));
    };
    let identity = match state
        .providers
        .redeem(&provider, &code, &verifier, &nonce)
        .await
    {
        Ok(identity) => identity,
        Err(error) => {
            tracing::warn!(provider = %Outside(&provider), error = %outside_error(&error), "provider sign-in refused");
            let event = AuditEvent::new(AuditKind::SignInFailed)
                .method("provider")
                .provider(provider.as_str())
                .result("refused")
                .detail("reason", error.to_string());
            audit::record(&state.store, event, client, now).await;
            let message = match error {
                crate::providers::ProviderError::InvalidIdToken(_)
                | crate::providers::ProviderError::NoIdToken
                | crate::providers::ProviderError::UserinfoSubjectMismatch => "The sign-in provider's answer could not be verified, so you were not signed in. Try again.".to_owned(),
                ref other => provider_failure_message(&state, &provider, other),
            };
            return Ok(app.error(error.code(), &message));
        }
    };
    let one_time_code = login::issue_code(
        &state.store,
        &identity,
        &app.redirect_uri,
        &challenge,
        link_account_id.as_deref(),
        now,
    )
    .await?;
    Ok(app.success(&one_time_code))
}

/// What users read when a provider cannot be used: an operator must fix a
/// misconfiguration; an outage passes.
pub(super) fn provider_failure_message(
    state: &AppState,
    provider: &str,
    error: &crate::providers::ProviderError,
) -> String {
    let name = state
        .providers
        .display_name(provider)
        .unwrap_or("The sign-in provider");
    if error.is_misconfiguration() {
        format!("Signing in with {name} is not set up correctly; contact your administrator.")
    } else if matches!(error, crate::providers::ProviderError::TokenExchange(_)) {
        format!("{name} could not sign you in. Try again, or use another way to sign in.")
    } else {
        format!("{name} cannot be reached right now. Try again in a minute.")
    }
}
