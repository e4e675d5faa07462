//! The portal as the confidential OpenID Connect client of every provider: discovery and
//! keys (see [`metadata`]), client authentication (see [`client_auth`]), ID-token checks
//! by the `openidconnect` crate, userinfo, with the portal's own state, nonce and PKCE
//! towards each provider.

mod apple;
pub mod check;
mod client_auth;
mod identity;
pub mod metadata;

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AccessToken, AdditionalClaims, AuthType, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenClaims,
    IdTokenFields, IdTokenVerifier, LoginHint, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse,
    SubjectIdentifier, UserInfoClaims,
};
use serde::{Deserialize, Serialize};
use switchboard_api::ProviderKind;
use tokio::sync::RwLock;
use url::Url;

pub use apple::{AppleClientSecret, AppleKeyError};
pub use identity::ProviderIdentity;

use crate::clock::SharedClock;
use crate::config::{ClientAuthMethod, ProviderConfig};
use client_auth::ClientCredentials;
use metadata::{Metadata, TENANT_TEMPLATE};

/// Seconds after which discovery and keys are fetched again on use.
pub const METADATA_MAX_AGE: i64 = 3600;
/// Seconds between two key fetches caused by a signature failure (across all requests):
/// forged tokens cannot make the portal hammer a provider.
pub const KEY_REFETCH_INTERVAL: i64 = 60;

/// The signature algorithms an ID token may use: asymmetric ones only. `none` and HMAC
/// (keyed by the client secret, which is no proof of the provider) are refused whatever
/// discovery lists.
fn allowed_algs() -> Vec<CoreJwsSigningAlgorithm> {
    use CoreJwsSigningAlgorithm as A;
    vec![
        A::RsaSsaPkcs1V15Sha256,
        A::RsaSsaPkcs1V15Sha384,
        A::RsaSsaPkcs1V15Sha512,
        A::RsaSsaPssSha256,
        A::RsaSsaPssSha384,
        A::RsaSsaPssSha512,
        A::EcdsaP256Sha256,
        A::EcdsaP384Sha384,
        A::EcdsaP521Sha512,
        A::EdDsa,
    ]
}

/// The claims beyond OpenID's standard ones that Google, Entra and Apple send.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProviderClaims {
    /// Google Workspace domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hd: Option<String>,
    /// Entra tenant and object id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oid: Option<String>,
    /// Entra: the email's domain is verified by the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xms_edov: Option<serde_json::Value>,
    /// Apple: a private relay address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_private_email: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_username: Option<String>,
}

impl AdditionalClaims for ProviderClaims {}

/// Providers send booleans as JSON booleans, strings or numbers.
fn truthy(value: Option<&serde_json::Value>) -> Option<bool> {
    match value? {
        serde_json::Value::Bool(flag) => Some(*flag),
        serde_json::Value::String(text) => Some(matches!(text.as_str(), "true" | "1")),
        serde_json::Value::Number(number) => Some(number.as_i64() == Some(1)),
        _ => None,
    }
}

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

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("no provider is called {0:?}")]
    UnknownProvider(String),
    /// The configuration or the provider's registration is wrong: an operator must act.
    #[error("the provider is not set up correctly: {0}")]
    Misconfigured(String),
    /// The provider cannot be reached or answered with a server error: try again later.
    #[error("the provider cannot be reached: {0}")]
    Unreachable(String),
    #[error("the provider refused the sign-in code: {0}")]
    TokenExchange(String),
    #[error("the provider sent no ID token")]
    NoIdToken,
    #[error("the provider's ID token failed verification: {0}")]
    InvalidIdToken(String),
    #[error("the provider's userinfo answered for another subject than the ID token")]
    UserinfoSubjectMismatch,
    #[error("the provider's userinfo failed: {0}")]
    Userinfo(String),
}

impl ProviderError {
    /// The stable code the app receives for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::InvalidIdToken(_)
            | ProviderError::NoIdToken
            | ProviderError::UserinfoSubjectMismatch => "invalid_id_token",
            ProviderError::UnknownProvider(_) => "invalid_request",
            ProviderError::Misconfigured(_)
            | ProviderError::Unreachable(_)
            | ProviderError::TokenExchange(_)
            | ProviderError::Userinfo(_) => "provider_error",
        }
    }

    /// Whether an operator must fix something (as opposed to waiting or retrying).
    pub fn is_misconfiguration(&self) -> bool {
        matches!(self, ProviderError::Misconfigured(_))
    }
}

/// Discovery and keys as last fetched.
struct Cached {
    metadata: Arc<Metadata>,
    fetched_at: i64,
}

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

    /// Discovery and keys: cached, fetched again when older than [`METADATA_MAX_AGE`].
    /// While the provider is down, a stale copy keeps serving.
    async fn metadata(&self, provider: &Provider) -> Result<Arc<Metadata>, ProviderError> {
        let now = self.clock.now();
        let stale = match provider.cache.read().await.as_ref() {
            Some(cached) if now - cached.fetched_at < METADATA_MAX_AGE => {
                return Ok(Arc::clone(&cached.metadata))
            }
            Some(cached) => Some(Arc::clone(&cached.metadata)),
            None => None,
        };
        match self.fetch_metadata(provider).await {
            Ok(metadata) => Ok(metadata),
            Err(error) => match stale {
                Some(metadata) if !error.is_misconfiguration() => {
                    tracing::warn!(provider = %provider.config.id, error = %crate::log_text::outside_error(&error), "cannot refresh the provider's discovery; using the last copy");
                    Ok(metadata)
                }
                _ => Err(error),
            },
        }
    }

    async fn fetch_metadata(&self, provider: &Provider) -> Result<Arc<Metadata>, ProviderError> {
        let metadata = Arc::new(
            metadata::discover(&self.http, provider.config.kind, &provider.config.issuer).await?,
        );
        *provider.cache.write().await = Some(Cached {
            metadata: Arc::clone(&metadata),
            fetched_at: self.clock.now(),
        });
        Ok(metadata)
    }

    /// The keys again after a signature failure, at most once per
    /// [`KEY_REFETCH_INTERVAL`] per provider across all requests. `None`: not now.
    async fn refetch_keys(&self, provider: &Provider) -> Option<Arc<Metadata>> {
        let now = self.clock.now();
        let last = provider.keys_refetched_at.load(Ordering::SeqCst);
        if now.saturating_sub(last) < KEY_REFETCH_INTERVAL
            || provider
                .keys_refetched_at
                .compare_exchange(last, now, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
        {
            return None;
        }
        let current = self.metadata(provider).await.ok()?;
        match metadata::fetch_keys(&self.http, &current).await {
            Ok(keys) => {
                let metadata = Arc::new((*current).clone().set_jwks(keys));
                let mut cache = provider.cache.write().await;
                let fetched_at = cache.as_ref().map_or(now, |cached| cached.fetched_at);
                *cache = Some(Cached {
                    metadata: Arc::clone(&metadata),
                    fetched_at,
                });
                tracing::info!(provider = %provider.config.id, "fetched the provider's keys again after a signature did not verify");
                Some(metadata)
            }
            Err(error) => {
                tracing::warn!(provider = %provider.config.id, error = %crate::log_text::outside_error(&error), "cannot fetch the provider's keys again");
                None
            }
        }
    }

    /// Fetches every provider's discovery and keys again (the scheduled refresh).
    pub async fn refresh_all(&self) {
        for provider in self.by_id.values() {
            if let Err(error) = self.fetch_metadata(provider).await {
                tracing::warn!(provider = %provider.config.id, error = %crate::log_text::outside_error(&error), "cannot refresh the provider's discovery and keys");
            }
        }
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

    /// Redeems the provider's code, verifies its ID token (signature against the JWKS,
    /// iss, aud/azp, exp, iat, nonce), and takes missing claims from userinfo. A signature
    /// that does not verify makes the portal fetch the keys again once (rate-limited)
    /// before refusing, so a provider's key rotation does not break sign-in.
    pub async fn redeem(
        &self,
        provider_id: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<ProviderIdentity, ProviderError> {
        let provider = self.provider(provider_id)?;
        let metadata = self.metadata(provider).await?;
        let client = self.client(provider, &metadata)?;
        let mut request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| ProviderError::Misconfigured(error.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()));
        if let Ok(ClientCredentials::PrivateKeyJwt { key, key_id }) = &provider.credentials {
            let audience = metadata
                .token_endpoint()
                .map(|url| url.as_str().to_owned())
                .unwrap_or_default();
            let jti = crate::tokens::new_token(crate::tokens::TokenKind::Nonce);
            let assertion = ClientCredentials::assertion(
                key,
                key_id.as_deref(),
                &provider.config.client_id,
                &audience,
                self.clock.now(),
                &jti,
            );
            request = request
                .add_extra_param(
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                )
                .add_extra_param("client_assertion", assertion);
        }
        let response = request
            .request_async(&self.http)
            .await
            .map_err(token_error)?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or(ProviderError::NoIdToken)?;
        let nonce = Nonce::new(nonce.to_owned());
        let multi_tenant = metadata.issuer().as_str().contains(TENANT_TEMPLATE);

        let verify = |metadata: &Metadata| {
            let verifier = self.verifier(provider, metadata, multi_tenant);
            id_token.claims(&verifier, &nonce).cloned()
        };
        let claims = match verify(&metadata) {
            Ok(claims) => claims,
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(
                openidconnect::SignatureVerificationError::NoMatchingKey
                | openidconnect::SignatureVerificationError::CryptoError(_)
                | openidconnect::SignatureVerificationError::AmbiguousKeyId(_),
            )) => match self.refetch_keys(provider).await {
                Some(metadata) => verify(&metadata)
                    .map_err(|error| ProviderError::InvalidIdToken(error.to_string()))?,
                None => {
                    return Err(ProviderError::InvalidIdToken(
                        "the signature does not verify with the provider's keys".to_owned(),
                    ))
                }
            },
            Err(error) => return Err(ProviderError::InvalidIdToken(error.to_string())),
        };

        let mapping = ClaimMapping {
            provider_id,
            kind: provider.config.kind,
            discovered_issuer: metadata.issuer().as_str(),
            matches_by_email: provider.config.matches_by_email(),
        };
        // A conformant provider may put scope claims only in userinfo (Core §5.4): what the
        // ID token lacks comes from there, for the same subject.
        let userinfo = if mapping.needs_userinfo(&claims) {
            self.userinfo(&client, response.access_token(), claims.subject())
                .await?
                .map(|userinfo| UserinfoEmail {
                    email: userinfo.email().map(|email| email.as_str().to_owned()),
                    email_verified: userinfo.email_verified(),
                })
        } else {
            None
        };
        mapping.identity(&claims, userinfo)
    }

    fn verifier<'a>(
        &self,
        provider: &Provider,
        metadata: &'a Metadata,
        multi_tenant: bool,
    ) -> IdTokenVerifier<'a, CoreJsonWebKey> {
        let now = self.clock.now();
        let time_fn = move || chrono::DateTime::from_timestamp(now, 0).unwrap_or_default();
        // A public-client verifier: the client secret never keys a signature.
        let verifier = IdTokenVerifier::new_public_client(
            ClientId::new(provider.config.client_id.clone()),
            metadata.issuer().clone(),
            metadata.jwks().clone(),
        )
        .set_allowed_algs(allowed_algs())
        .set_time_fn(time_fn);
        if multi_tenant {
            // Checked against the template and `tid` by `check_tenant`.
            verifier.require_issuer_match(false)
        } else {
            verifier
        }
    }

    /// The userinfo claims for the ID token's subject, when the provider has userinfo.
    async fn userinfo(
        &self,
        client: &OidcClient,
        access_token: &AccessToken,
        subject: &SubjectIdentifier,
    ) -> Result<Option<UserInfoClaims<ProviderClaims, CoreGenderClaim>>, ProviderError> {
        let Ok(request) = client.user_info(access_token.clone(), Some(subject.clone())) else {
            return Ok(None);
        };
        match request.request_async(&self.http).await {
            Ok(claims) => Ok(Some(claims)),
            Err(openidconnect::UserInfoError::ClaimsVerification(
                openidconnect::ClaimsVerificationError::InvalidSubject(_),
            )) => Err(ProviderError::UserinfoSubjectMismatch),
            Err(error) => Err(ProviderError::Userinfo(error.to_string())),
        }
    }
}

/// The claims of a verified ID token, as the portal reads them.
pub type IdClaims = IdTokenClaims<ProviderClaims, CoreGenderClaim>;

/// What userinfo says of the email, for the claims the ID token lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserinfoEmail {
    pub email: Option<String>,
    pub email_verified: Option<bool>,
}

/// How one provider's verified claims become the identity the portal matches accounts by:
/// email, whether it is verified, subject, tenant, hosted domain. Pure, so it is tested
/// and fuzzed without a provider.
#[derive(Debug, Clone, Copy)]
pub struct ClaimMapping<'a> {
    pub provider_id: &'a str,
    pub kind: ProviderKind,
    /// The issuer discovery names (Entra multi-tenant: with `{tenantid}`).
    pub discovered_issuer: &'a str,
    pub matches_by_email: bool,
}

impl ClaimMapping<'_> {
    /// Whether the ID token lacks the email claims that userinfo may hold (never asked of
    /// Entra, whose email is judged by `xms_edov`).
    pub fn needs_userinfo(&self, claims: &IdClaims) -> bool {
        (claims.email().is_none() || claims.email_verified().is_none())
            && self.kind != ProviderKind::Microsoft
    }

    /// The identity from the ID token's claims, and userinfo's for what the token lacks.
    pub fn identity(
        &self,
        claims: &IdClaims,
        userinfo: Option<UserinfoEmail>,
    ) -> Result<ProviderIdentity, ProviderError> {
        let extra = claims.additional_claims();
        let kind = self.kind;
        let issuer = claims.issuer().as_str().to_owned();
        if kind == ProviderKind::Microsoft {
            check_tenant(self.discovered_issuer, &issuer, extra.tid.as_deref())?;
        }
        let email_domain_verified = truthy(extra.xms_edov.as_ref());
        // Entra's `preferred_username` is a sign-in name anyone in the tenant may set: it
        // never stands in for an email.
        let mut email = claims
            .email()
            .map(|email| email.as_str().to_ascii_lowercase());
        let mut email_verified = claims.email_verified();
        if let Some(userinfo) = userinfo.filter(|_| self.needs_userinfo(claims)) {
            let userinfo_email = userinfo.email.map(|email| email.to_ascii_lowercase());
            if email.is_none() {
                email = userinfo_email;
                email_verified = userinfo.email_verified;
            } else if userinfo_email == email {
                // Verified only if userinfo speaks of the same address.
                email_verified = userinfo.email_verified;
            }
        }
        let email_verified = match kind {
            // Entra has no `email_verified`; a tenant-verified domain is its equivalent.
            ProviderKind::Microsoft => email_domain_verified == Some(true),
            _ => email_verified.unwrap_or(false),
        };
        let subject = match (kind, &extra.oid) {
            (ProviderKind::Microsoft, Some(oid)) => oid.clone(),
            _ => claims.subject().as_str().to_owned(),
        };
        Ok(ProviderIdentity {
            provider_id: self.provider_id.to_owned(),
            kind,
            issuer,
            subject,
            email,
            email_verified,
            hosted_domain: extra.hd.clone(),
            tenant_id: extra.tid.clone(),
            email_domain_verified,
            private_relay_email: truthy(extra.is_private_email.as_ref()).unwrap_or(false),
            matches_by_email: self.matches_by_email,
        })
    }
}

/// The token endpoint's refusal: a client the provider does not know is a configuration
/// problem; the rest is this sign-in's.
fn token_error<E: std::error::Error>(
    error: openidconnect::RequestTokenError<E, StandardErrorResponse<CoreErrorResponseType>>,
) -> ProviderError {
    match &error {
        openidconnect::RequestTokenError::ServerResponse(response)
            if matches!(
                response.error(),
                CoreErrorResponseType::InvalidClient | CoreErrorResponseType::UnauthorizedClient
            ) =>
        {
            ProviderError::Misconfigured(format!(
                "the provider refused the portal's client credentials: {}",
                response
                    .error_description()
                    .map_or("no description", String::as_str)
            ))
        }
        openidconnect::RequestTokenError::Request(_) => {
            ProviderError::Unreachable(error.to_string())
        }
        _ => ProviderError::TokenExchange(error.to_string()),
    }
}

/// The configured client authentication is one the provider accepts.
fn check_auth_method(credentials: &ClientCredentials, metadata: &Metadata) -> Result<(), String> {
    let Some(method) = credentials.method_name() else {
        return Ok(());
    };
    if let Some(supported) = metadata.token_endpoint_auth_methods_supported() {
        let names: Vec<String> = supported
            .iter()
            .filter_map(|m| serde_json::to_value(m).ok())
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect();
        if !names.iter().any(|name| name == method) {
            return Err(format!(
                "the provider does not accept {method} at its token endpoint (it accepts {}): set `token_endpoint_auth_method` to one of them",
                names.join(", ")
            ));
        }
    }
    if let ClientCredentials::PrivateKeyJwt { key, .. } = credentials {
        if let Some(algs) = metadata.token_endpoint_auth_signing_alg_values_supported() {
            let names: Vec<String> = algs
                .iter()
                .filter_map(|a| serde_json::to_value(a).ok())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            if !names.iter().any(|name| name == key.alg()) {
                return Err(format!(
                    "the provider does not accept {} client assertions (it accepts {}): use a key of one of those kinds",
                    key.alg(),
                    names.join(", ")
                ));
            }
        }
    }
    Ok(())
}

/// Entra: `tid` must be the tenant the token's issuer names; at the multi-tenant endpoints
/// the issuer must be the discovered template with that tenant.
fn check_tenant(discovered: &str, issuer: &str, tid: Option<&str>) -> Result<(), ProviderError> {
    let Some(tid) = tid.filter(|tid| {
        !tid.is_empty() && tid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    }) else {
        return Err(ProviderError::InvalidIdToken(
            "the Microsoft ID token has no valid tid".to_owned(),
        ));
    };
    let expected = if discovered.contains(TENANT_TEMPLATE) {
        discovered.replace(TENANT_TEMPLATE, tid)
    } else {
        discovered.to_owned()
    };
    if issuer != expected || !issuer.contains(&format!("/{tid}/")) {
        return Err(ProviderError::InvalidIdToken(format!(
            "the Microsoft ID token's issuer {issuer:?} is not its tenant's ({expected:?})"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tenant_must_be_the_one_the_issuer_names() {
        let template = "https://login.example/{tenantid}/v2.0";
        assert!(check_tenant(template, "https://login.example/t1/v2.0", Some("t1")).is_ok());
        assert!(check_tenant(template, "https://login.example/t2/v2.0", Some("t1")).is_err());
        assert!(check_tenant(template, "https://login.example/t1/v2.0", None).is_err());
        assert!(check_tenant(template, "https://login.example/a/b/v2.0", Some("a/b")).is_err());
        let single = "https://login.example/t1/v2.0";
        assert!(check_tenant(single, single, Some("t1")).is_ok());
        assert!(check_tenant(single, single, Some("t2")).is_err());
    }

    #[test]
    fn only_asymmetric_algorithms_are_allowed() {
        let allowed = allowed_algs();
        assert!(!allowed.contains(&CoreJwsSigningAlgorithm::None));
        assert!(!allowed.contains(&CoreJwsSigningAlgorithm::HmacSha256));
        assert!(!allowed.contains(&CoreJwsSigningAlgorithm::HmacSha384));
        assert!(!allowed.contains(&CoreJwsSigningAlgorithm::HmacSha512));
        assert!(allowed.contains(&CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256));
    }
}
