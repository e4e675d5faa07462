//! What the portal takes from a verified ID token.

use serde::{Deserialize, Serialize};
use switchboard_api::ProviderKind;

/// A provider identity after its ID token passed every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderIdentity {
    pub provider_id: String,
    pub kind: ProviderKind,
    /// With `subject`, the stable key of the identity (Entra: the tenant's issuer + `oid`).
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    /// Google Workspace domain (`hd`).
    pub hosted_domain: Option<String>,
    /// Entra tenant (`tid`).
    pub tenant_id: Option<String>,
    /// Entra: the email's domain is verified by the tenant (`xms_edov`).
    pub email_domain_verified: Option<bool>,
    /// Apple private relay address (`is_private_email`).
    pub private_relay_email: bool,
    /// The provider's policy: a verified email may match accounts without the password
    /// step (`match_by_email`).
    #[serde(default)]
    pub matches_by_email: bool,
}

impl ProviderIdentity {
    /// The email, when the provider vouches for it strongly enough to match accounts by it.
    pub fn trusted_email(&self) -> Option<&str> {
        let email = self.email.as_deref()?;
        if !self.email_verified {
            return None;
        }
        // Entra's `email` is mutable by tenant admins: only a tenant-verified domain counts
        // (the nOAuth takeover).
        if self.kind == ProviderKind::Microsoft && self.email_domain_verified != Some(true) {
            return None;
        }
        Some(email)
    }

    /// The domain or tenant the organization must have enabled this provider for.
    pub fn organization_key(&self) -> Option<String> {
        match self.kind {
            ProviderKind::Google => self.hosted_domain.clone(),
            ProviderKind::Microsoft => self.tenant_id.clone(),
            ProviderKind::Apple | ProviderKind::Oidc => self
                .email
                .as_deref()
                .and_then(|email| email.rsplit_once('@'))
                .map(|(_, domain)| domain.to_ascii_lowercase()),
        }
    }
}
