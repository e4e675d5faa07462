//! Nothing secret in the trace log: the whole process logs at TRACE into a buffer while
//! lines register (UDP, TCP, a 407 challenge, a refused password) and unregister.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{registered, test_config, wait_for, Options, Registrar, ACCOUNTS};
use switchboard_api::SipTransport;
use switchboard_kamailio::Challenge;
use switchboard_sip::{Line, LineState, SystemClock};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn the_trace_log_has_no_sip_password_and_no_digest_response() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    for (challenge, transport) in [
        (Challenge::Www, SipTransport::Udp),
        (Challenge::Proxy, SipTransport::Tcp),
    ] {
        let registrar = Registrar::start(Options {
            challenge,
            ..Options::default()
        });
        let line = Line::new(
            &registrar.profile(0, transport),
            test_config(Vec::new()),
            Arc::new(SystemClock),
        )
        .unwrap();
        line.register().await.unwrap();
        registered(&line).await;
        line.re_register().await.unwrap();
        registered(&line).await;
        line.unregister().await.unwrap();

        let mut wrong = registrar.profile(1, transport);
        wrong.password = "wrong-but-still-secret".into();
        let line = Line::new(&wrong, test_config(Vec::new()), Arc::new(SystemClock)).unwrap();
        line.register().await.unwrap();
        wait_for(&line, Duration::from_secs(10), |state| {
            matches!(state, LineState::WrongCredentials { .. })
        })
        .await;
    }

    let log = capture.text();
    // The capture works: the lines' own events are there.
    assert!(log.contains("registered"), "{log}");
    assert!(log.contains("refused the credentials"), "{log}");
    for (_, _, password) in ACCOUNTS {
        assert!(
            !log.contains(password),
            "a SIP password is in the log:\n{log}"
        );
    }
    assert!(!log.contains("wrong-but-still-secret"), "{log}");
    // A digest answer (Authorization or Proxy-Authorization, its response=) never appears.
    let lower = log.to_lowercase();
    assert!(!lower.contains("authorization:"), "{log}");
    assert!(!lower.contains("response="), "{log}");
    assert!(!lower.contains("cnonce"), "{log}");
}
