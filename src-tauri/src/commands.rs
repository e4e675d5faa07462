//! The commands the front end may call; `ui/src/lib/bridge.ts` is their only caller. Each
//! answers the view the window shows next.

use switchboard_client::loopback::LoopbackRedirect;
use switchboard_client::signin::{app_redirect_uri, PENDING_LIFETIME};
use switchboard_client::{
    AppInfo, AppView, ClientError, CommandError, Notice, PortalStatus, RedirectMode,
};
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

fn signed_out_with(error: &ClientError) -> AppView {
    AppView::SignIn {
        notice: Some(error.notice()),
    }
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
                return Ok(AppView::SignIn {
                    notice: Some(Notice::error(
                        "loopback_unavailable",
                        format!("Cannot open a local port for the browser to return to: {error}"),
                    )),
                })
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
        Err(error) => return Ok(signed_out_with(&error)),
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

#[tauri::command]
pub fn cancel_sign_in(state: State<'_, AppState>) -> AppView {
    state.client.cancel_sign_in();
    if let Ok(mut waiting) = state.loopback.lock() {
        if let Some(task) = waiting.take() {
            task.abort();
        }
    }
    AppView::SignIn { notice: None }
}

#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<AppView, CommandError> {
    let current = state
        .client
        .current_account()
        .map_err(|error| CommandError::new(&error.code(), error.message()))?;
    let Some(account) = current else {
        return Ok(AppView::SignIn { notice: None });
    };
    Ok(match state.client.sign_out(&account.account_id).await {
        Ok(()) => AppView::SignIn {
            notice: Some(Notice::info(format!(
                "Signed out {}. Your phone settings were removed from this computer.",
                account.display_name
            ))),
        },
        // Signed out here; the portal will forget the session when it expires.
        Err(error) => AppView::SignIn {
            notice: Some(Notice::error(
                &error.code(),
                format!(
                    "Signed out on this computer, but the portal could not be told: {}",
                    error.message()
                ),
            )),
        },
    })
}
