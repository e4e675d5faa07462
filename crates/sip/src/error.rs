use std::net::SocketAddr;

/// Why a line cannot be set up, or why one REGISTER got no answer.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("the profile's {field} {value:?} is not a SIP URI: {reason}")]
    InvalidUri {
        field: &'static str,
        value: String,
        reason: String,
    },
    #[error("cannot resolve {host}: {reason}")]
    Resolve { host: String, reason: String },
    #[error("no local address reaches {destination}: {source}")]
    NoRoute {
        destination: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot connect to {destination}: {reason}")]
    Connect {
        destination: SocketAddr,
        reason: String,
    },
    #[error("SIP stack: {0}")]
    Stack(String),
    #[error("no answer within {seconds} s")]
    Timeout { seconds: u64 },
    #[error("the line's task has stopped")]
    Stopped,
}

impl From<rsipstack::Error> for SipError {
    fn from(error: rsipstack::Error) -> Self {
        SipError::Stack(error.to_string())
    }
}
