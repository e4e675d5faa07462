//! In the real window, several accounts: the chooser for a shared email (remembered,
//! then "use a different account"), the account switcher (no browser), "add another
//! account" through the link form (focused as it opens, a wrong password first), three
//! accounts as one list in the order they were added (the same after switching, every row and
//! sign-out button reachable at the default window size), and signing out one account and all
//! of them (each asks first, with nothing that acts under the pointer).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::json;
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

/// Where the pointer is after clicking the middle of `css`.
async fn center_of(session: &Session, css: &str) -> (f64, f64) {
    let point = session
        .execute(
            "const r = document.querySelector(arguments[0]).getBoundingClientRect(); \
             return [r.x + r.width / 2, r.y + r.height / 2];",
            json!([css]),
        )
        .await
        .unwrap();
    (point[0].as_f64().unwrap(), point[1].as_f64().unwrap())
}

/// The button a click at `point` would press: "confirm" for a confirmation's button that
/// acts, else the button's id or text; "" when no button is there.
async fn button_at(session: &Session, point: (f64, f64)) -> String {
    let found = session
        .execute(
            "const e = document.elementFromPoint(arguments[0], arguments[1]); \
             const b = e && e.closest('button'); \
             if (!b) return ''; \
             return b.hasAttribute('data-confirm') ? 'confirm' : (b.id || b.textContent.trim());",
            json!([point.0, point.1]),
        )
        .await
        .unwrap();
    found.as_str().unwrap_or_default().to_owned()
}

/// The account list's rows, top to bottom (`data-account`).
async fn account_rows(session: &Session) -> Vec<String> {
    let rows = session
        .execute(
            "return [...document.querySelectorAll('#account-list li')] \
               .map((li) => li.dataset.account);",
            json!([]),
        )
        .await
        .unwrap();
    serde_json::from_value(rows).unwrap()
}

/// Scrolls `css` into view (as a keyboard or a wheel would) and checks the whole of it is
/// inside the window and nothing covers its middle: it can be seen and clicked.
async fn assert_reachable(session: &Session, css: &str) {
    let answer = session
        .execute(
            "const e = document.querySelector(arguments[0]); \
             if (!e) return 'missing'; \
             e.scrollIntoView({ block: 'nearest' }); \
             const r = e.getBoundingClientRect(); \
             if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) \
               return `outside the ${innerWidth}x${innerHeight} window: ${JSON.stringify(r)}`; \
             const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2); \
             return at && (at === e || e.contains(at)) ? 'ok' : 'covered';",
            json!([css]),
        )
        .await
        .unwrap();
    assert_eq!(answer, json!("ok"), "{css}");
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

    // "Use a different account" is offered, saying what it does: adam@'s sign-in reaches two.
    let help = session
        .wait_for_text("#use-different-account-help", "reaches 2 accounts", WAIT)
        .await
        .unwrap();
    assert!(session
        .text(&help)
        .await
        .unwrap()
        .contains("use another of them here instead of Maria Manager"));
    session
        .execute(
            "document.querySelector('#use-different-account-help').scrollIntoView({ block: 'end' });",
            json!([]),
        )
        .await
        .unwrap();
    app.save_screenshot("use-different-account-explained")
        .await
        .unwrap();

    // Maria's settings: adam@ signs in to her account and Adam's; the warning says what to do.
    session.click_first("#open-security").await.unwrap();
    let warnings = session
        .wait_for_text(
            "#email-warnings",
            "adam@acme.example also signs in to",
            WAIT,
        )
        .await
        .unwrap();
    let warnings = session.text(&warnings).await.unwrap();
    assert!(
        warnings.contains("Ask your office manager to give each person their own address"),
        "{warnings}"
    );
    session
        .execute(
            "document.querySelector('#email-warnings').scrollIntoView({ block: 'center' });",
            json!([]),
        )
        .await
        .unwrap();
    app.save_screenshot("security-shared-email-says-what-to-do")
        .await
        .unwrap();
    session.click_first("#close-security").await.unwrap();
    wait_for_extension(session, "210").await;

    // "Use a different account": the chooser again without a browser, saying that the account
    // chosen replaces Maria here; Maria is marked as in use, and the other one preselected.
    let opened = recorder.opened().len();
    session.click_first("#use-different-account").await.unwrap();
    wait_for_screen(session, "choose-screen").await;
    let heading = session.find_all("#choose-screen h1").await.unwrap();
    assert_eq!(
        session.text(&heading[0]).await.unwrap(),
        "Use a different account"
    );
    let text = session.find_all("#choose-screen .text").await.unwrap();
    let text = session.text(&text[0]).await.unwrap();
    assert!(
        text.contains("instead of Maria Manager")
            && text.contains("Maria Manager is signed out on this computer"),
        "{text}"
    );
    let maria_row = session
        .find_all("label[for=\"choose-acct-maria\"]")
        .await
        .unwrap();
    assert!(session
        .text(&maria_row[0])
        .await
        .unwrap()
        .contains("In use now"));
    assert!(session.is_selected("#choose-acct-adam").await.unwrap());
    assert!(session.is_selected("#remember-choice").await.unwrap());
    app.save_screenshot("use-different-account-chooser")
        .await
        .unwrap();
    // Not remembered, so that signing in again later asks.
    session.click_first("#remember-choice").await.unwrap();
    session.click_first("#choose-continue").await.unwrap();
    wait_for_extension(session, "211").await;
    // It switched: Adam in place of Maria, not beside her; her line is unregistered.
    assert!(session
        .find_all("button[data-switch-to=\"acct-maria\"]")
        .await
        .unwrap()
        .is_empty());
    assert!(session.find_all("#account-list").await.unwrap().is_empty());
    assert_eq!(recorder.opened().len(), opened, "choosing opens no browser");
    assert!(registrar.contacts("210").unwrap().is_empty());

    // Maria is added back by signing in: the chooser again, as nothing is remembered.
    session.click_first("#add-account").await.unwrap();
    session.wait_until_connected(WAIT).await.unwrap();
    sign_in_with_google(&app, &recorder, "adam@acme.example").await;
    wait_for_screen(session, "choose-screen").await;
    session.click_first("#choose-acct-maria").await.unwrap();
    session.click_first("#choose-continue").await.unwrap();
    wait_for_extension(session, "210").await;

    // The switcher: to Adam and back to Maria, no browser, each one's phone settings.
    let opened = recorder.opened().len();
    session
        .click_first("button[data-switch-to=\"acct-adam\"]")
        .await
        .unwrap();
    wait_for_extension(session, "211").await;
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
    // The form opens with the username field focused: typing at once fills it.
    assert_eq!(session.focused_id().await.unwrap(), "link-username");
    session.type_keys("alice").await.unwrap();
    assert_eq!(session.value("#link-username").await.unwrap(), "alice");
    app.save_screenshot("link-form-focused").await.unwrap();
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

    // Three accounts in the default 420x640 window: one list, in the order they were added
    // (Adam, Maria, then Alice, marked as the one in use), the same after switching; every
    // row and every sign-out button (and its confirmation) can be scrolled to and clicked.
    let rows = account_rows(session).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(&rows[..2], ["acct-adam", "acct-maria"], "{rows:?}");
    let alice = rows[2].clone();
    // Alice signed in by her password (linking Google): one account, nothing different to
    // choose, so no "use a different account".
    assert!(session
        .find_all("#use-different-account")
        .await
        .unwrap()
        .is_empty());
    let current = session
        .find_all("#account-list [aria-current=\"true\"]")
        .await
        .unwrap();
    assert_eq!(current.len(), 1);
    assert!(session.text(&current[0]).await.unwrap().contains("Alice"));
    assert!(session
        .find_all("#account-list input")
        .await
        .unwrap()
        .is_empty());
    for row in &rows {
        assert_reachable(session, &format!("li[data-account=\"{row}\"]")).await;
    }
    assert_reachable(session, "#sign-out").await;
    assert_reachable(session, "#sign-out-all").await;
    session.click_first("#sign-out-all").await.unwrap();
    session
        .wait_for_text("[data-confirming] p", "Sign out all 3 accounts", WAIT)
        .await
        .unwrap();
    assert_reachable(session, "[data-confirm]").await;
    assert_reachable(session, "[data-confirm-cancel]").await;
    session.click_first("[data-confirm-cancel]").await.unwrap();
    assert_reachable(session, "#account-list").await;
    app.save_screenshot("accounts-list-three").await.unwrap();
    session
        .click_first("button[data-switch-to=\"acct-adam\"]")
        .await
        .unwrap();
    wait_for_extension(session, "211").await;
    assert_eq!(account_rows(session).await, rows, "the order moved");
    assert_reachable(session, "#sign-out").await;
    session
        .click_first(&format!("button[data-switch-to=\"{alice}\"]"))
        .await
        .unwrap();
    wait_for_extension(session, "201").await;
    assert_eq!(account_rows(session).await, rows, "the order moved");

    // Signing out Alice asks first, in words; where the pointer rests there is nothing
    // that acts, so a double click signs nobody out. Cancel puts the button back.
    let pointer = center_of(session, "#sign-out").await;
    session.click_first("#sign-out").await.unwrap();
    let question = session
        .wait_for_text("[data-confirming] p", "Sign out ", WAIT)
        .await
        .unwrap();
    let question = session.text(&question).await.unwrap();
    assert!(
        question.contains("Calls to extension 201 stop ringing on this computer"),
        "{question}"
    );
    assert_ne!(button_at(session, pointer).await, "confirm");
    // Keyboard focus is on Cancel too: Enter twice does not sign out either.
    let on_cancel = session
        .execute(
            "return document.activeElement.hasAttribute('data-confirm-cancel');",
            json!([]),
        )
        .await
        .unwrap();
    assert_eq!(on_cancel, json!(true));
    app.save_screenshot("sign-out-asks-first").await.unwrap();
    session.click_first("[data-confirm-cancel]").await.unwrap();
    wait_for_extension(session, "201").await;
    assert_eq!(session.find_all("#sign-out").await.unwrap().len(), 1);

    // Confirmed: the next account shows, and what lands under the pointer signs nobody out.
    session.click_first("#sign-out").await.unwrap();
    let pointer = center_of(session, "[data-confirm]").await;
    session.click_first("[data-confirm]").await.unwrap();
    session
        .wait_for(
            "#ready-extension",
            WAIT,
            |text, _| text.contains("21"),
            "id",
        )
        .await
        .unwrap();
    let under = button_at(session, pointer).await;
    assert_ne!(under, "confirm");
    // Keyboard focus is back on the sign-out button (of the next account: it asks first).
    let deadline = std::time::Instant::now() + WAIT;
    while session.focused_id().await.unwrap() != "sign-out" {
        assert!(std::time::Instant::now() < deadline, "focus was lost");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let next = session.find_all("#ready-extension").await.unwrap();
    let next = session.text(&next[0]).await.unwrap();
    session.click_first("#sign-out").await.unwrap();
    session
        .wait_for_text("[data-confirming] p", "Sign out ", WAIT)
        .await
        .unwrap();
    let still = session.find_all("#ready-extension").await.unwrap();
    assert_eq!(session.text(&still[0]).await.unwrap(), next, "{under}");
    session.click_first("[data-confirm-cancel]").await.unwrap();

    // Sign out of all asks too, then: the sign-in screen, with nobody to go back to.
    session.click_first("#sign-out-all").await.unwrap();
    session
        .wait_for_text(
            "[data-confirming] p",
            "Sign out all 2 accounts on this computer?",
            WAIT,
        )
        .await
        .unwrap();
    app.save_screenshot("sign-out-all-asks-first")
        .await
        .unwrap();
    session.click_first("[data-confirm]").await.unwrap();
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
