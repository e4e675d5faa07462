//! In the real window: password sign-in, the security settings in sections that open one
//! at a time, "Confirm it's you" asked once and then holding across sections (turning the
//! authenticator on with its QR code, read back and answered by the test's own
//! authenticator; another session signed out; the password changed, none of them asking for
//! the password again), each answer shown in its own section without the page jumping; a
//! provider added through the browser, removed and added again; then the next password
//! sign-in asks for the code, its field focused.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::json;
use switchboard_api::{LoginStep, PasswordSignInRequest};
use switchboard_e2e::app::App;
use switchboard_e2e::authenticator;
use switchboard_e2e::browser::{Browser, RecordingBrowser};
use switchboard_e2e::webdriver::Session;
use switchboard_e2e::world::World;
use switchboard_portal::clock::Clock;

const WAIT: Duration = Duration::from_secs(30);
const SECTIONS: [&str; 5] = [
    "providers",
    "authenticator",
    "password",
    "emails",
    "sessions",
];

async fn wait_for(session: &Session, css: &str) {
    session.wait_for_text(css, "", WAIT).await.unwrap();
}

async fn wait_for_count(session: &Session, css: &str, count: usize) {
    session.wait_for_count(css, count, WAIT).await.unwrap();
}

/// The sections whose heading says they are open (`aria-expanded="true"`).
async fn open_sections(session: &Session) -> Vec<String> {
    let open = session
        .execute(
            "return [...document.querySelectorAll('.disclosure-toggle[aria-expanded=\"true\"]')] \
             .map((b) => b.id.replace(/-toggle$/, ''));",
            json!([]),
        )
        .await
        .unwrap();
    serde_json::from_value(open).unwrap()
}

/// Clicks section `key`'s heading and waits until it is the one open section.
async fn open_section(session: &Session, key: &str) {
    session.open_security_section(key, WAIT).await.unwrap();
    assert_eq!(open_sections(session).await, vec![key.to_owned()]);
}

/// Where the answer of an action is: whether `#view-notice` lies inside section `key` and
/// inside the window, the page's scroll position and how far it can scroll now.
async fn notice_place(session: &Session, key: &str) -> (bool, bool, f64, f64) {
    let place = session
        .execute(
            "const n = document.getElementById('view-notice').getBoundingClientRect(); \
             const s = document.getElementById(arguments[0] + '-section').getBoundingClientRect(); \
             return [n.top >= s.top && n.bottom <= s.bottom, \
                     n.top >= 0 && n.bottom <= window.innerHeight, window.scrollY, \
                     document.documentElement.scrollHeight - window.innerHeight];",
            json!([key]),
        )
        .await
        .unwrap();
    (
        place[0].as_bool().unwrap(),
        place[1].as_bool().unwrap(),
        place[2].as_f64().unwrap(),
        place[3].as_f64().unwrap(),
    )
}

/// The page's scroll position.
async fn scroll_y(session: &Session) -> f64 {
    session
        .execute("return window.scrollY;", json!([]))
        .await
        .unwrap()
        .as_f64()
        .unwrap()
}

/// Scrolls the page so section `key`'s heading is at the top of the window (as far as the
/// page allows), as a user who scrolled down to it.
async fn scroll_to_section(session: &Session, key: &str) {
    session
        .execute(
            "document.getElementById(arguments[0] + '-section').scrollIntoView({ block: 'start' });",
            json!([key]),
        )
        .await
        .unwrap();
}

/// Waits for the answer of an action in section `key` (a notice whose text contains
/// `text`), and checks it is shown there, in view, and that the page did not jump to the top
/// (when it was scrolled down before: `scrolled_before`).
async fn answer_in_section(session: &Session, key: &str, text: &str, scrolled_before: f64) {
    session
        .wait_for_text(&format!("#{key}-section #view-notice"), text, WAIT)
        .await
        .unwrap();
    session.wait_for_paint().await.unwrap();
    let (in_section, in_view, scrolled, max_scroll) = notice_place(session, key).await;
    assert!(in_section, "the answer is inside the {key} section");
    assert!(in_view, "the answer is in view");
    // The page stays where the user had scrolled it (unless it got shorter than that).
    assert!(
        scrolled >= scrolled_before.min(max_scroll) - 1.0,
        "the page did not jump up ({scrolled_before} -> {scrolled}, it scrolls up to {max_scroll})"
    );
    // One notice on the page, the one in the section.
    wait_for_count(session, "#view-notice", 1).await;
}

/// Confirms it's you in the open section with the password, and `code` when given.
async fn confirm_it_is_me(session: &Session, code: Option<&str>) {
    session
        .type_into("#confirm-password", "alice-demo-pass")
        .await
        .unwrap();
    if let Some(code) = code {
        session.type_into("#confirm-code", code).await.unwrap();
    }
    session.click_first("#confirm-identity").await.unwrap();
    wait_for(session, "#confirmed-status").await;
}

/// Adds Google through the browser from the open "Linked sign-ins" section, which the user
/// confirmed: no password is asked.
async fn add_google(app: &App, recorder: &RecordingBrowser, login_hint: &str) {
    let seen = recorder.opened().len();
    assert!(app
        .session
        .find_all("#link-provider-password")
        .await
        .unwrap()
        .is_empty());
    app.session
        .execute(
            "document.querySelector('button[data-add-provider=\"google\"]').click();",
            json!([]),
        )
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
    session
        .sign_in_with_password("alice", "alice-demo-pass", "201", WAIT)
        .await
        .unwrap();

    session.click_first("#open-security").await.unwrap();
    wait_for(session, "#security-screen").await;

    // The page opens with every section closed: five headings saying what is inside, and
    // not one password field.
    for key in SECTIONS {
        wait_for(session, &format!("#{key}-toggle")).await;
    }
    assert!(open_sections(session).await.is_empty());
    assert!(session
        .find_all("input[type=password]")
        .await
        .unwrap()
        .is_empty());
    app.save_screenshot("security-sections").await.unwrap();
    // One open at a time: opening another closes the first; the keyboard opens them too.
    open_section(session, "emails").await;
    open_section(session, "sessions").await;
    session
        .execute(
            "document.getElementById('password-toggle').focus();",
            json!([]),
        )
        .await
        .unwrap();
    session.type_keys("\u{E007}").await.unwrap();
    session
        .wait_for(
            "#password-toggle",
            WAIT,
            |_, expanded| expanded == Some("true"),
            "aria-expanded",
        )
        .await
        .unwrap();
    assert_eq!(open_sections(session).await, vec!["password".to_owned()]);
    assert_eq!(session.focused_id().await.unwrap(), "password-toggle");

    // The authenticator app: the QR code, read back by the test's own authenticator.
    open_section(session, "authenticator").await;
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
    // Turning it on asks to confirm it's you, here, once; then only the app's code.
    wait_for(session, "#authenticator-section #confirm-identity-form").await;
    assert!(session.find_all("#setup-code").await.unwrap().is_empty());
    confirm_it_is_me(session, None).await;
    session
        .wait_for_text(
            "#authenticator-section #confirmed-status",
            "for 5 more minutes",
            WAIT,
        )
        .await
        .unwrap();
    let code = authenticator::code(&secret, world.clock.now());
    session.type_into("#setup-code", &code).await.unwrap();
    session.click_first("#confirm-authenticator").await.unwrap();
    wait_for_count(session, "#recovery-codes li", 10).await;
    answer_in_section(
        session,
        "authenticator",
        "Your authenticator app is set up",
        0.0,
    )
    .await;
    app.save_screenshot("security-recovery-codes")
        .await
        .unwrap();

    // Confirmed once, two more sections change things without the password being asked
    // again. Sessions: the other computer is listed and signed out from here.
    open_section(session, "sessions").await;
    wait_for(session, "#sessions-section #confirmed-status").await;
    assert!(session
        .find_all("#confirm-password")
        .await
        .unwrap()
        .is_empty());
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
    scroll_to_section(session, "sessions").await;
    let scrolled = scroll_y(session).await;
    session
        .execute(
            "document.querySelector('#sessions [data-confirm]').click();",
            json!([]),
        )
        .await
        .unwrap();
    wait_for_count(session, "#sessions li", 1).await;
    answer_in_section(session, "sessions", "Signed out Alice's desktop.", scrolled).await;
    assert!(portal.refresh(&elsewhere.refresh_token).await.is_err());

    // Password: the new one twice, no current password.
    open_section(session, "password").await;
    wait_for(session, "#password-section #confirmed-status").await;
    assert!(session
        .find_all("#current-password")
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        session
            .find_all("input[type=password]")
            .await
            .unwrap()
            .len(),
        2,
        "only the new password, twice"
    );
    session
        .type_into("#new-password", "correct horse battery")
        .await
        .unwrap();
    session
        .type_into("#confirm-new-password", "correct horse battery")
        .await
        .unwrap();
    scroll_to_section(session, "password").await;
    let scrolled = scroll_y(session).await;
    session.click_first("#change-password").await.unwrap();
    answer_in_section(session, "password", "Your password is changed.", scrolled).await;
    app.save_screenshot("security-answer-in-section")
        .await
        .unwrap();

    // A provider added through the browser (confirmed: no password asked), removed, and
    // added again.
    open_section(session, "providers").await;
    wait_for_count(session, "button[data-remove-link]", 0).await;
    add_google(&app, &recorder, "alice@acme.example").await;
    wait_for(session, "#security-screen").await;
    wait_for_count(session, "button[data-remove-link]", 1).await;
    // Back from the browser, the same section is open.
    assert_eq!(open_sections(session).await, vec!["providers".to_owned()]);
    app.save_screenshot("security-linked").await.unwrap();
    // The provider's sign-in made a new session for this window: it confirms itself once,
    // in this section. A wrong code first: the password (right) stays, the code is asked
    // again, and the answer is here.
    wait_for(session, "#providers-section #confirm-identity-form").await;
    session
        .type_into("#confirm-password", "correct horse battery")
        .await
        .unwrap();
    session.type_into("#confirm-code", "000000").await.unwrap();
    session.click_first("#confirm-identity").await.unwrap();
    session
        .wait_for(
            "#providers-section #view-notice",
            WAIT,
            |_, code| code == Some("invalid_code"),
            "data-code",
        )
        .await
        .unwrap();
    session.wait_for_paint().await.unwrap();
    assert_eq!(
        session.value("#confirm-password").await.unwrap(),
        "correct horse battery"
    );
    assert_eq!(session.value("#confirm-code").await.unwrap(), "");
    assert_eq!(session.focused_id().await.unwrap(), "confirm-code");
    app.save_screenshot("security-wrong-code-keeps-password")
        .await
        .unwrap();
    world.clock.advance(30);
    let code = authenticator::code(&secret, world.clock.now());
    session.type_into("#confirm-code", &code).await.unwrap();
    session.click_first("#confirm-identity").await.unwrap();
    wait_for(session, "#providers-section #confirmed-status").await;
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
    let scrolled = scroll_y(session).await;
    session
        .execute(
            "document.querySelector('#linked-providers [data-confirm]').click();",
            json!([]),
        )
        .await
        .unwrap();
    wait_for_count(session, "button[data-remove-link]", 0).await;
    // The answer says which sign-in was removed, in this section.
    answer_in_section(
        session,
        "providers",
        "Google (alice@acme.example) no longer signs you in.",
        scrolled,
    )
    .await;
    add_google(&app, &recorder, "alice@acme.example").await;
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
        .type_into("#password", "correct horse battery")
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
