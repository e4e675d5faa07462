use axum::extract::State;
use axum::response::Response;
use axum::Json;
use switchboard_api::{
    ApiError, EmailSignInOptions, EmailSignInRequest, ErrorCode, ProviderKind, ProviderOption,
    SignInOptions,
};

use super::token::no_store;
use crate::config::{PortalConfig, ProviderConfig};
use crate::error::PortalError;
use crate::state::AppState;

/// What the app's sign-in screen offers: the portal's name and the providers that serve
/// everyone. A company's own OpenID provider is not listed (unless the operator shows it to
/// everyone): its users find it with "Continue with work email".
#[utoipa::path(
    get,
    path = "/v1/sign-in-options",
    tag = "sign-in",
    responses((status = 200, description = "The sign-in choices", body = SignInOptions))
)]
pub async fn sign_in_options(State(state): State<AppState>) -> Json<SignInOptions> {
    Json(state.public_sign_in_options.as_ref().clone())
}

/// "Continue with work email": the providers organizations enabled for the email's domain.
/// The answer depends on the domain only: a known and an unknown address at one domain get
/// the same answer.
#[utoipa::path(
    post,
    path = "/v1/sign-in-options/for-email",
    tag = "sign-in",
    request_body = EmailSignInRequest,
    responses(
        (status = 200, description = "The providers enabled for the email's domain (empty when none), and the fallbacks", body = EmailSignInOptions),
        (status = 400, description = "invalid_request: not an email address", body = ApiError),
    )
)]
pub async fn for_email(
    State(state): State<AppState>,
    Json(request): Json<EmailSignInRequest>,
) -> Result<Response, PortalError> {
    let domain = email_domain(&request.email).ok_or_else(|| {
        PortalError::bad_request(
            ErrorCode::InvalidRequest,
            "Enter your work email address, such as name@company.com.",
        )
    })?;
    let enabled = state.store.providers_enabled_for_domain(&domain).await?;
    // In the portal's order, and only providers this portal is configured with.
    let providers = state
        .sign_in_options
        .providers
        .iter()
        .filter(|provider| enabled.contains(&provider.id))
        .cloned()
        .collect();
    let everyone = &state.public_sign_in_options;
    Ok(no_store(Json(EmailSignInOptions {
        domain,
        providers,
        providers_for_everyone: everyone.providers.clone(),
        password_sign_in: everyone.password_sign_in,
    })))
}

/// The lower-case domain of an email address, or `None` when it is not one.
pub fn email_domain(email: &str) -> Option<String> {
    let email = email.trim();
    if email.is_empty() || email.len() > 254 {
        return None;
    }
    let (local, domain) = email.rsplit_once('@')?;
    let domain = domain.to_ascii_lowercase();
    let domain_ok = domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.contains('@')
        && !local.chars().any(|c| c.is_whitespace() || c.is_control());
    (domain_ok && local_ok).then_some(domain)
}

/// Google, Microsoft and Apple serve everyone unless the operator says otherwise; a
/// company's own provider serves its organization only unless shown to everyone.
pub fn serves_everyone(provider: &ProviderConfig) -> bool {
    provider
        .shown_to_everyone
        .unwrap_or(provider.kind != ProviderKind::Oidc)
}

/// Every configured provider: the names the security settings show, and what the
/// email-first answer picks from.
pub fn from_config(config: &PortalConfig) -> SignInOptions {
    SignInOptions {
        portal_name: config.name.clone(),
        status_page_url: config.status_page_url.as_ref().map(|url| url.to_string()),
        providers: config
            .providers
            .iter()
            .map(|provider| ProviderOption {
                id: provider.id.clone(),
                kind: provider.kind,
                display_name: provider.display_name.clone(),
            })
            .collect(),
        password_sign_in: config.password_sign_in,
    }
}

/// What `GET /v1/sign-in-options` answers: the providers that serve everyone.
pub fn public_from_config(config: &PortalConfig) -> SignInOptions {
    let mut options = from_config(config);
    options.providers = config
        .providers
        .iter()
        .zip(options.providers)
        .filter(|(config, _)| serves_everyone(config))
        .map(|(_, option)| option)
        .collect();
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_domains_are_lower_case_and_garbage_is_refused() {
        assert_eq!(
            email_domain(" Tom@ACME.Example ").as_deref(),
            Some("acme.example")
        );
        assert_eq!(
            email_domain("first.last+tag@mail.acme-corp.example").as_deref(),
            Some("mail.acme-corp.example")
        );
        for garbage in [
            "",
            "tom",
            "@acme.example",
            "tom@",
            "tom@acme",
            "tom@acme..example",
            "tom@.acme.example",
            "tom@acme.example.",
            "tom@-acme.example",
            "tom@acme.example/../x",
            "tom@acme example",
            "to m@acme.example",
            "tom@@acme.example",
            "tom\u{0}@acme.example",
        ] {
            assert_eq!(email_domain(garbage), None, "{garbage:?}");
        }
        assert_eq!(
            email_domain(&format!("{}@acme.example", "a".repeat(65))),
            None
        );
    }
}
