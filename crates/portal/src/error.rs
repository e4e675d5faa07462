//! Every error the portal answers with becomes a JSON `ApiError`: a stable code and a
//! message a person can act on. Details go to the log, never secrets.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_api::{ApiError, ErrorCode};

use crate::login::LoginError;
use crate::sessions::SessionError;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("not found")]
    NotFound,
    #[error("{2}")]
    Client(StatusCode, ErrorCode, String),
    #[error("database: {0}")]
    Database(#[from] crate::db::DbError),
}

impl PortalError {
    pub fn bad_request(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Client(StatusCode::BAD_REQUEST, code, message.into())
    }

    fn status_and_body(&self) -> (StatusCode, ApiError) {
        match self {
            PortalError::NotFound => (
                StatusCode::NOT_FOUND,
                ApiError::new(ErrorCode::NotFound, "There is nothing at this address."),
            ),
            PortalError::Client(status, code, message) => {
                (*status, ApiError::new(*code, message.clone()))
            }
            PortalError::Database(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError::new(
                    ErrorCode::Internal,
                    "The portal cannot reach its database. Try again in a minute.",
                ),
            ),
        }
    }
}

impl From<SessionError> for PortalError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Db(db) => PortalError::Database(db),
            other => PortalError::bad_request(ErrorCode::InvalidGrant, sentence(&other)),
        }
    }
}

impl From<LoginError> for PortalError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::Db(db) => PortalError::Database(db),
            LoginError::Session(session) => session.into(),
            other => PortalError::bad_request(ErrorCode::InvalidGrant, sentence(&other)),
        }
    }
}

/// Error texts start lower-case so they chain; a message on its own starts upper-case.
fn sentence(error: &dyn std::fmt::Display) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (status, Json(body)).into_response()
    }
}
