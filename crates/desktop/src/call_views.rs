//! The softphone's calls as the window shows them: each call with whose line it rings on,
//! who calls, its state in words; and what the last call that ended says, when it ended
//! in a way the user should hear of (busy, nobody there, no such number). Pushed to the
//! window whenever a call changes, whatever screen is open.

use std::sync::Arc;

use serde::Serialize;
use switchboard_client::{CallError, CallState, CallStatus, EndedCall, EngineConfig};

pub use switchboard_client::engine_config;
use ts_rs::TS;

use crate::error_code::{CommandError, ErrorCode};
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

/// A call's state in words.
pub fn call_message(status: &CallStatus) -> String {
    match (&status.state, status.on_hold) {
        (CallState::Ringing, _) => "Incoming call".into(),
        (CallState::Calling, _) => "Calling…".into(),
        (CallState::RingingThere, _) => "Ringing…".into(),
        (CallState::Connected { .. }, true) => "On hold".into(),
        (CallState::Connected { .. }, false) if status.muted => "In call, muted".into(),
        (CallState::Connected { .. }, false) => "In call".into(),
    }
}

/// How a call ended, when the user should be told ("210 is busy").
pub fn ended_message(ended: &EndedCall) -> Option<String> {
    let who = &ended.peer_number;
    match ended.status? {
        486 | 600 => Some(format!("{who} is busy.")),
        603 => Some(format!("{who} declined the call.")),
        480 | 408 => Some(format!(
            "{who} is not available right now: nobody answered or no phone of theirs is connected."
        )),
        404 | 484 | 604 => Some(format!(
            "There is no number {who}. Check the number and call again."
        )),
        403 => Some(
            "The phone system did not let this line make the call. Ask your office manager.".into(),
        ),
        status if status >= 400 => Some(format!(
            "The call to {who} could not be made (SIP {status})."
        )),
        _ => None,
    }
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

impl From<CallError> for CommandError {
    fn from(error: CallError) -> Self {
        let code = match error {
            CallError::NoSuchCall => ErrorCode::NotFound,
            _ => ErrorCode::CallFailed,
        };
        CommandError::new(code, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ended(status: Option<u16>) -> EndedCall {
        EndedCall {
            call_id: "c".into(),
            account_id: "a".into(),
            peer_number: "210".into(),
            status,
            reason: String::new(),
        }
    }

    #[test]
    fn a_call_that_did_not_happen_says_why_and_a_normal_end_says_nothing() {
        assert_eq!(ended_message(&ended(Some(486))).unwrap(), "210 is busy.");
        assert!(ended_message(&ended(Some(480)))
            .unwrap()
            .contains("not available"));
        assert!(ended_message(&ended(Some(404)))
            .unwrap()
            .contains("no number 210"));
        assert_eq!(ended_message(&ended(None)), None, "hung up");
        assert_eq!(ended_message(&ended(Some(200))), None);
    }
}
