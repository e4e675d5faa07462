//! The softphone's calls: the call engine (`switchboard-phone`, baresip) started when the
//! first line needs it, each line registered by it, and every call's state published on a
//! `watch` channel for the window and the CLI. Calls are off until
//! [`Switchboard::enable_calls`]; without them lines still register (see `lines`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use switchboard_api::{SipProfile, SipTransport};
use switchboard_phone::{
    call_of, CallInfo, Direction, Engine, EngineConfig, EngineEvent, LineSpec, PhoneError,
    PhoneLine,
};
use switchboard_sip::{LineConfig, SystemClock};
use tokio::sync::{broadcast, watch};
use ts_rs::TS;

use crate::guarded::Guarded;
use crate::switchboard::Switchboard;

/// Where a call is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CallState {
    /// It rings here: answer or decline.
    Ringing,
    /// Dialled; the far end has not answered yet.
    Calling,
    /// The far end rings.
    RingingThere,
    /// Both sides talk (since Unix seconds).
    Connected {
        #[ts(type = "number")]
        since: i64,
    },
}

/// One call, as the window and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CallStatus {
    pub call_id: String,
    /// The signed-in account whose line the call is on.
    pub account_id: String,
    pub incoming: bool,
    /// The other side's number (`210`) and name, when it sent one.
    pub peer_number: String,
    pub peer_name: Option<String>,
    #[serde(flatten)]
    pub state: CallState,
    pub on_hold: bool,
    pub muted: bool,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct EndedCall {
    pub call_id: String,
    pub account_id: String,
    pub peer_number: String,
    /// The SIP status that ended it (486 busy, 480 unavailable, 404 no such number…).
    pub status: Option<u16>,
    pub reason: String,
}

/// The calls now, oldest first, and the last one that ended.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CallStatuses {
    pub calls: Vec<CallStatus>,
    pub last_ended: Option<EndedCall>,
    /// Counts the changes: of two copies, the one with the higher revision is newer (a
    /// command's answer can reach the window after a later change was pushed).
    #[ts(type = "number")]
    pub revision: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("Calls are not set up in this program.")]
    Off,
    #[error("That call has ended.")]
    NoSuchCall,
    #[error("{0} has no line that takes calls yet: wait until it is registered.")]
    NoLine(String),
    #[error(transparent)]
    Engine(#[from] PhoneError),
}

#[derive(Default)]
pub(crate) struct Phone {
    config: Guarded<Option<EngineConfig>>,
    engine: tokio::sync::Mutex<Option<Arc<Engine>>>,
    /// Line address of record → account id.
    lines: Guarded<HashMap<String, String>>,
    /// Call id → the call as the engine named it (the handle for its commands).
    known: Guarded<HashMap<String, CallInfo>>,
    /// The last calls that ended, so a late `remember` (a dial's answer arriving after
    /// its call already failed) does not bring one back.
    ended: Guarded<std::collections::VecDeque<String>>,
    calls: watch::Sender<CallStatuses>,
}

impl Phone {
    /// The engine's line for `profile`, when calls are on and the line can take them;
    /// `None` to register it without the engine.
    pub(crate) async fn line(
        self: &Arc<Self>,
        account_id: &str,
        profile: &SipProfile,
        config: &LineConfig,
    ) -> Option<Result<Arc<PhoneLine>, String>> {
        // The engine has no certificate store of the line's: a TLS line keeps the SIP
        // crate's registration, with its trusted roots.
        if profile.transport == SipTransport::Tls {
            return None;
        }
        let engine = match self.engine().await? {
            Ok(engine) => engine,
            Err(error) => return Some(Err(error.to_string())),
        };
        let spec = LineSpec::from_profile(profile);
        let line = PhoneLine::new(engine, spec, config.backoff, Arc::new(SystemClock))
            .map(Arc::new)
            .map_err(|error| error.to_string());
        if let Ok(line) = &line {
            if let Ok(mut lines) = self.lines.lock() {
                lines.retain(|_, account| account != account_id);
                lines.insert(line.aor().to_owned(), account_id.to_owned());
            }
        }
        Some(line)
    }

    /// The line of `account_id` is gone.
    pub(crate) fn forget(&self, account_id: &str) {
        if let Ok(mut lines) = self.lines.lock() {
            lines.retain(|_, account| account != account_id);
        }
    }

    /// The running engine, started on first use; `None` while calls are off.
    async fn engine(self: &Arc<Self>) -> Option<Result<Arc<Engine>, PhoneError>> {
        let config = self.config.lock().ok()?.clone()?;
        let mut engine = self.engine.lock().await;
        if let Some(engine) = engine.as_ref() {
            return Some(Ok(Arc::clone(engine)));
        }
        let started = match Engine::start(config).await {
            Ok(started) => Arc::new(started),
            Err(error) => {
                tracing::error!(%error, "the call engine did not start");
                return Some(Err(error));
            }
        };
        tokio::spawn(Arc::clone(self).follow(started.events()));
        *engine = Some(Arc::clone(&started));
        Some(Ok(started))
    }

    /// Stops the engine: every line it holds unregisters first (bounded wait).
    pub(crate) async fn quit(&self) {
        let engine = self.engine.lock().await.take();
        if let Some(engine) = engine {
            engine.quit().await;
        }
    }

    async fn running(&self) -> Result<Arc<Engine>, CallError> {
        self.engine.lock().await.clone().ok_or(CallError::Off)
    }

    fn known(&self, call_id: &str) -> Result<CallInfo, CallError> {
        self.known
            .lock()
            .map_err(|_| CallError::NoSuchCall)?
            .get(call_id)
            .cloned()
            .ok_or(CallError::NoSuchCall)
    }

    /// Follows the engine's events into the published calls.
    async fn follow(self: Arc<Self>, mut events: broadcast::Receiver<EngineEvent>) {
        loop {
            match events.recv().await {
                Ok(event) => self.apply(&event),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "missed call engine events");
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }

    fn apply(&self, event: &EngineEvent) {
        let Some(call) = call_of(event) else {
            return;
        };
        let Some(account_id) = self.remember(call) else {
            return;
        };
        if let EngineEvent::Closed { status, reason, .. } = event {
            if let Ok(mut known) = self.known.lock() {
                known.remove(&call.id);
            }
            if let Ok(mut ended) = self.ended.lock() {
                if ended.len() >= 32 {
                    ended.pop_front();
                }
                ended.push_back(call.id.clone());
            }
            self.calls.send_modify(|statuses| {
                statuses.revision += 1;
                statuses.calls.retain(|c| c.call_id != call.id);
                statuses.last_ended = Some(EndedCall {
                    call_id: call.id.clone(),
                    account_id,
                    peer_number: call.peer_number().to_owned(),
                    status: *status,
                    reason: reason.clone(),
                });
            });
            return;
        }
        let state = match event {
            EngineEvent::Incoming(_) => CallState::Ringing,
            EngineEvent::Ringing(_) | EngineEvent::Progress(_) => CallState::RingingThere,
            EngineEvent::Established(_) => CallState::Connected { since: unix_now() },
            _ => return,
        };
        self.mark(&call.id, |c| c.state = state);
    }

    /// Records a call of one of the lines (listed as ringing here or calling out when it
    /// is new); the account whose line it is on, `None` for another program's line.
    fn remember(&self, call: &CallInfo) -> Option<String> {
        let account_id = self.lines.lock().ok()?.get(&call.line).cloned()?;
        if self.ended.lock().ok()?.contains(&call.id) {
            return Some(account_id);
        }
        self.known
            .lock()
            .ok()?
            .insert(call.id.clone(), call.clone());
        self.calls.send_if_modified(|statuses| {
            if statuses.calls.iter().any(|c| c.call_id == call.id) {
                return false;
            }
            statuses.revision += 1;
            let incoming = call.direction == Direction::Incoming;
            statuses.calls.push(CallStatus {
                call_id: call.id.clone(),
                account_id: account_id.clone(),
                incoming,
                peer_number: call.peer_number().to_owned(),
                peer_name: call.peer_name.clone(),
                state: if incoming {
                    CallState::Ringing
                } else {
                    CallState::Calling
                },
                on_hold: false,
                muted: false,
            });
            true
        });
        Some(account_id)
    }

    fn mark(&self, call_id: &str, change: impl FnOnce(&mut CallStatus)) {
        self.calls.send_if_modified(|statuses| {
            let Some(call) = statuses.calls.iter_mut().find(|c| c.call_id == call_id) else {
                return false;
            };
            change(call);
            statuses.revision += 1;
            true
        });
    }
}

/// The call engine's settings (the app's and the CLI's): its folder in the app's data folder, the system's default
/// audio devices, and the tests' overrides (`SWITCHBOARD_AUDIO_SOURCE` and
/// `SWITCHBOARD_AUDIO_PLAYER` as baresip names devices, `SWITCHBOARD_CALL_RECORDING_DIR`
/// to record every call's audio, `SWITCHBOARD_SIP_ADDRESS` to listen on one address,
/// `SWITCHBOARD_SIP_TRACE=1` to log SIP messages).
pub fn engine_config(
    data_dir: &std::path::Path,
    env: impl Fn(&str) -> Option<String>,
) -> EngineConfig {
    let mut config = EngineConfig::new(data_dir.join("engine"));
    if let Some(source) = env("SWITCHBOARD_AUDIO_SOURCE") {
        config.audio.source = source;
    }
    if let Some(player) = env("SWITCHBOARD_AUDIO_PLAYER") {
        config.audio.player = player;
    }
    // The SIP messages in the engine's log (digests, never passwords), for tests to print.
    config.sip_trace = env("SWITCHBOARD_SIP_TRACE").is_some_and(|on| on == "1");
    config.record_dir = env("SWITCHBOARD_CALL_RECORDING_DIR").map(std::path::PathBuf::from);
    match env("SWITCHBOARD_SIP_ADDRESS").map(|address| address.parse()) {
        Some(Ok(address)) => config.sip_address = address,
        Some(Err(error)) => {
            tracing::warn!(%error, "SWITCHBOARD_SIP_ADDRESS is not an IP address; listening on every address")
        }
        None => {}
    }
    config
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Switchboard {
    /// Turns calls on: lines register through the call engine (started with the first
    /// line), so calls to them ring here.
    pub fn enable_calls(&self, config: EngineConfig) -> Result<(), crate::Poisoned> {
        *self.phone.config.lock()? = Some(config);
        Ok(())
    }

    /// The calls now.
    pub fn calls(&self) -> CallStatuses {
        self.phone.calls.borrow().clone()
    }

    /// The calls as they change.
    pub fn call_changes(&self) -> watch::Receiver<CallStatuses> {
        self.phone.calls.subscribe()
    }

    /// Calls `target` (an extension, a number, a `sip:` or `tel:` address) from the line
    /// of `account_id`.
    pub async fn dial(&self, account_id: &str, target: &str) -> Result<String, CallError> {
        let engine = self.phone.running().await?;
        let line = self
            .phone
            .lines
            .lock()
            .map_err(|_| CallError::Off)?
            .iter()
            .find(|(_, account)| *account == account_id)
            .map(|(aor, _)| aor.clone())
            .ok_or_else(|| CallError::NoLine(account_id.to_owned()))?;
        let call = engine.dial(&line, target).await?;
        self.phone.remember(&call);
        Ok(call.id)
    }

    /// Answers a call that rings here (a call already up on that line is held).
    pub async fn answer(&self, call_id: &str) -> Result<(), CallError> {
        let call = self.phone.known(call_id)?;
        self.phone.running().await?.answer(&call).await?;
        Ok(())
    }

    /// Ends a call, or declines one that rings here (the caller hears busy: 486).
    pub async fn hang_up(&self, call_id: &str) -> Result<(), CallError> {
        let call = self.phone.known(call_id)?;
        self.phone.running().await?.hang_up(&call).await?;
        Ok(())
    }

    pub async fn hold(&self, call_id: &str, on_hold: bool) -> Result<(), CallError> {
        let call = self.phone.known(call_id)?;
        self.phone.running().await?.hold(&call, on_hold).await?;
        self.phone.mark(call_id, |c| c.on_hold = on_hold);
        Ok(())
    }

    pub async fn mute(&self, call_id: &str, muted: bool) -> Result<(), CallError> {
        let call = self.phone.known(call_id)?;
        self.phone.running().await?.set_muted(&call, muted).await?;
        self.phone.mark(call_id, |c| c.muted = muted);
        Ok(())
    }

    /// Sends keys (0-9, *, #) in a call, as RFC 4733 events.
    pub async fn send_dtmf(&self, call_id: &str, keys: &str) -> Result<(), CallError> {
        let call = self.phone.known(call_id)?;
        self.phone.running().await?.send_dtmf(&call, keys).await?;
        Ok(())
    }

    /// Stops the call engine after the lines were removed (quitting the app or the CLI).
    pub async fn quit_calls(&self) {
        self.phone.quit().await;
    }
}
