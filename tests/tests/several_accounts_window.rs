//! In the real window, several accounts: the chooser for a shared email (remembered,
//! then "use a different account"), the account switcher (no browser), "add another
//! account" through the link form (a wrong password first), and signing out of all.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use switchboard_e2e::app::App;
use switchboard_e2e::browser::{Browser, RecordingBrowser};
use switchboard_e2e::registrar::TestRegistrar;
use switchboard_e2e::webdriver::Session;
use switchboard_e2e::world::World;

const WAIT: Duration = Duration::from_secs(30);

async fn wait_for_extension(session: &Session, extension: &str) {
    session
        .wait_for_text("#ready-extension", extension, WAIT)
        .await
        .unwrap();
}

async fn wait_for_screen(session: &Session, id: &str) {
    session
        .wait_for_text(&format!("#{id}"), "", WAIT)
        .await
        .unwrap();
}

/// Clicks Google, plays the browser as `login_hint` and hands the link to the app.
async fn sign_in_with_google(app: &App, recorder: &RecordingBrowser, login_hint: &str) {
    let seen = recorder.opened().len();
    app.session
        .click_first("button[data-provider=\"google\"]")
        .await
        .unwrap();
    let authorize = recorder.wait_for_new_url(seen, WAIT).await.unwrap();
    let link = Browser::new()
        .sign_in(&authorize, login_hint, &[])
        .await
        .unwrap();
    app.deliver_link(link.as_str()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn choose_switch_and_link_accounts_in_the_window() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    // Every line registers with a real registrar.
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let recorder = RecordingBrowser::new(&world.scratch_dir("browser").unwrap()).unwrap();
    let app = App::launch_for(&world, &recorder, "scheme").await.unwrap();
    let session = &app.session;

    // The assistant's shared address reaches two accounts: the chooser says so.
    sign_in_with_google(&app, &recorder, "adam@acme.example").await;
    wait_for_screen(session, "choose-screen").await;
    assert_eq!(
        session.find_all("#shared-email-note").await.unwrap().len(),
        1
    );
    let labels = session.find_all("#choose-screen label").await.unwrap();
    let mut texts = Vec::new();
    for label in &labels {
        texts.push(session.text(label).await.unwrap());
    }
    let all = texts.join("\n");
    assert!(
        all.contains("Adam Assistant") && all.contains("Maria Manager"),
        "{all}"
    );
    assert!(all.contains("210") && all.contains("211"), "{all}");
    assert!(!session.is_selected("#remember-choice").await.unwrap());
    app.save_screenshot("choose-account").await.unwrap();

    // Maria, remembered.
    session.click_first("#choose-acct-maria").await.unwrap();
    session.click_first("#remember-choice").await.unwrap();
    session.click_first("#choose-continue").await.unwrap();
    wait_for_extension(session, "210").await;

    // "Use a different account": the chooser again without a browser, Maria preselected.
    let opened = recorder.opened().len();
    session.click_first("#use-different-account").await.unwrap();
    wait_for_screen(session, "choose-screen").await;
    assert!(session.is_selected("#choose-acct-maria").await.unwrap());
    assert!(session.is_selected("#remember-choice").await.unwrap());
    session.click_first("#choose-acct-adam").await.unwrap();
    session.click_first("#choose-continue").await.unwrap();
    wait_for_extension(session, "211").await;

    // The switcher: back to Maria, no browser, her phone settings.
    session
        .click_first("button[data-switch-to=\"acct-maria\"]")
        .await
        .unwrap();
    wait_for_extension(session, "210").await;
    let name = session.find_all("#ready-name").await.unwrap();
    assert_eq!(session.text(&name[0]).await.unwrap(), "Maria Manager");
    assert_eq!(
        recorder.opened().len(),
        opened,
        "switching opens no browser"
    );
    app.save_screenshot("account-switcher").await.unwrap();

    // Add another account whose sign-in is not linked yet: the link form.
    session.click_first("#add-account").await.unwrap();
    session
        .wait_for(
            "#back-to-account",
            WAIT,
            |text, _| text.contains("Maria Manager"),
            "id",
        )
        .await
        .unwrap();
    session.wait_until_connected(WAIT).await.unwrap();
    sign_in_with_google(&app, &recorder, "newbie@gmail.com").await;
    wait_for_screen(session, "link-screen").await;
    session.type_into("#link-username", "alice").await.unwrap();
    session
        .type_into("#link-password", "not her password")
        .await
        .unwrap();
    session.click_first("#link-submit").await.unwrap();
    session
        .wait_for(
            "#view-notice",
            WAIT,
            |_, code| code == Some("invalid_credentials"),
            "data-code",
        )
        .await
        .unwrap();
    app.save_screenshot("link-account").await.unwrap();
    session
        .type_into("#link-password", "alice-demo-pass")
        .await
        .unwrap();
    session.click_first("#link-submit").await.unwrap();
    wait_for_extension(session, "201").await;
    for other in ["acct-adam", "acct-maria"] {
        let css = format!("button[data-switch-to=\"{other}\"]");
        assert_eq!(session.find_all(&css).await.unwrap().len(), 1, "{other}");
    }

    // Three accounts, three lines registered at once: the current one on the ready screen,
    // the others in the switcher; the registrar holds a contact for each.
    session
        .wait_for(
            "#ready-line",
            WAIT,
            |_, state| state == Some("registered"),
            "data-line-state",
        )
        .await
        .unwrap();
    session
        .wait_for_text("#ready-status", "Registered", WAIT)
        .await
        .unwrap();
    for other in ["acct-adam", "acct-maria"] {
        let css = format!("[data-line-of=\"{other}\"]");
        session
            .wait_for(&css, WAIT, |text, _| text == "Registered", "id")
            .await
            .unwrap();
    }
    for extension in ["201", "210", "211"] {
        assert_eq!(
            registrar.contacts(extension).unwrap().len(),
            1,
            "extension {extension}"
        );
    }
    app.save_screenshot("lines-registered").await.unwrap();

    // Sign out of all: the sign-in screen, with nobody to go back to.
    session.click_first("#sign-out-all").await.unwrap();
    session.wait_until_connected(WAIT).await.unwrap();
    assert!(session
        .find_all("#back-to-account")
        .await
        .unwrap()
        .is_empty());
    // Signing out unregistered every line.
    for extension in ["201", "210", "211"] {
        assert!(
            registrar.contacts(extension).unwrap().is_empty(),
            "extension {extension}"
        );
    }
    app.quit().await.unwrap();
}
