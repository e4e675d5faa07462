//! Errors: [`DevIdpError`] at the library boundary, [`HttpError`] for JSON error answers,
//! [`OAuthError`] for the token endpoint's RFC 6749 §5.2 answers.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use url::Url;

/// Everything that can go wrong starting or running the dev IdP.
#[derive(Debug, thiserror::Error)]
pub enum DevIdpError {
    #[error("could not listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },

    #[error("could not read the address the server listens on: {0}")]
    LocalAddr(#[source] std::io::Error),

    #[error(
        "the public URL {0} cannot be used as a base URL (it needs a scheme, a host and a path)"
    )]
    InvalidPublicUrl(Url),

    #[error("could not create the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not read the key file {path}: {source}")]
    KeyFileRead {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the key file {path} is not valid ({reason}); fix or delete it to generate new keys")]
    KeyFileInvalid { path: PathBuf, reason: String },

    #[error("could not write the key file {path}: {source}")]
    KeyFileWrite {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not generate an RSA signing key: {0}")]
    KeyGeneration(String),

    #[error("the client secret must not be empty")]
    EmptyClientSecret,

    #[error("the Apple client public key is not a P-256 public key in SPKI PEM form (\"BEGIN PUBLIC KEY\"): {0}")]
    AppleClientKey(String),

    #[error("a background task failed: {0}")]
    Task(String),

    #[error("the HTTP server stopped with an error: {0}")]
    Serve(#[source] std::io::Error),
}

/// A JSON error answer: `{"code": "...", "message": "..."}` with a stable, snake_case code.
#[derive(Debug, Clone)]
pub struct HttpError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct HttpErrorBody<'a> {
    code: &'a str,
    message: &'a str,
}

impl HttpError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        let body = HttpErrorBody {
            code: self.code,
            message: &self.message,
        };
        (self.status, Json(body)).into_response()
    }
}

/// A token endpoint error (RFC 6749 §5.2): `{"error": "...", "error_description": "..."}`.
#[derive(Debug, Clone)]
pub struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    /// Answer `WWW-Authenticate: Basic` (a failed HTTP Basic client authentication).
    challenge_basic: bool,
}

#[derive(Serialize)]
struct OAuthErrorBody<'a> {
    error: &'a str,
    error_description: &'a str,
}

impl OAuthError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        Self {
            status,
            error,
            description: description.into(),
            challenge_basic: false,
        }
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    /// Client authentication failed: 401.
    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            description,
        )
    }

    pub fn server_error(description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            description,
        )
    }

    /// Adds `WWW-Authenticate: Basic` (RFC 6749 §5.2 asks for it when the client tried
    /// HTTP Basic).
    pub fn with_basic_challenge(mut self) -> Self {
        self.challenge_basic = true;
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The RFC 6749 error code (`invalid_grant`, ...).
    pub fn error(&self) -> &'static str {
        self.error
    }

    pub fn description(&self) -> &str {
        &self.description
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = OAuthErrorBody {
            error: self.error,
            error_description: &self.description,
        };
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.challenge_basic {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="dev-idp", charset="UTF-8""#),
            );
        }
        response
    }
}
