//! The commands the front end may call; `ui/src/lib/bridge.ts` is their only caller.

use switchboard_client::{AppInfo, CommandError, PortalStatus};
use tauri::State;

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
    Ok(state.portal.status().await)
}
