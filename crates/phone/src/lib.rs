//! The softphone's calls, on baresip.
//!
//! An [`Engine`] is one baresip process (Debian's `baresip-core`): SIP dialogs, SDP
//! offer/answer, RTP and SRTP, Opus, G.722 and G.711, a jitter buffer and the audio
//! devices are baresip's. This crate starts it in a folder of its own with a generated
//! configuration, drives it over its TCP/JSON control interface (`ctrl_tcp`, on 127.0.0.1
//! only), and turns its events into [`EngineEvent`]s. Each signed-in account is a line
//! ([`LineSpec`]) that registers with its registrar and takes calls on the same socket.
//!
//! Secrets: a line's password travels over the control connection only (never a file,
//! never a log line); a refusal of `uanew` never repeats the account.

mod config;
mod control;
mod engine;
mod error;
mod event;
mod line;
mod netstring;

pub use config::{AudioDevices, EngineConfig, LineSpec};
pub use engine::{call_of, dial_target, Engine};
pub use error::PhoneError;
pub use event::{CallInfo, Direction, EngineEvent};
pub use line::PhoneLine;
