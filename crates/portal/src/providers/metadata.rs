//! A provider's discovery document and keys: fetched without following redirects, the
//! issuer compared exactly (Entra's multi-tenant `{tenantid}` template aside), and every
//! failure sorted into "the provider is down" or "the configuration is wrong".

use openidconnect::core::{
    CoreAuthDisplay, CoreClaimName, CoreClaimType, CoreClientAuthMethod, CoreGrantType,
    CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{AdditionalProviderMetadata, JsonWebKeySet, ProviderMetadata};
use serde::{Deserialize, Serialize};
use switchboard_api::ProviderKind;

use super::ProviderError;

/// Discovery fields the `openidconnect` crate does not model.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExtraMetadata {
    /// RFC 9207: the provider sends `iss` with every authorization response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

pub type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

pub type KeySet = JsonWebKeySet<CoreJsonWebKey>;

/// The placeholder of Entra's multi-tenant issuer.
pub const TENANT_TEMPLATE: &str = "{tenantid}";

/// `{issuer}/.well-known/openid-configuration`, with exactly one `/` between (OpenID
/// Connect Discovery §4.1: the issuer's own trailing `/` is not doubled).
pub fn discovery_url(issuer: &str) -> String {
    if issuer.ends_with('/') {
        format!("{issuer}.well-known/openid-configuration")
    } else {
        format!("{issuer}/.well-known/openid-configuration")
    }
}

/// Whether the discovered issuer is right for the configured one: equal, or (Entra
/// multi-tenant) the `{tenantid}` template of a configured `organizations`/`common`
/// endpoint.
pub fn issuer_matches(kind: ProviderKind, configured: &str, discovered: &str) -> bool {
    if configured == discovered {
        return true;
    }
    kind == ProviderKind::Microsoft
        && discovered.contains(TENANT_TEMPLATE)
        && ["organizations", "common"]
            .iter()
            .any(|tenant| discovered.replace(TENANT_TEMPLATE, tenant) == configured)
}

/// A GET that sorts failures: no answer or a server error is an outage; any other
/// non-success (a 404, a redirect) is a configuration problem.
async fn get(http: &reqwest::Client, url: &str, what: &str) -> Result<Vec<u8>, ProviderError> {
    let response = http.get(url).send().await.map_err(|error| {
        ProviderError::Unreachable(format!("cannot fetch the {what} at {url}: {error}"))
    })?;
    let status = response.status();
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(ProviderError::Unreachable(format!(
            "the {what} at {url} answered {status}"
        )));
    }
    if !status.is_success() {
        return Err(ProviderError::Misconfigured(format!(
            "the {what} at {url} answered {status}: check the issuer in the configuration"
        )));
    }
    let body = response.bytes().await.map_err(|error| {
        ProviderError::Unreachable(format!("cannot read the {what} at {url}: {error}"))
    })?;
    Ok(body.to_vec())
}

/// The discovery document of `issuer`, with its keys.
pub async fn discover(
    http: &reqwest::Client,
    kind: ProviderKind,
    issuer: &str,
) -> Result<Metadata, ProviderError> {
    let url = discovery_url(issuer);
    let body = get(http, &url, "discovery document").await?;
    let metadata: Metadata = serde_json::from_slice(&body).map_err(|error| {
        ProviderError::Misconfigured(format!(
            "the discovery document at {url} is not valid OpenID provider metadata: {error}"
        ))
    })?;
    let discovered = metadata.issuer().as_str();
    if !issuer_matches(kind, issuer, discovered) {
        return Err(ProviderError::Misconfigured(format!(
            "the discovery document at {url} names the issuer {discovered:?}, not the configured {issuer:?}: set `issuer` to exactly what the provider names"
        )));
    }
    let keys = fetch_keys(http, &metadata).await?;
    Ok(metadata.set_jwks(keys))
}

/// The provider's current keys.
pub async fn fetch_keys(
    http: &reqwest::Client,
    metadata: &Metadata,
) -> Result<KeySet, ProviderError> {
    let url = metadata.jwks_uri().url().as_str();
    let body = get(http, url, "key set").await?;
    serde_json::from_slice(&body).map_err(|error| {
        ProviderError::Misconfigured(format!(
            "the key set at {url} is not a valid JWK set: {error}"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_discovery_url_never_doubles_or_drops_a_slash() {
        assert_eq!(
            discovery_url("https://sso.example/"),
            "https://sso.example/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url("https://sso.example/realms/acme"),
            "https://sso.example/realms/acme/.well-known/openid-configuration"
        );
    }

    #[test]
    fn issuers_match_exactly_or_through_entras_template() {
        let oidc = ProviderKind::Oidc;
        assert!(issuer_matches(
            oidc,
            "https://sso.example/",
            "https://sso.example/"
        ));
        assert!(!issuer_matches(
            oidc,
            "https://sso.example",
            "https://sso.example/"
        ));
        assert!(!issuer_matches(
            oidc,
            "https://sso.example/",
            "https://sso.example"
        ));
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        assert!(issuer_matches(
            ProviderKind::Microsoft,
            "https://login.microsoftonline.com/organizations/v2.0",
            template
        ));
        assert!(!issuer_matches(
            ProviderKind::Microsoft,
            "https://login.microsoftonline.com/evil/v2.0",
            template
        ));
        assert!(!issuer_matches(
            oidc,
            "https://login.microsoftonline.com/organizations/v2.0",
            template
        ));
    }
}
