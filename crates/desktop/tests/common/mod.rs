//! The test app: the client core (`client`) on a controllable clock, its data folder and
//! the real keychain, and the app layer over it (`views`) with a platform that records what
//! it was asked, against the test world (dev-idp + seeded portal).

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

use std::sync::atomic::AtomicI64;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use switchboard_client::signin::app_redirect_uri;
use switchboard_client::{ClientConfig, SignInOutcome, Switchboard};
use switchboard_desktop::{AppView, BrowserUnavailable, Platform};
use switchboard_e2e::browser::Browser;
use switchboard_e2e::world::World;
use url::Url;

pub struct App {
    pub client: Arc<Switchboard>,
    pub views: Arc<switchboard_desktop::App>,
    /// What the app layer did to the platform: pages opened, views pushed.
    pub platform: Arc<Recorded>,
    pub now: Arc<AtomicI64>,
    pub data_dir: std::path::PathBuf,
    pub config: ClientConfig,
}

/// A platform that records: the pages the app opened, the views it pushed to the window.
#[derive(Default)]
pub struct Recorded {
    pub opened: Mutex<Vec<Url>>,
    pub shown: Mutex<Vec<AppView>>,
    /// The lines as pushed to the window, each time they changed.
    pub lines: Mutex<Vec<Vec<switchboard_desktop::LineView>>>,
    /// The calls as pushed to the window, each time they changed.
    pub calls: Mutex<Vec<switchboard_desktop::CallsView>>,
    /// Set: opening the browser fails, as on a computer without one.
    pub no_browser: std::sync::atomic::AtomicBool,
    /// What the save dialog answers (`None`: the user cancels), and what it was asked.
    pub save_answer: Mutex<Option<std::path::PathBuf>>,
    pub save_requests: Mutex<Vec<switchboard_desktop::SaveRequest>>,
}

struct Opened(Arc<Recorded>);
impl switchboard_desktop::Browser for Opened {
    fn open(&self, url: &Url) -> Result<(), BrowserUnavailable> {
        if self.0.no_browser.load(Ordering::SeqCst) {
            return Err(BrowserUnavailable("no browser is installed".into()));
        }
        self.0.opened.lock().unwrap().push(url.clone());
        Ok(())
    }
}
struct Asked(Arc<Recorded>);
impl switchboard_desktop::SaveDialog for Asked {
    fn choose(
        &self,
        request: &switchboard_desktop::SaveRequest,
    ) -> Result<Option<std::path::PathBuf>, switchboard_desktop::SaveDialogUnavailable> {
        self.0.save_requests.lock().unwrap().push(request.clone());
        Ok(self.0.save_answer.lock().unwrap().clone())
    }
}
struct Shown(Arc<Recorded>);
impl switchboard_desktop::Window for Shown {
    fn show(&self, view: AppView) {
        self.0.shown.lock().unwrap().push(view);
    }
    fn show_lines(&self, lines: Vec<switchboard_desktop::LineView>) {
        self.0.lines.lock().unwrap().push(lines);
    }
    fn show_calls(&self, calls: switchboard_desktop::CallsView) {
        self.0.calls.lock().unwrap().push(calls);
    }
}
struct SchemeRegistered;
impl switchboard_desktop::SchemeProbe for SchemeRegistered {
    fn scheme_registered(&self, _scheme: &str) -> bool {
        true
    }
}

fn assemble(config: &ClientConfig, data_dir: &std::path::Path) -> App {
    let now = Arc::new(AtomicI64::new(system_now()));
    let clock_now = Arc::clone(&now);
    let client = Arc::new(
        Switchboard::new(
            config,
            data_dir,
            Arc::new(move || clock_now.load(Ordering::SeqCst)),
        )
        .unwrap(),
    );
    let recorded = Arc::new(Recorded::default());
    let platform = Platform {
        browser: Arc::new(Opened(Arc::clone(&recorded))),
        scheme: Arc::new(SchemeRegistered),
        window: Arc::new(Shown(Arc::clone(&recorded))),
        save_dialog: Arc::new(Asked(Arc::clone(&recorded))),
        documents_dir: Some(data_dir.join("Documents")),
    };
    let views = switchboard_desktop::App::new(Arc::clone(&client), config.clone(), platform);
    App {
        client,
        views,
        platform: recorded,
        now,
        data_dir: data_dir.to_owned(),
        config: config.clone(),
    }
}

pub fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl App {
    pub fn open(world: &World, data_dir: std::path::PathBuf) -> App {
        Self::open_with(world, data_dir, switchboard_client::RedirectMode::Scheme)
    }

    /// The app with the browser coming back the way `redirect` says.
    pub fn open_with(
        world: &World,
        data_dir: std::path::PathBuf,
        redirect: switchboard_client::RedirectMode,
    ) -> App {
        let config = ClientConfig {
            portal_url: world.portal.clone(),
            status_page_url: None,
            redirect,
        };
        assemble(&config, &data_dir)
    }

    /// The app with this configuration (another portal address: another keychain).
    pub fn open_with_config(config: ClientConfig, data_dir: std::path::PathBuf) -> App {
        assemble(&config, &data_dir)
    }

    /// A fresh app process on the same machine: same data folder and keychain.
    pub fn restart(&self) -> App {
        assemble(&self.config, &self.data_dir)
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
