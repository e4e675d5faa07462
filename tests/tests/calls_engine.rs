//! Calls through the real registrar (Kamailio) between real engines (baresip): ringing
//! with the caller's number, answering, two-way audio measured, declining, forking to
//! every device of an extension, DTMF, hold, and the line's end.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use switchboard_e2e::phone::{dominant_frequency, Device};
use switchboard_e2e::registrar::TestRegistrar;
use switchboard_phone::{Direction, EngineEvent};

const ALICE: &str = "sip:201@sip.acme.example";
const MARIA: &str = "sip:210@sip.acme.example";

/// Alice is 201, Maria 210, Adam 211; Tom (220) is known to the registrar but nobody
/// registers him here.
struct Registrar(TestRegistrar);

impl Registrar {
    fn start() -> Self {
        Self(TestRegistrar::start().unwrap())
    }

    fn line(&self, extension: &str) -> switchboard_phone::LineSpec {
        let username = match extension {
            "201" => "alice",
            "210" => "maria",
            "211" => "adam",
            other => panic!("no demo line {other}"),
        };
        self.0.line(username).unwrap()
    }

    fn contacts(&self, extension: &str) -> Vec<String> {
        self.0.contacts(extension).unwrap()
    }
}

#[tokio::test]
async fn a_call_rings_with_the_callers_number_and_both_sides_hear_each_other() {
    let registrar = Registrar::start();
    // The far end plays 1 kHz, this side 440 Hz.
    let mut far = Device::with_line(1000, &registrar.line("201"))
        .await
        .unwrap();
    let mut here = Device::with_line(440, &registrar.line("210"))
        .await
        .unwrap();

    let dialled = Instant::now();
    let outgoing = far.engine.dial(ALICE, "210").await.unwrap();
    let incoming = here.incoming().await.unwrap();
    eprintln!("dial to incoming-call event: {:?}", dialled.elapsed());
    assert_eq!(incoming.peer_number(), "201");
    assert_eq!(incoming.peer_name.as_deref(), Some("Alice Archer"));
    assert_eq!(incoming.line, MARIA);
    assert_eq!(incoming.direction, Direction::Incoming);
    assert_eq!(outgoing.direction, Direction::Outgoing);
    far.next(|e| matches!(e, EngineEvent::Ringing(_)))
        .await
        .unwrap();

    here.engine.answer(&incoming).await.unwrap();
    here.established(&incoming).await.unwrap();
    far.established(&outgoing).await.unwrap();
    // Two seconds of conversation.
    tokio::time::sleep(Duration::from_secs(2)).await;
    here.engine.hang_up(&incoming).await.unwrap();
    here.closed(&incoming).await.unwrap();
    far.closed(&outgoing).await.unwrap();

    let heard_here = here.received_audio();
    let heard_far = far.received_audio();
    assert_eq!(heard_here.len(), 1, "one recording of the call here");
    assert_eq!(
        heard_far.len(),
        1,
        "one recording of the call at the far end"
    );
    let here_hz = dominant_frequency(&heard_here[0])
        .unwrap()
        .expect("a second of audio here");
    let far_hz = dominant_frequency(&heard_far[0])
        .unwrap()
        .expect("a second of audio there");
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
    let mut far = Device::with_line(1000, &registrar.line("201"))
        .await
        .unwrap();
    let mut here = Device::with_line(440, &registrar.line("210"))
        .await
        .unwrap();
    let outgoing = here.engine.dial(MARIA, "201").await.unwrap();
    let incoming = far.incoming().await.unwrap();
    assert_eq!(incoming.peer_number(), "210");
    far.engine.answer(&incoming).await.unwrap();
    here.established(&outgoing).await.unwrap();
    far.engine.hang_up(&incoming).await.unwrap();
    here.closed(&outgoing).await.unwrap();
    far.closed(&incoming).await.unwrap();
}

#[tokio::test]
async fn declining_answers_the_caller_486() {
    let registrar = Registrar::start();
    let mut far = Device::with_line(1000, &registrar.line("201"))
        .await
        .unwrap();
    let mut here = Device::with_line(440, &registrar.line("210"))
        .await
        .unwrap();
    let outgoing = far.engine.dial(ALICE, "210").await.unwrap();
    let incoming = here.incoming().await.unwrap();
    here.engine.hang_up(&incoming).await.unwrap();
    let (status, reason) = far.closed(&outgoing).await.unwrap();
    assert_eq!(status, Some(486), "{reason}");
}

#[tokio::test]
async fn nobody_registered_is_480_and_an_unknown_extension_404() {
    let registrar = Registrar::start();
    let mut caller = Device::with_line(1000, &registrar.line("201"))
        .await
        .unwrap();
    let call = caller.engine.dial(ALICE, "220").await.unwrap();
    let (status, reason) = caller.closed(&call).await.unwrap();
    assert_eq!(status, Some(480), "{reason}");
    let call = caller.engine.dial(ALICE, "299").await.unwrap();
    let (status, reason) = caller.closed(&call).await.unwrap();
    assert_eq!(status, Some(404), "{reason}");
}

#[tokio::test]
async fn every_device_of_the_extension_rings_and_the_one_not_answering_stops() {
    let registrar = Registrar::start();
    let mut caller = Device::with_line(1000, &registrar.line("201"))
        .await
        .unwrap();
    let mut desk = Device::with_line(440, &registrar.line("210"))
        .await
        .unwrap();
    let mut laptop = Device::with_line(550, &registrar.line("210"))
        .await
        .unwrap();
    assert_eq!(registrar.contacts("210").len(), 2, "two devices registered");

    let outgoing = caller.engine.dial(ALICE, "210").await.unwrap();
    let on_desk = desk.incoming().await.unwrap();
    let on_laptop = laptop.incoming().await.unwrap();
    laptop.engine.answer(&on_laptop).await.unwrap();
    caller.established(&outgoing).await.unwrap();
    // The desk stops ringing: the registrar cancels its branch.
    desk.closed(&on_desk).await.unwrap();
    caller.engine.hang_up(&outgoing).await.unwrap();
    laptop.closed(&on_laptop).await.unwrap();
}

#[tokio::test]
async fn dtmf_keys_arrive_as_sent() {
    let registrar = Registrar::start();
    let Call {
        caller,
        mut callee,
        outgoing,
        incoming,
    } = Call::connected(&registrar).await;
    callee.established(&incoming).await.unwrap();

    let mut received = String::new();
    for key in ['1', '2', '9', '#', '*'] {
        caller
            .engine
            .send_dtmf(&outgoing, &key.to_string())
            .await
            .unwrap();
        match callee
            .next(|e| matches!(e, EngineEvent::Dtmf { .. }))
            .await
            .unwrap()
        {
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
    let Call {
        caller,
        mut callee,
        outgoing,
        incoming,
    } = Call::connected(&registrar).await;
    let before = callee.engine.log().matches("a=sendonly").count();

    caller.engine.hold(&outgoing, true).await.unwrap();
    wait_until(|| callee.engine.log().matches("a=sendonly").count() > before).await;
    let held = callee.engine.log().matches("a=sendrecv").count();
    caller.engine.hold(&outgoing, false).await.unwrap();
    wait_until(|| callee.engine.log().matches("a=sendrecv").count() > held).await;
    caller.engine.set_muted(&outgoing, true).await.unwrap();
    caller.engine.set_muted(&outgoing, false).await.unwrap();
    caller.engine.hang_up(&outgoing).await.unwrap();
    callee.closed(&incoming).await.unwrap();
}

#[tokio::test]
async fn a_line_cannot_register_with_another_lines_credentials() {
    let registrar = Registrar::start();
    let mut device = Device::start(440).await.unwrap();
    let mut line = registrar.line("210");
    let own = registrar.line("201");
    line.auth_user = own.auth_user;
    line.password = own.password;
    device.engine.add_line(&line).await.unwrap();
    let failed = device
        .next(|e| matches!(e, EngineEvent::RegisterFailed { .. }))
        .await
        .unwrap();
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
    let device = Device::with_line(440, &line).await.unwrap();
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
    let mut device = Device::with_line(440, &registrar.line("201"))
        .await
        .unwrap();
    let second = registrar.line("210");
    let aor = device.engine.add_line(&second).await.unwrap();
    device
        .next(|e| matches!(e, EngineEvent::Registered { line } if *line == aor))
        .await
        .unwrap();
    assert_eq!(registrar.contacts("210").len(), 1);
    device.engine.remove_line(&aor).await.unwrap();
    wait_until(|| registrar.contacts("210").is_empty()).await;
    assert_eq!(registrar.contacts("201").len(), 1);
}

/// Alice (1 kHz) called Maria (440 Hz), who answered.
struct Call {
    caller: Device,
    callee: Device,
    outgoing: switchboard_phone::CallInfo,
    incoming: switchboard_phone::CallInfo,
}

impl Call {
    async fn connected(registrar: &Registrar) -> Self {
        let mut caller = Device::with_line(1000, &registrar.line("201"))
            .await
            .unwrap();
        let mut callee = Device::with_line(440, &registrar.line("210"))
            .await
            .unwrap();
        let outgoing = caller.engine.dial(ALICE, "210").await.unwrap();
        let incoming = callee.incoming().await.unwrap();
        callee.engine.answer(&incoming).await.unwrap();
        caller.established(&outgoing).await.unwrap();
        Self {
            caller,
            callee,
            outgoing,
            incoming,
        }
    }
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
