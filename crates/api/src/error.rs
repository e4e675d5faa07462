use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// A stable, machine-readable error code. The UI and support match on these, never on
/// the human message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
// In the window's TypeScript it is `PortalErrorCode`, one part of the app's `ErrorCode`.
#[ts(rename = "PortalErrorCode")]
pub enum ErrorCode {
    NotFound,
    BadRequest,
    Internal,
    /// A parameter is missing or malformed: the body is not well-formed JSON or a form, or
    /// lacks a field the operation needs, or the query string is malformed.
    InvalidRequest,
    /// The address does not answer this HTTP method (the `Allow` header lists those it does).
    MethodNotAllowed,
    /// The request body is larger than the portal reads.
    RequestTooLarge,
    /// The body's `Content-Type` is not the one the operation reads (JSON or a form).
    UnsupportedMediaType,
    /// The redirect URI is not one the app may use; nothing was redirected.
    InvalidRedirectUri,
    UnknownProvider,
    /// The code, refresh token or ticket is wrong, used, expired or revoked.
    InvalidGrant,
    UnsupportedGrantType,
    /// The access token is missing, wrong or expired: refresh, or sign in again.
    InvalidToken,
    /// The identity provider could not be reached or answered wrongly.
    ProviderUnavailable,
    /// Username, password or authenticator code is wrong (never says which).
    InvalidCredentials,
    /// The authenticator or recovery code is wrong or was already used.
    InvalidCode,
    /// Too many wrong attempts: `retry_after_seconds` says when to try again.
    TooManyAttempts,
    /// The signed-in session cannot do this (e.g. it did not come through a provider).
    NotAvailable,
    /// A sensitive change needs the user to confirm it is them (password, and the
    /// authenticator code when it is on) within the last five minutes: `POST
    /// /v1/account/confirm`, then try again.
    ConfirmationRequired,
    /// The portal cannot serve this now (its database is unreachable): `retry_after_seconds`
    /// says when to try again.
    TemporarilyUnavailable,
}

/// Every error the portal answers with: a stable code and a message a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    /// Seconds until trying again can succeed: with `too_many_attempts`, and with a wrong
    /// password (`invalid_credentials`) once it started a short wait (from the third wrong
    /// password on), so a client can hold its button instead of being refused again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub retry_after_seconds: Option<u64>,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after_seconds: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_on_the_wire() {
        let error = ApiError::new(ErrorCode::NotFound, "No such page.");
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["code"], "not_found");
        assert_eq!(json["message"], "No such page.");
    }
}
