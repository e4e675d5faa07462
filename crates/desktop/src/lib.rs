//! The desktop app's layer over the client core: everything the window shows. Every view
//! and notice (its sentences, error codes and browser sign-in flow shared with the CLI in
//! `switchboard-frontend`), and the commands the window calls
//! (written once in `commands.rs`; the Tauri shell registers them and the TypeScript
//! `Backend` is generated from them). The platform comes in through small traits
//! ([`Browser`], [`SchemeProbe`], [`Window`], [`SaveDialog`]), so all of it runs in tests without a window.

mod account_views;
pub mod bindings;
mod browser_views;
pub mod call_views;
mod command_table;
pub mod commands;
pub mod email_views;
pub mod line_views;
mod portal_views;
#[doc(hidden)]
pub mod qr;
pub mod recovery_codes;
pub mod save_dialog;
mod security_views;
mod sign_in_views;
pub mod views;

use std::path::PathBuf;
use std::sync::Arc;

use switchboard_client::{ClientConfig, Guarded, PortalClient, Switchboard};

pub use call_views::{CallView, CallsView};
pub use email_views::EmailSignInView;
pub use line_views::LineView;
pub use save_dialog::{SaveDialog, SaveDialogUnavailable, SaveRequest};
pub use switchboard_frontend::browser_flow::{Browser, BrowserUnavailable, SchemeProbe};
pub use switchboard_frontend::{CommandError, ErrorCode};
pub use views::{
    AppInfo, AppView, AuthenticatorSetupView, Notice, NoticeKind, PortalStatus, QrCode,
};

/// Shows a view that did not come from a command (a sign-in link arrived), bringing the
/// window to the front.
pub trait Window: Send + Sync {
    fn show(&self, view: AppView);
    /// The lines changed (registered, unreachable…): the window updates them in place.
    fn show_lines(&self, lines: Vec<LineView>);
    /// The calls changed (one rings, is answered, ends): shown over whatever screen is open.
    fn show_calls(&self, calls: CallsView);
}

/// What the app layer needs from the platform.
pub struct Platform {
    pub browser: Arc<dyn Browser>,
    pub scheme: Arc<dyn SchemeProbe>,
    pub window: Arc<dyn Window>,
    /// Asks where "Save to a file" puts recovery codes.
    pub save_dialog: Arc<dyn SaveDialog>,
    /// Where the save dialog opens (the Documents folder, else home).
    pub documents_dir: Option<PathBuf>,
}

/// The app: the client core and what the window shows of it.
pub struct App {
    core: Arc<Switchboard>,
    config: ClientConfig,
    platform: Platform,
    /// An authenticator app being set up in the security settings, and for which account.
    authenticator_setup: Guarded<Option<(String, AuthenticatorSetupView)>>,
}

impl App {
    pub fn new(core: Arc<Switchboard>, config: ClientConfig, platform: Platform) -> Arc<App> {
        Arc::new(App {
            core,
            config,
            platform,
            authenticator_setup: Guarded::new(None),
        })
    }

    /// The client core under the views.
    pub fn core(&self) -> &Arc<Switchboard> {
        &self.core
    }

    pub fn info(&self) -> AppInfo {
        AppInfo {
            portal_url: self.config.portal_url.to_string(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }

    pub async fn portal_status(&self) -> PortalStatus {
        portal_status(self.core.portal()).await
    }
}

/// Whether the portal answers, and if so what its sign-in screen offers. Never fails: an
/// unreachable portal is a state the sign-in screen shows.
pub async fn portal_status(portal: &PortalClient) -> PortalStatus {
    match portal.sign_in_options().await {
        Ok(options) => {
            portal.remember_status_page(options.status_page_url.clone());
            PortalStatus::Reachable { options }
        }
        Err(error) => {
            tracing::warn!(portal = %portal.base_url(), %error, "portal not reachable");
            PortalStatus::Unreachable {
                message: error.to_string(),
                status_page_url: portal.known_status_page(),
            }
        }
    }
}
