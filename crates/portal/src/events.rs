//! The apps' event stream. Every instance reads new `session_events` rows a few times a
//! second (whichever instance or admin command wrote them) and passes each to the apps
//! connected to it; an app's stream (`GET /v1/events`) forwards the events of its own
//! session and its account's, and checks now and then that its session is still live, so
//! an event missed for any reason still ends the stream with the session's reason.

use std::collections::HashMap;
use std::convert::Infallible;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::Stream;
use switchboard_api::{PortalEvent, SessionEndReason, HEARTBEAT_SECONDS};
use tokio::sync::{broadcast, mpsc};

use crate::signin::sessions::AuthenticatedSession;
use crate::store::{SessionEventRow, SessionStanding, Store};

/// How often an instance reads new events.
pub const EVENT_POLL: Duration = Duration::from_millis(200);
/// How far back (by the ids' wall-clock time) each read looks again, for rows whose
/// transaction committed after a later one's.
const LOOK_BACK_NANOS: u128 = 5_000_000_000;

/// The events this instance has read, for the streams connected to it.
#[derive(Clone)]
pub struct EventHub {
    sender: broadcast::Sender<SessionEventRow>,
}

impl Default for EventHub {
    fn default() -> Self {
        Self::new()
    }
}

impl EventHub {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(1024);
        Self { sender }
    }

    fn subscribe(&self) -> broadcast::Receiver<SessionEventRow> {
        self.sender.subscribe()
    }
}

fn wall_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default()
}

fn id_floor(nanos: u128) -> String {
    format!("{:024}", nanos.saturating_sub(LOOK_BACK_NANOS))
}

/// Reads new events for as long as the portal serves and hands each to the hub once.
pub async fn follow(store: Store, hub: EventHub) {
    let mut seen: HashMap<String, u128> = HashMap::new();
    let mut ticks = tokio::time::interval(EVENT_POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now = wall_nanos();
        let rows = match store.session_events_from(&id_floor(now)).await {
            Ok(rows) => rows,
            Err(error) => {
                tracing::warn!(%error, "reading the session events failed; trying again shortly");
                continue;
            }
        };
        for row in rows {
            if seen.insert(row.id.clone(), now).is_none() {
                // Nobody listening is fine.
                let _ = hub.sender.send(row);
            }
        }
        seen.retain(|_, read_at| now.saturating_sub(*read_at) < 2 * LOOK_BACK_NANOS);
    }
}

/// The event an app is sent for a stored row of its account, if it concerns its session.
fn event_for(row: &SessionEventRow, session: &AuthenticatedSession) -> Option<PortalEvent> {
    if row.account_id != session.account_id {
        return None;
    }
    if let Some(session_id) = &row.session_id {
        if session_id != &session.session_id {
            return None;
        }
    }
    match row.kind.as_str() {
        "session_ended" => Some(PortalEvent::SessionEnded {
            reason: SessionEndReason::from_stored(row.reason.as_deref().unwrap_or_default()),
        }),
        "sip_profile_changed" => Some(PortalEvent::SipProfileChanged),
        "policy_changed" => Some(PortalEvent::PolicyChanged),
        _ => None,
    }
}

fn sse(event: &PortalEvent) -> Event {
    Event::default()
        .event(event.name())
        .json_data(event)
        .unwrap_or_else(|_| Event::default().event(event.name()))
}

/// The stream of one app's session: `ready`, then its events, with heartbeats. It ends
/// after `session_ended`, or when the app goes away.
pub fn stream(
    store: Store,
    hub: &EventHub,
    session: AuthenticatedSession,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let mut events = hub.subscribe();
    let (sender, receiver) = mpsc::channel::<PortalEvent>(16);
    tokio::spawn(async move {
        if sender.send(PortalEvent::Ready).await.is_err() {
            return;
        }
        let mut checks = tokio::time::interval(Duration::from_secs(HEARTBEAT_SECONDS));
        checks.tick().await;
        loop {
            let event = tokio::select! {
                () = sender.closed() => return,
                received = events.recv() => match received {
                    Ok(row) => event_for(&row, &session),
                    // Fell behind: what matters is read again below.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        match ended(&store, &session).await {
                            Some(event) => Some(event),
                            None => Some(PortalEvent::SipProfileChanged),
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                _ = checks.tick() => ended(&store, &session).await,
            };
            let Some(event) = event else { continue };
            let last = matches!(event, PortalEvent::SessionEnded { .. });
            if sender.send(event).await.is_err() || last {
                return;
            }
        }
    });
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        let event = receiver.recv().await?;
        Some((Ok(sse(&event)), receiver))
    });
    Sse::new(stream).keep_alive(
        KeepAlive::new()
            .interval(Duration::from_secs(HEARTBEAT_SECONDS))
            .text("heartbeat"),
    )
}

/// `session_ended` when the session is no longer live.
async fn ended(store: &Store, session: &AuthenticatedSession) -> Option<PortalEvent> {
    match store.session_standing(&session.session_id).await {
        Ok(SessionStanding::Live) => None,
        Ok(SessionStanding::Ended(reason)) => Some(PortalEvent::SessionEnded {
            reason: SessionEndReason::from_stored(reason.as_deref().unwrap_or_default()),
        }),
        Ok(SessionStanding::Unknown) => Some(PortalEvent::SessionEnded {
            reason: SessionEndReason::Other,
        }),
        Err(error) => {
            tracing::warn!(%error, "cannot check a session for its event stream");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> AuthenticatedSession {
        AuthenticatedSession {
            session_id: "ses-1".into(),
            account_id: "acct-alice".into(),
            identity: None,
        }
    }

    fn row(
        account: &str,
        session: Option<&str>,
        kind: &str,
        reason: Option<&str>,
    ) -> SessionEventRow {
        SessionEventRow {
            id: "1".into(),
            account_id: account.into(),
            session_id: session.map(str::to_owned),
            kind: kind.into(),
            reason: reason.map(str::to_owned),
        }
    }

    #[test]
    fn an_app_hears_only_its_own_session_and_its_accounts_events() {
        let me = session();
        assert_eq!(
            event_for(
                &row(
                    "acct-alice",
                    Some("ses-1"),
                    "session_ended",
                    Some("signed_out_by_admin")
                ),
                &me
            ),
            Some(PortalEvent::SessionEnded {
                reason: SessionEndReason::SignedOutByAdmin
            })
        );
        assert_eq!(
            event_for(
                &row(
                    "acct-alice",
                    Some("ses-2"),
                    "session_ended",
                    Some("signed_out_by_admin")
                ),
                &me
            ),
            None
        );
        assert_eq!(
            event_for(&row("acct-maria", None, "sip_profile_changed", None), &me),
            None
        );
        assert_eq!(
            event_for(&row("acct-alice", None, "sip_profile_changed", None), &me),
            Some(PortalEvent::SipProfileChanged)
        );
    }

    #[test]
    fn the_floor_looks_back_five_seconds_by_id() {
        assert_eq!(
            id_floor(10_000_000_000),
            format!("{:024}", 5_000_000_000_u128)
        );
        assert!(id_floor(10_000_000_000) < format!("{:024}-0000", 6_000_000_000_u128));
    }
}
