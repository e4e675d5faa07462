//! The softphone's lines as the window shows them: one per signed-in account, in the
//! switcher's order, each with its state in words. Pushed to the window whenever a line
//! changes; the CLI prints the same words.

use std::sync::Arc;

use serde::Serialize;
use switchboard_client::network::{SystemAddresses, NETWORK_CHECK_EVERY};
use switchboard_client::{LineConfig, LineStatus};
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

/// The state of a line in words (without its times).
pub fn line_message(status: &LineStatus) -> String {
    match status {
        LineStatus::Registering => "Connecting to the phone system…".into(),
        LineStatus::Registered {
            takes_calls: true, ..
        } => "Calls to this line ring here.".into(),
        LineStatus::Registered {
            takes_calls: false, ..
        } => "Registered, but calls to this line do not ring on this computer yet. Your other phones still ring.".into(),
        LineStatus::WrongCredentials {
            refetch_error: None,
            ..
        } => "The phone system refused this line's SIP password, also after fetching the phone settings again. Ask your office manager to check the phone account, then sign in again.".into(),
        LineStatus::WrongCredentials {
            refetch_error: Some(error),
            ..
        } => format!("The phone system refused this line's SIP password, and new phone settings could not be fetched ({error}). Check your connection; if it persists, sign out and in again."),
        LineStatus::Unreachable { reason, .. } => {
            format!("Can't reach the phone system ({reason}). Trying again by itself.")
        }
        LineStatus::Refused { status, .. } => format!(
            "The phone system refused this line (SIP {status}). Trying again by itself; if it persists, ask your office manager."
        ),
        LineStatus::NotRegistered { reason } => reason.clone(),
    }
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

/// The certificate authorities a line's TLS trusts: the system's bundle, and the file
/// `SWITCHBOARD_SIP_CA_FILE` names (a private phone system's CA).
pub fn trusted_roots(env: impl Fn(&str) -> Option<String>) -> Vec<u8> {
    const SYSTEM_BUNDLES: &[&str] = &[
        "/etc/ssl/certs/ca-certificates.crt",
        "/etc/pki/tls/certs/ca-bundle.crt",
        "/etc/ssl/cert.pem",
    ];
    let mut pem = SYSTEM_BUNDLES
        .iter()
        .find_map(|path| std::fs::read(path).ok())
        .unwrap_or_default();
    if let Some(path) = env(SIP_CA_FILE_ENV) {
        match std::fs::read(&path) {
            Ok(extra) => {
                pem.push(b'\n');
                pem.extend(extra);
            }
            Err(error) => tracing::warn!(%path, %error, "cannot read {SIP_CA_FILE_ENV}"),
        }
    }
    pem
}

pub const SIP_CA_FILE_ENV: &str = "SWITCHBOARD_SIP_CA_FILE";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_says_what_is_happening_and_failures_say_what_to_do() {
        assert!(line_message(&LineStatus::Registered {
            until: 0,
            takes_calls: true
        })
        .contains("ring here"));
        let no_calls = line_message(&LineStatus::Registered {
            until: 0,
            takes_calls: false,
        });
        assert!(
            no_calls.contains("do not ring on this computer"),
            "{no_calls}"
        );
        let wrong = line_message(&LineStatus::WrongCredentials {
            status: 401,
            refetch_error: None,
        });
        assert!(wrong.contains("office manager"), "{wrong}");
        let unreachable = line_message(&LineStatus::Unreachable {
            next_try_at: 0,
            reason: "no answer within 33 s".into(),
        });
        assert!(unreachable.contains("no answer within 33 s"));
        assert!(unreachable.contains("Trying again"));
    }

    #[test]
    fn an_extra_ca_file_is_added_to_the_trusted_roots() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("ca.pem");
        std::fs::write(&file, "-----BEGIN CERTIFICATE-----\nTEST\n").unwrap();
        let path = file.display().to_string();
        let roots = trusted_roots(|name| (name == SIP_CA_FILE_ENV).then(|| path.clone()));
        assert!(String::from_utf8_lossy(&roots).contains("TEST"));
    }
}
