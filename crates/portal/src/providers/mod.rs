//! The portal as the confidential OpenID Connect client of every provider: discovery,
//! JWKS and ID-token checks by the `openidconnect` crate, with the portal's own state,
//! nonce and PKCE towards each provider.

mod apple;
mod identity;

use std::collections::HashMap;
use std::sync::Arc;

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, ClientSecret, CsrfToken,
    EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl,
    LoginHint, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse,
};
use serde::{Deserialize, Serialize};
use switchboard_api::ProviderKind;
use tokio::sync::RwLock;
use url::Url;

pub use apple::{AppleClientSecret, AppleKeyError};
pub use identity::ProviderIdentity;

use crate::clock::SharedClock;
use crate::config::ProviderConfig;

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
    #[error("cannot read the provider's secret: {0}")]
    Secret(String),
    #[error("cannot discover the provider's configuration: {0}")]
    Discovery(String),
    #[error("the provider refused the sign-in code: {0}")]
    TokenExchange(String),
    #[error("the provider sent no ID token")]
    NoIdToken,
    #[error("the provider's ID token failed verification: {0}")]
    InvalidIdToken(String),
}

impl ProviderError {
    /// The stable code the app receives for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::InvalidIdToken(_) | ProviderError::NoIdToken => "invalid_id_token",
            ProviderError::UnknownProvider(_) => "invalid_request",
            ProviderError::Secret(_)
            | ProviderError::Discovery(_)
            | ProviderError::TokenExchange(_) => "provider_error",
        }
    }
}

enum ProviderSecret {
    None,
    Static(String),
    Apple(AppleClientSecret),
}

struct Provider {
    config: ProviderConfig,
    secret: ProviderSecret,
    metadata: RwLock<Option<Arc<CoreProviderMetadata>>>,
}

/// Every configured provider, with discovery results cached (a cache only: any portal
/// instance rebuilds it on demand).
pub struct Providers {
    by_id: HashMap<String, Provider>,
    http: reqwest::Client,
    callback_base: Url,
    clock: SharedClock,
}

impl Providers {
    /// Reads each provider's secret file. `callback_base` is the portal's public URL.
    pub fn new(
        configs: &[ProviderConfig],
        callback_base: Url,
        clock: SharedClock,
    ) -> Result<Self, ProviderError> {
        let mut by_id = HashMap::new();
        for config in configs {
            let secret = load_secret(config)?;
            by_id.insert(
                config.id.clone(),
                Provider {
                    config: config.clone(),
                    secret,
                    metadata: RwLock::new(None),
                },
            );
        }
        let http = reqwest::Client::builder()
            // Never follow redirects from a provider (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .map_err(|error| ProviderError::Discovery(error.to_string()))?;
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

    fn provider(&self, provider_id: &str) -> Result<&Provider, ProviderError> {
        self.by_id
            .get(provider_id)
            .ok_or_else(|| ProviderError::UnknownProvider(provider_id.to_owned()))
    }

    pub fn callback_url(&self, provider_id: &str) -> Result<Url, ProviderError> {
        self.callback_base
            .join(&format!("v1/providers/{provider_id}/callback"))
            .map_err(|error| ProviderError::Discovery(error.to_string()))
    }

    async fn metadata(
        &self,
        provider: &Provider,
        refresh: bool,
    ) -> Result<Arc<CoreProviderMetadata>, ProviderError> {
        if !refresh {
            if let Some(metadata) = provider.metadata.read().await.as_ref() {
                return Ok(Arc::clone(metadata));
            }
        }
        let issuer = IssuerUrl::new(provider.config.issuer.as_str().trim_end_matches('/').into())
            .map_err(|error| ProviderError::Discovery(error.to_string()))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(|error| ProviderError::Discovery(error.to_string()))?;
        let metadata = Arc::new(metadata);
        *provider.metadata.write().await = Some(Arc::clone(&metadata));
        Ok(metadata)
    }

    fn client(
        &self,
        provider: &Provider,
        metadata: &CoreProviderMetadata,
    ) -> Result<OidcClient, ProviderError> {
        let secret = match &provider.secret {
            ProviderSecret::None => None,
            ProviderSecret::Static(secret) => Some(secret.clone()),
            ProviderSecret::Apple(apple) => Some(apple.make(
                &provider.config.client_id,
                metadata.issuer().as_str(),
                self.clock.now(),
            )),
        };
        let redirect = RedirectUrl::new(self.callback_url(&provider.config.id)?.to_string())
            .map_err(|error| ProviderError::Discovery(error.to_string()))?;
        Ok(OidcClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(provider.config.client_id.clone()),
            secret.map(ClientSecret::new),
        )
        .set_redirect_uri(redirect))
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
        let metadata = self.metadata(provider, false).await?;
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

    /// Redeems the provider's code and verifies its ID token (signature against the JWKS,
    /// iss, aud/azp, exp, iat, nonce). Keys unknown to the cached JWKS trigger one fresh
    /// discovery, so a provider's key rotation does not break sign-in.
    pub async fn redeem(
        &self,
        provider_id: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<ProviderIdentity, ProviderError> {
        let provider = self.provider(provider_id)?;
        let metadata = self.metadata(provider, false).await?;
        let client = self.client(provider, &metadata)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| ProviderError::TokenExchange(error.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|error| ProviderError::TokenExchange(error.to_string()))?;
        let id_token = response
            .extra_fields()
            .id_token()
            .ok_or(ProviderError::NoIdToken)?;
        let nonce = Nonce::new(nonce.to_owned());
        let now = self.clock.now();
        let time_fn = move || chrono::DateTime::from_timestamp(now, 0).unwrap_or_default();

        let verified = {
            let verifier = client.id_token_verifier().set_time_fn(time_fn);
            id_token.claims(&verifier, &nonce).cloned()
        };
        let claims = match verified {
            Ok(claims) => claims,
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(
                openidconnect::SignatureVerificationError::NoMatchingKey,
            )) => {
                let metadata = self.metadata(provider, true).await?;
                let client = self.client(provider, &metadata)?;
                let verifier = client.id_token_verifier().set_time_fn(time_fn);
                id_token
                    .claims(&verifier, &nonce)
                    .map_err(|error| ProviderError::InvalidIdToken(error.to_string()))?
                    .clone()
            }
            Err(error) => return Err(ProviderError::InvalidIdToken(error.to_string())),
        };

        let extra = claims.additional_claims();
        let kind = provider.config.kind;
        let email_domain_verified = truthy(extra.xms_edov.as_ref());
        let email = claims
            .email()
            .map(|email| email.as_str().to_ascii_lowercase())
            .or_else(|| {
                (kind == ProviderKind::Microsoft)
                    .then(|| extra.preferred_username.clone())
                    .flatten()
                    .map(|name| name.to_ascii_lowercase())
            });
        let email_verified = match kind {
            // Entra has no `email_verified`; a tenant-verified domain is its equivalent.
            ProviderKind::Microsoft => email_domain_verified == Some(true),
            _ => claims.email_verified().unwrap_or(false),
        };
        let subject = match (kind, &extra.oid) {
            (ProviderKind::Microsoft, Some(oid)) => oid.clone(),
            _ => claims.subject().as_str().to_owned(),
        };
        Ok(ProviderIdentity {
            provider_id: provider_id.to_owned(),
            kind,
            issuer: claims.issuer().as_str().to_owned(),
            subject,
            email,
            email_verified,
            hosted_domain: extra.hd.clone(),
            tenant_id: extra.tid.clone(),
            email_domain_verified,
            private_relay_email: truthy(extra.is_private_email.as_ref()).unwrap_or(false),
        })
    }
}

fn load_secret(config: &ProviderConfig) -> Result<ProviderSecret, ProviderError> {
    let Some(path) = &config.client_secret_file else {
        return Ok(ProviderSecret::None);
    };
    let text = std::fs::read_to_string(path)
        .map_err(|error| ProviderError::Secret(format!("{}: {error}", path.display())))?;
    if config.kind == ProviderKind::Apple {
        let (Some(team_id), Some(key_id)) = (&config.apple_team_id, &config.apple_key_id) else {
            return Err(ProviderError::Secret(format!(
                "provider {:?} is Apple: set apple_team_id and apple_key_id",
                config.id
            )));
        };
        let key = AppleClientSecret::from_pem(&text, key_id, team_id)
            .map_err(|error| ProviderError::Secret(error.to_string()))?;
        return Ok(ProviderSecret::Apple(key));
    }
    Ok(ProviderSecret::Static(text.trim().to_owned()))
}
