//! The Tauri shell: windows, plugins and commands. It decides nothing; every command hands
//! over to `switchboard-client`.

mod commands;
mod deep_link;

use std::sync::Arc;

use switchboard_client::{system_clock, ClientConfig, Switchboard};
use tauri::Manager;
use tracing_subscriber::EnvFilter;

pub struct AppState {
    pub config: ClientConfig,
    pub client: Arc<Switchboard>,
    /// The loopback listener of a sign-in in progress, if it uses one.
    pub loopback: std::sync::Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
}

pub fn run() {
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
        .setup(|app| {
            let config_file = app
                .path()
                .app_config_dir()
                .ok()
                .map(|dir| dir.join("config.toml"));
            let config =
                ClientConfig::load(|name| std::env::var(name).ok(), config_file.as_deref())?;
            let data_dir = app.path().app_data_dir()?;
            let client = Arc::new(Switchboard::new(&config, &data_dir, system_clock())?);
            tracing::info!(portal = %config.portal_url, "starting");
            app.manage(AppState {
                config,
                client,
                loopback: std::sync::Mutex::default(),
            });
            deep_link::listen(app.handle());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::portal_status,
            commands::restore_session,
            commands::start_sign_in,
            commands::start_email_sign_in,
            commands::cancel_sign_in,
            commands::sign_out,
            commands::sign_out_all,
            commands::choose_account,
            commands::link_account,
            commands::use_different_account,
            commands::switch_account,
            commands::add_account,
            commands::sign_in_with_password,
            commands::submit_mfa_code,
            commands::open_security,
            commands::close_security,
            commands::start_authenticator_setup,
            commands::confirm_authenticator,
            commands::disable_authenticator,
            commands::regenerate_recovery_codes,
            commands::save_recovery_codes,
            commands::add_linked_provider,
            commands::remove_linked_provider,
            commands::add_notification_email,
            commands::remove_notification_email,
            commands::confirm_notification_email,
            commands::sign_out_session,
            commands::change_password,
            commands::confirm_identity,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("switchboard: cannot start: {error}");
        std::process::exit(1);
    }
}
