//! The current account's security settings at the portal: the overview, the authenticator
//! app (set up, turn off, new recovery codes), linked providers (add through the browser,
//! remove), notification emails, sessions, step-up and the password. Each call uses the
//! current account's access token, refreshed once when the portal refuses it.

use serde::de::DeserializeOwned;
use serde::Serialize;
use switchboard_api::{
    paths, AccountEmail, AccountSummary, AuthenticatorSetup, ChangePasswordRequest,
    ConfirmEmailRequest, ConfirmRequest, Confirmation, EmailPurpose, EmailRequest, LinkIntent,
    NotificationEmailAdded, PasswordAndCode, ProviderOption, RecoveryCodes, RemoveLinkRequest,
    RevokeSessionRequest, SecurityOverview, StartLinkRequest,
};

use crate::error::ClientError;
use crate::portal::{PortalClient, PortalClientError};
use crate::signin::SignInStart;
use crate::switchboard::Switchboard;

/// An optional code as the portal wants it: trimmed, and absent when empty.
fn optional_code(code: Option<&str>) -> Option<String> {
    code.map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
}

impl Switchboard {
    /// The current account, or `NotSignedIn`.
    pub fn signed_in_account(&self) -> Result<AccountSummary, ClientError> {
        self.store.current()?.ok_or(ClientError::NotSignedIn)
    }

    /// Calls the portal with the current account's access token; a token the portal
    /// refuses is refreshed once and the call repeated.
    async fn authorized<T, F, Fut>(&self, call: F) -> Result<T, ClientError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, PortalClientError>>,
    {
        let account = self.signed_in_account()?;
        let token = self.access_token(&account.account_id).await?;
        match call(token.expose().to_owned()).await {
            Err(error) if PortalClient::is_token_rejection(&error) => {
                self.drop_access_token(&account.account_id).await;
                let token = self.access_token(&account.account_id).await?;
                Ok(call(token.expose().to_owned()).await?)
            }
            other => Ok(other?),
        }
    }

    /// `POST`s `body` to `path` with the current account's access token.
    async fn post<T, B>(&self, path: &'static str, body: &B) -> Result<T, ClientError>
    where
        T: DeserializeOwned,
        B: Serialize + Sync,
    {
        self.authorized(
            |token| async move { self.portal.post_authorized(path, &token, body).await },
        )
        .await
    }

    /// A `POST` whose answer carries nothing.
    async fn act<B: Serialize + Sync>(
        &self,
        path: &'static str,
        body: &B,
    ) -> Result<(), ClientError> {
        let _: serde_json::Value = self.post(path, body).await?;
        Ok(())
    }

    pub async fn security_overview(&self) -> Result<SecurityOverview, ClientError> {
        self.authorized(
            |token| async move { self.portal.get_authorized(paths::SECURITY, &token).await },
        )
        .await
    }

    /// A new authenticator secret, waiting for a code and the password.
    pub async fn start_authenticator_setup(&self) -> Result<AuthenticatorSetup, ClientError> {
        self.post(paths::AUTHENTICATOR, &serde_json::json!({}))
            .await
    }

    /// Turns the authenticator on; answers the recovery codes (shown once).
    pub async fn confirm_authenticator(
        &self,
        password: &str,
        code: &str,
    ) -> Result<RecoveryCodes, ClientError> {
        let body = PasswordAndCode {
            password: password.to_owned(),
            code: code.trim().to_owned(),
        };
        self.post(paths::AUTHENTICATOR_CONFIRM, &body).await
    }

    pub async fn disable_authenticator(
        &self,
        password: &str,
        code: &str,
    ) -> Result<(), ClientError> {
        let body = PasswordAndCode {
            password: password.to_owned(),
            code: code.trim().to_owned(),
        };
        self.act(paths::AUTHENTICATOR_DISABLE, &body).await
    }

    pub async fn regenerate_recovery_codes(
        &self,
        password: &str,
        code: &str,
    ) -> Result<RecoveryCodes, ClientError> {
        let body = PasswordAndCode {
            password: password.to_owned(),
            code: code.trim().to_owned(),
        };
        self.post(paths::RECOVERY_CODES, &body).await
    }

    /// The providers an account may add: those that serve everyone, then those its
    /// organization enabled for its login emails' domains (a company's own provider is not
    /// listed for everyone).
    pub async fn linkable_providers(
        &self,
        emails: &[AccountEmail],
    ) -> Result<Vec<ProviderOption>, ClientError> {
        let mut providers = self.portal.sign_in_options().await?.providers;
        let mut asked = Vec::new();
        for email in emails.iter().filter(|e| e.purpose == EmailPurpose::Login) {
            let Some((_, domain)) = email.email.rsplit_once('@') else {
                continue;
            };
            if asked.contains(&domain) {
                continue;
            }
            asked.push(domain);
            let found = self.portal.sign_in_options_for_email(&email.email).await?;
            for provider in found.providers {
                if !providers.iter().any(|known| known.id == provider.id) {
                    providers.push(provider);
                }
            }
        }
        Ok(providers)
    }

    /// Starts linking another provider through the browser (the password, and a code when
    /// the account has an authenticator, confirm it is the user); the caller opens it.
    pub async fn begin_link_provider(
        &self,
        provider_id: &str,
        password: &str,
        code: Option<&str>,
        redirect_uri: &str,
    ) -> Result<(SignInStart, String), ClientError> {
        let overview = self.security_overview().await?;
        let provider = self
            .linkable_providers(&overview.emails)
            .await?
            .into_iter()
            .find(|p| p.id == provider_id)
            .ok_or_else(|| ClientError::UnknownProvider(provider_id.to_owned()))?;
        let provider_name = provider.display_name.clone();
        let mut start = self.begin_sign_in_with(&provider, None, redirect_uri)?;
        let request = StartLinkRequest {
            provider: provider_id.to_owned(),
            password: password.to_owned(),
            code: optional_code(code),
            code_challenge: start.code_challenge.clone(),
        };
        let intent: Result<LinkIntent, ClientError> =
            self.post(paths::LINK_PROVIDER_START, &request).await;
        match intent {
            Ok(intent) => {
                self.pending_sign_ins()
                    .link_provider(&mut start, &intent.link_intent)?;
                Ok((start, provider_name))
            }
            Err(error) => {
                self.pending_sign_ins().cancel(&start.state)?;
                Err(error)
            }
        }
    }

    pub async fn remove_linked_provider(&self, link_id: &str) -> Result<(), ClientError> {
        let request = RemoveLinkRequest {
            link_id: link_id.to_owned(),
        };
        self.act(paths::LINK_PROVIDER_REMOVE, &request).await
    }

    pub async fn add_notification_email(
        &self,
        email: &str,
    ) -> Result<NotificationEmailAdded, ClientError> {
        let request = EmailRequest {
            email: email.to_owned(),
        };
        self.post(paths::EMAILS, &request).await
    }

    /// The code mailed to a notification email: it then receives copies.
    pub async fn confirm_notification_email(
        &self,
        email: &str,
        code: &str,
    ) -> Result<(), ClientError> {
        let request = ConfirmEmailRequest {
            email: email.trim().to_owned(),
            code: code.trim().to_owned(),
        };
        self.act(paths::EMAILS_CONFIRM, &request).await
    }

    pub async fn remove_notification_email(&self, email: &str) -> Result<(), ClientError> {
        let request = EmailRequest {
            email: email.to_owned(),
        };
        self.act(paths::EMAILS_REMOVE, &request).await
    }

    /// Signs out another session of this account.
    pub async fn sign_out_session(&self, session_id: &str) -> Result<(), ClientError> {
        let request = RevokeSessionRequest {
            session_id: session_id.to_owned(),
        };
        self.act(paths::SESSIONS_REVOKE, &request).await
    }

    /// Step-up: the password (and the authenticator code when it is on) confirm it is the
    /// user; the portal then allows sensitive changes for a few minutes.
    pub async fn confirm_identity(
        &self,
        password: &str,
        code: Option<&str>,
    ) -> Result<Confirmation, ClientError> {
        let request = ConfirmRequest {
            password: password.to_owned(),
            code: optional_code(code),
        };
        self.post(paths::CONFIRM, &request).await
    }

    /// Changes the password: the current one, and the authenticator code when it is on
    /// (unless the user confirmed it is them in the last few minutes).
    pub async fn change_password(
        &self,
        current: &str,
        new: &str,
        code: Option<&str>,
    ) -> Result<(), ClientError> {
        let request = ChangePasswordRequest {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
            code: optional_code(code),
        };
        self.act(paths::PASSWORD, &request).await
    }
}
