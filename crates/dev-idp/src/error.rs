//! Errors: [`DevIdpError`] at the library boundary, [`HttpError`] for JSON error answers.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::http::StatusCode;
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
