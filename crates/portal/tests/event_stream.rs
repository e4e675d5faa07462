//! The app's event stream: it opens with `ready`, tells the device at once when its
//! session ends (with why) or its SIP profile changes, hears nothing of other sessions,
//! and refuses a token that no longer works.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::sse::EventStream;
use common::world::*;
use reqwest::StatusCode;
use switchboard_api::{PortalEvent, SessionEndReason};

const WAIT: Duration = Duration::from_secs(5);

async fn open(world: &World, access_token: &str) -> EventStream {
    let mut stream = EventStream::open(
        &world.browser,
        world.portal.endpoint("/v1/events"),
        access_token,
    )
    .await;
    assert_eq!(stream.next(WAIT).await, Some(PortalEvent::Ready));
    stream
}

#[tokio::test]
async fn an_administrators_sign_out_reaches_the_device_at_once_with_why() {
    let world = World::start().await;
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    let mut stream = open(&world, &alice.access_token).await;

    let started = Instant::now();
    let run = world.admin(&["account", "sign-out", "alice"]);
    assert!(run.success, "{}", run.stderr);
    assert_eq!(
        stream.next(WAIT).await,
        Some(PortalEvent::SessionEnded {
            reason: SessionEndReason::SignedOutByAdmin
        })
    );
    println!(
        "admin sign-out to the device's event: {:?}",
        started.elapsed()
    );
    // The stream ends with it.
    assert_eq!(stream.next(WAIT).await, None);
    // And cannot be opened again with the ended session's token.
    let again = world
        .browser
        .get(world.portal.endpoint("/v1/events"))
        .bearer_auth(&alice.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_device_hears_of_its_own_session_only() {
    let world = World::start().await;
    let laptop = signed_in(world.sign_in("google", "alice@acme.example").await);
    let desk = signed_in(world.sign_in("google", "alice@acme.example").await);
    let maria = signed_in(world.sign_in("microsoft", "maria@acme.example").await);
    let mut on_laptop = open(&world, &laptop.access_token).await;
    let mut on_desk = open(&world, &desk.access_token).await;
    let mut on_maria = open(&world, &maria.access_token).await;

    // The laptop's session is signed out (its own token revoked): only the laptop hears.
    let response = world
        .browser
        .post(world.portal.endpoint("/v1/revoke"))
        .form(&[("token", laptop.refresh_token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    assert_eq!(
        on_laptop.next(WAIT).await,
        Some(PortalEvent::SessionEnded {
            reason: SessionEndReason::SignedOut
        })
    );
    // An operator changes Alice's line: both of her devices still signed in hear it,
    // Maria's does not.
    let run = world.admin(&["account", "update", "alice", "--voicemail-number", "*98"]);
    assert!(run.success, "{}", run.stderr);
    let run = world.admin(&["account", "update", "alice", "--transport", "udp"]);
    assert!(run.success, "{}", run.stderr);
    assert_eq!(
        on_desk.next(WAIT).await,
        Some(PortalEvent::SipProfileChanged)
    );
    let run = world.admin(&["account", "sign-out", "maria"]);
    assert!(run.success, "{}", run.stderr);
    // Maria's first event is her own sign-out: nothing of Alice's reached her.
    assert_eq!(
        on_maria.next(WAIT).await,
        Some(PortalEvent::SessionEnded {
            reason: SessionEndReason::SignedOutByAdmin
        })
    );
}

#[tokio::test]
async fn a_replayed_refresh_token_ends_the_stream_of_its_session() {
    let world = World::start().await;
    let first = signed_in(world.sign_in("google", "alice@acme.example").await);
    let rotated: switchboard_api::SessionTokens = world
        .refresh(&first.refresh_token)
        .await
        .json()
        .await
        .unwrap();
    let mut stream = open(&world, &rotated.access_token).await;
    world.clock.advance(3600);
    let _ = world.refresh(&first.refresh_token).await;
    assert_eq!(
        stream.next(WAIT).await,
        Some(PortalEvent::SessionEnded {
            reason: SessionEndReason::TokenReplayed
        })
    );
}

#[tokio::test]
async fn the_stream_needs_a_live_access_token() {
    let world = World::start().await;
    let missing = world
        .browser
        .get(world.portal.endpoint("/v1/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    let forged = world
        .browser
        .get(world.portal.endpoint("/v1/events"))
        .bearer_auth("sba_forged")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_organizations_new_policy_reaches_its_signed_in_devices() {
    let world = World::start().await;
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    let mut stream = open(&world, &alice.access_token).await;
    let run = world.admin(&["org", "policy", "acme", "--idle-days", "7"]);
    assert!(run.success, "{}", run.stderr);
    assert_eq!(stream.next(WAIT).await, Some(PortalEvent::PolicyChanged));
}
