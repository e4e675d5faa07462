//! The portal's OpenAPI document, generated from the handlers and the wire types. A copy is
//! committed as `crates/portal/openapi.json`; a test fails when it is stale.

use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard portal",
        description = "Sign-in broker and softphone provisioning for the Switchboard desktop app."
    ),
    paths(
        crate::routes::health::health,
        crate::routes::sign_in_options::sign_in_options,
        crate::routes::sign_in_options::for_email,
        crate::routes::broker::authorize,
        crate::routes::broker::callback_query,
        crate::routes::broker::callback_form,
        crate::routes::token::token,
        crate::routes::token::revoke,
        crate::routes::sip_profile::sip_profile,
        crate::routes::events::events,
        crate::routes::login_steps::choose_account,
        crate::routes::login_steps::link_account,
        crate::routes::login_steps::choose_again,
        crate::routes::login_steps::password,
        crate::routes::login_steps::mfa,
        crate::routes::security::overview,
        crate::routes::security::start_authenticator,
        crate::routes::security::confirm_authenticator,
        crate::routes::security::disable_authenticator,
        crate::routes::security::recovery_codes,
        crate::routes::security::start_link,
        crate::routes::security::remove_link,
        crate::routes::security::add_email,
        crate::routes::security::remove_email,
        crate::routes::security::confirm_email,
        crate::routes::security::revoke_session,
        crate::routes::security::change_password,
        crate::routes::security::confirm,
    ),
    components(schemas(
        switchboard_api::ApiError,
        switchboard_api::ErrorCode,
        switchboard_api::SessionTokens,
        switchboard_api::PortalEvent,
        switchboard_api::SessionEndReason,
    )),
    modifiers(&BearerAuth, &ErrorStatuses)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The statuses every operation of a kind can answer, whatever its handler says: the
/// framework's rejections of a body (400 malformed, 413 too large, 415 wrong content type,
/// 422 wrong shape; see `error::api_error_bodies`), 401 where a bearer token is required,
/// 400 for a malformed query, 429 behind a rate limit (`rate_limit::LIMITED_PATHS`), and 503
/// when the portal is full or its database is down. Each
/// is the `ApiError` object. A status the handler documents itself is kept as it is.
struct ErrorStatuses;

impl utoipa::Modify for ErrorStatuses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let rate_limited = crate::rate_limit::LIMITED_PATHS.contains(&path.as_str());
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                add_error_statuses(operation, rate_limited);
            }
        }
    }
}

/// How a rate-limited operation's 429 is described (tests look for it).
pub const RATE_LIMITED: &str = "too_many_attempts: over the requests per minute of this client address or of all clients; Retry-After says when to try again";

fn add_error_statuses(operation: &mut utoipa::openapi::path::Operation, rate_limited: bool) {
    use utoipa::openapi::path::ParameterIn;
    let needs_bearer = operation.security.as_ref().is_some_and(|requirements| {
        serde_json::to_value(requirements)
            .ok()
            .and_then(|value| value.as_array().cloned())
            .is_some_and(|all| {
                all.iter()
                    .any(|one| one.as_object().is_some_and(|o| !o.is_empty()))
            })
    });
    let has_query = operation.parameters.as_ref().is_some_and(|parameters| {
        parameters
            .iter()
            .any(|parameter| parameter.parameter_in == ParameterIn::Query)
    });
    let mut statuses: Vec<(&str, &str)> = Vec::new();
    if needs_bearer {
        statuses.push((
            "401",
            "invalid_token: the access token is missing, wrong or expired",
        ));
    }
    if operation.request_body.is_some() {
        statuses.extend([
            ("400", "invalid_request: the body is not well-formed"),
            (
                "413",
                "request_too_large: the body is larger than the portal reads (64 KiB)",
            ),
            (
                "415",
                "unsupported_media_type: the body's Content-Type is not the one this operation reads",
            ),
            (
                "422",
                "invalid_request: the body is well-formed but lacks a field or has one of the wrong type",
            ),
        ]);
    }
    if has_query {
        statuses.push(("400", "invalid_request: the query string is malformed"));
    }
    if rate_limited {
        // A handler's own 429 (too many wrong attempts) gets the rate limit added.
        if let Some(utoipa::openapi::RefOr::T(own)) = operation.responses.responses.get_mut("429") {
            own.description.push_str(&format!(" Also: {RATE_LIMITED}"));
        }
        statuses.push(("429", RATE_LIMITED));
    }
    statuses.push((
        "503",
        "temporarily_unavailable: the portal is full or cannot reach its database; Retry-After says when to try again",
    ));
    for (status, description) in statuses {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| error_response(description));
    }
}

fn error_response(
    description: &str,
) -> utoipa::openapi::RefOr<utoipa::openapi::response::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ApiError")))
                .build(),
        )
        .build()
        .into()
}

pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    // The crate version would make the committed copy stale at every release bump.
    doc.info.version = "1".to_owned();
    doc
}

pub fn document_json() -> String {
    // Serialising a document built from static derives cannot fail.
    let mut json = document().to_pretty_json().unwrap_or_default();
    json.push('\n');
    json
}
