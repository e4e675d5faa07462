//! Sign-in links from the OS: forwarded by single-instance to the running window, or the
//! URL this process was launched with; or the browser's request on the loopback port. Each
//! goes to the client core; the window is told the resulting view by the `app-view` event.

use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_deep_link::DeepLinkExt;
use url::Url;

use crate::AppState;

pub const APP_VIEW_EVENT: &str = "app-view";

pub fn listen(app: &AppHandle) {
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for url in event.urls() {
            let app = handle.clone();
            tauri::async_runtime::spawn(async move { finish_sign_in(&app, url).await });
        }
    });
    // Cold start: the link this process was launched with.
    if let Ok(Some(urls)) = app.deep_link().get_current() {
        for url in urls {
            let app = app.clone();
            tauri::async_runtime::spawn(async move { finish_sign_in(&app, url).await });
        }
    }
}

/// Whether the OS sends this app's URL scheme to an installed handler (the .deb's desktop
/// file declares it). The scheme is a reverse-DNS name only this vendor's builds use.
pub fn scheme_registered(app: &AppHandle) -> bool {
    #[cfg(target_os = "linux")]
    {
        let _ = app;
        std::process::Command::new("xdg-mime")
            .args([
                "query",
                "default",
                &format!(
                    "x-scheme-handler/{}",
                    switchboard_client::signin::APP_SCHEME
                ),
            ])
            .output()
            .map(|out| {
                out.status.success() && !String::from_utf8_lossy(&out.stdout).trim().is_empty()
            })
            .unwrap_or(false)
    }
    #[cfg(windows)]
    {
        app.deep_link()
            .is_registered(switchboard_client::signin::APP_SCHEME)
            .unwrap_or(false)
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        // macOS and mobile register schemes from the bundle itself.
        let _ = app;
        true
    }
}

pub async fn finish_sign_in(app: &AppHandle, url: Url) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let client = state.client.clone();
    let view = match client.complete_sign_in(&url).await {
        Ok(outcome) => client.outcome_view(outcome).await,
        // Not ours (forged, replayed, cancelled): already logged without its query, and
        // the screen stays as it is.
        Err(switchboard_client::ClientError::SignIn(
            switchboard_client::signin::SignInError::NoPendingSignIn
            | switchboard_client::signin::SignInError::NotACallback,
        )) => return,
        Err(error) => client.sign_in_view(Some(error.notice())),
    };
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.set_focus();
    }
    if let Err(error) = app.emit(APP_VIEW_EVENT, view) {
        tracing::error!(%error, "cannot update the window");
    }
}
