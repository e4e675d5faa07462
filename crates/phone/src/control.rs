//! The connection to baresip's `ctrl_tcp` interface: commands answered by token, events
//! published on a broadcast channel. A command's parameters (a line's password among them)
//! are never logged: only its name is.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;

use crate::error::PhoneError;
use crate::event::{parse, EngineEvent, Message};
use crate::netstring;

type Pending = Arc<Mutex<HashMap<String, oneshot::Sender<(bool, String)>>>>;

pub(crate) struct Control {
    writer: tokio::sync::Mutex<OwnedWriteHalf>,
    pending: Pending,
    next_token: AtomicU64,
    reader: JoinHandle<()>,
    timeout: Duration,
}

impl Control {
    pub(crate) async fn connect(
        stream: TcpStream,
        events: broadcast::Sender<EngineEvent>,
        timeout: Duration,
    ) -> Self {
        let (mut read, writer) = stream.into_split();
        let pending: Pending = Arc::default();
        let answers = pending.clone();
        let reader = tokio::spawn(async move {
            let mut buffer = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                match read.read(&mut chunk).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                }
                loop {
                    match netstring::decode(&mut buffer) {
                        Ok(Some(frame)) => dispatch(&frame, &answers, &events),
                        Ok(None) => break,
                        Err(error) => {
                            tracing::warn!(%error, "the call engine's control stream is broken");
                            return;
                        }
                    }
                }
            }
            // Every command still waiting learns that the engine is gone.
            if let Ok(mut pending) = answers.lock() {
                pending.clear();
            }
        });
        Self {
            writer: tokio::sync::Mutex::new(writer),
            pending,
            next_token: AtomicU64::new(1),
            reader,
            timeout,
        }
    }

    /// Runs one command; its output, or why it was refused.
    pub(crate) async fn command(&self, command: &str, params: &str) -> Result<String, PhoneError> {
        let token = self.next_token.fetch_add(1, Ordering::Relaxed).to_string();
        let (answer, answered) = oneshot::channel();
        self.pending
            .lock()
            .map_err(|_| PhoneError::Stopped)?
            .insert(token.clone(), answer);
        let message = serde_json::json!({
            "command": command,
            "params": params,
            "token": token,
        });
        let frame = netstring::encode(message.to_string().as_bytes());
        {
            let mut writer = self.writer.lock().await;
            writer
                .write_all(&frame)
                .await
                .map_err(PhoneError::Connection)?;
        }
        tracing::debug!(command, "call engine command");
        let result = tokio::time::timeout(self.timeout, answered).await;
        if let Ok(mut pending) = self.pending.lock() {
            pending.remove(&token);
        }
        match result {
            Err(_) => Err(PhoneError::Timeout {
                command: command.into(),
                seconds: self.timeout.as_secs(),
            }),
            Ok(Err(_)) => Err(PhoneError::Stopped),
            Ok(Ok((true, data))) => Ok(data),
            Ok(Ok((false, data))) => Err(PhoneError::Refused {
                command: command.into(),
                answer: data.trim().to_string(),
            }),
        }
    }
}

impl Drop for Control {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn dispatch(frame: &[u8], pending: &Pending, events: &broadcast::Sender<EngineEvent>) {
    match parse(frame) {
        Ok(Message::Event(event)) => {
            let _ = events.send(event);
        }
        Ok(Message::Response { token, ok, data }) => {
            let waiting = token.and_then(|token| pending.lock().ok()?.remove(&token));
            if let Some(waiting) = waiting {
                let _ = waiting.send((ok, data));
            }
        }
        Err(error) => {
            tracing::warn!(%error, "the call engine sent a message that is not understood")
        }
    }
}
