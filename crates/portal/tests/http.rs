//! The portal over real HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use switchboard_api::{ApiError, ErrorCode, Health, HealthStatus, ProviderKind, SignInOptions};
use switchboard_portal::seed::{seed_demo, DEMO_ACCOUNTS};

#[tokio::test]
async fn health_answers_ok_with_the_version() {
    let dir = tempfile::tempdir().unwrap();
    let portal = common::start_serving(&common::test_config(dir.path())).await;

    let response = reqwest::get(portal.endpoint("/healthz")).await.unwrap();
    assert_eq!(response.status(), 200);
    let health: Health = response.json().await.unwrap();
    assert_eq!(health.status, HealthStatus::Ok);
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    portal.stop().await;
}

#[tokio::test]
async fn sign_in_options_name_the_portal_and_hide_company_providers() {
    let dir = tempfile::tempdir().unwrap();
    let portal = common::start_serving(&common::test_config(dir.path())).await;

    let options: SignInOptions = reqwest::get(portal.endpoint("/v1/sign-in-options"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(options.portal_name, "Test Phones");
    assert_eq!(
        options.status_page_url.as_deref(),
        Some("https://status.example.test/")
    );
    assert!(options.password_sign_in);
    // The only provider is a company's own: its users find it by their work email.
    assert!(options.providers.is_empty(), "{:?}", options.providers);
    let raw: serde_json::Value = reqwest::get(portal.endpoint("/v1/sign-in-options"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Client ids and secrets of providers are the portal's business only.
    assert!(!raw.to_string().contains("client_id"), "{raw}");
    portal.stop().await;
}

#[tokio::test]
async fn a_company_provider_shown_to_everyone_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(dir.path());
    config.providers[0].shown_to_everyone = Some(true);
    let portal = common::start_serving(&config).await;

    let options: SignInOptions = reqwest::get(portal.endpoint("/v1/sign-in-options"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(options.providers.len(), 1);
    assert_eq!(options.providers[0].id, "acme-sso");
    assert_eq!(options.providers[0].kind, ProviderKind::Oidc);
    portal.stop().await;
}

#[tokio::test]
async fn unknown_paths_answer_a_json_error_with_a_stable_code() {
    let dir = tempfile::tempdir().unwrap();
    let portal = common::start_serving(&common::test_config(dir.path())).await;

    let response = reqwest::get(portal.endpoint("/no/such/thing"))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let error: ApiError = response.json().await.unwrap();
    assert_eq!(error.code, ErrorCode::NotFound);
    assert!(!error.message.is_empty());
    portal.stop().await;
}

#[tokio::test]
async fn served_openapi_document_is_the_committed_one() {
    let dir = tempfile::tempdir().unwrap();
    let portal = common::start_serving(&common::test_config(dir.path())).await;

    let served: serde_json::Value = reqwest::get(portal.endpoint("/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The committed copy is checked against the same document by `openapi_snapshot`.
    let generated = serde_json::to_value(switchboard_portal::openapi::document()).unwrap();
    assert!(
        served == generated,
        "the served document is not the generated one"
    );
    for path in ["/healthz", "/v1/sign-in-options"] {
        assert!(served["paths"].get(path).is_some(), "{path} undocumented");
    }
    portal.stop().await;
}

#[tokio::test]
async fn demo_data_is_seeded_once_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = common::test_config(dir.path());
    let key = config.encryption_key().unwrap();

    let (_, portal) = common::start(&config).await;
    assert!(seed_demo(portal.store(), &key, 1_700_000_000)
        .await
        .unwrap());
    assert!(!seed_demo(portal.store(), &key, 1_700_000_000)
        .await
        .unwrap());
    let running = common::serve(portal).await;
    running.stop().await;

    let (_, portal) = common::start(&config).await;
    let accounts = portal.store().account_count().await.unwrap();
    assert_eq!(accounts, DEMO_ACCOUNTS.len() as i64);

    // Secrets are encrypted at rest and readable with the configured key only.
    let totp = portal
        .store()
        .totp_state("acct-tom")
        .await
        .unwrap()
        .unwrap()
        .totp_secret_encrypted
        .unwrap();
    assert!(!totp.contains(switchboard_portal::seed::DEMO_TOTP_SECRET));
    assert_eq!(
        key.decrypt(
            &totp,
            switchboard_portal::crypto::Binding::totp_secret("acct-tom")
        )
        .unwrap(),
        switchboard_portal::seed::DEMO_TOTP_SECRET.as_bytes()
    );
    let hash = portal
        .store()
        .credentials_by_username("alice")
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert!(switchboard_portal::password::verify_password(
        "alice-demo-pass",
        &hash
    ));
    let sip = portal
        .store()
        .sip_profile("acct-alice")
        .await
        .unwrap()
        .unwrap();
    assert!(!sip.password_encrypted.contains("demo-sip-"));
    assert!(String::from_utf8(
        key.decrypt(
            &sip.password_encrypted,
            switchboard_portal::crypto::Binding::sip_password("acct-alice")
        )
        .unwrap()
    )
    .unwrap()
    .starts_with("demo-sip-"));
    if portal.store().engine() == switchboard_portal::store::Engine::Sqlite {
        let raw_db = std::fs::read(dir.path().join("portal.db")).unwrap();
        let raw_db = String::from_utf8_lossy(&raw_db);
        assert!(!raw_db.contains("alice-demo-pass"));
        assert!(!raw_db.contains("demo-sip-"));
    }
}
