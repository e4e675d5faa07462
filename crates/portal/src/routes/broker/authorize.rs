//! `GET /v1/authorize`: the app's request checked (its redirect URI, PKCE challenge,
//! lengths), the sign-in remembered, and the browser sent to the provider.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_api::{ApiError, ErrorCode};
use url::Url;
use utoipa::IntoParams;

use super::browser_page::AppReturn;
use super::callback::provider_failure_message;
use crate::crypto::Binding;
use crate::error::PortalError;
use crate::log_text::{outside_error, Outside};
use crate::state::AppState;
use crate::store::NewPendingAuthorization;
use crate::tokens::{new_token, token_hash, TokenKind};

/// Seconds a started sign-in waits for the provider.
pub const PENDING_LIFETIME: i64 = 600;

#[derive(Debug, Deserialize, IntoParams)]
pub struct AuthorizeParams {
    /// `google`, `microsoft`, `apple` or an organization's provider id.
    provider: String,
    /// `<app scheme>://oauth/callback`, or `http://127.0.0.1:<port>/oauth/callback`
    /// (or `http://[::1]:<port>/oauth/callback`).
    redirect_uri: String,
    /// base64url(SHA-256(code_verifier)).
    code_challenge: Option<String>,
    /// Must be `S256`.
    code_challenge_method: Option<String>,
    /// The app's own random value, returned unchanged.
    state: Option<String>,
    /// Passed to the provider.
    login_hint: Option<String>,
    /// From `/v1/account/linked-providers/start`: link the identity to that account
    /// instead of matching it.
    link_intent: Option<String>,
}

/// The longest redirect URI, state, login hint and link intent the portal accepts. The app
/// sends far less; anything longer is someone filling the database.
pub const MAX_REDIRECT_URI_LEN: usize = 200;

pub const MAX_STATE_LEN: usize = 512;

pub const MAX_LOGIN_HINT_LEN: usize = 320;

pub const MAX_LINK_INTENT_LEN: usize = 128;

pub const MAX_PROVIDER_ID_LEN: usize = 64;

/// The path of the app's callback, for its custom scheme and for loopback alike.
const APP_CALLBACK_PATH: &str = "/callback";

const LOOPBACK_CALLBACK_PATH: &str = "/oauth/callback";

/// Whether the app may be sent to this URI: exactly its custom scheme's callback, or
/// `http://127.0.0.1:<port>/oauth/callback` / `http://[::1]:<port>/oauth/callback` with any
/// port (RFC 8252 §7.1, §7.3). No other path, no query, no fragment, no user: codes never
/// go to a stranger, nor to another page of a local server with parameters of the
/// attacker's choosing.
pub fn app_redirect_allowed(uri: &str, app_scheme: &str) -> bool {
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return false;
    }
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    if url.fragment().is_some()
        || url.query().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return false;
    }
    // Compared with the text as sent too, so `/oauth/./callback` or `%2F` tricks that
    // the parser normalizes never pass.
    if url.scheme() == app_scheme {
        return url.host_str() == Some("oauth")
            && url.path() == APP_CALLBACK_PATH
            && url.port().is_none()
            && uri == format!("{app_scheme}://oauth{APP_CALLBACK_PATH}");
    }
    let (Some(host), Some(port)) = (url.host_str(), url.port()) else {
        return false;
    };
    url.scheme() == "http"
        && matches!(host, "127.0.0.1" | "[::1]")
        && url.path() == LOOPBACK_CALLBACK_PATH
        && uri == format!("http://{host}:{port}{LOOPBACK_CALLBACK_PATH}")
}

/// A parameter longer than the portal accepts: answered before anything is stored.
fn too_long(params: &AuthorizeParams) -> Option<&'static str> {
    let longer = |value: &Option<String>, max: usize| value.as_ref().is_some_and(|v| v.len() > max);
    if params.provider.len() > MAX_PROVIDER_ID_LEN {
        Some("The sign-in provider's name is too long.")
    } else if longer(&params.state, MAX_STATE_LEN) {
        Some("The app's state is too long.")
    } else if longer(&params.login_hint, MAX_LOGIN_HINT_LEN) {
        Some("The email given for the sign-in is too long.")
    } else if longer(&params.link_intent, MAX_LINK_INTENT_LEN) {
        Some("The request to link a provider is not valid. Start again from the app's security settings.")
    } else {
        None
    }
}

fn valid_challenge(challenge: &str) -> bool {
    (43..=128).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

/// Start a provider sign-in (RFC 6749 authorization endpoint for a public client; PKCE S256
/// required).
#[utoipa::path(
    get,
    path = "/v1/authorize",
    tag = "sign-in",
    params(AuthorizeParams),
    responses(
        (status = 303, description = "To the provider, or back to the app with `error`, `error_description`, `state` and `iss`"),
        (status = 400, description = "The redirect URI is not the app's: nothing was redirected", body = ApiError),
    )
)]
pub async fn authorize(
    State(state): State<AppState>,
    Query(params): Query<AuthorizeParams>,
) -> Result<Response, PortalError> {
    if !app_redirect_allowed(&params.redirect_uri, &state.app_scheme) {
        return Err(PortalError::bad_request(
            ErrorCode::InvalidRedirectUri,
            "This sign-in link does not come from the Switchboard app. Start signing in from the app.",
        ));
    }
    let app = AppReturn {
        redirect_uri: params.redirect_uri.clone(),
        state: params.state.clone().unwrap_or_default(),
        issuer: state.issuer.clone(),
    };
    if let Some(message) = too_long(&params) {
        return Ok(app.error("invalid_request", message));
    }
    let Some(app_state) = params.state.filter(|s| !s.is_empty()) else {
        return Ok(app.error("invalid_request", "The app sent no state."));
    };
    let challenge = match (
        params.code_challenge,
        params.code_challenge_method.as_deref(),
    ) {
        (Some(challenge), Some("S256")) if valid_challenge(&challenge) => challenge,
        _ => {
            return Ok(app.error(
                "invalid_request",
                "The app must send a PKCE S256 code challenge.",
            ))
        }
    };
    if state.providers.kind(&params.provider).is_none() {
        return Ok(app.error(
            "invalid_request",
            "This sign-in provider is not offered here.",
        ));
    }

    let now = state.clock.now();
    let link_account_id = match params.link_intent.as_deref() {
        None => None,
        Some(intent) => {
            match crate::security::claim_link_intent(
                &state.store,
                intent,
                &params.provider,
                &challenge,
                now,
            )
            .await?
            {
                Some(account) => Some(account),
                None => {
                    return Ok(app.error(
                        "invalid_request",
                        "This request to link a provider has expired or was used. Start again from the app's security settings.",
                    ))
                }
            }
        }
    };
    let portal_state = new_token(TokenKind::ProviderState);
    let nonce = new_token(TokenKind::Nonce);
    let pkce_verifier = new_token(TokenKind::Nonce);
    let url = match state
        .providers
        .authorization_url(
            &params.provider,
            &portal_state,
            &nonce,
            &pkce_verifier,
            params.login_hint.as_deref(),
        )
        .await
    {
        Ok(url) => url,
        Err(error) => {
            tracing::warn!(provider = %Outside(&params.provider), error = %outside_error(&error), "cannot start provider sign-in");
            return Ok(app.error(
                error.code(),
                &provider_failure_message(&state, &params.provider, &error),
            ));
        }
    };
    let portal_state_hash = token_hash(&portal_state);
    state
        .store
        .insert_pending_authorization(&NewPendingAuthorization {
            portal_state_hash: &portal_state_hash,
            provider_id: &params.provider,
            app_redirect_uri: &params.redirect_uri,
            app_state: &app_state,
            app_code_challenge: &challenge,
            nonce_encrypted: &state
                .key
                .encrypt(nonce.as_bytes(), Binding::sign_in_nonce(&portal_state_hash)),
            pkce_verifier_encrypted: &state.key.encrypt(
                pkce_verifier.as_bytes(),
                Binding::sign_in_pkce_verifier(&portal_state_hash),
            ),
            link_account_id: link_account_id.as_deref(),
            created_at: now,
            expires_at: now + PENDING_LIFETIME,
        })
        .await?;
    Ok(Redirect::to(url.as_str()).into_response())
}
