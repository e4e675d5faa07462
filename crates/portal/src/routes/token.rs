//! The token endpoint (RFC 6749): `authorization_code` answers a login step,
//! `refresh_token` rotates; and revocation (RFC 7009).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use switchboard_api::{ApiError, ErrorCode, LoginStep};
use utoipa::ToSchema;

use crate::error::PortalError;
use crate::{login, sessions, AppState};

#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `authorization_code` or `refresh_token`.
    grant_type: String,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    /// Shown in the user's list of sessions ("Alice's laptop").
    device_name: Option<String>,
}

pub(crate) fn no_store(body: impl IntoResponse) -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::PRAGMA, "no-cache"),
        ],
        body,
    )
        .into_response()
}

fn required<'a>(value: &'a Option<String>, name: &str) -> Result<&'a str, PortalError> {
    value.as_deref().filter(|v| !v.is_empty()).ok_or_else(|| {
        PortalError::bad_request(ErrorCode::InvalidRequest, format!("`{name}` is missing."))
    })
}

/// Redeem a one-time code (answers a login step) or rotate a refresh token (answers new
/// session tokens).
#[utoipa::path(
    post,
    path = "/v1/token",
    tag = "sign-in",
    request_body(content = TokenRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "`authorization_code`: a login step (`LoginStep`); `refresh_token`: the rotated tokens (`SessionTokens`)", body = LoginStep),
        (status = 400, description = "invalid_grant, invalid_request or unsupported_grant_type", body = ApiError),
    )
)]
pub async fn token(
    State(state): State<AppState>,
    Form(request): Form<TokenRequest>,
) -> Result<Response, PortalError> {
    let now = state.clock.now();
    match request.grant_type.as_str() {
        "authorization_code" => {
            let code = required(&request.code, "code")?;
            let redirect_uri = required(&request.redirect_uri, "redirect_uri")?;
            let device = sessions::device_label(request.device_name.as_deref());
            let step = login::redeem_code(
                &state.store,
                code,
                request.code_verifier.as_deref(),
                redirect_uri,
                &device,
                now,
            )
            .await?;
            Ok(no_store(Json(step)))
        }
        "refresh_token" => {
            let refresh_token = required(&request.refresh_token, "refresh_token")?;
            let tokens = sessions::refresh(&state.store, refresh_token, now).await?;
            Ok(no_store(Json(tokens)))
        }
        _ => Err(PortalError::bad_request(
            ErrorCode::UnsupportedGrantType,
            "This grant type is not supported.",
        )),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RevokeRequest {
    token: String,
    /// `refresh_token` or `access_token`; optional.
    #[allow(dead_code)]
    token_type_hint: Option<String>,
}

/// Revoke a token (RFC 7009). A refresh token ends its whole session. Always 200, whether
/// or not the token was known.
#[utoipa::path(
    post,
    path = "/v1/revoke",
    tag = "sign-in",
    request_body(content = RevokeRequest, content_type = "application/x-www-form-urlencoded"),
    responses((status = 200, description = "Revoked, or was not valid anyway"))
)]
pub async fn revoke(
    State(state): State<AppState>,
    Form(request): Form<RevokeRequest>,
) -> Result<Response, PortalError> {
    sessions::revoke_token(&state.store, &request.token, state.clock.now()).await?;
    Ok(no_store(()))
}
