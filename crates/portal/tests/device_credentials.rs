//! Each signed-in device gets its own SIP credential with its profile; the registrar's
//! view holds digests of exactly the live ones (and each account's static credential);
//! ending a session ends its credential in the same transaction and queues the removal
//! of its contacts at the registrar; an administrator's change of the line replaces
//! every device's credential.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::world::*;

use reqwest::header::ETAG;
use reqwest::StatusCode;
use switchboard_api::{ErrorCode, SipProfile};
use switchboard_portal::seed::{demo_sip_credentials, DEMO_ACCOUNTS};
use switchboard_portal::sip_credentials::digests;

async fn profile(world: &World, access_token: &str) -> (SipProfile, String) {
    let response = world.sip_profile(access_token, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
    (response.json().await.unwrap(), etag)
}

fn alice_static() -> (String, String) {
    let alice = DEMO_ACCOUNTS
        .iter()
        .find(|a| a.username == "alice")
        .unwrap();
    demo_sip_credentials(alice)
}

async fn registrar_usernames(world: &World) -> Vec<String> {
    world
        .store()
        .await
        .registrar_credentials(false)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.username)
        .collect()
}

#[tokio::test]
async fn each_device_gets_its_own_credential_and_the_registrar_reads_only_its_digests() {
    let world = World::start().await;
    let laptop = signed_in(world.sign_in("google", "alice@acme.example").await);
    let desk = signed_in(world.sign_in("google", "alice@acme.example").await);
    let (on_laptop, _) = profile(&world, &laptop.access_token).await;
    let (on_desk, _) = profile(&world, &desk.access_token).await;
    let (static_user, static_password) = alice_static();

    assert!(on_laptop.auth_user.starts_with("dev-"), "{on_laptop:?}");
    assert_ne!(on_laptop.auth_user, on_desk.auth_user);
    assert_ne!(on_laptop.password, on_desk.password);
    assert_ne!(on_laptop.password, static_password);
    assert!(on_laptop.password.len() >= 32);
    // The line stays the account's.
    assert_eq!(on_laptop.sip_user, "201");
    assert_eq!(on_desk.sip_user, "201");
    // The same device asking again gets the same credential.
    let (again, _) = profile(&world, &laptop.access_token).await;
    assert_eq!(again.auth_user, on_laptop.auth_user);
    assert_eq!(again.password, on_laptop.password);

    let store = world.store().await;
    for sha256 in [false, true] {
        let rows = store.registrar_credentials(sha256).await.unwrap();
        let laptop_row = rows
            .iter()
            .find(|row| row.username == on_laptop.auth_user)
            .expect("the laptop's credential is in the registrar's view");
        let (md5, sha) = digests(
            &on_laptop.auth_user,
            "sip.acme.example",
            &on_laptop.password,
        );
        assert_eq!(laptop_row.ha1, if sha256 { sha } else { md5 });
        assert_eq!(laptop_row.domain, "sip.acme.example");
        assert_eq!(laptop_row.extension, "201");
        // The view holds digests, never a password.
        assert!(rows
            .iter()
            .all(|row| !row.ha1.contains(&on_laptop.password)));
        // The static credential for hand-provisioned phones is there too.
        let static_row = rows.iter().find(|row| row.username == static_user).unwrap();
        let (md5, sha) = digests(&static_user, "sip.acme.example", &static_password);
        assert_eq!(static_row.ha1, if sha256 { sha } else { md5 });
    }
}

#[tokio::test]
async fn signing_out_ends_the_devices_credential_and_queues_its_contacts_removal() {
    let world = World::start().await;
    let laptop = signed_in(world.sign_in("google", "alice@acme.example").await);
    let desk = signed_in(world.sign_in("google", "alice@acme.example").await);
    let (stolen, _) = profile(&world, &laptop.access_token).await;
    let (kept, _) = profile(&world, &desk.access_token).await;

    let response = world
        .browser
        .post(world.portal.endpoint("/v1/revoke"))
        .form(&[("token", laptop.refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());

    let usernames = registrar_usernames(&world).await;
    assert!(!usernames.contains(&stolen.auth_user), "{usernames:?}");
    assert!(usernames.contains(&kept.auth_user), "{usernames:?}");
    let outbox = world.store().await.registrar_outbox().await.unwrap();
    assert_eq!(outbox.len(), 1, "{outbox:?}");
    assert_eq!(outbox[0].auth_user, stolen.auth_user);
    assert_eq!(outbox[0].aor, "sip:201@sip.acme.example");
    // Whoever copied the laptop's profile cannot get a fresh one either.
    let refused = world.sip_profile(&laptop.access_token, None).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_replayed_refresh_token_ends_the_credential_of_its_session() {
    let world = World::start().await;
    let first = signed_in(world.sign_in("google", "alice@acme.example").await);
    let (credential, _) = profile(&world, &first.access_token).await;
    let rotated = world.refresh(&first.refresh_token).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    world.clock.advance(3600);
    let replay = api_error(world.refresh(&first.refresh_token).await).await;
    assert_eq!(replay.code, ErrorCode::InvalidGrant);
    assert!(!registrar_usernames(&world)
        .await
        .contains(&credential.auth_user));
}

#[tokio::test]
async fn an_administrators_sign_out_and_password_reset_end_every_device_credential() {
    let world = World::start().await;
    let laptop = signed_in(world.sign_in("google", "alice@acme.example").await);
    let (credential, _) = profile(&world, &laptop.access_token).await;
    let run = world.admin(&["account", "sign-out", "alice"]);
    assert!(run.success, "{}", run.stderr);
    assert!(!registrar_usernames(&world)
        .await
        .contains(&credential.auth_user));

    let again = signed_in(world.sign_in("google", "alice@acme.example").await);
    let (second, _) = profile(&world, &again.access_token).await;
    let run = world.admin_with_stdin(
        &["account", "reset-password", "alice", "--password-stdin"],
        "a-new-password-for-alice-42\n",
    );
    assert!(run.success, "{}", run.stderr);
    let usernames = registrar_usernames(&world).await;
    assert!(!usernames.contains(&second.auth_user), "{usernames:?}");
    // The static credential is the administrator's, not a session's: it stays.
    assert!(usernames.contains(&alice_static().0));
}

#[tokio::test]
async fn changing_the_line_replaces_every_device_credential_and_moves_the_profile_on() {
    let world = World::start().await;
    let laptop = signed_in(world.sign_in("google", "alice@acme.example").await);
    let (before, etag) = profile(&world, &laptop.access_token).await;
    let run = world.admin(&[
        "account",
        "update",
        "alice",
        "--sip-domain",
        "pbx.acme.example",
    ]);
    assert!(run.success, "{}", run.stderr);

    let usernames = registrar_usernames(&world).await;
    assert!(!usernames.contains(&before.auth_user), "{usernames:?}");
    let outbox = world.store().await.registrar_outbox().await.unwrap();
    assert!(outbox
        .iter()
        .any(|removal| removal.auth_user == before.auth_user
            && removal.aor == "sip:201@sip.acme.example"));

    let changed = world.sip_profile(&laptop.access_token, Some(&etag)).await;
    assert_eq!(changed.status(), StatusCode::OK, "the version moved on");
    let after: SipProfile = changed.json().await.unwrap();
    assert_ne!(after.auth_user, before.auth_user);
    assert_eq!(after.domain, "pbx.acme.example");
    let rows = world
        .store()
        .await
        .registrar_credentials(false)
        .await
        .unwrap();
    let row = rows
        .iter()
        .find(|row| row.username == after.auth_user)
        .unwrap();
    assert_eq!(row.domain, "pbx.acme.example");
    // The static credential follows the new realm (its digest includes it).
    let (static_user, static_password) = alice_static();
    let static_row = rows.iter().find(|row| row.username == static_user).unwrap();
    assert_eq!(
        static_row.ha1,
        digests(&static_user, "pbx.acme.example", &static_password).0
    );
}

#[tokio::test]
async fn a_new_static_password_replaces_the_static_credential() {
    let world = World::start().await;
    let (static_user, old_password) = alice_static();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sip-password");
    std::fs::write(&file, "a-desk-phone-password-77\n").unwrap();
    let run = world.admin(&[
        "account",
        "update",
        "alice",
        "--sip-password-file",
        file.to_str().unwrap(),
    ]);
    assert!(run.success, "{}", run.stderr);
    let rows = world
        .store()
        .await
        .registrar_credentials(false)
        .await
        .unwrap();
    let row = rows.iter().find(|row| row.username == static_user).unwrap();
    assert_eq!(
        row.ha1,
        digests(&static_user, "sip.acme.example", "a-desk-phone-password-77").0
    );
    assert_ne!(
        row.ha1,
        digests(&static_user, "sip.acme.example", &old_password).0
    );
    let outbox = world.store().await.registrar_outbox().await.unwrap();
    assert!(outbox
        .iter()
        .any(|removal| removal.auth_user == static_user));
}

#[tokio::test]
async fn a_registrar_that_cannot_be_reached_keeps_the_removal_for_later() {
    let world = World::start().await;
    let laptop = signed_in(world.sign_in("google", "alice@acme.example").await);
    let (credential, _) = profile(&world, &laptop.access_token).await;
    world.admin(&["account", "sign-out", "alice"]);

    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let control = switchboard_portal::registrar::RegistrarControl::new(
        &url::Url::parse(&url).unwrap(),
        "token".into(),
    )
    .unwrap();
    let store = world.store().await;
    // The administrator's command wrote the removal at its own time: the test's clock
    // starts there.
    let written = store.registrar_outbox().await.unwrap()[0].created_at;
    let clock: switchboard_portal::clock::SharedClock =
        std::sync::Arc::new(switchboard_portal::clock::ManualClock::new(written));
    let confirmed = switchboard_portal::registrar::send_due(&store, &clock, &control)
        .await
        .unwrap();
    assert_eq!(confirmed, 0);
    let outbox = store.registrar_outbox().await.unwrap();
    let removal = outbox
        .iter()
        .find(|removal| removal.auth_user == credential.auth_user)
        .expect("the removal is kept");
    assert_eq!(removal.attempts, 1);
    // Not due again until its wait is over.
    assert_eq!(
        switchboard_portal::registrar::send_due(&store, &clock, &control)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.registrar_outbox().await.unwrap()[0].attempts, 1);
}

#[tokio::test]
async fn a_new_static_password_is_made_up_shown_once_and_held_by_the_registrar() {
    let world = World::start().await;
    let (static_user, _) = alice_static();
    let updated = world
        .admin(&["--json", "account", "update", "alice", "--new-sip-password"])
        .json();
    let shown = updated["sip_password"].as_str().unwrap().to_owned();
    assert!(shown.len() >= 16, "{updated}");
    let rows = world
        .store()
        .await
        .registrar_credentials(false)
        .await
        .unwrap();
    let row = rows.iter().find(|row| row.username == static_user).unwrap();
    assert_eq!(row.ha1, digests(&static_user, "sip.acme.example", &shown).0);
    // Shown only then: `account show` does not.
    let shown_again = world.admin(&["--json", "account", "show", "alice"]).json();
    assert!(!shown_again.to_string().contains(&shown));
}
