//! The client core's password sign-in, authenticator step and security settings against
//! the real portal and dev-idp over HTTP and the real Secret Service.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;

use std::sync::atomic::Ordering;

use switchboard_client::signin::app_redirect_uri;
use switchboard_client::SignInOutcome;
use switchboard_desktop::{commands, AppView, ErrorCode};
use switchboard_e2e::authenticator;
use switchboard_e2e::browser::Browser;

fn notice_code(view: &AppView) -> Option<String> {
    let notice = match view {
        AppView::SignIn { notice, .. }
        | AppView::MfaRequired { notice }
        | AppView::Ready { notice, .. }
        | AppView::Security { notice, .. } => notice.clone(),
        _ => None,
    };
    notice.and_then(|n| n.code).map(ErrorCode::as_str)
}

fn security(
    view: AppView,
) -> (
    switchboard_api::SecurityOverview,
    Option<switchboard_desktop::AuthenticatorSetupView>,
    Option<Vec<String>>,
) {
    match view {
        AppView::Security {
            overview,
            setup,
            recovery_codes,
            ..
        } => (overview, setup, recovery_codes),
        other => panic!("expected Security, got {other:?}"),
    }
}

#[tokio::test]
async fn password_sign_in_then_the_authenticator_code() {
    let (_world, app) = world_and_app().await;
    let wrong = app.views.password_sign_in_view("alice", "wrong").await;
    assert!(matches!(wrong, AppView::SignIn { .. }), "{wrong:?}");
    assert_eq!(notice_code(&wrong).as_deref(), Some("invalid_credentials"));

    let (alice, phone) = ready(
        app.client
            .sign_in_with_password("alice", "alice-demo-pass")
            .await
            .unwrap(),
    );
    assert_eq!(alice.username, "alice");
    assert_eq!(phone.extension, "201");

    // Tom has an authenticator app: the code is asked next.
    assert_eq!(
        app.client
            .sign_in_with_password("tom", "tom-demo-pass")
            .await
            .unwrap(),
        SignInOutcome::MfaRequired
    );
    let wrong = app.views.submit_mfa_code_view("000000").await;
    assert!(matches!(wrong, AppView::MfaRequired { .. }), "{wrong:?}");
    assert_eq!(notice_code(&wrong).as_deref(), Some("invalid_code"));
    let secret = authenticator::base32_decode(switchboard_portal::seed::DEMO_TOTP_SECRET).unwrap();
    let now = app.now.load(Ordering::SeqCst);
    match app
        .views
        .submit_mfa_code_view(&authenticator::code(&secret, now))
        .await
    {
        AppView::Ready {
            account,
            signed_in,
            reaches_accounts,
            ..
        } => {
            assert_eq!(account.username, "tom");
            assert_eq!(signed_in.len(), 2, "alice stays signed in too");
            // A password signs in one account: no "use a different account".
            assert_eq!(reaches_accounts, 1);
        }
        other => panic!("expected Ready, got {other:?}"),
    }
}

#[tokio::test]
async fn set_up_the_authenticator_in_the_settings_and_use_a_recovery_code() {
    let (_world, app) = world_and_app().await;
    ready(
        app.client
            .sign_in_with_password("maria", "maria-demo-pass")
            .await
            .unwrap(),
    );
    let (overview, setup, _) = security(app.views.security_view(None).await);
    assert!(!overview.authenticator.enabled);
    assert!(setup.is_none());
    assert!(overview.warnings.len() >= 2, "{:?}", overview.warnings);

    let (_, setup, _) = security(app.views.start_authenticator_setup_view().await);
    let setup = setup.expect("the set-up is shown");
    assert!(setup.qr.size >= 21);
    let secret = authenticator::secret_of(&setup.otpauth_uri).unwrap();
    assert_eq!(authenticator::base32_decode(&setup.secret).unwrap(), secret);
    // The set-up stays on screen while the settings are refreshed.
    let (_, again, _) = security(app.views.security_view(None).await);
    assert_eq!(again.as_ref(), Some(&setup));

    let now = app.now.load(Ordering::SeqCst);
    let wrong = app
        .views
        .confirm_authenticator_view("not my password", &authenticator::code(&secret, now))
        .await;
    assert_eq!(notice_code(&wrong).as_deref(), Some("invalid_credentials"));
    let (overview, setup, codes) = security(
        app.views
            .confirm_authenticator_view("maria-demo-pass", &authenticator::code(&secret, now))
            .await,
    );
    assert!(overview.authenticator.enabled);
    assert!(setup.is_none());
    let codes = codes.expect("recovery codes shown once");
    assert_eq!(codes.len(), 10);
    let (_, _, shown_again) = security(app.views.security_view(None).await);
    assert_eq!(shown_again, None, "never shown twice");

    // Sign out and back in: password, then a recovery code.
    app.views.sign_out_view().await;
    assert_eq!(
        app.client
            .sign_in_with_password("maria", "maria-demo-pass")
            .await
            .unwrap(),
        SignInOutcome::MfaRequired
    );
    ready(app.client.submit_mfa_code(&codes[0]).await.unwrap());
    let (overview, _, _) = security(app.views.security_view(None).await);
    assert_eq!(overview.authenticator.recovery_codes_left, 9);
}

#[tokio::test]
async fn save_to_a_file_writes_where_the_dialog_says_only_for_the_user_and_nothing_on_cancel() {
    let (_world, app) = world_and_app().await;
    let codes = vec!["abcde-fghjk".to_owned(), "mnpqr-stuvw".to_owned()];
    let folder = app.data_dir.join("chosen");
    std::fs::create_dir_all(&folder).unwrap();

    // Cancelled in the dialog: nothing written, and that is no error.
    *app.platform.save_answer.lock().unwrap() = None;
    let cancelled = commands::save_recovery_codes(&app.views, "tom".into(), codes.clone()).await;
    assert_eq!(cancelled, Ok(None));
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 0);
    let asked = app.platform.save_requests.lock().unwrap().clone();
    assert_eq!(asked.len(), 1, "the dialog was asked where");
    assert_eq!(asked[0].file_name, "Switchboard recovery codes (tom).txt");
    assert_eq!(asked[0].folder, Some(app.data_dir.join("Documents")));

    // Saved where the dialog says, replacing a file there (the dialog asked first).
    let path = folder.join("my codes.txt");
    std::fs::write(&path, "an older file").unwrap();
    *app.platform.save_answer.lock().unwrap() = Some(path.clone());
    let saved = commands::save_recovery_codes(&app.views, "tom".into(), codes.clone()).await;
    assert_eq!(saved, Ok(Some(path.display().to_string())));
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("recovery codes for tom"), "{text}");
    assert_eq!(&lines[lines.len() - 2..], ["abcde-fghjk", "mnpqr-stuvw"]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    assert_eq!(
        std::fs::read_dir(&folder).unwrap().count(),
        1,
        "no temporary file is left"
    );

    // A place it cannot write to: said, with what to do, and nothing half-written.
    *app.platform.save_answer.lock().unwrap() = Some(folder.join("no such folder/codes.txt"));
    let failed = commands::save_recovery_codes(&app.views, "tom".into(), codes)
        .await
        .unwrap_err();
    assert_eq!(failed.code, ErrorCode::SaveFailed);
    assert!(
        failed.message.contains("Choose another place"),
        "{}",
        failed.message
    );
}

#[tokio::test]
async fn a_provider_linked_from_the_settings_then_removed() {
    let (_world, app) = world_and_app().await;
    ready(
        app.client
            .sign_in_with_password("adam", "adam-demo-pass")
            .await
            .unwrap(),
    );
    let (start, name) = app
        .client
        .begin_link_provider("google", "adam-demo-pass", None, &app_redirect_uri())
        .await
        .unwrap();
    assert_eq!(name, "Google");
    let link = Browser::new()
        .sign_in(&start.authorize_url, "newbie@gmail.com", &[])
        .await
        .unwrap();
    let outcome = app.client.complete_sign_in(&link).await.unwrap();
    assert_eq!(
        outcome,
        SignInOutcome::ProviderLinked {
            provider_name: "Google".into()
        }
    );
    let view = app.views.outcome_view(outcome).await;
    let (overview, _, _) = security(view.clone());
    let linked = overview
        .linked_providers
        .iter()
        .find(|l| l.email.as_deref() == Some("newbie@gmail.com"))
        .expect("listed");
    assert_eq!(linked.provider_name, "Google");
    assert!(
        matches!(&view, AppView::Security { notice: Some(n), .. } if n.message.contains("Google is linked"))
    );

    // Removing it asks the user to confirm it is them first, once.
    let unconfirmed = app
        .views
        .remove_linked_provider_view(&linked.link_id, "Google")
        .await;
    assert_eq!(
        notice_code(&unconfirmed).as_deref(),
        Some("confirmation_required")
    );
    let (overview, _, _) = security(
        app.views
            .confirm_identity_view("adam-demo-pass", None)
            .await,
    );
    assert_eq!(overview.confirmed_for_seconds, 300);
    let (overview, _, _) = security(
        app.views
            .remove_linked_provider_view(&linked.link_id, "Google")
            .await,
    );
    assert!(overview.linked_providers.is_empty());
}

#[tokio::test]
async fn a_notification_email_waits_for_the_mailed_code() {
    let (world, app) = world_and_app().await;
    ready(
        app.client
            .sign_in_with_password("adam", "adam-demo-pass")
            .await
            .unwrap(),
    );
    security(
        app.views
            .confirm_identity_view("adam-demo-pass", None)
            .await,
    );
    let view = app
        .views
        .add_notification_email_view("maria@acme.example")
        .await;
    assert!(
        matches!(&view, AppView::Security { notice: Some(n), .. }
            if n.message.contains("We sent a code to maria@acme.example")
                && n.message.contains("signs in to another account")),
        "{view:?}"
    );
    let (overview, _, _) = security(view);
    let waiting = overview
        .emails
        .iter()
        .find(|e| e.email == "maria@acme.example")
        .unwrap();
    assert!(!waiting.confirmed);
    let wrong = app
        .views
        .confirm_notification_email_view("maria@acme.example", "000000")
        .await;
    assert_eq!(notice_code(&wrong).as_deref(), Some("invalid_code"));
    let code = world
        .mailed_code("maria@acme.example")
        .expect("a code was mailed");
    let view = app
        .views
        .confirm_notification_email_view("maria@acme.example", &code)
        .await;
    let (overview, _, _) = security(view);
    assert!(overview
        .emails
        .iter()
        .any(|e| e.email == "maria@acme.example" && e.confirmed));
}

#[tokio::test]
async fn another_session_signed_out_and_the_password_changed() {
    let (world, app) = world_and_app().await;
    ready(
        app.client
            .sign_in_with_password("alice", "alice-demo-pass")
            .await
            .unwrap(),
    );
    // Alice on another computer (its own keychain: talk to the portal directly).
    let portal = switchboard_client::PortalClient::new(world.portal.clone()).unwrap();
    let elsewhere = match portal
        .password_sign_in(&switchboard_api::PasswordSignInRequest {
            username: "alice".into(),
            password: "alice-demo-pass".into(),
            device_name: Some("Alice's desktop".into()),
        })
        .await
        .unwrap()
    {
        switchboard_api::LoginStep::SignedIn { session } => session,
        other => panic!("expected SignedIn, got {other:?}"),
    };

    let (overview, _, _) = security(app.views.security_view(None).await);
    assert_eq!(overview.sessions.len(), 2);
    let other = overview
        .sessions
        .iter()
        .find(|s| !s.current)
        .unwrap()
        .clone();
    let unconfirmed = app
        .views
        .sign_out_session_view(&other.session_id, &other.device_name)
        .await;
    assert_eq!(
        notice_code(&unconfirmed).as_deref(),
        Some("confirmation_required")
    );
    let wrong = app
        .views
        .confirm_identity_view("not my password", None)
        .await;
    assert_eq!(notice_code(&wrong).as_deref(), Some("invalid_credentials"));
    security(
        app.views
            .confirm_identity_view("alice-demo-pass", None)
            .await,
    );
    let (overview, _, _) = security(
        app.views
            .sign_out_session_view(&other.session_id, &other.device_name)
            .await,
    );
    assert_eq!(overview.sessions.len(), 1);
    // The other computer finds itself signed out at its next refresh.
    assert!(portal.refresh(&elsewhere.refresh_token).await.is_err());

    let short = app
        .views
        .change_password_view("alice-demo-pass", "short", None)
        .await;
    assert_eq!(notice_code(&short).as_deref(), Some("invalid_request"));
    let changed = app
        .views
        .change_password_view("alice-demo-pass", "a new long password", None)
        .await;
    assert!(
        matches!(&changed, AppView::Security { notice: Some(n), .. } if n.kind == switchboard_desktop::NoticeKind::Info),
        "{changed:?}"
    );
    // This session stays.
    security(app.views.security_view(None).await);
}
