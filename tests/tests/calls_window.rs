//! In the real window, calls: a far end (another call engine) calls the signed-in line and
//! the window shows who calls at once, over the ready screen; Enter answers and both sides
//! hear each other (the app's microphone is a 440 Hz tone, the far end's 1 kHz, both
//! measured in the recorded audio); hanging up in the window ends it at the far end;
//! Escape declines (the caller hears busy); the dial field calls the far end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use switchboard_e2e::app::App;
use switchboard_e2e::browser::RecordingBrowser;
use switchboard_e2e::phone::{dominant_frequency, received_audio, Device};
use switchboard_e2e::registrar::TestRegistrar;
use switchboard_e2e::world::World;

const WAIT: Duration = Duration::from_secs(30);
const ENTER: &str = "\u{E007}";
const ESCAPE: &str = "\u{E00C}";

#[tokio::test(flavor = "multi_thread")]
async fn a_call_rings_in_the_window_is_answered_with_enter_and_both_sides_talk() {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let recorder = RecordingBrowser::new(&world.scratch_dir("browser").unwrap()).unwrap();
    let recordings = world.scratch_dir("app-audio").unwrap();
    let recordings_text = recordings.display().to_string();
    let app = App::launch_for_with(
        &world,
        &recorder,
        "scheme",
        &[
            ("SWITCHBOARD_AUDIO_SOURCE", "ausine,440"),
            ("SWITCHBOARD_AUDIO_PLAYER", "alsa,null"),
            ("SWITCHBOARD_CALL_RECORDING_DIR", &recordings_text),
            ("SWITCHBOARD_SIP_ADDRESS", "127.0.0.1"),
            ("SWITCHBOARD_SIP_TRACE", "1"),
        ],
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

    // Maria calls Alice: the window shows it, who calls, over the ready screen.
    let mut maria = Device::with_line(1000, &registrar.line("maria").unwrap())
        .await
        .unwrap();
    let dialled = Instant::now();
    let outgoing = maria
        .engine
        .dial("sip:210@sip.acme.example", "201")
        .await
        .unwrap();
    session
        .wait_for_count("#calls [data-call-state=\"ringing\"]", 1, WAIT)
        .await
        .unwrap();
    eprintln!(
        "dial to the window's incoming call: {:?}",
        dialled.elapsed()
    );
    session
        .wait_for_text("#calls .peer", "Maria Manager (210)", WAIT)
        .await
        .unwrap();
    assert!(session.find_all("#ready-screen").await.unwrap().len() == 1);
    let answer_focused = session
        .execute(
            "return document.activeElement.classList.contains('answer');",
            serde_json::json!([]),
        )
        .await
        .unwrap();
    assert_eq!(
        answer_focused,
        serde_json::json!(true),
        "Answer has the focus"
    );
    app.save_screenshot("incoming-call").await.unwrap();

    // Enter answers.
    session.type_keys(ENTER).await.unwrap();
    session
        .wait_for_count("#calls [data-call-state=\"connected\"]", 1, WAIT)
        .await
        .unwrap();
    maria.established(&outgoing).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.save_screenshot("in-call").await.unwrap();
    session.click_first("#calls .hang-up").await.unwrap();
    maria.closed(&outgoing).await.unwrap();
    session
        .wait_for_count("#calls .call", 0, WAIT)
        .await
        .unwrap();

    let heard = received_audio(&recordings);
    assert_eq!(heard.len(), 1, "{heard:?}");
    let here_hz = dominant_frequency(&heard[0]).unwrap().unwrap();
    assert!(
        (here_hz - 1000.0).abs() <= 10.0,
        "the app heard {here_hz} Hz"
    );
    let there_hz = dominant_frequency(&maria.received_audio()[0])
        .unwrap()
        .unwrap();
    assert!(
        (there_hz - 440.0).abs() <= 10.0,
        "Maria heard {there_hz} Hz"
    );

    // Escape declines: Maria hears busy.
    let outgoing = maria
        .engine
        .dial("sip:210@sip.acme.example", "201")
        .await
        .unwrap();
    session
        .wait_for_count("#calls [data-call-state=\"ringing\"]", 1, WAIT)
        .await
        .unwrap();
    session.type_keys(ESCAPE).await.unwrap();
    let (status, reason) = maria.closed(&outgoing).await.unwrap();
    assert_eq!(status, Some(486), "{reason}");

    // The dial field calls Maria.
    session.type_into("#dial-number", "210").await.unwrap();
    session.click_first("#dial-button").await.unwrap();
    let incoming = maria.incoming().await.unwrap();
    assert_eq!(incoming.peer_number(), "201");
    maria.engine.answer(&incoming).await.unwrap();
    if let Err(error) = session
        .wait_for_count("#calls [data-call-state=\"connected\"]", 1, WAIT)
        .await
    {
        let calls = session
            .execute(
                "return document.querySelector('#calls').outerHTML;",
                serde_json::json!([]),
            )
            .await;
        panic!(
            "{error}\nthe window's calls: {calls:?}\nthe app's engine:\n{}\nMaria's engine:\n{}",
            app.engine_log(),
            maria.engine.log()
        );
    }
    maria.engine.hang_up(&incoming).await.unwrap();
    session
        .wait_for_count("#calls .call", 0, WAIT)
        .await
        .unwrap();
}
