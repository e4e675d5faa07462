//! Every error the portal answers with becomes a JSON `ApiError`: a stable code and a
//! message a person can act on. Details go to the log, never secrets.

use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_api::{ApiError, ErrorCode};

use crate::signin::login::LoginError;
use crate::signin::sessions::SessionError;
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
    /// A wrong password that started a short wait (the password limits back off from the
    /// third failure): 400 with `code`, and with Retry-After as the too-many answer has it,
    /// so the client waits instead of being refused by an attempt at once.
    #[error("{message}")]
    WrongWithWait {
        code: ErrorCode,
        retry_after: u64,
        message: String,
    },
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
            PortalError::WrongWithWait {
                code,
                retry_after,
                message,
            } => (
                StatusCode::BAD_REQUEST,
                ApiError {
                    code: *code,
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
            PortalError::Database(StoreError::AccountDeactivated) => (
                StatusCode::FORBIDDEN,
                ApiError::new(
                    ErrorCode::NotAvailable,
                    "Your organization turned this account off in its directory. Ask your administrator.",
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
            LoginError::InvalidPassword {
                retry_after: Some(retry_after),
            } => PortalError::WrongWithWait {
                code: ErrorCode::InvalidCredentials,
                retry_after: u64::try_from(retry_after).unwrap_or(0),
                message: sentence(&error),
            },
            LoginError::InvalidCredentials | LoginError::InvalidPassword { .. } => {
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
            SecurityError::WrongPassword {
                retry_after: Some(retry_after),
            } => PortalError::WrongWithWait {
                code: ErrorCode::InvalidCredentials,
                retry_after: u64::try_from(retry_after).unwrap_or(0),
                message: sentence(&error),
            },
            SecurityError::WrongPassword { retry_after: None } => {
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
            | PortalError::WrongWithWait { retry_after, .. }
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

/// The largest request body the portal reads (JSON and forms alike): a larger one is
/// answered 413 `request_too_large` before any of it is parsed.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The longest piece of the framework's own explanation kept in a message.
const MAX_DETAIL_CHARS: usize = 300;

/// Makes the framework's own rejections answer like every other error: axum's extractors
/// and router answer 400, 405, 413, 415 and 422 with `text/plain` (or nothing); these
/// become the API's JSON error object with its code, the status and headers (`Allow`,
/// `Retry-After`) kept. JSON answers and the browser's HTML pages pass untouched.
pub async fn api_error_bodies(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error())
        || !is_plain_or_empty(response.headers())
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    // The framework's texts are short; a longer body is not one of them.
    let detail = axum::body::to_bytes(body, 4 * 1024)
        .await
        .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
        .unwrap_or_default();
    let mut answer = (status, Json(framework_error(status, &method, &detail))).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            answer.headers_mut().insert(name.clone(), value.clone());
        }
    }
    answer
}

fn is_plain_or_empty(headers: &HeaderMap) -> bool {
    match headers.get(header::CONTENT_TYPE) {
        None => true,
        Some(value) => value
            .to_str()
            .map(|text| text.to_ascii_lowercase().starts_with("text/plain"))
            .unwrap_or(false),
    }
}

/// The API's error object for a status the framework answered by itself; `detail` is its
/// explanation (such as which field is missing), cut short.
#[doc(hidden)]
pub fn framework_error(status: StatusCode, method: &Method, detail: &str) -> ApiError {
    let detail: String = detail
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_DETAIL_CHARS)
        .collect();
    let because = |text: &str| {
        if detail.is_empty() {
            format!("{text}.")
        } else {
            format!("{text}: {}.", detail.trim_end_matches('.'))
        }
    };
    match status {
        StatusCode::BAD_REQUEST => ApiError::new(
            ErrorCode::InvalidRequest,
            because("The request is malformed"),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => ApiError::new(
            ErrorCode::InvalidRequest,
            because("The request body does not hold what this operation needs"),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            ErrorCode::RequestTooLarge,
            format!(
                "The request body is larger than the portal reads ({} KiB).",
                MAX_BODY_BYTES / 1024
            ),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::new(
            ErrorCode::UnsupportedMediaType,
            because("The request body has the wrong content type"),
        ),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::new(
            ErrorCode::MethodNotAllowed,
            format!(
                "This address does not answer {}; the Allow header lists the methods it does.",
                method.as_str()
            ),
        ),
        StatusCode::NOT_FOUND => {
            ApiError::new(ErrorCode::NotFound, "There is nothing at this address.")
        }
        StatusCode::UNAUTHORIZED => ApiError::new(
            ErrorCode::InvalidToken,
            "Sign in again: the access token is missing, wrong or expired.",
        ),
        StatusCode::REQUEST_TIMEOUT => ApiError::new(
            ErrorCode::InvalidRequest,
            "The request took too long to arrive.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => ApiError {
            code: ErrorCode::TemporarilyUnavailable,
            message: "The portal is busy. Try again in a few seconds.".into(),
            retry_after_seconds: Some(UNAVAILABLE_RETRY_AFTER_SECONDS),
        },
        status if status.is_server_error() => ApiError::new(
            ErrorCode::Internal,
            "The portal could not finish this request. Try again; if it keeps happening, tell your administrator.",
        ),
        _ => ApiError::new(ErrorCode::BadRequest, because("The request was refused")),
    }
}
