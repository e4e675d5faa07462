//! What lets an account in: its password, authenticator, sessions, and whether it may
//! use single sign-on.

use serde_json::json;

use crate::admin::validate::given_or_new_password;
use crate::admin::{Admin, AdminError, Outcome};
use crate::password::hash_password;

impl Admin {
    pub async fn account_reset_password(
        &self,
        username: &str,
        password: Option<&str>,
    ) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let (password, shown) = given_or_new_password(password)?;
        let hash = hash_password(&password)?;
        let audit = self.row(
            self.event("password_reset")
                .account(account.id.as_str())
                .detail("username", account.username.as_str()),
        );
        let ended = self
            .store
            .reset_password(&account.id, &hash, self.now, &audit)
            .await?;
        let mut text = format!(
            "Reset the password of {}; {ended} session(s) ended.",
            account.username
        );
        if let Some(password) = &shown {
            text.push_str(&format!(
                "\n  New password (shown only now; give it to the user): {password}"
            ));
        }
        Ok(Outcome::new(
            text,
            json!({ "username": account.username, "password": shown, "sessions_ended": ended }),
        ))
    }

    pub async fn account_reset_authenticator(&self, username: &str) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let audit = self.row(
            self.event("authenticator_reset")
                .account(account.id.as_str())
                .detail("username", account.username.as_str()),
        );
        if !self.store.reset_authenticator(&account.id, &audit).await? {
            return Err(AdminError::Unchanged(format!(
                "{} has no authenticator app",
                account.username
            )));
        }
        Ok(Outcome::new(
            format!(
                "Removed the authenticator app and recovery codes of {}; they sign in with the password alone until they set up a new one.",
                account.username
            ),
            json!({ "username": account.username, "authenticator": false }),
        ))
    }

    pub async fn account_sign_out(&self, username: &str) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let audit = self.row(
            self.event("signed_out_everywhere")
                .account(account.id.as_str())
                .detail("username", account.username.as_str()),
        );
        let ended = self
            .store
            .end_all_sessions(&account.id, "signed_out_by_admin", self.now, &audit)
            .await?;
        Ok(Outcome::new(
            format!(
                "Signed {} out everywhere: {ended} session(s) ended.",
                account.username
            ),
            json!({ "username": account.username, "sessions_ended": ended }),
        ))
    }

    pub async fn account_sso(&self, username: &str, allowed: bool) -> Result<Outcome, AdminError> {
        let account = self.account(username).await?;
        let audit = self.row(
            self.event(if allowed { "sso_allowed" } else { "sso_denied" })
                .account(account.id.as_str())
                .detail("username", account.username.as_str()),
        );
        let Some(ended) = self
            .store
            .set_sso(&account.id, allowed, self.now, &audit)
            .await?
        else {
            return Err(AdminError::Unchanged(format!(
                "single sign-on is already {} for {}",
                if allowed { "allowed" } else { "denied" },
                account.username
            )));
        };
        let text = if allowed {
            format!(
                "{} may sign in with single sign-on again.",
                account.username
            )
        } else {
            format!(
                "{} may no longer sign in with single sign-on (the password still works); {ended} single sign-on session(s) ended.",
                account.username
            )
        };
        Ok(Outcome::new(
            text,
            json!({ "username": account.username, "sso_allowed": allowed, "sessions_ended": ended }),
        ))
    }
}
