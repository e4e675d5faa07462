//! The Switchboard protocol in one place: every type that crosses the wire between the
//! desktop client and the portal. Serde defines the JSON, `utoipa` describes it for the
//! portal's OpenAPI document and `ts-rs` turns it into TypeScript for the front end.

mod error;
mod health;
mod login;
mod sign_in;

pub use error::{ApiError, ErrorCode};
pub use health::{Health, HealthStatus};
pub use login::{
    AccountChoice, AccountSummary, ChooseAccountRequest, ChooseAgainRequest, LinkAccountRequest,
    LinkReason, LoginStep, SessionTokens, SipProfile, SipTransport,
};
pub use sign_in::{ProviderKind, ProviderOption, SignInOptions};

/// Paths of the portal's endpoints, shared so client and portal cannot drift apart.
pub mod paths {
    pub const HEALTH: &str = "/healthz";
    pub const OPENAPI: &str = "/openapi.json";
    pub const SIGN_IN_OPTIONS: &str = "/v1/sign-in-options";
    pub const AUTHORIZE: &str = "/v1/authorize";
    pub const PROVIDER_CALLBACK: &str = "/v1/providers/{provider}/callback";
    pub const TOKEN: &str = "/v1/token";
    pub const REVOKE: &str = "/v1/revoke";
    pub const SIP_PROFILE: &str = "/v1/sip-profile";
    pub const CHOOSE_ACCOUNT: &str = "/v1/login/choose-account";
    pub const LINK_ACCOUNT: &str = "/v1/login/link-account";
    pub const CHOOSE_AGAIN: &str = "/v1/login/choose-again";
}
