//! Every error the portal answers with becomes a JSON `ApiError`: a stable code and a
//! message a person can act on. Details go to the log, never secrets.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_api::{ApiError, ErrorCode};

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("not found")]
    NotFound,
    #[error("database: {0}")]
    Database(#[from] crate::db::DbError),
}

impl PortalError {
    fn status_and_body(&self) -> (StatusCode, ApiError) {
        match self {
            PortalError::NotFound => (
                StatusCode::NOT_FOUND,
                ApiError::new(ErrorCode::NotFound, "There is nothing at this address."),
            ),
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

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (status, Json(body)).into_response()
    }
}
