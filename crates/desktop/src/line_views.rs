//! The softphone's lines as the window shows them: one per signed-in account, in the
//! switcher's order, each with its state in words. Pushed to the window whenever a line
//! changes; the CLI prints the same words.

use std::sync::Arc;

use serde::Serialize;
use switchboard_client::network::{SystemAddresses, NETWORK_CHECK_EVERY};
use switchboard_client::{LineConfig, LineStatus};
use switchboard_frontend::line_words::line_message;
use ts_rs::TS;

use crate::App;

/// One signed-in account's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LineView {
    pub account_id: String,
    pub display_name: String,
    pub extension: String,
    pub status: LineStatus,
    /// The state in words, with what to do when it needs the user (times are the
    /// window's to add, in local time, from `status`).
    pub message: String,
}

impl App {
    /// Every signed-in account's line that has a state, in the switcher's order.
    pub fn line_views(&self) -> Vec<LineView> {
        let statuses = self.core.line_statuses();
        let accounts = self.core.signed_in_accounts().unwrap_or_default();
        accounts
            .into_iter()
            .filter_map(|account| {
                let status = statuses.get(&account.account_id)?.clone();
                Some(LineView {
                    message: line_message(&status),
                    account_id: account.account_id,
                    display_name: account.display_name,
                    extension: account.extension,
                    status,
                })
            })
            .collect()
    }

    /// Turns the lines on: every signed-in account registers, the window is told each
    /// change, and a network change or wake registers them again. Call once, inside the
    /// runtime.
    pub async fn start_lines(self: &Arc<Self>, config: LineConfig) {
        if let Err(error) = self.core.enable_lines(config) {
            tracing::error!(%error, "cannot start the lines");
            return;
        }
        let shown = Arc::clone(self);
        tokio::spawn(async move { shown.keep_lines_shown().await });
        tokio::spawn(
            Arc::clone(&self.core).watch_network(Arc::new(SystemAddresses), NETWORK_CHECK_EVERY),
        );
        if let Err(error) = self.core.register_all_lines().await {
            tracing::warn!(%error, "cannot register the lines");
        }
    }

    async fn keep_lines_shown(&self) {
        let mut changes = self.core.line_changes();
        while changes.changed().await.is_ok() {
            self.platform.window.show_lines(self.line_views());
        }
    }
}
