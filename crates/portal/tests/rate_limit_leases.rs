//! The rate limiter's leases: instances reserve requests from the shared count and spend
//! them in memory. Several instances (several `Limiter`s on one database) never let more
//! through than a limit, low limits are exact, a busy counter rarely writes, and a new
//! window starts afresh. Time is passed in, never slept.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use switchboard_portal::config::RateLimit;
use switchboard_portal::rate_limit::{Group, Limiter, Verdict, WINDOW_SECONDS};
use switchboard_portal::store::{PoolSettings, Store};

/// A time at the start of a window.
const NOW: i64 = 1_800_000_000 - 1_800_000_000 % WINDOW_SECONDS;

async fn store(dir: &tempfile::TempDir) -> Store {
    Store::connect(
        &common::test_database_url(dir.path()),
        &PoolSettings::default(),
    )
    .await
    .unwrap()
}

fn group(per_client: u32, global: u32) -> Group {
    Group {
        scope: "token",
        limit: RateLimit { per_client, global },
    }
}

async fn reserved(store: &Store, client: &str, window_start: i64) -> i64 {
    // Reserving nothing reads the count.
    store
        .reserve_requests("token", client, window_start, 0)
        .await
        .unwrap()
}

#[tokio::test]
async fn two_instances_never_let_more_than_the_global_limit_through() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let (first, second) = (Limiter::new(), Limiter::new());
    let group = group(1_000_000, 1_000);
    let mut allowed = 0;
    let mut refused_for_everyone = 0;
    // Bursts on each instance in turn, from many clients, more than the limit in all.
    for round in 0..30 {
        let limiter = if round % 2 == 0 { &first } else { &second };
        for request in 0..100 {
            let client = format!("10.0.{round}.{request}");
            match limiter
                .count(&store, group, &client, NOW + 5)
                .await
                .unwrap()
            {
                Verdict::Allowed => allowed += 1,
                Verdict::Limited {
                    everyone: true,
                    retry_after,
                } => {
                    assert_eq!(retry_after, WINDOW_SECONDS - 5);
                    refused_for_everyone += 1;
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
    assert!(allowed <= 1_000, "{allowed} let through");
    // What an instance holds back is at most a sixteenth of the limit each.
    assert!(allowed >= 1_000 - 2 * 1_000 / 16, "{allowed} let through");
    assert_eq!(allowed + refused_for_everyone, 3_000);
    // The database saw a reservation per lease, not a write per request.
    assert!(reserved(&store, "*", NOW).await >= 1_000);
}

#[tokio::test]
async fn a_low_limit_is_counted_exactly_over_instances() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let (first, second) = (Limiter::new(), Limiter::new());
    let group = group(10, 1_000_000);
    let mut verdicts = Vec::new();
    for attempt in 0..14 {
        let limiter = if attempt % 3 == 0 { &first } else { &second };
        verdicts.push(
            limiter
                .count(&store, group, "203.0.113.9", NOW)
                .await
                .unwrap(),
        );
    }
    assert!(
        verdicts[..10].iter().all(|v| *v == Verdict::Allowed),
        "{verdicts:?}"
    );
    assert!(
        verdicts[10..].iter().all(|v| matches!(
            v,
            Verdict::Limited {
                everyone: false,
                ..
            }
        )),
        "{verdicts:?}"
    );
}

#[tokio::test]
async fn a_busy_counter_writes_once_per_lease_not_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let limiter = Limiter::new();
    let group = group(1_000_000, 1_000_000);
    for _ in 0..10_000 {
        assert_eq!(
            limiter.count(&store, group, "10.1.1.1", NOW).await.unwrap(),
            Verdict::Allowed
        );
    }
    // Leases of 1, 2, 4, … 8192: fourteen reservations cover 16,383 requests.
    assert_eq!(reserved(&store, "10.1.1.1", NOW).await, 16_383);
    assert_eq!(reserved(&store, "*", NOW).await, 16_383);
}

#[tokio::test]
async fn a_new_window_starts_afresh_and_past_leases_are_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let (first, second) = (Limiter::new(), Limiter::new());
    let group = group(1_000_000, 40);
    let mut allowed = 0;
    for request in 0..100 {
        let limiter = if request % 2 == 0 { &first } else { &second };
        let client = format!("10.2.0.{request}");
        if limiter
            .count(&store, group, &client, NOW + 59)
            .await
            .unwrap()
            == Verdict::Allowed
        {
            allowed += 1;
        }
    }
    assert!((40 - 2 * 2..=40).contains(&allowed), "{allowed}");
    // One second later is the next window: the limit is there again, on both instances.
    for limiter in [&first, &second] {
        assert_eq!(
            limiter
                .count(&store, group, "10.2.1.1", NOW + 60)
                .await
                .unwrap(),
            Verdict::Allowed
        );
    }
    // Each instance forgot the past window's leases: it keeps the new window's client's
    // and the count over all clients.
    assert_eq!(first.leases(), 2);
    assert_eq!(second.leases(), 2);
}

#[tokio::test]
async fn many_requests_at_once_on_one_instance_share_one_reservation() {
    let dir = tempfile::tempdir().unwrap();
    let store = store(&dir).await;
    let limiter = std::sync::Arc::new(Limiter::new());
    let group = group(1_000_000, 64);
    let tasks: Vec<_> = (0..200)
        .map(|request| {
            let (limiter, store) = (limiter.clone(), store.clone());
            tokio::spawn(async move {
                limiter
                    .count(&store, group, &format!("10.3.0.{request}"), NOW)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut allowed = 0;
    for task in tasks {
        if task.await.unwrap() == Verdict::Allowed {
            allowed += 1;
        }
    }
    // One instance alone: nothing is held back from anyone, the limit is exact.
    assert_eq!(allowed, 64);
}
