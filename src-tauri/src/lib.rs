//! The Tauri shell: the window, the plugins, and the platform the app layer asks for (the
//! browser, the URL scheme's registration, pushing a view to the window). Everything the
//! window shows is decided in `switchboard-desktop`; its commands are registered as they are.

mod deep_link;
mod platform;
mod startup_probe;
mod webkit_tuning;

use std::sync::Arc;

use switchboard_client::trusted_roots;
use switchboard_client::{system_clock, ClientConfig, LineConfig, Switchboard};
use switchboard_desktop::call_views::engine_config;
use switchboard_desktop::commands::tauri_commands;
use switchboard_desktop::save_dialog::save_dialog_from_env;
use switchboard_desktop::{App, Platform};
use switchboard_frontend::browser_flow::browser_from_env;
use tauri::Manager;
use tracing_subscriber::EnvFilter;

/// How the app's lines register: the defaults, trusting the system's CAs (and the one
/// `SWITCHBOARD_SIP_CA_FILE` names).
fn line_config() -> LineConfig {
    LineConfig {
        trusted_roots_pem: trusted_roots(|name| std::env::var(name).ok()),
        ..LineConfig::default()
    }
}

/// Quitting: every line's contact is removed (`Expires: 0`) and the call engine stops,
/// within a few seconds, before the process exits.
fn end_lines(handle: &tauri::AppHandle) {
    if let Some(app) = handle.try_state::<Arc<App>>() {
        let app = Arc::clone(app.inner());
        tauri::async_runtime::block_on(async move { app.end_lines().await });
    }
}

pub fn run() {
    // Before any thread or GTK starts: it sets environment variables WebKit reads.
    webkit_tuning::before_start();
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();

    let result = tauri::Builder::default()
        // Single-instance first: a second launch (the OS handing over a sign-in link)
        // forwards its link to this window and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.unminimize();
                let _ = window.set_focus();
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            let config_file = app
                .path()
                .app_config_dir()
                .ok()
                .map(|dir| dir.join("config.toml"));
            let config =
                ClientConfig::load(|name| std::env::var(name).ok(), config_file.as_deref())?;
            let data_dir = app.path().app_data_dir()?;
            let core = Arc::new(Switchboard::new(&config, &data_dir, system_clock())?);
            tracing::info!(portal = %config.portal_url, "starting");
            let handle = app.handle();
            let platform = Platform {
                browser: browser_from_env(
                    |name| std::env::var(name).ok(),
                    Arc::new(platform::SystemBrowser(handle.clone())),
                ),
                scheme: Arc::new(platform::DesktopEntries(handle.clone())),
                window: Arc::new(platform::MainWindow(handle.clone())),
                save_dialog: save_dialog_from_env(
                    |name| std::env::var(name).ok(),
                    Arc::new(platform::SystemSaveDialog(handle.clone())),
                ),
                documents_dir: app
                    .path()
                    .document_dir()
                    .or_else(|_| app.path().home_dir())
                    .ok(),
            };
            let app_layer = App::new(core, config, platform);
            app.manage(Arc::clone(&app_layer));
            let lines = line_config();
            let calls = engine_config(&data_dir, |name| std::env::var(name).ok());
            tauri::async_runtime::spawn(async move {
                app_layer.start_calls(calls);
                app_layer.follow_portal();
                app_layer.start_lines(lines).await
            });
            deep_link::listen(handle);
            startup_probe::listen(handle);
            webkit_tuning::tune(handle);
            Ok(())
        })
        .invoke_handler(tauri_commands::handler())
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                end_lines(handle);
            }
        }),
        Err(error) => {
            eprintln!("switchboard: cannot start: {error}");
            std::process::exit(1);
        }
    }
}
