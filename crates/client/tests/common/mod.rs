//! The client core's test app: a `Switchboard` on a controllable clock, its data folder
//! and the real keychain, against the test world (dev-idp + seeded portal).

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use switchboard_client::signin::app_redirect_uri;
use switchboard_client::{ClientConfig, SignInOutcome, Switchboard};
use switchboard_e2e::browser::Browser;
use switchboard_e2e::world::World;
use url::Url;

pub struct App {
    pub client: Switchboard,
    pub now: Arc<AtomicI64>,
    pub data_dir: std::path::PathBuf,
    pub config: ClientConfig,
}

pub fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl App {
    pub fn open(world: &World, data_dir: std::path::PathBuf) -> App {
        let now = Arc::new(AtomicI64::new(system_now()));
        let clock_now = Arc::clone(&now);
        let config = ClientConfig {
            portal_url: world.portal.clone(),
            status_page_url: None,
            redirect: switchboard_client::RedirectMode::Scheme,
        };
        let client = Switchboard::new(
            &config,
            &data_dir,
            Arc::new(move || clock_now.load(Ordering::SeqCst)),
        )
        .unwrap();
        App {
            client,
            now,
            data_dir,
            config,
        }
    }

    /// A fresh app process on the same machine: same data folder and keychain.
    pub fn restart(&self) -> App {
        let now = Arc::new(AtomicI64::new(system_now()));
        let clock_now = Arc::clone(&now);
        let client = Switchboard::new(
            &self.config,
            &self.data_dir,
            Arc::new(move || clock_now.load(Ordering::SeqCst)),
        )
        .unwrap();
        App {
            client,
            now,
            data_dir: self.data_dir.clone(),
            config: self.config.clone(),
        }
    }

    pub async fn link_for(&self, provider: &str, login_hint: &str) -> Url {
        // A company's own provider is not listed for everyone: the app starts it with the
        // work email as hint ("Continue with work email").
        let (start, _) = match self
            .client
            .begin_sign_in(provider, None, &app_redirect_uri())
            .await
        {
            Err(switchboard_client::ClientError::UnknownProvider(_)) => self
                .client
                .begin_sign_in(provider, Some(login_hint), &app_redirect_uri())
                .await
                .unwrap(),
            other => other.unwrap(),
        };
        Browser::new()
            .sign_in(&start.authorize_url, login_hint, &[])
            .await
            .unwrap()
    }

    pub async fn sign_in(&self, provider: &str, login_hint: &str) -> SignInOutcome {
        let link = self.link_for(provider, login_hint).await;
        self.client.complete_sign_in(&link).await.unwrap()
    }
}

pub fn ready(
    outcome: SignInOutcome,
) -> (
    switchboard_api::AccountSummary,
    switchboard_client::PhoneSummary,
) {
    match outcome {
        SignInOutcome::Ready { account, phone } => (account, phone),
        other => panic!("expected Ready, got {other:?}"),
    }
}

pub async fn world_and_app() -> (World, App) {
    let world = World::start("127.0.0.1:0").await.unwrap();
    let data_dir = world.scratch_dir("app-data").unwrap();
    let app = App::open(&world, data_dir);
    (world, app)
}

pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
