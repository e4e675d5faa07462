//! Redeeming a provider's code: the token request (with the portal's client
//! authentication and PKCE verifier), the ID token's verification, and userinfo for the
//! claims the token lacks.

use openidconnect::core::{CoreGenderClaim, CoreJsonWebKey, CoreJwsSigningAlgorithm};
use openidconnect::{
    AccessToken, AuthorizationCode, ClientId, IdTokenVerifier, Nonce, OAuth2TokenResponse,
    PkceCodeVerifier, SubjectIdentifier, UserInfoClaims,
};

use super::client_auth::ClientCredentials;
use super::error::token_error;
use super::metadata::{Metadata, TENANT_TEMPLATE};
use super::{
    ClaimMapping, OidcClient, Provider, ProviderClaims, ProviderError, ProviderIdentity, Providers,
    UserinfoEmail,
};

/// The signature algorithms an ID token may use: asymmetric ones only. `none` and HMAC
/// (keyed by the client secret, which is no proof of the provider) are refused whatever
/// discovery lists.
pub(super) fn allowed_algs() -> Vec<CoreJwsSigningAlgorithm> {
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

impl Providers {
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

#[cfg(test)]
mod tests {
    use super::*;

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
