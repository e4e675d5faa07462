use std::time::SystemTime;

/// What a line is doing, as published on its `watch` channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineState {
    /// Not registered: before `register`, or after `unregister`.
    Unregistered,
    /// A REGISTER is on its way (the first one, or after a failure).
    Registering,
    /// The registrar has the contact until then; a refresh is sent before.
    Registered { until: SystemTime },
    /// The registrar refused the credentials (status 401, 407 or 403). Not retried: a new
    /// profile (the password may have changed on the portal) makes a new line.
    WrongCredentials { status: u16 },
    /// No answer, or the registrar failed (408, 5xx); the next try is at `next_try_at`.
    Unreachable {
        next_try_at: SystemTime,
        reason: String,
    },
    /// Another refusal (404, 6xx, an unusable 423, ...); tried again at `next_try_at`.
    Refused {
        status: u16,
        next_try_at: SystemTime,
    },
}

impl LineState {
    pub fn is_registered(&self) -> bool {
        matches!(self, LineState::Registered { .. })
    }
}
