//! The database as operators meet it: clear errors at start (a URL of another engine, an
//! unreachable server, a schema newer than the binary), and an outage while serving that
//! answers 503 with Retry-After, changes nothing half-way, and heals by itself.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::RETRY_AFTER;
use reqwest::StatusCode;
use serde_json::json;
use switchboard_api::{ApiError, ErrorCode, LoginStep, SessionTokens};
use switchboard_portal::crypto::EncryptionKey;
use switchboard_portal::seed::{seed_demo, SeedError};
use switchboard_portal::store::{Engine, NewOrganization, PoolSettings, Store, StoreError};
use switchboard_portal::Portal;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use url::Url;

fn quick() -> PoolSettings {
    PoolSettings {
        acquire_timeout: Duration::from_secs(1),
        ..PoolSettings::default()
    }
}

#[tokio::test]
async fn a_database_url_of_another_engine_is_refused_by_name() {
    let error = Store::connect("mysql://portal@db.example/switchboard", &quick())
        .await
        .err()
        .unwrap();
    assert!(matches!(error, StoreError::UnsupportedUrl(_)), "{error}");
    assert!(
        error.to_string().contains("sqlite:// or postgres://"),
        "{error}"
    );
}

#[tokio::test]
async fn an_unreachable_database_is_a_clear_error_at_start_without_its_password() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let url = format!("postgres://portal:hunter2-secret@127.0.0.1:{port}/switchboard");
    let error = Store::connect(&url, &quick()).await.err().unwrap();
    assert!(matches!(error, StoreError::Unreachable { .. }), "{error}");
    let message = error.to_string();
    assert!(
        message.contains(&format!("127.0.0.1:{port}/switchboard")),
        "{message}"
    );
    assert!(message.contains("database server is running"), "{message}");
    assert!(!message.contains("hunter2-secret"), "{message}");

    // `serve` says the same and does not start.
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::test_config(dir.path());
    config.database_url = url;
    config.database.timeout_seconds = Some(1);
    let error = Portal::bind(&config).await.err().unwrap().to_string();
    assert!(error.contains("cannot open the database"), "{error}");
}

#[tokio::test]
async fn a_schema_newer_than_this_portal_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::test_database_url(dir.path());
    let engine = Engine::of_url(&url).unwrap();
    Store::connect(&url, &quick()).await.unwrap().close().await;

    // A newer portal migrated the database further.
    let newer = dir.path().join("newer-migrations");
    std::fs::create_dir(&newer).unwrap();
    let ours = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    for entry in std::fs::read_dir(ours).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, newer.join(path.file_name().unwrap())).unwrap();
    }
    std::fs::write(
        newer.join("9001_from_the_future.sql"),
        "CREATE TABLE from_the_future (id BIGINT PRIMARY KEY);",
    )
    .unwrap();
    let migrator = sqlx::migrate::Migrator::new(newer.as_path()).await.unwrap();
    match engine {
        Engine::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
        Engine::Postgres => {
            let pool = sqlx::PgPool::connect(&url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
    }

    let error = Store::connect(&url, &quick()).await.err().unwrap();
    assert!(
        matches!(error, StoreError::SchemaTooNew { version: 9001 }),
        "{error}"
    );
    assert!(
        error.to_string().contains("newer than this portal"),
        "{error}"
    );
}

#[tokio::test]
async fn text_the_database_cannot_store_is_a_bad_request_on_either_engine() {
    let world = common::world::World::start().await;
    for (path, body) in [
        (
            "/v1/login/password",
            json!({"username": "alice\u{0}", "password": "alice-demo-pass"}),
        ),
        (
            "/v1/login/mfa",
            json!({"ticket": "sbt_\u{0}", "code": "123456"}),
        ),
    ] {
        let response = world.post(path, None, body).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let error: ApiError = response.json().await.unwrap();
        assert!(
            matches!(
                error.code,
                ErrorCode::InvalidCredentials | ErrorCode::InvalidRequest | ErrorCode::InvalidGrant
            ),
            "{path}: {error:?}"
        );
    }
}

/// A TCP proxy in front of the database that can be cut like a server going down (its
/// connections closed, new ones refused) and restored on the same port.
struct Cable {
    up: watch::Sender<bool>,
    port: u16,
}

impl Cable {
    async fn to(upstream: String) -> Cable {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (up, mut watching) = watch::channel(true);
        let for_connections = up.subscribe();
        tokio::spawn(async move {
            let mut listener = Some(listener);
            loop {
                let Some(open) = listener.as_ref() else {
                    // Down: nothing listens until the cable is restored.
                    if watching.wait_for(|up| *up).await.is_err() {
                        return;
                    }
                    listener = Some(TcpListener::bind(("127.0.0.1", port)).await.unwrap());
                    continue;
                };
                tokio::select! {
                    accepted = open.accept() => {
                        let Ok((mut client, _)) = accepted else { return };
                        let upstream = upstream.clone();
                        let mut cut = for_connections.clone();
                        tokio::spawn(async move {
                            let Ok(mut server) = TcpStream::connect(&upstream).await else {
                                return;
                            };
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                                _ = cut.wait_for(|up| !*up) => {}
                            }
                        });
                    }
                    changed = watching.wait_for(|up| !*up) => {
                        if changed.is_err() {
                            return;
                        }
                        drop(changed);
                        listener = None;
                    }
                }
            }
        });
        Cable { up, port }
    }

    fn cut(&self) {
        self.up.send_replace(false);
    }

    fn restore(&self) {
        self.up.send_replace(true);
    }
}

#[tokio::test]
async fn a_database_outage_answers_503_with_retry_after_and_the_portal_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let url = common::test_database_url(dir.path());
    if Engine::of_url(&url).unwrap() != Engine::Postgres {
        // An embedded SQLite file has no server to lose; the PostgreSQL pass runs this.
        eprintln!("runs on the PostgreSQL pass only");
        return;
    }
    let mut through_cable: Url = url.parse().unwrap();
    let upstream = format!(
        "{}:{}",
        through_cable.host_str().unwrap(),
        through_cable.port().unwrap()
    );
    let cable = Cable::to(upstream).await;
    through_cable.set_port(Some(cable.port)).unwrap();

    let mut config = common::test_config(dir.path());
    config.database_url = through_cable.to_string();
    config.database.timeout_seconds = Some(1);
    let portal = Portal::bind_with_clock(&config, Arc::new(switchboard_portal::clock::SystemClock))
        .await
        .unwrap();
    seed_demo(
        portal.store(),
        &config.encryption_key().unwrap(),
        1_800_000_000,
    )
    .await
    .unwrap();
    let portal = common::serve(portal).await;
    let http = reqwest::Client::new();
    let signed_in = http
        .post(portal.endpoint("/v1/login/password"))
        .json(&json!({"username": "alice", "password": "alice-demo-pass"}))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::OK);
    let LoginStep::SignedIn { session } = signed_in.json::<LoginStep>().await.unwrap() else {
        panic!("expected SignedIn");
    };
    let refresh = |token: String| {
        http.post(portal.endpoint("/v1/token"))
            .form(&[("grant_type", "refresh_token"), ("refresh_token", &token)])
            .send()
    };

    cable.cut();
    for response in [
        refresh(session.refresh_token.clone()).await.unwrap(),
        http.post(portal.endpoint("/v1/login/password"))
            .json(&json!({"username": "alice", "password": "alice-demo-pass"}))
            .send()
            .await
            .unwrap(),
        http.get(portal.endpoint("/healthz")).send().await.unwrap(),
    ] {
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[RETRY_AFTER], "5");
        let error: ApiError = response.json().await.unwrap();
        assert_eq!(error.code, ErrorCode::TemporarilyUnavailable);
        assert_eq!(error.retry_after_seconds, Some(5));
    }

    // Back again: the portal reconnects by itself, and the refresh that failed changed
    // nothing, so the same token still works.
    cable.restore();
    let mut healthy = false;
    for _ in 0..50 {
        if http
            .get(portal.endpoint("/healthz"))
            .send()
            .await
            .unwrap()
            .status()
            == StatusCode::OK
        {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(healthy, "the portal did not recover");
    let refreshed = refresh(session.refresh_token.clone()).await.unwrap();
    assert_eq!(refreshed.status(), StatusCode::OK);
    let _: SessionTokens = refreshed.json().await.unwrap();
    portal.stop().await;
}

#[cfg(unix)]
#[tokio::test]
async fn a_sqlite_database_is_readable_by_this_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portal.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = Store::connect(&url, &quick()).await.unwrap();
    seed_demo(
        &store,
        &EncryptionKey::from_base64(&EncryptionKey::generate_base64()).unwrap(),
        1_800_000_000,
    )
    .await
    .unwrap();
    for file in ["portal.db", "portal.db-wal", "portal.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}: {mode:o}");
    }
    store.close().await;

    // A file someone made readable by others is made private again at start.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    Store::connect(&url, &quick()).await.unwrap().close().await;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

#[tokio::test]
async fn demo_accounts_are_never_added_next_to_real_organizations() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&common::test_database_url(dir.path()), &quick())
        .await
        .unwrap();
    let inserted = store
        .insert_organization_with_accounts(
            &NewOrganization {
                id: "globex",
                name: "Globex",
                require_totp_for_sso: false,
                session_idle_seconds: 3600,
                session_absolute_seconds: 86400,
                providers: &[],
            },
            &[],
            1_800_000_000,
        )
        .await
        .unwrap();
    assert!(inserted);
    let key = EncryptionKey::from_base64(&EncryptionKey::generate_base64()).unwrap();
    let error = seed_demo(&store, &key, 1_800_000_000).await.err().unwrap();
    assert!(
        matches!(error, SeedError::NotADemoDatabase { others: 1 }),
        "{error}"
    );
    assert!(error.to_string().contains("empty database"), "{error}");
    assert_eq!(store.account_count().await.unwrap(), 0);
}
