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
