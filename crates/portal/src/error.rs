//! Every error the portal answers with becomes a JSON `ApiError`: a stable code and a
//! message a person can act on. Details go to the log, never secrets.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_api::{ApiError, ErrorCode};

use crate::login::LoginError;
use crate::sessions::SessionError;
use crate::store::StoreError;

/// Seconds a client is asked to wait when the database is unavailable.
pub const UNAVAILABLE_RETRY_AFTER_SECONDS: u64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error("not found")]
    NotFound,
    #[error("{2}")]
    Client(StatusCode, ErrorCode, String),
    #[error("database: {0}")]
    Database(#[from] crate::store::StoreError),
    /// Too many attempts: 429 with Retry-After.
    #[error("{message}")]
    Throttled { retry_after: u64, message: String },
    /// Too many requests at once for the portal's capacity (the password hashing queue is
    /// full): 503 with Retry-After, answered at once.
    #[error("{message}")]
    Overloaded { retry_after: u64, message: String },
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
            PortalError::Throttled {
                retry_after,
                message,
            } => (
                StatusCode::TOO_MANY_REQUESTS,
                ApiError {
                    code: ErrorCode::TooManyAttempts,
                    message: message.clone(),
                    retry_after_seconds: Some(*retry_after),
                },
            ),
            PortalError::Overloaded {
                retry_after,
                message,
            } => (
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError {
                    code: ErrorCode::TemporarilyUnavailable,
                    message: message.clone(),
                    retry_after_seconds: Some(*retry_after),
                },
            ),
            PortalError::Database(StoreError::Unavailable(_)) => (
                StatusCode::SERVICE_UNAVAILABLE,
                ApiError {
                    code: ErrorCode::TemporarilyUnavailable,
                    message: "The portal cannot reach its database right now. Try again in a few seconds.".into(),
                    retry_after_seconds: Some(UNAVAILABLE_RETRY_AFTER_SECONDS),
                },
            ),
            PortalError::Database(StoreError::UnstorableText) => (
                StatusCode::BAD_REQUEST,
                ApiError::new(
                    ErrorCode::InvalidRequest,
                    "The request holds a character that is not allowed (such as a NUL byte).",
                ),
            ),
            PortalError::Database(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                ApiError::new(
                    ErrorCode::Internal,
                    "The portal could not finish this request. Try again; if it keeps happening, tell your administrator.",
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
            LoginError::Busy(_) => PortalError::Overloaded {
                retry_after: crate::password::BUSY_RETRY_AFTER_SECONDS,
                message: sentence(&error),
            },
            LoginError::Session(session) => session.into(),
            LoginError::TooManyAttempts { retry_after } => PortalError::Throttled {
                retry_after: u64::try_from(retry_after).unwrap_or(0),
                message: sentence(&error),
            },
            LoginError::InvalidCode => {
                PortalError::bad_request(ErrorCode::InvalidCode, sentence(&error))
            }
            LoginError::InvalidCredentials | LoginError::InvalidPassword => {
                PortalError::bad_request(ErrorCode::InvalidCredentials, sentence(&error))
            }
            LoginError::SsoNotAllowed
            | LoginError::NotFromProvider
            | LoginError::NoLinkedAccount => {
                PortalError::bad_request(ErrorCode::NotAvailable, sentence(&error))
            }
            other => PortalError::bad_request(ErrorCode::InvalidGrant, sentence(&other)),
        }
    }
}

impl From<crate::security::SecurityError> for PortalError {
    fn from(error: crate::security::SecurityError) -> Self {
        use crate::security::SecurityError;
        match error {
            SecurityError::Login(login) => login.into(),
            SecurityError::UnknownLink
            | SecurityError::UnknownSession
            | SecurityError::UnknownEmail(_) => {
                PortalError::Client(StatusCode::NOT_FOUND, ErrorCode::NotFound, sentence(&error))
            }
            SecurityError::ConfirmationRequired => PortalError::Client(
                StatusCode::FORBIDDEN,
                ErrorCode::ConfirmationRequired,
                sentence(&error),
            ),
            SecurityError::WrongPassword => {
                PortalError::bad_request(ErrorCode::InvalidCredentials, sentence(&error))
            }
            SecurityError::WrongSetupCode => {
                PortalError::bad_request(ErrorCode::InvalidCode, sentence(&error))
            }
            SecurityError::AccountGone => PortalError::Client(
                StatusCode::UNAUTHORIZED,
                ErrorCode::InvalidToken,
                sentence(&error),
            ),
            SecurityError::NotificationEmail(email) => email.into(),
            SecurityError::CurrentSession
            | SecurityError::PasswordTooShort
            | SecurityError::PasswordTooObvious
            | SecurityError::UnknownProvider => {
                PortalError::bad_request(ErrorCode::InvalidRequest, sentence(&error))
            }
            other => PortalError::bad_request(ErrorCode::NotAvailable, sentence(&other)),
        }
    }
}

impl From<crate::notification_emails::NotificationEmailError> for PortalError {
    fn from(error: crate::notification_emails::NotificationEmailError) -> Self {
        use crate::notification_emails::NotificationEmailError;
        match error {
            NotificationEmailError::Login(login) => login.into(),
            NotificationEmailError::WrongCode => {
                PortalError::bad_request(ErrorCode::InvalidCode, sentence(&error))
            }
            NotificationEmailError::NotSent(_) => PortalError::Client(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::TemporarilyUnavailable,
                sentence(&error),
            ),
            NotificationEmailError::Refused(_)
            | NotificationEmailError::Exists(_)
            | NotificationEmailError::TooMany => {
                PortalError::bad_request(ErrorCode::InvalidRequest, sentence(&error))
            }
        }
    }
}

/// Error texts start lower-case so they chain; a message on its own starts upper-case
/// and ends with a full stop.
fn sentence(error: &dyn std::fmt::Display) -> String {
    let text = error.to_string();
    let mut chars = text.chars();
    let mut sentence: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    };
    if !sentence.ends_with(['.', '!', '?']) {
        sentence.push('.');
    }
    sentence
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let (status, body) = self.status_and_body();
        if status.is_server_error() {
            tracing::error!(error = %crate::log_text::outside_error(&self), "request failed");
        }
        let retry_after = match &self {
            PortalError::Throttled { retry_after, .. }
            | PortalError::Overloaded { retry_after, .. } => Some(*retry_after),
            PortalError::Database(StoreError::Unavailable(_)) => {
                Some(UNAVAILABLE_RETRY_AFTER_SECONDS)
            }
            _ => None,
        };
        if let Some(retry_after) = retry_after {
            let retry_after = retry_after.to_string();
            return (
                status,
                [(axum::http::header::RETRY_AFTER, retry_after)],
                Json(body),
            )
                .into_response();
        }
        (status, Json(body)).into_response()
    }
}
