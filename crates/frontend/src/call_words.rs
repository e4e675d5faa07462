//! Calls in words: a call's state, and how one ended when the user should hear of it
//! (busy, nobody there, no such number). The window and the CLI show the same sentences.

use switchboard_client::{CallState, CallStatus, EndedCall};

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
