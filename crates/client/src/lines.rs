//! The softphone's lines: every signed-in account registered with its SIP registrar at
//! once (`switchboard-sip`), each line's state published on a `watch` channel and, for
//! `switchboard-cli phone status`, in `lines.json` in the data folder.
//!
//! Lines are off until [`Switchboard::enable_lines`]: the app and `phone register` turn
//! them on; the other CLI commands and most tests never register.
//!
//! A line the registrar refuses the credentials of is provisioned again once (the SIP
//! password may have changed on the portal): [`Switchboard::refetch_line`]. If the new
//! profile is refused too, the line stays [`LineStatus::WrongCredentials`].

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use switchboard_api::SipProfile;
use switchboard_sip::{Line, LineConfig, LineState, SystemClock};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use ts_rs::TS;

use crate::guarded::{Guarded, Poisoned};
use crate::line_handle::LineHandle;
use crate::store::write_private_file;
use crate::switchboard::Switchboard;

/// How long sign-out waits for the registrar to confirm the unregister.
const UNREGISTER_WAIT: Duration = Duration::from_secs(5);

/// One line's state, as the window and the CLI show it. Times are Unix seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LineStatus {
    /// A REGISTER is on its way (the first, after a change, or after fetching the profile
    /// again).
    Registering,
    /// The registrar has the contact until then; refreshed before. `takes_calls`: the
    /// contact is the call engine's, so calls to the line ring here (not when calls are
    /// off, as in `switchboard-cli phone register`, nor on a TLS line).
    Registered {
        #[ts(type = "number")]
        until: i64,
        takes_calls: bool,
    },
    /// The registrar refused the SIP credentials, also after the profile was fetched from
    /// the portal again; `refetch_error` when that fetch failed.
    WrongCredentials {
        status: u16,
        refetch_error: Option<String>,
    },
    /// No answer from the registrar (or it failed); tried again at `next_try_at`.
    Unreachable {
        #[ts(type = "number")]
        next_try_at: i64,
        reason: String,
    },
    /// The registrar refused otherwise (404, 6xx…); tried again at `next_try_at`.
    Refused {
        status: u16,
        #[ts(type = "number")]
        next_try_at: i64,
    },
    /// The line cannot be set up (the profile is unusable, or could not be fetched).
    NotRegistered { reason: String },
}

/// Every line's status, by account id.
pub type LineStatuses = BTreeMap<String, LineStatus>;

/// What `lines.json` holds: the process that keeps the lines, and their states.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinesFile {
    pub pid: u32,
    pub updated_at: i64,
    pub lines: LineStatuses,
}

struct Entry {
    line: LineHandle,
    profile: SipProfile,
    follower: JoinHandle<()>,
}

pub(crate) struct Lines {
    config: Guarded<Option<LineConfig>>,
    owner: Guarded<Weak<Switchboard>>,
    entries: tokio::sync::Mutex<HashMap<String, Entry>>,
    statuses: watch::Sender<LineStatuses>,
    publishing: Guarded<()>,
    status_file: PathBuf,
}

impl Lines {
    pub(crate) fn new(status_file: PathBuf) -> Self {
        Self {
            config: Guarded::new(None),
            owner: Guarded::new(Weak::new()),
            entries: tokio::sync::Mutex::new(HashMap::new()),
            statuses: watch::channel(LineStatuses::new()).0,
            publishing: Guarded::new(()),
            status_file,
        }
    }

    pub(crate) fn config(&self) -> Result<Option<LineConfig>, Poisoned> {
        Ok(self.config.lock()?.clone())
    }

    pub(crate) fn changes(&self) -> watch::Receiver<LineStatuses> {
        self.statuses.subscribe()
    }

    pub(crate) fn statuses(&self) -> LineStatuses {
        self.statuses.borrow().clone()
    }

    /// Registers the line of `account_id` with `profile`, unless it already has that
    /// profile. `refetched`: the profile was just fetched again after wrong credentials,
    /// so another refusal is final (and the line is started again even if unchanged).
    pub(crate) async fn keep(&self, account_id: &str, profile: SipProfile, refetched: bool) {
        let Ok(Some(config)) = self.config() else {
            return;
        };
        let mut entries = self.entries.lock().await;
        if let Some(entry) = entries.get(account_id) {
            if entry.profile == profile && !refetched {
                return;
            }
        }
        if let Some(old) = entries.remove(account_id) {
            old.follower.abort();
            tokio::spawn(unregister(old.line));
        }
        let owner = self
            .owner
            .lock()
            .map(|owner| owner.clone())
            .unwrap_or_default();
        let made = match owner.upgrade() {
            Some(switchboard) => switchboard.phone.line(account_id, &profile, &config).await,
            None => None,
        };
        let made = match made {
            Some(made) => made.map(LineHandle::Engine),
            None => Line::new(&profile, config, Arc::new(SystemClock))
                .map(|line| LineHandle::Registration(Arc::new(line)))
                .map_err(|error| error.to_string()),
        };
        let line = match made {
            Ok(line) => line,
            Err(error) => {
                tracing::warn!(account_id, %error, "the SIP profile cannot be used");
                self.publish(
                    account_id,
                    Some(LineStatus::NotRegistered {
                        reason: format!("The phone settings from the portal cannot be used: {error}. Ask your office manager to check your phone account."),
                    }),
                );
                return;
            }
        };
        let follower = tokio::spawn(follow(
            owner,
            account_id.to_owned(),
            line.state(),
            refetched,
            line.takes_calls(),
        ));
        if let Err(error) = line.register().await {
            tracing::warn!(account_id, %error, "cannot start the line");
        }
        entries.insert(
            account_id.to_owned(),
            Entry {
                line,
                profile,
                follower,
            },
        );
    }

    /// Unregisters the line of `account_id` (Expires: 0), waiting a few seconds at most
    /// for the registrar; other lines are untouched.
    pub(crate) async fn remove(&self, account_id: &str) {
        let entry = self.entries.lock().await.remove(account_id);
        if let Some(entry) = entry {
            entry.follower.abort();
            unregister(entry.line).await;
        }
        if let Some(switchboard) = self.owner.lock().ok().and_then(|owner| owner.upgrade()) {
            switchboard.phone.forget(account_id);
        }
        self.publish(account_id, None);
    }

    /// After a network change or a wake from sleep: every line registers again from the
    /// machine's current addresses.
    pub(crate) async fn re_register_all(&self) {
        let lines: Vec<LineHandle> = self
            .entries
            .lock()
            .await
            .values()
            .map(|entry| entry.line.clone())
            .collect();
        for line in lines {
            if let Err(error) = line.re_register().await {
                tracing::warn!(aor = line.aor(), %error, "cannot register the line again");
            }
        }
    }

    /// Unregisters every line (the CLI's `phone register` on its way out).
    pub(crate) async fn remove_all(&self) {
        let ids: Vec<String> = self.entries.lock().await.keys().cloned().collect();
        for id in ids {
            self.remove(&id).await;
        }
    }

    /// Records a line's state (`None`: the line is gone): first in `lines.json`, then on
    /// the channel, so whoever sees the change can already read it from the file.
    pub(crate) fn publish(&self, account_id: &str, status: Option<LineStatus>) {
        // One publisher at a time, so the file and the channel agree.
        let Ok(_publishing) = self.publishing.lock() else {
            return;
        };
        let mut next = self.statuses.borrow().clone();
        let before = next.get(account_id).cloned();
        match status {
            Some(status) => {
                next.insert(account_id.to_owned(), status);
            }
            None => {
                next.remove(account_id);
            }
        }
        if before == next.get(account_id).cloned() {
            return;
        }
        self.write_status_file(&next);
        self.statuses.send_replace(next);
    }

    fn write_status_file(&self, lines: &LineStatuses) {
        let file = LinesFile {
            pid: std::process::id(),
            updated_at: unix(SystemTime::now()),
            lines: lines.clone(),
        };
        let written = serde_json::to_vec_pretty(&file)
            .map_err(|error| error.to_string())
            .and_then(|json| {
                write_private_file(&self.status_file, &json).map_err(|error| error.to_string())
            });
        if let Err(error) = written {
            tracing::warn!(file = %self.status_file.display(), %error, "cannot write the lines' status file");
        }
    }
}

async fn unregister(line: LineHandle) {
    match tokio::time::timeout(UNREGISTER_WAIT, line.unregister()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(aor = line.aor(), %error, "cannot unregister"),
        Err(_) => tracing::warn!(
            aor = line.aor(),
            "the registrar did not confirm the unregister in time; the binding lapses when it expires"
        ),
    }
}

/// Follows one line's state into the published statuses; on the first refusal of the
/// credentials, asks the owner to fetch the profile again (which replaces this line).
async fn follow(
    owner: Weak<Switchboard>,
    account_id: String,
    mut state: watch::Receiver<LineState>,
    mut refetched: bool,
    takes_calls: bool,
) {
    loop {
        let current = state.borrow_and_update().clone();
        let Some(switchboard) = owner.upgrade() else {
            return;
        };
        match current {
            LineState::WrongCredentials { status } if !refetched => {
                switchboard
                    .lines
                    .publish(&account_id, Some(LineStatus::Registering));
                tokio::spawn(switchboard.refetch_line(account_id, status));
                return;
            }
            other => {
                if other.is_registered() {
                    refetched = false;
                }
                switchboard
                    .lines
                    .publish(&account_id, Some(status_of(other, takes_calls)));
            }
        }
        drop(switchboard);
        if state.changed().await.is_err() {
            return;
        }
    }
}

fn status_of(state: LineState, takes_calls: bool) -> LineStatus {
    match state {
        LineState::Unregistered | LineState::Registering => LineStatus::Registering,
        LineState::Registered { until } => LineStatus::Registered {
            until: unix(until),
            takes_calls,
        },
        LineState::WrongCredentials { status } => LineStatus::WrongCredentials {
            status,
            refetch_error: None,
        },
        LineState::Unreachable {
            next_try_at,
            reason,
        } => LineStatus::Unreachable {
            next_try_at: unix(next_try_at),
            reason,
        },
        LineState::Refused {
            status,
            next_try_at,
        } => LineStatus::Refused {
            status,
            next_try_at: unix(next_try_at),
        },
    }
}

fn unix(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Switchboard {
    /// Turns the lines on: from now on every provisioned account is registered.
    pub fn enable_lines(self: &Arc<Self>, config: LineConfig) -> Result<(), Poisoned> {
        *self.lines.owner.lock()? = Arc::downgrade(self);
        *self.lines.config.lock()? = Some(config);
        Ok(())
    }

    /// Every line's state now.
    pub fn line_statuses(&self) -> LineStatuses {
        self.lines.statuses()
    }

    /// The lines' states as they change.
    pub fn line_changes(&self) -> watch::Receiver<LineStatuses> {
        self.lines.changes()
    }

    /// Registers every account signed in here (each provisioned first, or with its saved
    /// settings while the portal does not answer); an account that cannot be provisioned
    /// shows why on its line.
    pub async fn register_all_lines(&self) -> Result<(), crate::ClientError> {
        for account in self.signed_in_accounts()? {
            let error = match self.provision(&account.account_id).await {
                Ok(_) => continue,
                Err(error) => error,
            };
            // Offline: the phone still registers with the settings saved here.
            if error.is_unreachable() && self.keep_saved_line(&account.account_id).await? {
                continue;
            }
            tracing::warn!(account_id = %account.account_id, %error, "cannot provision the line");
            self.lines.publish(
                &account.account_id,
                Some(LineStatus::NotRegistered {
                    reason: format!("The phone settings could not be fetched: {error}"),
                }),
            );
        }
        Ok(())
    }

    /// Unregisters every line this process holds (without signing anyone out).
    pub async fn unregister_all_lines(&self) {
        self.lines.remove_all().await;
    }

    /// Every line registers again from the current addresses (network change, wake).
    pub async fn re_register_lines(&self) {
        self.lines.re_register_all().await;
    }

    /// The registrar refused the line's credentials: the profile is fetched again (no
    /// ETag) and the line started with it; a second refusal is final.
    /// (Boxed: it starts a line whose follower may call it again.)
    pub(crate) fn refetch_line(
        self: Arc<Self>,
        account_id: String,
        status: u16,
    ) -> Pin<Box<dyn Future<Output = ()> + Send>> {
        Box::pin(async move {
            tracing::info!(
                account_id,
                status,
                "the registrar refused the SIP credentials; fetching the phone settings again"
            );
            if let Err(error) = self.provision_again(&account_id).await {
                tracing::warn!(account_id, %error, "cannot fetch the phone settings again");
                self.lines.publish(
                    &account_id,
                    Some(LineStatus::WrongCredentials {
                        status,
                        refetch_error: Some(error.to_string()),
                    }),
                );
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_states_become_statuses_in_unix_seconds() {
        let at = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        assert_eq!(
            status_of(LineState::Registered { until: at }, true),
            LineStatus::Registered {
                until: 1_800_000_000,
                takes_calls: true
            }
        );
        assert_eq!(
            status_of(LineState::Unregistered, false),
            LineStatus::Registering
        );
        assert_eq!(
            status_of(
                LineState::Unreachable {
                    next_try_at: at,
                    reason: "no answer".into()
                },
                false
            ),
            LineStatus::Unreachable {
                next_try_at: 1_800_000_000,
                reason: "no answer".into()
            }
        );
    }

    #[test]
    fn the_status_file_round_trips() {
        let file = LinesFile {
            pid: 7,
            updated_at: 1,
            lines: BTreeMap::from([(
                "acct".to_owned(),
                LineStatus::WrongCredentials {
                    status: 403,
                    refetch_error: None,
                },
            )]),
        };
        let json = serde_json::to_string(&file).unwrap();
        assert!(json.contains(r#""state":"wrong_credentials""#), "{json}");
        assert_eq!(serde_json::from_str::<LinesFile>(&json).unwrap(), file);
    }
}
