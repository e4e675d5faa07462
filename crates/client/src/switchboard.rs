//! The client core's one entry point: start and finish provider sign-ins, keep sessions
//! (refresh token in the keychain, access token in memory), restore silently, provision
//! the softphone, sign out. The desktop shell and the CLI are views over it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use switchboard_api::{
    AccountChoice, AccountSummary, LinkReason, LoginStep, ProviderOption, SessionTokens, SipProfile,
};
use tokio::sync::Mutex;
use url::Url;

use crate::bridge::{AppView, Notice, PhoneSummary};
use crate::config::ClientConfig;
use crate::keychain::{Keychain, KeychainError, Secret, SecretKind};
use crate::portal::{PortalClient, PortalClientError};
use crate::signin::{loggable, PendingSignIns, SignInError, SignInStart};
use crate::steps::PendingStep;
use crate::store::{AccountStore, StoreError, StoredProfile};

/// Unix seconds; passed in so tests control expiry.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(transparent)]
    Portal(#[from] PortalClientError),
    #[error(transparent)]
    Keychain(#[from] KeychainError),
    #[error(transparent)]
    SignIn(#[from] SignInError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("your sign-in has ended (it expired or was signed out elsewhere). Sign in again.")]
    SignedOut,
    #[error("this portal offers no sign-in provider called {0:?}")]
    UnknownProvider(String),
    #[error("not signed in")]
    NotSignedIn,
    #[error(
        "this sign-in step is no longer open (it expired or was finished): start signing in again"
    )]
    NoPendingStep,
    #[error("this account is not signed in on this computer")]
    UnknownAccount,
}

impl ClientError {
    /// The stable code kept for support next to the message.
    pub fn code(&self) -> String {
        match self {
            ClientError::Portal(PortalClientError::Api { error, .. }) => {
                serde_json::to_value(error.code)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "portal_error".into())
            }
            ClientError::Portal(PortalClientError::Unreachable { .. })
            | ClientError::Portal(PortalClientError::TimedOut { .. }) => {
                "portal_unreachable".into()
            }
            ClientError::Portal(_) => "portal_error".into(),
            ClientError::Keychain(KeychainError::NoKeychain) => "no_keychain".into(),
            ClientError::Keychain(KeychainError::Locked) => "keychain_locked".into(),
            ClientError::Keychain(_) => "keychain_error".into(),
            ClientError::SignIn(error) => error.code().to_owned(),
            ClientError::Store(_) => "data_folder_error".into(),
            ClientError::SignedOut => "signed_out".into(),
            ClientError::UnknownProvider(_) => "unknown_provider".into(),
            ClientError::NotSignedIn => "not_signed_in".into(),
            ClientError::NoPendingStep => "no_pending_step".into(),
            ClientError::UnknownAccount => "unknown_account".into(),
        }
    }

    /// The message as a sentence for the screen.
    pub fn message(&self) -> String {
        let text = match self {
            ClientError::Portal(PortalClientError::Unreachable { .. })
            | ClientError::Portal(PortalClientError::TimedOut { .. }) => {
                format!("Can't reach the portal: {self}")
            }
            _ => self.to_string(),
        };
        let mut chars = text.chars();
        let mut sentence: String = match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => text,
        };
        if !sentence.ends_with(['.', '!', '?', ')']) {
            sentence.push('.');
        }
        sentence
    }

    pub fn notice(&self) -> Notice {
        Notice::error(&self.code(), self.message())
    }
}

/// Where the app is after a sign-in step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInOutcome {
    Ready {
        account: AccountSummary,
        phone: PhoneSummary,
    },
    /// Pick one of these accounts (`choose_account`).
    ChooseAccount {
        accounts: Vec<AccountChoice>,
        remembered_account_id: Option<String>,
        shared_email: bool,
    },
    /// Link the identity with an account's credentials (`link_account`).
    LinkAccount {
        provider_name: String,
        email: Option<String>,
        reason: LinkReason,
    },
    /// The authenticator code or a recovery code (`submit_mfa_code`).
    MfaRequired,
    /// A provider was linked to the signed-in account from its security settings.
    ProviderLinked { provider_name: String },
    /// A step this version cannot take.
    NotSupported { message: String },
}

struct AccessToken {
    token: Secret,
    expires_at: i64,
}

pub struct Switchboard {
    pub(crate) portal: PortalClient,
    portal_url: Url,
    pub(crate) keychain: Keychain,
    pub(crate) store: AccountStore,
    pending: PendingSignIns,
    /// The choose or link step the portal asked for, until it is finished.
    pub(crate) pending_step: std::sync::Mutex<Option<PendingStep>>,
    pub(crate) clock: Clock,
    pub(crate) device_name: String,
    /// An authenticator app being set up in the security settings.
    /// An authenticator app being set up in the security settings, and for which account.
    pub(crate) authenticator_setup:
        std::sync::Mutex<Option<(String, crate::bridge::AuthenticatorSetupView)>>,
    /// Held for the whole of a refresh: refreshes are single-flight.
    access_tokens: Mutex<HashMap<String, AccessToken>>,
}

fn device_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty());
    match host {
        Some(host) => format!("Switchboard on {host}"),
        None => "Switchboard desktop".into(),
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, KeychainError> + Send + 'static,
) -> Result<T, KeychainError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|error| Err(KeychainError::Failed(error.to_string())))
}

impl Switchboard {
    pub fn new(config: &ClientConfig, data_dir: &Path, clock: Clock) -> Result<Self, ClientError> {
        let portal = PortalClient::new(config.portal_url.clone())?
            .with_status_page(config.status_page_url.clone());
        Ok(Self {
            portal,
            portal_url: config.portal_url.clone(),
            keychain: Keychain::for_portal(&config.portal_url),
            store: AccountStore::new(data_dir, &config.portal_url),
            pending: PendingSignIns::default(),
            pending_step: std::sync::Mutex::new(None),
            clock,
            device_name: device_name(),
            authenticator_setup: std::sync::Mutex::new(None),
            access_tokens: Mutex::new(HashMap::new()),
        })
    }

    pub fn portal(&self) -> &PortalClient {
        &self.portal
    }

    pub fn portal_url(&self) -> &Url {
        &self.portal_url
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
            (self.clock)(),
        )?)
    }

    pub(crate) fn pending_sign_ins(&self) -> &PendingSignIns {
        &self.pending
    }

    /// Forgets the account's access token (the portal refused it early).
    pub(crate) async fn drop_access_token(&self, account_id: &str) {
        self.access_tokens.lock().await.remove(account_id);
    }

    /// Gives up every sign-in in progress: the browser's and any choose or link step.
    pub fn cancel_sign_in(&self) {
        self.pending.cancel_all();
        self.clear_pending_step();
    }

    /// Finishes a sign-in from the link the browser handed back. Links that belong to no
    /// pending sign-in are dropped (and logged without their query).
    pub async fn complete_sign_in(&self, callback: &Url) -> Result<SignInOutcome, ClientError> {
        let (pending, code) = match self
            .pending
            .take(callback, &self.portal_url, (self.clock)())
        {
            Ok(taken) => taken,
            Err(error) => {
                tracing::warn!(link = %loggable(callback), %error, "sign-in link not used");
                return Err(error.into());
            }
        };
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
                self.clear_pending_step();
                let account = session.account.clone();
                self.keep_session(session).await?;
                let phone = self.provision(&account.account_id).await?;
                Ok(SignInOutcome::Ready { account, phone })
            }
            step @ (LoginStep::ChooseAccount { .. }
            | LoginStep::LinkAccount { .. }
            | LoginStep::MfaRequired { .. }) => Ok(self.hold_step(step, provider_name)),
        }
    }

    /// The refresh token goes to the keychain before anything uses the session; the
    /// access token stays in memory. A session this account already had here is ended.
    async fn keep_session(&self, session: SessionTokens) -> Result<(), ClientError> {
        // Held throughout, so a refresh of the old session cannot write over the new one.
        let mut tokens = self.access_tokens.lock().await;
        let account_id = session.account.account_id.clone();
        let keychain = self.keychain.clone();
        let id = account_id.clone();
        let previous = blocking(move || keychain.load(&id, SecretKind::RefreshToken)).await?;
        let keychain = self.keychain.clone();
        let id = account_id.clone();
        let refresh = Secret::new(session.refresh_token.clone());
        blocking(move || keychain.store(&id, SecretKind::RefreshToken, &refresh)).await?;
        self.store.remember(&session.account)?;
        let expires_at = (self.clock)() + i64::try_from(session.expires_in).unwrap_or(0);
        tokens.insert(
            account_id,
            AccessToken {
                token: Secret::new(session.access_token),
                expires_at,
            },
        );
        drop(tokens);
        // The new session is stored: only now end the one it replaces.
        if let Some(previous) = previous.filter(|p| p.expose() != session.refresh_token) {
            if let Err(error) = self.portal.revoke(previous.expose()).await {
                tracing::warn!(%error, "the replaced session could not be ended at the portal");
            }
        }
        Ok(())
    }

    /// A valid access token for the account, refreshing when needed. Single-flight: one
    /// refresh at a time, and a caller that waited uses the token the other one got.
    pub async fn access_token(&self, account_id: &str) -> Result<Secret, ClientError> {
        let mut tokens = self.access_tokens.lock().await;
        let now = (self.clock)();
        if let Some(token) = tokens.get(account_id) {
            if token.expires_at > now + 30 {
                return Ok(token.token.clone());
            }
        }
        let keychain = self.keychain.clone();
        let id = account_id.to_owned();
        let Some(refresh) = blocking(move || keychain.load(&id, SecretKind::RefreshToken)).await?
        else {
            // Removed from the keychain by hand: nothing to restore with.
            drop(tokens);
            self.forget_locally(account_id).await?;
            return Err(ClientError::SignedOut);
        };
        let session = match self.portal.refresh(refresh.expose()).await {
            Ok(session) => session,
            Err(error) if PortalClient::is_rejection(&error) => {
                drop(tokens);
                self.forget_locally(account_id).await?;
                return Err(ClientError::SignedOut);
            }
            Err(error) => return Err(error.into()),
        };
        // Stored before use: a crash now leaves the new token in the keychain (and the
        // portal honours the old one for a short grace window if the write never happened).
        let keychain = self.keychain.clone();
        let id = account_id.to_owned();
        let next = Secret::new(session.refresh_token.clone());
        blocking(move || keychain.store(&id, SecretKind::RefreshToken, &next)).await?;
        self.store.remember(&session.account)?;
        let token = Secret::new(session.access_token);
        tokens.insert(
            account_id.to_owned(),
            AccessToken {
                token: token.clone(),
                expires_at: now + i64::try_from(session.expires_in).unwrap_or(0),
            },
        );
        Ok(token)
    }

    /// Fetches the SIP profile when it changed (ETag); password to the keychain, the rest
    /// to the data folder.
    pub async fn provision(&self, account_id: &str) -> Result<PhoneSummary, ClientError> {
        let access = self.access_token(account_id).await?;
        let stored = self.store.profile(account_id)?;
        let etag = stored.as_ref().and_then(|p| p.etag.clone());
        let fetched = match self
            .portal
            .sip_profile(access.expose(), etag.as_deref())
            .await
        {
            Ok(fetched) => fetched,
            Err(error) if PortalClient::is_rejection(&error) => {
                // The access token died early (session revoked): one refresh decides.
                self.access_tokens.lock().await.remove(account_id);
                let access = self.access_token(account_id).await?;
                self.portal.sip_profile(access.expose(), None).await?
            }
            Err(error) => return Err(error.into()),
        };
        let profile = match (fetched, stored) {
            (Some((profile, etag)), _) => self.save_profile(account_id, profile, etag).await?,
            (None, Some(stored)) => stored,
            (None, None) => match self.portal.sip_profile(access.expose(), None).await? {
                Some((profile, etag)) => self.save_profile(account_id, profile, etag).await?,
                None => return Err(ClientError::NotSignedIn),
            },
        };
        Ok(profile.into())
    }

    async fn save_profile(
        &self,
        account_id: &str,
        profile: SipProfile,
        etag: Option<String>,
    ) -> Result<StoredProfile, ClientError> {
        let keychain = self.keychain.clone();
        let id = account_id.to_owned();
        let password = Secret::new(profile.password);
        blocking(move || keychain.store(&id, SecretKind::SipPassword, &password)).await?;
        let stored = StoredProfile {
            etag,
            extension: profile.extension,
            display_name: profile.display_name,
            sip_user: profile.sip_user,
            auth_user: profile.auth_user,
            domain: profile.domain,
            registrar: profile.registrar,
            outbound_proxy: profile.outbound_proxy,
            transport: profile.transport,
            stun_server: profile.stun_server,
            turn_server: profile.turn_server,
            voicemail_number: profile.voicemail_number,
            version: profile.version,
        };
        self.store.save_profile(account_id, &stored)?;
        Ok(stored)
    }

    /// On start: the remembered account, refreshed and provisioned without a browser.
    pub async fn restore(&self) -> Result<Option<SignInOutcome>, ClientError> {
        let Some(account) = self.store.current()? else {
            return Ok(None);
        };
        let phone = self.provision(&account.account_id).await?;
        let account = self.store.current()?.unwrap_or(account);
        Ok(Some(SignInOutcome::Ready { account, phone }))
    }

    /// What the window shows on start. When the portal cannot be reached, a remembered
    /// account stays ready with the phone settings saved here, and says so.
    pub async fn restore_view(&self) -> AppView {
        match self.restore().await {
            Ok(Some(outcome)) => self.view(outcome),
            Ok(None) => self.sign_in_view(None),
            Err(error) => self.view_after_failed_restore(error),
        }
    }

    /// An account that could not be refreshed: signed out when the portal ended it, still
    /// ready on the saved settings when the portal did not answer.
    pub(crate) fn view_after_failed_restore(&self, error: ClientError) -> AppView {
        match error {
            ClientError::SignedOut => self.sign_in_view(Some(Notice::info(
                "Your sign-in has ended (it expired or was signed out elsewhere). Sign in again.",
            ))),
            error @ ClientError::Portal(PortalClientError::Unreachable { .. })
            | error @ ClientError::Portal(PortalClientError::TimedOut { .. }) => {
                match self.saved_phone() {
                    Some((account, phone)) => self.ready_view(
                        account,
                        phone,
                        Some(Notice::error(
                            &error.code(),
                            format!(
                                "{} Your phone uses the settings saved on this computer until then.",
                                error.message()
                            ),
                        )),
                    ),
                    None => self.sign_in_view(Some(error.notice())),
                }
            }
            error => self.sign_in_view(Some(error.notice())),
        }
    }

    /// The current account and its phone settings as saved here.
    pub(crate) fn saved_phone(&self) -> Option<(AccountSummary, PhoneSummary)> {
        let account = self.store.current().ok()??;
        let profile = self.store.profile(&account.account_id).ok()??;
        Some((account, profile.into()))
    }

    pub fn current_account(&self) -> Result<Option<AccountSummary>, ClientError> {
        Ok(self.store.current()?)
    }

    /// The SIP password of the account, from the keychain.
    pub async fn sip_password(&self, account_id: &str) -> Result<Option<Secret>, ClientError> {
        let keychain = self.keychain.clone();
        let id = account_id.to_owned();
        Ok(blocking(move || keychain.load(&id, SecretKind::SipPassword)).await?)
    }

    /// Revokes at the portal, then wipes the account's keychain entries and profile. The
    /// local wipe happens even when the portal cannot be reached (reported afterwards).
    pub async fn sign_out(&self, account_id: &str) -> Result<(), ClientError> {
        let keychain = self.keychain.clone();
        let id = account_id.to_owned();
        let refresh = blocking(move || keychain.load(&id, SecretKind::RefreshToken)).await?;
        let revoked = match refresh {
            Some(token) => self.portal.revoke(token.expose()).await,
            None => Ok(()),
        };
        self.forget_locally(account_id).await?;
        revoked?;
        Ok(())
    }

    pub(crate) async fn forget_locally(&self, account_id: &str) -> Result<(), ClientError> {
        self.access_tokens.lock().await.remove(account_id);
        let keychain = self.keychain.clone();
        let id = account_id.to_owned();
        blocking(move || keychain.wipe_account(&id)).await?;
        self.store.forget(account_id)?;
        Ok(())
    }
}
