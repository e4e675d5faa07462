//! `GET /v1/authorize`: the app's request handed to the broker (`signin::broker`), and the
//! browser sent to the provider, or back to the app with why not.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use switchboard_api::{ApiError, ErrorCode};
use utoipa::IntoParams;

use super::browser_page::AppReturn;
use crate::error::PortalError;
use crate::signin::broker::{Start, StartRequest};
use crate::state::AppState;

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
    let request = StartRequest {
        provider: &params.provider,
        redirect_uri: &params.redirect_uri,
        state: params.state.as_deref(),
        code_challenge: params.code_challenge.as_deref(),
        code_challenge_method: params.code_challenge_method.as_deref(),
        login_hint: params.login_hint.as_deref(),
        link_intent: params.link_intent.as_deref(),
    };
    match state.broker().start(request, state.clock.now()).await? {
        Start::ToProvider(url) => Ok(Redirect::to(url.as_str()).into_response()),
        Start::Refused(refusal) => {
            let app = AppReturn {
                redirect_uri: params.redirect_uri.clone(),
                state: params.state.clone().unwrap_or_default(),
                issuer: state.issuer.clone(),
            };
            Ok(app.error(refusal.code, &refusal.message))
        }
        Start::NotTheApp => Err(PortalError::bad_request(
            ErrorCode::InvalidRedirectUri,
            "This sign-in link does not come from the Switchboard app. Start signing in from the app.",
        )),
    }
}
