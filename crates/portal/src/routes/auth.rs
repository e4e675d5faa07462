//! The signed-in session behind a request's `Authorization: Bearer` access token.

use axum::http::{header, HeaderMap, StatusCode};
use switchboard_api::ErrorCode;

use crate::error::PortalError;
use crate::sessions::{self, AuthenticatedSession};
use crate::AppState;

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

fn invalid_token() -> PortalError {
    PortalError::Client(
        StatusCode::UNAUTHORIZED,
        ErrorCode::InvalidToken,
        "Your sign-in has expired. Refresh it or sign in again.".into(),
    )
}

pub async fn authenticated(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<AuthenticatedSession, PortalError> {
    let token = bearer(headers).ok_or_else(invalid_token)?;
    sessions::session_for_access_token(&state.pool, token, state.clock.now())
        .await?
        .ok_or_else(invalid_token)
}
