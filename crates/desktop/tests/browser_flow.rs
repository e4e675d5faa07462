//! The browser sign-in as the window drives it, over the loopback redirect: the page opened,
//! the link coming back on the port, the view pushed to the window; and the port closing
//! with its sign-in, which the core alone keeps track of.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::*;
use switchboard_client::RedirectMode;
use switchboard_desktop::commands;
use switchboard_desktop::{AppView, ErrorCode};
use switchboard_e2e::browser::Browser;
use url::Url;

fn redirect_of(authorize_url: &str) -> Url {
    let url: Url = authorize_url.parse().unwrap();
    let redirect = url
        .query_pairs()
        .find(|(key, _)| key == "redirect_uri")
        .map(|(_, value)| value.into_owned())
        .unwrap();
    redirect.parse().unwrap()
}

async fn waiting_for_browser(app: &App) -> String {
    match commands::start_sign_in(&app.views, "google".into(), None).await {
        AppView::WaitingForBrowser { authorize_url, .. } => authorize_url,
        other => panic!("expected the waiting screen, got {other:?}"),
    }
}

async fn shown(app: &App) -> Vec<AppView> {
    for _ in 0..100 {
        let shown = app.platform.shown.lock().unwrap().clone();
        if !shown.is_empty() {
            return shown;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Vec::new()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_loopback_sign_in_opens_the_browser_and_the_link_on_the_port_shows_the_account() {
    let world = switchboard_e2e::world::World::start("127.0.0.1:0")
        .await
        .unwrap();
    let app = App::open_with(
        &world,
        world.scratch_dir("app-data").unwrap(),
        RedirectMode::Loopback,
    );
    let authorize_url = waiting_for_browser(&app).await;
    assert_eq!(
        app.platform.opened.lock().unwrap().as_slice(),
        [authorize_url.parse::<Url>().unwrap()],
        "the browser is opened at the page the waiting screen offers to copy"
    );
    let redirect = redirect_of(&authorize_url);
    assert_eq!(redirect.host_str(), Some("127.0.0.1"));

    let link = Browser::new()
        .sign_in(&authorize_url.parse().unwrap(), "alice@acme.example", &[])
        .await
        .unwrap();
    assert!(link.as_str().starts_with(redirect.as_str()), "{link}");
    // The browser follows the redirect to the port.
    let page = reqwest::get(link.as_str()).await.unwrap();
    assert!(page.status().is_success());

    let shown = shown(&app).await;
    assert!(
        matches!(shown.as_slice(), [AppView::Ready { account, .. }] if account.username == "alice"),
        "{shown:?}"
    );
    app.client.sign_out("acct-alice").await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_browser_the_waiting_screen_says_so_and_the_link_still_signs_in() {
    let world = switchboard_e2e::world::World::start("127.0.0.1:0")
        .await
        .unwrap();
    let app = App::open_with(
        &world,
        world.scratch_dir("app-data").unwrap(),
        RedirectMode::Loopback,
    );
    app.platform
        .no_browser
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let (authorize_url, browser_opened) =
        match commands::start_sign_in(&app.views, "google".into(), None).await {
            AppView::WaitingForBrowser {
                authorize_url,
                browser_opened,
                ..
            } => (authorize_url, browser_opened),
            other => panic!("expected the waiting screen, got {other:?}"),
        };
    assert!(
        !browser_opened,
        "the screen must not speak of a browser that opened"
    );
    assert!(app.platform.opened.lock().unwrap().is_empty());

    // The copied link, opened in a browser elsewhere, still finishes the sign-in.
    let link = Browser::new()
        .sign_in(&authorize_url.parse().unwrap(), "alice@acme.example", &[])
        .await
        .unwrap();
    assert!(reqwest::get(link.as_str())
        .await
        .unwrap()
        .status()
        .is_success());
    let shown = shown(&app).await;
    assert!(
        matches!(shown.as_slice(), [AppView::Ready { account, .. }] if account.username == "alice"),
        "{shown:?}"
    );
    app.client.sign_out("acct-alice").await.unwrap();
}

#[test]
fn a_browser_program_that_fails_or_is_missing_is_no_browser() {
    use switchboard_desktop::Browser as _;
    use switchboard_frontend::browser_flow::ProgramBrowser;
    let dir = tempfile::tempdir().unwrap();
    let script = |name: &str, body: &str| {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        ProgramBrowser(path)
    };
    let url: Url = "https://portal.example/authorize".parse().unwrap();
    assert!(script("fails.sh", "exit 1").open(&url).is_err());
    assert!(ProgramBrowser(dir.path().join("missing"))
        .open(&url)
        .is_err());
    assert!(script("opens.sh", "exit 0").open(&url).is_ok());
    // A browser that keeps running (the first window of one) opened.
    assert!(script("runs.sh", "exec sleep 1 >/dev/null 2>&1")
        .open(&url)
        .is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_a_loopback_sign_in_closes_its_port_and_the_page_then_opens_nothing() {
    let world = switchboard_e2e::world::World::start("127.0.0.1:0")
        .await
        .unwrap();
    let app = App::open_with(
        &world,
        world.scratch_dir("app-data").unwrap(),
        RedirectMode::Loopback,
    );
    let authorize_url = waiting_for_browser(&app).await;
    let redirect = redirect_of(&authorize_url);
    let port = redirect.port().unwrap();
    assert!(tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok());

    assert!(matches!(
        commands::cancel_sign_in(&app.views).await,
        AppView::SignIn { notice: None, .. }
    ));
    let mut closed = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(closed, "the loopback port stays open after Cancel");
    assert!(app.platform.shown.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_damaged_accounts_file_is_said_once_on_start_with_what_to_do() {
    let (_world, app) = world_and_app().await;
    ready(app.sign_in("google", "alice@acme.example").await);
    let accounts = walk(&app.data_dir)
        .into_iter()
        .find(|path| path.ends_with("accounts.json"))
        .unwrap();
    std::fs::write(&accounts, b"{\"current\": ").unwrap();

    let restarted = app.restart();
    match restarted.views.restore_view().await {
        AppView::SignIn {
            notice: Some(notice),
            back_to: None,
        } => {
            assert_eq!(notice.code, Some(ErrorCode::DataFileDamaged));
            assert!(
                notice.message.contains("Sign in again"),
                "{}",
                notice.message
            );
        }
        other => panic!("expected the sign-in screen saying so, got {other:?}"),
    }
    // Said once: the file was set aside, nothing else was deleted.
    assert!(accounts.with_extension("json.damaged").exists());
    assert!(matches!(
        restarted.views.restore_view().await,
        AppView::SignIn { notice: None, .. }
    ));
    app.client.sign_out("acct-alice").await.ok();
}
