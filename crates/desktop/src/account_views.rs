//! Several accounts signed in on one computer: switching (no browser; the softphone is
//! provisioned for the account switched to) and signing out one or all. Each account has
//! its own keychain entries.

use switchboard_client::ClientError;

use crate::views::{AppView, Notice};
use crate::App;
use switchboard_frontend::error_code::{message, ErrorCode};

impl App {
    /// Makes a signed-in account the current one, its softphone provisioned.
    pub async fn switch_view(&self, account_id: &str) -> AppView {
        if let Err(error) = self.core.cancel_sign_in() {
            return self.home_view(Some(Notice::of(&error)));
        }
        match self.core.switch_to(account_id).await {
            Ok(outcome) => self.view(outcome),
            Err(ClientError::UnknownAccount) => {
                self.home_view(Some(Notice::of(&ClientError::UnknownAccount)))
            }
            Err(error) => self.view_after_failed_restore(error),
        }
    }

    /// Signs out the current account; the next signed-in account (if any) takes its place.
    pub async fn sign_out_view(&self) -> AppView {
        let account = match self.core.current_account() {
            Ok(Some(account)) => account,
            Ok(None) => return self.sign_in_view(None),
            Err(error) => return self.sign_in_view(Some(Notice::of(&error))),
        };
        let notice_shown = match self.core.sign_out(&account.account_id).await {
            Ok(()) => Notice::info(format!(
                "Signed out {}. Their phone settings were removed from this computer.",
                account.display_name
            )),
            // Signed out here; the portal forgets the session when it expires.
            Err(error) => Notice::error(
                ErrorCode::of(&error),
                format!(
                    "Signed out {} on this computer, but the portal could not be told: {}",
                    account.display_name,
                    message(&error)
                ),
            ),
        };
        self.restore_view().await.with_notice(Some(notice_shown))
    }

    /// Signs out every account signed in here.
    pub async fn sign_out_all_view(&self) -> AppView {
        let accounts = match self.core.signed_in_accounts() {
            Ok(accounts) => accounts,
            Err(error) => return self.sign_in_view(Some(Notice::of(&error))),
        };
        let mut unreachable = None;
        for account in accounts {
            if let Err(error) = self.core.sign_out(&account.account_id).await {
                unreachable = Some(error);
            }
        }
        let notice_shown = match unreachable {
            None => Notice::info(
                "Signed out of every account. Their phone settings were removed from this computer.",
            ),
            Some(error) => Notice::error(
                ErrorCode::of(&error),
                format!(
                    "Signed out of every account on this computer, but the portal could not be told: {}",
                    message(&error)
                ),
            ),
        };
        self.sign_in_view(Some(notice_shown))
    }
}
