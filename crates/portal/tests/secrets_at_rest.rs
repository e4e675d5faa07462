//! Secrets at rest, attacked with write access to the database: a ciphertext moved to
//! another row, recovery codes searched for in a leaked copy; and secrets that an earlier
//! version stored (unbound, unkeyed) upgraded when the portal starts.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::XChaCha20Poly1305;
use common::world::{signed_in, World};
use reqwest::StatusCode;
use serde_json::json;
use switchboard_api::{LoginStep, SipProfile};
use switchboard_portal::seed::{demo_sip_credentials, DEMO_ACCOUNTS, DEMO_TOTP_SECRET};
use switchboard_portal::tokens::token_hash;

/// Runs one statement with text parameters on the world's database, as someone with write
/// access to it would.
async fn execute(world: &World, sql: &str, binds: &[&str]) -> u64 {
    let url = &world.config.database_url;
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let mut query = sqlx::query(sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        query.execute(&pool).await.unwrap().rows_affected()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let mut query = sqlx::query(sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        query.execute(&pool).await.unwrap().rows_affected()
    }
}

async fn strings(world: &World, sql: &str, binds: &[&str]) -> Vec<String> {
    let url = &world.config.database_url;
    if url.starts_with("sqlite:") {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let mut query = sqlx::query_scalar(sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        query.fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let mut query = sqlx::query_scalar(sql);
        for bind in binds {
            query = query.bind(*bind);
        }
        query.fetch_all(&pool).await.unwrap()
    }
}

/// How versions before row binding stored an encrypted value: base64(nonce || ciphertext),
/// no associated data.
fn legacy_encrypt(world: &World, plaintext: &[u8]) -> String {
    let key_file = world.config.encryption_key_file.clone().unwrap();
    let key_text = std::fs::read_to_string(key_file).unwrap();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(key_text.trim())
        .unwrap();
    let cipher = XChaCha20Poly1305::new_from_slice(&bytes).unwrap();
    let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
    let mut out = nonce.to_vec();
    out.extend(cipher.encrypt(&nonce, plaintext).unwrap());
    base64::engine::general_purpose::STANDARD.encode(out)
}

impl World {
    async fn password_sign_in(&self, username: &str, password: &str) -> LoginStep {
        let answer = self
            .post(
                "/v1/login/password",
                None,
                json!({ "username": username, "password": password, "device_name": "Laptop" }),
            )
            .await;
        assert_eq!(answer.status(), StatusCode::OK);
        answer.json().await.unwrap()
    }

    async fn code(&self, ticket: &str, code: &str) -> reqwest::Response {
        self.post(
            "/v1/login/mfa",
            None,
            json!({ "ticket": ticket, "code": code }),
        )
        .await
    }

    async fn sip_password_of(&self, username: &str, password: &str) -> reqwest::Response {
        let session = signed_in(self.password_sign_in(username, password).await);
        self.sip_profile(&session.access_token, None).await
    }
}

fn mfa_ticket(step: LoginStep) -> String {
    match step {
        LoginStep::MfaRequired { ticket, .. } => ticket,
        other => panic!("expected MfaRequired, got {other:?}"),
    }
}

#[tokio::test]
async fn a_sip_password_moved_to_another_account_is_not_given_out() {
    let world = World::start().await;
    let alice: SipProfile = world
        .sip_password_of("alice", "alice-demo-pass")
        .await
        .json()
        .await
        .unwrap();
    let maria_session = signed_in(world.password_sign_in("maria", "maria-demo-pass").await);
    let maria_before: SipProfile = world
        .sip_profile(&maria_session.access_token, None)
        .await
        .json()
        .await
        .unwrap();
    // Someone who can write to the database copies Alice's encrypted device password into
    // the credential of Maria's device, hoping Maria's profile hands it out.
    let stolen = strings(
        &world,
        "SELECT password_encrypted FROM sip_credentials WHERE auth_user = $1",
        &[&alice.auth_user],
    )
    .await
    .remove(0);
    let moved = execute(
        &world,
        "UPDATE sip_credentials SET password_encrypted = $1 WHERE auth_user = $2",
        &[&stolen, &maria_before.auth_user],
    )
    .await;
    assert_eq!(moved, 1);
    // Her device asks again (the same session).
    let maria = world.sip_profile(&maria_session.access_token, None).await;
    assert_eq!(maria.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body = maria.text().await.unwrap();
    assert!(!body.contains(&alice.password), "{body}");
}

#[tokio::test]
async fn an_authenticator_secret_moved_to_another_account_does_not_verify_codes() {
    let world = World::start().await;
    // Tom's authenticator secret copied to Maria's account.
    let stolen = strings(
        &world,
        "SELECT totp_secret_encrypted FROM accounts WHERE id = $1",
        &["acct-tom"],
    )
    .await
    .remove(0);
    execute(
        &world,
        "UPDATE accounts SET totp_secret_encrypted = $1 WHERE id = $2",
        &[&stolen, "acct-maria"],
    )
    .await;
    let ticket = mfa_ticket(world.password_sign_in("maria", "maria-demo-pass").await);
    let now = switchboard_portal::clock::Clock::now(&world.clock);
    let secret = totp_rs::Secret::try_from_base32(DEMO_TOTP_SECRET).unwrap();
    let code = totp_rs::Builder::new()
        .with_secret(secret.as_ref().to_vec())
        .build_noncompliant()
        .generate(now as u64)
        .to_string();
    let answer = world.code(&ticket, &code).await;
    assert_eq!(answer.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn secrets_from_earlier_versions_are_bound_and_keyed_when_the_portal_starts() {
    let world = World::start().await;
    let (_, alice_static_password) = demo_sip_credentials(
        DEMO_ACCOUNTS
            .iter()
            .find(|account| account.id == "acct-alice")
            .unwrap(),
    );
    // What an earlier version left: an unbound SIP password and authenticator secret, and
    // an unkeyed recovery-code hash (plain SHA-256 of the normalized code).
    execute(
        &world,
        "UPDATE sip_profiles SET password_encrypted = $1 WHERE account_id = $2",
        &[
            &legacy_encrypt(&world, alice_static_password.as_bytes()),
            "acct-alice",
        ],
    )
    .await;
    execute(
        &world,
        "UPDATE accounts SET totp_secret_encrypted = $1 WHERE id = $2",
        &[
            &legacy_encrypt(&world, DEMO_TOTP_SECRET.as_bytes()),
            "acct-tom",
        ],
    )
    .await;
    let recovery_code = "abcde-fghjk";
    let legacy_hash = token_hash("abcdefghjk");
    execute(
        &world,
        "INSERT INTO recovery_codes (account_id, code_hash, created_at) VALUES ($1, $2, 0)",
        &["acct-tom", &legacy_hash],
    )
    .await;

    // The portal starts again (a second instance on the same database).
    let restarted = switchboard_portal::Portal::bind(&world.config)
        .await
        .unwrap();
    drop(restarted);

    let stored_sip = strings(
        &world,
        "SELECT password_encrypted FROM sip_profiles WHERE account_id = $1",
        &["acct-alice"],
    )
    .await;
    assert!(stored_sip[0].starts_with("v2:"), "{stored_sip:?}");
    let stored_codes = strings(
        &world,
        "SELECT code_hash FROM recovery_codes WHERE account_id = $1",
        &["acct-tom"],
    )
    .await;
    // A leaked copy no longer holds the plain hash one pass over all codes would find.
    assert!(stored_codes.iter().all(|hash| hash.starts_with("h1:")));
    assert!(stored_codes.iter().all(|hash| !hash.contains(&legacy_hash)));

    // Everything still works: Alice's SIP password, Tom's recovery code (once).
    let alice_after: SipProfile = world
        .sip_password_of("alice", "alice-demo-pass")
        .await
        .json()
        .await
        .unwrap();
    assert!(alice_after.auth_user.starts_with("dev-"));
    // The upgraded static password still gives the registrar the same digest.
    let (static_user, static_password) = demo_sip_credentials(
        DEMO_ACCOUNTS
            .iter()
            .find(|account| account.id == "acct-alice")
            .unwrap(),
    );
    let registrar = world
        .store()
        .await
        .registrar_credentials(false)
        .await
        .unwrap();
    let row = registrar
        .iter()
        .find(|row| row.username == static_user)
        .unwrap();
    assert_eq!(
        row.ha1,
        switchboard_portal::sip_credentials::digests(&static_user, &row.domain, &static_password).0
    );
    let ticket = mfa_ticket(world.password_sign_in("tom", "tom-demo-pass").await);
    assert_eq!(
        world.code(&ticket, recovery_code).await.status(),
        StatusCode::OK
    );
    let ticket = mfa_ticket(world.password_sign_in("tom", "tom-demo-pass").await);
    assert_eq!(
        world.code(&ticket, recovery_code).await.status(),
        StatusCode::BAD_REQUEST
    );
}
