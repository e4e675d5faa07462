//! "Continue with work email" from the client core and the CLI, against the real portal and
//! dev-idp: the domain's provider is found and started with the email as `login_hint`; an
//! unknown address learns nothing an unknown domain would not.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

use switchboard_client::signin::app_redirect_uri;
use switchboard_client::{ClientError, EmailSignIn};
use switchboard_desktop::EmailSignInView;
use switchboard_desktop::ErrorCode;
use switchboard_e2e::browser::Browser;
use switchboard_portal::store::NewOrganization;

fn query(url: &url::Url, key: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// Initech enabled only Acme's company provider for initech.example.
async fn add_single_provider_organization(world: &switchboard_e2e::world::World) {
    let store = world.database().await.unwrap();
    store
        .insert_organization_with_accounts(
            &NewOrganization {
                id: "initech",
                name: "Initech",
                require_totp_for_sso: false,
                session_idle_seconds: 3600,
                session_absolute_seconds: 86_400,
                providers: &[("acme-sso", "initech.example")],
            },
            &[],
            0,
        )
        .await
        .unwrap();
    store.close().await;
}

#[tokio::test]
async fn a_domain_with_one_provider_starts_it_with_the_email_as_hint() {
    let (world, app) = world_and_app().await;
    add_single_provider_organization(&world).await;
    let started = app
        .client
        .begin_email_sign_in(" Peter@Initech.example ", &app_redirect_uri())
        .await
        .unwrap();
    let EmailSignIn::Started {
        start,
        provider_name,
    } = started
    else {
        panic!("expected the sign-in to start, got {started:?}");
    };
    assert_eq!(provider_name, "Acme SSO");
    let url = &start.authorize_url;
    assert!(url.path().ends_with("/v1/authorize"), "{url}");
    assert_eq!(query(url, "provider").as_deref(), Some("acme-sso"));
    assert_eq!(
        query(url, "login_hint").as_deref(),
        Some("Peter@Initech.example")
    );
}

#[tokio::test]
async fn several_providers_are_offered_and_the_chosen_one_signs_in() {
    let (_world, app) = world_and_app().await;
    let found = app
        .client
        .begin_email_sign_in("tom@acme.example", &app_redirect_uri())
        .await
        .unwrap();
    let view = EmailSignInView::of_choice(found).unwrap();
    let EmailSignInView::ChooseProvider {
        email,
        domain,
        providers,
        message,
    } = view
    else {
        panic!("expected a choice, got {view:?}");
    };
    assert_eq!(email, "tom@acme.example");
    assert_eq!(domain, "acme.example");
    let ids: Vec<&str> = providers.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, ["google", "apple", "acme-sso"]);
    assert!(message.contains("acme.example"), "{message}");

    // The company's provider is no button for everyone, yet starts with the email as hint.
    let everyone = app.client.portal().sign_in_options().await.unwrap();
    assert!(!everyone.providers.iter().any(|p| p.id == "acme-sso"));
    assert!(matches!(
        app.client
            .begin_sign_in("acme-sso", None, &app_redirect_uri())
            .await,
        Err(ClientError::UnknownProvider(_))
    ));
    let (start, name) = app
        .client
        .begin_sign_in("acme-sso", Some(&email), &app_redirect_uri())
        .await
        .unwrap();
    assert_eq!(name, "Acme SSO");
    assert_eq!(
        query(&start.authorize_url, "login_hint").as_deref(),
        Some("tom@acme.example")
    );
    let link = Browser::new()
        .sign_in(&start.authorize_url, "tom@acme.example", &[])
        .await
        .unwrap();
    let (account, phone) = ready(app.client.complete_sign_in(&link).await.unwrap());
    assert_eq!(account.username, "tom");
    assert_eq!(phone.extension, "220");
    app.client.sign_out(&account.account_id).await.unwrap();
}

#[tokio::test]
async fn an_unknown_address_or_domain_reveals_nothing_and_says_what_to_do() {
    let (_world, app) = world_and_app().await;
    let known = app
        .client
        .sign_in_options_for_email("tom@acme.example")
        .await
        .unwrap();
    let unknown = app
        .client
        .sign_in_options_for_email("nobody-here@acme.example")
        .await
        .unwrap();
    assert_eq!(known, unknown);

    let found = app
        .client
        .begin_email_sign_in("someone@unknown.example", &app_redirect_uri())
        .await
        .unwrap();
    let view = EmailSignInView::of_choice(found).unwrap();
    let EmailSignInView::NoSingleSignOn {
        domain,
        message,
        password_sign_in,
        ..
    } = view
    else {
        panic!("expected no single sign-on, got {view:?}");
    };
    assert_eq!(domain, "unknown.example");
    assert!(password_sign_in);
    assert_eq!(
        message,
        "No single sign-on is set up for unknown.example. Sign in with your username and password, or ask your administrator."
    );

    let error = app
        .client
        .begin_email_sign_in("not an email", &app_redirect_uri())
        .await
        .unwrap_err();
    assert_eq!(ErrorCode::of(&error).as_str(), "invalid_request");
    assert!(
        switchboard_frontend::error_code::message(&error).contains("Enter your work email address"),
        "{}",
        switchboard_frontend::error_code::message(&error)
    );
}

#[tokio::test]
async fn the_settings_offer_the_organizations_own_provider_to_link() {
    let (_world, app) = world_and_app().await;
    let (account, _) = ready(app.sign_in("google", "alice@acme.example").await);
    let view = app.views.security_view(None).await;
    let switchboard_desktop::AppView::Security { providers, .. } = view else {
        panic!("expected the settings, got {view:?}");
    };
    // Alice's login email is at acme.example, whose organization enabled Acme SSO.
    assert!(
        providers.iter().any(|p| p.id == "acme-sso"),
        "{providers:?}"
    );
    let (_, name) = app
        .client
        .begin_link_provider("acme-sso", "alice-demo-pass", None, &app_redirect_uri())
        .await
        .unwrap();
    assert_eq!(name, "Acme SSO");
    app.client.sign_out(&account.account_id).await.unwrap();
}
