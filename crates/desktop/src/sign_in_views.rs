//! The views of signing in: the sign-in screen, the chooser, the link form, the code step,
//! the ready screen, restoring on start, and where Cancel and Back lead.

use switchboard_api::AccountSummary;
use switchboard_client::{ClientError, PhoneSummary, SignInOutcome};

use crate::views::{AppView, Notice};
use crate::App;
use switchboard_frontend::error_code::{message, ErrorCode};
use switchboard_frontend::words::link_reason_text;

impl App {
    /// The sign-in screen; it offers going back to the current account if one is signed in.
    pub fn sign_in_view(&self, notice_shown: Option<Notice>) -> AppView {
        match self.core.current_account() {
            Ok(back_to) => AppView::SignIn {
                notice: notice_shown,
                back_to,
            },
            // A damaged accounts file is said once: it wins over what else there was to say.
            Err(error) => AppView::SignIn {
                notice: Some(Notice::of(&error)),
                back_to: None,
            },
        }
    }

    pub fn ready_view(
        &self,
        account: AccountSummary,
        phone: PhoneSummary,
        notice_shown: Option<Notice>,
    ) -> AppView {
        let (signed_in, notice_shown) = match self.core.signed_in_accounts() {
            Ok(signed_in) => (signed_in, notice_shown),
            Err(error) => (vec![account.clone()], Some(Notice::of(&error))),
        };
        let reaches_accounts = self
            .core
            .reaches_accounts(&account.account_id)
            .map_or(1, |n| u32::try_from(n).unwrap_or(u32::MAX));
        AppView::Ready {
            account,
            phone,
            notice: notice_shown,
            signed_in,
            reaches_accounts,
        }
    }

    /// What the window shows for a sign-in outcome.
    pub fn view(&self, outcome: SignInOutcome) -> AppView {
        match outcome {
            SignInOutcome::Ready { account, phone } => self.ready_view(account, phone, None),
            SignInOutcome::ChooseAccount {
                accounts,
                remembered_account_id,
                shared_email,
                in_place_of,
            } => AppView::ChooseAccount {
                accounts,
                remembered_account_id,
                shared_email,
                in_place_of,
                notice: None,
            },
            SignInOutcome::LinkAccount {
                provider_name,
                email,
                reason,
            } => AppView::LinkAccount {
                reason_text: link_reason_text(reason, &provider_name, email.as_deref()),
                provider_name,
                email,
                reason,
                notice: None,
            },
            SignInOutcome::MfaRequired => AppView::MfaRequired { notice: None },
            SignInOutcome::ProviderLinked { provider_name } => {
                self.home_view(Some(provider_linked(&provider_name)))
            }
            SignInOutcome::NotSupported { message } => AppView::StepNotSupported { message },
        }
    }

    /// What the window shows for an outcome that may need the portal (a provider linked
    /// from the settings goes back to them).
    pub async fn outcome_view(&self, outcome: SignInOutcome) -> AppView {
        match outcome {
            SignInOutcome::ProviderLinked { provider_name } => {
                self.security_view(Some(provider_linked(&provider_name)))
                    .await
            }
            other => self.view(other),
        }
    }

    /// Where Cancel and Back lead: the current account as saved here (no network), or the
    /// sign-in screen.
    pub fn home_view(&self, notice_shown: Option<Notice>) -> AppView {
        match self.core.saved_phone() {
            Ok(Some((account, phone))) => self.ready_view(account, phone, notice_shown),
            Ok(None) => self.sign_in_view(notice_shown),
            Err(error) => self.sign_in_view(Some(Notice::of(&error))),
        }
    }

    /// What the window shows on start. When the portal cannot be reached, a remembered
    /// account stays ready with the phone settings saved here, and says so.
    pub async fn restore_view(&self) -> AppView {
        match self.core.restore().await {
            Ok(Some(outcome)) => self.view(outcome),
            Ok(None) => self.sign_in_view(None),
            Err(error) => self.view_after_failed_restore(error),
        }
    }

    /// An account that could not be refreshed: signed out when the portal ended it, still
    /// ready on the saved settings when the portal did not answer.
    pub fn view_after_failed_restore(&self, error: ClientError) -> AppView {
        match error {
            ClientError::SignedOut => self.sign_in_view(Some(Notice::info(
                "Your sign-in has ended (it expired or was signed out elsewhere). Sign in again.",
            ))),
            error if error.is_unreachable() => match self.core.saved_phone() {
                Ok(Some((account, phone))) => self.ready_view(
                    account,
                    phone,
                    Some(Notice::error(
                        ErrorCode::of(&error),
                        format!(
                            "{} Your phone uses the settings saved on this computer until then.",
                            message(&error)
                        ),
                    )),
                ),
                Ok(None) => self.sign_in_view(Some(Notice::of(&error))),
                Err(store_error) => self.sign_in_view(Some(Notice::of(&store_error))),
            },
            error => self.sign_in_view(Some(Notice::of(&error))),
        }
    }

    /// Username + password sign-in from the sign-in screen.
    pub async fn password_sign_in_view(&self, username: &str, password: &str) -> AppView {
        match self.core.sign_in_with_password(username, password).await {
            Ok(outcome) => self.view(outcome),
            Err(error) => self.sign_in_view(Some(Notice::of(&error))),
        }
    }

    pub async fn submit_mfa_code_view(&self, code: &str) -> AppView {
        let result = self.core.submit_mfa_code(code).await;
        self.step_view(result)
    }

    /// The answer of a choose, link or code step as a view. A failure keeps the step on
    /// screen with what went wrong while its ticket is still good, so the user can try again.
    pub fn step_view(&self, result: Result<SignInOutcome, ClientError>) -> AppView {
        match result {
            Ok(outcome) => self.view(outcome),
            Err(error) => match self.core.open_step_outcome() {
                Ok(Some(step)) => self.view(step).with_notice(Some(Notice::of(&error))),
                Ok(None) => self.sign_in_view(Some(Notice::of(&error))),
                Err(lock_error) => self.sign_in_view(Some(Notice::of(&lock_error))),
            },
        }
    }

    pub async fn choose_account_view(&self, account_id: &str, remember: bool) -> AppView {
        let result = self.core.choose_account(account_id, remember).await;
        self.step_view(result)
    }

    pub async fn link_account_view(
        &self,
        username: &str,
        password: &str,
        totp_code: Option<&str>,
    ) -> AppView {
        let result = self.core.link_account(username, password, totp_code).await;
        self.step_view(result)
    }

    /// "Use a different account": the chooser, or the current account with why not.
    pub async fn choose_again_view(&self) -> AppView {
        match self.core.choose_again().await {
            Ok(outcome) => self.view(outcome),
            Err(error) => self.home_view(Some(Notice::of(&error))),
        }
    }

    /// Gives up the sign-in in progress (browser, chooser, link form or code): back to the
    /// current account, or to the sign-in screen. A loopback port waiting for the browser
    /// closes with it.
    pub fn cancel_sign_in_view(&self) -> AppView {
        match self.core.cancel_sign_in() {
            Ok(()) => self.home_view(None),
            Err(error) => self.home_view(Some(Notice::of(&error))),
        }
    }

    /// "Add another account": the sign-in screen, with the way back to the current one.
    pub fn add_account_view(&self) -> AppView {
        match self.core.cancel_sign_in() {
            Ok(()) => self.sign_in_view(None),
            Err(error) => self.sign_in_view(Some(Notice::of(&error))),
        }
    }
}

fn provider_linked(provider_name: &str) -> Notice {
    Notice::info(format!(
        "{provider_name} is linked: it signs you in to this account from now on."
    ))
}
