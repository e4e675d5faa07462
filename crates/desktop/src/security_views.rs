//! The current account's security settings as views: every action answers the settings
//! again, with what happened. An authenticator set-up in progress stays on screen until it
//! is confirmed or the settings are left.

use switchboard_api::{NotificationEmailWarning, RecoveryCodes};
use switchboard_client::ClientError;

use crate::views::{AppView, AuthenticatorSetupView, Notice};
use crate::App;
use switchboard_frontend::error_code::ErrorCode;

/// What the settings show besides the overview.
#[derive(Debug, Default)]
struct Extras {
    setup: Option<AuthenticatorSetupView>,
    recovery_codes: Option<Vec<String>>,
    notice: Option<Notice>,
}

impl App {
    /// The set-up in progress, when it is the current account's.
    fn pending_setup(&self) -> Result<Option<AuthenticatorSetupView>, ClientError> {
        let current = self.core.signed_in_account()?.account_id;
        Ok(self
            .authenticator_setup
            .lock()?
            .clone()
            .filter(|(account, _)| *account == current)
            .map(|(_, setup)| setup))
    }

    fn set_pending_setup(&self, setup: Option<AuthenticatorSetupView>) -> Result<(), ClientError> {
        let current = self.core.current_account()?.map(|a| a.account_id);
        *self.authenticator_setup.lock()? = current.zip(setup);
        Ok(())
    }

    async fn settings_view(&self, extras: Extras) -> AppView {
        let account = match self.core.signed_in_account() {
            Ok(account) => account,
            Err(error) => return self.sign_in_view(Some(Notice::of(&error))),
        };
        let overview = match self.core.security_overview().await {
            Ok(overview) => overview,
            Err(ClientError::SignedOut) => {
                return self.sign_in_view(Some(Notice::of(&ClientError::SignedOut)))
            }
            Err(error) => return self.home_view(Some(Notice::of(&error))),
        };
        let providers = self
            .core
            .linkable_providers(&overview.emails)
            .await
            .unwrap_or_default();
        AppView::Security {
            account,
            overview,
            providers,
            setup: extras.setup,
            recovery_codes: extras.recovery_codes,
            notice: extras.notice,
        }
    }

    /// The settings, with `notice`. An authenticator set-up in progress stays on screen.
    pub async fn security_view(&self, notice_shown: Option<Notice>) -> AppView {
        let (setup, notice_shown) = match self.pending_setup() {
            Ok(setup) => (setup, notice_shown),
            Err(error) => (None, Some(Notice::of(&error))),
        };
        self.settings_view(Extras {
            setup,
            notice: notice_shown,
            ..Extras::default()
        })
        .await
    }

    /// The settings after an action: `Ok` with its notice, or the error's.
    async fn after_action(&self, result: Result<Notice, ClientError>) -> AppView {
        let notice_shown = match result {
            Ok(done) => done,
            Err(ClientError::SignedOut) => {
                return self.sign_in_view(Some(Notice::of(&ClientError::SignedOut)))
            }
            Err(error) => Notice::of(&error),
        };
        self.security_view(Some(notice_shown)).await
    }

    /// The settings with recovery codes just made (shown this once).
    async fn with_recovery_codes(
        &self,
        result: Result<RecoveryCodes, ClientError>,
        done: &str,
    ) -> AppView {
        match result {
            Ok(codes) => {
                self.settings_view(Extras {
                    recovery_codes: Some(codes.codes),
                    notice: Some(Notice::info(done)),
                    ..Extras::default()
                })
                .await
            }
            Err(error) => self.after_action(Err(error)).await,
        }
    }

    /// Leaves the settings: back to the current account; a set-up in progress is dropped.
    pub fn close_security_view(&self) -> AppView {
        match self.set_pending_setup(None) {
            Ok(()) => self.home_view(None),
            Err(error) => self.home_view(Some(Notice::of(&error))),
        }
    }

    /// A new authenticator secret: its QR code and text, waiting for a code and the password.
    pub async fn start_authenticator_setup_view(&self) -> AppView {
        let setup = match self.core.start_authenticator_setup().await {
            Ok(setup) => setup,
            Err(error) => return self.after_action(Err(error)).await,
        };
        let Some(qr) = crate::qr::qr_code(&setup.otpauth_uri) else {
            return self
                .security_view(Some(Notice::error(
                    ErrorCode::QrCode,
                    "The set-up code is too long to show as a QR code; type the key shown instead.",
                )))
                .await;
        };
        let shown = AuthenticatorSetupView {
            secret: setup.secret,
            otpauth_uri: setup.otpauth_uri,
            qr,
        };
        if let Err(error) = self.set_pending_setup(Some(shown)) {
            return self.after_action(Err(error)).await;
        }
        self.security_view(Some(Notice::info(
            "Scan the QR code with your authenticator app. Confirm it's you if asked, then enter the code the app shows.",
        )))
        .await
    }

    /// Turns the authenticator on; the recovery codes are shown this once.
    pub async fn confirm_authenticator_view(&self, password: &str, code: &str) -> AppView {
        let confirmed = self.core.confirm_authenticator(password, code).await;
        if confirmed.is_ok() {
            if let Err(error) = self.set_pending_setup(None) {
                tracing::warn!(%error, "the finished set-up could not be cleared");
            }
        }
        self.with_recovery_codes(
            confirmed,
            "Your authenticator app is set up. From now on, signing in with your password also asks for its code. Keep these recovery codes somewhere safe: each works once, and they are shown only now.",
        )
        .await
    }

    pub async fn disable_authenticator_view(&self, password: &str, code: &str) -> AppView {
        let result = self.core.disable_authenticator(password, code).await;
        self.after_action(result.map(|()| {
            Notice::info("Your authenticator app is turned off. Signing in with your password no longer asks for a code.")
        }))
        .await
    }

    pub async fn regenerate_recovery_codes_view(&self, password: &str, code: &str) -> AppView {
        let result = self.core.regenerate_recovery_codes(password, code).await;
        self.with_recovery_codes(
            result,
            "New recovery codes: the old ones no longer work. They are shown only now.",
        )
        .await
    }

    pub async fn remove_linked_provider_view(&self, link_id: &str, provider_name: &str) -> AppView {
        let result = self.core.remove_linked_provider(link_id).await;
        let name = provider_name.trim();
        let name = if name.is_empty() {
            "That sign-in"
        } else {
            name
        };
        self.after_action(result.map(|()| {
            Notice::info(format!(
                "{name} no longer signs you in. You can add it again at any time."
            ))
        }))
        .await
    }

    pub async fn add_notification_email_view(&self, email: &str) -> AppView {
        let result = self.core.add_notification_email(email).await;
        self.after_action(result.map(|added| {
            let mut text = format!(
                "We sent a code to {}. Enter it here to confirm the address: until then it receives nothing. It cannot be used to sign in.",
                added.email
            );
            if added
                .warnings
                .contains(&NotificationEmailWarning::LoginEmailOfAnotherAccount)
            {
                text.push_str(" Careful: this address signs in to another account, so whoever uses that account will read the copies sent here.");
            }
            Notice::info(text)
        }))
        .await
    }

    /// The code mailed to a notification email: it then receives copies.
    pub async fn confirm_notification_email_view(&self, email: &str, code: &str) -> AppView {
        let result = self.core.confirm_notification_email(email, code).await;
        self.after_action(result.map(|()| {
            Notice::info(format!(
                "{} is confirmed: it now receives copies (for example voicemail).",
                email.trim()
            ))
        }))
        .await
    }

    pub async fn remove_notification_email_view(&self, email: &str) -> AppView {
        let result = self.core.remove_notification_email(email).await;
        self.after_action(result.map(|()| Notice::info(format!("Removed {}.", email.trim()))))
            .await
    }

    pub async fn sign_out_session_view(&self, session_id: &str, device_name: &str) -> AppView {
        let result = self.core.sign_out_session(session_id).await;
        let device = device_name.trim();
        let device = if device.is_empty() {
            "that session"
        } else {
            device
        };
        self.after_action(result.map(|()| Notice::info(format!("Signed out {device}."))))
            .await
    }

    /// Step-up: for a few minutes the settings then make sensitive changes without asking
    /// again (the portal remembers it for this session, and the settings show it).
    pub async fn confirm_identity_view(&self, password: &str, code: Option<&str>) -> AppView {
        let result = self.core.confirm_identity(password, code).await;
        self.after_action(result.map(|confirmation| {
            Notice::info(format!(
                "Confirmed. For the next {} minutes you can change your security settings without confirming again.",
                confirmation.expires_in.div_ceil(60)
            ))
        }))
        .await
    }

    /// Changes the password: the current one, and the authenticator code when it is on
    /// (unless the user confirmed it is them in the last few minutes).
    pub async fn change_password_view(
        &self,
        current: &str,
        new: &str,
        code: Option<&str>,
    ) -> AppView {
        let result = self.core.change_password(current, new, code).await;
        self.after_action(result.map(|()| {
            Notice::info("Your password is changed. Your other sessions were signed out; this one stays signed in.")
        }))
        .await
    }
}
