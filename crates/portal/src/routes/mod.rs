//! The HTTP layer: the router, its middleware, and one thin handler per endpoint.

pub mod auth;
pub mod broker;
pub mod events;
pub mod health;
pub mod login_steps;
pub mod openapi;
pub mod scim;
pub mod security;
pub mod sign_in_options;
pub mod sip_profile;
pub mod token;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use switchboard_api::paths;

use crate::error::PortalError;
use crate::rate_limit;
use crate::request::{self, RequestContext};
use crate::signin::sessions;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    use axum::middleware::from_fn_with_state;
    // The endpoints that need no session, each group behind its rate limit.
    let sign_in = Router::new()
        .route(paths::AUTHORIZE, get(broker::authorize))
        .route(
            paths::PROVIDER_CALLBACK,
            get(broker::callback_query).post(broker::callback_form),
        )
        .route(
            paths::SIGN_IN_OPTIONS_FOR_EMAIL,
            post(sign_in_options::for_email),
        )
        .route_layer(from_fn_with_state(
            (state.clone(), state.rate_limits.sign_in),
            limit,
        ));
    let login = Router::new()
        .route(paths::CHOOSE_ACCOUNT, post(login_steps::choose_account))
        .route(paths::LINK_ACCOUNT, post(login_steps::link_account))
        .route(paths::CHOOSE_AGAIN, post(login_steps::choose_again))
        .route(paths::PASSWORD_SIGN_IN, post(login_steps::password))
        .route(paths::MFA, post(login_steps::mfa))
        .route_layer(from_fn_with_state(
            (state.clone(), state.rate_limits.login),
            limit,
        ));
    let token = Router::new()
        .route(paths::TOKEN, post(token::token))
        .route(paths::REVOKE, post(token::revoke))
        .route_layer(from_fn_with_state(
            (state.clone(), state.rate_limits.token),
            limit,
        ));
    Router::new()
        .merge(sign_in)
        .merge(login)
        .merge(token)
        .route(paths::HEALTH, get(health::health))
        .route(paths::OPENAPI, get(openapi_json))
        .route(
            paths::SIGN_IN_OPTIONS,
            get(sign_in_options::sign_in_options),
        )
        .route(paths::SIP_PROFILE, get(sip_profile::sip_profile))
        .route(paths::EVENTS, get(events::events))
        .route(paths::SECURITY, get(security::overview))
        .route(
            paths::AUTHENTICATOR,
            post(security::start_authenticator),
        )
        .route(
            paths::AUTHENTICATOR_CONFIRM,
            post(security::confirm_authenticator),
        )
        .route(
            paths::AUTHENTICATOR_DISABLE,
            post(security::disable_authenticator),
        )
        .route(paths::RECOVERY_CODES, post(security::recovery_codes))
        .route(paths::LINK_PROVIDER_START, post(security::start_link))
        .route(paths::LINK_PROVIDER_REMOVE, post(security::remove_link))
        .route(paths::EMAILS, post(security::add_email))
        .route(paths::EMAILS_REMOVE, post(security::remove_email))
        .route(paths::EMAILS_CONFIRM, post(security::confirm_email))
        .route(paths::SESSIONS_REVOKE, post(security::revoke_session))
        .route(paths::PASSWORD, post(security::change_password))
        .route(paths::CONFIRM, post(security::confirm))
        .nest(crate::scim::BASE_PATH, scim::router(state.clone()))
        .fallback(|| async { PortalError::NotFound })
        // Set here, not left to axum's default, so the limit is the one documented.
        .layer(axum::extract::DefaultBodyLimit::max(crate::error::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(crate::error::api_error_bodies))
        .layer(from_fn_with_state(state.clone(), request_context))
        .layer(axum::middleware::from_fn(browser_safety_headers))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                // Path only: query strings carry codes and states, never logged.
                |request: &axum::http::Request<_>| {
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                },
            ),
        )
        .with_state(state)
}

/// On every answer: no page of the portal may be framed by another site (a sign-in page
/// under someone else's overlay is a clickjacking page), and no answer is sniffed into a
/// type it did not declare.
async fn browser_safety_headers(request: Request, next: Next) -> Response {
    use axum::http::header::{
        HeaderValue, CONTENT_SECURITY_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
    };
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'none'"),
        );
    }
    response
}

/// Finds the client's address (the connection's, or the trusted proxy header's) once, for
/// the rate limits, the lockout keys, the audit log and the sessions started; and the
/// client's User-Agent, for the sessions started. Handlers take it as a [`RequestContext`]
/// and pass it on.
async fn request_context(
    State(state): State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let ip = state
        .client_addresses
        .client_address(request.headers(), request::peer(&request));
    let user_agent = request
        .headers()
        .get(axum::http::header::USER_AGENT)
        .and_then(|value| sessions::user_agent_label(&String::from_utf8_lossy(value.as_bytes())));
    request
        .extensions_mut()
        .insert(RequestContext { ip, user_agent });
    next.run(request).await
}

async fn openapi_json(State(_): State<AppState>) -> Json<utoipa::openapi::OpenApi> {
    Json(openapi::document())
}

/// The layer in front of one endpoint group (its state: the portal's, and the group).
pub async fn limit(
    State((state, group)): State<(AppState, rate_limit::Group)>,
    request: Request,
    next: Next,
) -> Response {
    let now = state.clock.now();
    let client = request
        .extensions()
        .get::<RequestContext>()
        .map_or_else(|| request::client_key(None), RequestContext::client_key);
    match state.limiter.count(&state.store, group, &client, now).await {
        Ok(rate_limit::Verdict::Allowed) => next.run(request).await,
        Ok(rate_limit::Verdict::Limited {
            retry_after,
            everyone,
        }) => {
            tracing::warn!(
                scope = group.scope,
                everyone,
                "request refused: over the rate limit"
            );
            let message = if everyone {
                "The portal is receiving too many sign-in requests right now. Try again in a minute."
            } else {
                "Too many requests from this address. Try again in a minute."
            };
            PortalError::Throttled {
                retry_after: u64::try_from(retry_after).unwrap_or(1),
                message: message.to_owned(),
            }
            .into_response()
        }
        Err(error) => PortalError::Database(error).into_response(),
    }
}
