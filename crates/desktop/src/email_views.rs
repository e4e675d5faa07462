//! What the window shows after "Continue with work email".

use serde::Serialize;
use switchboard_api::ProviderOption;
use switchboard_client::EmailSignIn;
use ts_rs::TS;

use crate::views::AppView;
use switchboard_frontend::words::{choose_provider_message, no_single_sign_on_message};

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

impl EmailSignInView {
    /// The view of a choice or a dead end; `None` for `Started`, whose view comes once the
    /// browser is open.
    pub fn of_choice(found: EmailSignIn) -> Option<EmailSignInView> {
        match found {
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
