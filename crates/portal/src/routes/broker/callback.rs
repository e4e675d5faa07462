//! `/v1/providers/{provider}/callback`: the provider's answer (a query, or Apple's
//! form_post) handed to the broker (`signin::broker`), and the browser sent back to the app
//! with a one-time code or with why not.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use serde::Deserialize;
use utoipa::IntoParams;

use super::browser_page::{browser_page, AppReturn};
use crate::error::PortalError;
use crate::request::RequestContext;
use crate::signin::broker::{AppTarget, Finish, ProviderAnswer};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
pub struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    /// RFC 9207: the provider's issuer identifier.
    iss: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// The provider's answer (query).
#[utoipa::path(
    get,
    path = "/v1/providers/{provider}/callback",
    tag = "sign-in",
    params(("provider" = String, Path), CallbackParams),
    responses(
        (status = 303, description = "Back to the app (loopback redirect URI) with `code` or `error`, `state`, `iss`"),
        (status = 200, description = "A page that opens the app (custom-scheme redirect URI)"),
        (status = 400, description = "Unknown or used sign-in"),
    )
)]
pub async fn callback_query(
    State(state): State<AppState>,
    client: RequestContext,
    Path(provider): Path<String>,
    Query(params): Query<CallbackParams>,
) -> Result<Response, PortalError> {
    callback(state, provider, params, &client).await
}

/// The provider's answer posted by the browser (Apple's `form_post`).
#[utoipa::path(
    post,
    path = "/v1/providers/{provider}/callback",
    tag = "sign-in",
    params(("provider" = String, Path)),
    request_body(content_type = "application/x-www-form-urlencoded", description = "code, state, error, user"),
    responses(
        (status = 303, description = "Back to the app (loopback redirect URI)"),
        (status = 200, description = "A page that opens the app (custom-scheme redirect URI)"),
        (status = 400, description = "Unknown or used sign-in"),
    )
)]
pub async fn callback_form(
    State(state): State<AppState>,
    client: RequestContext,
    Path(provider): Path<String>,
    Form(params): Form<CallbackParams>,
) -> Result<Response, PortalError> {
    callback(state, provider, params, &client).await
}

async fn callback(
    state: AppState,
    provider: String,
    params: CallbackParams,
    client: &RequestContext,
) -> Result<Response, PortalError> {
    let answer = ProviderAnswer {
        state: params.state.as_deref(),
        code: params.code.as_deref(),
        iss: params.iss.as_deref(),
        error: params.error.as_deref(),
        error_description: params.error_description.as_deref(),
    };
    let finish = state
        .broker()
        .finish(&provider, answer, client, state.clock.now())
        .await?;
    let back_to = |app: AppTarget| AppReturn {
        redirect_uri: app.redirect_uri,
        state: app.state,
        issuer: state.issuer.clone(),
    };
    Ok(match finish {
        Finish::NoSignIn { title } => browser_page(
            StatusCode::BAD_REQUEST,
            title,
            "Go back to Switchboard and start signing in again.",
            None,
        ),
        Finish::Refused { app, refusal } => back_to(app).error(refusal.code, &refusal.message),
        Finish::SignedIn { app, one_time_code } => back_to(app).success(&one_time_code),
    })
}
