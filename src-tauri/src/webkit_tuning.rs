//! WebKitGTK set up for a window of a few small screens rather than a browser: less memory
//! held at idle (see `cargo xtask bench`'s `app_idle_*` keys, and docs/performance.md
//! for what was measured with and without each setting). Elsewhere nothing changes.
//! Opt-in for now: SWITCHBOARD_WEBKIT_TUNING=1 turns it on (the bench measures with and
//! without). With it on, one run of the window tests hung in WebDriver's screenshot
//! request; until that is understood the app starts as Tauri sets WebKit up.

/// Set to 1: the tuning below.
pub const TUNING_ENV: &str = "SWITCHBOARD_WEBKIT_TUNING";

fn wanted() -> bool {
    std::env::var_os(TUNING_ENV).is_some_and(|value| value == "1")
}

/// Before GTK or WebKit start (first thing in `main`): environment WebKit reads once.
/// A variable the user set is left as it is.
pub fn before_start() {
    if !wanted() {
        return;
    }
    #[cfg(target_os = "linux")]
    for (name, value) in linux::ENVIRONMENT {
        if std::env::var_os(name).is_none() {
            std::env::set_var(name, value);
        }
    }
}

/// The main window's web view, as soon as it exists (in `setup`).
pub fn tune(app: &tauri::AppHandle) {
    if !wanted() {
        return;
    }
    #[cfg(target_os = "linux")]
    linux::tune(app);
    #[cfg(not(target_os = "linux"))]
    let _ = app;
}

#[cfg(target_os = "linux")]
mod linux {
    use tauri::Manager;
    use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebViewExt};

    /// Compositing off: pages are painted in the web process's memory instead of through
    /// an OpenGL context and its buffers (Mesa's, software-rendered under Xvfb), which hold
    /// tens of MiB for a page this simple. Without compositing the DMA-BUF renderer (how
    /// composited frames reach the window) has nothing to do: off too, so the window does
    /// not set it up.
    pub const ENVIRONMENT: &[(&str, &str)] = &[
        ("WEBKIT_DISABLE_COMPOSITING_MODE", "1"),
        ("WEBKIT_DISABLE_DMABUF_RENDERER", "1"),
    ];

    pub fn tune(app: &tauri::AppHandle) {
        let Some(window) = app.get_webview_window("main") else {
            return;
        };
        let result = window.with_webview(|webview| {
            let view = webview.inner();
            // No memory cache of pages and resources beyond the one page shown: the UI is
            // one page served from the binary.
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
            if let Some(settings) = WebViewExt::settings(&view) {
                // The window never navigates back, so no page is kept for "back".
                settings.set_enable_page_cache(false);
            }
        });
        if let Err(error) = result {
            tracing::warn!(%error, "cannot tune the web view");
        }
    }
}
