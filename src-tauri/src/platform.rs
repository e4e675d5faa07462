//! What the app layer needs from the platform, done with Tauri: opening the browser, asking
//! whether the OS hands the app's URL scheme to it, showing a view in the window, and the
//! system's save dialog.

use std::path::PathBuf;

use switchboard_client::CallState;
use switchboard_desktop::{
    AppView, Browser, BrowserUnavailable, CallsView, LineView, SaveDialog, SaveDialogUnavailable,
    SaveRequest, SchemeProbe, Window,
};
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_dialog::DialogExt;
use tauri_plugin_opener::OpenerExt;
use url::Url;

/// The event that carries a view the window did not ask for (a sign-in link arrived).
pub const APP_VIEW_EVENT: &str = "app-view";
/// The event that carries the lines whenever one changes (registered, unreachable…).
pub const LINES_EVENT: &str = "lines";
/// The event with every call whenever one changes (`ui/src/lib/bridge.ts`'s `CALLS_EVENT`).
pub const CALLS_EVENT: &str = "calls";

/// The system's browser, through the opener plugin (its permissions allow https only).
pub struct SystemBrowser(pub AppHandle);

impl Browser for SystemBrowser {
    fn open(&self, url: &Url) -> Result<(), BrowserUnavailable> {
        self.0
            .opener()
            .open_url(url.as_str(), None::<&str>)
            .map_err(|error| BrowserUnavailable(error.to_string()))
    }
}

/// Whether an installed desktop entry (the .deb's) declares the scheme; on Windows the
/// registry; macOS registers schemes from the bundle itself.
pub struct DesktopEntries(#[cfg_attr(not(windows), allow(dead_code))] pub AppHandle);

impl SchemeProbe for DesktopEntries {
    fn scheme_registered(&self, scheme: &str) -> bool {
        #[cfg(target_os = "linux")]
        {
            std::process::Command::new("xdg-mime")
                .args(["query", "default", &format!("x-scheme-handler/{scheme}")])
                .output()
                .map(|out| {
                    out.status.success() && !String::from_utf8_lossy(&out.stdout).trim().is_empty()
                })
                .unwrap_or(false)
        }
        #[cfg(windows)]
        {
            use tauri_plugin_deep_link::DeepLinkExt;
            self.0.deep_link().is_registered(scheme).unwrap_or(false)
        }
        #[cfg(not(any(target_os = "linux", windows)))]
        {
            let _ = scheme;
            true
        }
    }
}

/// The main window: brought to the front, then told the view.
pub struct MainWindow(pub AppHandle);

impl Window for MainWindow {
    fn show(&self, view: AppView) {
        if let Some(window) = self.0.get_webview_window("main") {
            let _ = window.set_focus();
        }
        if let Err(error) = self.0.emit(APP_VIEW_EVENT, view) {
            tracing::error!(%error, "cannot update the window");
        }
    }

    fn show_lines(&self, lines: Vec<LineView>) {
        if let Err(error) = self.0.emit(LINES_EVENT, lines) {
            tracing::error!(%error, "cannot update the lines in the window");
        }
    }

    fn show_calls(&self, calls: CallsView) {
        // A call that starts ringing brings the window forward.
        if calls
            .calls
            .iter()
            .any(|call| call.status.state == CallState::Ringing)
        {
            if let Some(window) = self.0.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.show();
            }
        }
        if let Err(error) = self.0.emit(CALLS_EVENT, calls) {
            tracing::error!(%error, "cannot update the calls in the window");
        }
    }
}

/// The system's save dialog (GTK's on Linux), over the main window. It asks before
/// replacing an existing file.
pub struct SystemSaveDialog(pub AppHandle);

impl SaveDialog for SystemSaveDialog {
    fn choose(&self, request: &SaveRequest) -> Result<Option<PathBuf>, SaveDialogUnavailable> {
        let mut dialog = self
            .0
            .dialog()
            .file()
            .set_title(&request.title)
            .set_file_name(&request.file_name)
            .add_filter("Text file", &["txt"]);
        if let Some(folder) = &request.folder {
            dialog = dialog.set_directory(folder);
        }
        if let Some(window) = self.0.get_webview_window("main") {
            dialog = dialog.set_parent(&window);
        }
        match dialog.blocking_save_file() {
            None => Ok(None),
            Some(chosen) => chosen
                .into_path()
                .map(Some)
                .map_err(|error| SaveDialogUnavailable(error.to_string())),
        }
    }
}
