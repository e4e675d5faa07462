//! Provider profiles: which issuers the dev IdP serves and what their discovery says.
//!
//! Every profile is its own issuer under the base URL, shaped like the real one:
//!
//! | profile  | issuer                          | real counterpart                                  |
//! |----------|---------------------------------|---------------------------------------------------|
//! | Google   | `{base}google`                  | `https://accounts.google.com`                     |
//! | Entra    | `{base}entra/{tenant_id}/v2.0`  | `https://login.microsoftonline.com/{tid}/v2.0`    |
//! | Apple    | `{base}apple`                   | `https://appleid.apple.com`                       |
//! | Acme SSO | `{base}acme-sso`                | a company's own OpenID provider                   |
//! | Strict   | `{base}strict/` (ends with `/`) | a provider that follows the specification strictly |
//!
//! Entra's multi-tenant endpoints (`{base}entra/organizations/v2.0`, `.../common/v2.0`)
//! serve every tenant: their discovery carries the `{tenantid}` issuer template and each
//! token the issuer of its user's tenant.
//!
//! The strict provider puts scope claims (`email`, `name`) only in userinfo, sends `iss` on
//! the authorization response (RFC 9207), and authenticates its client by
//! `client_secret_post` or `private_key_jwt` only.

use serde::{Deserialize, Serialize};
use url::Url;

/// Tenant id of the demo "Acme" Entra tenant (the real company).
pub const ACME_TENANT_ID: &str = "4f1d6a2e-7b1c-4d3e-9a55-0c1e2f3a4b5c";
/// The "tenant" of Entra's multi-tenant endpoints for work accounts.
pub const ORGANIZATIONS_TENANT: &str = "organizations";
/// Entra's multi-tenant endpoint for work and personal accounts.
pub const COMMON_TENANT: &str = "common";

/// Whether an Entra "tenant" in a path is one of the multi-tenant endpoints.
pub fn is_multi_tenant(tenant_id: &str) -> bool {
    matches!(tenant_id, ORGANIZATIONS_TENANT | COMMON_TENANT)
}

/// Tenant id of the demo "Contoso" Entra tenant (an attacker's tenant in the demo).
pub const CONTOSO_TENANT_ID: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

/// An Entra tenant the dev IdP knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: &'static str,
    pub name: &'static str,
    /// The domain the tenant has verified (Acme) or not (Contoso's claim on acme.example is
    /// exactly what it has *not* verified).
    pub verified_domain: &'static str,
}

/// The demo Entra tenants.
pub fn demo_tenants() -> Vec<Tenant> {
    vec![
        Tenant {
            id: ACME_TENANT_ID,
            name: "Acme",
            verified_domain: "acme.example",
        },
        Tenant {
            id: CONTOSO_TENANT_ID,
            name: "Contoso",
            verified_domain: "contoso.example",
        },
    ]
}

/// One issuer the dev IdP serves.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Profile {
    Google,
    Entra { tenant_id: String },
    Apple,
    AcmeSso,
    Strict,
}

impl Profile {
    /// Every profile served for these tenants: Google, Entra per tenant, Apple, Acme SSO.
    pub fn all(tenants: &[Tenant]) -> Vec<Profile> {
        let mut profiles = vec![Profile::Google];
        profiles.extend(tenants.iter().map(|t| Profile::Entra {
            tenant_id: t.id.to_owned(),
        }));
        profiles.push(Profile::Apple);
        profiles.push(Profile::AcmeSso);
        profiles.push(Profile::Strict);
        profiles
    }

    /// Whether this issuer signs in identities of `identity_profile`: its own, and at
    /// Entra's multi-tenant endpoints those of every tenant.
    pub fn serves(&self, identity_profile: &Profile) -> bool {
        match (self, identity_profile) {
            (Profile::Entra { tenant_id }, Profile::Entra { .. }) if is_multi_tenant(tenant_id) => {
                true
            }
            _ => self == identity_profile,
        }
    }

    /// A short, stable name: `google`, `entra`, `apple`, `acme-sso`, `strict`.
    pub fn kind(&self) -> &'static str {
        match self {
            Profile::Google => "google",
            Profile::Entra { .. } => "entra",
            Profile::Apple => "apple",
            Profile::AcmeSso => "acme-sso",
            Profile::Strict => "strict",
        }
    }

    /// A name for people.
    pub fn label(&self) -> String {
        match self {
            Profile::Google => "Google".to_owned(),
            Profile::Entra { tenant_id } if is_multi_tenant(tenant_id) => {
                "Microsoft Entra (any organization)".to_owned()
            }
            Profile::Entra { tenant_id } => {
                let name = demo_tenants()
                    .into_iter()
                    .find(|t| t.id == tenant_id)
                    .map_or("unknown tenant", |t| t.name);
                format!("Microsoft Entra ({name})")
            }
            Profile::Apple => "Apple".to_owned(),
            Profile::AcmeSso => "Acme SSO (company OpenID provider)".to_owned(),
            Profile::Strict => "Strict OpenID provider (claims in userinfo)".to_owned(),
        }
    }

    /// The issuer's path below the base URL, without leading slash (the strict provider's
    /// ends with one).
    pub fn issuer_path(&self) -> String {
        match self {
            Profile::Entra { tenant_id } => format!("entra/{tenant_id}/v2.0"),
            Profile::Strict => "strict/".to_owned(),
            other => other.kind().to_owned(),
        }
    }

    /// The issuer identifier (`iss`), exactly as tokens and discovery carry it.
    /// `base` must end with `/` (see [`crate::normalize_base_url`]).
    pub fn issuer(&self, base: &Url) -> String {
        format!("{}{}", base.as_str(), self.issuer_path())
    }

    /// `{issuer}/.well-known/openid-configuration`.
    pub fn discovery_url(&self, base: &Url) -> String {
        self.endpoint(base, ".well-known/openid-configuration")
    }

    /// An endpoint below the issuer (`authorize`, `token`, `userinfo`): one `/` between.
    pub fn endpoint(&self, base: &Url, name: &str) -> String {
        format!("{}/{name}", self.issuer(base).trim_end_matches('/'))
    }

    /// The `issuer` of the discovery document: the issuer, except for Entra's multi-tenant
    /// endpoints, which publish the `{tenantid}` template.
    pub fn discovered_issuer(&self, base: &Url) -> String {
        match self {
            Profile::Entra { tenant_id } if is_multi_tenant(tenant_id) => {
                format!("{}entra/{{tenantid}}/v2.0", base.as_str())
            }
            _ => self.issuer(base),
        }
    }

    /// The OpenID Provider Metadata of this issuer.
    pub fn discovery(&self, base: &Url) -> DiscoveryDocument {
        let issuer = self.discovered_issuer(base);
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let claims: &[&str] = match self {
            Profile::Google => &[
                "aud",
                "email",
                "email_verified",
                "exp",
                "family_name",
                "given_name",
                "hd",
                "iat",
                "iss",
                "name",
                "nonce",
                "picture",
                "sub",
            ],
            Profile::Entra { .. } => &[
                "sub",
                "iss",
                "aud",
                "exp",
                "iat",
                "auth_time",
                "nonce",
                "name",
                "email",
                "preferred_username",
                "oid",
                "tid",
                "ver",
                "xms_edov",
            ],
            Profile::Apple => &[
                "aud",
                "email",
                "email_verified",
                "exp",
                "iat",
                "is_private_email",
                "iss",
                "nonce",
                "nonce_supported",
                "real_user_status",
                "sub",
            ],
            Profile::Strict => &[
                "aud",
                "email",
                "email_verified",
                "exp",
                "iat",
                "iss",
                "name",
                "nonce",
                "sub",
            ],
            Profile::AcmeSso => &[
                "aud",
                "email",
                "email_verified",
                "exp",
                "iat",
                "iss",
                "name",
                "nonce",
                "sub",
            ],
        };
        let response_modes: Option<&[&str]> = match self {
            // Google's discovery does not list response modes.
            Profile::Google => None,
            Profile::Entra { .. } => Some(&["query", "fragment", "form_post"]),
            Profile::Apple => Some(&["form_post", "query"]),
            Profile::AcmeSso | Profile::Strict => Some(&["query"]),
        };
        let subject_types: &[&str] = match self {
            // Entra's `sub` is pairwise (per application); `oid` is the stable user id.
            Profile::Entra { .. } => &["pairwise"],
            _ => &["public"],
        };
        let strict = *self == Profile::Strict;
        let auth_methods: &[&str] = if strict {
            &["client_secret_post", "private_key_jwt"]
        } else {
            &["client_secret_post", "client_secret_basic"]
        };
        // The strict provider lists `none` and HS256 too: a client must refuse them anyway.
        let id_token_algs: &[&str] = if strict {
            &["RS256", "HS256", "none"]
        } else {
            &["RS256"]
        };
        DiscoveryDocument {
            authorization_endpoint: self.endpoint(base, "authorize"),
            token_endpoint: self.endpoint(base, "token"),
            userinfo_endpoint: strict.then(|| self.endpoint(base, "userinfo")),
            jwks_uri: format!("{}jwks", base.as_str()),
            issuer,
            response_types_supported: strings(&["code"]),
            response_modes_supported: response_modes.map(strings),
            grant_types_supported: strings(&["authorization_code"]),
            subject_types_supported: strings(subject_types),
            id_token_signing_alg_values_supported: strings(id_token_algs),
            scopes_supported: strings(&["openid", "email", "profile"]),
            code_challenge_methods_supported: strings(&["S256"]),
            token_endpoint_auth_methods_supported: strings(auth_methods),
            token_endpoint_auth_signing_alg_values_supported: strict
                .then(|| strings(&["RS256", "ES256"])),
            authorization_response_iss_parameter_supported: strict.then_some(true),
            claims_supported: strings(claims),
        }
    }
}

/// OpenID Provider Metadata (OpenID Connect Discovery 1.0 §3), the fields the dev IdP serves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryDocument {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    pub jwks_uri: String,
    pub response_types_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_modes_supported: Option<Vec<String>>,
    pub grant_types_supported: Vec<String>,
    pub subject_types_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub scopes_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    /// RFC 9207: `iss` comes with every authorization response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
    pub claims_supported: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("http://127.0.0.1:8781/").unwrap()
    }

    #[test]
    fn issuers_sit_under_the_base_url() {
        assert_eq!(
            Profile::Google.issuer(&base()),
            "http://127.0.0.1:8781/google"
        );
        assert_eq!(
            Profile::Apple.issuer(&base()),
            "http://127.0.0.1:8781/apple"
        );
        assert_eq!(
            Profile::AcmeSso.issuer(&base()),
            "http://127.0.0.1:8781/acme-sso"
        );
        assert_eq!(
            Profile::Strict.issuer(&base()),
            "http://127.0.0.1:8781/strict/"
        );
        assert_eq!(
            Profile::Strict.discovery_url(&base()),
            "http://127.0.0.1:8781/strict/.well-known/openid-configuration"
        );
        let entra = Profile::Entra {
            tenant_id: ACME_TENANT_ID.to_owned(),
        };
        assert_eq!(
            entra.issuer(&base()),
            format!("http://127.0.0.1:8781/entra/{ACME_TENANT_ID}/v2.0")
        );
    }

    #[test]
    fn the_strict_issuer_lists_userinfo_iss_and_only_its_client_methods() {
        let doc = Profile::Strict.discovery(&base());
        assert_eq!(doc.issuer, "http://127.0.0.1:8781/strict/");
        assert_eq!(doc.token_endpoint, "http://127.0.0.1:8781/strict/token");
        assert_eq!(
            doc.userinfo_endpoint.as_deref(),
            Some("http://127.0.0.1:8781/strict/userinfo")
        );
        assert_eq!(
            doc.authorization_response_iss_parameter_supported,
            Some(true)
        );
        assert_eq!(
            doc.token_endpoint_auth_methods_supported,
            ["client_secret_post", "private_key_jwt"]
        );
        let google = Profile::Google.discovery(&base());
        assert_eq!(google.userinfo_endpoint, None);
        assert_eq!(google.authorization_response_iss_parameter_supported, None);
        let multi = Profile::Entra {
            tenant_id: ORGANIZATIONS_TENANT.to_owned(),
        };
        assert_eq!(
            multi.discovery(&base()).issuer,
            "http://127.0.0.1:8781/entra/{tenantid}/v2.0"
        );
        assert!(multi.serves(&Profile::Entra {
            tenant_id: ACME_TENANT_ID.to_owned()
        }));
        assert!(!multi.serves(&Profile::Google));
    }

    #[test]
    fn profiles_serialize_with_their_kind_as_tag() {
        let entra = Profile::Entra {
            tenant_id: CONTOSO_TENANT_ID.to_owned(),
        };
        let json = serde_json::to_value(&entra).unwrap();
        assert_eq!(json["kind"], "entra");
        assert_eq!(json["tenant_id"], CONTOSO_TENANT_ID);
        for profile in Profile::all(&demo_tenants()) {
            assert_eq!(
                serde_json::to_value(&profile).unwrap()["kind"],
                profile.kind()
            );
        }
        assert_eq!(
            serde_json::to_value(Profile::AcmeSso).unwrap()["kind"],
            "acme-sso"
        );
    }

    #[test]
    fn all_profiles_have_distinct_issuers() {
        let profiles = Profile::all(&demo_tenants());
        assert_eq!(profiles.len(), 6);
        let mut issuers: Vec<_> = profiles.iter().map(|p| p.issuer(&base())).collect();
        issuers.sort();
        issuers.dedup();
        assert_eq!(issuers.len(), 6);
    }
}
