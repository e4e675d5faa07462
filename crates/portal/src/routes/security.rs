//! The signed-in account's security settings (Bearer access token).

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use switchboard_api::{
    ApiError, AuthenticatorSetup, ChangePasswordRequest, ConfirmEmailRequest, ConfirmRequest,
    Confirmation, EmailRequest, LinkIntent, NotificationEmailAdded, PasswordAndCode, RecoveryCodes,
    RemoveLinkRequest, RevokeSessionRequest, SecurityOverview, StartLinkRequest,
};

use super::auth::Authenticated;
use super::token::no_store;
use crate::error::PortalError;
use crate::request::RequestContext;
use crate::security;
use crate::state::AppState;

fn done() -> Response {
    no_store(Json(serde_json::json!({ "ok": true })))
}

/// Authenticator, linked providers, emails with warnings, sessions.
#[utoipa::path(get, path = "/v1/account/security", tag = "security", security(("bearer" = [])),
    responses((status = 200, body = SecurityOverview), (status = 401, body = ApiError)))]
pub async fn overview(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> Result<Response, PortalError> {
    let overview = security::overview(
        &state.store,
        &state.sign_in_options,
        &session,
        state.clock.now(),
    )
    .await?;
    Ok(no_store(Json(overview)))
}

/// Start setting up an authenticator app: a new secret and its otpauth URI (for the QR
/// code), waiting 10 minutes for `confirm`.
#[utoipa::path(post, path = "/v1/account/authenticator", tag = "security", security(("bearer" = [])),
    responses((status = 200, body = AuthenticatorSetup), (status = 400, description = "not_available: already set up", body = ApiError)))]
pub async fn start_authenticator(
    State(state): State<AppState>,
    Authenticated(session): Authenticated,
) -> Result<Response, PortalError> {
    let setup = security::start_authenticator_setup(
        &state.credentials(),
        &session,
        &state.sign_in_options.portal_name,
        state.clock.now(),
    )
    .await?;
    Ok(no_store(Json(setup)))
}

/// Turn the authenticator on with a code from it and the password (no password when the
/// session confirmed itself in the last five minutes); answers the ten
/// recovery codes, shown only this once.
#[utoipa::path(post, path = "/v1/account/authenticator/confirm", tag = "security", security(("bearer" = [])),
    request_body = PasswordAndCode,
    responses((status = 200, body = RecoveryCodes), (status = 400, description = "invalid_credentials, invalid_code or not_available", body = ApiError), (status = 403, description = "confirmation_required: no password sent and no confirmation of this session in the last five minutes", body = ApiError)))]
pub async fn confirm_authenticator(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<PasswordAndCode>,
) -> Result<Response, PortalError> {
    let codes = security::confirm_authenticator(
        &state.credentials(),
        &session,
        &request.password,
        &request.code,
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(no_store(Json(codes)))
}

/// Turn the authenticator off (password and a current or recovery code, or neither when
/// the session confirmed itself in the last five minutes).
#[utoipa::path(post, path = "/v1/account/authenticator/disable", tag = "security", security(("bearer" = [])),
    request_body = PasswordAndCode,
    responses((status = 200, description = "Turned off"), (status = 400, body = ApiError), (status = 403, description = "confirmation_required: no password sent and no confirmation of this session in the last five minutes", body = ApiError)))]
pub async fn disable_authenticator(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<PasswordAndCode>,
) -> Result<Response, PortalError> {
    security::disable_authenticator(
        &state.credentials(),
        &session,
        &request.password,
        &request.code,
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(done())
}

/// Ten new recovery codes; the old ones stop working. The same proof as turning the
/// authenticator off.
#[utoipa::path(post, path = "/v1/account/recovery-codes", tag = "security", security(("bearer" = [])),
    request_body = PasswordAndCode,
    responses((status = 200, body = RecoveryCodes), (status = 400, body = ApiError), (status = 403, description = "confirmation_required: no password sent and no confirmation of this session in the last five minutes", body = ApiError)))]
pub async fn recovery_codes(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<PasswordAndCode>,
) -> Result<Response, PortalError> {
    let codes = security::regenerate_recovery_codes(
        &state.credentials(),
        &session,
        &request.password,
        &request.code,
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(no_store(Json(codes)))
}

/// Link another provider: pass the answer's `link_intent` to `/v1/authorize`.
#[utoipa::path(post, path = "/v1/account/linked-providers/start", tag = "security", security(("bearer" = [])),
    request_body = StartLinkRequest,
    responses((status = 200, body = LinkIntent), (status = 400, body = ApiError), (status = 403, description = "confirmation_required: no password sent and no confirmation of this session in the last five minutes", body = ApiError)))]
pub async fn start_link(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<StartLinkRequest>,
) -> Result<Response, PortalError> {
    let intent = security::start_link(
        &state.credentials(),
        &state.sign_in_options,
        &session,
        &request,
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(no_store(Json(intent)))
}

#[utoipa::path(post, path = "/v1/account/linked-providers/remove", tag = "security", security(("bearer" = [])),
    request_body = RemoveLinkRequest,
    responses((status = 200, description = "Removed"), (status = 403, description = "confirmation_required", body = ApiError), (status = 404, body = ApiError)))]
pub async fn remove_link(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<RemoveLinkRequest>,
) -> Result<Response, PortalError> {
    security::remove_link(
        &state.store,
        &session,
        &request.link_id,
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(done())
}

/// Add a notification-only email (voicemail copies; it never signs in). Needs a recent
/// confirmation (`/v1/account/confirm`). The address is checked (syntax, markup, bidi and
/// invisible characters, labels mixing scripts; at most five per account) and a code is
/// mailed to it: it receives nothing until `emails/confirm` takes the code. Adding an
/// address still waiting sends a new code. The answer warns when the address signs in to
/// another account.
#[utoipa::path(post, path = "/v1/account/emails", tag = "security", security(("bearer" = [])),
    request_body = EmailRequest,
    responses((status = 200, body = NotificationEmailAdded), (status = 400, description = "invalid_request: the address is refused, already there, or one too many", body = ApiError), (status = 403, description = "confirmation_required", body = ApiError), (status = 503, description = "the code could not be sent", body = ApiError)))]
pub async fn add_email(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<EmailRequest>,
) -> Result<Response, PortalError> {
    let added = security::add_notification_email(
        &state.store,
        state.mail.as_ref(),
        &state.sign_in_options.portal_name,
        &session,
        &request.email,
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(no_store(Json(added)))
}

/// The code mailed to a notification email: from now on it receives notifications. Five
/// wrong codes lock confirming for 15 minutes.
#[utoipa::path(post, path = "/v1/account/emails/confirm", tag = "security", security(("bearer" = [])),
    request_body = ConfirmEmailRequest,
    responses((status = 200, description = "Confirmed"), (status = 400, description = "invalid_code", body = ApiError), (status = 429, body = ApiError)))]
pub async fn confirm_email(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<ConfirmEmailRequest>,
) -> Result<Response, PortalError> {
    crate::notification_emails::confirm(
        &state.store,
        &session,
        &request.email,
        &request.code,
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(done())
}

#[utoipa::path(post, path = "/v1/account/emails/remove", tag = "security", security(("bearer" = [])),
    request_body = EmailRequest,
    responses((status = 200, description = "Removed"), (status = 400, body = ApiError), (status = 404, body = ApiError)))]
pub async fn remove_email(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<EmailRequest>,
) -> Result<Response, PortalError> {
    security::remove_notification_email(
        &state.store,
        &session,
        &request.email,
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(done())
}

/// Sign out another session of this account.
#[utoipa::path(post, path = "/v1/account/sessions/revoke", tag = "security", security(("bearer" = [])),
    request_body = RevokeSessionRequest,
    responses((status = 200, description = "Signed out"), (status = 400, body = ApiError), (status = 403, description = "confirmation_required", body = ApiError), (status = 404, body = ApiError)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<RevokeSessionRequest>,
) -> Result<Response, PortalError> {
    security::revoke_other_session(
        &state.store,
        &session,
        &request.session_id,
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(done())
}

/// Change the password (the current one, and the authenticator code when it is on; neither
/// when the session confirmed itself in the last five minutes); every other session is signed
/// out, this one kept, and outstanding authenticator-code tickets and link intents end.
#[utoipa::path(post, path = "/v1/account/password", tag = "security", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses((status = 200, description = "Changed"), (status = 400, body = ApiError), (status = 403, description = "confirmation_required: no password sent and no confirmation of this session in the last five minutes", body = ApiError), (status = 429, body = ApiError)))]
pub async fn change_password(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<ChangePasswordRequest>,
) -> Result<Response, PortalError> {
    security::change_password(
        &state.credentials(),
        &session,
        &request.current_password,
        &request.new_password,
        request.code.as_deref(),
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(done())
}

/// Step-up: confirm it is the account's user (password, and the authenticator code when it
/// is on). For five minutes the session may then add a notification email, remove a
/// linked sign-in and sign out other sessions (which answer 403 `confirmation_required`
/// otherwise), and change the password, the authenticator app, recovery codes and linked
/// sign-ins without sending the password again.
#[utoipa::path(post, path = "/v1/account/confirm", tag = "security", security(("bearer" = [])),
    request_body = ConfirmRequest,
    responses((status = 200, body = Confirmation), (status = 400, description = "invalid_credentials (from the third wrong password on with `retry_after_seconds` and Retry-After: the wait it started) or invalid_code", body = ApiError), (status = 429, body = ApiError)))]
pub async fn confirm(
    State(state): State<AppState>,
    client: RequestContext,
    Authenticated(session): Authenticated,
    Json(request): Json<ConfirmRequest>,
) -> Result<Response, PortalError> {
    let confirmation = security::confirm(
        &state.credentials(),
        &session,
        &request.password,
        request.code.as_deref(),
        &client,
        state.clock.now(),
    )
    .await?;
    Ok(no_store(Json(confirmation)))
}
