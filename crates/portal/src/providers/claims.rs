//! How a provider's verified ID-token claims (and userinfo's, for what the token lacks)
//! become the identity the portal matches accounts by. Pure, so it is tested and fuzzed
//! without a provider.

use openidconnect::core::CoreGenderClaim;
use openidconnect::{AdditionalClaims, IdTokenClaims};
use serde::{Deserialize, Serialize};
use switchboard_api::ProviderKind;

use super::metadata::TENANT_TEMPLATE;
use super::{ProviderError, ProviderIdentity};

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
}
