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
