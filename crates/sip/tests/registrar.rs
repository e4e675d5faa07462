//! Lines against a real registrar (Kamailio, see `common`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{
    contacts_become, fixed_clock, registered, test_config, wait_for, Options, Registrar, TestCa,
};
use switchboard_api::SipTransport;
use switchboard_kamailio::{Challenge, DigestAlgorithm};
use switchboard_sip::{Line, LineState, SystemClock};

fn line(registrar: &Registrar, index: usize, transport: SipTransport) -> Line {
    Line::new(
        &registrar.profile(index, transport),
        test_config(registrar.ca_pem()),
        Arc::new(SystemClock),
    )
    .expect("line")
}

async fn registers_and_unregisters(transport: SipTransport) {
    let registrar = Registrar::start(Options::default());
    let line = line(&registrar, 0, transport);
    line.register().await.unwrap();
    registered(&line).await;
    let contacts = registrar.contacts(0);
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert!(
        contacts[0].starts_with("sip:201@127.0.0.1:"),
        "{contacts:?}"
    );

    line.unregister().await.unwrap();
    assert_eq!(*line.state().borrow(), LineState::Unregistered);
    assert!(contacts_become(&registrar, 0, |c| c.is_empty())
        .await
        .is_empty());
}

#[tokio::test]
async fn register_over_udp_puts_the_contact_in_the_location_table_and_unregister_removes_it() {
    registers_and_unregisters(SipTransport::Udp).await;
}

#[tokio::test]
async fn register_over_tcp_puts_the_contact_in_the_location_table_and_unregister_removes_it() {
    registers_and_unregisters(SipTransport::Tcp).await;
}

#[tokio::test]
async fn two_lines_register_at_once_and_unregistering_one_removes_only_its_contact() {
    let registrar = Registrar::start(Options::default());
    let first = line(&registrar, 0, SipTransport::Udp);
    let second = line(&registrar, 1, SipTransport::Tcp);
    first.register().await.unwrap();
    second.register().await.unwrap();
    registered(&first).await;
    registered(&second).await;
    assert_eq!(registrar.contacts(0).len(), 1);
    assert_eq!(registrar.contacts(1).len(), 1);

    first.unregister().await.unwrap();
    assert!(contacts_become(&registrar, 0, |c| c.is_empty())
        .await
        .is_empty());
    assert_eq!(registrar.contacts(1).len(), 1, "the other line stays");
    assert!(second.state().borrow().is_registered());
}

#[tokio::test]
async fn a_wrong_password_is_wrong_credentials_and_not_retried() {
    let registrar = Registrar::start(Options::default());
    let mut profile = registrar.profile(0, SipTransport::Udp);
    profile.password = "not-the-password".into();
    let line = Line::new(&profile, test_config(Vec::new()), Arc::new(SystemClock)).unwrap();
    line.register().await.unwrap();
    let state = wait_for(&line, Duration::from_secs(10), |state| {
        matches!(state, LineState::WrongCredentials { .. })
    })
    .await;
    assert_eq!(state, LineState::WrongCredentials { status: 401 });
    assert!(registrar.contacts(0).is_empty());
    // No retry with the same wrong password (the backoff would have fired by now).
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        *line.state().borrow(),
        LineState::WrongCredentials { status: 401 }
    );
}

#[tokio::test]
async fn a_proxy_challenge_407_is_answered_and_a_wrong_password_there_is_wrong_credentials() {
    let registrar = Registrar::start(Options {
        challenge: Challenge::Proxy,
        ..Options::default()
    });
    let good = line(&registrar, 0, SipTransport::Tcp);
    good.register().await.unwrap();
    registered(&good).await;
    assert_eq!(registrar.contacts(0).len(), 1);

    let mut profile = registrar.profile(1, SipTransport::Tcp);
    profile.password = "not-the-password".into();
    let bad = Line::new(&profile, test_config(Vec::new()), Arc::new(SystemClock)).unwrap();
    bad.register().await.unwrap();
    let state = wait_for(&bad, Duration::from_secs(10), |state| {
        matches!(state, LineState::WrongCredentials { .. })
    })
    .await;
    assert_eq!(state, LineState::WrongCredentials { status: 407 });
}

#[tokio::test]
async fn a_sha256_digest_challenge_is_answered() {
    let registrar = Registrar::start(Options {
        algorithm: DigestAlgorithm::Sha256,
        ..Options::default()
    });
    let line = line(&registrar, 0, SipTransport::Udp);
    line.register().await.unwrap();
    registered(&line).await;
    assert_eq!(registrar.contacts(0).len(), 1);
}

#[tokio::test]
async fn interval_too_brief_is_answered_with_the_registrars_min_expires() {
    let registrar = Registrar::start(Options {
        min_expires: 1200,
        ..Options::default()
    });
    let (clock, now) = fixed_clock();
    let mut config = test_config(Vec::new());
    config.expires = Duration::from_secs(600);
    let line = Line::new(&registrar.profile(0, SipTransport::Udp), config, clock).unwrap();
    line.register().await.unwrap();
    let until = registered(&line).await;
    assert_eq!(until, now + Duration::from_secs(1200));
    assert_eq!(registrar.contacts(0).len(), 1);
}

#[tokio::test]
async fn the_registration_is_refreshed_before_it_expires() {
    let registrar = Registrar::start(Options::default());
    let mut config = test_config(Vec::new());
    config.expires = Duration::from_secs(2);
    let line = Line::new(
        &registrar.profile(0, SipTransport::Udp),
        config,
        Arc::new(SystemClock),
    )
    .unwrap();
    line.register().await.unwrap();
    let first = registered(&line).await;
    // The refresh goes after 1 s (half of 2 s): a later `until`, before the first ends.
    let refreshed = wait_for(
        &line,
        Duration::from_secs(5),
        |state| matches!(state, LineState::Registered { until } if *until > first),
    )
    .await;
    assert!(refreshed.is_registered());
    assert!(std::time::SystemTime::now() < first + Duration::from_millis(500));
    assert_eq!(registrar.contacts(0).len(), 1);
}

#[tokio::test]
async fn a_stopped_registrar_is_unreachable_and_registered_again_within_the_backoff() {
    let mut registrar = Registrar::start(Options::default());
    let mut config = test_config(Vec::new());
    config.expires = Duration::from_secs(2);
    let line = Line::new(
        &registrar.profile(0, SipTransport::Tcp),
        config,
        Arc::new(SystemClock),
    )
    .unwrap();
    line.register().await.unwrap();
    registered(&line).await;

    registrar.kamailio.stop();
    let state = wait_for(&line, Duration::from_secs(10), |state| {
        matches!(state, LineState::Unreachable { .. })
    })
    .await;
    let LineState::Unreachable { next_try_at, .. } = state else {
        unreachable!()
    };
    assert!(next_try_at > std::time::SystemTime::now() - Duration::from_secs(1));

    registrar.kamailio.start_again().unwrap();
    // The backoff is at most 1 s: registered again well within 5 s, on the new table.
    let started = std::time::Instant::now();
    wait_for(&line, Duration::from_secs(5), LineState::is_registered).await;
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(registrar.contacts(0).len(), 1);
}

#[tokio::test]
async fn tls_with_the_test_ca_registers() {
    let registrar = Registrar::start(Options {
        tls_ca: Some(TestCa::new("Switchboard test CA")),
        ..Options::default()
    });
    let line = line(&registrar, 0, SipTransport::Tls);
    line.register().await.unwrap();
    registered(&line).await;
    assert_eq!(registrar.contacts(0).len(), 1);
    line.unregister().await.unwrap();
    assert!(contacts_become(&registrar, 0, |c| c.is_empty())
        .await
        .is_empty());
}

#[tokio::test]
async fn tls_refuses_a_certificate_from_another_ca() {
    let registrar = Registrar::start(Options {
        tls_ca: Some(TestCa::new("The registrar's CA")),
        ..Options::default()
    });
    let trusted = TestCa::new("The only CA the line trusts");
    let line = Line::new(
        &registrar.profile(0, SipTransport::Tls),
        test_config(trusted.pem.into_bytes()),
        Arc::new(SystemClock),
    )
    .unwrap();
    line.register().await.unwrap();
    let state = wait_for(&line, Duration::from_secs(10), |state| {
        matches!(state, LineState::Unreachable { .. })
    })
    .await;
    let LineState::Unreachable { reason, .. } = state else {
        unreachable!()
    };
    assert!(reason.to_lowercase().contains("certificate"), "{reason}");
    assert!(registrar.contacts(0).is_empty());
}

#[tokio::test]
async fn tls_trusts_no_certificate_without_configured_roots() {
    let registrar = Registrar::start(Options {
        tls_ca: Some(TestCa::new("The registrar's CA")),
        ..Options::default()
    });
    let line = Line::new(
        &registrar.profile(0, SipTransport::Tls),
        test_config(Vec::new()),
        Arc::new(SystemClock),
    )
    .unwrap();
    line.register().await.unwrap();
    wait_for(&line, Duration::from_secs(10), |state| {
        matches!(state, LineState::Unreachable { .. })
    })
    .await;
    assert!(registrar.contacts(0).is_empty());
}

#[tokio::test]
async fn the_register_goes_to_the_outbound_proxy_when_the_profile_has_one() {
    let registrar = Registrar::start(Options::default());
    let mut profile = registrar.profile(0, SipTransport::Tcp);
    // The registrar's name does not resolve: only the proxy is reachable.
    let proxy = std::mem::replace(
        &mut profile.registrar,
        "sip:registrar.invalid;transport=tcp".into(),
    );
    profile.outbound_proxy = Some(proxy);
    let line = Line::new(&profile, test_config(Vec::new()), Arc::new(SystemClock)).unwrap();
    line.register().await.unwrap();
    registered(&line).await;
    assert_eq!(registrar.contacts(0).len(), 1);
}

#[tokio::test]
async fn re_register_after_a_network_change_registers_again() {
    let registrar = Registrar::start(Options::default());
    let line = line(&registrar, 0, SipTransport::Udp);
    line.register().await.unwrap();
    let first = registered(&line).await;
    let before = registrar.contacts(0);

    line.re_register().await.unwrap();
    let again = wait_for(
        &line,
        Duration::from_secs(10),
        |state| matches!(state, LineState::Registered { until } if *until > first),
    )
    .await;
    assert!(again.is_registered());
    // A new endpoint, so a new contact; the old one lapses at its expiry.
    let after = registrar.contacts(0);
    assert!(
        after.iter().any(|contact| !before.contains(contact)),
        "{after:?}"
    );
}
