//! Starts a real portal in-process on a loopback port, with its own database: a SQLite
//! file, or a new PostgreSQL database when `SWITCHBOARD_TEST_POSTGRES` names a cluster.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

/// The test authenticator app, shared with the end-to-end tests (included, not a
/// dependency: the end-to-end crate depends on the portal).
#[path = "../../../../tests/src/authenticator.rs"]
pub mod authenticator;
pub mod sse;
pub mod world;

use std::path::Path;

use switchboard_portal::config::{PortalConfig, ProviderConfig};
use switchboard_portal::crypto::EncryptionKey;
use switchboard_portal::Portal;
use tokio::sync::oneshot;
use url::Url;

pub struct RunningPortal {
    pub url: Url,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningPortal {
    pub fn endpoint(&self, path: &str) -> Url {
        self.url.join(path.trim_start_matches('/')).unwrap()
    }

    /// Graceful shutdown, waiting until the portal has let go of its database.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        (&mut self.task).await.unwrap();
    }
}

/// The test's database, made once per data folder (a config made again for a restart
/// keeps it).
pub fn test_database_url(data_dir: &Path) -> String {
    let remembered = data_dir.join("database-url");
    if let Ok(url) = std::fs::read_to_string(&remembered) {
        return url;
    }
    let url = switchboard_portal::store::testing::test_database_url(data_dir).unwrap();
    std::fs::write(&remembered, &url).unwrap();
    url
}

/// dev-idp, serving until the sender is dropped or used.
pub async fn start_dev_idp(
    config: switchboard_dev_idp::DevIdpConfig,
) -> (Url, oneshot::Sender<()>) {
    let idp = switchboard_dev_idp::bind(config).await.unwrap();
    let url = idp.url();
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(idp.serve(async {
        let _ = stopped.await;
    }));
    (url, stop)
}

pub fn test_config(data_dir: &Path) -> PortalConfig {
    let key_file = data_dir.join("encryption.key");
    if !key_file.exists() {
        switchboard_portal::private_file::write_private_file(
            &key_file,
            EncryptionKey::generate_base64().as_bytes(),
        )
        .unwrap();
    }
    PortalConfig {
        name: "Test Phones".into(),
        listen: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        database_url: test_database_url(data_dir),
        status_page_url: Some("https://status.example.test/".parse().unwrap()),
        encryption_key_file: Some(key_file),
        providers: vec![ProviderConfig {
            id: "acme-sso".into(),
            kind: switchboard_api::ProviderKind::Oidc,
            display_name: "Acme SSO".into(),
            issuer: "http://127.0.0.1:1/acme-sso".parse().unwrap(),
            client_id: "portal".into(),
            client_secret_file: None,
            apple_team_id: None,
            apple_key_id: None,
            shown_to_everyone: None,
            token_endpoint_auth_method: None,
            private_key_file: None,
            private_key_id: None,
            match_by_email: None,
        }],
        password_sign_in: true,
        app_redirect_scheme: switchboard_portal::config::DEFAULT_APP_SCHEME.into(),
        database: Default::default(),
        audit: Default::default(),
        server: Default::default(),
        // Many sign-ins a minute from one address: these tests are not about rate limits.
        rate_limits: switchboard_portal::config::RateLimitSettings::every_group(
            switchboard_portal::config::RateLimit {
                per_client: 1_000_000,
                global: 1_000_000,
            },
        ),
        // Mail (the code confirming a notification email) lands in files the tests read.
        registrar: Default::default(),
        mail: switchboard_portal::config::MailSettings {
            outbox: Some(data_dir.join("mail")),
        },
    }
}

pub async fn start(config: &PortalConfig) -> (RunningPortal, Portal) {
    let portal = Portal::bind(config).await.unwrap();
    (
        RunningPortal {
            url: portal.url().clone(),
            stop: None,
            task: tokio::spawn(async {}),
        },
        portal,
    )
}

pub async fn serve(portal: Portal) -> RunningPortal {
    let url = portal.url().clone();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        portal
            .serve(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    RunningPortal {
        url,
        stop: Some(stop),
        task,
    }
}

pub async fn start_serving(config: &PortalConfig) -> RunningPortal {
    let portal = Portal::bind(config).await.unwrap();
    serve(portal).await
}
