//! The Switchboard protocol in one place: every type that crosses the wire between the
//! desktop client and the portal. Serde defines the JSON, `utoipa` describes it for the
//! portal's OpenAPI document and `ts-rs` turns it into TypeScript for the front end.

mod error;
mod events;
mod health;
mod login;
mod security;
mod sign_in;
mod token;

pub use error::{ApiError, ErrorCode};
pub use events::{PortalEvent, SessionEndReason, HEARTBEAT_SECONDS};
pub use health::{Health, HealthStatus};
pub use login::{
    AccountChoice, AccountSummary, ChooseAccountRequest, ChooseAgainRequest, LinkAccountRequest,
    LinkReason, LoginStep, SessionTokens, SipProfile, SipTransport,
};
pub use security::{
    AccountEmail, AuthenticatorSetup, AuthenticatorStatus, ChangePasswordRequest,
    ConfirmEmailRequest, ConfirmRequest, Confirmation, EmailPurpose, EmailRequest, LinkIntent,
    LinkedProvider, MfaRequest, NotificationEmailAdded, NotificationEmailWarning, PasswordAndCode,
    PasswordSignInRequest, RecoveryCodes, RemoveLinkRequest, RevokeSessionRequest,
    SecurityOverview, SecurityWarning, SessionClient, SessionInfo, StartLinkRequest,
    APP_USER_AGENT_PRODUCT, CLI_USER_AGENT_PRODUCT,
};
pub use sign_in::{
    EmailSignInOptions, EmailSignInRequest, ProviderKind, ProviderOption, SignInOptions,
};
pub use token::{RevokeRequest, TokenRequest, TokenTypeHint};

/// Paths of the portal's endpoints, shared so client and portal cannot drift apart.
pub mod paths {
    pub const HEALTH: &str = "/healthz";
    pub const OPENAPI: &str = "/openapi.json";
    pub const SIGN_IN_OPTIONS: &str = "/v1/sign-in-options";
    pub const SIGN_IN_OPTIONS_FOR_EMAIL: &str = "/v1/sign-in-options/for-email";
    pub const AUTHORIZE: &str = "/v1/authorize";
    pub const PROVIDER_CALLBACK: &str = "/v1/providers/{provider}/callback";
    pub const TOKEN: &str = "/v1/token";
    pub const REVOKE: &str = "/v1/revoke";
    pub const SIP_PROFILE: &str = "/v1/sip-profile";
    pub const EVENTS: &str = "/v1/events";
    pub const CHOOSE_ACCOUNT: &str = "/v1/login/choose-account";
    pub const LINK_ACCOUNT: &str = "/v1/login/link-account";
    pub const CHOOSE_AGAIN: &str = "/v1/login/choose-again";
    pub const PASSWORD_SIGN_IN: &str = "/v1/login/password";
    pub const MFA: &str = "/v1/login/mfa";
    pub const SECURITY: &str = "/v1/account/security";
    pub const AUTHENTICATOR: &str = "/v1/account/authenticator";
    pub const AUTHENTICATOR_CONFIRM: &str = "/v1/account/authenticator/confirm";
    pub const AUTHENTICATOR_DISABLE: &str = "/v1/account/authenticator/disable";
    pub const RECOVERY_CODES: &str = "/v1/account/recovery-codes";
    pub const LINK_PROVIDER_START: &str = "/v1/account/linked-providers/start";
    pub const LINK_PROVIDER_REMOVE: &str = "/v1/account/linked-providers/remove";
    pub const EMAILS: &str = "/v1/account/emails";
    pub const EMAILS_REMOVE: &str = "/v1/account/emails/remove";
    pub const EMAILS_CONFIRM: &str = "/v1/account/emails/confirm";
    pub const SESSIONS_REVOKE: &str = "/v1/account/sessions/revoke";
    pub const PASSWORD: &str = "/v1/account/password";
    pub const CONFIRM: &str = "/v1/account/confirm";
}
