//! Starts a real portal in-process on a loopback port, with its own database: a SQLite
//! file, or a new PostgreSQL database when `SWITCHBOARD_TEST_POSTGRES` names a cluster.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

/// The test authenticator app of the test kit.
#[allow(unused_imports)]
pub use switchboard_e2e::authenticator;
pub mod sse;
pub mod world;

use std::path::Path;

use switchboard_portal::config::PortalConfig;
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
    switchboard_e2e::portal_config::test_database_url(data_dir).unwrap()
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
    let mut config = switchboard_e2e::portal_config::test_portal_config(data_dir).unwrap();
    config.status_page_url = Some("https://status.example.test/".parse().unwrap());
    config.providers =
        vec![
            switchboard_e2e::portal_config::unreachable_provider("http://127.0.0.1:1/acme-sso")
                .unwrap(),
        ];
    config
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
