//! Telling the registrar to drop the contacts of ended SIP credentials. The transaction
//! that ends a credential writes a row to the registrar outbox; every instance looks at
//! the outbox several times a second and sends what is due to the registrar's control
//! endpoint (`POST /switchboard/unregister`, see deploy/kamailio and docs/registrar.md).
//! A registrar that does not answer is tried again with growing waits until it does, or
//! until the contact would have expired there anyway.

use std::time::Duration;

use url::Url;

use crate::clock::SharedClock;
use crate::store::{RegistrarRemoval, Store, REGISTRAR_REMOVAL_RETENTION_SECONDS};

/// How often an instance looks for due removals.
pub const OUTBOX_POLL: Duration = Duration::from_millis(200);
/// Seconds a taken removal is hidden from other instances while this one sends it.
const TAKEN_FOR_SECONDS: i64 = 30;
/// Removals sent per look.
const BATCH: i64 = 50;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The registrar's control endpoint.
#[derive(Clone)]
pub struct RegistrarControl {
    unregister_url: Url,
    token: String,
    http: reqwest::Client,
}

impl std::fmt::Debug for RegistrarControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrarControl")
            .field("unregister_url", &self.unregister_url.as_str())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("the registrar's control URL cannot take a path: {0}")]
    BadUrl(url::ParseError),
    #[error("the registrar did not answer: {0}")]
    Unreachable(reqwest::Error),
    #[error("the registrar refused the control token (401): check `control_token_file` against the registrar's CONTROL_TOKEN")]
    Unauthorized,
    #[error("the registrar answered {0}")]
    Status(reqwest::StatusCode),
}

impl RegistrarControl {
    pub fn new(control_url: &Url, token: String) -> Result<Self, ControlError> {
        let unregister_url = control_url
            .join("/switchboard/unregister")
            .map_err(ControlError::BadUrl)?;
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(ControlError::Unreachable)?;
        Ok(Self {
            unregister_url,
            token,
            http,
        })
    }

    /// Asks the registrar to remove the contacts `auth_user` registered for `aor`.
    pub async fn unregister(&self, aor: &str, auth_user: &str) -> Result<(), ControlError> {
        let response = self
            .http
            .post(self.unregister_url.clone())
            .bearer_auth(&self.token)
            .header("X-Switchboard-AOR", aor)
            .header("X-Switchboard-Auth-User", auth_user)
            .send()
            .await
            .map_err(ControlError::Unreachable)?;
        match response.status() {
            status if status.is_success() => Ok(()),
            reqwest::StatusCode::UNAUTHORIZED => Err(ControlError::Unauthorized),
            status => Err(ControlError::Status(status)),
        }
    }
}

/// Seconds before the next try of a removal tried `attempts` times: 1, 2, 4 … 60.
pub fn retry_delay(attempts: i64) -> i64 {
    let exponent = u32::try_from(attempts.clamp(1, 7) - 1).unwrap_or(0);
    2_i64.pow(exponent).min(60)
}

/// Sends due removals for as long as the portal serves. Without a control endpoint the
/// outbox is left to the purge (the contacts expire at the registrar meanwhile).
pub async fn drain_outbox(store: Store, clock: SharedClock, control: Option<RegistrarControl>) {
    let Some(control) = control else {
        tracing::warn!(
            "no [registrar] control_url: a signed-out device's SIP credential stops working at once, \
             but its registration stays at the registrar until it expires"
        );
        return;
    };
    let mut ticks = tokio::time::interval(OUTBOX_POLL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = send_due(&store, &clock, &control).await {
            tracing::warn!(%error, "reading the registrar outbox failed; trying again shortly");
        }
    }
}

/// One look at the outbox: sends what is due. How many the registrar confirmed.
pub async fn send_due(
    store: &Store,
    clock: &SharedClock,
    control: &RegistrarControl,
) -> Result<usize, crate::store::StoreError> {
    let now = clock.now();
    if !store.registrar_removals_due(now).await? {
        return Ok(0);
    }
    let due = store
        .take_due_registrar_removals(now, TAKEN_FOR_SECONDS, BATCH)
        .await?;
    let mut confirmed = 0;
    for removal in due {
        if send_one(store, clock, control, &removal).await? {
            confirmed += 1;
        }
    }
    Ok(confirmed)
}

async fn send_one(
    store: &Store,
    clock: &SharedClock,
    control: &RegistrarControl,
    removal: &RegistrarRemoval,
) -> Result<bool, crate::store::StoreError> {
    let now = clock.now();
    if now - removal.created_at > REGISTRAR_REMOVAL_RETENTION_SECONDS {
        tracing::warn!(
            auth_user = removal.auth_user,
            attempts = removal.attempts,
            "giving up a contact removal the registrar never confirmed (the contact has expired there by now)"
        );
        store.registrar_removal_done(&removal.id).await?;
        return Ok(false);
    }
    match control.unregister(&removal.aor, &removal.auth_user).await {
        Ok(()) => {
            tracing::info!(
                auth_user = removal.auth_user,
                "the registrar dropped an ended credential's contacts"
            );
            store.registrar_removal_done(&removal.id).await?;
            Ok(true)
        }
        Err(error) => {
            let wait = retry_delay(removal.attempts);
            tracing::warn!(
                auth_user = removal.auth_user,
                attempts = removal.attempts,
                %error,
                "the registrar did not drop an ended credential's contacts; trying again in {wait} s"
            );
            store
                .registrar_removal_failed(&removal.id, now + wait, &error.to_string())
                .await?;
            Ok(false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_up_to_a_minute() {
        let waits: Vec<i64> = (1..=9).map(retry_delay).collect();
        assert_eq!(waits, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(retry_delay(0), 1);
    }

    #[test]
    fn the_control_debug_output_has_no_token() {
        let control = RegistrarControl::new(
            &Url::parse("http://127.0.0.1:5070").unwrap(),
            "secret-token-xyz".into(),
        )
        .unwrap();
        let printed = format!("{control:?}");
        assert!(!printed.contains("secret-token-xyz"), "{printed}");
        assert!(printed.contains("/switchboard/unregister"), "{printed}");
    }
}
