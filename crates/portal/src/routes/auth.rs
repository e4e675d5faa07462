//! The signed-in session behind a request's `Authorization: Bearer` access token.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use switchboard_api::ErrorCode;

use crate::error::PortalError;
use crate::signin::sessions::{self, AuthenticatedSession};
use crate::state::AppState;

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

/// An extractor: the handler runs only for a valid access token, with its session.
pub struct Authenticated(pub AuthenticatedSession);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = PortalError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers).ok_or_else(invalid_token)?;
        sessions::session_for_access_token(&state.store, token, state.clock.now())
            .await?
            .map(Authenticated)
            .ok_or_else(invalid_token)
    }
}
