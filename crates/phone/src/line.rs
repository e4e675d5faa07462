//! A line on the engine: one account registered by the engine's own SIP socket (so the
//! registrar routes its calls there), with the project's retry policy and line states:
//! the engine's own retries are stopped on a failure (the line is taken out) and the line
//! is added again after [`Backoff`]; refused credentials are not retried.

use std::sync::Arc;
use std::time::Duration;

use switchboard_sip::{read_reply, Backoff, Clock, LineState, Reply};
use tokio::sync::{broadcast, mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::config::LineSpec;
use crate::engine::Engine;
use crate::error::PhoneError;
use crate::event::EngineEvent;

enum Command {
    Register,
    ReRegister,
    Unregister(oneshot::Sender<()>),
}

/// The handle of a line. Dropping it stops its task; call [`PhoneLine::unregister`]
/// first on sign-out.
pub struct PhoneLine {
    aor: String,
    commands: mpsc::Sender<Command>,
    state: watch::Receiver<LineState>,
}

impl std::fmt::Debug for PhoneLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PhoneLine")
            .field("aor", &self.aor)
            .field("state", &*self.state.borrow())
            .finish()
    }
}

impl PhoneLine {
    /// The line of `spec` on `engine`, `Unregistered` until [`PhoneLine::register`]. Must
    /// be called inside a tokio runtime.
    pub fn new(
        engine: Arc<Engine>,
        mut spec: LineSpec,
        backoff: Backoff,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, PhoneError> {
        if spec.register_every.is_none() {
            spec.register_every = Some(Duration::from_secs(600));
        }
        // Refused here, not later in the task.
        spec.account()?;
        let aor = spec.aor();
        let (state_tx, state) = watch::channel(LineState::Unregistered);
        let (commands, receiver) = mpsc::channel(8);
        let task = Task {
            events: engine.events(),
            engine,
            spec,
            backoff,
            clock,
            state: state_tx,
            failures: 0,
            added: false,
        };
        tokio::spawn(task.run(receiver));
        Ok(Self {
            aor,
            commands,
            state,
        })
    }

    /// The address of record, `sip:user@domain`.
    pub fn aor(&self) -> &str {
        &self.aor
    }

    pub fn state(&self) -> watch::Receiver<LineState> {
        self.state.clone()
    }

    /// Registers now and keeps the line registered.
    pub async fn register(&self) -> Result<(), PhoneError> {
        self.send(Command::Register).await
    }

    /// After a network change or a wake: the line registers again from scratch.
    pub async fn re_register(&self) -> Result<(), PhoneError> {
        self.send(Command::ReRegister).await
    }

    /// Takes the line out of the engine: its contact is removed (`Expires: 0`, sent by
    /// the engine, which outlives this call) and its calls end.
    pub async fn unregister(&self) -> Result<(), PhoneError> {
        let (reply, done) = oneshot::channel();
        self.send(Command::Unregister(reply)).await?;
        done.await.map_err(|_| PhoneError::Stopped)
    }

    async fn send(&self, command: Command) -> Result<(), PhoneError> {
        self.commands
            .send(command)
            .await
            .map_err(|_| PhoneError::Stopped)
    }
}

struct Task {
    engine: Arc<Engine>,
    events: broadcast::Receiver<EngineEvent>,
    spec: LineSpec,
    backoff: Backoff,
    clock: Arc<dyn Clock>,
    state: watch::Sender<LineState>,
    failures: u32,
    /// The engine holds the line.
    added: bool,
}

impl Task {
    async fn run(mut self, mut commands: mpsc::Receiver<Command>) {
        let aor = self.spec.aor();
        let mut retry: Option<Instant> = None;
        loop {
            let wake = async {
                match retry {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                command = commands.recv() => match command {
                    None => break,
                    Some(Command::Register) => {
                        if !self.added {
                            retry = None;
                            self.add().await;
                        }
                    }
                    Some(Command::ReRegister) => {
                        self.take_out().await;
                        retry = None;
                        self.add().await;
                    }
                    Some(Command::Unregister(done)) => {
                        retry = None;
                        self.take_out().await;
                        self.failures = 0;
                        self.state.send_replace(LineState::Unregistered);
                        let _ = done.send(());
                    }
                },
                () = wake => {
                    retry = None;
                    self.add().await;
                }
                event = self.events.recv() => match event {
                    Ok(EngineEvent::Registered { line }) if line == aor && self.added => {
                        self.failures = 0;
                        let every = self.spec.register_every.unwrap_or_default();
                        tracing::info!(aor = %aor, "registered");
                        self.state.send_replace(LineState::Registered {
                            until: self.clock.now() + every,
                        });
                    }
                    Ok(EngineEvent::RegisterFailed { line, status, reason }) if line == aor && self.added => {
                        retry = self.failed(status, reason).await;
                    }
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => break,
                },
            }
        }
        self.take_out().await;
    }

    async fn add(&mut self) {
        if !self.state.borrow().is_registered() {
            self.state.send_replace(LineState::Registering);
        }
        match self.engine.add_line(&self.spec).await {
            Ok(_) => self.added = true,
            Err(error) => {
                tracing::warn!(aor = %self.spec.aor(), %error, "the call engine did not take the line");
                let wait = self.next_wait();
                self.state.send_replace(LineState::Unreachable {
                    next_try_at: self.clock.now() + wait,
                    reason: error.to_string(),
                });
            }
        }
    }

    /// A failed registration: the engine's own retries stop (the line is taken out); when
    /// to add it again, unless the credentials were refused.
    async fn failed(&mut self, status: Option<u16>, reason: String) -> Option<Instant> {
        self.take_out().await;
        let aor = self.spec.aor();
        let reply = status.map(|status| read_reply(status, None, 0));
        if reply == Some(Reply::WrongCredentials) {
            let status = status.unwrap_or(401);
            self.failures = 0;
            tracing::warn!(aor = %aor, status, "the registrar refused the credentials");
            self.state
                .send_replace(LineState::WrongCredentials { status });
            return None;
        }
        let wait = self.next_wait();
        let next_try_at = self.clock.now() + wait;
        match (status, reply) {
            (Some(status), Some(Reply::Refused)) => {
                tracing::warn!(aor = %aor, status, retry_in_ms = wait.as_millis() as u64, "registration refused");
                self.state.send_replace(LineState::Refused {
                    status,
                    next_try_at,
                });
            }
            _ => {
                tracing::warn!(aor = %aor, %reason, retry_in_ms = wait.as_millis() as u64, "registrar unreachable");
                self.state.send_replace(LineState::Unreachable {
                    next_try_at,
                    reason,
                });
            }
        }
        Some(Instant::now() + wait)
    }

    fn next_wait(&mut self) -> Duration {
        self.failures = self.failures.saturating_add(1);
        self.backoff.delay(self.failures)
    }

    async fn take_out(&mut self) {
        if self.added {
            self.added = false;
            if let Err(error) = self.engine.remove_line(&self.spec.aor()).await {
                tracing::warn!(aor = %self.spec.aor(), %error, "cannot take the line out of the call engine");
            }
        }
    }
}
