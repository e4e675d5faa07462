use axum::extract::State;
use axum::Json;
use switchboard_api::{ProviderOption, SignInOptions};

use crate::config::PortalConfig;
use crate::AppState;

/// What the app's sign-in screen offers: the portal's name and its providers.
#[utoipa::path(
    get,
    path = "/v1/sign-in-options",
    tag = "sign-in",
    responses((status = 200, description = "The sign-in choices", body = SignInOptions))
)]
pub async fn sign_in_options(State(state): State<AppState>) -> Json<SignInOptions> {
    Json(state.sign_in_options.as_ref().clone())
}

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
