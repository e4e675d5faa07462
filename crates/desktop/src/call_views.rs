//! The softphone's calls as the window shows them: each call with whose line it rings on,
//! who calls, its state in words; and what the last call that ended says, when it ended
//! in a way the user should hear of (busy, nobody there, no such number). Pushed to the
//! window whenever a call changes, whatever screen is open.

use std::sync::Arc;

use serde::Serialize;
use switchboard_client::{CallStatus, EngineConfig};
use switchboard_frontend::call_words::{call_message, ended_message};

pub use switchboard_client::engine_config;
use ts_rs::TS;

use crate::App;

/// One call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CallView {
    pub call_id: String,
    pub account_id: String,
    /// Whose line it is on ("Maria Manager, 210"), for a computer with several accounts.
    pub line_label: String,
    pub incoming: bool,
    /// Who: the caller's name and number ("Alice Archer (201)"), or the number.
    pub peer_label: String,
    pub peer_number: String,
    pub status: CallStatus,
    /// The state in words ("Incoming call", "Ringing…", "On hold").
    pub message: String,
}

/// Every call, and how the last one ended when that is news.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
pub struct CallsView {
    pub calls: Vec<CallView>,
    pub notice: Option<String>,
    /// The revision of the calls this view shows: the window keeps the newest view, since
    /// a command's answer can arrive after a later change was pushed.
    #[ts(type = "number")]
    pub revision: u64,
}

impl App {
    /// Every call now, with whose line each is on.
    pub fn calls_view(&self) -> CallsView {
        let statuses = self.core.calls();
        let accounts = self.core.signed_in_accounts().unwrap_or_default();
        let several = accounts.len() > 1;
        let calls = statuses
            .calls
            .into_iter()
            .map(|status| {
                let account = accounts.iter().find(|a| a.account_id == status.account_id);
                let line_label = match account {
                    Some(account) if several => {
                        format!("{}, {}", account.display_name, account.extension)
                    }
                    Some(account) => account.extension.clone(),
                    None => String::new(),
                };
                let peer_label = match &status.peer_name {
                    Some(name) => format!("{name} ({})", status.peer_number),
                    None => status.peer_number.clone(),
                };
                CallView {
                    call_id: status.call_id.clone(),
                    account_id: status.account_id.clone(),
                    line_label,
                    incoming: status.incoming,
                    peer_label,
                    peer_number: status.peer_number.clone(),
                    message: call_message(&status),
                    status,
                }
            })
            .collect();
        CallsView {
            calls,
            notice: statuses.last_ended.as_ref().and_then(ended_message),
            revision: statuses.revision,
        }
    }

    /// Quitting: every line's contact is removed (`Expires: 0`) and the call engine stops.
    pub async fn end_lines(&self) {
        self.core.unregister_all_lines().await;
        self.core.quit_calls().await;
    }

    /// Turns calls on (the lines then register through the call engine) and pushes every
    /// change of the calls to the window. Call once, inside the runtime, before the lines
    /// start.
    pub fn start_calls(self: &Arc<Self>, config: EngineConfig) {
        if let Err(error) = self.core.enable_calls(config) {
            tracing::error!(%error, "cannot turn calls on");
            return;
        }
        let shown = Arc::clone(self);
        tokio::spawn(async move {
            let mut changes = shown.core.call_changes();
            while changes.changed().await.is_ok() {
                shown.platform.window.show_calls(shown.calls_view());
            }
        });
    }
}
