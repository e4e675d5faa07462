//! A line, registered either by the call engine (`switchboard-phone`: the registrar then
//! routes the line's calls to the engine) or, without the engine or over TLS, by the SIP
//! crate alone (registered, but calls do not reach it).

use std::sync::Arc;

use switchboard_phone::PhoneLine;
use switchboard_sip::{Line, LineState};
use tokio::sync::watch;

#[derive(Clone)]
pub(crate) enum LineHandle {
    Registration(Arc<Line>),
    Engine(Arc<PhoneLine>),
}

impl LineHandle {
    pub(crate) fn aor(&self) -> &str {
        match self {
            LineHandle::Registration(line) => line.aor(),
            LineHandle::Engine(line) => line.aor(),
        }
    }

    /// Whether the registered contact is the call engine's, so calls ring here.
    pub(crate) fn takes_calls(&self) -> bool {
        matches!(self, LineHandle::Engine(_))
    }

    pub(crate) fn state(&self) -> watch::Receiver<LineState> {
        match self {
            LineHandle::Registration(line) => line.state(),
            LineHandle::Engine(line) => line.state(),
        }
    }

    pub(crate) async fn register(&self) -> Result<(), String> {
        match self {
            LineHandle::Registration(line) => line.register().await.map_err(|e| e.to_string()),
            LineHandle::Engine(line) => line.register().await.map_err(|e| e.to_string()),
        }
    }

    pub(crate) async fn re_register(&self) -> Result<(), String> {
        match self {
            LineHandle::Registration(line) => line.re_register().await.map_err(|e| e.to_string()),
            LineHandle::Engine(line) => line.re_register().await.map_err(|e| e.to_string()),
        }
    }

    pub(crate) async fn unregister(&self) -> Result<(), String> {
        match self {
            LineHandle::Registration(line) => line.unregister().await.map_err(|e| e.to_string()),
            LineHandle::Engine(line) => line.unregister().await.map_err(|e| e.to_string()),
        }
    }
}
