//! In the real window: "Save to a file" for the recovery codes just shown first says the
//! file holds secrets, then asks where (the save dialog, answered here through
//! SWITCHBOARD_SAVE_DIALOG_ANSWER_FILE: WebDriver cannot reach a native dialog). Cancelling
//! writes nothing and says so calmly; a chosen place gets exactly the codes, readable by the
//! user only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use switchboard_e2e::app::App;
use switchboard_e2e::authenticator;
use switchboard_e2e::world::World;
use switchboard_portal::clock::Clock;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread")]
async fn save_to_a_file_warns_then_writes_where_the_dialog_says() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let dir = world.scratch_dir("save-dialog").unwrap();
    let answer = dir.join("answer");
    let chosen = dir.join("chosen");
    std::fs::create_dir_all(&chosen).unwrap();
    let portal = world.portal.to_string();
    let app = App::launch(&[
        ("SWITCHBOARD_PORTAL_URL", &portal),
        ("SWITCHBOARD_REDIRECT", "scheme"),
        (
            "SWITCHBOARD_SAVE_DIALOG_ANSWER_FILE",
            &answer.display().to_string(),
        ),
    ])
    .await
    .unwrap();
    let session = &app.session;
    session.wait_until_connected(WAIT).await.unwrap();
    session
        .sign_in_with_password("alice", "alice-demo-pass", "201", WAIT)
        .await
        .unwrap();

    // Turn the authenticator on: the recovery codes are shown once.
    session.click_first("#open-security").await.unwrap();
    session
        .wait_for_text("#security-screen", "", WAIT)
        .await
        .unwrap();
    // The settings open with every section closed: open the authenticator's.
    session
        .open_security_section("authenticator", WAIT)
        .await
        .unwrap();
    session
        .click_first("#start-authenticator-setup")
        .await
        .unwrap();
    let qr = session
        .wait_for_text("#authenticator-qr", "", WAIT)
        .await
        .unwrap();
    let uri = session
        .attribute(&qr, "data-otpauth-uri")
        .await
        .unwrap()
        .expect("the QR code names its URI");
    let secret = authenticator::secret_of(&uri).unwrap();
    // Turning it on asks to confirm it's you once, then only the app's code.
    session
        .type_into("#confirm-password", "alice-demo-pass")
        .await
        .unwrap();
    session.click_first("#confirm-identity").await.unwrap();
    session
        .wait_for_text("#confirmed-status", "", WAIT)
        .await
        .unwrap();
    let code = authenticator::code(&secret, world.clock.now());
    session.type_into("#setup-code", &code).await.unwrap();
    session.click_first("#confirm-authenticator").await.unwrap();
    session
        .wait_for_count("#recovery-codes li", 10, WAIT)
        .await
        .unwrap();
    let mut codes = Vec::new();
    for item in session.find_all("#recovery-codes li").await.unwrap() {
        codes.push(session.text(&item).await.unwrap());
    }

    // "Save to a file…": first the warning, with the way on focused; no dialog yet.
    std::fs::write(&answer, "cancel").unwrap();
    session
        .execute(
            "document.querySelector('#save-recovery-codes').click()",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    let warning = session
        .wait_for_text(
            "#save-codes-warning",
            "Keep the file somewhere only you can reach, or print it and delete it.",
            WAIT,
        )
        .await
        .unwrap();
    let warned = session.text(&warning).await.unwrap();
    assert!(warned.contains("This file holds secrets"), "{warned}");
    assert!(
        warned.contains("These codes each sign in once in place of your authenticator."),
        "{warned}"
    );
    assert_eq!(session.focused_id().await.unwrap(), "choose-save-location");
    app.save_screenshot("recovery-codes-save-warns")
        .await
        .unwrap();

    // The dialog cancelled: nothing written, said calmly (not as an error).
    session
        .execute(
            "document.querySelector('#choose-save-location').click()",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    let feedback = session
        .wait_for_text("#recovery-codes-feedback", "Not saved", WAIT)
        .await
        .unwrap();
    let class = session.attribute(&feedback, "class").await.unwrap();
    assert!(
        !class.unwrap_or_default().contains("error"),
        "a cancel is no error"
    );
    assert_eq!(std::fs::read_dir(&chosen).unwrap().count(), 0);
    assert!(session
        .find_all("#save-codes-warning")
        .await
        .unwrap()
        .is_empty());

    // Again, and a place chosen: exactly the codes, readable by the user only.
    let file = chosen.join("alice codes.txt");
    std::fs::write(&answer, file.display().to_string()).unwrap();
    session
        .execute(
            "document.querySelector('#save-recovery-codes').click()",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    session
        .wait_for_text("#save-codes-warning", "holds secrets", WAIT)
        .await
        .unwrap();
    session
        .execute(
            "document.querySelector('#choose-save-location').click()",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    session
        .wait_for_text(
            "#recovery-codes-feedback",
            &format!("Saved to {}", file.display()),
            WAIT,
        )
        .await
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    // A line saying what they are, a blank line, then one code a line.
    let (heading, list) = text.split_once("\n\n").expect("a heading, then the codes");
    assert!(heading.contains("recovery codes for alice"), "{heading}");
    let in_file: Vec<&str> = list.lines().collect();
    assert_eq!(in_file, codes, "the file holds exactly the codes shown");
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    assert_eq!(
        std::fs::read_dir(&chosen).unwrap().count(),
        1,
        "no temporary file left"
    );
    app.quit().await.unwrap();
}
