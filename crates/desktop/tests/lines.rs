//! The softphone's lines over the real registrar (Kamailio) and the real portal: a sign-in
//! ends registered, several accounts are several lines, sign-out removes only its own
//! contact, and refused credentials are fetched again once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use common::{ready, world_and_app, App};
use switchboard_client::{Backoff, LineConfig, LineStatus};
use switchboard_e2e::registrar::TestRegistrar;

const WAIT: Duration = Duration::from_secs(20);

fn test_line_config() -> LineConfig {
    LineConfig {
        backoff: Backoff {
            first: Duration::from_millis(200),
            max: Duration::from_secs(1),
        },
        transaction_timeout: Duration::from_secs(2),
        ..LineConfig::default()
    }
}

/// Waits until the line of `account_id` satisfies `done`; returns its status.
async fn line_becomes(
    app: &App,
    account_id: &str,
    done: impl Fn(&LineStatus) -> bool,
) -> LineStatus {
    let mut changes = app.client.line_changes();
    let waited = tokio::time::timeout(WAIT, async {
        loop {
            if let Some(status) = changes.borrow_and_update().get(account_id) {
                if done(status) {
                    return status.clone();
                }
            }
            changes.changed().await.unwrap();
        }
    })
    .await;
    waited.unwrap_or_else(|_| {
        panic!(
            "the line of {account_id} did not change as expected; it is {:?}",
            app.client.line_statuses().get(account_id)
        )
    })
}

fn registered(status: &LineStatus) -> bool {
    matches!(status, LineStatus::Registered { .. })
}

async fn contacts_become(
    registrar: &TestRegistrar,
    extension: &str,
    done: impl Fn(&[String]) -> bool,
) -> Vec<String> {
    for _ in 0..100 {
        let contacts = registrar.contacts(extension).unwrap();
        if done(&contacts) {
            return contacts;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the contacts of {extension} did not change as expected")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_ends_with_the_line_registered_and_two_accounts_are_two_lines() {
    let (world, app) = world_and_app().await;
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    app.client.enable_lines(test_line_config()).unwrap();

    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    let status = line_becomes(&app, &alice.account_id, registered).await;
    let LineStatus::Registered { until, takes_calls } = status else {
        unreachable!()
    };
    assert!(
        !takes_calls,
        "calls are off here: the window must not say they ring"
    );
    assert!(
        until > common::system_now() + 60,
        "registered until {until}"
    );
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);

    let (maria, _) = ready(app.sign_in("microsoft", "maria@acme.example").await);
    line_becomes(&app, &maria.account_id, registered).await;
    assert_eq!(registrar.contacts("210").unwrap().len(), 1);
    // Switching shows another line; it registers or unregisters nothing.
    app.client.switch_to(&alice.account_id).await.unwrap();
    assert!(registered(&app.client.line_statuses()[&maria.account_id]));
    assert_eq!(registrar.contacts("210").unwrap().len(), 1);
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);

    // Signing out one account removes its contact only.
    app.client.sign_out(&maria.account_id).await.unwrap();
    contacts_become(&registrar, "210", |contacts| contacts.is_empty()).await;
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);
    let statuses = app.client.line_statuses();
    assert!(!statuses.contains_key(&maria.account_id));
    assert!(registered(&statuses[&alice.account_id]));

    // The CLI reads the states from the data folder.
    let file: switchboard_client::LinesFile = serde_json::from_slice(
        &std::fs::read(app.data_dir.join(switchboard_client::LINES_FILE)).unwrap(),
    )
    .unwrap();
    assert_eq!(file.pid, std::process::id());
    assert_eq!(file.lines, statuses);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_app_registers_every_signed_in_account() {
    let (world, app) = world_and_app().await;
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    // Signed in while lines were off (as the CLI does).
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    let (maria, _) = ready(app.sign_in("microsoft", "maria@acme.example").await);
    assert!(registrar.contacts("201").unwrap().is_empty());

    let again = app.restart();
    again.client.enable_lines(test_line_config()).unwrap();
    again.client.register_all_lines().await.unwrap();
    line_becomes(&again, &alice.account_id, registered).await;
    line_becomes(&again, &maria.account_id, registered).await;
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);
    assert_eq!(registrar.contacts("210").unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_changed_on_the_portal_is_fetched_again_and_registers() {
    let (world, app) = world_and_app().await;
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    app.client.enable_lines(test_line_config()).unwrap();
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    line_becomes(&app, &alice.account_id, registered).await;
    let before = app
        .client
        .sip_password(&alice.account_id)
        .await
        .unwrap()
        .unwrap()
        .expose()
        .to_owned();

    // The operator sets a new SIP password on the portal: every device's credential is
    // replaced, and the registrar (reading the portal's database) refuses the old one.
    world
        .update_sip_profile(
            "alice",
            switchboard_portal::admin::SipInput {
                password: Some("changed-on-the-portal-201".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // The next REGISTER (here after a network change) is refused with the old credential;
    // the app fetches the profile again and registers with its new one.
    app.client.re_register_lines().await;
    let mut after = before.clone();
    for _ in 0..100 {
        after = app
            .client
            .sip_password(&alice.account_id)
            .await
            .unwrap()
            .unwrap()
            .expose()
            .to_owned();
        if after != before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ne!(after, before, "the app did not fetch its new credential");
    line_becomes(&app, &alice.account_id, registered).await;
    contacts_become(&registrar, "201", |contacts| !contacts.is_empty()).await;
    // The device's own credential, never the static one an operator hands to desk phones.
    assert_ne!(after, "changed-on-the-portal-201");
}

#[tokio::test(flavor = "multi_thread")]
async fn credentials_the_registrar_refuses_after_fetching_again_are_reported_and_not_retried() {
    let (world, app) = world_and_app().await;
    let registrar = TestRegistrar::start_refusing(&world, &["alice"])
        .await
        .unwrap();
    app.client.enable_lines(test_line_config()).unwrap();
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);

    let status = line_becomes(&app, &alice.account_id, |status| {
        matches!(status, LineStatus::WrongCredentials { .. })
    })
    .await;
    assert_eq!(
        status,
        LineStatus::WrongCredentials {
            status: 401,
            refetch_error: None
        }
    );
    // Final: not retried (a retry loop would lock the account at many registrars).
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(app.client.line_statuses()[&alice.account_id], status);
    assert!(registrar.contacts("201").unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_registrar_is_unreachable_with_the_next_try_and_registers_again() {
    let (world, app) = world_and_app().await;
    let mut registrar = TestRegistrar::start_for(&world).await.unwrap();
    app.client.enable_lines(test_line_config()).unwrap();
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    line_becomes(&app, &alice.account_id, registered).await;

    registrar.kamailio.stop();
    app.client.re_register_lines().await;
    let status = line_becomes(&app, &alice.account_id, |status| {
        matches!(status, LineStatus::Unreachable { .. })
    })
    .await;
    let LineStatus::Unreachable { next_try_at, .. } = status else {
        unreachable!()
    };
    assert!(next_try_at >= common::system_now() - 1);

    registrar.kamailio.start_again().unwrap();
    line_becomes(&app, &alice.account_id, registered).await;
    contacts_become(&registrar, "201", |contacts| contacts.len() == 1).await;
}

/// Addresses a test changes, as when the laptop moves to another network.
struct MovingAddresses(std::sync::atomic::AtomicBool);

impl switchboard_client::network::Addresses for MovingAddresses {
    fn current(&self) -> std::collections::BTreeSet<std::net::IpAddr> {
        let moved = self.0.load(std::sync::atomic::Ordering::SeqCst);
        let address = if moved { "10.0.0.7" } else { "192.168.1.20" };
        std::collections::BTreeSet::from([address.parse().unwrap()])
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_changed_network_address_registers_every_line_again() {
    let (world, app) = world_and_app().await;
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    app.client.enable_lines(test_line_config()).unwrap();
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    line_becomes(&app, &alice.account_id, registered).await;
    let before = registrar.contacts("201").unwrap();

    let addresses = std::sync::Arc::new(MovingAddresses(false.into()));
    tokio::spawn(
        std::sync::Arc::clone(&app.client)
            .watch_network(addresses.clone(), Duration::from_millis(50)),
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        registrar.contacts("201").unwrap(),
        before,
        "nothing changed yet"
    );

    addresses.0.store(true, std::sync::atomic::Ordering::SeqCst);
    // Registered again from a new endpoint: a new contact (the old one lapses at expiry).
    contacts_become(&registrar, "201", |contacts| {
        contacts.iter().any(|contact| !before.contains(contact))
    })
    .await;
    line_becomes(&app, &alice.account_id, registered).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_the_portal_down_the_lines_register_with_the_saved_settings() {
    let (mut world, app) = world_and_app().await;
    let registrar = TestRegistrar::start_for(&world).await.unwrap();
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    world.stop_portal().await;

    let again = app.restart();
    again.client.enable_lines(test_line_config()).unwrap();
    again.client.register_all_lines().await.unwrap();
    line_becomes(&again, &alice.account_id, registered).await;
    assert_eq!(registrar.contacts("201").unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_line_registers_with_sha256_digests_read_from_the_portals_database() {
    let (world, app) = world_and_app().await;
    let registrar = TestRegistrar::start_for_sha256(&world).await.unwrap();
    app.client.enable_lines(test_line_config()).unwrap();
    let (alice, _) = ready(app.sign_in("google", "alice@acme.example").await);
    line_becomes(&app, &alice.account_id, registered).await;
    contacts_become(&registrar, "201", |contacts| contacts.len() == 1).await;
}
