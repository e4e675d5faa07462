//! Calls through the real registrar (Kamailio) between real engines (baresip): ringing
//! with the caller's number, answering, two-way audio measured, declining, forking to
//! every device of an extension, DTMF, hold, and the line's end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{dominant_frequency, Device, Registrar};
use switchboard_phone::{Direction, EngineEvent};

#[tokio::test]
async fn a_call_rings_with_the_callers_number_and_both_sides_hear_each_other() {
    let registrar = Registrar::start();
    // The far end plays 1 kHz, this side 440 Hz.
    let mut far = Device::with_line(1000, &registrar.line("201")).await;
    let mut here = Device::with_line(440, &registrar.line("210")).await;

    let dialled = Instant::now();
    let outgoing = far
        .engine
        .dial("sip:201@sip.acme.example", "210")
        .await
        .unwrap();
    let incoming = here.incoming().await;
    eprintln!("dial to incoming-call event: {:?}", dialled.elapsed());
    assert_eq!(incoming.peer_number(), "201");
    assert_eq!(incoming.peer_name.as_deref(), Some("Line 201"));
    assert_eq!(incoming.line, "sip:210@sip.acme.example");
    assert_eq!(incoming.direction, Direction::Incoming);
    assert_eq!(outgoing.direction, Direction::Outgoing);
    far.next(|e| matches!(e, EngineEvent::Ringing(_))).await;

    here.engine.answer(&incoming).await.unwrap();
    here.established(&incoming).await;
    far.established(&outgoing).await;
    // Two seconds of conversation.
    tokio::time::sleep(Duration::from_secs(2)).await;
    here.engine.hang_up(&incoming).await.unwrap();
    here.closed(&incoming).await;
    far.closed(&outgoing).await;

    let heard_here = here.received_audio();
    let heard_far = far.received_audio();
    assert_eq!(heard_here.len(), 1, "one recording of the call here");
    assert_eq!(
        heard_far.len(),
        1,
        "one recording of the call at the far end"
    );
    let here_hz = dominant_frequency(&heard_here[0]).expect("a second of audio here");
    let far_hz = dominant_frequency(&heard_far[0]).expect("a second of audio there");
    eprintln!("heard here {here_hz} Hz, at the far end {far_hz} Hz");
    assert!(
        (here_hz - 1000.0).abs() <= 10.0,
        "this side heard {here_hz} Hz"
    );
    assert!(
        (far_hz - 440.0).abs() <= 10.0,
        "the far end heard {far_hz} Hz"
    );
}

#[tokio::test]
async fn the_far_end_hanging_up_ends_the_call_on_both_sides() {
    let registrar = Registrar::start();
    let mut far = Device::with_line(1000, &registrar.line("201")).await;
    let mut here = Device::with_line(440, &registrar.line("210")).await;
    let outgoing = here
        .engine
        .dial("sip:210@sip.acme.example", "201")
        .await
        .unwrap();
    let incoming = far.incoming().await;
    assert_eq!(incoming.peer_number(), "210");
    far.engine.answer(&incoming).await.unwrap();
    here.established(&outgoing).await;
    far.engine.hang_up(&incoming).await.unwrap();
    here.closed(&outgoing).await;
    far.closed(&incoming).await;
}

#[tokio::test]
async fn declining_answers_the_caller_486() {
    let registrar = Registrar::start();
    let mut far = Device::with_line(1000, &registrar.line("201")).await;
    let mut here = Device::with_line(440, &registrar.line("210")).await;
    let outgoing = far
        .engine
        .dial("sip:201@sip.acme.example", "210")
        .await
        .unwrap();
    let incoming = here.incoming().await;
    here.engine.hang_up(&incoming).await.unwrap();
    let (status, reason) = far.closed(&outgoing).await;
    assert_eq!(status, Some(486), "{reason}");
}

#[tokio::test]
async fn nobody_registered_is_480_and_an_unknown_extension_404() {
    let registrar = Registrar::start();
    let mut caller = Device::with_line(1000, &registrar.line("201")).await;
    let call = caller
        .engine
        .dial("sip:201@sip.acme.example", "212")
        .await
        .unwrap();
    let (status, reason) = caller.closed(&call).await;
    assert_eq!(status, Some(480), "{reason}");
    let call = caller
        .engine
        .dial("sip:201@sip.acme.example", "299")
        .await
        .unwrap();
    let (status, reason) = caller.closed(&call).await;
    assert_eq!(status, Some(404), "{reason}");
}

#[tokio::test]
async fn every_device_of_the_extension_rings_and_the_one_not_answering_stops() {
    let registrar = Registrar::start();
    let mut caller = Device::with_line(1000, &registrar.line("201")).await;
    let mut desk = Device::with_line(440, &registrar.line("210")).await;
    let mut laptop = Device::with_line(550, &registrar.line("210")).await;
    assert_eq!(registrar.contacts("210").len(), 2, "two devices registered");

    let outgoing = caller
        .engine
        .dial("sip:201@sip.acme.example", "210")
        .await
        .unwrap();
    let on_desk = desk.incoming().await;
    let on_laptop = laptop.incoming().await;
    laptop.engine.answer(&on_laptop).await.unwrap();
    caller.established(&outgoing).await;
    // The desk stops ringing: the registrar cancels its branch.
    desk.closed(&on_desk).await;
    caller.engine.hang_up(&outgoing).await.unwrap();
    laptop.closed(&on_laptop).await;
}

#[tokio::test]
async fn dtmf_keys_arrive_as_sent() {
    let registrar = Registrar::start();
    let mut caller = Device::with_line(1000, &registrar.line("201")).await;
    let mut callee = Device::with_line(440, &registrar.line("210")).await;
    let outgoing = caller
        .engine
        .dial("sip:201@sip.acme.example", "210")
        .await
        .unwrap();
    let incoming = callee.incoming().await;
    callee.engine.answer(&incoming).await.unwrap();
    caller.established(&outgoing).await;
    callee.established(&incoming).await;

    let mut received = String::new();
    for key in ['1', '2', '9', '#', '*'] {
        caller
            .engine
            .send_dtmf(&outgoing, &key.to_string())
            .await
            .unwrap();
        match callee.next(|e| matches!(e, EngineEvent::Dtmf { .. })).await {
            EngineEvent::Dtmf { key, .. } => received.push(key),
            _ => unreachable!(),
        }
    }
    assert_eq!(received, "129#*");
    assert!(caller.engine.send_dtmf(&outgoing, "1;x").await.is_err());
    caller.engine.hang_up(&outgoing).await.unwrap();
}

#[tokio::test]
async fn hold_sends_sendonly_and_resume_sendrecv() {
    let registrar = Registrar::start();
    let mut caller = Device::with_line(1000, &registrar.line("201")).await;
    let mut callee = Device::with_line(440, &registrar.line("210")).await;
    let outgoing = caller
        .engine
        .dial("sip:201@sip.acme.example", "210")
        .await
        .unwrap();
    let incoming = callee.incoming().await;
    callee.engine.answer(&incoming).await.unwrap();
    caller.established(&outgoing).await;
    let before = callee.engine.log().matches("a=sendonly").count();

    caller.engine.hold(&outgoing, true).await.unwrap();
    wait_until(|| callee.engine.log().matches("a=sendonly").count() > before).await;
    let held = callee.engine.log().matches("a=sendrecv").count();
    caller.engine.hold(&outgoing, false).await.unwrap();
    wait_until(|| callee.engine.log().matches("a=sendrecv").count() > held).await;
    caller.engine.set_muted(&outgoing, true).await.unwrap();
    caller.engine.set_muted(&outgoing, false).await.unwrap();
    caller.engine.hang_up(&outgoing).await.unwrap();
    callee.closed(&incoming).await;
}

#[tokio::test]
async fn a_line_cannot_register_with_another_lines_credentials() {
    let registrar = Registrar::start();
    let mut device = Device::start(440).await;
    let mut line = registrar.line("210");
    let own = registrar.line("201");
    line.auth_user = own.auth_user;
    line.password = own.password;
    device.engine.add_line(&line).await.unwrap();
    let failed = device
        .next(|e| matches!(e, EngineEvent::RegisterFailed { .. }))
        .await;
    assert!(
        matches!(
            failed,
            EngineEvent::RegisterFailed {
                status: Some(403),
                ..
            }
        ),
        "{failed:?}"
    );
    assert!(registrar.contacts("210").is_empty());
}

#[tokio::test]
async fn quitting_removes_the_contact_and_no_file_holds_the_password() {
    let registrar = Registrar::start();
    let line = registrar.line("201");
    let device = Device::with_line(440, &line).await;
    assert_eq!(registrar.contacts("201").len(), 1);
    let engine_dir = device.dir.clone();
    let quit = Instant::now();
    device.engine.quit().await;
    wait_until(|| registrar.contacts("201").is_empty()).await;
    assert!(
        quit.elapsed() < Duration::from_secs(2),
        "took {:?}",
        quit.elapsed()
    );
    for entry in walk(&engine_dir) {
        let text = std::fs::read(&entry).unwrap_or_default();
        let text = String::from_utf8_lossy(&text);
        assert!(
            !text.contains(&line.password),
            "{} holds the SIP password",
            entry.display()
        );
    }
}

#[tokio::test]
async fn removing_a_line_unregisters_it_and_the_others_stay() {
    let registrar = Registrar::start();
    let mut device = Device::with_line(440, &registrar.line("201")).await;
    let second = registrar.line("210");
    let aor = device.engine.add_line(&second).await.unwrap();
    device
        .next(|e| matches!(e, EngineEvent::Registered { line } if *line == aor))
        .await;
    assert_eq!(registrar.contacts("210").len(), 1);
    device.engine.remove_line(&aor).await.unwrap();
    wait_until(|| registrar.contacts("210").is_empty()).await;
    assert_eq!(registrar.contacts("201").len(), 1);
}

async fn wait_until(mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "not within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
    }
    files
}
