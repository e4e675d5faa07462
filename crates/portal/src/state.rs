//! What every handler shares: the store, the providers, the clock, the keys and limits.

use std::sync::Arc;

use switchboard_api::SignInOptions;

use crate::signin::{broker::Broker, password_sign_in};
use crate::{clock, crypto, events, mail, password, providers, rate_limit, request, store};

#[derive(Clone)]
pub struct AppState {
    pub store: store::Store,
    /// Every configured provider (names in the security settings, the email-first answer).
    pub sign_in_options: Arc<SignInOptions>,
    /// What `GET /v1/sign-in-options` answers: the providers that serve everyone.
    pub public_sign_in_options: Arc<SignInOptions>,
    pub providers: Arc<providers::Providers>,
    pub clock: clock::SharedClock,
    pub key: crypto::EncryptionKey,
    /// Argon2id verification on a bounded set of blocking threads.
    pub passwords: password::PasswordVerifier,
    /// The portal's issuer identifier (its public URL), sent to the app as `iss`.
    pub issuer: String,
    pub app_scheme: String,
    /// Requests per minute on the endpoints that need no session.
    pub rate_limits: rate_limit::RateLimits,
    /// This instance's leases on the shared request counts.
    pub limiter: Arc<rate_limit::Limiter>,
    /// Where the client's address comes from (the connection, or a trusted proxy's header).
    pub client_addresses: request::ClientAddressSource,
    /// Outgoing mail (the code confirming a notification email).
    pub mail: Arc<dyn mail::MailSender>,
    /// The session events this instance read, for the apps' event streams.
    pub events: events::EventHub,
}

impl AppState {
    /// What a sign-in through the browser needs.
    pub fn broker(&self) -> Broker<'_> {
        Broker {
            store: &self.store,
            providers: &self.providers,
            key: &self.key,
            app_scheme: &self.app_scheme,
        }
    }

    /// What password and code checks need.
    pub fn credentials(&self) -> password_sign_in::CredentialContext<'_> {
        password_sign_in::CredentialContext {
            store: &self.store,
            passwords: &self.passwords,
            key: &self.key,
        }
    }
}
