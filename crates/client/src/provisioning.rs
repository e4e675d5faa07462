//! Provisioning the softphone: the SIP profile fetched when it changed (ETag), its password
//! to the keychain and the rest to the data folder; and restoring the remembered account on
//! start without a browser.

use switchboard_api::{AccountSummary, SipProfile};

use crate::error::ClientError;
use crate::keychain::{Secret, SecretKind};
use crate::outcome::{PhoneSummary, SignInOutcome};
use crate::portal::PortalClient;
use crate::store::StoredProfile;
use crate::switchboard::Switchboard;

impl Switchboard {
    /// Fetches the SIP profile when it changed (ETag); password to the keychain, the rest
    /// to the data folder.
    pub async fn provision(&self, account_id: &str) -> Result<PhoneSummary, ClientError> {
        let (profile, fresh_password) = self.fetch_profile(account_id).await?;
        // The phone settings are saved whatever the line does; its trouble shows on it.
        if let Err(error) = self
            .keep_line(account_id, &profile, fresh_password, false)
            .await
        {
            tracing::warn!(account_id, %error, "cannot start the line");
            self.lines.publish(
                account_id,
                Some(crate::LineStatus::NotRegistered {
                    reason: format!("The phone could not be registered: {error}"),
                }),
            );
        }
        Ok(profile.into())
    }

    /// After the registrar refused the line's credentials: the profile fetched without
    /// the ETag (the password may have changed), saved, and the line started with it.
    pub(crate) async fn provision_again(&self, account_id: &str) -> Result<(), ClientError> {
        let access = self.access_token(account_id).await?;
        let Some((profile, etag)) = self.portal.sip_profile(access.expose(), None).await? else {
            return Err(ClientError::NotSignedIn);
        };
        let password = Secret::new(profile.password.clone());
        let stored = self.save_profile(account_id, profile, etag).await?;
        self.keep_line(account_id, &stored, Some(password), true)
            .await
    }

    /// The SIP authentication user the account's line registers with (this device's own
    /// credential, as the portal made it), from the profile saved here.
    pub fn line_credential(&self, account_id: &str) -> Result<Option<String>, ClientError> {
        Ok(self
            .store
            .profile(account_id)?
            .map(|profile| profile.auth_user))
    }

    /// Registers the account's line with the profile saved here (the portal does not
    /// answer); `false` when none is saved.
    pub(crate) async fn keep_saved_line(&self, account_id: &str) -> Result<bool, ClientError> {
        let Some(profile) = self.store.profile(account_id)? else {
            return Ok(false);
        };
        self.keep_line(account_id, &profile, None, false).await?;
        Ok(true)
    }

    /// Registers the account's line with this profile when lines are on.
    async fn keep_line(
        &self,
        account_id: &str,
        profile: &StoredProfile,
        fresh_password: Option<Secret>,
        refetched: bool,
    ) -> Result<(), ClientError> {
        if self.lines.config()?.is_none() {
            return Ok(());
        }
        let password = match fresh_password {
            Some(password) => password,
            None => match self.sip_password(account_id).await? {
                Some(password) => password,
                None => return Err(ClientError::NotSignedIn),
            },
        };
        let sip = SipProfile {
            extension: profile.extension.clone(),
            display_name: profile.display_name.clone(),
            sip_user: profile.sip_user.clone(),
            auth_user: profile.auth_user.clone(),
            password: password.expose().to_owned(),
            domain: profile.domain.clone(),
            registrar: profile.registrar.clone(),
            outbound_proxy: profile.outbound_proxy.clone(),
            transport: profile.transport,
            stun_server: profile.stun_server.clone(),
            turn_server: profile.turn_server.clone(),
            voicemail_number: profile.voicemail_number.clone(),
            version: profile.version,
        };
        self.lines.keep(account_id, sip, refetched).await;
        Ok(())
    }

    /// The saved profile, fetched again when it changed (ETag); with the password when it
    /// was fetched.
    async fn fetch_profile(
        &self,
        account_id: &str,
    ) -> Result<(StoredProfile, Option<Secret>), ClientError> {
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
                self.drop_access_token(account_id).await;
                let access = self.access_token(account_id).await?;
                self.portal.sip_profile(access.expose(), None).await?
            }
            Err(error) => return Err(error.into()),
        };
        let fetched = match (fetched, stored) {
            (Some(fetched), _) => fetched,
            (None, Some(stored)) => return Ok((stored, None)),
            (None, None) => match self.portal.sip_profile(access.expose(), None).await? {
                Some(fetched) => fetched,
                None => return Err(ClientError::NotSignedIn),
            },
        };
        let (profile, etag) = fetched;
        let password = Secret::new(profile.password.clone());
        let stored = self.save_profile(account_id, profile, etag).await?;
        Ok((stored, Some(password)))
    }

    async fn save_profile(
        &self,
        account_id: &str,
        profile: SipProfile,
        etag: Option<String>,
    ) -> Result<StoredProfile, ClientError> {
        let password = Secret::new(profile.password);
        self.store_secret(account_id, SecretKind::SipPassword, password)
            .await?;
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

    /// The current account and its phone settings as saved here (no network): what the
    /// softphone uses while the portal does not answer.
    pub fn saved_phone(&self) -> Result<Option<(AccountSummary, PhoneSummary)>, ClientError> {
        let Some(account) = self.store.current()? else {
            return Ok(None);
        };
        Ok(self
            .store
            .profile(&account.account_id)?
            .map(|profile| (account, profile.into())))
    }
}
