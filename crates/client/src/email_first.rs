//! "Continue with work email": the portal says which providers the email's domain has
//! enabled, and the sign-in starts with that provider and the email as `login_hint`. The
//! portal answers by domain only; nothing here learns whether the address has an account.

use serde::Serialize;
use switchboard_api::{AccountEmail, EmailPurpose, EmailSignInOptions, ProviderOption};
use ts_rs::TS;

use crate::bridge::AppView;
use crate::signin::SignInStart;
use crate::switchboard::{ClientError, Switchboard};

/// Where "Continue with work email" leads.
#[derive(Debug)]
pub enum EmailSignIn {
    /// The domain has one provider: its sign-in is started; open the browser.
    Started {
        start: SignInStart,
        provider_name: String,
    },
    /// Several: the user picks one, started with `begin_sign_in(id, Some(email), …)`.
    ChooseProvider {
        email: String,
        domain: String,
        providers: Vec<ProviderOption>,
    },
    /// No single sign-on for the domain: password sign-in, or a provider for everyone.
    NoSingleSignOn {
        email: String,
        domain: String,
        password_sign_in: bool,
        providers_for_everyone: Vec<ProviderOption>,
    },
}

/// What the window shows after "Continue with work email".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "next", rename_all = "snake_case")]
// A value handed to the window now and then: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum EmailSignInView {
    /// One provider: its sign-in started; show `view` (normally `waiting_for_browser`, or
    /// `sign_in` with a notice when it could not start).
    Started { view: AppView },
    /// Several providers serve the domain: pick one (`start_sign_in` with the email as
    /// login hint).
    ChooseProvider {
        email: String,
        domain: String,
        providers: Vec<ProviderOption>,
        message: String,
    },
    /// No single sign-on is set up for the domain: what to do instead.
    NoSingleSignOn {
        email: String,
        domain: String,
        message: String,
        password_sign_in: bool,
    },
}

/// The sentence for several providers.
pub fn choose_provider_message(domain: &str) -> String {
    format!("{domain} signs in with more than one provider. Choose the one your organization uses.")
}

/// The sentence for a domain without single sign-on.
pub fn no_single_sign_on_message(domain: &str, password_sign_in: bool) -> String {
    if password_sign_in {
        format!("No single sign-on is set up for {domain}. Sign in with your username and password, or ask your administrator.")
    } else {
        format!("No single sign-on is set up for {domain}. Sign in with one of the providers above, or ask your administrator.")
    }
}

impl Switchboard {
    /// Asks the portal which providers the email's domain has (a malformed address is the
    /// portal's `invalid_request`, with a message saying what to enter).
    pub async fn sign_in_options_for_email(
        &self,
        email: &str,
    ) -> Result<EmailSignInOptions, ClientError> {
        Ok(self.portal.sign_in_options_for_email(email.trim()).await?)
    }

    /// "Continue with work email": starts the domain's only provider with the email as
    /// `login_hint`, or says what to choose.
    pub async fn begin_email_sign_in(
        &self,
        email: &str,
        redirect_uri: &str,
    ) -> Result<EmailSignIn, ClientError> {
        let email = email.trim().to_owned();
        let options = self.sign_in_options_for_email(&email).await?;
        match options.providers.as_slice() {
            [only] => {
                let start = self.begin_sign_in_with(only, Some(&email), redirect_uri)?;
                Ok(EmailSignIn::Started {
                    start,
                    provider_name: only.display_name.clone(),
                })
            }
            [] => Ok(EmailSignIn::NoSingleSignOn {
                email,
                domain: options.domain,
                password_sign_in: options.password_sign_in,
                providers_for_everyone: options.providers_for_everyone,
            }),
            _ => Ok(EmailSignIn::ChooseProvider {
                email,
                domain: options.domain,
                providers: options.providers,
            }),
        }
    }
}

impl EmailSignIn {
    /// The window's view of a choice or a dead end; `None` for `Started`, whose view comes
    /// once the shell has opened the browser.
    pub fn into_choice_view(self) -> Option<EmailSignInView> {
        match self {
            EmailSignIn::Started { .. } => None,
            EmailSignIn::ChooseProvider {
                email,
                domain,
                providers,
            } => Some(EmailSignInView::ChooseProvider {
                message: choose_provider_message(&domain),
                email,
                domain,
                providers,
            }),
            EmailSignIn::NoSingleSignOn {
                email,
                domain,
                password_sign_in,
                ..
            } => Some(EmailSignInView::NoSingleSignOn {
                message: no_single_sign_on_message(&domain, password_sign_in),
                email,
                domain,
                password_sign_in,
            }),
        }
    }
}

impl Switchboard {
    /// The providers an account may add in its security settings: those that serve
    /// everyone, then those its organization enabled for its login emails' domains (a
    /// company's own provider is not listed for everyone).
    pub(crate) async fn linkable_providers(
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
}
