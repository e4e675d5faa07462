//! Typed login steps for what OAuth has no word for: choosing one of several accounts,
//! linking an identity with the account's password, and choosing again later.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use switchboard_api::{
    ApiError, ChooseAccountRequest, ChooseAgainRequest, ErrorCode, LinkAccountRequest, LoginStep,
    MfaRequest, PasswordSignInRequest,
};

use super::auth::Authenticated;
use super::token::no_store;
use crate::error::PortalError;
use crate::request::RequestContext;
use crate::signin::account_steps::{self, LinkAttempt};
use crate::signin::password_sign_in;
use crate::signin::sessions::device_label;
use crate::state::AppState;

/// Continue a `ChooseAccount` step with one of the accounts it listed.
#[utoipa::path(
    post,
    path = "/v1/login/choose-account",
    tag = "sign-in",
    request_body = ChooseAccountRequest,
    responses(
        (status = 200, description = "The next step: `signed_in`, or `mfa_required` when the organization wants the authenticator code", body = LoginStep),
        (status = 400, description = "invalid_grant: the ticket is unknown, used or expired, or the account was not offered", body = ApiError),
    )
)]
pub async fn choose_account(
    State(state): State<AppState>,
    client: RequestContext,
    Json(request): Json<ChooseAccountRequest>,
) -> Result<Response, PortalError> {
    let step = account_steps::choose_account(
        &state.store,
        &request.ticket,
        &request.account_id,
        request.remember,
        &device_label(request.device_name.as_deref()),
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(no_store(Json(step)))
}

/// Continue a `LinkAccount` step: the account's username and password (and authenticator
/// code when it has one) link the identity to it once; later sign-ins need no prompt.
#[utoipa::path(
    post,
    path = "/v1/login/link-account",
    tag = "sign-in",
    request_body = LinkAccountRequest,
    responses(
        (status = 200, description = "Linked and signed in", body = LoginStep),
        (status = 400, description = "invalid_credentials (never says which part was wrong) or invalid_grant (ticket)", body = ApiError),
        (status = 429, description = "too_many_attempts, with `retry_after_seconds` and a Retry-After header", body = ApiError),
    )
)]
pub async fn link_account(
    State(state): State<AppState>,
    client: RequestContext,
    Json(request): Json<LinkAccountRequest>,
) -> Result<Response, PortalError> {
    let context = state.credentials();
    let device = device_label(request.device_name.as_deref());
    let attempt = LinkAttempt {
        ticket: &request.ticket,
        username: &request.username,
        password: &request.password,
        totp_code: request.totp_code.as_deref().filter(|code| !code.is_empty()),
        device_name: &device,
    };
    let step = account_steps::link_account(&context, &attempt, &client, state.clock.now()).await?;
    Ok(no_store(Json(step)))
}

/// "Use a different account": the chooser again over every account the signed-in
/// session's provider identity reaches.
#[utoipa::path(
    post,
    path = "/v1/login/choose-again",
    tag = "sign-in",
    security(("bearer" = [])),
    request_body = ChooseAgainRequest,
    responses(
        (status = 200, description = "A `choose_account` step", body = LoginStep),
        (status = 400, description = "not_available: the session did not come through a provider", body = ApiError),
        (status = 401, description = "Missing, expired or revoked access token", body = ApiError),
    )
)]
pub async fn choose_again(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
    Json(_request): Json<ChooseAgainRequest>,
) -> Result<Response, PortalError> {
    let step = account_steps::choose_again(&state.store, &session, state.clock.now()).await?;
    Ok(no_store(Json(step)))
}

/// Sign in with username (or the account's only-account login email) and password.
#[utoipa::path(
    post,
    path = "/v1/login/password",
    tag = "sign-in",
    request_body = PasswordSignInRequest,
    responses(
        (status = 200, description = "`signed_in`, or `mfa_required` when the account has an authenticator app", body = LoginStep),
        (status = 400, description = "invalid_credentials (unknown user and wrong password answer alike; from the third wrong password on with `retry_after_seconds` and Retry-After, the wait it started, within which a try is answered 429), or not_available when password sign-in is off", body = ApiError),
        (status = 429, description = "too_many_attempts, with `retry_after_seconds`", body = ApiError),
    )
)]
pub async fn password(
    State(state): State<AppState>,
    client: RequestContext,
    Json(request): Json<PasswordSignInRequest>,
) -> Result<Response, PortalError> {
    if !state.sign_in_options.password_sign_in {
        return Err(PortalError::bad_request(
            ErrorCode::NotAvailable,
            "This portal does not offer sign-in with a password. Use one of the sign-in providers.",
        ));
    }
    let step = password_sign_in::sign_in(
        &state.credentials(),
        &request.username,
        &request.password,
        &device_label(request.device_name.as_deref()),
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(no_store(Json(step)))
}

/// The authenticator code (or a recovery code) for an `MfaRequired` step.
#[utoipa::path(
    post,
    path = "/v1/login/mfa",
    tag = "sign-in",
    request_body = MfaRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginStep),
        (status = 400, description = "invalid_code (wrong, or already used), or invalid_grant (ticket)", body = ApiError),
        (status = 429, description = "too_many_attempts, with `retry_after_seconds`", body = ApiError),
    )
)]
pub async fn mfa(
    State(state): State<AppState>,
    client: RequestContext,
    Json(request): Json<MfaRequest>,
) -> Result<Response, PortalError> {
    let step = password_sign_in::submit_code(
        &state.credentials(),
        &request.ticket,
        &request.code,
        &device_label(request.device_name.as_deref()),
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(no_store(Json(step)))
}
