//! Several accounts signed in on one computer: the views the window shows for them,
//! switching (no browser; the softphone is provisioned for the account switched to),
//! signing out one or all. Each account has its own keychain entries.

use switchboard_api::AccountSummary;

use crate::bridge::{AppView, Notice, PhoneSummary};
use crate::switchboard::{ClientError, SignInOutcome, Switchboard};

/// The view with `notice` when it has room for one and none yet.
fn with_notice(view: AppView, notice: Option<Notice>) -> AppView {
    let Some(extra) = notice else {
        return view;
    };
    match view {
        AppView::SignIn {
            notice: None,
            back_to,
        } => AppView::SignIn {
            notice: Some(extra),
            back_to,
        },
        AppView::Ready {
            account,
            phone,
            notice: None,
            signed_in,
        } => AppView::Ready {
            account,
            phone,
            notice: Some(extra),
            signed_in,
        },
        AppView::ChooseAccount {
            accounts,
            remembered_account_id,
            shared_email,
            notice: None,
        } => AppView::ChooseAccount {
            accounts,
            remembered_account_id,
            shared_email,
            notice: Some(extra),
        },
        AppView::MfaRequired { notice: None } => AppView::MfaRequired {
            notice: Some(extra),
        },
        AppView::LinkAccount {
            provider_name,
            email,
            reason,
            notice: None,
        } => AppView::LinkAccount {
            provider_name,
            email,
            reason,
            notice: Some(extra),
        },
        other => other,
    }
}

impl Switchboard {
    /// Every account signed in here, in the order they were added.
    pub fn signed_in_accounts(&self) -> Vec<AccountSummary> {
        self.store.accounts().unwrap_or_default()
    }

    /// The sign-in screen; it offers going back to the current account if one is signed in.
    pub fn sign_in_view(&self, notice: Option<Notice>) -> AppView {
        AppView::SignIn {
            notice,
            back_to: self.store.current().ok().flatten(),
        }
    }

    pub fn ready_view(
        &self,
        account: AccountSummary,
        phone: PhoneSummary,
        notice: Option<Notice>,
    ) -> AppView {
        AppView::Ready {
            account,
            phone,
            notice,
            signed_in: self.signed_in_accounts(),
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
            } => AppView::ChooseAccount {
                accounts,
                remembered_account_id,
                shared_email,
                notice: None,
            },
            SignInOutcome::LinkAccount {
                provider_name,
                email,
                reason,
            } => AppView::LinkAccount {
                provider_name,
                email,
                reason,
                notice: None,
            },
            SignInOutcome::MfaRequired => AppView::MfaRequired { notice: None },
            SignInOutcome::ProviderLinked { provider_name } => self.home_view(Some(Notice::info(
                format!("{provider_name} is linked: it signs you in to this account from now on."),
            ))),
            SignInOutcome::NotSupported { message } => AppView::StepNotSupported { message },
        }
    }

    /// Username + password sign-in from the sign-in screen.
    pub async fn password_sign_in_view(&self, username: &str, password: &str) -> AppView {
        match self.sign_in_with_password(username, password).await {
            Ok(outcome) => self.view(outcome),
            Err(error) => self.sign_in_view(Some(error.notice())),
        }
    }

    pub async fn submit_mfa_code_view(&self, code: &str) -> AppView {
        let result = self.submit_mfa_code(code).await;
        self.step_view(result)
    }

    /// Where Cancel and Back lead: the current account as saved here (no network), or the
    /// sign-in screen.
    pub fn home_view(&self, notice: Option<Notice>) -> AppView {
        match self.saved_phone() {
            Some((account, phone)) => self.ready_view(account, phone, notice),
            None => self.sign_in_view(notice),
        }
    }

    /// "Add another account": the sign-in screen, with the way back to the current one.
    pub fn add_account_view(&self) -> AppView {
        self.cancel_sign_in();
        self.sign_in_view(None)
    }

    /// The answer of a choose or link step as a view. A failure keeps the step on screen
    /// with what went wrong while its ticket is still good, so the user can try again.
    pub fn step_view(&self, result: Result<SignInOutcome, ClientError>) -> AppView {
        match result {
            Ok(outcome) => self.view(outcome),
            Err(error) => match self.open_step_outcome() {
                Some(step) => with_notice(self.view(step), Some(error.notice())),
                None => self.sign_in_view(Some(error.notice())),
            },
        }
    }

    pub async fn choose_account_view(&self, account_id: &str, remember: bool) -> AppView {
        let result = self.choose_account(account_id, remember).await;
        self.step_view(result)
    }

    pub async fn link_account_view(
        &self,
        username: &str,
        password: &str,
        totp_code: Option<&str>,
    ) -> AppView {
        let result = self.link_account(username, password, totp_code).await;
        self.step_view(result)
    }

    /// "Use a different account": the chooser, or the current account with why not.
    pub async fn choose_again_view(&self) -> AppView {
        match self.choose_again().await {
            Ok(outcome) => self.view(outcome),
            Err(error) => self.home_view(Some(error.notice())),
        }
    }

    /// Makes a signed-in account the current one: refreshed and its softphone provisioned,
    /// no browser.
    pub async fn switch_to(&self, account_id: &str) -> Result<SignInOutcome, ClientError> {
        if !self.store.set_current(account_id)? {
            return Err(ClientError::UnknownAccount);
        }
        self.restore().await?.ok_or(ClientError::NotSignedIn)
    }

    pub async fn switch_view(&self, account_id: &str) -> AppView {
        self.cancel_sign_in();
        match self.switch_to(account_id).await {
            Ok(outcome) => self.view(outcome),
            Err(ClientError::UnknownAccount) => {
                self.home_view(Some(ClientError::UnknownAccount.notice()))
            }
            Err(error) => self.view_after_failed_restore(error),
        }
    }

    /// Signs out the current account; the next signed-in account (if any) takes its place.
    pub async fn sign_out_view(&self) -> AppView {
        let Some(account) = self.store.current().ok().flatten() else {
            return self.sign_in_view(None);
        };
        let notice = match self.sign_out(&account.account_id).await {
            Ok(()) => Notice::info(format!(
                "Signed out {}. Their phone settings were removed from this computer.",
                account.display_name
            )),
            // Signed out here; the portal forgets the session when it expires.
            Err(error) => Notice::error(
                &error.code(),
                format!(
                    "Signed out {} on this computer, but the portal could not be told: {}",
                    account.display_name,
                    error.message()
                ),
            ),
        };
        with_notice(self.restore_view().await, Some(notice))
    }

    /// Signs out every account signed in here.
    pub async fn sign_out_all_view(&self) -> AppView {
        let mut unreachable = None;
        for account in self.signed_in_accounts() {
            if let Err(error) = self.sign_out(&account.account_id).await {
                unreachable = Some(error);
            }
        }
        let notice = match unreachable {
            None => Notice::info(
                "Signed out of every account. Their phone settings were removed from this computer.",
            ),
            Some(error) => Notice::error(
                &error.code(),
                format!(
                    "Signed out of every account on this computer, but the portal could not be told: {}",
                    error.message()
                ),
            ),
        };
        self.sign_in_view(Some(notice))
    }
}
