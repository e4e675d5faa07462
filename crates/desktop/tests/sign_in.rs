//! The client core against the real portal and dev-idp over HTTP and the real Secret
//! Service (`cargo xtask test` provides one): provider sign-in, deep links, silent
//! restore, provisioning, sign-out.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

use std::sync::atomic::Ordering;

use switchboard_client::keychain::{Keychain, SecretKind};
use switchboard_client::signin::{app_redirect_uri, SignInError, PENDING_LIFETIME};
use switchboard_client::ClientError;
use switchboard_desktop::ErrorCode;
use switchboard_e2e::browser::Browser;
use url::Url;

#[tokio::test]
async fn each_provider_signs_in_provisions_and_keeps_secrets_in_the_keychain() {
    let (world, app) = world_and_app().await;
    let keychain = Keychain::for_portal(&world.portal);
    let mut device_passwords = Vec::new();
    for (provider, hint, username, extension) in [
        ("google", "alice@acme.example", "alice", "201"),
        ("microsoft", "maria@acme.example", "maria", "210"),
        ("apple", "tom@acme.example", "tom", "220"),
        ("acme-sso", "tom@acme.example", "tom", "220"),
    ] {
        let (account, phone) = ready(app.sign_in(provider, hint).await);
        assert_eq!(account.username, username, "{provider}");
        assert_eq!(phone.extension, extension);
        assert_eq!(phone.sip_domain, "sip.acme.example");
        let refresh = keychain
            .load(&account.account_id, SecretKind::RefreshToken)
            .unwrap();
        assert!(refresh.unwrap().expose().starts_with("sbr_"));
        let password = keychain
            .load(&account.account_id, SecretKind::SipPassword)
            .unwrap();
        // The device's own SIP password (random), never the account's static one.
        let password = password.unwrap().expose().to_owned();
        assert_eq!(password.len(), 32, "{provider}");
        assert!(!password.starts_with("demo-sip-"));
        device_passwords.push(password);
    }
    // Nothing secret in the data folder.
    for entry in walk(&app.data_dir) {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        assert!(
            !text.contains("sbr_") && !text.contains("sba_"),
            "{}",
            entry.display()
        );
        for password in &device_passwords {
            assert!(!text.contains(password.as_str()), "{}", entry.display());
        }
    }
    for username in ["alice", "maria", "tom"] {
        let id = format!("acct-{username}");
        app.client.sign_out(&id).await.unwrap();
    }
}

#[tokio::test]
async fn a_forged_link_with_no_pending_sign_in_is_dropped() {
    let (world, app) = world_and_app().await;
    let forged: Url = format!(
        "{}?code=sbc_forged&state=guessed&iss={}",
        app_redirect_uri(),
        world.portal
    )
    .parse()
    .unwrap();
    let error = app.client.complete_sign_in(&forged).await.unwrap_err();
    assert!(
        matches!(error, ClientError::SignIn(SignInError::NoPendingSignIn)),
        "{error:?}"
    );
    assert_eq!(app.client.current_account().unwrap(), None);
}

#[tokio::test]
async fn a_link_replayed_after_success_is_dropped() {
    let (_world, app) = world_and_app().await;
    let link = app.link_for("google", "alice@acme.example").await;
    ready(app.client.complete_sign_in(&link).await.unwrap());
    let again = app.client.complete_sign_in(&link).await.unwrap_err();
    assert!(
        matches!(again, ClientError::SignIn(SignInError::NoPendingSignIn)),
        "{again:?}"
    );
    app.client.sign_out("acct-alice").await.unwrap();
}

#[tokio::test]
async fn an_expired_pending_sign_in_is_refused() {
    let (_world, app) = world_and_app().await;
    let link = app.link_for("google", "alice@acme.example").await;
    app.now.fetch_add(PENDING_LIFETIME + 1, Ordering::SeqCst);
    let error = app.client.complete_sign_in(&link).await.unwrap_err();
    assert!(
        matches!(error, ClientError::SignIn(SignInError::Expired)),
        "{error:?}"
    );
    assert_eq!(ErrorCode::of(&error).as_str(), "sign_in_expired");
}

#[tokio::test]
async fn cancel_drops_the_link_that_arrives_later() {
    let (_world, app) = world_and_app().await;
    let link = app.link_for("google", "alice@acme.example").await;
    app.client.cancel_sign_in().unwrap();
    let error = app.client.complete_sign_in(&link).await.unwrap_err();
    assert!(
        matches!(error, ClientError::SignIn(SignInError::NoPendingSignIn)),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_cancelled_provider_sign_in_is_a_clear_message() {
    let (_world, app) = world_and_app().await;
    let (start, _) = app
        .client
        .begin_sign_in("google", None, &app_redirect_uri())
        .await
        .unwrap();
    let link = Browser::new()
        .sign_in(
            &start.authorize_url,
            "alice@acme.example",
            &[("dev_idp_cancel", "1")],
        )
        .await
        .unwrap();
    let error = app.client.complete_sign_in(&link).await.unwrap_err();
    assert_eq!(ErrorCode::of(&error).as_str(), "access_denied");
    assert_eq!(
        switchboard_frontend::error_code::message(&error),
        "Signing in with Google was cancelled."
    );
}

#[tokio::test]
async fn restart_restores_silently_and_reprovisions_only_on_change() {
    let (_world, app) = world_and_app().await;
    let (account, _) = ready(app.sign_in("google", "alice@acme.example").await);

    let restarted = app.restart();
    let (restored, phone) = ready(
        restarted
            .client
            .restore()
            .await
            .unwrap()
            .expect("remembered"),
    );
    assert_eq!(restored.account_id, account.account_id);
    assert_eq!(phone.extension, "201");
    restarted
        .client
        .sign_out(&account.account_id)
        .await
        .unwrap();
}

#[tokio::test]
async fn portal_down_is_a_clear_error_and_retry_works_later() {
    let (mut world, app) = world_and_app().await;
    let (account, _) = ready(app.sign_in("google", "alice@acme.example").await);
    world.stop_portal().await;

    let restarted = app.restart();
    let error = restarted.client.restore().await.unwrap_err();
    assert_eq!(ErrorCode::of(&error).as_str(), "portal_unreachable");
    assert!(
        switchboard_frontend::error_code::message(&error).starts_with("Can't reach the portal"),
        "{}",
        switchboard_frontend::error_code::message(&error)
    );
    // Nothing was thrown away: the account is still remembered.
    assert!(restarted.client.current_account().unwrap().is_some());

    // The window still shows the phone as set up, from what is saved here, and says why.
    match restarted.views.restore_view().await {
        switchboard_desktop::AppView::Ready {
            account: shown,
            phone,
            notice,
            ..
        } => {
            assert_eq!(shown.account_id, account.account_id);
            assert_eq!(phone.extension, "201");
            let notice = notice.expect("a notice about the portal");
            assert_eq!(
                notice.code.map(ErrorCode::as_str).as_deref(),
                Some("portal_unreachable")
            );
            assert!(
                notice.message.contains("saved on this computer"),
                "{}",
                notice.message
            );
        }
        other => panic!("expected Ready, got {other:?}"),
    }

    world.restart_portal().await.unwrap();
    let (restored, _) = ready(restarted.client.restore().await.unwrap().unwrap());
    assert_eq!(restored.account_id, account.account_id);
    restarted
        .client
        .sign_out(&account.account_id)
        .await
        .unwrap();
}

#[tokio::test]
async fn sign_out_revokes_and_leaves_nothing_behind() {
    let (world, app) = world_and_app().await;
    let (account, _) = ready(app.sign_in("microsoft", "maria@acme.example").await);
    let keychain = Keychain::for_portal(&world.portal);
    let refresh = keychain
        .load(&account.account_id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();

    app.client.sign_out(&account.account_id).await.unwrap();
    for kind in [SecretKind::RefreshToken, SecretKind::SipPassword] {
        assert_eq!(keychain.load(&account.account_id, kind).unwrap(), None);
    }
    assert_eq!(app.client.current_account().unwrap(), None);
    assert!(walk(&app.data_dir)
        .iter()
        .all(|f| !f.to_string_lossy().contains(&account.account_id)));
    // Revoked at the portal too: the old refresh token is dead.
    let portal = switchboard_client::PortalClient::new(world.portal.clone()).unwrap();
    assert!(portal.refresh(refresh.expose()).await.is_err());
    // And the next start is signed out.
    assert_eq!(app.restart().client.restore().await.unwrap(), None);
}

#[tokio::test]
async fn a_session_revoked_elsewhere_signs_out_cleanly_on_restore() {
    let (world, app) = world_and_app().await;
    let (account, _) = ready(app.sign_in("google", "alice@acme.example").await);
    let keychain = Keychain::for_portal(&world.portal);
    let refresh = keychain
        .load(&account.account_id, SecretKind::RefreshToken)
        .unwrap()
        .unwrap();
    switchboard_client::PortalClient::new(world.portal.clone())
        .unwrap()
        .revoke(refresh.expose())
        .await
        .unwrap();

    let error = app.restart().client.restore().await.unwrap_err();
    assert!(matches!(error, ClientError::SignedOut), "{error:?}");
    assert_eq!(
        keychain
            .load(&account.account_id, SecretKind::RefreshToken)
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn concurrent_refreshes_are_single_flight() {
    let (_world, app) = world_and_app().await;
    let (account, _) = ready(app.sign_in("google", "alice@acme.example").await);
    // The access token has expired: every caller needs a refresh at once.
    app.now.fetch_add(3600, Ordering::SeqCst);
    let id = account.account_id.as_str();
    let (a, b, c, d) = tokio::join!(
        app.client.access_token(id),
        app.client.access_token(id),
        app.client.access_token(id),
        app.client.access_token(id),
    );
    let tokens: Vec<String> = [a, b, c, d]
        .into_iter()
        .map(|t| t.unwrap().expose().to_owned())
        .collect();
    assert!(
        tokens.windows(2).all(|w| w[0] == w[1]),
        "one refresh, one token"
    );
    // The family is intact: a later start restores with the stored refresh token.
    ready(app.restart().client.restore().await.unwrap().unwrap());
    app.client.sign_out(id).await.unwrap();
}

#[tokio::test]
async fn a_changed_phone_profile_is_fetched_again_on_start() {
    let (world, app) = world_and_app().await;
    let (account, phone) = ready(app.sign_in("google", "alice@acme.example").await);
    assert_eq!(phone.registrar, "sip:127.0.0.1:5080;transport=tcp");

    // Unchanged: the next start keeps what it has (the portal answers 304).
    let (_, same) = ready(app.restart().client.restore().await.unwrap().unwrap());
    assert_eq!(same, phone);

    // The administrator moves Alice to another registrar: the next start picks it up.
    let db = world.database().await.unwrap();
    db.set_sip_registrar(&account.account_id, "sip:edge2.acme.example:5061")
        .await
        .unwrap();
    let (_, moved) = ready(app.restart().client.restore().await.unwrap().unwrap());
    assert_eq!(moved.registrar, "sip:edge2.acme.example:5061");
    app.client.sign_out(&account.account_id).await.unwrap();
}

#[tokio::test]
async fn a_strict_provider_signs_in_through_the_client_core_or_is_refused_with_the_reason() {
    let (mut world, app) = world_and_app().await;
    // Acme's provider as a strict one: claims only in userinfo, `iss` on the callback,
    // `client_secret_post`; its emails not trusted to match accounts (the default).
    world.use_strict_provider("acme-sso", false).await.unwrap();
    match app.sign_in("acme-sso", "tom@acme.example").await {
        switchboard_client::SignInOutcome::LinkAccount { email, reason, .. } => {
            assert_eq!(reason, switchboard_api::LinkReason::EmailMatchingOff);
            assert_eq!(email.as_deref(), Some("tom@acme.example"));
        }
        other => panic!("expected LinkAccount, got {other:?}"),
    }
    // The operator turns matching on: Tom signs in directly.
    world.use_strict_provider("acme-sso", true).await.unwrap();
    let (account, _) = ready(app.sign_in("acme-sso", "tom@acme.example").await);
    assert_eq!(account.username, "tom");
    // A callback whose `iss` is not the provider's is refused, with the reason.
    let (start, _) = app
        .client
        // Acme's own provider is found through the work email's domain.
        .begin_sign_in("acme-sso", Some("tom@acme.example"), &app_redirect_uri())
        .await
        .unwrap();
    let link = Browser::new()
        .sign_in(
            &start.authorize_url,
            "tom@acme.example",
            &[("dev_idp_forge", "callback_iss_forged")],
        )
        .await
        .unwrap();
    match app.client.complete_sign_in(&link).await.unwrap_err() {
        ClientError::SignIn(SignInError::Provider { message, .. }) => {
            assert!(
                message.contains("did not come from the sign-in provider"),
                "{message}"
            )
        }
        other => panic!("expected a provider error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_password_that_starts_a_wait_carries_it_to_the_window() {
    let (_world, app) = world_and_app().await;
    let notice = |view: switchboard_desktop::AppView| match view {
        switchboard_desktop::AppView::SignIn {
            notice: Some(notice),
            ..
        } => notice,
        other => panic!("expected the sign-in screen with a notice, got {other:?}"),
    };
    for _ in 0..2 {
        let wrong = notice(app.views.password_sign_in_view("alice", "wrong").await);
        assert_eq!(
            wrong.code,
            Some(switchboard_api::ErrorCode::InvalidCredentials.into())
        );
        assert_eq!(wrong.retry_after_seconds, None);
    }
    // The third starts a wait of a second: the notice says it, so the window counts it
    // down and holds Sign in instead of trying at once and being told "too many".
    let wrong = notice(app.views.password_sign_in_view("alice", "wrong").await);
    assert_eq!(
        wrong.code,
        Some(switchboard_api::ErrorCode::InvalidCredentials.into())
    );
    assert_eq!(wrong.retry_after_seconds, Some(1));
    assert_eq!(
        wrong.message,
        "The username or password is wrong. Try again in 1 second."
    );
    // Tried at once anyway: refused with the same wait.
    let held = notice(app.views.password_sign_in_view("alice", "wrong").await);
    assert_eq!(
        held.code,
        Some(switchboard_api::ErrorCode::TooManyAttempts.into())
    );
    assert_eq!(held.retry_after_seconds, Some(1));
}
