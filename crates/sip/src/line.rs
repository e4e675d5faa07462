//! A line: one account registered with its registrar, kept registered by a task of its
//! own, its state published on a `watch` channel.

use std::sync::Arc;
use std::time::Duration;

use rsipstack::dialog::authenticate::Credential;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::Uri;
use switchboard_api::SipProfile;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;
use tracing::instrument::WithSubscriber;
use tracing::Dispatch;

use crate::clock::Clock;
use crate::error::SipError;
use crate::policy::{read_reply, refresh_after, Backoff, Reply};
use crate::quiet::quiet_current;
use crate::session::{Session, SessionSettings};
use crate::state::LineState;
use crate::target::Target;

/// How a line registers; the defaults suit a desktop softphone.
#[derive(Clone)]
pub struct LineConfig {
    /// The registration lifetime asked for (the registrar may grant another).
    pub expires: Duration,
    pub backoff: Backoff,
    /// How long a REGISTER waits for its final answer (RFC 3261's Timer F: 32 s).
    pub transaction_timeout: Duration,
    /// The certificate authorities trusted for TLS (PEM). Nothing else is trusted: with
    /// none, every TLS registrar is refused.
    pub trusted_roots_pem: Vec<u8>,
    pub user_agent: String,
}

impl Default for LineConfig {
    fn default() -> Self {
        Self {
            expires: Duration::from_secs(600),
            backoff: Backoff::default(),
            transaction_timeout: Duration::from_secs(32),
            trusted_roots_pem: Vec::new(),
            user_agent: format!("Switchboard/{}", env!("CARGO_PKG_VERSION")),
        }
    }
}

impl std::fmt::Debug for LineConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LineConfig")
            .field("expires", &self.expires)
            .field("backoff", &self.backoff)
            .field("transaction_timeout", &self.transaction_timeout)
            .field("trusted_roots_pem_bytes", &self.trusted_roots_pem.len())
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

enum Command {
    Register,
    ReRegister,
    Unregister(oneshot::Sender<()>),
}

/// The handle of a line. Dropping it stops its task without unregistering (the binding
/// then lapses at the registrar); call [`Line::unregister`] first on sign-out.
pub struct Line {
    aor: String,
    commands: mpsc::Sender<Command>,
    state: watch::Receiver<LineState>,
}

impl std::fmt::Debug for Line {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Line")
            .field("aor", &self.aor)
            .field("state", &*self.state.borrow())
            .finish()
    }
}

impl Line {
    /// Makes the line of `profile` (checking its URIs) and starts its task, `Unregistered`
    /// until [`Line::register`]. Must be called inside a tokio runtime.
    pub fn new(
        profile: &SipProfile,
        config: LineConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, SipError> {
        let target = Target::new(
            &profile.domain,
            &profile.registrar,
            profile.outbound_proxy.as_deref(),
            profile.transport,
        )?;
        let request_uri =
            Uri::try_from(target.request_uri.as_str()).map_err(|error| SipError::InvalidUri {
                field: "domain",
                value: target.request_uri.clone(),
                reason: error.to_string(),
            })?;
        let credential = Credential {
            username: profile.sip_user.clone(),
            password: profile.password.clone(),
            realm: None,
            auth_username: Some(profile.auth_user.clone()),
        };
        let aor = format!("{}@{}", profile.sip_user, profile.domain.trim());
        let (state_tx, state) = watch::channel(LineState::Unregistered);
        let (commands, receiver) = mpsc::channel(8);
        let dispatch = quiet_current();
        let task = Task {
            aor: aor.clone(),
            target,
            request_uri,
            credential,
            expires: seconds(config.expires),
            config,
            clock,
            dispatch: dispatch.clone(),
            state: state_tx,
            session: None,
            carried: None,
            failures: 0,
            wanted: false,
            bound: false,
        };
        tokio::spawn(task.run(receiver).with_subscriber(dispatch));
        Ok(Self {
            aor,
            commands,
            state,
        })
    }

    /// The address of record, `sip_user@domain`.
    pub fn aor(&self) -> &str {
        &self.aor
    }

    /// The line's state now and as it changes.
    pub fn state(&self) -> watch::Receiver<LineState> {
        self.state.clone()
    }

    /// Registers now and keeps the line registered (refreshes, retries with backoff).
    pub async fn register(&self) -> Result<(), SipError> {
        self.send(Command::Register).await
    }

    /// After a network change or a wake from sleep: a new endpoint on the current
    /// addresses, and a REGISTER now (when the line is meant to be registered).
    pub async fn re_register(&self) -> Result<(), SipError> {
        self.send(Command::ReRegister).await
    }

    /// Removes the contact (REGISTER with `Expires: 0`) and stops refreshing; returns once
    /// the registrar answered or the transaction timed out.
    pub async fn unregister(&self) -> Result<(), SipError> {
        let (reply, done) = oneshot::channel();
        self.send(Command::Unregister(reply)).await?;
        done.await.map_err(|_| SipError::Stopped)
    }

    /// Waits until the state satisfies `done` (or the task stops), returning that state.
    pub async fn wait_for(
        &self,
        mut done: impl FnMut(&LineState) -> bool,
    ) -> Result<LineState, SipError> {
        let mut state = self.state.clone();
        let reached = state
            .wait_for(|current| done(current))
            .await
            .map_err(|_| SipError::Stopped)?;
        Ok(reached.clone())
    }

    async fn send(&self, command: Command) -> Result<(), SipError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| SipError::Stopped)
    }
}

struct Task {
    aor: String,
    target: Target,
    request_uri: Uri,
    credential: Credential,
    /// The lifetime asked for: the configured one, raised by a 423's Min-Expires.
    expires: u32,
    config: LineConfig,
    clock: Arc<dyn Clock>,
    dispatch: Dispatch,
    state: watch::Sender<LineState>,
    session: Option<Session>,
    carried: Option<(rsipstack::sip::headers::CallId, u32)>,
    failures: u32,
    /// `register` was asked for and `unregister` not since.
    wanted: bool,
    /// The registrar may hold a binding of ours (a REGISTER was sent since the last
    /// unregister).
    bound: bool,
}

/// One REGISTER's outcome, after 423s were answered.
enum Outcome {
    Registered { granted: Duration },
    WrongCredentials { status: u16 },
    Unreachable { reason: String },
    Refused { status: u16 },
}

impl Task {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let mut next: Option<Instant> = None;
        loop {
            let wake = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                command = commands.recv() => match command {
                    None => break,
                    Some(Command::Register) => {
                        self.wanted = true;
                        next = self.attempt().await;
                    }
                    Some(Command::ReRegister) => {
                        self.close_session();
                        if self.wanted {
                            next = self.attempt().await;
                        }
                    }
                    Some(Command::Unregister(done)) => {
                        self.wanted = false;
                        next = None;
                        self.unregister().await;
                        let _ = done.send(());
                    }
                },
                () = wake => {
                    next = if self.wanted { self.attempt().await } else { None };
                }
            }
        }
        self.close_session();
    }

    /// Sends a REGISTER, publishes the state; returns when to try or refresh next.
    async fn attempt(&mut self) -> Option<Instant> {
        if !self.state.borrow().is_registered() {
            self.publish(LineState::Registering);
        }
        let outcome = self.register_once().await;
        let now = self.clock.now();
        match outcome {
            Outcome::Registered { granted } => {
                self.failures = 0;
                tracing::info!(aor = %self.aor, granted_s = granted.as_secs(), "registered");
                self.publish(LineState::Registered {
                    until: now + granted,
                });
                Some(Instant::now() + refresh_after(granted))
            }
            Outcome::WrongCredentials { status } => {
                self.failures = 0;
                tracing::warn!(aor = %self.aor, status, "the registrar refused the credentials");
                self.publish(LineState::WrongCredentials { status });
                None
            }
            Outcome::Unreachable { reason } => {
                let wait = self.failed();
                tracing::warn!(aor = %self.aor, %reason, retry_in_ms = wait.as_millis() as u64, "registrar unreachable");
                self.publish(LineState::Unreachable {
                    next_try_at: now + wait,
                    reason,
                });
                Some(Instant::now() + wait)
            }
            Outcome::Refused { status } => {
                let wait = self.failed();
                tracing::warn!(aor = %self.aor, status, retry_in_ms = wait.as_millis() as u64, "registration refused");
                self.publish(LineState::Refused {
                    status,
                    next_try_at: now + wait,
                });
                Some(Instant::now() + wait)
            }
        }
    }

    /// Counts a failure, drops the session (a new one reconnects); returns the wait.
    fn failed(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        self.close_session();
        self.config.backoff.delay(self.failures)
    }

    async fn register_once(&mut self) -> Outcome {
        // A 423 is answered once with its Min-Expires; a second would be a loop.
        for _ in 0..2 {
            let expires = self.expires;
            let response = match self.send_register(expires).await {
                Ok(response) => response,
                Err(error) => {
                    return Outcome::Unreachable {
                        reason: error.to_string(),
                    }
                }
            };
            let status = response.status_code.code();
            let min_expires = response
                .min_expires_header()
                .and_then(|header| header.value().trim().parse::<u32>().ok());
            match read_reply(status, min_expires, expires) {
                Reply::Registered => {
                    let granted = self
                        .session
                        .as_ref()
                        .map(|session| session.registration.expires())
                        .unwrap_or(expires);
                    return Outcome::Registered {
                        granted: Duration::from_secs(u64::from(granted)),
                    };
                }
                Reply::WrongCredentials => return Outcome::WrongCredentials { status },
                Reply::RetryWithExpires(minimum) => {
                    tracing::info!(aor = %self.aor, asked = expires, minimum, "423 Interval Too Brief: asking for the registrar's minimum");
                    self.expires = minimum;
                }
                Reply::ServerTrouble => {
                    return Outcome::Unreachable {
                        reason: format!("{status} {}", response.status_code),
                    }
                }
                Reply::Refused => return Outcome::Refused { status },
            }
        }
        Outcome::Refused { status: 423 }
    }

    /// One REGISTER transaction (with its digest answer) on the current session.
    async fn send_register(&mut self, expires: u32) -> Result<rsipstack::sip::Response, SipError> {
        let limit = self.config.transaction_timeout + Duration::from_secs(1);
        let uri = self.request_uri.clone();
        self.bound = true;
        let session = self.session().await?;
        let sent = tokio::time::timeout(limit, session.registration.register(uri, Some(expires)));
        match sent.await {
            Ok(result) => Ok(result?),
            Err(_) => Err(SipError::Timeout {
                seconds: limit.as_secs(),
            }),
        }
    }

    async fn unregister(&mut self) {
        if self.bound {
            match self.send_register(0).await {
                Ok(response) => {
                    tracing::info!(aor = %self.aor, status = response.status_code.code(), "unregistered")
                }
                Err(error) => {
                    tracing::warn!(aor = %self.aor, %error, "the unregister REGISTER got no answer")
                }
            }
            self.bound = false;
        }
        self.close_session();
        self.failures = 0;
        self.publish(LineState::Unregistered);
    }

    async fn session(&mut self) -> Result<&mut Session, SipError> {
        if self.session.is_none() {
            let settings = SessionSettings {
                target: &self.target,
                credential: &self.credential,
                trusted_roots_pem: &self.config.trusted_roots_pem,
                transaction_timeout: self.config.transaction_timeout,
                user_agent: &self.config.user_agent,
                dispatch: &self.dispatch,
            };
            let session = Session::open(settings, self.carried.take()).await?;
            self.session = Some(session);
        }
        self.session.as_mut().ok_or(SipError::Stopped)
    }

    fn close_session(&mut self) {
        if let Some(session) = self.session.take() {
            self.carried = Some(session.carried());
        }
    }

    fn publish(&self, state: LineState) {
        self.state.send_replace(state);
    }
}

fn seconds(duration: Duration) -> u32 {
    u32::try_from(duration.as_secs()).unwrap_or(u32::MAX)
}
