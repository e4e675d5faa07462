//! One code for everything the window and the CLI can show as an error: the portal's codes
//! (wrapped, never copied) and the app's own, exported to TypeScript as a union of strings, so the front end never compares
//! free strings. Each error also gets its sentence for people.

use serde::Serialize;
use switchboard_client::{
    CallError, ClientError, KeychainError, PortalClientError, SignInError, StoreError,
};
use ts_rs::TS;

/// Every error code a notice or a rejected command carries: the portal's own codes as they
/// came, and the codes of what happened on this side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // ---- Reaching the portal ----
    /// Nothing answered, or not in time.
    PortalUnreachable,
    /// The portal answered something this app does not understand.
    PortalError,
    // ---- This computer ----
    NoKeychain,
    KeychainLocked,
    KeychainError,
    /// The data folder could not be read or written.
    DataFolderError,
    /// A data file was damaged; it was set aside.
    DataFileDamaged,
    /// A lock was poisoned: quit and reopen the app.
    InternalError,
    /// No port for the browser to come back to.
    LoopbackUnavailable,
    /// No folder to save a file in.
    NoFolder,
    SaveFailed,
    /// The authenticator set-up is too long for a QR code.
    QrCode,
    // ---- Calls ----
    /// The call engine refused or failed a call command.
    CallFailed,
    // ---- Sessions and steps ----
    SignedOut,
    NotSignedIn,
    NoPendingStep,
    UnknownAccount,
    // ---- The link the browser came back with ----
    NotACallback,
    NoPendingSignIn,
    SignInExpired,
    WrongIssuer,
    NoCode,
    /// The user cancelled at the provider.
    AccessDenied,
    /// The provider refused for another reason (its message is shown).
    ProviderError,
    // ---- The portal's answers ----
    /// The portal's answer, with its code (`invalid_credentials`, `too_many_attempts`…).
    #[serde(untagged)]
    Portal(switchboard_api::ErrorCode),
}

impl From<switchboard_api::ErrorCode> for ErrorCode {
    fn from(code: switchboard_api::ErrorCode) -> Self {
        ErrorCode::Portal(code)
    }
}

impl ErrorCode {
    /// The code of a client core error.
    pub fn of(error: &ClientError) -> ErrorCode {
        match error {
            ClientError::Portal(PortalClientError::Api { error, .. }) => error.code.into(),
            ClientError::Portal(
                PortalClientError::Unreachable { .. } | PortalClientError::TimedOut { .. },
            ) => ErrorCode::PortalUnreachable,
            ClientError::Portal(_) => ErrorCode::PortalError,
            ClientError::Keychain(KeychainError::NoKeychain) => ErrorCode::NoKeychain,
            ClientError::Keychain(KeychainError::Locked) => ErrorCode::KeychainLocked,
            ClientError::Keychain(_) => ErrorCode::KeychainError,
            ClientError::SignIn(error) => Self::of_link(error),
            ClientError::Store(StoreError::Damaged { .. }) => ErrorCode::DataFileDamaged,
            ClientError::Store(_) => ErrorCode::DataFolderError,
            ClientError::Poisoned(_) => ErrorCode::InternalError,
            ClientError::SignedOut => ErrorCode::SignedOut,
            ClientError::UnknownProvider(_) => switchboard_api::ErrorCode::UnknownProvider.into(),
            ClientError::NotSignedIn => ErrorCode::NotSignedIn,
            ClientError::NoPendingStep => ErrorCode::NoPendingStep,
            ClientError::UnknownAccount => ErrorCode::UnknownAccount,
        }
    }

    fn of_link(error: &SignInError) -> ErrorCode {
        match error {
            SignInError::NotACallback => ErrorCode::NotACallback,
            SignInError::NoPendingSignIn => ErrorCode::NoPendingSignIn,
            SignInError::Expired => ErrorCode::SignInExpired,
            SignInError::WrongIssuer => ErrorCode::WrongIssuer,
            SignInError::NoCode => ErrorCode::NoCode,
            SignInError::Provider { code, .. } if code == "access_denied" => {
                ErrorCode::AccessDenied
            }
            SignInError::Provider { .. } => ErrorCode::ProviderError,
            SignInError::Poisoned(_) => ErrorCode::InternalError,
        }
    }

    /// The code as it travels to the window.
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

/// What a command rejects with: a code for logic and support, a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CommandError {
    pub code: ErrorCode,
    pub message: String,
}

impl CommandError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl From<&ClientError> for CommandError {
    fn from(error: &ClientError) -> Self {
        Self::new(ErrorCode::of(error), message(error))
    }
}

/// A call command that failed: the call has ended, or the engine refused.
impl From<CallError> for CommandError {
    fn from(error: CallError) -> Self {
        let code = match error {
            CallError::NoSuchCall => switchboard_api::ErrorCode::NotFound.into(),
            _ => ErrorCode::CallFailed,
        };
        CommandError::new(code, error.to_string())
    }
}

/// With too many wrong attempts, or a wrong password that started a wait (from the third):
/// the seconds the portal said to wait before trying again.
pub fn retry_after(error: &ClientError) -> Option<u64> {
    use switchboard_api::ErrorCode as Api;
    match error {
        ClientError::Portal(PortalClientError::Api { error, .. })
            if matches!(error.code, Api::TooManyAttempts | Api::InvalidCredentials) =>
        {
            error.retry_after_seconds
        }
        _ => None,
    }
}

/// The error as a sentence for the screen.
pub fn message(error: &ClientError) -> String {
    let text = if error.is_unreachable() {
        format!("Can't reach the portal: {error}")
    } else {
        error.to_string()
    };
    let mut chars = text.chars();
    let mut sentence: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    };
    if !sentence.ends_with(['.', '!', '?', ')']) {
        sentence.push('.');
    }
    sentence
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_travel_as_snake_case_and_portal_codes_keep_their_names() {
        assert_eq!(ErrorCode::PortalUnreachable.as_str(), "portal_unreachable");
        assert_eq!(ErrorCode::SignInExpired.as_str(), "sign_in_expired");
        let api = switchboard_api::ErrorCode::TooManyAttempts;
        assert_eq!(
            ErrorCode::from(api).as_str(),
            serde_json::to_value(api).unwrap()
        );
    }

    #[test]
    fn only_too_many_attempts_and_a_wrong_password_carry_the_wait() {
        let throttled = ClientError::Portal(PortalClientError::Api {
            status: 429,
            error: switchboard_api::ApiError {
                code: switchboard_api::ErrorCode::TooManyAttempts,
                message: "Too many wrong attempts. Try again in 2 minutes.".into(),
                retry_after_seconds: Some(95),
            },
        });
        assert_eq!(retry_after(&throttled), Some(95));
        let wrong = |retry_after_seconds| {
            ClientError::Portal(PortalClientError::Api {
                status: 400,
                error: switchboard_api::ApiError {
                    code: switchboard_api::ErrorCode::InvalidCredentials,
                    message: "The username or password is wrong. Try again in 4 seconds.".into(),
                    retry_after_seconds,
                },
            })
        };
        assert_eq!(retry_after(&wrong(Some(4))), Some(4));
        assert_eq!(retry_after(&wrong(None)), None);
        let busy = ClientError::Portal(PortalClientError::Api {
            status: 503,
            error: switchboard_api::ApiError {
                code: switchboard_api::ErrorCode::TemporarilyUnavailable,
                message: "Busy.".into(),
                retry_after_seconds: Some(1),
            },
        });
        assert_eq!(retry_after(&busy), None);
        assert_eq!(retry_after(&ClientError::NotSignedIn), None);
    }

    #[test]
    fn a_poisoned_lock_and_a_damaged_file_say_what_to_do() {
        let poisoned = ClientError::Poisoned(switchboard_client::Poisoned);
        assert_eq!(ErrorCode::of(&poisoned), ErrorCode::InternalError);
        assert!(message(&poisoned).contains("Quit and reopen"));
        let damaged = ClientError::Store(StoreError::Damaged {
            path: "/data/accounts.json".into(),
            kept_at: "/data/accounts.json.damaged".into(),
        });
        assert_eq!(ErrorCode::of(&damaged), ErrorCode::DataFileDamaged);
        assert!(message(&damaged).contains("Sign in again"));
    }
}
