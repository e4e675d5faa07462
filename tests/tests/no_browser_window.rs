//! In the real window, on a computer where no browser can be opened (the "browser" exits
//! with an error at once, as xdg-open does with none installed): the waiting screen says so
//! at once, never "in the browser window that opened", and "Copy sign-in link" has focus.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use switchboard_e2e::app::App;
use switchboard_e2e::world::World;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread")]
async fn without_a_browser_the_waiting_screen_says_so_and_focuses_copy_link() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let dir = world.scratch_dir("no-browser").unwrap();
    let browser = dir.join("no-browser.sh");
    let tried = dir.join("tried");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\ntouch '{}'\necho 'xdg-open: no method available for opening' >&2\nexit 3\n",
            tried.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let portal = world.portal.to_string();
    let app = App::launch(&[
        ("SWITCHBOARD_PORTAL_URL", &portal),
        ("SWITCHBOARD_BROWSER", &browser.display().to_string()),
        ("SWITCHBOARD_REDIRECT", "loopback"),
    ])
    .await
    .unwrap();
    let session = &app.session;
    session.wait_until_connected(WAIT).await.unwrap();

    session
        .click_first("button[data-provider=\"google\"]")
        .await
        .unwrap();
    let text = session
        .wait_for_text(
            "#waiting-text",
            "No browser could be opened on this computer.",
            WAIT,
        )
        .await
        .unwrap();
    assert!(tried.exists(), "the app tried to open the browser");
    let said = session.text(&text).await.unwrap();
    assert!(
        said.contains("Copy the sign-in link and open it in a browser."),
        "{said}"
    );
    let page = session
        .execute("return document.body.innerText;", serde_json::json!([]))
        .await
        .unwrap();
    let page = page.as_str().unwrap_or_default();
    assert!(
        !page.contains("browser window that opened"),
        "the screen still speaks of a browser that opened: {page}"
    );
    assert!(!page.contains("Browser didn't open?"), "{page}");
    // The way on has focus: Enter copies the link.
    assert_eq!(session.focused_id().await.unwrap(), "copy-sign-in-link");
    app.save_screenshot("sign-in-no-browser").await.unwrap();

    // Copying works from there (the clipboard, else the link selected in a field).
    session.type_keys("\u{E007}").await.unwrap();
    session
        .wait_for(
            "#copy-feedback",
            WAIT,
            |text, _| text.contains("Link copied") || text.contains("selected below"),
            "id",
        )
        .await
        .unwrap();
    app.quit().await.unwrap();
}
