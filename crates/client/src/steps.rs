//! The steps between a sign-in and a session when it is not simply done: choose among
//! several accounts (the portal remembers the choice per identity), link with the
//! account's password once, the authenticator code, and "use a different account" later.
//! The portal's ticket stays here; the window only sees the step's content.

use switchboard_api::{
    ChooseAccountRequest, ChooseAgainRequest, LinkAccountRequest, LoginStep, MfaRequest,
    PasswordSignInRequest,
};

use crate::error::ClientError;
use crate::keychain::Secret;
use crate::outcome::SignInOutcome;
use crate::pending_step::{ticket_refused, PendingStep};
use crate::portal::PortalClientError;
use crate::switchboard::Switchboard;

impl Switchboard {
    pub(crate) fn clear_pending_step(&self) -> Result<(), ClientError> {
        *self.pending_step.lock()? = None;
        Ok(())
    }

    /// Keeps the ticket of a choose or link step and answers what the window shows.
    pub(crate) fn hold_step(
        &self,
        step: LoginStep,
        provider_name: &str,
    ) -> Result<SignInOutcome, ClientError> {
        let (ticket, expires_in, outcome) = match step {
            LoginStep::ChooseAccount {
                ticket,
                expires_in,
                accounts,
                remembered_account_id,
            } => {
                let shared_email = accounts.iter().any(|a| a.reached_through_shared_email);
                *self.reached.lock()? = Some(accounts.len());
                let outcome = SignInOutcome::ChooseAccount {
                    accounts,
                    remembered_account_id,
                    shared_email,
                    in_place_of: None,
                };
                (ticket, expires_in, outcome)
            }
            LoginStep::LinkAccount {
                ticket,
                expires_in,
                email,
                reason,
            } => {
                let outcome = SignInOutcome::LinkAccount {
                    provider_name: provider_name.to_owned(),
                    email,
                    reason,
                };
                (ticket, expires_in, outcome)
            }
            LoginStep::MfaRequired { ticket, expires_in } => {
                (ticket, expires_in, SignInOutcome::MfaRequired)
            }
            LoginStep::SignedIn { .. } => {
                return Ok(SignInOutcome::NotSupported {
                    message: "The portal answered a step out of order. Start signing in again."
                        .into(),
                })
            }
        };
        let held = PendingStep {
            ticket: Secret::new(ticket),
            expires_at: self.now() + i64::try_from(expires_in).unwrap_or(0),
            provider_name: provider_name.to_owned(),
            outcome: outcome.clone(),
        };
        *self.pending_step.lock()? = Some(held);
        Ok(outcome)
    }

    /// The open step, when it is of the wanted kind and in time.
    fn open_step(&self, kind: fn(&SignInOutcome) -> bool) -> Result<PendingStep, ClientError> {
        let now = self.now();
        let step = self
            .pending_step
            .lock()?
            .clone()
            .filter(|step| step.expires_at > now)
            .filter(|step| kind(&step.outcome));
        step.ok_or(ClientError::NoPendingStep)
    }

    /// The step still open, if one is (a failed attempt keeps it on screen).
    pub fn open_step_outcome(&self) -> Result<Option<SignInOutcome>, ClientError> {
        let now = self.now();
        Ok(self
            .pending_step
            .lock()?
            .clone()
            .filter(|step| step.expires_at > now)
            .map(|step| step.outcome))
    }

    /// Signs in to one of the accounts the chooser listed. `remember`: the portal makes it
    /// this identity's default (on every computer); unticked, it forgets an earlier one.
    pub async fn choose_account(
        &self,
        account_id: &str,
        remember: bool,
    ) -> Result<SignInOutcome, ClientError> {
        let step = self.open_step(|o| matches!(o, SignInOutcome::ChooseAccount { .. }))?;
        if !step.offers(account_id) {
            return Err(ClientError::UnknownAccount);
        }
        let request = ChooseAccountRequest {
            ticket: step.ticket.expose().to_owned(),
            account_id: account_id.to_owned(),
            remember,
            device_name: Some(self.device_name.clone()),
        };
        let answer = self.portal.choose_account(&request).await;
        self.continue_with(answer, &step.provider_name).await
    }

    /// Links the pending identity to the account with these credentials and signs in.
    /// Wrong credentials keep the step open so the user can try again.
    pub async fn link_account(
        &self,
        username: &str,
        password: &str,
        totp_code: Option<&str>,
    ) -> Result<SignInOutcome, ClientError> {
        let step = self.open_step(|o| matches!(o, SignInOutcome::LinkAccount { .. }))?;
        // The identity is linked to the one account these credentials sign in to.
        *self.reached.lock()? = Some(1);
        let request = LinkAccountRequest {
            ticket: step.ticket.expose().to_owned(),
            username: username.trim().to_owned(),
            password: password.to_owned(),
            totp_code: totp_code
                .map(|code| code.trim().to_owned())
                .filter(|code| !code.is_empty()),
            device_name: Some(self.device_name.clone()),
        };
        let answer = self.portal.link_account(&request).await;
        self.continue_with(answer, &step.provider_name).await
    }

    /// Signs in with username and password; an account with an authenticator app answers
    /// `MfaRequired` next.
    pub async fn sign_in_with_password(
        &self,
        username: &str,
        password: &str,
    ) -> Result<SignInOutcome, ClientError> {
        self.cancel_sign_in()?;
        // A password signs in to its one account.
        *self.reached.lock()? = Some(1);
        let request = PasswordSignInRequest {
            username: username.trim().to_owned(),
            password: password.to_owned(),
            device_name: Some(self.device_name.clone()),
        };
        let step = self.portal.password_sign_in(&request).await?;
        self.after_login_step(step, "password").await
    }

    /// The authenticator code (or a recovery code) for the open `MfaRequired` step. A wrong
    /// code keeps the step open.
    pub async fn submit_mfa_code(&self, code: &str) -> Result<SignInOutcome, ClientError> {
        let step = self.open_step(|o| matches!(o, SignInOutcome::MfaRequired))?;
        let request = MfaRequest {
            ticket: step.ticket.expose().to_owned(),
            code: code.trim().to_owned(),
            device_name: Some(self.device_name.clone()),
        };
        let answer = self.portal.submit_mfa(&request).await;
        self.continue_with(answer, &step.provider_name).await
    }

    async fn continue_with(
        &self,
        answer: Result<LoginStep, PortalClientError>,
        provider_name: &str,
    ) -> Result<SignInOutcome, ClientError> {
        match answer {
            Ok(step) => self.after_login_step(step, provider_name).await,
            Err(error) => {
                let error = ClientError::from(error);
                if ticket_refused(&error) {
                    self.clear_pending_step()?;
                }
                Err(error)
            }
        }
    }

    /// "Use a different account": the chooser again for the provider identity the current
    /// account signed in with, with no browser. The account chosen is used instead of the
    /// current one: that one is signed out here once the other is signed in.
    pub async fn choose_again(&self) -> Result<SignInOutcome, ClientError> {
        let account = self.store.current()?.ok_or(ClientError::NotSignedIn)?;
        self.cancel_sign_in()?;
        let access = self.access_token(&account.account_id).await?;
        let step = self
            .portal
            .choose_again(
                access.expose(),
                &ChooseAgainRequest {
                    device_name: Some(self.device_name.clone()),
                },
            )
            .await?;
        let outcome = self.after_login_step(step, "your provider").await?;
        let SignInOutcome::ChooseAccount {
            accounts,
            remembered_account_id,
            shared_email,
            ..
        } = outcome
        else {
            return Ok(outcome);
        };
        let outcome = SignInOutcome::ChooseAccount {
            accounts,
            remembered_account_id,
            shared_email,
            in_place_of: Some(account.clone()),
        };
        if let Some(step) = self.pending_step.lock()?.as_mut() {
            step.outcome = outcome.clone();
        }
        *self.in_place_of.lock()? = Some(account.account_id);
        Ok(outcome)
    }
}
