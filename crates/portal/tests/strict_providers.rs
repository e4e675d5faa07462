//! Providers that follow the specification more strictly than Google or Entra do, played by
//! dev-idp's strict issuer (`{idp}strict/`: claims only in userinfo, `iss` on the
//! callback, `client_secret_post` or `private_key_jwt` only) and Entra's multi-tenant
//! endpoint, over HTTP through the portal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::{link_reason, query, signed_in, ClientKey, Setup, World, APP_REDIRECT};
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use switchboard_api::{LinkReason, LoginStep, ProviderKind};
use switchboard_portal::config::ClientAuthMethod;
use url::Url;

/// Acme's own provider is the strict one (the demo organization enabled `acme-sso` for
/// acme.example).
fn strict_acme_sso(setup: &mut Setup, method: ClientAuthMethod, match_by_email: Option<bool>) {
    let provider = setup
        .config
        .providers
        .iter_mut()
        .find(|p| p.id == "acme-sso")
        .unwrap();
    provider.issuer = format!("{}strict/", setup.idp);
    provider.token_endpoint_auth_method = Some(method);
    provider.match_by_email = match_by_email;
    if method == ClientAuthMethod::PrivateKeyJwt {
        provider.client_secret_file = None;
        provider.private_key_file = Some(setup.client_key.to_owned());
    }
}

async fn strict_world(method: ClientAuthMethod, match_by_email: Option<bool>) -> World {
    World::start_with(ClientKey::Es256, |setup| {
        strict_acme_sso(setup, method, match_by_email)
    })
    .await
}

/// The app's link after a sign-in at `provider`, with a dev-idp knob.
async fn link_with_knob(world: &World, provider: &str, hint: &str, knob: &str) -> Url {
    world
        .sign_in_link(provider, hint, Some(("dev_idp_forge", knob)))
        .await
        .1
}

fn error_of(link: &Url) -> (String, String) {
    (
        query(link, "error").unwrap_or_else(|| panic!("no error in {link}")),
        query(link, "error_description").unwrap(),
    )
}

#[tokio::test]
async fn a_strict_provider_signs_in_with_the_email_from_userinfo() {
    let world = strict_world(ClientAuthMethod::ClientSecretPost, Some(true)).await;
    let session = signed_in(world.sign_in("acme-sso", "tom@acme.example").await);
    assert_eq!(session.account.username, "tom");
}

#[tokio::test]
async fn private_key_jwt_signs_in_with_an_es256_key() {
    let world = strict_world(ClientAuthMethod::PrivateKeyJwt, Some(true)).await;
    let session = signed_in(world.sign_in("acme-sso", "tom@acme.example").await);
    assert_eq!(session.account.username, "tom");
}

#[tokio::test]
async fn private_key_jwt_signs_in_with_an_rs256_key() {
    let world = World::start_with(ClientKey::Rs256, |setup| {
        strict_acme_sso(setup, ClientAuthMethod::PrivateKeyJwt, Some(true))
    })
    .await;
    let session = signed_in(world.sign_in("acme-sso", "tom@acme.example").await);
    assert_eq!(session.account.username, "tom");
}

#[tokio::test]
async fn a_company_provider_matches_no_email_unless_the_operator_turned_it_on() {
    let world = strict_world(ClientAuthMethod::ClientSecretPost, None).await;
    let step = world.sign_in("acme-sso", "tom@acme.example").await;
    assert_eq!(link_reason(&step), LinkReason::EmailMatchingOff);
    // The email came from userinfo all the same.
    match step {
        LoginStep::LinkAccount { email, .. } => {
            assert_eq!(email.as_deref(), Some("tom@acme.example"))
        }
        other => panic!("expected LinkAccount, got {other:?}"),
    }
}

#[tokio::test]
async fn a_new_subject_for_an_email_another_subject_linked_must_link_with_the_password() {
    let world = strict_world(ClientAuthMethod::ClientSecretPost, Some(true)).await;
    signed_in(world.sign_in("acme-sso", "tom@acme.example").await);
    // The same address, now under a new subject (a recreated user, a re-registered domain).
    let step = world
        .sign_in("acme-sso", "tom.recreated@acme.example")
        .await;
    assert_eq!(link_reason(&step), LinkReason::EmailLinkedToAnotherIdentity);
    // The first subject still signs in.
    signed_in(world.sign_in("acme-sso", "tom@acme.example").await);
}

#[tokio::test]
async fn a_forged_or_missing_iss_on_the_callback_is_refused_before_the_code_is_redeemed() {
    let world = strict_world(ClientAuthMethod::ClientSecretPost, Some(true)).await;
    for knob in ["callback_iss_forged", "callback_iss_missing"] {
        let link = link_with_knob(&world, "acme-sso", "tom@acme.example", knob).await;
        let (code, description) = error_of(&link);
        assert_eq!(code, "invalid_request", "{knob}");
        assert!(
            description.contains("did not come from the sign-in provider"),
            "{knob}: {description}"
        );
    }
    // A Google answer that names an issuer is checked too, though Google does not say it
    // sends one.
    let (sign_in, response) = world
        .authorize("google", Some("alice@acme.example"), APP_REDIRECT)
        .await;
    let provider_url: Url = response.headers()[LOCATION]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let at_idp = world.browser.get(provider_url).send().await.unwrap();
    let mut callback: Url = at_idp.headers()[LOCATION]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    callback
        .query_pairs_mut()
        .append_pair("iss", "https://attacker.example/");
    let link = World::app_link(world.browser.get(callback).send().await.unwrap()).await;
    assert_eq!(
        query(&link, "state").as_deref(),
        Some(sign_in.state.as_str())
    );
    assert_eq!(error_of(&link).0, "invalid_request");
}

#[tokio::test]
async fn userinfo_for_another_subject_is_refused() {
    let world = strict_world(ClientAuthMethod::ClientSecretPost, Some(true)).await;
    let link = link_with_knob(&world, "acme-sso", "tom@acme.example", "userinfo_other_sub").await;
    assert_eq!(error_of(&link).0, "invalid_id_token");
}

#[tokio::test]
async fn unsigned_and_hmac_signed_id_tokens_are_refused_though_discovery_lists_them() {
    let world = strict_world(ClientAuthMethod::ClientSecretPost, Some(true)).await;
    for knob in ["alg_none", "alg_hs256"] {
        let link = link_with_knob(&world, "acme-sso", "tom@acme.example", knob).await;
        assert_eq!(error_of(&link).0, "invalid_id_token", "{knob}");
    }
    // Google's discovery lists RS256 only; an HS256 token keyed by the shared client
    // secret is refused there too.
    let link = link_with_knob(&world, "google", "alice@acme.example", "alg_hs256").await;
    assert_eq!(error_of(&link).0, "invalid_id_token");
}

#[tokio::test]
async fn new_keys_under_the_same_kid_are_fetched_again_at_most_once_a_minute() {
    let world = strict_world(ClientAuthMethod::ClientSecretPost, Some(true)).await;
    // The keys are cached by the first sign-in.
    signed_in(world.sign_in("acme-sso", "tom@acme.example").await);
    let replace = || async {
        let response = world
            .browser
            .post(world.idp.join("admin/replace-key-same-kid").unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    };
    replace().await;
    // The signature fails with the cached key: the portal fetches the keys again.
    signed_in(world.sign_in("acme-sso", "tom@acme.example").await);
    // Within a minute of that, it does not fetch again: refused.
    replace().await;
    let (_, link) = world
        .sign_in_link("acme-sso", "tom@acme.example", None)
        .await;
    assert_eq!(error_of(&link).0, "invalid_id_token");
    world.clock.advance(61);
    signed_in(world.sign_in("acme-sso", "tom@acme.example").await);
}

/// What the app hears when it starts a sign-in at `provider`.
async fn authorize_error(world: &World, provider: &str) -> (String, String) {
    let (_, response) = world
        .authorize(provider, Some("tom@acme.example"), APP_REDIRECT)
        .await;
    let link = World::app_link(response).await;
    error_of(&link)
}

#[tokio::test]
async fn misconfigured_providers_say_so_and_outages_say_to_wait() {
    let world = World::start_with(ClientKey::Es256, |setup| {
        let secret = setup.secret.to_owned();
        let idp = setup.idp.clone();
        let mut add = |id: &str, issuer: String, method: Option<ClientAuthMethod>| {
            let mut provider = switchboard_portal::config::ProviderConfig::new(
                id,
                ProviderKind::Oidc,
                &issuer,
                "switchboard-portal",
            );
            provider.display_name = format!("{id} SSO");
            provider.client_secret_file = Some(secret.clone());
            provider.token_endpoint_auth_method = method;
            setup.config.providers.push(provider);
        };
        // The issuer without its trailing slash: discovery names another issuer.
        add(
            "no-slash",
            format!("{idp}strict"),
            Some(ClientAuthMethod::ClientSecretPost),
        );
        // A method the provider does not take.
        add("basic", format!("{idp}strict/"), None);
        // No discovery document there.
        add("nowhere", format!("{idp}nowhere"), None);
        // Down.
        add("down", "http://127.0.0.1:1/sso".to_owned(), None);
        let mut extra = Vec::new();
        // A secret file that does not exist.
        let mut missing = switchboard_portal::config::ProviderConfig::new(
            "missing-secret",
            ProviderKind::Oidc,
            &format!("{idp}acme-sso"),
            "switchboard-portal",
        );
        missing.display_name = "missing-secret SSO".into();
        missing.client_secret_file = Some(secret.with_file_name("no-such-secret"));
        extra.push(missing);
        setup.config.providers.extend(extra);
    })
    .await;
    for id in ["no-slash", "basic", "nowhere", "missing-secret"] {
        let (code, description) = authorize_error(&world, id).await;
        assert_eq!(code, "provider_error", "{id}");
        assert_eq!(
            description,
            format!(
                "Signing in with {id} SSO is not set up correctly; contact your administrator."
            ),
        );
    }
    let (code, description) = authorize_error(&world, "down").await;
    assert_eq!(code, "provider_error");
    assert!(
        description.contains("cannot be reached right now"),
        "{description}"
    );
}

#[tokio::test]
async fn entra_multi_tenant_checks_the_tenant_and_never_takes_preferred_username_for_email() {
    let world = World::start_with(ClientKey::Es256, |setup| {
        let microsoft = setup
            .config
            .providers
            .iter_mut()
            .find(|p| p.id == "microsoft")
            .unwrap();
        microsoft.issuer = format!("{}entra/organizations/v2.0", setup.idp);
    })
    .await;
    let maria = signed_in(world.sign_in("microsoft", "maria@acme.example").await);
    assert_eq!(maria.account.username, "maria");
    // Contoso's user claims Acme's address without owning the domain.
    let mallory = world.sign_in("microsoft", "alice@acme.example").await;
    assert_eq!(link_reason(&mallory), LinkReason::EmailUnverified);
    // Without `email`, Tom's `preferred_username` (his address too) finds nothing.
    let (sign_in, link) = world
        .sign_in_link(
            "microsoft",
            "tom@acme.example",
            Some(("dev_idp_forge", "no_email")),
        )
        .await;
    let code = query(&link, "code").unwrap();
    let response = world
        .redeem(&code, Some(&sign_in.verifier), &sign_in.redirect_uri)
        .await;
    let step: LoginStep = response.json().await.unwrap();
    match step {
        LoginStep::LinkAccount { email, reason, .. } => {
            assert_eq!(email, None);
            assert_eq!(reason, LinkReason::EmailUnverified);
        }
        other => panic!("expected LinkAccount, got {other:?}"),
    }
    // A token whose issuer is not its tenant's is refused.
    let link = link_with_knob(&world, "microsoft", "maria@acme.example", "wrong_iss").await;
    assert_eq!(error_of(&link).0, "invalid_id_token");
}

#[tokio::test]
async fn a_private_key_the_provider_does_not_know_is_a_misconfiguration_not_an_outage() {
    let world = World::start_with(ClientKey::Es256, |setup| {
        strict_acme_sso(setup, ClientAuthMethod::PrivateKeyJwt, Some(true));
        // Another key than the one registered at the provider.
        let other = setup.client_key.with_file_name("other-key.pem");
        let key = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
        use p256::pkcs8::EncodePrivateKey;
        std::fs::write(
            &other,
            key.to_pkcs8_pem(p256::pkcs8::LineEnding::LF)
                .unwrap()
                .as_bytes(),
        )
        .unwrap();
        let provider = setup
            .config
            .providers
            .iter_mut()
            .find(|p| p.id == "acme-sso")
            .unwrap();
        provider.private_key_file = Some(other);
    })
    .await;
    let (_, link) = world
        .sign_in_link("acme-sso", "tom@acme.example", None)
        .await;
    let (code, description) = error_of(&link);
    assert_eq!(code, "provider_error");
    assert_eq!(
        description,
        "Signing in with acme-sso is not set up correctly; contact your administrator."
    );
}
