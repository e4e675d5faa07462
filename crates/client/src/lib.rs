//! The sign-in client core. Every decision of the desktop app lives here, testable without
//! a window; `src-tauri` and the CLI are thin shells over it.

pub mod bridge;
pub mod config;
pub mod keychain;
pub mod portal;

pub use bridge::{AppInfo, CommandError, PortalStatus};
pub use config::{ClientConfig, ConfigError};
pub use keychain::{Keychain, KeychainError};
pub use portal::{PortalClient, PortalClientError};
