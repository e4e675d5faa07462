//! Following the portal's event stream of every account signed in here: one stream per
//! account's session, opened with its access token, kept open with heartbeats, opened
//! again after a drop (waits growing with jitter). When the portal says a session ended,
//! its line is unregistered, its keychain entries wiped and the account forgotten here,
//! and the app is told why; when its SIP profile changed, the profile is fetched again
//! and the line follows. While a stream is down, the refresh schedule still finds out.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use switchboard_api::{AccountSummary, PortalEvent, SessionEndReason, HEARTBEAT_SECONDS};
use tokio::sync::broadcast;
use tokio::task::JoinHandle;
use url::Url;

use crate::error::ClientError;
use crate::portal::{PortalClient, PortalClientError};
use crate::switchboard::Switchboard;

/// How often the set of followed accounts is matched to the accounts signed in here.
const MATCH_ACCOUNTS_EVERY: Duration = Duration::from_secs(1);
/// Silence after which a stream is taken for dead (three missed heartbeats).
const SILENCE_LIMIT: Duration = Duration::from_secs(3 * HEARTBEAT_SECONDS);

/// What following the portal brought, for the window and `switchboard-cli watch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortalNotice {
    /// The account's stream is open.
    Following { account: AccountSummary },
    /// The portal ended the account's session here: it is signed out on this computer.
    SignedOut {
        account: AccountSummary,
        reason: SessionEndReason,
    },
    /// The account's SIP profile changed and was fetched again.
    ProfileChanged { account: AccountSummary },
    /// The account's organization changed its sign-in policy.
    PolicyChanged { account: AccountSummary },
    /// The stream dropped; opened again after `retry_in` (the refresh schedule goes on).
    StreamDown {
        account: AccountSummary,
        retry_in: Duration,
    },
}

impl PortalNotice {
    /// What a person is told.
    pub fn sentence(&self) -> String {
        match self {
            Self::Following { account } => {
                format!(
                    "Following {} for sign-outs and changes.",
                    account.display_name
                )
            }
            Self::SignedOut { account, reason } => reason.sentence(&account.display_name),
            Self::ProfileChanged { account } => format!(
                "The phone settings of {} changed; the line uses them now.",
                account.display_name
            ),
            Self::PolicyChanged { account } => format!(
                "The organization of {} changed its sign-in rules; they apply from the next sign-in.",
                account.display_name
            ),
            Self::StreamDown { account, retry_in } => format!(
                "Lost the portal's updates for {}; trying again in {} s.",
                account.display_name,
                retry_in.as_secs().max(1)
            ),
        }
    }
}

/// The streams being followed and where their notices go.
pub(crate) struct PortalEvents {
    notices: broadcast::Sender<PortalNotice>,
    /// Wakes the supervisor at once (an account was signed in here).
    accounts_changed: tokio::sync::Notify,
    followers: Mutex<HashMap<String, JoinHandle<()>>>,
    /// Accounts being signed out here on purpose: not followed meanwhile, even though they
    /// are still stored until the sign-out ends (their stream's "signed out" is this one).
    leaving: Mutex<HashSet<String>>,
    supervisor: Mutex<Option<JoinHandle<()>>>,
}

impl Default for PortalEvents {
    fn default() -> Self {
        let (notices, _) = broadcast::channel(64);
        Self {
            notices,
            accounts_changed: tokio::sync::Notify::new(),
            followers: Mutex::default(),
            leaving: Mutex::default(),
            supervisor: Mutex::default(),
        }
    }
}

impl PortalEvents {
    /// An account was signed in here: its stream is opened now, not at the next round.
    pub(crate) fn account_signed_in(&self) {
        self.accounts_changed.notify_one();
    }

    /// Stops following the account (it is being signed out here on purpose).
    pub(crate) fn stop_following(&self, account_id: &str) {
        let handle = self
            .followers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(account_id);
        if let Some(handle) = handle {
            handle.abort();
        }
    }

    /// The account is being signed out here: its stream is no longer followed, and no
    /// follower starts for it until the returned guard is dropped (the sign-out ended).
    pub(crate) fn leave(&self, account_id: &str) -> Leaving<'_> {
        self.leaving
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(account_id.to_owned());
        self.stop_following(account_id);
        Leaving {
            events: self,
            account_id: account_id.to_owned(),
        }
    }

    fn is_leaving(&self, account_id: &str) -> bool {
        self.leaving
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(account_id)
    }

    /// The follower of the account lets go of its own handle (it ends by itself).
    fn release(&self, account_id: &str) {
        self.followers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(account_id);
    }

    fn publish(&self, notice: PortalNotice) {
        // Nobody listening is fine.
        let _ = self.notices.send(notice);
    }
}

/// An account being signed out here (see [`PortalEvents::leave`]).
pub(crate) struct Leaving<'a> {
    events: &'a PortalEvents,
    account_id: String,
}

impl Drop for Leaving<'_> {
    fn drop(&mut self) {
        self.events
            .leaving
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&self.account_id);
    }
}

impl Drop for PortalEvents {
    fn drop(&mut self) {
        if let Some(handle) = self
            .supervisor
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            handle.abort();
        }
        for (_, handle) in self
            .followers
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .drain()
        {
            handle.abort();
        }
    }
}

/// One event stream being read.
pub struct EventReader {
    response: reqwest::Response,
    buffer: String,
    url: Url,
}

/// What a stream said next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    Event(PortalEvent),
    Heartbeat,
}

impl EventReader {
    pub(crate) fn new(response: reqwest::Response, url: Url) -> Self {
        Self {
            response,
            buffer: String::new(),
            url,
        }
    }

    /// The next event or heartbeat; `None` when the portal closed the stream.
    pub async fn next(&mut self) -> Result<Option<Heard>, PortalClientError> {
        loop {
            if let Some(heard) = self.take_block() {
                return Ok(Some(heard));
            }
            let chunk =
                self.response
                    .chunk()
                    .await
                    .map_err(|_| PortalClientError::Unreachable {
                        url: self.url.clone(),
                    })?;
            match chunk {
                Some(bytes) => self.buffer.push_str(&String::from_utf8_lossy(&bytes)),
                None => return Ok(None),
            }
        }
    }

    /// One complete block from the buffer (SSE blocks end with a blank line).
    fn take_block(&mut self) -> Option<Heard> {
        loop {
            let end = self.buffer.find("\n\n")?;
            let block: String = self.buffer.drain(..end + 2).collect();
            let data: String = block
                .lines()
                .filter_map(|line| line.strip_prefix("data:"))
                .map(str::trim)
                .collect();
            if data.is_empty() {
                if block.lines().any(|line| line.starts_with(':')) {
                    return Some(Heard::Heartbeat);
                }
                continue;
            }
            match serde_json::from_str(&data) {
                Ok(event) => return Some(Heard::Event(event)),
                // An event a later portal sends: heard, not understood.
                Err(_) => return Some(Heard::Heartbeat),
            }
        }
    }
}

/// The wait before opening a stream again after `failures` failures in a row: 1 s
/// doubling to 30 s, each spread by `jitter` (0..1) over ±25 %, so apps that lost the
/// portal together do not come back together.
pub fn reconnect_delay(failures: u32, jitter: f64) -> Duration {
    let base = 2_f64
        .powi(i32::try_from(failures.min(5)).unwrap_or(5))
        .min(30.0);
    let spread = 0.75 + 0.5 * jitter.clamp(0.0, 1.0);
    Duration::from_secs_f64(base * spread)
}

impl Switchboard {
    /// What following the portal brings, from now on.
    pub fn portal_notices(&self) -> broadcast::Receiver<PortalNotice> {
        self.portal_events.notices.subscribe()
    }

    /// Follows the event stream of every account signed in here (and of those signed in
    /// later) until the core is dropped. Calling it again does nothing.
    pub fn follow_portal(self: &Arc<Self>) {
        let mut supervisor = self
            .portal_events
            .supervisor
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if supervisor.is_some() {
            return;
        }
        let core = Arc::downgrade(self);
        *supervisor = Some(tokio::spawn(async move {
            loop {
                let Some(this) = core.upgrade() else { return };
                this.match_followers();
                let woken = async { this.portal_events.accounts_changed.notified().await };
                let _ = tokio::time::timeout(MATCH_ACCOUNTS_EVERY, woken).await;
            }
        }));
    }

    /// A follower for each account signed in here, none for the others.
    fn match_followers(self: &Arc<Self>) {
        let Ok(accounts) = self.signed_in_accounts() else {
            return;
        };
        // An account being signed out is still stored until that ends: not followed.
        let accounts: Vec<AccountSummary> = accounts
            .into_iter()
            .filter(|account| !self.portal_events.is_leaving(&account.account_id))
            .collect();
        let mut followers = self
            .portal_events
            .followers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        followers.retain(|account_id, handle| {
            let keep =
                accounts.iter().any(|a| &a.account_id == account_id) && !handle.is_finished();
            if !keep {
                handle.abort();
            }
            keep
        });
        for account in accounts {
            if followers.contains_key(&account.account_id) {
                continue;
            }
            let core = Arc::downgrade(self);
            let id = account.account_id.clone();
            followers.insert(
                id,
                tokio::spawn(async move { follow_account(core, account).await }),
            );
        }
    }

    /// The portal ended the account's session: line unregistered, keychain wiped, account
    /// forgotten here, the app told why.
    async fn signed_out_by_portal(&self, account: AccountSummary, reason: SessionEndReason) {
        self.portal_events.release(&account.account_id);
        if let Err(error) = self.forget_locally(&account.account_id).await {
            tracing::warn!(%error, "cannot forget a signed-out account here");
        }
        tracing::info!(account = %account.account_id, ?reason, "the portal ended this computer's session");
        self.portal_events
            .publish(PortalNotice::SignedOut { account, reason });
    }

    fn is_signed_in_here(&self, account_id: &str) -> bool {
        self.signed_in_accounts()
            .map(|accounts| accounts.iter().any(|a| a.account_id == account_id))
            .unwrap_or(false)
    }
}

/// Follows one account's stream until its session ends or it is signed out here.
async fn follow_account(core: std::sync::Weak<Switchboard>, account: AccountSummary) {
    let account_id = account.account_id.clone();
    let mut failures = 0_u32;
    loop {
        let Some(this) = core.upgrade() else { return };
        if !this.is_signed_in_here(&account_id) {
            return;
        }
        match read_stream(&this, &account).await {
            Ok(Ended::Session(reason)) => {
                this.signed_out_by_portal(account, reason).await;
                return;
            }
            Ok(Ended::Dropped) => failures = 0,
            Err(ClientError::SignedOut) => {
                // The refresh was refused while the stream was down: the session ended.
                this.portal_events.release(&account_id);
                this.portal_events.publish(PortalNotice::SignedOut {
                    account,
                    reason: SessionEndReason::Other,
                });
                return;
            }
            Err(error) => {
                tracing::debug!(account = %account_id, %error, "the portal's event stream is down");
                failures = failures.saturating_add(1);
            }
        }
        let retry_in = reconnect_delay(failures, rand::random::<f64>());
        this.portal_events.publish(PortalNotice::StreamDown {
            account: account.clone(),
            retry_in,
        });
        drop(this);
        tokio::time::sleep(retry_in).await;
    }
}

enum Ended {
    /// The session ended, for this reason.
    Session(SessionEndReason),
    /// The stream dropped or fell silent.
    Dropped,
}

/// Opens the account's stream and reads it until it ends.
async fn read_stream(this: &Switchboard, account: &AccountSummary) -> Result<Ended, ClientError> {
    let account_id = &account.account_id;
    let access = this.access_token(account_id).await?;
    let mut reader = match this.portal.events(access.expose()).await {
        Ok(reader) => reader,
        Err(error) if PortalClient::is_token_rejection(&error) => {
            // The access token died early: the next round refreshes (or learns the end).
            this.drop_access_token(account_id).await;
            let access = this.access_token(account_id).await?;
            this.portal.events(access.expose()).await?
        }
        Err(error) => return Err(error.into()),
    };
    loop {
        let heard = match tokio::time::timeout(SILENCE_LIMIT, reader.next()).await {
            Ok(Ok(Some(heard))) => heard,
            Ok(Ok(None)) | Ok(Err(_)) | Err(_) => return Ok(Ended::Dropped),
        };
        match heard {
            Heard::Heartbeat => {}
            Heard::Event(PortalEvent::Ready) => {
                this.portal_events.publish(PortalNotice::Following {
                    account: account.clone(),
                });
            }
            Heard::Event(PortalEvent::SessionEnded { reason }) => {
                return Ok(Ended::Session(reason));
            }
            Heard::Event(PortalEvent::PolicyChanged) => {
                // The new lifetimes apply from the next refresh: get there now.
                this.drop_access_token(account_id).await;
                this.portal_events.publish(PortalNotice::PolicyChanged {
                    account: account.clone(),
                });
            }
            Heard::Event(PortalEvent::SipProfileChanged) => {
                match this.provision(account_id).await {
                    Ok(_) => this.portal_events.publish(PortalNotice::ProfileChanged {
                        account: account.clone(),
                    }),
                    Err(error) => {
                        tracing::warn!(account = %account_id, %error, "cannot fetch the changed SIP profile");
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconnect_waits_grow_to_half_a_minute_with_a_spread() {
        let plain: Vec<u64> = (0..8)
            .map(|failures| reconnect_delay(failures, 0.5).as_secs())
            .collect();
        assert_eq!(plain, vec![1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(reconnect_delay(3, 0.0), Duration::from_secs(6));
        assert_eq!(reconnect_delay(3, 1.0), Duration::from_secs(10));
    }
}
