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
    match grant(&request)? {
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
            device,
        } => {
            let step = login::redeem_code(
                &state.store,
                code,
                code_verifier,
                redirect_uri,
                &device,
                now,
            )
            .await?;
            Ok(no_store(Json(step)))
        }
        Grant::RefreshToken { refresh_token } => {
            let tokens = sessions::refresh(&state.store, refresh_token, now).await?;
            Ok(no_store(Json(tokens)))
        }
    }
}

/// What a token request asks for, its required parameters present.
#[doc(hidden)]
#[derive(Debug, PartialEq, Eq)]
pub enum Grant<'a> {
    AuthorizationCode {
        code: &'a str,
        redirect_uri: &'a str,
        code_verifier: Option<&'a str>,
        /// The session's label, cleaned (see [`sessions::device_label`]).
        device: String,
    },
    RefreshToken {
        refresh_token: &'a str,
    },
}

/// Reads the grant of a parsed token request: the grant type known and its parameters there.
#[doc(hidden)]
pub fn grant(request: &TokenRequest) -> Result<Grant<'_>, PortalError> {
    match request.grant_type.as_str() {
        "authorization_code" => Ok(Grant::AuthorizationCode {
            code: required(&request.code, "code")?,
            redirect_uri: required(&request.redirect_uri, "redirect_uri")?,
            code_verifier: request.code_verifier.as_deref(),
            device: sessions::device_label(request.device_name.as_deref()),
        }),
        "refresh_token" => Ok(Grant::RefreshToken {
            refresh_token: required(&request.refresh_token, "refresh_token")?,
        }),
        _ => Err(PortalError::bad_request(
            ErrorCode::UnsupportedGrantType,
            "This grant type is not supported.",
        )),
    }
}

/// Parses a token request's body as the endpoint's `Form` extractor does.
#[doc(hidden)]
pub fn parse_form(body: &[u8]) -> Result<TokenRequest, serde_urlencoded::de::Error> {
    serde_urlencoded::from_bytes(body)
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
