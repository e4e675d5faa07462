//! A line's state in words (without its times, which each front end adds in local time),
//! with what to do when it needs the user.

use switchboard_client::LineStatus;

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
}
