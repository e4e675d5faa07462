//! In the real window: the security settings list two sessions of one account that used to
//! read alike ("Switchboard on vm" twice), now told apart: the app's own, marked "This
//! computer", and one the command line started earlier, with its device, when and from
//! where it signed in, and when it was last used.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use switchboard_api::{LoginStep, PasswordSignInRequest};
use switchboard_client::{PortalClient, Program};
use switchboard_e2e::app::App;
use switchboard_e2e::browser::RecordingBrowser;
use switchboard_e2e::world::World;
use switchboard_portal::clock::{Clock, SystemClock};

const WAIT: Duration = Duration::from_secs(30);

/// The name the app gives this computer (see `switchboard_client::Switchboard`).
fn this_computer() -> Option<String> {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
}

#[tokio::test(flavor = "multi_thread")]
async fn sessions_say_which_program_on_which_computer_and_mark_this_one() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let recorder = RecordingBrowser::new(&world.scratch_dir("browser").unwrap()).unwrap();

    let app = App::launch_for(&world, &recorder, "scheme").await.unwrap();
    let session = &app.session;
    session
        .sign_in_with_password("alice", "alice-demo-pass", "201", WAIT)
        .await
        .unwrap();

    // Alice also signed in with the command line on "vm", 45 minutes ago, and used it 5
    // minutes ago (the portal's clock is the test's; the window counts from the real time).
    let now = SystemClock.now();
    world.clock.set(now - 45 * 60);
    let cli = PortalClient::for_program(world.portal.clone(), Program::CommandLine).unwrap();
    let on_vm = match cli
        .password_sign_in(&PasswordSignInRequest {
            username: "alice".into(),
            password: "alice-demo-pass".into(),
            device_name: Some("vm".into()),
        })
        .await
        .unwrap()
    {
        LoginStep::SignedIn { session } => session,
        other => panic!("expected SignedIn, got {other:?}"),
    };
    world.clock.set(now - 5 * 60);
    cli.refresh(&on_vm.refresh_token).await.unwrap();
    world.clock.set(now);

    session.click_first("#open-security").await.unwrap();
    session
        .wait_for_text("#security-screen", "", WAIT)
        .await
        .unwrap();
    // The settings open with every section closed: open "Where you're signed in".
    session
        .open_security_section("sessions", WAIT)
        .await
        .unwrap();
    session
        .wait_for_count("#sessions li", 2, WAIT)
        .await
        .unwrap();

    // This computer's session first: the app, on this computer's name, marked as this one,
    // with no "Sign out" of its own.
    let this = session
        .wait_for_text("#sessions li[data-current=\"true\"]", "This computer", WAIT)
        .await
        .unwrap();
    let this_text = session.text(&this).await.unwrap();
    let title = session
        .find_all("#sessions li[data-current=\"true\"] .device")
        .await
        .unwrap();
    let title = session.text(&title[0]).await.unwrap();
    assert!(title.starts_with("Switchboard app on "), "{title}");
    if let Some(name) = this_computer() {
        assert_eq!(title, format!("Switchboard app on {name}"));
    }
    assert!(this_text.contains("from 127.0.0.1"), "{this_text}");
    assert!(session
        .find_all("#sessions li[data-current=\"true\"] button[data-sign-out-session]")
        .await
        .unwrap()
        .is_empty());

    // The command line's session: another program on another computer, when and from
    // where it signed in, and its last use.
    let other = session
        .wait_for_text(
            "#sessions li[data-current=\"false\"]",
            "Command line on vm",
            WAIT,
        )
        .await
        .unwrap();
    let other_text = session.text(&other).await.unwrap();
    assert!(!other_text.contains("This computer"), "{other_text}");
    assert!(other_text.contains("Password"), "{other_text}");
    let when = session
        .find_all("#sessions li[data-current=\"false\"] .when")
        .await
        .unwrap();
    let when = session.text(&when[0]).await.unwrap();
    assert!(when.starts_with("Signed in "), "{when}");
    assert!(when.contains(" from 127.0.0.1"), "{when}");
    assert!(
        when.ends_with("last used 5 minutes ago") || when.ends_with("last used 6 minutes ago"),
        "{when}"
    );
    assert_ne!(title, "Command line on vm");

    session
        .execute(
            "document.querySelector('#sessions-section').scrollIntoView({ block: 'start' });",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    session.wait_for_paint().await.unwrap();
    app.save_screenshot("security-sessions-distinguished")
        .await
        .unwrap();
    app.quit().await.unwrap();
}
