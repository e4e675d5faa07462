//! Refresh tokens: rotation, the grace window, replay revoking the family, idle and
//! absolute lifetimes from organization policy. Time is passed in: no sleeping.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use switchboard_portal::request::RequestContext;
use switchboard_portal::seed::seed_demo;
use switchboard_portal::signin::sessions::{
    account_for_access_token, refresh, revoke_token, start_session, SessionError,
    REFRESH_GRACE_SECONDS,
};
use switchboard_portal::store::{Engine, Store};

const T0: i64 = 1_800_000_000;
const IDLE: i64 = 14 * 24 * 3600;
const ABSOLUTE: i64 = 90 * 24 * 3600;

async fn seeded_pool(dir: &std::path::Path) -> Store {
    let config = common::test_config(dir);
    let (_, portal) = common::start(&config).await;
    seed_demo(portal.store(), &config.encryption_key().unwrap(), T0)
        .await
        .unwrap();
    portal.store().clone()
}

#[tokio::test]
async fn every_refresh_rotates_and_the_old_token_is_then_refused() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let (_, first) = start_session(
        &pool,
        "acct-alice",
        "password",
        "laptop",
        &RequestContext::default(),
        T0,
    )
    .await
    .unwrap();

    let second = refresh(
        &pool,
        &first.refresh_token,
        &RequestContext::default(),
        T0 + 60,
    )
    .await
    .unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    assert_ne!(second.access_token, first.access_token);
    assert_eq!(second.account.username, "alice");
    let third = refresh(
        &pool,
        &second.refresh_token,
        &RequestContext::default(),
        T0 + 120,
    )
    .await
    .unwrap();

    // The first token is two generations old: someone copied it. The family ends.
    let replay = refresh(
        &pool,
        &first.refresh_token,
        &RequestContext::default(),
        T0 + 180,
    )
    .await;
    assert!(matches!(replay, Err(SessionError::Replayed)), "{replay:?}");
    assert!(matches!(
        refresh(
            &pool,
            &third.refresh_token,
            &RequestContext::default(),
            T0 + 181
        )
        .await,
        Err(SessionError::Invalid)
    ));
    assert_eq!(
        account_for_access_token(&pool, &third.access_token, T0 + 182)
            .await
            .unwrap(),
        None,
        "the family's access tokens die with it"
    );
}

#[tokio::test]
async fn the_just_rotated_token_works_within_the_grace_window_only() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let (_, first) = start_session(
        &pool,
        "acct-alice",
        "password",
        "laptop",
        &RequestContext::default(),
        T0,
    )
    .await
    .unwrap();

    // The app rotated but crashed before writing the new token to the keychain: it
    // presents the old one again, a moment later, and is not signed out.
    let lost = refresh(
        &pool,
        &first.refresh_token,
        &RequestContext::default(),
        T0 + 10,
    )
    .await
    .unwrap();
    let recovered = refresh(
        &pool,
        &first.refresh_token,
        &RequestContext::default(),
        T0 + 10 + REFRESH_GRACE_SECONDS,
    )
    .await
    .unwrap();
    assert_ne!(recovered.refresh_token, lost.refresh_token);
    // The recovered token is the family's current one and keeps working.
    let next = refresh(
        &pool,
        &recovered.refresh_token,
        &RequestContext::default(),
        T0 + 100,
    )
    .await
    .unwrap();

    // The lost successor was superseded: presenting it now is a replay.
    assert!(matches!(
        refresh(
            &pool,
            &lost.refresh_token,
            &RequestContext::default(),
            T0 + 101
        )
        .await,
        Err(SessionError::Replayed)
    ));
    assert!(matches!(
        refresh(
            &pool,
            &next.refresh_token,
            &RequestContext::default(),
            T0 + 102
        )
        .await,
        Err(SessionError::Invalid)
    ));
}

#[tokio::test]
async fn the_old_token_after_the_grace_window_revokes_the_family() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let (_, first) = start_session(
        &pool,
        "acct-alice",
        "password",
        "laptop",
        &RequestContext::default(),
        T0,
    )
    .await
    .unwrap();
    let second = refresh(
        &pool,
        &first.refresh_token,
        &RequestContext::default(),
        T0 + 10,
    )
    .await
    .unwrap();

    let late = refresh(
        &pool,
        &first.refresh_token,
        &RequestContext::default(),
        T0 + 11 + REFRESH_GRACE_SECONDS,
    )
    .await;
    assert!(matches!(late, Err(SessionError::Replayed)), "{late:?}");
    assert!(matches!(
        refresh(
            &pool,
            &second.refresh_token,
            &RequestContext::default(),
            T0 + 12 + REFRESH_GRACE_SECONDS
        )
        .await,
        Err(SessionError::Invalid)
    ));
}

#[tokio::test]
async fn idle_sessions_expire_and_use_keeps_them_alive() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let (_, first) = start_session(
        &pool,
        "acct-alice",
        "password",
        "laptop",
        &RequestContext::default(),
        T0,
    )
    .await
    .unwrap();

    // Used just before the idle limit each time: still signed in.
    let second = refresh(
        &pool,
        &first.refresh_token,
        &RequestContext::default(),
        T0 + IDLE,
    )
    .await
    .unwrap();
    let third = refresh(
        &pool,
        &second.refresh_token,
        &RequestContext::default(),
        T0 + 2 * IDLE,
    )
    .await
    .unwrap();

    // Left alone past the limit: expired, and stays so.
    let expired = refresh(
        &pool,
        &third.refresh_token,
        &RequestContext::default(),
        T0 + 3 * IDLE + 1,
    )
    .await;
    assert!(matches!(expired, Err(SessionError::Expired)), "{expired:?}");
    assert!(refresh(
        &pool,
        &third.refresh_token,
        &RequestContext::default(),
        T0 + 3 * IDLE + 2
    )
    .await
    .is_err());
}

#[tokio::test]
async fn sessions_end_at_the_absolute_lifetime_however_active() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let (_, mut tokens) = start_session(
        &pool,
        "acct-alice",
        "password",
        "laptop",
        &RequestContext::default(),
        T0,
    )
    .await
    .unwrap();
    let mut now = T0;
    while now + IDLE / 2 <= T0 + ABSOLUTE {
        now += IDLE / 2;
        tokens = refresh(
            &pool,
            &tokens.refresh_token,
            &RequestContext::default(),
            now,
        )
        .await
        .unwrap();
    }
    let expired = refresh(
        &pool,
        &tokens.refresh_token,
        &RequestContext::default(),
        T0 + ABSOLUTE + 1,
    )
    .await;
    assert!(matches!(expired, Err(SessionError::Expired)), "{expired:?}");
}

#[tokio::test]
async fn policy_changes_apply_to_existing_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let (_, tokens) = start_session(
        &pool,
        "acct-alice",
        "password",
        "laptop",
        &RequestContext::default(),
        T0,
    )
    .await
    .unwrap();
    pool.set_organization_policy("acme", None, Some(3600), None)
        .await
        .unwrap();
    assert!(matches!(
        refresh(
            &pool,
            &tokens.refresh_token,
            &RequestContext::default(),
            T0 + 3601
        )
        .await,
        Err(SessionError::Expired)
    ));
}

#[tokio::test]
async fn revoking_a_refresh_token_ends_the_session_and_unknown_tokens_are_fine() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let (_, tokens) = start_session(
        &pool,
        "acct-alice",
        "password",
        "laptop",
        &RequestContext::default(),
        T0,
    )
    .await
    .unwrap();
    assert_eq!(
        account_for_access_token(&pool, &tokens.access_token, T0 + 1)
            .await
            .unwrap()
            .as_deref(),
        Some("acct-alice")
    );
    revoke_token(&pool, "sbr_not-a-token", &RequestContext::default(), T0 + 2)
        .await
        .unwrap();
    revoke_token(
        &pool,
        &tokens.refresh_token,
        &RequestContext::default(),
        T0 + 2,
    )
    .await
    .unwrap();
    assert_eq!(
        account_for_access_token(&pool, &tokens.access_token, T0 + 3)
            .await
            .unwrap(),
        None
    );
    assert!(refresh(
        &pool,
        &tokens.refresh_token,
        &RequestContext::default(),
        T0 + 4
    )
    .await
    .is_err());
}

#[tokio::test]
async fn access_tokens_expire_and_refresh_tokens_are_stored_only_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let pool = seeded_pool(dir.path()).await;
    let (session_id, tokens) = start_session(
        &pool,
        "acct-alice",
        "password",
        "laptop",
        &RequestContext::default(),
        T0,
    )
    .await
    .unwrap();
    assert!(
        account_for_access_token(&pool, &tokens.access_token, T0 + 599)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        account_for_access_token(&pool, &tokens.access_token, T0 + 600)
            .await
            .unwrap()
            .is_none()
    );

    let stored = pool.refresh_token_hashes(&session_id).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored
        .iter()
        .all(|(hash, _)| hash.len() == 64 && !hash.starts_with("sbr_")));
    if pool.engine() != Engine::Sqlite {
        return;
    }
    pool.close().await;
    let raw = std::fs::read(dir.path().join("portal.db")).unwrap();
    let wal = std::fs::read(dir.path().join("portal.db-wal")).unwrap_or_default();
    for bytes in [raw, wal] {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(&tokens.refresh_token));
        assert!(!text.contains(&tokens.access_token));
    }
}
