//! The sign-in broker over real HTTP: dev-idp plays Google, Entra, Apple and a company
//! provider; the test plays both the system browser and the app.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::*;

use std::sync::Arc;

use reqwest::header::{ETAG, LOCATION};
use reqwest::StatusCode;
use switchboard_api::{ErrorCode, LinkReason, LoginStep, SessionTokens, SipProfile};
use switchboard_portal::config::DEFAULT_APP_SCHEME;
use switchboard_portal::Portal;
use url::Url;

#[tokio::test]
async fn each_provider_profile_signs_in_and_provisions() {
    let world = World::start().await;
    for (provider, hint, username, extension) in [
        ("google", "alice@acme.example", "alice", "201"),
        ("microsoft", "maria@acme.example", "maria", "210"),
        ("apple", "tom@acme.example", "tom", "220"),
        ("acme-sso", "tom@acme.example", "tom", "220"),
    ] {
        let session = signed_in(world.sign_in(provider, hint).await);
        assert_eq!(session.account.username, username, "{provider}");
        assert_eq!(session.token_type, "Bearer");

        let response = world.sip_profile(&session.access_token, None).await;
        assert_eq!(response.status(), StatusCode::OK, "{provider}");
        let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
        let profile: SipProfile = response.json().await.unwrap();
        assert_eq!(profile.extension, extension);
        assert_eq!(profile.domain, "sip.acme.example");
        // The device's own credential, not the account's static one.
        assert!(profile.auth_user.starts_with("dev-"), "{provider}");
        assert!(!profile.password.starts_with("demo-sip-"), "{provider}");
        let unchanged = world.sip_profile(&session.access_token, Some(&etag)).await;
        assert_eq!(unchanged.status(), StatusCode::NOT_MODIFIED);
    }
}

#[tokio::test]
async fn a_shared_email_answers_choose_account() {
    let world = World::start().await;
    match world.sign_in("google", "adam@acme.example").await {
        LoginStep::ChooseAccount { accounts, .. } => {
            let names: Vec<&str> = accounts.iter().map(|a| a.display_name.as_str()).collect();
            assert_eq!(names, ["Adam Assistant", "Maria Manager"]);
            assert!(accounts.iter().all(|a| a.reached_through_shared_email));
        }
        other => panic!("expected ChooseAccount, got {other:?}"),
    }
}

#[tokio::test]
async fn identities_the_rules_do_not_trust_must_be_linked() {
    let world = World::start().await;
    // Not associated with any account.
    let newbie = world.sign_in("google", "newbie@gmail.com").await;
    assert_eq!(link_reason(&newbie), LinkReason::NoAccountForEmail);
    // Notification-only email (gets Alice's voicemail copies).
    let nora = world.sign_in("google", "nora@acme.example").await;
    assert_eq!(link_reason(&nora), LinkReason::NoAccountForEmail);
    // The provider does not vouch for the email.
    let eve = world.sign_in("google", "eve@acme.example").await;
    assert_eq!(link_reason(&eve), LinkReason::EmailUnverified);
    // A consumer Google account with the work address: not the enabled Workspace (`hd`).
    let consumer = world.sign_in("google", "google-alice-consumer").await;
    assert_eq!(link_reason(&consumer), LinkReason::ProviderNotEnabled);
    // nOAuth: another Entra tenant claims Alice's address on its own user.
    let mallory = world.sign_in("contoso", "alice@acme.example").await;
    assert!(
        matches!(mallory, LoginStep::LinkAccount { .. }),
        "{mallory:?}"
    );
    // Apple's private relay address matches no login email.
    let relay = world.sign_in("apple", "alice@acme.example").await;
    assert_eq!(link_reason(&relay), LinkReason::NoAccountForEmail);
    // And an unverified email from an otherwise trusted provider.
    let (sign_in, link) = world
        .sign_in_link(
            "google",
            "alice@acme.example",
            Some(("dev_idp_forge", "unverified_email")),
        )
        .await;
    let step: LoginStep = world
        .redeem(
            &query(&link, "code").unwrap(),
            Some(&sign_in.verifier),
            APP_REDIRECT,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(link_reason(&step), LinkReason::EmailUnverified);
}

#[tokio::test]
async fn forged_id_tokens_never_reach_the_app_as_a_code() {
    let world = World::start().await;
    for knob in [
        "bad_signature",
        "wrong_aud",
        "wrong_iss",
        "expired",
        "missing_nonce",
        "wrong_nonce",
        "unknown_kid",
    ] {
        let (_, link) = world
            .sign_in_link(
                "google",
                "alice@acme.example",
                Some(("dev_idp_forge", knob)),
            )
            .await;
        assert_eq!(query(&link, "code"), None, "{knob}: {link}");
        assert_eq!(
            query(&link, "error").as_deref(),
            Some("invalid_id_token"),
            "{knob}"
        );
        assert!(query(&link, "error_description").is_some());
    }
}

#[tokio::test]
async fn cancelling_at_the_provider_is_a_clear_error_for_the_app() {
    let world = World::start().await;
    let (_, link) = world
        .sign_in_link(
            "google",
            "alice@acme.example",
            Some(("dev_idp_cancel", "1")),
        )
        .await;
    assert_eq!(query(&link, "error").as_deref(), Some("access_denied"));
    assert_eq!(query(&link, "code"), None);
}

#[tokio::test]
async fn the_code_is_bound_to_the_verifier_the_redirect_uri_and_one_use() {
    let world = World::start().await;

    // Wrong verifier: refused, and the code is spent.
    let (sign_in, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    let code = query(&link, "code").unwrap();
    let error = api_error(
        world
            .redeem(&code, Some(&random_string()), APP_REDIRECT)
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);
    let error = api_error(
        world
            .redeem(&code, Some(&sign_in.verifier), APP_REDIRECT)
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);

    // Missing verifier.
    let (_, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    let error = api_error(
        world
            .redeem(&query(&link, "code").unwrap(), None, APP_REDIRECT)
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);

    // Another redirect URI than the one the code was issued for.
    let (sign_in, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    let error = api_error(
        world
            .redeem(
                &query(&link, "code").unwrap(),
                Some(&sign_in.verifier),
                "http://127.0.0.1:4567/oauth/callback",
            )
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);

    // Replayed after success: refused, and the session it made is ended.
    let (sign_in, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    let code = query(&link, "code").unwrap();
    let first = world
        .redeem(&code, Some(&sign_in.verifier), APP_REDIRECT)
        .await;
    let session = signed_in(first.json().await.unwrap());
    let error = api_error(
        world
            .redeem(&code, Some(&sign_in.verifier), APP_REDIRECT)
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);
    let refresh = world.refresh(&session.refresh_token).await;
    assert_eq!(api_error(refresh).await.code, ErrorCode::InvalidGrant);

    // Expired: codes live under a minute.
    let (sign_in, link) = world
        .sign_in_link("google", "alice@acme.example", None)
        .await;
    world.clock.advance(61);
    let error = api_error(
        world
            .redeem(
                &query(&link, "code").unwrap(),
                Some(&sign_in.verifier),
                APP_REDIRECT,
            )
            .await,
    )
    .await;
    assert_eq!(error.code, ErrorCode::InvalidGrant);
    assert!(error.message.contains("expired"), "{}", error.message);
}

#[tokio::test]
async fn unregistered_redirect_uris_are_refused_without_a_redirect() {
    let world = World::start().await;
    for redirect in [
        "https://attacker.example/callback",
        "other.vendor.app://oauth/callback",
        "http://localhost:8080/callback",
    ] {
        let (_, response) = world
            .authorize("google", Some("alice@acme.example"), redirect)
            .await;
        assert!(response.headers().get(LOCATION).is_none(), "{redirect}");
        assert_eq!(
            api_error(response).await.code,
            ErrorCode::InvalidRedirectUri
        );
    }
}

#[tokio::test]
async fn authorize_requires_s256_pkce_and_a_known_provider() {
    let world = World::start().await;
    let mut url = world.portal.endpoint("/v1/authorize");
    url.query_pairs_mut()
        .append_pair("provider", "google")
        .append_pair("redirect_uri", APP_REDIRECT)
        .append_pair("state", "s1")
        .append_pair("code_challenge", "short")
        .append_pair("code_challenge_method", "plain");
    let response = world.browser.get(url).send().await.unwrap();
    let link = World::app_link(response).await;
    assert_eq!(query(&link, "error").as_deref(), Some("invalid_request"));
    assert_eq!(query(&link, "state").as_deref(), Some("s1"));

    let (_, response) = world.authorize("myspace", None, APP_REDIRECT).await;
    let link = World::app_link(response).await;
    assert_eq!(query(&link, "error").as_deref(), Some("invalid_request"));
}

#[tokio::test]
async fn loopback_redirects_get_a_plain_redirect_with_the_code() {
    let world = World::start().await;
    let redirect = "http://127.0.0.1:45678/oauth/callback";
    let (sign_in, response) = world
        .authorize("google", Some("alice@acme.example"), redirect)
        .await;
    let provider_url: Url = response.headers()[LOCATION]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let answer = world.browse_provider(provider_url).await;
    assert!(answer.status().is_redirection());
    let link = World::app_link(answer).await;
    assert!(link.as_str().starts_with(redirect));
    let step: LoginStep = world
        .redeem(
            &query(&link, "code").unwrap(),
            Some(&sign_in.verifier),
            redirect,
        )
        .await
        .json()
        .await
        .unwrap();
    signed_in(step);
}

#[tokio::test]
async fn a_provider_callback_is_used_once() {
    let world = World::start().await;
    let callback = world
        .provider_callback("google", "alice@acme.example")
        .await;
    let first = world.browser.get(callback.clone()).send().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    let again = world.browser.get(callback.clone()).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(!again.text().await.unwrap().contains("code="));
}

#[tokio::test]
async fn no_page_of_the_portal_can_be_framed_or_sniffed() {
    let world = World::start().await;
    let callback = world
        .provider_callback("google", "alice@acme.example")
        .await;
    // The page that opens the app, the page of a used sign-in, an API answer, a 404.
    let opens_app = world.browser.get(callback.clone()).send().await.unwrap();
    let used = world.browser.get(callback.clone()).send().await.unwrap();
    let health = world
        .browser
        .get(world.portal.endpoint("/healthz"))
        .send()
        .await
        .unwrap();
    let missing = world
        .browser
        .get(world.portal.endpoint("/nothing-here"))
        .send()
        .await
        .unwrap();
    for (what, answer) in [
        ("the page opening the app", &opens_app),
        ("a used sign-in's page", &used),
        ("/healthz", &health),
        ("a 404", &missing),
    ] {
        let headers = answer.headers();
        assert_eq!(headers["x-frame-options"], "DENY", "{what}");
        assert_eq!(
            headers["content-security-policy"], "frame-ancestors 'none'",
            "{what}"
        );
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
    }
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn refresh_rotates_over_http_and_a_replay_ends_the_session() {
    let world = World::start().await;
    let first = signed_in(world.sign_in("google", "alice@acme.example").await);
    let response = world.refresh(&first.refresh_token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let second: SessionTokens = response.json().await.unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);

    world.clock.advance(3600);
    let replay = api_error(world.refresh(&first.refresh_token).await).await;
    assert_eq!(replay.code, ErrorCode::InvalidGrant);
    let after = api_error(world.refresh(&second.refresh_token).await).await;
    assert_eq!(after.code, ErrorCode::InvalidGrant);
    let profile = world.sip_profile(&second.access_token, None).await;
    assert_eq!(profile.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoking_signs_the_session_out() {
    let world = World::start().await;
    let session = signed_in(world.sign_in("microsoft", "maria@acme.example").await);
    let revoked = world
        .browser
        .post(world.portal.endpoint("/v1/revoke"))
        .form(&[("token", session.refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        world
            .sip_profile(&session.access_token, None)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api_error(world.refresh(&session.refresh_token).await)
            .await
            .code,
        ErrorCode::InvalidGrant
    );
}

#[tokio::test]
async fn a_provider_key_rotation_does_not_break_sign_in() {
    let world = World::start().await;
    signed_in(world.sign_in("google", "alice@acme.example").await);
    let rotated = world
        .browser
        .post(world.idp.join("admin/rotate-keys").unwrap())
        .send()
        .await
        .unwrap();
    assert!(rotated.status().is_success());
    signed_in(world.sign_in("google", "alice@acme.example").await);
}

#[tokio::test]
async fn sessions_and_links_survive_a_portal_restart() {
    let world = World::start().await;
    let session = signed_in(world.sign_in("google", "alice@acme.example").await);
    let World {
        portal,
        config,
        clock,
        ..
    } = world;
    portal.stop().await;

    let portal = Portal::bind_with_clock(&config, Arc::new(clock.clone()))
        .await
        .unwrap();
    let portal = common::serve(portal).await;
    let response = reqwest::Client::new()
        .post(portal.endpoint("/v1/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", session.refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let refreshed: SessionTokens = response.json().await.unwrap();
    assert_eq!(refreshed.account.username, "alice");
    let _ = DEFAULT_APP_SCHEME;
}
