//! Sign-ins through the browser, as the window sees them: the waiting screen while the
//! browser is open, and the view the link leads to, pushed to the window when it arrives.

use std::future::Future;
use std::sync::Arc;

use switchboard_client::{ClientError, EmailSignIn, SignInStart};
use url::Url;

use crate::email_views::EmailSignInView;
use crate::views::{AppView, Notice};
use crate::App;
use switchboard_frontend::browser_flow::{self, BrowserSignIn, LoopbackUnavailable, Redirect};
use switchboard_frontend::error_code::{CommandError, ErrorCode};

fn loopback_notice(error: &LoopbackUnavailable) -> Notice {
    Notice::error(ErrorCode::LoopbackUnavailable, error.to_string())
}

impl App {
    async fn redirect(&self) -> Result<Redirect, LoopbackUnavailable> {
        Redirect::choose(self.config.redirect, self.platform.scheme.as_ref()).await
    }

    /// Opens the browser at a started sign-in, listens on its loopback port if it uses one,
    /// and answers the waiting screen.
    async fn open_in_browser(
        self: &Arc<Self>,
        start: SignInStart,
        provider_name: String,
        redirect: Redirect,
    ) -> AppView {
        let sign_in = BrowserSignIn::open(
            start,
            provider_name,
            redirect,
            Arc::clone(&self.platform.browser),
        )
        .await;
        let view = AppView::WaitingForBrowser {
            provider_name: sign_in.provider_name.clone(),
            authorize_url: sign_in.authorize_url.to_string(),
            browser_opened: sign_in.browser_opened,
        };
        if sign_in.uses_loopback() {
            let app = Arc::clone(self);
            tokio::spawn(async move {
                if let Some(Ok(link)) = sign_in.loopback_link(&app.core).await {
                    app.finish_sign_in(&link).await;
                }
            });
        }
        view
    }

    /// Starts a sign-in with `begin` (given the redirect URI) and opens the browser:
    /// the waiting screen, or what stopped it.
    async fn browser_sign_in<F, Fut>(self: &Arc<Self>, begin: F) -> Result<AppView, Notice>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<(SignInStart, String), ClientError>>,
    {
        let redirect = self
            .redirect()
            .await
            .map_err(|error| loopback_notice(&error))?;
        let (start, provider_name) = begin(redirect.uri())
            .await
            .map_err(|error| Notice::of(&error))?;
        Ok(self.open_in_browser(start, provider_name, redirect).await)
    }

    /// Opens the system browser at the portal for this provider.
    pub async fn start_sign_in_view(
        self: &Arc<Self>,
        provider: &str,
        login_hint: Option<&str>,
    ) -> AppView {
        let core = Arc::clone(&self.core);
        let started = self
            .browser_sign_in(|redirect_uri| async move {
                core.begin_sign_in(provider, login_hint, &redirect_uri)
                    .await
            })
            .await;
        started.unwrap_or_else(|failure| self.sign_in_view(Some(failure)))
    }

    /// "Continue with work email": the domain's only provider opens in the browser at once
    /// (with the email as login hint); several providers, or none, are the answer to show.
    /// A malformed address or an unreachable portal rejects with the reason.
    pub async fn start_email_sign_in_view(
        self: &Arc<Self>,
        email: &str,
    ) -> Result<EmailSignInView, CommandError> {
        let redirect = match self.redirect().await {
            Ok(redirect) => redirect,
            Err(error) => {
                return Ok(EmailSignInView::Started {
                    view: self.sign_in_view(Some(loopback_notice(&error))),
                })
            }
        };
        let found = self
            .core
            .begin_email_sign_in(email, &redirect.uri())
            .await
            .map_err(|error| CommandError::from(&error))?;
        match found {
            EmailSignIn::Started {
                start,
                provider_name,
            } => Ok(EmailSignInView::Started {
                view: self.open_in_browser(start, provider_name, redirect).await,
            }),
            other => {
                Ok(
                    EmailSignInView::of_choice(other).unwrap_or_else(|| EmailSignInView::Started {
                        view: self.sign_in_view(None),
                    }),
                )
            }
        }
    }

    /// Links another provider through the browser: the waiting screen, then the settings.
    pub async fn add_linked_provider_view(
        self: &Arc<Self>,
        provider: &str,
        password: &str,
        code: Option<&str>,
    ) -> AppView {
        let core = Arc::clone(&self.core);
        let started = self
            .browser_sign_in(|redirect_uri| async move {
                core.begin_link_provider(provider, password, code, &redirect_uri)
                    .await
            })
            .await;
        match started {
            Ok(waiting) => waiting,
            Err(failure) => self.security_view(Some(failure)).await,
        }
    }

    /// Finishes a sign-in from the link the browser came back with (the URL scheme's deep
    /// link or the loopback port) and shows where it leads. A link that is not ours leaves
    /// the window as it is.
    pub async fn finish_sign_in(&self, link: &Url) {
        let view = match browser_flow::complete(&self.core, link).await {
            None => return,
            Some(Ok(outcome)) => self.outcome_view(outcome).await,
            Some(Err(error)) => self.sign_in_view(Some(Notice::of(&error))),
        };
        self.platform.window.show(view);
    }
}
