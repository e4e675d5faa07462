//! In the real window: click "Sign in with Google", play the browser against dev-idp, hand
//! the link to the app the way the OS does (a second app process), see the provisioned
//! phone; restart the app and be signed in without a browser.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use switchboard_e2e::app::App;
use switchboard_e2e::browser::{Browser, RecordingBrowser};
use switchboard_e2e::world::World;

const WAIT: Duration = Duration::from_secs(30);

/// dev-idp and the portal, and the app pointed at them with a recording "browser", showing
/// the connected sign-in screen. `redirect`: the app's SWITCHBOARD_REDIRECT.
async fn start(redirect: &str) -> (World, RecordingBrowser, App) {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let recorder = RecordingBrowser::new(&world.scratch_dir("browser").unwrap()).unwrap();
    let app = App::launch_for(&world, &recorder, redirect).await.unwrap();
    (world, recorder, app)
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_with_google_in_the_window_then_restart_signed_in() {
    // Nobody is remembered yet: the sign-in screen, connected.
    let (world, recorder, app) = start("scheme").await;
    let portal = world.portal.to_string();
    let session = &app.session;
    session
        .click_first("button[data-provider=\"google\"]")
        .await
        .unwrap();
    session
        .wait_for("#waiting-screen", WAIT, |_, _| true, "id")
        .await
        .unwrap();
    app.save_screenshot("waiting-for-browser").await.unwrap();

    // The "browser": the user signs in as Alice at the provider.
    let authorize = recorder.wait_for_url(WAIT).await.unwrap();
    assert!(authorize
        .as_str()
        .starts_with(&format!("{portal}v1/authorize?")));
    let link = Browser::new()
        .sign_in(&authorize, "alice@acme.example", &[])
        .await
        .unwrap();
    assert_eq!(link.scheme(), "example.switchboard.desktop");

    // The OS starts a second app process with the link; it reaches this window.
    app.deliver_link(link.as_str()).unwrap();
    let extension = session
        .wait_for(
            "#ready-extension",
            WAIT,
            |text, _| text.contains("201"),
            "id",
        )
        .await
        .unwrap();
    assert!(session.text(&extension).await.unwrap().contains("201"));
    let name = session.find_all("#ready-name").await.unwrap();
    assert_eq!(session.text(&name[0]).await.unwrap(), "Alice Archer");
    let server = session.find_all("#ready-server").await.unwrap();
    assert!(session
        .text(&server[0])
        .await
        .unwrap()
        .contains("sip.acme.example"));
    app.save_screenshot("ready").await.unwrap();

    // Next launch: signed in again with no browser.
    let opened_before = recorder.opened().len();
    let app = app.restart().await.unwrap();
    app.session
        .wait_for(
            "#ready-extension",
            WAIT,
            |text, _| text.contains("201"),
            "id",
        )
        .await
        .unwrap();
    assert_eq!(
        recorder.opened().len(),
        opened_before,
        "no browser on restore"
    );

    // Sign out (it asks first): back to the sign-in screen, and the next start is signed out.
    app.session.click_first("#sign-out").await.unwrap();
    app.session.click_first("[data-confirm]").await.unwrap();
    app.session.wait_until_connected(WAIT).await.unwrap();
    let app = app.restart().await.unwrap();
    app.session.wait_until_connected(WAIT).await.unwrap();
    assert!(app
        .session
        .find_all("#ready-screen")
        .await
        .unwrap()
        .is_empty());
    app.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_link_changes_nothing_and_cancel_returns_to_sign_in() {
    let (world, recorder, app) = start("scheme").await;
    let session = &app.session;
    session
        .click_first("button[data-provider=\"microsoft\"]")
        .await
        .unwrap();
    session
        .wait_for("#waiting-screen", WAIT, |_, _| true, "id")
        .await
        .unwrap();
    recorder.wait_for_url(WAIT).await.unwrap();

    // A link nobody asked for (a web page trying its luck): ignored.
    app.deliver_link(&format!(
        "example.switchboard.desktop://oauth/callback?code=sbc_forged&state=guess&iss={}",
        world.portal
    ))
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(session.find_all("#waiting-screen").await.unwrap().len(), 1);
    assert!(session.find_all("#ready-screen").await.unwrap().is_empty());

    session.click_first("#cancel-sign-in").await.unwrap();
    session.wait_until_connected(WAIT).await.unwrap();

    // Cancelling at the provider is the user's own choice: said as information, not an error.
    let seen = recorder.opened().len();
    session
        .click_first("button[data-provider=\"google\"]")
        .await
        .unwrap();
    let authorize = recorder.wait_for_new_url(seen, WAIT).await.unwrap();
    let link = Browser::new()
        .sign_in(&authorize, "alice@acme.example", &[("dev_idp_cancel", "1")])
        .await
        .unwrap();
    app.deliver_link(link.as_str()).unwrap();
    let notice = session
        .wait_for(
            "#view-notice",
            WAIT,
            |_, code| code == Some("access_denied"),
            "data-code",
        )
        .await
        .unwrap();
    assert_eq!(
        session.attribute(&notice, "data-kind").await.unwrap(),
        Some("info".into())
    );
    assert_eq!(
        session.attribute(&notice, "role").await.unwrap(),
        Some("status".into())
    );
    assert_eq!(
        session.text(&notice).await.unwrap(),
        "Signing in with Google was cancelled."
    );
    app.save_screenshot("sign-in-cancelled-at-provider")
        .await
        .unwrap();
    app.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_registered_scheme_the_browser_comes_back_over_loopback() {
    let (_world, recorder, app) = start("auto").await;
    let session = &app.session;
    session
        .click_first("button[data-provider=\"apple\"]")
        .await
        .unwrap();
    let authorize = recorder.wait_for_url(WAIT).await.unwrap();
    let link = Browser::new()
        .sign_in(&authorize, "tom@acme.example", &[])
        .await
        .unwrap();
    assert!(link.as_str().starts_with("http://127.0.0.1:"), "{link}");
    // The browser follows the redirect to the app's loopback port.
    let page = reqwest::get(link.clone()).await.unwrap();
    assert!(page.text().await.unwrap().contains("Return to Switchboard"));
    session
        .wait_for(
            "#ready-extension",
            WAIT,
            |text, _| text.contains("220"),
            "id",
        )
        .await
        .unwrap();
    app.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancel_at_the_provider_over_loopback_is_not_called_signing_in() {
    let (_world, recorder, app) = start("auto").await;
    let session = &app.session;
    session
        .click_first("button[data-provider=\"apple\"]")
        .await
        .unwrap();
    let authorize = recorder.wait_for_url(WAIT).await.unwrap();
    let link = Browser::new()
        .sign_in(&authorize, "tom@acme.example", &[("dev_idp_cancel", "1")])
        .await
        .unwrap();
    assert!(link.as_str().starts_with("http://127.0.0.1:"), "{link}");
    // The browser tab says it was cancelled, not that the app finishes signing in.
    let page = reqwest::get(link.clone())
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Sign-in cancelled"), "{page}");
    assert!(!page.contains("finishes signing you in"), "{page}");
    session
        .wait_for(
            "#view-notice",
            WAIT,
            |text, kind| kind == Some("info") && text.contains("cancelled"),
            "data-kind",
        )
        .await
        .unwrap();
    app.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn continue_with_work_email_finds_the_company_provider() {
    let (world, recorder, app) = start("scheme").await;
    let portal = world.portal.to_string();
    let session = &app.session;
    // Acme's own provider is no button for everyone.
    assert!(session
        .find_all("button[data-provider=\"acme-sso\"]")
        .await
        .unwrap()
        .is_empty());

    // A domain nobody set up: said so, and the password is offered with the address filled in.
    session
        .type_into("#work-email", "someone@unknown.example")
        .await
        .unwrap();
    session.click_first("#email-sign-in").await.unwrap();
    session
        .wait_for(
            "#email-notice",
            WAIT,
            |text, _| text.contains("No single sign-on is set up for unknown.example"),
            "id",
        )
        .await
        .unwrap();

    // Acme's domain has three providers: the app lists them, and the chosen one starts with
    // the email as login hint.
    session
        .type_into("#work-email", "tom@acme.example")
        .await
        .unwrap();
    session.click_first("#email-sign-in").await.unwrap();
    session
        .wait_for_count("button[data-email-provider]", 3, WAIT)
        .await
        .unwrap();
    app.save_screenshot("work-email-choices").await.unwrap();
    session
        .click_first("button[data-email-provider=\"acme-sso\"]")
        .await
        .unwrap();
    session
        .wait_for("#waiting-screen", WAIT, |_, _| true, "id")
        .await
        .unwrap();
    let authorize = recorder.wait_for_url(WAIT).await.unwrap();
    assert!(authorize
        .as_str()
        .starts_with(&format!("{portal}v1/authorize?")));
    let query = |key: &str| {
        authorize
            .query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(query("provider").as_deref(), Some("acme-sso"));
    assert_eq!(query("login_hint").as_deref(), Some("tom@acme.example"));
    let link = Browser::new()
        .sign_in(&authorize, "tom@acme.example", &[])
        .await
        .unwrap();
    app.deliver_link(link.as_str()).unwrap();
    session
        .wait_for(
            "#ready-extension",
            WAIT,
            |text, _| text.contains("220"),
            "id",
        )
        .await
        .unwrap();
    app.quit().await.unwrap();
}
