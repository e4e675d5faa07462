//! In the real window: password sign-in, the security settings with the authenticator's
//! QR code (read back and answered by the test's own authenticator), another session
//! signed out, a provider added through the browser, removed and added again (both ask
//! first); then the next password sign-in asks for the code, its field focused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use switchboard_api::{LoginStep, PasswordSignInRequest};
use switchboard_e2e::app::App;
use switchboard_e2e::authenticator;
use switchboard_e2e::browser::{Browser, RecordingBrowser};
use switchboard_e2e::webdriver::Session;
use switchboard_e2e::world::World;
use switchboard_portal::clock::Clock;

const WAIT: Duration = Duration::from_secs(30);

async fn wait_for(session: &Session, css: &str) {
    session.wait_for_text(css, "", WAIT).await.unwrap();
}

async fn wait_for_count(session: &Session, css: &str, count: usize) {
    session.wait_for_count(css, count, WAIT).await.unwrap();
}

async fn add_google(app: &App, recorder: &RecordingBrowser, login_hint: &str, code: &str) {
    let seen = recorder.opened().len();
    // Adding a way to sign in: confirm it's you first.
    app.session
        .type_into("#link-provider-password", "alice-demo-pass")
        .await
        .unwrap();
    app.session
        .type_into("#link-provider-code", code)
        .await
        .unwrap();
    app.session
        .click_first("button[data-add-provider=\"google\"]")
        .await
        .unwrap();
    let authorize = recorder.wait_for_new_url(seen, WAIT).await.unwrap();
    assert!(authorize.as_str().contains("link_intent="), "{authorize}");
    let link = Browser::new()
        .sign_in(&authorize, login_hint, &[])
        .await
        .unwrap();
    app.deliver_link(link.as_str()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn security_settings_in_the_window() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let recorder = RecordingBrowser::new(&world.scratch_dir("browser").unwrap()).unwrap();
    // Alice is also signed in on another computer.
    let portal = switchboard_client::PortalClient::new(world.portal.clone()).unwrap();
    let elsewhere = match portal
        .password_sign_in(&PasswordSignInRequest {
            username: "alice".into(),
            password: "alice-demo-pass".into(),
            device_name: Some("Alice's desktop".into()),
        })
        .await
        .unwrap()
    {
        LoginStep::SignedIn { session } => session,
        other => panic!("expected SignedIn, got {other:?}"),
    };

    let app = App::launch_for(&world, &recorder, "scheme").await.unwrap();
    let session = &app.session;
    session.type_into("#username", "alice").await.unwrap();
    session
        .type_into("#password", "alice-demo-pass")
        .await
        .unwrap();
    session.click_first("#password-sign-in").await.unwrap();
    session
        .wait_for_text("#ready-extension", "201", WAIT)
        .await
        .unwrap();

    session.click_first("#open-security").await.unwrap();
    wait_for(session, "#security-screen").await;

    // The authenticator app: the QR code, read back by the test's own authenticator.
    session
        .click_first("#start-authenticator-setup")
        .await
        .unwrap();
    wait_for(session, "#authenticator-qr").await;
    let qr = session.find_all("#authenticator-qr").await.unwrap();
    let uri = session
        .attribute(&qr[0], "data-otpauth-uri")
        .await
        .unwrap()
        .expect("the QR code names its URI");
    let secret = authenticator::secret_of(&uri).unwrap();
    let dark: usize = session
        .attribute(&qr[0], "data-dark-modules")
        .await
        .unwrap()
        .unwrap()
        .parse()
        .unwrap();
    assert!(dark > 100, "a QR code is drawn: {dark} dark squares");
    app.save_screenshot("security-authenticator-qr")
        .await
        .unwrap();
    let code = authenticator::code(&secret, world.clock.now());
    session.type_into("#setup-code", &code).await.unwrap();
    session
        .type_into("#setup-password", "alice-demo-pass")
        .await
        .unwrap();
    session.click_first("#confirm-authenticator").await.unwrap();
    wait_for_count(session, "#recovery-codes li", 10).await;
    app.save_screenshot("security-recovery-codes")
        .await
        .unwrap();

    // A wrong code first: the portal rejects it; the password (right) stays, the code is
    // asked again.
    session
        .type_into("#confirm-password", "alice-demo-pass")
        .await
        .unwrap();
    session.type_into("#confirm-code", "000000").await.unwrap();
    session.click_first("#confirm-identity").await.unwrap();
    session
        .wait_for(
            "#view-notice",
            WAIT,
            |_, code| code == Some("invalid_code"),
            "data-code",
        )
        .await
        .unwrap();
    session.wait_for_paint().await.unwrap();
    assert_eq!(
        session.value("#confirm-password").await.unwrap(),
        "alice-demo-pass"
    );
    assert_eq!(session.value("#confirm-code").await.unwrap(), "");
    assert_eq!(session.focused_id().await.unwrap(), "confirm-code");
    app.save_screenshot("security-wrong-code-keeps-password")
        .await
        .unwrap();

    // Confirm it's you, once: the password and a fresh code from the authenticator.
    world.clock.advance(30);
    let code = authenticator::code(&secret, world.clock.now());
    session
        .type_into("#confirm-password", "alice-demo-pass")
        .await
        .unwrap();
    session.type_into("#confirm-code", &code).await.unwrap();
    session.click_first("#confirm-identity").await.unwrap();
    wait_for(session, "#confirmed-status").await;

    // Sessions: the other computer is listed and signed out from here.
    wait_for_count(session, "#sessions li", 2).await;
    session
        .click_first("button[data-sign-out-session]")
        .await
        .unwrap();
    // It asks first, naming the device; nothing is signed out until confirmed.
    session
        .wait_for_text(
            "#sessions [data-confirming] p",
            "Sign out Alice's desktop? It has to sign in again",
            WAIT,
        )
        .await
        .unwrap();
    wait_for_count(session, "#sessions li", 2).await;
    app.save_screenshot("security-sign-out-session-asks")
        .await
        .unwrap();
    session
        .click_first("#sessions [data-confirm]")
        .await
        .unwrap();
    wait_for_count(session, "#sessions li", 1).await;
    assert!(portal.refresh(&elsewhere.refresh_token).await.is_err());

    // A provider added through the browser, removed, and added again.
    wait_for_count(session, "button[data-remove-link]", 0).await;
    world.clock.advance(30);
    let code = authenticator::code(&secret, world.clock.now());
    add_google(&app, &recorder, "alice@acme.example", &code).await;
    wait_for(session, "#security-screen").await;
    wait_for_count(session, "button[data-remove-link]", 1).await;
    app.save_screenshot("security-linked").await.unwrap();
    // The provider's sign-in made a new session for this window: it confirms itself once.
    wait_for(session, "#confirm-identity-form").await;
    world.clock.advance(30);
    let code = authenticator::code(&secret, world.clock.now());
    session
        .type_into("#confirm-password", "alice-demo-pass")
        .await
        .unwrap();
    session.type_into("#confirm-code", &code).await.unwrap();
    session.click_first("#confirm-identity").await.unwrap();
    wait_for(session, "#confirmed-status").await;
    session
        .click_first("button[data-remove-link]")
        .await
        .unwrap();
    session
        .wait_for_text(
            "#linked-providers [data-confirming] p",
            // Her sign-in email is the same address: it says Google may still find her by it.
            "Remove Google (alice@acme.example)? The link goes, but alice@acme.example is \
             still your account's email, so Google may still sign you in with it.",
            WAIT,
        )
        .await
        .unwrap();
    app.save_screenshot("security-remove-link-asks")
        .await
        .unwrap();
    session
        .click_first("#linked-providers [data-confirm]")
        .await
        .unwrap();
    wait_for_count(session, "button[data-remove-link]", 0).await;
    // The notice says which sign-in was removed.
    session
        .wait_for_text(
            "#view-notice",
            "Google (alice@acme.example) no longer signs you in.",
            WAIT,
        )
        .await
        .unwrap();
    world.clock.advance(30);
    let code = authenticator::code(&secret, world.clock.now());
    add_google(&app, &recorder, "alice@acme.example", &code).await;
    wait_for(session, "#security-screen").await;
    wait_for_count(session, "button[data-remove-link]", 1).await;

    // Back, sign out; the password now asks for the authenticator code.
    session.click_first("#close-security").await.unwrap();
    wait_for(session, "#ready-screen").await;
    session.click_first("#sign-out").await.unwrap();
    session.click_first("[data-confirm]").await.unwrap();
    session.wait_until_connected(WAIT).await.unwrap();
    session.type_into("#username", "alice").await.unwrap();
    session
        .type_into("#password", "alice-demo-pass")
        .await
        .unwrap();
    session.click_first("#password-sign-in").await.unwrap();
    wait_for(session, "#mfa-screen").await;
    // The code field has focus as the screen opens, in the recovery-code mode too: a code
    // typed at once is kept.
    assert_eq!(session.focused_id().await.unwrap(), "mfa-code");
    // A wrong code first: the screen says so.
    session.type_keys("000000").await.unwrap();
    session.click_first("#mfa-submit").await.unwrap();
    session
        .wait_for(
            "#view-notice",
            WAIT,
            |_, code| code == Some("invalid_code"),
            "data-code",
        )
        .await
        .unwrap();
    // The recovery-code mode has its own heading, and the answer about the other code goes.
    session.click_first("#use-recovery-code").await.unwrap();
    session
        .wait_for_text("#mfa-heading", "Enter a recovery code", WAIT)
        .await
        .unwrap();
    assert!(session.find_all("#view-notice").await.unwrap().is_empty());
    app.save_screenshot("mfa-recovery-code-mode").await.unwrap();
    assert_eq!(session.focused_id().await.unwrap(), "mfa-code");
    session.type_keys("ABCD").await.unwrap();
    assert_eq!(session.value("#mfa-code").await.unwrap(), "ABCD");
    session.click_first("#use-recovery-code").await.unwrap();
    assert_eq!(session.focused_id().await.unwrap(), "mfa-code");
    let heading = session.find_all("#mfa-heading").await.unwrap();
    assert_eq!(
        session.text(&heading[0]).await.unwrap(),
        "Enter your authenticator code"
    );
    world.clock.advance(30);
    let code = authenticator::code(&secret, world.clock.now());
    session.type_keys(&code).await.unwrap();
    assert_eq!(session.value("#mfa-code").await.unwrap(), code);
    app.save_screenshot("mfa-code-focused").await.unwrap();
    session.click_first("#mfa-submit").await.unwrap();
    session
        .wait_for_text("#ready-extension", "201", WAIT)
        .await
        .unwrap();
    app.quit().await.unwrap();
}
