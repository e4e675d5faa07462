//! Calls in the app layer over the real portal, the real registrar (Kamailio) and the real
//! call engine (baresip): a signed-in account's line registers through the engine, a far
//! end (another engine) calls it and the window is told who calls on which line; answered,
//! both sides hear each other; declined, the caller hears busy; dialled out, the far end
//! rings; signed out, the line takes no calls.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{ready, world_and_app, App};
use switchboard_client::{Backoff, CallState, CallStatuses, LineConfig, LineStatus};
use switchboard_e2e::phone::{dominant_frequency, received_audio, test_engine_config, Device};
use switchboard_e2e::registrar::TestRegistrar;
use switchboard_phone::EngineEvent;

const WAIT: Duration = Duration::from_secs(20);

/// The app's microphone plays 440 Hz; the far end's 1 kHz.
async fn app_with_calls() -> (
    switchboard_e2e::world::World,
    App,
    TestRegistrar,
    tempfile::TempDir,
) {
    let (world, app) = world_and_app().await;
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let engine_dir = tempfile::tempdir().unwrap();
    app.views
        .start_calls(test_engine_config(engine_dir.path(), 440));
    app.client
        .enable_lines(LineConfig {
            backoff: Backoff {
                first: Duration::from_millis(200),
                max: Duration::from_secs(1),
            },
            ..LineConfig::default()
        })
        .unwrap();
    (world, app, registrar, engine_dir)
}

async fn registered(app: &App, account_id: &str) {
    let mut changes = app.client.line_changes();
    tokio::time::timeout(WAIT, async {
        loop {
            // Registered by the call engine: its calls ring here.
            if matches!(
                changes.borrow_and_update().get(account_id),
                Some(LineStatus::Registered {
                    takes_calls: true,
                    ..
                })
            ) {
                return;
            }
            changes.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| panic!("not registered: {:?}", app.client.line_statuses()));
}

/// The first push of the calls to the window that holds a call.
async fn pushed_calls(app: &App) -> switchboard_desktop::CallsView {
    for _ in 0..200 {
        let pushed = app.platform.calls.lock().unwrap().last().cloned();
        if let Some(pushed) = pushed.filter(|pushed| !pushed.calls.is_empty()) {
            return pushed;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("no call was pushed to the window within 5 s")
}

/// Waits until the calls satisfy `done`.
async fn calls_become(app: &App, done: impl Fn(&CallStatuses) -> bool) -> CallStatuses {
    let mut changes = app.client.call_changes();
    tokio::time::timeout(WAIT, async {
        loop {
            let now = changes.borrow_and_update().clone();
            if done(&now) {
                return now;
            }
            changes.changed().await.unwrap();
        }
    })
    .await
    .unwrap_or_else(|_| {
        panic!(
            "the calls did not change as expected: {:?}",
            app.client.calls()
        )
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_call_to_the_signed_in_line_rings_in_the_window_and_both_sides_talk() {
    let (_world, app, registrar, engine_dir) = app_with_calls().await;
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    registered(&app, &alice.account_id).await;
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);

    let mut far = Device::with_line(1000, &registrar.line("maria").unwrap())
        .await
        .unwrap();
    let outgoing = far
        .engine
        .dial("sip:210@sip.acme.example", "201")
        .await
        .unwrap();
    let ringing = calls_become(&app, |c| !c.calls.is_empty()).await;
    let call = &ringing.calls[0];
    assert_eq!(call.state, CallState::Ringing);
    assert!(call.incoming);
    assert_eq!(call.peer_number, "210");
    assert_eq!(call.peer_name.as_deref(), Some("Maria Manager"));
    assert_eq!(call.account_id, alice.account_id);
    // The window was told (its push follows the change), with who calls in words.
    let shown = pushed_calls(&app).await;
    assert_eq!(shown.calls[0].peer_label, "Maria Manager (210)");
    assert_eq!(shown.calls[0].message, "Incoming call");

    app.client.answer(&call.call_id).await.unwrap();
    calls_become(&app, |c| {
        matches!(
            c.calls.first().map(|c| &c.state),
            Some(CallState::Connected { .. })
        )
    })
    .await;
    far.established(&outgoing).await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    far.engine.hang_up(&outgoing).await.unwrap();
    let ended = calls_become(&app, |c| c.calls.is_empty()).await;
    assert_eq!(ended.last_ended.unwrap().peer_number, "210");

    let heard_here = received_audio(&engine_dir.path().join("audio"));
    assert_eq!(heard_here.len(), 1);
    let here_hz = dominant_frequency(&heard_here[0]).unwrap().unwrap();
    assert!(
        (here_hz - 1000.0).abs() <= 10.0,
        "the app heard {here_hz} Hz"
    );
    let far_hz = dominant_frequency(&far.received_audio()[0])
        .unwrap()
        .unwrap();
    assert!(
        (far_hz - 440.0).abs() <= 10.0,
        "the far end heard {far_hz} Hz"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn declining_gives_the_caller_busy_and_dialling_rings_the_far_end() {
    let (_world, app, registrar, _engine_dir) = app_with_calls().await;
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    registered(&app, &alice.account_id).await;
    let mut far = Device::with_line(1000, &registrar.line("maria").unwrap())
        .await
        .unwrap();

    let outgoing = far
        .engine
        .dial("sip:210@sip.acme.example", "201")
        .await
        .unwrap();
    let ringing = calls_become(&app, |c| !c.calls.is_empty()).await;
    app.client.hang_up(&ringing.calls[0].call_id).await.unwrap();
    let (status, reason) = far.closed(&outgoing).await.unwrap();
    assert_eq!(status, Some(486), "{reason}");

    let call_id = app.client.dial(&alice.account_id, "210").await.unwrap();
    let incoming = far.incoming().await.unwrap();
    assert_eq!(incoming.peer_number(), "201");
    calls_become(&app, |c| {
        c.calls
            .iter()
            .any(|c| c.call_id == call_id && c.state == CallState::RingingThere)
    })
    .await;
    far.engine.answer(&incoming).await.unwrap();
    calls_become(&app, |c| {
        matches!(
            c.calls.first().map(|c| &c.state),
            Some(CallState::Connected { .. })
        )
    })
    .await;
    app.client.send_dtmf(&call_id, "4").await.unwrap();
    let key = far
        .next(|e| matches!(e, EngineEvent::Dtmf { .. }))
        .await
        .unwrap();
    assert!(matches!(key, EngineEvent::Dtmf { key: '4', .. }), "{key:?}");
    app.client.hold(&call_id, true).await.unwrap();
    assert!(app.client.calls().calls[0].on_hold);
    assert_eq!(app.views.calls_view().calls[0].message, "On hold");
    app.client.hang_up(&call_id).await.unwrap();
    far.closed(&incoming).await.unwrap();
    calls_become(&app, |c| c.calls.is_empty()).await;

    // A number nobody has: the window is told in words.
    app.client.dial(&alice.account_id, "299").await.unwrap();
    calls_become(&app, |c| c.calls.is_empty() && c.last_ended.is_some()).await;
    let notice = app.views.calls_view().notice.unwrap();
    assert!(notice.contains("no number 299"), "{notice}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_signed_out_line_takes_no_calls_and_quitting_removes_every_contact() {
    let (_world, app, registrar, _engine_dir) = app_with_calls().await;
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    registered(&app, &alice.account_id).await;
    let (maria, _) = ready(app.sign_in("microsoft", "maria@acme.example").await);
    registered(&app, &maria.account_id).await;
    let mut far = Device::with_line(1000, &registrar.line("adam").unwrap())
        .await
        .unwrap();

    app.client.sign_out(&alice.account_id).await.unwrap();
    let started = std::time::Instant::now();
    while !registrar.contacts("201").unwrap().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "201 still registered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let call = far
        .engine
        .dial("sip:211@sip.acme.example", "201")
        .await
        .unwrap();
    let (status, reason) = far.closed(&call).await.unwrap();
    assert_eq!(status, Some(480), "{reason}");
    // Maria's line still rings here.
    let call = far
        .engine
        .dial("sip:211@sip.acme.example", "210")
        .await
        .unwrap();
    let ringing = calls_become(&app, |c| !c.calls.is_empty()).await;
    assert_eq!(ringing.calls[0].account_id, maria.account_id);
    far.engine.hang_up(&call).await.unwrap();
    calls_become(&app, |c| c.calls.is_empty()).await;

    let quitting = std::time::Instant::now();
    app.views.end_lines().await;
    while !registrar.contacts("210").unwrap().is_empty() {
        assert!(
            quitting.elapsed() < Duration::from_secs(2),
            "210 still registered"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
