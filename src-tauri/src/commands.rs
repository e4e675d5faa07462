//! The commands the front end may call; `ui/src/lib/bridge.ts` is their only caller. Each
//! answers the view the window shows next.

use switchboard_client::loopback::LoopbackRedirect;
use switchboard_client::signin::{app_redirect_uri, PENDING_LIFETIME};
use switchboard_client::{AppInfo, AppView, CommandError, Notice, PortalStatus, RedirectMode};
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use crate::AppState;

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> AppInfo {
    AppInfo {
        portal_url: state.config.portal_url.to_string(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
    }
}

#[tauri::command]
pub async fn portal_status(state: State<'_, AppState>) -> Result<PortalStatus, CommandError> {
    Ok(state.client.portal().status().await)
}

/// On start: the remembered account, restored without a browser.
#[tauri::command]
pub async fn restore_session(state: State<'_, AppState>) -> Result<AppView, CommandError> {
    Ok(state.client.restore_view().await)
}

/// Opens the system browser at the portal for this provider. `SWITCHBOARD_BROWSER`, when
/// set, names a program to open it with instead (tests, unusual desktops).
#[tauri::command]
pub async fn start_sign_in(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    provider: String,
) -> Result<AppView, CommandError> {
    let use_loopback = match state.config.redirect {
        RedirectMode::Loopback => true,
        RedirectMode::Scheme => false,
        RedirectMode::Auto => !crate::deep_link::scheme_registered(&app),
    };
    let loopback = if use_loopback {
        match LoopbackRedirect::bind().await {
            Ok(loopback) => Some(loopback),
            Err(error) => {
                return Ok(state.client.sign_in_view(Some(Notice::error(
                    "loopback_unavailable",
                    format!("Cannot open a local port for the browser to return to: {error}"),
                ))))
            }
        }
    } else {
        None
    };
    let redirect_uri = loopback
        .as_ref()
        .map(LoopbackRedirect::redirect_uri)
        .unwrap_or_else(app_redirect_uri);
    let (start, provider_name) = match state
        .client
        .begin_sign_in(&provider, None, &redirect_uri)
        .await
    {
        Ok(started) => started,
        Err(error) => return Ok(state.client.sign_in_view(Some(error.notice()))),
    };
    if let Some(loopback) = loopback {
        let app = app.clone();
        let task = tauri::async_runtime::spawn(async move {
            let wait = std::time::Duration::from_secs(PENDING_LIFETIME as u64);
            if let Ok(Ok(url)) = tokio::time::timeout(wait, loopback.wait_for_callback()).await {
                crate::deep_link::finish_sign_in(&app, url).await;
            }
        });
        if let Ok(mut waiting) = state.loopback.lock() {
            if let Some(previous) = waiting.replace(task) {
                previous.abort();
            }
        }
    }
    let url = start.authorize_url.to_string();
    let opened = match std::env::var_os("SWITCHBOARD_BROWSER") {
        Some(program) => std::process::Command::new(program)
            .arg(&url)
            .spawn()
            .map(|_| ())
            .map_err(|error| error.to_string()),
        None => app
            .opener()
            .open_url(&url, None::<&str>)
            .map_err(|error| error.to_string()),
    };
    if let Err(error) = opened {
        // The waiting screen still offers the link to copy.
        tracing::warn!(%error, "cannot open the browser");
    }
    Ok(AppView::WaitingForBrowser {
        provider_name,
        authorize_url: url,
    })
}

/// Gives up the sign-in in progress (browser, chooser or link form): back to the current
/// account, or to the sign-in screen.
#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>) -> AppView {
    state.client.cancel_sign_in();
    if let Ok(mut waiting) = state.loopback.lock() {
        if let Some(task) = waiting.take() {
            task.abort();
        }
    }
    state.client.home_view(None)
}

/// The chooser's answer: one of the accounts it listed.
#[tauri::command]
pub async fn choose_account(
    state: State<'_, AppState>,
    account_id: String,
    remember: bool,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .choose_account_view(&account_id, remember)
        .await)
}

/// The link form's answer: the account's username, password and authenticator code.
#[tauri::command]
pub async fn link_account(
    state: State<'_, AppState>,
    username: String,
    password: String,
    totp_code: Option<String>,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .link_account_view(&username, &password, totp_code.as_deref())
        .await)
}

/// "Use a different account": the chooser again, no browser.
#[tauri::command]
pub async fn use_different_account(state: State<'_, AppState>) -> Result<AppView, CommandError> {
    Ok(state.client.choose_again_view().await)
}

/// The account switcher: another signed-in account, its softphone provisioned.
#[tauri::command]
pub async fn switch_account(
    state: State<'_, AppState>,
    account_id: String,
) -> Result<AppView, CommandError> {
    Ok(state.client.switch_view(&account_id).await)
}

/// "Add another account": the sign-in screen, keeping the accounts signed in.
#[tauri::command]
pub fn add_account(state: State<'_, AppState>) -> AppView {
    state.client.add_account_view()
}

/// Signs out the current account; the next signed-in one takes its place.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<AppView, CommandError> {
    Ok(state.client.sign_out_view().await)
}

#[tauri::command]
pub async fn sign_out_all(state: State<'_, AppState>) -> Result<AppView, CommandError> {
    Ok(state.client.sign_out_all_view().await)
}
