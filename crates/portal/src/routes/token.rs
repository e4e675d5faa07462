//! The token endpoint (RFC 6749): `authorization_code` answers a login step,
//! `refresh_token` rotates; and revocation (RFC 7009).

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use serde::Deserialize;
use switchboard_api::{ApiError, ErrorCode, LoginStep, RevokeRequest, TokenRequest};

use crate::error::PortalError;
use crate::request::RequestContext;
use crate::signin::codes::{self, CodeRedemption};
use crate::signin::sessions;
use crate::state::AppState;

/// A token request's form as it arrives: every parameter optional but the grant type.
/// The wire type is [`TokenRequest`]; the endpoint reads this first so that an unknown
/// grant type answers `unsupported_grant_type` and a missing parameter is named (serde's
/// failure on the tagged enum says neither), then turns it into the wire type
/// ([`TokenForm::into_request`]).
#[doc(hidden)]
#[derive(Deserialize)]
pub struct TokenForm {
    grant_type: String,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    device_name: Option<String>,
}

impl TokenForm {
    /// The grant this form asks for: its type known and its required parameters present
    /// and not empty.
    pub fn into_request(self) -> Result<TokenRequest, PortalError> {
        match self.grant_type.as_str() {
            "authorization_code" => Ok(TokenRequest::AuthorizationCode {
                code: required(self.code, "code")?,
                redirect_uri: required(self.redirect_uri, "redirect_uri")?,
                code_verifier: self.code_verifier,
                device_name: self.device_name,
            }),
            "refresh_token" => Ok(TokenRequest::RefreshToken {
                refresh_token: required(self.refresh_token, "refresh_token")?,
            }),
            _ => Err(PortalError::bad_request(
                ErrorCode::UnsupportedGrantType,
                "This grant type is not supported.",
            )),
        }
    }
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

fn required(value: Option<String>, name: &str) -> Result<String, PortalError> {
    value.filter(|v| !v.is_empty()).ok_or_else(|| {
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
    client: RequestContext,
    Form(form): Form<TokenForm>,
) -> Result<Response, PortalError> {
    let now = state.clock.now();
    match form.into_request()? {
        TokenRequest::AuthorizationCode {
            code,
            code_verifier,
            redirect_uri,
            device_name,
        } => {
            let device = sessions::device_label(device_name.as_deref());
            let redemption = CodeRedemption {
                code: &code,
                code_verifier: code_verifier.as_deref(),
                redirect_uri: &redirect_uri,
                device_name: &device,
            };
            let step = codes::redeem_code(&state.store, redemption, &client, now).await?;
            Ok(no_store(Json(step)))
        }
        TokenRequest::RefreshToken { refresh_token } => {
            let tokens = sessions::refresh(&state.store, &refresh_token, &client, now).await?;
            Ok(no_store(Json(tokens)))
        }
    }
}

/// Parses a token request's body as the endpoint's `Form` extractor does.
#[doc(hidden)]
pub fn parse_form(body: &[u8]) -> Result<TokenForm, serde_urlencoded::de::Error> {
    serde_urlencoded::from_bytes(body)
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
    client: RequestContext,
    Form(request): Form<RevokeRequest>,
) -> Result<Response, PortalError> {
    // The hint is not needed: the portal tells its tokens apart by themselves.
    sessions::revoke_token(&state.store, &request.token, &client, state.clock.now()).await?;
    Ok(no_store(()))
}
