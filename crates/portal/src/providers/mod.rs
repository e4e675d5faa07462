//! The portal as the confidential OpenID Connect client of every provider: discovery and
//! keys (see [`metadata`]), client authentication (see [`client_auth`]), ID-token checks
//! by the `openidconnect` crate, userinfo, with the portal's own state, nonce and PKCE
//! towards each provider.

mod apple;
pub mod check;
mod claims;
mod client_auth;
mod code_exchange;
mod discovery_cache;
mod error;
mod identity;
pub mod metadata;

use std::collections::HashMap;
use std::sync::atomic::AtomicI64;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AuthType, Client, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdTokenFields, LoginHint, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
};
use switchboard_api::ProviderKind;
use tokio::sync::RwLock;
use url::Url;

pub use apple::{AppleClientSecret, AppleKeyError};
pub use claims::{ClaimMapping, IdClaims, ProviderClaims, UserinfoEmail};
pub use discovery_cache::{KEY_REFETCH_INTERVAL, METADATA_MAX_AGE};
pub use error::ProviderError;
pub use identity::ProviderIdentity;

use crate::clock::SharedClock;
use crate::config::{ClientAuthMethod, ProviderConfig};
use client_auth::{check_auth_method, ClientCredentials};
use code_exchange::allowed_algs;
use discovery_cache::Cached;
use metadata::Metadata;

type ProviderTokenResponse = StandardTokenResponse<
    IdTokenFields<
        ProviderClaims,
        EmptyExtraTokenFields,
        CoreGenderClaim,
        CoreJweContentEncryptionAlgorithm,
        CoreJwsSigningAlgorithm,
    >,
    CoreTokenType,
>;

type OidcClient = Client<
    ProviderClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    ProviderTokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

struct Provider {
    config: ProviderConfig,
    /// `Err`: what is wrong with the configured secret or key (the provider is then
    /// "not set up correctly").
    credentials: Result<ClientCredentials, String>,
    cache: RwLock<Option<Cached>>,
    /// When keys were last fetched because a signature did not verify.
    keys_refetched_at: AtomicI64,
}

/// Every configured provider, with discovery results cached (a cache only: any portal
/// instance rebuilds it on demand).
pub struct Providers {
    by_id: HashMap<String, Provider>,
    http: reqwest::Client,
    callback_base: Url,
    clock: SharedClock,
}

/// The provider's answer on the portal's callback, as far as it matters here.
pub struct CallbackIssuer<'a> {
    /// The `iss` parameter (RFC 9207), when sent.
    pub iss: Option<&'a str>,
}

impl Providers {
    /// Reads each provider's secret or key file; a provider whose files cannot be used is
    /// kept, and answers "not set up correctly" (see [`Providers::check`]).
    /// `callback_base` is the portal's public URL.
    pub fn new(
        configs: &[ProviderConfig],
        callback_base: Url,
        clock: SharedClock,
    ) -> Result<Self, ProviderError> {
        let mut by_id = HashMap::new();
        for config in configs {
            let credentials = ClientCredentials::load(config);
            if let Err(problem) = &credentials {
                tracing::error!(provider = %config.id, problem = %crate::log_text::outside_error(&problem), "provider is not set up correctly");
            }
            by_id.insert(
                config.id.clone(),
                Provider {
                    config: config.clone(),
                    credentials,
                    cache: RwLock::new(None),
                    keys_refetched_at: AtomicI64::new(i64::MIN),
                },
            );
        }
        let http = reqwest::Client::builder()
            // Never follow redirects from a provider (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|error| ProviderError::Unreachable(error.to_string()))?;
        Ok(Self {
            by_id,
            http,
            callback_base,
            clock,
        })
    }

    pub fn kind(&self, provider_id: &str) -> Option<ProviderKind> {
        self.by_id.get(provider_id).map(|p| p.config.kind)
    }

    /// The name users know the provider by.
    pub fn display_name(&self, provider_id: &str) -> Option<&str> {
        self.by_id
            .get(provider_id)
            .map(|p| p.config.display_name.as_str())
    }

    fn provider(&self, provider_id: &str) -> Result<&Provider, ProviderError> {
        self.by_id
            .get(provider_id)
            .ok_or_else(|| ProviderError::UnknownProvider(provider_id.to_owned()))
    }

    pub fn callback_url(&self, provider_id: &str) -> Result<Url, ProviderError> {
        self.callback_base
            .join(&format!("v1/providers/{provider_id}/callback"))
            .map_err(|error| ProviderError::Misconfigured(error.to_string()))
    }

    fn credentials<'a>(
        &self,
        provider: &'a Provider,
        metadata: &Metadata,
    ) -> Result<&'a ClientCredentials, ProviderError> {
        let credentials = provider
            .credentials
            .as_ref()
            .map_err(|problem| ProviderError::Misconfigured(problem.clone()))?;
        check_auth_method(credentials, metadata).map_err(ProviderError::Misconfigured)?;
        Ok(credentials)
    }

    fn client(
        &self,
        provider: &Provider,
        metadata: &Metadata,
    ) -> Result<OidcClient, ProviderError> {
        let credentials = self.credentials(provider, metadata)?;
        let (secret, auth_type) = match credentials {
            ClientCredentials::None => (None, AuthType::BasicAuth),
            ClientCredentials::Secret { secret, method } => (
                Some(secret.clone()),
                match method {
                    ClientAuthMethod::ClientSecretPost => AuthType::RequestBody,
                    _ => AuthType::BasicAuth,
                },
            ),
            // The assertion goes in the form, with client_id.
            ClientCredentials::PrivateKeyJwt { .. } => (None, AuthType::RequestBody),
            // Apple takes its client secret JWT in the form only.
            ClientCredentials::Apple(apple) => (
                Some(apple.make(
                    &provider.config.client_id,
                    metadata.issuer().as_str(),
                    self.clock.now(),
                )),
                AuthType::RequestBody,
            ),
        };
        let redirect = RedirectUrl::new(self.callback_url(&provider.config.id)?.to_string())
            .map_err(|error| ProviderError::Misconfigured(error.to_string()))?;
        Ok(OidcClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(provider.config.client_id.clone()),
            secret.map(ClientSecret::new),
        )
        .set_redirect_uri(redirect)
        .set_auth_type(auth_type))
    }

    /// Whether the provider is usable now, as far as configuration goes (for the
    /// authorize endpoint, before the browser leaves).
    pub async fn ready(&self, provider_id: &str) -> Result<(), ProviderError> {
        let provider = self.provider(provider_id)?;
        let metadata = self.metadata(provider).await?;
        self.client(provider, &metadata).map(|_| ())
    }

    /// Where to send the browser: the provider's authorize URL with the portal's state,
    /// nonce and PKCE challenge, and the app's login hint.
    pub async fn authorization_url(
        &self,
        provider_id: &str,
        state: &str,
        nonce: &str,
        pkce_verifier: &str,
        login_hint: Option<&str>,
    ) -> Result<Url, ProviderError> {
        let provider = self.provider(provider_id)?;
        let metadata = self.metadata(provider).await?;
        let client = self.client(provider, &metadata)?;
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            pkce_verifier.to_owned(),
        ));
        let state = state.to_owned();
        let nonce = nonce.to_owned();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .add_scope(Scope::new("email".into()))
            .set_pkce_challenge(challenge);
        if provider.config.kind == ProviderKind::Apple {
            // Apple posts the answer back when name or email is asked for.
            request = request
                .add_scope(Scope::new("name".into()))
                .add_extra_param("response_mode", "form_post");
        } else {
            request = request.add_scope(Scope::new("profile".into()));
        }
        if let Some(hint) = login_hint {
            request = request.set_login_hint(LoginHint::new(hint.to_owned()));
        }
        let (url, _, _) = request.url();
        Ok(url)
    }

    /// RFC 9207 on the portal's callback: when the provider's discovery says it sends `iss`,
    /// a missing or different one is refused; a sent one must always be the provider's.
    pub async fn check_callback_issuer(
        &self,
        provider_id: &str,
        callback: &CallbackIssuer<'_>,
    ) -> Result<(), ProviderError> {
        let provider = self.provider(provider_id)?;
        let metadata = self.metadata(provider).await?;
        let expected = metadata.issuer().as_str();
        let advertised = metadata
            .additional_metadata()
            .authorization_response_iss_parameter_supported
            == Some(true);
        match callback.iss {
            Some(iss) if iss == expected => Ok(()),
            Some(iss) => Err(ProviderError::InvalidIdToken(format!(
                "the authorization response names the issuer {iss:?}, not {expected:?} (mix-up?)"
            ))),
            None if advertised => Err(ProviderError::InvalidIdToken(
                "the authorization response has no iss, though the provider's discovery says it sends one".to_owned(),
            )),
            None => Ok(()),
        }
    }
}
