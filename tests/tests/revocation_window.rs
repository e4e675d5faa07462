//! In the real window: an administrator signs the account out on the portal, and within
//! seconds the window says so in words and shows the sign-in screen, while the registrar
//! (Kamailio reading the portal's database) no longer holds the line's contact.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use switchboard_e2e::app::App;
use switchboard_e2e::browser::RecordingBrowser;
use switchboard_e2e::registrar::TestRegistrar;
use switchboard_e2e::world::World;

const WAIT: Duration = Duration::from_secs(30);
const WITHIN: Duration = Duration::from_secs(5);

#[tokio::test(flavor = "multi_thread")]
async fn an_administrators_sign_out_shows_in_the_window_at_once_and_takes_the_line() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let recorder = RecordingBrowser::new(&world.scratch_dir("browser").unwrap()).unwrap();
    let app = App::launch_for_with(
        &world,
        &recorder,
        "scheme",
        &[("SWITCHBOARD_SIP_ADDRESS", "127.0.0.1")],
    )
    .await
    .unwrap();
    let session = &app.session;
    session
        .sign_in_with_password("alice", "alice-demo-pass", "201", WAIT)
        .await
        .unwrap();
    session
        .wait_for_count("#ready-line[data-line-state=\"registered\"]", 1, WAIT)
        .await
        .unwrap();
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);

    let started = Instant::now();
    world
        .admin()
        .await
        .unwrap()
        .account_sign_out("alice")
        .await
        .unwrap();
    session
        .wait_for_text(
            "#view-notice",
            "An administrator signed you out of Alice Archer on this computer.",
            WITHIN,
        )
        .await
        .unwrap();
    eprintln!(
        "admin sign-out to the window saying so: {:?}",
        started.elapsed()
    );
    session
        .wait_for_count("#ready-screen", 0, WITHIN)
        .await
        .unwrap();
    while !registrar.contacts("201").unwrap().is_empty() {
        assert!(
            started.elapsed() < WITHIN,
            "the contact outlived the sign-out"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
