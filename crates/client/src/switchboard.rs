//! The client core's one entry point: start and finish provider sign-ins, and where a login
//! step leads. Sessions (`sessions.rs`), provisioning (`provisioning.rs`), the choose, link
//! and code steps (`steps.rs`) and the security settings (`security.rs`) are its other
//! parts. It answers outcomes and typed errors; what the window shows is the app layer's.

use std::collections::HashMap;
use std::path::Path;
use switchboard_api::{LoginStep, ProviderOption};
use tokio::sync::Mutex;
use url::Url;

use crate::clock::Clock;
use crate::config::ClientConfig;
use crate::error::ClientError;
use crate::guarded::Guarded;
use crate::keychain::Keychain;
use crate::lines::Lines;
use crate::outcome::SignInOutcome;
use crate::pending_step::PendingStep;
use crate::phone::Phone;
use crate::portal::{PortalClient, Program};
use crate::session_state::AccessToken;
use crate::signin::{loggable, PendingSignIns, SignInStart};
use crate::store::AccountStore;
use std::sync::Arc;

/// The lines' states, for `switchboard-cli phone status`, in the data folder.
pub const LINES_FILE: &str = "lines.json";

pub struct Switchboard {
    pub(crate) portal: PortalClient,
    portal_url: Url,
    pub(crate) keychain: Keychain,
    pub(crate) store: AccountStore,
    pending: PendingSignIns,
    /// The choose, link or code step the portal asked for, until it is finished.
    pub(crate) pending_step: Guarded<Option<PendingStep>>,
    /// How many accounts the sign-in in progress reached (set by its chooser); recorded with
    /// the account once it is signed in.
    pub(crate) reached: Guarded<Option<usize>>,
    /// "Use a different account": the account the sign-in in progress is to replace on this
    /// computer. Signed out here once another account of the chooser is signed in.
    pub(crate) in_place_of: Guarded<Option<String>>,
    pub(crate) clock: Clock,
    pub(crate) device_name: String,
    /// Held for the whole of a refresh: refreshes are single-flight.
    pub(crate) access_tokens: Mutex<HashMap<String, AccessToken>>,
    /// The softphone's lines (off until `enable_lines`).
    pub(crate) lines: Lines,
    /// The call engine and the calls (off until `enable_calls`).
    pub(crate) phone: Arc<Phone>,
    /// The portal's event streams being followed (off until `follow_portal`).
    pub(crate) portal_events: crate::portal_events::PortalEvents,
}

/// The computer's name, as the account's list of sessions shows it ("alice-laptop"); which
/// program signed in is said apart (the User-Agent, see `Program`).
fn device_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "Unknown computer".into())
}

impl Switchboard {
    /// The desktop app's core.
    pub fn new(config: &ClientConfig, data_dir: &Path, clock: Clock) -> Result<Self, ClientError> {
        Self::for_program(config, data_dir, clock, Program::App)
    }

    /// The core of `program`, which the portal's list of sessions names.
    pub fn for_program(
        config: &ClientConfig,
        data_dir: &Path,
        clock: Clock,
        program: Program,
    ) -> Result<Self, ClientError> {
        let portal = PortalClient::for_program(config.portal_url.clone(), program)?
            .with_status_page(config.status_page_url.clone());
        Ok(Self {
            portal,
            portal_url: config.portal_url.clone(),
            keychain: Keychain::for_portal(&config.portal_url),
            store: AccountStore::new(data_dir, &config.portal_url),
            pending: PendingSignIns::default(),
            pending_step: Guarded::new(None),
            reached: Guarded::new(None),
            in_place_of: Guarded::new(None),
            clock,
            device_name: device_name(),
            access_tokens: Mutex::new(HashMap::new()),
            lines: Lines::new(data_dir.join(LINES_FILE)),
            phone: Arc::default(),
            portal_events: Default::default(),
        })
    }

    pub fn portal(&self) -> &PortalClient {
        &self.portal
    }

    pub fn portal_url(&self) -> &Url {
        &self.portal_url
    }

    pub(crate) fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Starts a provider sign-in; the caller opens the browser at the URL. Answers the
    /// provider's display name too.
    pub async fn begin_sign_in(
        &self,
        provider_id: &str,
        login_hint: Option<&str>,
        redirect_uri: &str,
    ) -> Result<(SignInStart, String), ClientError> {
        let options = self.portal.sign_in_options().await?;
        let mut provider = options.providers.into_iter().find(|p| p.id == provider_id);
        // A company's own provider is not listed for everyone: its users reach it through
        // their work email's domain.
        if let (None, Some(email)) = (&provider, login_hint) {
            provider = self
                .portal
                .sign_in_options_for_email(email)
                .await
                .ok()
                .and_then(|found| found.providers.into_iter().find(|p| p.id == provider_id));
        }
        let provider =
            provider.ok_or_else(|| ClientError::UnknownProvider(provider_id.to_owned()))?;
        let start = self.begin_sign_in_with(&provider, login_hint, redirect_uri)?;
        Ok((start, provider.display_name))
    }

    /// Starts the sign-in of a provider the portal named.
    pub(crate) fn begin_sign_in_with(
        &self,
        provider: &ProviderOption,
        login_hint: Option<&str>,
        redirect_uri: &str,
    ) -> Result<SignInStart, ClientError> {
        Ok(self.pending.begin(
            &self.portal_url,
            &provider.id,
            &provider.display_name,
            login_hint,
            redirect_uri,
            self.now(),
        )?)
    }

    pub(crate) fn pending_sign_ins(&self) -> &PendingSignIns {
        &self.pending
    }

    /// Resolves once the sign-in started with `state` is no longer waiting for its link
    /// (finished, cancelled or expired): a loopback listener stops with it.
    pub async fn sign_in_ended(&self, state: &str) {
        self.pending.ended(state, &self.clock).await;
    }

    /// Gives up every sign-in in progress: the browser's and any choose or link step.
    pub fn cancel_sign_in(&self) -> Result<(), ClientError> {
        self.pending.cancel_all()?;
        *self.reached.lock()? = None;
        *self.in_place_of.lock()? = None;
        self.clear_pending_step()
    }

    /// Finishes a sign-in from the link the browser handed back. Links that belong to no
    /// pending sign-in are refused (and logged without their query).
    pub async fn complete_sign_in(&self, callback: &Url) -> Result<SignInOutcome, ClientError> {
        let (pending, code) = match self.pending.take(callback, &self.portal_url, self.now()) {
            Ok(taken) => taken,
            Err(error) => {
                tracing::warn!(link = %loggable(callback), %error, "sign-in link not used");
                return Err(error.into());
            }
        };
        // A sign-in in the browser adds an account; it replaces none.
        *self.in_place_of.lock()? = None;
        let step = self
            .portal
            .redeem_code(
                &code,
                pending.verifier.expose(),
                &pending.redirect_uri,
                &self.device_name,
            )
            .await?;
        let outcome = self.after_login_step(step, &pending.provider_name).await?;
        match outcome {
            SignInOutcome::Ready { .. } if pending.links_provider => {
                Ok(SignInOutcome::ProviderLinked {
                    provider_name: pending.provider_name,
                })
            }
            other => Ok(other),
        }
    }

    /// Where a login step leads: signed in and provisioned, or the next step to take
    /// (kept here with its ticket, which never reaches the window).
    pub(crate) async fn after_login_step(
        &self,
        step: LoginStep,
        provider_name: &str,
    ) -> Result<SignInOutcome, ClientError> {
        match step {
            LoginStep::SignedIn { session } => {
                self.clear_pending_step()?;
                let replaced = self.in_place_of.lock()?.take();
                let account = session.account.clone();
                self.keep_session(session).await?;
                if let Some(replaced) = replaced.filter(|id| *id != account.account_id) {
                    self.sign_out_replaced(&replaced).await;
                }
                let phone = self.provision(&account.account_id).await?;
                Ok(SignInOutcome::Ready { account, phone })
            }
            step @ (LoginStep::ChooseAccount { .. }
            | LoginStep::LinkAccount { .. }
            | LoginStep::MfaRequired { .. }) => self.hold_step(step, provider_name),
        }
    }
}
