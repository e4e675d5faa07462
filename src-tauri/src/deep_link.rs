//! Sign-in links from the OS: forwarded by single-instance to the running window, or the
//! URL this process was launched with. Each goes to the app layer, which shows where it
//! leads.

use std::sync::Arc;

use switchboard_desktop::App;
use tauri::{AppHandle, Manager};
use tauri_plugin_deep_link::DeepLinkExt;
use url::Url;

fn finish(app: &AppHandle, link: Url) {
    let Some(state) = app.try_state::<Arc<App>>() else {
        return;
    };
    let app = Arc::clone(state.inner());
    tauri::async_runtime::spawn(async move { app.finish_sign_in(&link).await });
}

pub fn listen(app: &AppHandle) {
    let handle = app.clone();
    app.deep_link().on_open_url(move |event| {
        for link in event.urls() {
            finish(&handle, link);
        }
    });
    // Cold start: the link this process was launched with.
    if let Ok(Some(links)) = app.deep_link().get_current() {
        for link in links {
            finish(app, link);
        }
    }
}
