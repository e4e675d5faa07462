//! Expired rows are purged: a flood of sign-ins that never finish costs rows only until
//! they expire, and the purge (which several instances may run at once) removes nothing
//! that is still live.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use common::world::{signed_in, World, APP_REDIRECT};
use reqwest::StatusCode;
use switchboard_api::ApiError;
use switchboard_portal::store::Store;

async fn sizes(store: &Store) -> HashMap<&'static str, i64> {
    store.table_sizes().await.unwrap().into_iter().collect()
}

#[tokio::test]
async fn ten_thousand_abandoned_sign_ins_are_purged_and_live_rows_stay() {
    let world = World::start().await;
    let store = world.store().await;
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    let before = sizes(&store).await;
    assert_eq!(before["sessions"], 1);
    assert_eq!(before["refresh_tokens"], 1);

    // 10,000 sign-ins started and abandoned at the provider, sixteen at a time.
    let world = std::sync::Arc::new(world);
    let workers: Vec<_> = (0..16)
        .map(|_| {
            let world = std::sync::Arc::clone(&world);
            tokio::spawn(async move {
                for _ in 0..625 {
                    let (_, response) = world
                        .authorize("google", Some("alice@acme.example"), APP_REDIRECT)
                        .await;
                    assert_eq!(response.status(), StatusCode::SEE_OTHER);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    let flooded = sizes(&store).await;
    assert_eq!(
        flooded["pending_authorizations"],
        before["pending_authorizations"] + 10_000
    );

    // Two hours later every abandoned sign-in and the expired access token are gone; a
    // sign-in started now, Alice's session and the code that made it stay.
    world.clock.advance(2 * 3600);
    let (_, live) = world
        .authorize("google", Some("alice@acme.example"), APP_REDIRECT)
        .await;
    assert_eq!(live.status(), StatusCode::SEE_OTHER);
    let other_instance = world.store().await;
    let now = switchboard_portal::clock::Clock::now(&world.clock);
    let (first, second) = tokio::join!(store.purge_expired(now), other_instance.purge_expired(now));
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(
        first.pending_authorizations + second.pending_authorizations,
        10_000 + before["pending_authorizations"] as u64
    );
    let after = sizes(&store).await;
    assert_eq!(after["pending_authorizations"], 1);
    // Alice's code stays while her session lives: replaying it must still end the session.
    assert_eq!(after["authorization_codes"], 1);
    assert_eq!(after["login_tickets"], 0);
    assert_eq!(after["access_tokens"], 0);
    assert_eq!(after["sessions"], 1);
    assert_eq!(after["refresh_tokens"], 1);
    assert_eq!(after["identity_links"], before["identity_links"]);

    // Purging again finds nothing; Alice's session still refreshes.
    assert_eq!(store.purge_expired(now).await.unwrap().total(), 0);
    let refreshed = world.refresh(&alice.refresh_token).await;
    assert_eq!(refreshed.status(), StatusCode::OK);
}

#[tokio::test]
async fn sessions_past_their_lifetime_are_ended_and_their_tokens_purged_a_week_later() {
    let world = World::start().await;
    let store = world.store().await;
    let alice = signed_in(world.sign_in("google", "alice@acme.example").await);
    // The demo organization ends idle sessions after 14 days.
    world.clock.advance(15 * 24 * 3600);
    let now = switchboard_portal::clock::Clock::now(&world.clock);
    let report = store.purge_expired(now).await.unwrap();
    assert_eq!(report.expired_sessions_ended, 1);
    assert_eq!(report.refresh_tokens, 0);
    assert_eq!(sizes(&store).await["access_tokens"], 0);
    // The device that comes back hears why it was signed out.
    let late = world.refresh(&alice.refresh_token).await;
    assert_eq!(late.status(), StatusCode::BAD_REQUEST);
    let error: ApiError = late.json().await.unwrap();
    assert!(error.message.contains("expired"), "{}", error.message);

    // A week later its tokens are gone; the session's row stays a while longer.
    world.clock.advance(8 * 24 * 3600);
    let now = switchboard_portal::clock::Clock::now(&world.clock);
    let report = store.purge_expired(now).await.unwrap();
    assert_eq!(report.refresh_tokens, 1);
    let after = sizes(&store).await;
    assert_eq!(after["refresh_tokens"], 0);
    assert_eq!(after["sessions"], 1);
    assert_eq!(
        world.refresh(&alice.refresh_token).await.status(),
        StatusCode::BAD_REQUEST
    );
}
