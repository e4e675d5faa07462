//! The browser sign-in, shared by the window and the CLI: where the browser comes back (the
//! app's URL scheme when the OS hands it to this app, else a loopback port), opening the
//! browser, how long the loopback port stays open (as long as its sign-in waits: cancelled,
//! finished or expired, it closes), and which links are dropped without a word (those that
//! belong to no sign-in started here).

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard_client::signin::{app_redirect_uri, APP_SCHEME};
use switchboard_client::{
    ClientError, RedirectMode, SignInError, SignInOutcome, SignInStart, Switchboard,
};
use url::Url;

use crate::loopback::LoopbackRedirect;

/// The browser could not be opened; the window offers the link to copy instead.
#[derive(Debug, thiserror::Error)]
#[error("cannot open the browser: {0}")]
pub struct BrowserUnavailable(pub String);

/// Opens a web page in the user's browser.
pub trait Browser: Send + Sync {
    fn open(&self, url: &Url) -> Result<(), BrowserUnavailable>;
}

/// Whether the OS hands links of a URL scheme to this app.
pub trait SchemeProbe: Send + Sync {
    fn scheme_registered(&self, scheme: &str) -> bool;
}

/// A browser started as a program with the URL as its argument.
pub struct ProgramBrowser(pub PathBuf);

/// How long a browser program has to fail before it counts as opened: a launcher that
/// finds no browser (xdg-open with none installed) exits at once with an error, a browser
/// that opened either hands the page to a running one and exits 0 or keeps running. The
/// system opener makes the same check.
pub const PROGRAM_FAILURE_CHECK: Duration = Duration::from_millis(500);

impl Browser for ProgramBrowser {
    fn open(&self, url: &Url) -> Result<(), BrowserUnavailable> {
        let program = self.0.display();
        let mut child = Command::new(&self.0)
            .arg(url.as_str())
            .stdin(Stdio::null())
            .spawn()
            .map_err(|error| BrowserUnavailable(format!("{program}: {error}")))?;
        let deadline = Instant::now() + PROGRAM_FAILURE_CHECK;
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    return Err(BrowserUnavailable(format!(
                        "{program} exited with {status}"
                    )))
                }
                Ok(None) if Instant::now() >= deadline => {
                    // Still running: a browser. Reap it whenever it ends.
                    std::thread::spawn(move || {
                        let _ = child.wait();
                    });
                    return Ok(());
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(error) => return Err(BrowserUnavailable(format!("{program}: {error}"))),
            }
        }
    }
}

/// The variable naming a program to open sign-in pages with instead of the system's
/// browser (tests, unusual desktops).
pub const BROWSER_ENV: &str = "SWITCHBOARD_BROWSER";

/// `SWITCHBOARD_BROWSER` when set, else `system`.
pub fn browser_from_env(
    var: impl Fn(&str) -> Option<String>,
    system: Arc<dyn Browser>,
) -> Arc<dyn Browser> {
    match var(BROWSER_ENV).filter(|program| !program.is_empty()) {
        Some(program) => Arc::new(ProgramBrowser(program.into())),
        None => system,
    }
}

/// The loopback port could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("Cannot open a local port for the browser to return to: {0}")]
pub struct LoopbackUnavailable(#[from] pub std::io::Error);

/// Where the browser hands the sign-in back.
pub enum Redirect {
    Scheme,
    Loopback(LoopbackRedirect),
}

impl Redirect {
    /// The URL scheme when configured so, or (`auto`) when the OS hands it to this app;
    /// else a loopback port.
    pub async fn choose(
        mode: RedirectMode,
        scheme: &dyn SchemeProbe,
    ) -> Result<Redirect, LoopbackUnavailable> {
        let use_scheme = match mode {
            RedirectMode::Scheme => true,
            RedirectMode::Loopback => false,
            RedirectMode::Auto => scheme.scheme_registered(APP_SCHEME),
        };
        if use_scheme {
            Ok(Redirect::Scheme)
        } else {
            Self::loopback().await
        }
    }

    pub async fn loopback() -> Result<Redirect, LoopbackUnavailable> {
        Ok(Redirect::Loopback(LoopbackRedirect::bind().await?))
    }

    /// The redirect URI the sign-in starts with.
    pub fn uri(&self) -> String {
        match self {
            Redirect::Scheme => app_redirect_uri(),
            Redirect::Loopback(loopback) => loopback.redirect_uri(),
        }
    }
}

/// A sign-in whose page is open in the browser (or offered to copy), waiting for its link.
pub struct BrowserSignIn {
    pub authorize_url: Url,
    pub provider_name: String,
    /// Whether a browser opened at the page; when not, the waiting screen says so and
    /// offers the link to copy at once.
    pub browser_opened: bool,
    state: String,
    loopback: Option<LoopbackRedirect>,
}

impl BrowserSignIn {
    /// Opens the browser at the sign-in (off the async threads: opening waits a moment to
    /// see the browser start). A browser that cannot be opened is logged and remembered:
    /// the waiting screen says so and offers the link to copy.
    pub async fn open(
        start: SignInStart,
        provider_name: String,
        redirect: Redirect,
        browser: Arc<dyn Browser>,
    ) -> BrowserSignIn {
        let url = start.authorize_url.clone();
        let opened = tokio::task::spawn_blocking(move || browser.open(&url))
            .await
            .unwrap_or_else(|error| Err(BrowserUnavailable(error.to_string())));
        let browser_opened = match opened {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "cannot open the browser");
                false
            }
        };
        BrowserSignIn {
            browser_opened,
            ..Self::without_browser(start, provider_name, redirect)
        }
    }

    /// The sign-in, for a person to open the link themselves.
    pub fn without_browser(
        start: SignInStart,
        provider_name: String,
        redirect: Redirect,
    ) -> BrowserSignIn {
        BrowserSignIn {
            authorize_url: start.authorize_url,
            provider_name,
            browser_opened: false,
            state: start.state,
            loopback: match redirect {
                Redirect::Loopback(loopback) => Some(loopback),
                Redirect::Scheme => None,
            },
        }
    }

    /// Whether the link comes back on a loopback port (else through the URL scheme).
    pub fn uses_loopback(&self) -> bool {
        self.loopback.is_some()
    }

    /// The link the browser came back with on the loopback port. `None` when the sign-in
    /// uses the URL scheme, or ended first (cancelled, finished, expired): the port closes
    /// with it.
    pub async fn loopback_link(self, core: &Switchboard) -> Option<std::io::Result<Url>> {
        let loopback = self.loopback?;
        tokio::select! {
            link = loopback.wait_for_callback(&self.state) => Some(link),
            () = core.sign_in_ended(&self.state) => None,
        }
    }
}

/// Finishes a sign-in from the link the browser came back with. `None` for a link that is
/// not ours (forged, replayed, cancelled): it was logged without its query, and what is on
/// screen stays.
pub async fn complete(
    core: &Switchboard,
    link: &Url,
) -> Option<Result<SignInOutcome, ClientError>> {
    match core.complete_sign_in(link).await {
        Err(ClientError::SignIn(SignInError::NoPendingSignIn | SignInError::NotACallback)) => None,
        other => Some(other),
    }
}
