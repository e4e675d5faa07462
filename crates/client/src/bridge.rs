//! Types the desktop front end sees. `ts-rs` turns them into `ui/src/bindings/`, so the
//! TypeScript cannot drift from the Rust.

use serde::Serialize;
use switchboard_api::SignInOptions;
use ts_rs::TS;

/// What the app knows about itself and where it signs in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppInfo {
    pub portal_url: String,
    pub version: String,
}

/// Whether the portal answers, and if so what its sign-in screen offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum PortalStatus {
    Reachable {
        options: SignInOptions,
    },
    Unreachable {
        /// What went wrong and what to do, in words a user understands.
        message: String,
        status_page_url: Option<String>,
    },
}

/// Every error a command returns to the front end: a stable code for support and logic,
/// a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl CommandError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// Every type of the bridge with its TypeScript declaration, for the generated bindings.
pub fn typescript_declarations() -> Vec<(String, String)> {
    fn entry<T: TS + 'static>() -> (String, String) {
        let config = ts_rs::Config::default();
        (
            T::name(&config),
            T::export_to_string(&config).unwrap_or_default(),
        )
    }
    vec![
        entry::<AppInfo>(),
        entry::<PortalStatus>(),
        entry::<CommandError>(),
        entry::<SignInOptions>(),
        entry::<switchboard_api::ProviderOption>(),
        entry::<switchboard_api::ProviderKind>(),
    ]
}
