use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// Which family of identity provider a sign-in option belongs to; the app draws each
/// family's button after that provider's branding rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Google,
    Microsoft,
    Apple,
    /// An organization's own OpenID Connect provider.
    Oidc,
}

/// One "Sign in with …" button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct ProviderOption {
    /// The value the app passes as `provider=` to the authorize endpoint.
    pub id: String,
    pub kind: ProviderKind,
    /// The label after "Sign in with".
    pub display_name: String,
}

/// Answer of `GET /v1/sign-in-options`: what the sign-in screen offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct SignInOptions {
    /// The portal's name as users know it ("Acme Phones").
    pub portal_name: String,
    /// Where users can check whether the service is down, when the operator has one.
    pub status_page_url: Option<String>,
    pub providers: Vec<ProviderOption>,
    /// Whether username + password sign-in is offered.
    pub password_sign_in: bool,
}

/// Body of `POST /v1/sign-in-options/for-email` ("Continue with work email"). A POST with a
/// JSON body, so the address stays out of access logs and proxies' URL logs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct EmailSignInRequest {
    pub email: String,
}

/// Answer of `POST /v1/sign-in-options/for-email`: what the email's *domain* offers. It
/// depends on the domain only, never on whether the address has an account, so it tells
/// nobody which addresses exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
pub struct EmailSignInOptions {
    /// The email's domain, lower-case ("acme.example").
    pub domain: String,
    /// The providers an organization enabled for this domain, in the portal's order: start
    /// one with the email as `login_hint`. Empty: no single sign-on is set up for it.
    pub providers: Vec<ProviderOption>,
    /// The providers that serve everyone (those of `GET /v1/sign-in-options`), the fallback
    /// when `providers` is empty.
    pub providers_for_everyone: Vec<ProviderOption>,
    /// Whether username + password sign-in is offered (the other fallback).
    pub password_sign_in: bool,
}
