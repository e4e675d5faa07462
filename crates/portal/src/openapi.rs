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
    )),
    modifiers(&BearerAuth)
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
