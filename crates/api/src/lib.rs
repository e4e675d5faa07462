//! The Switchboard protocol in one place: every type that crosses the wire between the
//! desktop client and the portal. Serde defines the JSON, `utoipa` describes it for the
//! portal's OpenAPI document and `ts-rs` turns it into TypeScript for the front end.

mod error;
mod health;
mod sign_in;

pub use error::{ApiError, ErrorCode};
pub use health::{Health, HealthStatus};
pub use sign_in::{ProviderKind, ProviderOption, SignInOptions};

/// Paths of the portal's endpoints, shared so client and portal cannot drift apart.
pub mod paths {
    pub const HEALTH: &str = "/healthz";
    pub const OPENAPI: &str = "/openapi.json";
    pub const SIGN_IN_OPTIONS: &str = "/v1/sign-in-options";
}
