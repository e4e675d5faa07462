//! The real app window: the sign-in screen, its provider buttons and the portal status,
//! and the wait after too many wrong passwords, read through WebDriver from the running app.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use switchboard_api::PasswordSignInRequest;
use switchboard_e2e::app::App;
use switchboard_e2e::browser::RecordingBrowser;
use switchboard_e2e::portal_config::{test_portal_config, unreachable_provider};
use switchboard_e2e::webdriver::Session;
use switchboard_e2e::world::World;
use switchboard_portal::config::PortalConfig;
use switchboard_portal::Portal;

const WAIT: Duration = Duration::from_secs(30);

/// `count` wrong passwords for alice from this address, straight to the portal, the portal's
/// clock moved on `between` seconds after each.
async fn wrong_passwords(world: &World, count: usize, between: i64) {
    let portal = switchboard_client::PortalClient::new(world.portal.clone()).unwrap();
    for _ in 0..count {
        let wrong = portal
            .password_sign_in(&PasswordSignInRequest {
                username: "alice".into(),
                password: "not her password".into(),
                device_name: None,
            })
            .await;
        assert!(wrong.is_err());
        world.clock.advance(between);
    }
}

fn portal_config(dir: &std::path::Path, listen: &str) -> PortalConfig {
    let mut config = test_portal_config(dir).unwrap();
    config.name = "E2E Phones".into();
    config.listen = listen.parse().unwrap();
    config.providers = vec![unreachable_provider("http://127.0.0.1:9/acme-sso").unwrap()];
    config
}

async fn serve(portal: Portal) -> tokio::sync::oneshot::Sender<()> {
    serve_until_stopped(portal).await.0
}

/// Serves the portal; sending on the first stops it, the second ends once it stopped.
async fn serve_until_stopped(
    portal: Portal,
) -> (
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<()>,
) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let _ = portal
            .serve(async {
                let _ = stopped.await;
            })
            .await;
    });
    (stop, task)
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_screen_shows_providers_and_the_connected_portal() {
    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::bind(&portal_config(dir.path(), "127.0.0.1:0"))
        .await
        .unwrap();
    let portal_url = portal.url().to_string();
    let listen = format!(
        "127.0.0.1:{}",
        portal.url().port().expect("the portal's port")
    );
    let (stop, serving) = serve_until_stopped(portal).await;

    let app = App::launch(&[("SWITCHBOARD_PORTAL_URL", &portal_url)])
        .await
        .unwrap();
    let session = &app.session;

    let status = session
        .wait_for(
            "#portal-status",
            WAIT,
            |_, state| state == Some("reachable"),
            "data-state",
        )
        .await
        .unwrap();
    assert_eq!(
        session.text(&status).await.unwrap(),
        "Connected to E2E Phones"
    );

    let mut providers = Vec::new();
    for button in session.find_all("button[data-provider]").await.unwrap() {
        let id = session
            .attribute(&button, "data-provider")
            .await
            .unwrap()
            .unwrap();
        let label = session.text(&button).await.unwrap();
        providers.push((id, label));
    }
    let ids: Vec<&str> = providers.iter().map(|(id, _)| id.as_str()).collect();
    // The company's own provider is no button for everyone: its users find it by their
    // work email.
    assert_eq!(ids, ["google", "microsoft", "apple"], "{providers:?}");
    assert_eq!(session.find_all("#work-email").await.unwrap().len(), 1);
    assert_eq!(session.find_all("#email-sign-in").await.unwrap().len(), 1);
    assert!(
        providers
            .iter()
            .any(|(_, label)| label == "Sign in with Google"),
        "{providers:?}"
    );

    assert_eq!(session.find_all("#username").await.unwrap().len(), 1);
    assert_eq!(session.find_all("#password").await.unwrap().len(), 1);
    let url = session.find_all("#portal-url").await.unwrap();
    assert!(session.text(&url[0]).await.unwrap().contains(&portal_url));

    let shot = app.save_screenshot("sign-in-connected").await.unwrap();
    eprintln!("screenshot: {}", shot.display());

    // The portal goes away. The screen still says "Connected" (nothing asked it since), but
    // the next request's outcome turns the status line: one answer, with Retry beside it.
    let _ = stop.send(());
    tokio::time::timeout(WAIT, serving).await.unwrap().unwrap();
    session.type_into("#username", "alice").await.unwrap();
    session
        .type_into("#password", "any password")
        .await
        .unwrap();
    session.click_first("#password-sign-in").await.unwrap();
    let status = session
        .wait_for(
            "#portal-status",
            WAIT,
            |_, state| state == Some("unreachable"),
            "data-state",
        )
        .await
        .unwrap();
    let text = session.text(&status).await.unwrap();
    assert!(text.starts_with("Can't reach the portal"), "{text}");
    let page = session
        .execute(
            "return document.querySelector('main').innerText;",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    let page = page.as_str().unwrap_or_default();
    assert!(!page.contains("Connected to"), "{page}");
    assert_eq!(
        page.matches("Can't reach the portal").count(),
        1,
        "said once, by the status line: {page}"
    );
    assert_eq!(session.find_all("#retry-portal").await.unwrap().len(), 1);
    session
        .wait_for_text("#portal-recheck", "Checking again", WAIT)
        .await
        .unwrap();
    session
        .execute(
            "document.querySelector('#portal-status').scrollIntoView({ block: 'center' });",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    app.save_screenshot("sign-in-portal-went-away")
        .await
        .unwrap();

    // Back on the same address: the status line notices by itself (the backoff's next check),
    // without a click on Retry.
    let portal = Portal::bind(&portal_config(dir.path(), &listen))
        .await
        .unwrap();
    let (stop, _serving) = serve_until_stopped(portal).await;
    let status = session
        .wait_for(
            "#portal-status",
            WAIT,
            |_, state| state == Some("reachable"),
            "data-state",
        )
        .await
        .unwrap();
    assert_eq!(
        session.text(&status).await.unwrap(),
        "Connected to E2E Phones"
    );
    assert!(session.find_all("#retry-portal").await.unwrap().is_empty());
    app.quit().await.unwrap();
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_portal_is_explained_and_retry_reconnects() {
    // A port nothing listens on yet; the portal starts there after the app gave up.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let portal_url = format!("http://127.0.0.1:{port}/");

    let app = App::launch(&[("SWITCHBOARD_PORTAL_URL", &portal_url)])
        .await
        .unwrap();
    let session = &app.session;

    let status = session
        .wait_for(
            "#portal-status",
            WAIT,
            |_, state| state == Some("unreachable"),
            "data-state",
        )
        .await
        .unwrap();
    let text = session.text(&status).await.unwrap();
    assert!(text.contains("Can't reach the portal"), "{text}");
    assert!(text.contains("Check your network connection"), "{text}");
    // The provider buttons stay, so the user sees what they will be able to do.
    assert!(
        session
            .find_all("button[data-provider]")
            .await
            .unwrap()
            .len()
            >= 3
    );
    app.save_screenshot("sign-in-unreachable").await.unwrap();

    // The window checks again by itself after 2 s, then 4, then 8. Wait for the 8-second wait
    // so that Retry, not the backoff, is what finds the portal once it is back.
    session
        .wait_for(
            "#portal-recheck",
            WAIT,
            |text, _| text.contains("in 8 s") || text.contains("in 7 s"),
            "id",
        )
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let portal = Portal::bind(&portal_config(dir.path(), &format!("127.0.0.1:{port}")))
        .await
        .unwrap();
    let stop = serve(portal).await;

    // Clicked in the page, in one step: the button cannot go stale between finding and clicking.
    let clicked = session
        .execute(
            "const retry = document.querySelector('#retry-portal'); \
             if (retry) retry.click(); return retry !== null;",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    assert_eq!(clicked, serde_json::json!(true), "no Retry button");
    let status = session
        .wait_for(
            "#portal-status",
            WAIT,
            |_, state| state == Some("reachable"),
            "data-state",
        )
        .await
        .unwrap();
    assert_eq!(
        session.text(&status).await.unwrap(),
        "Connected to E2E Phones"
    );

    app.quit().await.unwrap();
    let _ = stop.send(());
}

#[tokio::test(flavor = "multi_thread")]
async fn too_many_wrong_passwords_count_down_and_hold_sign_in() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let recorder = RecordingBrowser::new(&world.scratch_dir("browser").unwrap()).unwrap();
    // Nine wrong passwords from this address already, each after the backoff of the one
    // before (the portal locks the address for 15 minutes at the tenth).
    wrong_passwords(&world, 9, 61).await;

    let app = App::launch_for(&world, &recorder, "scheme").await.unwrap();
    let session = &app.session;
    session.type_into("#username", "alice").await.unwrap();
    session
        .type_into("#password", "still not her password")
        .await
        .unwrap();
    session.click_first("#password-sign-in").await.unwrap();
    let notice = session
        .wait_for(
            "#view-notice",
            WAIT,
            |_, waiting| waiting == Some("true"),
            "data-waiting",
        )
        .await
        .unwrap();
    assert_eq!(
        session.attribute(&notice, "data-code").await.unwrap(),
        Some("too_many_attempts".into())
    );
    // One message, counting down live; Sign in is held meanwhile.
    let first = session
        .wait_for_text(
            "#wait-countdown",
            "Too many wrong attempts. Try again in ",
            WAIT,
        )
        .await
        .unwrap();
    let before = session.text(&first).await.unwrap();
    assert!(
        before.ends_with("Try again in 15:00.") || before.ends_with("14:59."),
        "{before}"
    );
    assert!(!session.is_enabled("#password-sign-in").await.unwrap());
    session
        .wait_for(
            "#wait-countdown",
            WAIT,
            |text, _| !text.is_empty() && text != before,
            "id",
        )
        .await
        .unwrap();
    let sign_in_notice = session.find_all("#sign-in-notice").await.unwrap();
    assert_eq!(session.text(&sign_in_notice[0]).await.unwrap(), "");
    // Enter in the password field sends nothing while the wait runs.
    session
        .type_into("#password", "alice-demo-pass\u{E007}")
        .await
        .unwrap();
    session.wait_for_paint().await.unwrap();
    assert!(session.find_all("#ready-screen").await.unwrap().is_empty());
    assert!(!session.is_enabled("#password-sign-in").await.unwrap());
    let countdown = session.find_all("#wait-countdown").await.unwrap();
    assert!(session
        .text(&countdown[0])
        .await
        .unwrap()
        .starts_with("Too many wrong attempts. Try again in "));
    // The held button in view, for the screenshot.
    session
        .execute(
            "document.querySelector('#password-sign-in').scrollIntoView({ block: 'end' });",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    app.save_screenshot("sign-in-wait-counts-down")
        .await
        .unwrap();
    app.quit().await.unwrap();
}

/// Records every state of the notice and the Sign in button as it changes (a wait of one
/// second would slip between two looks), as `code|waiting|text|button disabled`.
const RECORD_NOTICES: &str = r#"
window.__notices = [];
const record = () => {
  const notice = document.querySelector('#view-notice');
  const countdown = document.querySelector('#wait-countdown');
  const button = document.querySelector('#password-sign-in');
  const entry = notice
    ? [
        notice.getAttribute('data-code'),
        notice.getAttribute('data-waiting'),
        (countdown ?? notice).textContent.trim(),
        button ? String(button.disabled) : '',
      ].join('|')
    : 'none';
  if (window.__notices[window.__notices.length - 1] !== entry) window.__notices.push(entry);
};
new MutationObserver(record).observe(document.body, {
  subtree: true,
  childList: true,
  characterData: true,
  attributes: true,
});
record();
"#;

async fn recorded_notices(session: &Session) -> Vec<String> {
    let value = session
        .execute("return window.__notices;", serde_json::json!([]))
        .await
        .unwrap();
    serde_json::from_value(value).unwrap()
}

/// Waits until a state after the first `from` recorded ones is `entry`; answers its index.
async fn wait_for_recorded(session: &Session, from: usize, entry: &str) -> usize {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let seen = recorded_notices(session).await;
        if let Some(at) = seen.iter().skip(from).position(|seen| seen == entry) {
            return from + at;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no {entry:?} after the first {from} of {seen:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_that_starts_a_wait_counts_it_down_at_once_and_never_alternates() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let recorder = RecordingBrowser::new(&world.scratch_dir("browser").unwrap()).unwrap();
    // Two wrong passwords from this address already: the next one starts the backoff.
    wrong_passwords(&world, 2, 0).await;

    let app = App::launch_for(&world, &recorder, "scheme").await.unwrap();
    let session = &app.session;
    session.wait_until_connected(WAIT).await.unwrap();
    session
        .execute(RECORD_NOTICES, serde_json::json!([]))
        .await
        .unwrap();
    session.type_into("#username", "alice").await.unwrap();

    // The third to sixth wrong passwords: each answer says the wait it started (1, 2, 4,
    // 8 s); the notice counts it down at once with Sign in held, then says it is over.
    let mut from = recorded_notices(session).await.len();
    for wait in [1, 2, 4, 8] {
        session
            .type_into("#password", "still not her password")
            .await
            .unwrap();
        session.click_first("#password-sign-in").await.unwrap();
        let counting = format!(
            "invalid_credentials|true|The username or password is wrong. Try again in 0:0{wait}.|true"
        );
        let at = wait_for_recorded(session, from, &counting).await;
        if wait == 8 {
            // Within the wait, Enter in the password field sends nothing (the portal would
            // refuse it as "too many", and the message would change).
            assert!(!session.is_enabled("#password-sign-in").await.unwrap());
            session
                .type_into("#password", "alice-demo-pass\u{E007}")
                .await
                .unwrap();
            session.wait_for_paint().await.unwrap();
            assert!(session.find_all("#ready-screen").await.unwrap().is_empty());
            let countdown = session.find_all("#wait-countdown").await.unwrap();
            let text = session.text(&countdown[0]).await.unwrap();
            assert!(
                text.starts_with("The username or password is wrong. Try again in 0:0"),
                "{text}"
            );
            // The held button in view, for the screenshot.
            session
                .execute(
                    "document.querySelector('#password-sign-in').scrollIntoView({ block: 'end' });",
                    serde_json::json!([]),
                )
                .await
                .unwrap();
            app.save_screenshot("sign-in-wrong-password-waits")
                .await
                .unwrap();
        }
        let over = wait_for_recorded(
            session,
            at,
            "invalid_credentials|false|You can try again now.|false",
        )
        .await;
        from = over + 1;
        // The portal's clock is the test's: the wait passes there too.
        world.clock.advance(wait);
    }

    // One message the whole time: never "too many", and never a wait with Sign in usable.
    let seen = recorded_notices(session).await;
    assert!(
        seen.iter()
            .all(|entry| !entry.contains("too_many_attempts")),
        "{seen:#?}"
    );
    assert!(
        seen.iter()
            .filter(|entry| entry.contains("|true|"))
            .all(|entry| entry.ends_with("|true")),
        "{seen:#?}"
    );

    // After the wait the right password signs in.
    session
        .sign_in_with_password("alice", "alice-demo-pass", "201", WAIT)
        .await
        .unwrap();
    app.quit().await.unwrap();
}
