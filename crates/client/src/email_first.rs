//! "Continue with work email": the portal says which providers the email's domain has
//! enabled, and the sign-in starts with that provider and the email as `login_hint`. The
//! portal answers by domain only; nothing here learns whether the address has an account.

use switchboard_api::{EmailSignInOptions, ProviderOption};

use crate::error::ClientError;
use crate::signin::SignInStart;
use crate::switchboard::Switchboard;

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
