//! The sign-in client core: sessions (refresh token in the keychain), provider sign-ins and
//! the steps after them, provisioning the softphone, the security settings at the portal.
//! It answers outcomes and typed errors and knows no screens: the app layer
//! (`switchboard-desktop`) decides what the window shows, and `switchboard-cli` what a
//! terminal prints.

pub mod clock;
pub mod config;
pub mod email_first;
mod error;
pub mod guarded;
pub mod keychain;
mod line_handle;
mod lines;
pub mod network;
mod outcome;
mod pending_step;
mod phone;
pub mod portal;
pub mod portal_events;
pub mod private_file;
mod provisioning;
mod security;
mod session_state;
mod sessions;
pub mod signin;
mod steps;
pub mod store;
pub mod switchboard;
pub mod trusted_roots;

pub use clock::{system_clock, Clock};
pub use config::{ClientConfig, ConfigError, RedirectMode};
pub use email_first::EmailSignIn;
pub use error::ClientError;
pub use guarded::{Guarded, Poisoned};
pub use keychain::{Keychain, KeychainError, Secret};
pub use lines::{LineStatus, LineStatuses, LinesFile};
pub use outcome::{PhoneSummary, SignInOutcome};
pub use phone::{engine_config, CallError, CallState, CallStatus, CallStatuses, EndedCall};
pub use portal::{PortalClient, PortalClientError, Program};
pub use portal_events::PortalNotice;
pub use signin::{SignInError, SignInStart};
pub use store::StoreError;
pub use switchboard::{Switchboard, LINES_FILE};
pub use switchboard_phone::{AudioDevices, EngineConfig};
pub use switchboard_sip::{Backoff, LineConfig};
pub use trusted_roots::trusted_roots;
