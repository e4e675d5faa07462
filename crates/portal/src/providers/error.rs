//! What can go wrong with a provider, and which of it an operator must fix.

use openidconnect::core::CoreErrorResponseType;
use openidconnect::StandardErrorResponse;

#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    #[error("no provider is called {0:?}")]
    UnknownProvider(String),
    /// The configuration or the provider's registration is wrong: an operator must act.
    #[error("the provider is not set up correctly: {0}")]
    Misconfigured(String),
    /// The provider cannot be reached or answered with a server error: try again later.
    #[error("the provider cannot be reached: {0}")]
    Unreachable(String),
    #[error("the provider refused the sign-in code: {0}")]
    TokenExchange(String),
    #[error("the provider sent no ID token")]
    NoIdToken,
    #[error("the provider's ID token failed verification: {0}")]
    InvalidIdToken(String),
    #[error("the provider's userinfo answered for another subject than the ID token")]
    UserinfoSubjectMismatch,
    #[error("the provider's userinfo failed: {0}")]
    Userinfo(String),
}

impl ProviderError {
    /// The stable code the app receives for this failure.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::InvalidIdToken(_)
            | ProviderError::NoIdToken
            | ProviderError::UserinfoSubjectMismatch => "invalid_id_token",
            ProviderError::UnknownProvider(_) => "invalid_request",
            ProviderError::Misconfigured(_)
            | ProviderError::Unreachable(_)
            | ProviderError::TokenExchange(_)
            | ProviderError::Userinfo(_) => "provider_error",
        }
    }

    /// Whether an operator must fix something (as opposed to waiting or retrying).
    pub fn is_misconfiguration(&self) -> bool {
        matches!(self, ProviderError::Misconfigured(_))
    }
}

/// The token endpoint's refusal: a client the provider does not know is a configuration
/// problem; the rest is this sign-in's.
pub(super) fn token_error<E: std::error::Error>(
    error: openidconnect::RequestTokenError<E, StandardErrorResponse<CoreErrorResponseType>>,
) -> ProviderError {
    match &error {
        openidconnect::RequestTokenError::ServerResponse(response)
            if matches!(
                response.error(),
                CoreErrorResponseType::InvalidClient | CoreErrorResponseType::UnauthorizedClient
            ) =>
        {
            ProviderError::Misconfigured(format!(
                "the provider refused the portal's client credentials: {}",
                response
                    .error_description()
                    .map_or("no description", String::as_str)
            ))
        }
        openidconnect::RequestTokenError::Request(_) => {
            ProviderError::Unreachable(error.to_string())
        }
        _ => ProviderError::TokenExchange(error.to_string()),
    }
}
