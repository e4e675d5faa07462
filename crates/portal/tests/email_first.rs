//! "Continue with work email": the portal answers which providers an email's domain has
//! enabled, and tells nothing about whether the address has an account. A company's own
//! OpenID provider is no longer a button for everyone.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::{api_error, World};
use switchboard_api::{paths, EmailSignInOptions, ErrorCode, SignInOptions};
use switchboard_portal::store::NewOrganization;

async fn ask(world: &World, email: &str) -> reqwest::Response {
    world
        .post(
            paths::SIGN_IN_OPTIONS_FOR_EMAIL,
            None,
            serde_json::json!({ "email": email }),
        )
        .await
}

async fn answer(world: &World, email: &str) -> EmailSignInOptions {
    let response = ask(world, email).await;
    assert_eq!(response.status(), 200, "{email}");
    response.json().await.unwrap()
}

fn ids(options: &[switchboard_api::ProviderOption]) -> Vec<&str> {
    options.iter().map(|p| p.id.as_str()).collect()
}

#[tokio::test]
async fn the_sign_in_screen_lists_only_the_providers_that_serve_everyone() {
    let world = World::start().await;
    let options: SignInOptions = reqwest::get(world.portal.endpoint(paths::SIGN_IN_OPTIONS))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Acme's own OpenID provider is not a button for every organization's users.
    assert_eq!(
        ids(&options.providers),
        ["google", "microsoft", "contoso", "apple"]
    );
    world.portal.stop().await;
}

#[tokio::test]
async fn a_work_email_finds_its_organizations_providers() {
    let world = World::start().await;
    let found = answer(&world, "tom@acme.example").await;
    assert_eq!(found.domain, "acme.example");
    // Acme enabled Google, Apple and its own provider for acme.example; in the portal's order.
    assert_eq!(ids(&found.providers), ["google", "apple", "acme-sso"]);
    assert!(found.providers.iter().any(|p| p.id == "acme-sso"
        && p.kind == switchboard_api::ProviderKind::Oidc
        && p.display_name == "acme-sso"));
    assert_eq!(
        ids(&found.providers_for_everyone),
        ["google", "microsoft", "contoso", "apple"]
    );
    assert!(found.password_sign_in);
    // Case and spaces do not matter.
    let shouted = answer(&world, "  Tom@ACME.example ").await;
    assert_eq!(shouted, found);
    world.portal.stop().await;
}

#[tokio::test]
async fn known_and_unknown_addresses_at_one_domain_get_byte_identical_answers() {
    let world = World::start().await;
    let mut bodies = Vec::new();
    // tom has an account; maria's login emails include adam's; nora is notification-only;
    // nobody has no account at all.
    for email in [
        "tom@acme.example",
        "adam@acme.example",
        "nora@acme.example",
        "nobody-at-all@acme.example",
    ] {
        let response = ask(&world, email).await;
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(
            headers
                .get(reqwest::header::CACHE_CONTROL)
                .and_then(|v| v.to_str().ok()),
            Some("no-store")
        );
        bodies.push((email, response.bytes().await.unwrap()));
    }
    for (email, body) in &bodies[1..] {
        assert_eq!(body, &bodies[0].1, "{email} is answered differently");
    }
    // Nor does the address show up in the answer.
    let text = String::from_utf8(bodies[0].1.to_vec()).unwrap();
    assert!(!text.contains("tom"), "{text}");
    world.portal.stop().await;
}

#[tokio::test]
async fn an_unknown_domain_gets_no_providers_and_the_fallbacks() {
    let world = World::start().await;
    let unknown = answer(&world, "someone@unknown.example").await;
    assert_eq!(unknown.domain, "unknown.example");
    assert!(unknown.providers.is_empty());
    assert_eq!(
        ids(&unknown.providers_for_everyone),
        ["google", "microsoft", "contoso", "apple"]
    );
    assert!(unknown.password_sign_in);
    // A subdomain is another domain.
    assert!(answer(&world, "tom@mail.acme.example")
        .await
        .providers
        .is_empty());
    // Entra is enabled for Acme's tenant id, not a domain: a domain never finds it, and a
    // tenant id is not an email domain.
    assert!(!answer(&world, "maria@acme.example")
        .await
        .providers
        .iter()
        .any(|p| p.id == "microsoft"));
    world.portal.stop().await;
}

#[tokio::test]
async fn only_configured_providers_are_offered_and_each_once() {
    let world = World::start().await;
    let store = world.store().await;
    // Two organizations share globex.example; one of them enabled a provider this portal
    // is not configured with.
    for (id, providers) in [
        (
            "globex",
            &[
                ("acme-sso", "globex.example"),
                ("retired-sso", "globex.example"),
            ][..],
        ),
        ("globex-labs", &[("acme-sso", "globex.example")][..]),
    ] {
        store
            .insert_organization_with_accounts(
                &NewOrganization {
                    id,
                    name: id,
                    require_totp_for_sso: false,
                    session_idle_seconds: 3600,
                    session_absolute_seconds: 86_400,
                    providers,
                },
                &[],
                0,
            )
            .await
            .unwrap();
    }
    let found = answer(&world, "someone@globex.example").await;
    assert_eq!(ids(&found.providers), ["acme-sso"]);
    store.close().await;
    world.portal.stop().await;
}

#[tokio::test]
async fn garbage_is_refused_with_a_clear_error() {
    let world = World::start().await;
    for garbage in [
        "",
        "tom",
        "tom@",
        "@acme.example",
        "tom@acme",
        "tom@acme..example",
    ] {
        let response = ask(&world, garbage).await;
        assert_eq!(response.status(), 400, "{garbage:?}");
        let error = api_error(response).await;
        assert_eq!(error.code, ErrorCode::InvalidRequest);
        assert!(
            error.message.contains("work email address"),
            "{}",
            error.message
        );
    }
    // A GET with the address in the URL (and so in access logs) is not how to ask.
    let response = reqwest::get(world.portal.endpoint(&format!(
        "{}?email=tom@acme.example",
        paths::SIGN_IN_OPTIONS_FOR_EMAIL
    )))
    .await
    .unwrap();
    assert_eq!(response.status(), 405);
    world.portal.stop().await;
}

#[tokio::test]
async fn the_company_provider_still_signs_its_users_in_with_the_email_as_hint() {
    let world = World::start().await;
    let found = answer(&world, "tom@acme.example").await;
    assert!(found.providers.iter().any(|p| p.id == "acme-sso"));
    // Hidden from the list, the provider still works for those who found it.
    let step = world.sign_in("acme-sso", "tom@acme.example").await;
    let session = common::world::signed_in(step);
    assert_eq!(session.account.username, "tom");
    world.portal.stop().await;
}
