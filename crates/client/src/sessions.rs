//! Sessions: the refresh token in the keychain, the access token in memory. Refreshes are
//! single-flight; a session the portal ended is forgotten here; signing out revokes at the
//! portal and wipes the account's keychain entries and profile.

use switchboard_api::{AccountSummary, SessionTokens};

use crate::error::ClientError;
use crate::keychain::{KeychainError, Secret, SecretKind};
use crate::outcome::SignInOutcome;
use crate::portal::PortalClient;
use crate::session_state::AccessToken;
use crate::switchboard::Switchboard;

/// Runs keychain work off the async threads (the platform calls block).
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, KeychainError> + Send + 'static,
) -> Result<T, KeychainError> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|error| Err(KeychainError::Failed(error.to_string())))
}

impl Switchboard {
    async fn load_secret(
        &self,
        account_id: &str,
        kind: SecretKind,
    ) -> Result<Option<Secret>, ClientError> {
        let keychain = self.keychain.clone();
        let id = account_id.to_owned();
        Ok(blocking(move || keychain.load(&id, kind)).await?)
    }

    pub(crate) async fn store_secret(
        &self,
        account_id: &str,
        kind: SecretKind,
        secret: Secret,
    ) -> Result<(), ClientError> {
        let keychain = self.keychain.clone();
        let id = account_id.to_owned();
        Ok(blocking(move || keychain.store(&id, kind, &secret)).await?)
    }

    /// The refresh token goes to the keychain before anything uses the session; the
    /// access token stays in memory. A session this account already had here is ended.
    pub(crate) async fn keep_session(&self, session: SessionTokens) -> Result<(), ClientError> {
        // Held throughout, so a refresh of the old session cannot write over the new one.
        let mut tokens = self.access_tokens.lock().await;
        let account_id = session.account.account_id.clone();
        let previous = self
            .load_secret(&account_id, SecretKind::RefreshToken)
            .await?;
        let refresh = Secret::new(session.refresh_token.clone());
        self.store_secret(&account_id, SecretKind::RefreshToken, refresh)
            .await?;
        self.store.remember(&session.account)?;
        // The portal says how many accounts the sign-in reached (also when a remembered
        // choice skipped the chooser); else what this sign-in's steps showed: the chooser
        // (several), a password or a new link (one). When neither says, what was known stays.
        let shown = self.reached.lock()?.take();
        let said = session
            .reaches_accounts
            .and_then(|reached| usize::try_from(reached).ok());
        if let Some(reached) = said.or(shown) {
            self.store.set_reach(&account_id, reached)?;
        }
        let expires_at = self.now() + i64::try_from(session.expires_in).unwrap_or(0);
        tokens.insert(
            account_id.clone(),
            AccessToken {
                token: Secret::new(session.access_token),
                expires_at,
            },
        );
        drop(tokens);
        // The new session is stored: only now end the one it replaces. The stream followed
        // for the old one is dropped first (its "session ended" is this, not a sign-out),
        // and one for the new session opens at once.
        let replaced = previous.filter(|p| p.expose() != session.refresh_token);
        if replaced.is_some() {
            self.portal_events.stop_following(&account_id);
        }
        self.portal_events.account_signed_in();
        if let Some(previous) = replaced {
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
        let now = self.now();
        if let Some(token) = tokens.get(account_id) {
            if token.expires_at > now + 30 {
                return Ok(token.token.clone());
            }
        }
        let Some(refresh) = self
            .load_secret(account_id, SecretKind::RefreshToken)
            .await?
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
        let next = Secret::new(session.refresh_token.clone());
        self.store_secret(account_id, SecretKind::RefreshToken, next)
            .await?;
        // Updated where it is: refreshing another account's token (its line, in the
        // background) does not make it the one the window shows.
        self.store.update(&session.account)?;
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

    /// Forgets the account's access token (the portal refused it early).
    pub(crate) async fn drop_access_token(&self, account_id: &str) {
        self.access_tokens.lock().await.remove(account_id);
    }

    /// The current account, if one is signed in here.
    pub fn current_account(&self) -> Result<Option<AccountSummary>, ClientError> {
        Ok(self.store.current()?)
    }

    /// How many accounts the sign-in that signed this account in here reached: with more
    /// than one, "use a different account" can offer the others.
    pub fn reaches_accounts(&self, account_id: &str) -> Result<usize, ClientError> {
        Ok(self.store.reach(account_id)?)
    }

    /// Every account signed in here, in the order they were added.
    pub fn signed_in_accounts(&self) -> Result<Vec<AccountSummary>, ClientError> {
        Ok(self.store.accounts()?)
    }

    /// Makes a signed-in account the current one: refreshed and its softphone provisioned,
    /// no browser.
    pub async fn switch_to(&self, account_id: &str) -> Result<SignInOutcome, ClientError> {
        if !self.store.set_current(account_id)? {
            return Err(ClientError::UnknownAccount);
        }
        self.restore().await?.ok_or(ClientError::NotSignedIn)
    }

    /// Revokes at the portal, then wipes the account's keychain entries and profile. The
    /// local wipe happens even when the portal cannot be reached (reported afterwards).
    pub async fn sign_out(&self, account_id: &str) -> Result<(), ClientError> {
        // Its stream is not followed any more, nor again while it is still stored: the
        // portal's "signed out" is this.
        let _leaving = self.portal_events.leave(account_id);
        // The line unregisters while its credential still works (the portal ends it with
        // the session).
        self.lines.remove(account_id).await;
        let refresh = self
            .load_secret(account_id, SecretKind::RefreshToken)
            .await?;
        let revoked = match refresh {
            Some(token) => self.portal.revoke(token.expose()).await,
            None => Ok(()),
        };
        self.forget_locally(account_id).await?;
        revoked?;
        Ok(())
    }

    /// "Use a different account" ended on another account: the one it was used instead of is
    /// signed out here (its line stops ringing). The portal not answering does not undo the
    /// switch: the account is forgotten here either way.
    pub(crate) async fn sign_out_replaced(&self, account_id: &str) {
        if let Err(error) = self.sign_out(account_id).await {
            tracing::warn!(%error, "the account used before could not be signed out at the portal");
        }
    }

    pub(crate) async fn forget_locally(&self, account_id: &str) -> Result<(), ClientError> {
        self.access_tokens.lock().await.remove(account_id);
        self.lines.remove(account_id).await;
        let keychain = self.keychain.clone();
        let id = account_id.to_owned();
        blocking(move || keychain.wipe_account(&id)).await?;
        self.store.forget(account_id)?;
        Ok(())
    }

    /// The SIP password of the account, from the keychain.
    pub async fn sip_password(&self, account_id: &str) -> Result<Option<Secret>, ClientError> {
        self.load_secret(account_id, SecretKind::SipPassword).await
    }
}
