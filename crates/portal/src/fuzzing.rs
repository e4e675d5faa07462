//! Entry points for the fuzz targets in `fuzz/` (`cargo xtask fuzz`): the parsers that read
//! what arrives from outside, called as the endpoints call them. Not an API.

use switchboard_api::{ProviderKind, TokenRequest};

use crate::providers::{ClaimMapping, IdClaims, ProviderIdentity, UserinfoEmail};
pub use crate::routes::token::{parse_form, TokenForm};

/// A token request's body, parsed and read as `POST /v1/token` does before it touches the
/// database: `Ok` with the grant, or the error the endpoint answers (as its message).
pub fn token_request(body: &[u8]) -> Result<(), String> {
    let form = parse_form(body).map_err(|error| error.to_string())?;
    let request = form.into_request().map_err(|error| error.to_string())?;
    if let TokenRequest::AuthorizationCode { device_name, .. } = &request {
        let device = crate::signin::sessions::device_label(device_name.as_deref());
        assert!(!device.is_empty(), "a session always has a label");
        assert!(device.chars().count() <= 64, "a device label is cut to 64");
        assert!(
            !device.chars().any(char::is_control),
            "no control characters in a device label"
        );
    }
    Ok(())
}

/// The provider kinds, picked by a byte of the fuzzer's input.
pub fn kind_from_byte(byte: u8) -> ProviderKind {
    match byte % 4 {
        0 => ProviderKind::Google,
        1 => ProviderKind::Microsoft,
        2 => ProviderKind::Apple,
        _ => ProviderKind::Oidc,
    }
}

/// Verified ID-token claims (JSON, as the token's payload) and, optionally, userinfo's
/// email claims mapped to the identity the portal matches accounts by.
pub fn claims_to_identity(
    kind: ProviderKind,
    discovered_issuer: &str,
    claims_json: &[u8],
    userinfo: Option<(Option<String>, Option<bool>)>,
) -> Option<Result<ProviderIdentity, String>> {
    let claims: IdClaims = serde_json::from_slice(claims_json).ok()?;
    let mapping = ClaimMapping {
        provider_id: "fuzz",
        kind,
        discovered_issuer,
        matches_by_email: true,
    };
    let userinfo = userinfo.map(|(email, email_verified)| UserinfoEmail {
        email,
        email_verified,
    });
    let identity = match mapping.identity(&claims, userinfo) {
        Ok(identity) => identity,
        Err(error) => return Some(Err(error.to_string())),
    };
    // What the matching relies on.
    if let Some(email) = identity.trusted_email() {
        assert!(identity.email_verified, "a trusted email is verified");
        assert_eq!(
            email,
            email.to_ascii_lowercase(),
            "emails are compared lower-case"
        );
        if kind == ProviderKind::Microsoft {
            assert_eq!(identity.email_domain_verified, Some(true));
        }
    }
    if kind == ProviderKind::Microsoft {
        assert!(
            identity.tenant_id.is_some(),
            "an Entra identity has its tenant"
        );
    }
    let _ = identity.organization_key();
    Some(Ok(identity))
}
