/// What can go wrong with the call engine.
#[derive(Debug, thiserror::Error)]
pub enum PhoneError {
    #[error("baresip is not installed (no `baresip` on PATH): install it with `apt-get install baresip-core` (`cargo xtask setup`, `cargo xtask test` and the demo install it)")]
    NotInstalled,
    #[error("cannot write the call engine's files in {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot start the call engine (baresip): {0}")]
    Spawn(std::io::Error),
    #[error("the call engine (baresip) did not open its control port within {seconds} s; its log:\n{log}")]
    NotReady { seconds: u64, log: String },
    #[error("the call engine (baresip) exited at start ({status}); its log:\n{log}")]
    Exited { status: String, log: String },
    #[error("the call engine stopped")]
    Stopped,
    #[error("the call engine did not answer `{command}` within {seconds} s")]
    Timeout { command: String, seconds: u64 },
    #[error("the call engine refused `{command}`: {answer}")]
    Refused { command: String, answer: String },
    #[error("the call engine's control connection failed: {0}")]
    Connection(std::io::Error),
    #[error("the call engine sent a message that is not a netstring of JSON: {0}")]
    Malformed(String),
    #[error("{field} cannot be used for a line: {reason}")]
    InvalidLine { field: &'static str, reason: String },
    #[error("no call {call_id} on {aor}")]
    NoSuchCall { aor: String, call_id: String },
}
