//! The broker between the app and a provider. A sign-in starts with the app's request
//! checked (its redirect URI, PKCE challenge, lengths), remembered with the portal's own
//! state, nonce and PKCE verifier, and the browser sent to the provider; it finishes with
//! the provider's answer checked against what was remembered, its code redeemed for a
//! verified identity, and a one-time code minted for the app. What the browser is shown on
//! the way is the handlers' (`routes/broker`).

use url::Url;

use super::codes;
use super::login::LoginError;
use crate::audit::{self, AuditEvent, AuditKind};
use crate::crypto::{Binding, EncryptionKey};
use crate::log_text::{outside_error, Outside};
use crate::providers::{CallbackIssuer, ProviderError, Providers};
use crate::request::RequestContext;
use crate::store::{NewPendingAuthorization, PendingAuthorization, Store};
use crate::tokens::{new_token, token_hash, TokenKind};

/// Seconds a started sign-in waits for the provider.
pub const PENDING_LIFETIME: i64 = 600;

/// The longest redirect URI, state, login hint and link intent the portal accepts. The app
/// sends far less; anything longer is someone filling the database.
pub const MAX_REDIRECT_URI_LEN: usize = 200;

pub const MAX_STATE_LEN: usize = 512;

pub const MAX_LOGIN_HINT_LEN: usize = 320;

pub const MAX_LINK_INTENT_LEN: usize = 128;

pub const MAX_PROVIDER_ID_LEN: usize = 64;

/// The path of the app's callback, for its custom scheme and for loopback alike.
const APP_CALLBACK_PATH: &str = "/callback";

const LOOPBACK_CALLBACK_PATH: &str = "/oauth/callback";

/// What a sign-in through the browser needs of the portal.
pub struct Broker<'a> {
    pub store: &'a Store,
    pub providers: &'a Providers,
    pub key: &'a EncryptionKey,
    pub app_scheme: &'a str,
}

/// The app's request to start a provider sign-in (`GET /v1/authorize`).
#[derive(Debug, Clone, Copy)]
pub struct StartRequest<'a> {
    pub provider: &'a str,
    pub redirect_uri: &'a str,
    pub state: Option<&'a str>,
    pub code_challenge: Option<&'a str>,
    pub code_challenge_method: Option<&'a str>,
    pub login_hint: Option<&'a str>,
    pub link_intent: Option<&'a str>,
}

/// Why the app is sent back without a sign-in: an OAuth error code and the sentence the
/// user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// Where a started sign-in goes.
#[derive(Debug)]
pub enum Start {
    /// The redirect URI is not the app's: nothing may be redirected there.
    NotTheApp,
    /// Back to the app, not signed in.
    Refused(Refusal),
    /// On to the provider.
    ToProvider(Url),
}

/// The provider's answer, as the browser brought it back.
#[derive(Debug, Clone, Copy)]
pub struct ProviderAnswer<'a> {
    pub state: Option<&'a str>,
    pub code: Option<&'a str>,
    /// RFC 9207: the provider's issuer identifier.
    pub iss: Option<&'a str>,
    pub error: Option<&'a str>,
    pub error_description: Option<&'a str>,
}

/// The app a finished sign-in goes back to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppTarget {
    pub redirect_uri: String,
    pub state: String,
}

/// How a provider's answer ends.
#[derive(Debug)]
pub enum Finish {
    /// The answer names no sign-in started here (none, unknown or already used): there is
    /// no app to go back to.
    NoSignIn { title: &'static str },
    /// Back to the app, not signed in.
    Refused { app: AppTarget, refusal: Refusal },
    /// Back to the app with the one-time code it redeems.
    SignedIn {
        app: AppTarget,
        one_time_code: String,
    },
}

/// Whether the app may be sent to this URI: exactly its custom scheme's callback, or
/// `http://127.0.0.1:<port>/oauth/callback` / `http://[::1]:<port>/oauth/callback` with any
/// port (RFC 8252 §7.1, §7.3). No other path, no query, no fragment, no user: codes never
/// go to a stranger, nor to another page of a local server with parameters of the
/// attacker's choosing.
pub fn app_redirect_allowed(uri: &str, app_scheme: &str) -> bool {
    if uri.len() > MAX_REDIRECT_URI_LEN {
        return false;
    }
    let Ok(url) = Url::parse(uri) else {
        return false;
    };
    if url.fragment().is_some()
        || url.query().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return false;
    }
    // Compared with the text as sent too, so `/oauth/./callback` or `%2F` tricks that
    // the parser normalizes never pass.
    if url.scheme() == app_scheme {
        return url.host_str() == Some("oauth")
            && url.path() == APP_CALLBACK_PATH
            && url.port().is_none()
            && uri == format!("{app_scheme}://oauth{APP_CALLBACK_PATH}");
    }
    let (Some(host), Some(port)) = (url.host_str(), url.port()) else {
        return false;
    };
    url.scheme() == "http"
        && matches!(host, "127.0.0.1" | "[::1]")
        && url.path() == LOOPBACK_CALLBACK_PATH
        && uri == format!("http://{host}:{port}{LOOPBACK_CALLBACK_PATH}")
}

/// A parameter longer than the portal accepts: answered before anything is stored.
fn too_long(request: &StartRequest<'_>) -> Option<&'static str> {
    let longer = |value: Option<&str>, max: usize| value.is_some_and(|v| v.len() > max);
    if request.provider.len() > MAX_PROVIDER_ID_LEN {
        Some("The sign-in provider's name is too long.")
    } else if longer(request.state, MAX_STATE_LEN) {
        Some("The app's state is too long.")
    } else if longer(request.login_hint, MAX_LOGIN_HINT_LEN) {
        Some("The email given for the sign-in is too long.")
    } else if longer(request.link_intent, MAX_LINK_INTENT_LEN) {
        Some("The request to link a provider is not valid. Start again from the app's security settings.")
    } else {
        None
    }
}

fn valid_challenge(challenge: &str) -> bool {
    (43..=128).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_'))
}

impl Broker<'_> {
    /// Starts a provider sign-in: checks the app's request, remembers the sign-in (the
    /// nonce and PKCE verifier encrypted), and answers the provider's authorization URL.
    pub async fn start(&self, request: StartRequest<'_>, now: i64) -> Result<Start, LoginError> {
        if !app_redirect_allowed(request.redirect_uri, self.app_scheme) {
            return Ok(Start::NotTheApp);
        }
        let refused = |message: &str| Ok(Start::Refused(Refusal::new("invalid_request", message)));
        if let Some(message) = too_long(&request) {
            return refused(message);
        }
        let Some(app_state) = request.state.filter(|s| !s.is_empty()) else {
            return refused("The app sent no state.");
        };
        let challenge = match (request.code_challenge, request.code_challenge_method) {
            (Some(challenge), Some("S256")) if valid_challenge(challenge) => challenge,
            _ => return refused("The app must send a PKCE S256 code challenge."),
        };
        if self.providers.kind(request.provider).is_none() {
            return refused("This sign-in provider is not offered here.");
        }
        let link_account_id = match request.link_intent {
            None => None,
            Some(intent) => {
                let claimed = self
                    .store
                    .claim_link_intent(&token_hash(intent), request.provider, challenge, now)
                    .await?;
                match claimed {
                    Some(account) => Some(account),
                    None => return refused("This request to link a provider has expired or was used. Start again from the app's security settings."),
                }
            }
        };
        let portal_state = new_token(TokenKind::ProviderState);
        let nonce = new_token(TokenKind::Nonce);
        let pkce_verifier = new_token(TokenKind::Nonce);
        let url = match self
            .providers
            .authorization_url(
                request.provider,
                &portal_state,
                &nonce,
                &pkce_verifier,
                request.login_hint,
            )
            .await
        {
            Ok(url) => url,
            Err(error) => {
                tracing::warn!(provider = %Outside(request.provider), error = %outside_error(&error), "cannot start provider sign-in");
                let message = self.failure_message(request.provider, &error);
                return Ok(Start::Refused(Refusal::new(error.code(), message)));
            }
        };
        let portal_state_hash = token_hash(&portal_state);
        let nonce_encrypted = self
            .key
            .encrypt(nonce.as_bytes(), Binding::sign_in_nonce(&portal_state_hash));
        let pkce_verifier_encrypted = self.key.encrypt(
            pkce_verifier.as_bytes(),
            Binding::sign_in_pkce_verifier(&portal_state_hash),
        );
        self.store
            .insert_pending_authorization(&NewPendingAuthorization {
                portal_state_hash: &portal_state_hash,
                provider_id: request.provider,
                app_redirect_uri: request.redirect_uri,
                app_state,
                app_code_challenge: challenge,
                nonce_encrypted: &nonce_encrypted,
                pkce_verifier_encrypted: &pkce_verifier_encrypted,
                link_account_id: link_account_id.as_deref(),
                created_at: now,
                expires_at: now + PENDING_LIFETIME,
            })
            .await?;
        Ok(Start::ToProvider(url))
    }

    /// Finishes a provider sign-in with the provider's answer: the remembered sign-in is
    /// used up, the answer checked (issuer, errors, expiry), the provider's code redeemed
    /// for a verified identity, and a one-time code minted for the app.
    pub async fn finish(
        &self,
        provider: &str,
        answer: ProviderAnswer<'_>,
        request: &RequestContext,
        now: i64,
    ) -> Result<Finish, LoginError> {
        let Some(portal_state) = answer.state else {
            return Ok(Finish::NoSignIn {
                title: "This sign-in link is not valid",
            });
        };
        let portal_state_hash = token_hash(portal_state);
        let pending = self
            .store
            .take_pending_authorization(&portal_state_hash, provider)
            .await?;
        let Some(PendingAuthorization {
            app_redirect_uri,
            app_state,
            app_code_challenge,
            nonce_encrypted,
            pkce_verifier_encrypted,
            expires_at,
            link_account_id,
        }) = pending
        else {
            return Ok(Finish::NoSignIn {
                title: "This sign-in was already used or is unknown",
            });
        };
        let app = AppTarget {
            redirect_uri: app_redirect_uri,
            state: app_state,
        };
        let refused = |app: AppTarget, code: &'static str, message: String| {
            Ok(Finish::Refused {
                app,
                refusal: Refusal::new(code, message),
            })
        };
        if now > expires_at {
            return refused(
                app,
                "expired",
                "Signing in took too long. Start again from the app.".into(),
            );
        }
        // RFC 9207, before anything of the answer is used: it must come from this provider.
        let issuer = CallbackIssuer { iss: answer.iss };
        if let Err(error) = self
            .providers
            .check_callback_issuer(provider, &issuer)
            .await
        {
            tracing::warn!(provider = %Outside(provider), error = %outside_error(&error), "provider answer refused");
            let message = match error {
                ProviderError::InvalidIdToken(_) => "The answer did not come from the sign-in provider you chose, so you were not signed in. Start again from the app.".to_owned(),
                other => self.failure_message(provider, &other),
            };
            return refused(app, "invalid_request", message);
        }
        if let Some(error) = answer.error {
            // The provider's own wording is logged for support, never shown: it is not ours.
            tracing::info!(
                provider = %Outside(provider),
                error = %Outside(error),
                description = %Outside(answer.error_description.unwrap_or_default()),
                "provider returned an error"
            );
            return match error {
                "access_denied" => refused(
                    app,
                    "access_denied",
                    "Signing in was cancelled at the provider.".into(),
                ),
                _ => refused(
                    app,
                    "provider_error",
                    "The sign-in provider could not sign you in. Try again, or use another way to sign in.".into(),
                ),
            };
        }
        let Some(code) = answer.code else {
            return refused(
                app,
                "provider_error",
                "The sign-in provider sent no answer.".into(),
            );
        };
        let decrypt = |stored: &str, binding| {
            self.key
                .decrypt(stored, binding)
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
        };
        let (Some(nonce), Some(verifier)) = (
            decrypt(&nonce_encrypted, Binding::sign_in_nonce(&portal_state_hash)),
            decrypt(
                &pkce_verifier_encrypted,
                Binding::sign_in_pkce_verifier(&portal_state_hash),
            ),
        ) else {
            return refused(
                app,
                "server_error",
                "The portal cannot finish this sign-in. Start again from the app.".into(),
            );
        };
        let identity = match self
            .providers
            .redeem(provider, code, &verifier, &nonce)
            .await
        {
            Ok(identity) => identity,
            Err(error) => {
                tracing::warn!(provider = %Outside(provider), error = %outside_error(&error), "provider sign-in refused");
                let event = AuditEvent::new(AuditKind::SignInFailed)
                    .method("provider")
                    .provider(provider)
                    .result("refused")
                    .detail("reason", error.to_string());
                audit::record(self.store, event, request, now).await;
                let message = match error {
                    ProviderError::InvalidIdToken(_)
                    | ProviderError::NoIdToken
                    | ProviderError::UserinfoSubjectMismatch => "The sign-in provider's answer could not be verified, so you were not signed in. Try again.".to_owned(),
                    ref other => self.failure_message(provider, other),
                };
                return refused(app, error.code(), message);
            }
        };
        let one_time_code = codes::issue_code(
            self.store,
            &identity,
            &app.redirect_uri,
            &app_code_challenge,
            link_account_id.as_deref(),
            now,
        )
        .await?;
        Ok(Finish::SignedIn { app, one_time_code })
    }

    /// What users read when a provider cannot be used: an operator must fix a
    /// misconfiguration; an outage passes.
    fn failure_message(&self, provider: &str, error: &ProviderError) -> String {
        let name = self
            .providers
            .display_name(provider)
            .unwrap_or("The sign-in provider");
        if error.is_misconfiguration() {
            format!("Signing in with {name} is not set up correctly; contact your administrator.")
        } else if matches!(error, ProviderError::TokenExchange(_)) {
            format!("{name} could not sign you in. Try again, or use another way to sign in.")
        } else {
            format!("{name} cannot be reached right now. Try again in a minute.")
        }
    }
}
