//! The sign-in client core. Every decision of the desktop app lives here, testable without
//! a window; `src-tauri` and the CLI are thin shells over it.

mod accounts;
pub mod bridge;
pub mod config;
pub mod email_first;
pub mod keychain;
pub mod loopback;
pub mod portal;
#[doc(hidden)]
pub mod qr;
mod security;
pub mod signin;
mod steps;
pub mod store;
pub mod switchboard;
pub use steps::link_reason_text;

pub use bridge::{
    AppInfo, AppView, AuthenticatorSetupView, CommandError, Notice, PhoneSummary, PortalStatus,
    QrCode,
};
pub use config::{ClientConfig, ConfigError, RedirectMode};
pub use email_first::{EmailSignIn, EmailSignInView};
pub use keychain::{Keychain, KeychainError};
pub use portal::{PortalClient, PortalClientError};
pub use switchboard::{system_clock, ClientError, Clock, SignInOutcome, Switchboard};
