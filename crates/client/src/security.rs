//! The current account's security settings as views: authenticator app (set up with a QR
//! code, turn off, new recovery codes), linked providers (add through the browser, remove),
//! notification emails, sessions (sign out others), password. Every action answers the
//! settings again, with what happened.

use switchboard_api::{
    paths, AccountSummary, AuthenticatorSetup, ChangePasswordRequest, ConfirmEmailRequest,
    ConfirmRequest, Confirmation, EmailRequest, LinkIntent, NotificationEmailAdded,
    NotificationEmailWarning, PasswordAndCode, RecoveryCodes, RemoveLinkRequest,
    RevokeSessionRequest, SecurityOverview, StartLinkRequest,
};

use crate::bridge::{AppView, AuthenticatorSetupView, Notice};
use crate::portal::PortalClient;
use crate::signin::SignInStart;
use crate::switchboard::{ClientError, SignInOutcome, Switchboard};

/// What the settings show besides the overview.
#[derive(Debug, Default)]
struct Extras {
    setup: Option<AuthenticatorSetupView>,
    recovery_codes: Option<Vec<String>>,
    notice: Option<Notice>,
}

impl Switchboard {
    fn current(&self) -> Result<AccountSummary, ClientError> {
        self.store.current()?.ok_or(ClientError::NotSignedIn)
    }

    /// Calls the portal with the current account's access token; a token the portal
    /// refuses is refreshed once and the call repeated.
    async fn authorized<T, F, Fut>(&self, call: F) -> Result<T, ClientError>
    where
        F: Fn(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, crate::portal::PortalClientError>>,
    {
        let account = self.current()?;
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
        T: serde::de::DeserializeOwned,
        B: serde::Serialize + Sync,
    {
        self.authorized(
            |token| async move { self.portal.post_authorized(path, &token, body).await },
        )
        .await
    }

    /// The set-up in progress, when it is the current account's.
    fn pending_setup(&self) -> Option<AuthenticatorSetupView> {
        let current = self.current().ok()?.account_id;
        self.authenticator_setup
            .lock()
            .ok()?
            .clone()
            .filter(|(account, _)| *account == current)
            .map(|(_, setup)| setup)
    }

    fn set_pending_setup(&self, setup: Option<AuthenticatorSetupView>) {
        let current = self.current().ok().map(|account| account.account_id);
        if let Ok(mut pending) = self.authenticator_setup.lock() {
            *pending = current.zip(setup);
        }
    }

    async fn settings_view(&self, extras: Extras) -> AppView {
        let account = match self.current() {
            Ok(account) => account,
            Err(error) => return self.sign_in_view(Some(error.notice())),
        };
        let overview: Result<SecurityOverview, ClientError> = self
            .authorized(
                |token| async move { self.portal.get_authorized(paths::SECURITY, &token).await },
            )
            .await;
        let overview = match overview {
            Ok(overview) => overview,
            Err(ClientError::SignedOut) => {
                return self.sign_in_view(Some(ClientError::SignedOut.notice()))
            }
            Err(error) => return self.home_view(Some(error.notice())),
        };
        let providers = self
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
    pub async fn security_view(&self, notice: Option<Notice>) -> AppView {
        self.settings_view(Extras {
            setup: self.pending_setup(),
            notice,
            ..Extras::default()
        })
        .await
    }

    /// The settings after an action: `Ok` with its notice, or the error's.
    async fn after_action(&self, result: Result<Notice, ClientError>) -> AppView {
        let notice = match result {
            Ok(notice) => notice,
            Err(ClientError::SignedOut) => {
                return self.sign_in_view(Some(ClientError::SignedOut.notice()))
            }
            Err(error) => error.notice(),
        };
        self.security_view(Some(notice)).await
    }

    /// Leaves the settings: back to the current account; a set-up in progress is dropped.
    pub fn close_security_view(&self) -> AppView {
        self.set_pending_setup(None);
        self.home_view(None)
    }

    /// A new authenticator secret: its QR code and text, waiting for a code and the password.
    pub async fn start_authenticator_setup_view(&self) -> AppView {
        let started: Result<AuthenticatorSetup, ClientError> = self
            .post(paths::AUTHENTICATOR, &serde_json::json!({}))
            .await;
        match started {
            Ok(setup) => {
                let qr = crate::qr::qr_code(&setup.otpauth_uri);
                let Some(qr) = qr else {
                    return self
                        .security_view(Some(Notice::error(
                            "qr_code",
                            "The set-up code is too long to show as a QR code; type the key shown instead.",
                        )))
                        .await;
                };
                self.set_pending_setup(Some(AuthenticatorSetupView {
                    secret: setup.secret,
                    otpauth_uri: setup.otpauth_uri,
                    qr,
                }));
                self.security_view(Some(Notice::info(
                    "Scan the QR code with your authenticator app, then enter the code it shows and your password.",
                )))
                .await
            }
            Err(error) => self.after_action(Err(error)).await,
        }
    }

    /// Turns the authenticator on; the recovery codes are shown this once.
    pub async fn confirm_authenticator_view(&self, password: &str, code: &str) -> AppView {
        let body = PasswordAndCode {
            password: password.to_owned(),
            code: code.trim().to_owned(),
        };
        let confirmed: Result<RecoveryCodes, ClientError> =
            self.post(paths::AUTHENTICATOR_CONFIRM, &body).await;
        match confirmed {
            Ok(codes) => {
                self.set_pending_setup(None);
                self.settings_view(Extras {
                    recovery_codes: Some(codes.codes),
                    notice: Some(Notice::info(
                        "Your authenticator app is set up. From now on, signing in with your password also asks for its code. Keep these recovery codes somewhere safe: each works once, and they are shown only now.",
                    )),
                    ..Extras::default()
                })
                .await
            }
            Err(error) => self.after_action(Err(error)).await,
        }
    }

    pub async fn disable_authenticator_view(&self, password: &str, code: &str) -> AppView {
        let body = PasswordAndCode {
            password: password.to_owned(),
            code: code.trim().to_owned(),
        };
        let result: Result<serde_json::Value, ClientError> =
            self.post(paths::AUTHENTICATOR_DISABLE, &body).await;
        self.after_action(result.map(|_| {
            Notice::info("Your authenticator app is turned off. Signing in with your password no longer asks for a code.")
        }))
        .await
    }

    pub async fn regenerate_recovery_codes_view(&self, password: &str, code: &str) -> AppView {
        let body = PasswordAndCode {
            password: password.to_owned(),
            code: code.trim().to_owned(),
        };
        let result: Result<RecoveryCodes, ClientError> =
            self.post(paths::RECOVERY_CODES, &body).await;
        match result {
            Ok(codes) => {
                self.settings_view(Extras {
                    recovery_codes: Some(codes.codes),
                    notice: Some(Notice::info(
                        "New recovery codes: the old ones no longer work. They are shown only now.",
                    )),
                    ..Extras::default()
                })
                .await
            }
            Err(error) => self.after_action(Err(error)).await,
        }
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
        let overview: SecurityOverview = self
            .authorized(
                |token| async move { self.portal.get_authorized(paths::SECURITY, &token).await },
            )
            .await?;
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
            code: code
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
            code_challenge: start.code_challenge.clone(),
        };
        let intent: Result<LinkIntent, ClientError> =
            self.post(paths::LINK_PROVIDER_START, &request).await;
        match intent {
            Ok(intent) => {
                self.pending_sign_ins()
                    .link_provider(&mut start, &intent.link_intent);
                Ok((start, provider_name))
            }
            Err(error) => {
                self.pending_sign_ins().cancel(&start.state);
                Err(error)
            }
        }
    }

    pub async fn remove_linked_provider_view(&self, link_id: &str, provider_name: &str) -> AppView {
        let request = RemoveLinkRequest {
            link_id: link_id.to_owned(),
        };
        let result: Result<serde_json::Value, ClientError> =
            self.post(paths::LINK_PROVIDER_REMOVE, &request).await;
        let name = provider_name.trim();
        self.after_action(result.map(|_| {
            Notice::info(format!(
                "{} no longer signs you in. You can add it again at any time.",
                if name.is_empty() {
                    "That sign-in"
                } else {
                    name
                }
            ))
        }))
        .await
    }

    pub async fn add_notification_email_view(&self, email: &str) -> AppView {
        let request = EmailRequest {
            email: email.to_owned(),
        };
        let result: Result<NotificationEmailAdded, ClientError> =
            self.post(paths::EMAILS, &request).await;
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
        let request = ConfirmEmailRequest {
            email: email.trim().to_owned(),
            code: code.trim().to_owned(),
        };
        let result: Result<serde_json::Value, ClientError> =
            self.post(paths::EMAILS_CONFIRM, &request).await;
        self.after_action(result.map(|_| {
            Notice::info(format!(
                "{} is confirmed: it now receives copies (for example voicemail).",
                email.trim()
            ))
        }))
        .await
    }

    pub async fn remove_notification_email_view(&self, email: &str) -> AppView {
        let request = EmailRequest {
            email: email.to_owned(),
        };
        let result: Result<serde_json::Value, ClientError> =
            self.post(paths::EMAILS_REMOVE, &request).await;
        self.after_action(result.map(|_| Notice::info(format!("Removed {}.", email.trim()))))
            .await
    }

    pub async fn sign_out_session_view(&self, session_id: &str, device_name: &str) -> AppView {
        let request = RevokeSessionRequest {
            session_id: session_id.to_owned(),
        };
        let result: Result<serde_json::Value, ClientError> =
            self.post(paths::SESSIONS_REVOKE, &request).await;
        let device = device_name.trim();
        self.after_action(result.map(|_| {
            Notice::info(format!(
                "Signed out {}.",
                if device.is_empty() {
                    "that session"
                } else {
                    device
                }
            ))
        }))
        .await
    }

    /// Step-up: the password (and the authenticator code when it is on) confirm it is the
    /// user; for five minutes the settings then make sensitive changes without asking again
    /// (the portal remembers it for this session, and the settings show it).
    pub async fn confirm_identity_view(&self, password: &str, code: Option<&str>) -> AppView {
        let request = ConfirmRequest {
            password: password.to_owned(),
            code: code
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
        };
        let result: Result<Confirmation, ClientError> = self.post(paths::CONFIRM, &request).await;
        self.after_action(result.map(|confirmation| {
            Notice::info(format!(
                "Thanks. For the next {} minutes you can change the settings below without confirming again.",
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
        let request = ChangePasswordRequest {
            current_password: current.to_owned(),
            new_password: new.to_owned(),
            code: code
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned),
        };
        let result: Result<serde_json::Value, ClientError> =
            self.post(paths::PASSWORD, &request).await;
        self.after_action(result.map(|_| {
            Notice::info("Your password is changed. Your other sessions were signed out; this one stays signed in.")
        }))
        .await
    }

    /// What the window shows for an outcome that may need the portal (a provider linked from
    /// the settings goes back to them).
    pub async fn outcome_view(&self, outcome: SignInOutcome) -> AppView {
        match outcome {
            SignInOutcome::ProviderLinked { provider_name } => {
                self.security_view(Some(Notice::info(format!(
                    "{provider_name} is linked: it signs you in to this account from now on."
                ))))
                .await
            }
            other => self.view(other),
        }
    }
}
