//! Nothing secret in the app's trace log while lines register, are refused and fetched
//! again, and unregister: the whole test process logs at TRACE into a buffer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{ready, world_and_app};
use switchboard_client::{Backoff, LineConfig, LineStatus};
use switchboard_e2e::registrar::TestRegistrar;
use switchboard_portal::seed::{demo_sip_credentials, DEMO_ACCOUNTS};

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

async fn settles(app: &common::App, account_id: &str) -> LineStatus {
    for _ in 0..200 {
        match app.client.line_statuses().get(account_id) {
            Some(LineStatus::Registering) | None => {}
            Some(status) => return status.clone(),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the line of {account_id} did not settle")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_trace_log_has_no_sip_password_and_no_digest_response() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let (world, app) = world_and_app().await;
    // The registrar refuses Maria's line whatever her device sends: refused, fetched
    // again, refused.
    let registrar = TestRegistrar::start_refusing(&world, &["maria"])
        .await
        .unwrap();
    app.client
        .enable_lines(LineConfig {
            backoff: Backoff {
                first: Duration::from_millis(200),
                max: Duration::from_secs(1),
            },
            transaction_timeout: Duration::from_secs(2),
            ..LineConfig::default()
        })
        .unwrap();
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    let (maria, _) = ready(app.sign_in("microsoft", "maria@acme.example").await);
    assert!(matches!(
        settles(&app, &alice.account_id).await,
        LineStatus::Registered { .. }
    ));
    assert!(matches!(
        settles(&app, &maria.account_id).await,
        LineStatus::WrongCredentials { .. }
    ));
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);
    // The devices' own SIP passwords, which the lines used.
    let mut device_passwords = Vec::new();
    for account_id in [&alice.account_id, &maria.account_id] {
        let password = app.client.sip_password(account_id).await.unwrap().unwrap();
        device_passwords.push(password.expose().to_owned());
    }
    app.client.sign_out(&alice.account_id).await.unwrap();

    let log = String::from_utf8_lossy(&capture.0.lock().unwrap()).into_owned();
    assert!(log.contains("registered"), "the log was captured: {log}");
    for account in DEMO_ACCOUNTS {
        let (_, password) = demo_sip_credentials(account);
        assert!(!log.contains(&password), "{} in the log", account.username);
    }
    for password in &device_passwords {
        assert!(
            !log.contains(password.as_str()),
            "a device's SIP password in the log"
        );
    }
    // The digest answer's header, whatever its value.
    assert!(!log.contains("response=\""), "a digest response in the log");
    assert!(!log.to_ascii_lowercase().contains("authorization:"));
}
