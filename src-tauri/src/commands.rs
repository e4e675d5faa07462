//! The commands the front end may call; `ui/src/lib/bridge.ts` is their only caller. Each
//! answers the view the window shows next.

use switchboard_client::loopback::LoopbackRedirect;
use switchboard_client::signin::app_redirect_uri;
use switchboard_client::{
    AppInfo, AppView, CommandError, EmailSignIn, EmailSignInView, Notice, PortalStatus,
    RedirectMode,
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

/// On start: the remembered account, restored without a browser.
#[tauri::command]
pub async fn restore_session(state: State<'_, AppState>) -> Result<AppView, CommandError> {
    Ok(state.client.restore_view().await)
}

/// Where the browser comes back: a loopback listener when the app's URL scheme has no
/// handler (or the configuration says so), else the scheme.
async fn redirect_for(
    app: &tauri::AppHandle,
    state: &AppState,
) -> Result<(Option<LoopbackRedirect>, String), AppView> {
    let use_loopback = match state.config.redirect {
        RedirectMode::Loopback => true,
        RedirectMode::Scheme => false,
        RedirectMode::Auto => !crate::deep_link::scheme_registered(app),
    };
    if !use_loopback {
        return Ok((None, app_redirect_uri()));
    }
    match LoopbackRedirect::bind().await {
        Ok(loopback) => {
            let uri = loopback.redirect_uri();
            Ok((Some(loopback), uri))
        }
        Err(error) => Err(state.client.sign_in_view(Some(Notice::error(
            "loopback_unavailable",
            format!("Cannot open a local port for the browser to return to: {error}"),
        )))),
    }
}

/// Waits for the browser on the loopback port (if used) for the sign-in whose `state` is
/// `pending_state`, then opens it at `url`. The listener answers other requests 400 or
/// 404 and closes after the sign-in or after its lifetime (that of the pending sign-in).
/// `SWITCHBOARD_BROWSER`, when set, names a program to open it with instead (tests,
/// unusual desktops).
fn open_browser(
    app: &tauri::AppHandle,
    state: &AppState,
    loopback: Option<LoopbackRedirect>,
    url: &str,
    pending_state: &str,
) {
    if let Some(loopback) = loopback {
        let app = app.clone();
        let pending_state = pending_state.to_owned();
        let task = tauri::async_runtime::spawn(async move {
            if let Ok(url) = loopback.wait_for_callback(&pending_state).await {
                crate::deep_link::finish_sign_in(&app, url).await;
            }
        });
        if let Ok(mut waiting) = state.loopback.lock() {
            if let Some(previous) = waiting.replace(task) {
                previous.abort();
            }
        }
    }
    let opened = match std::env::var_os("SWITCHBOARD_BROWSER") {
        Some(program) => std::process::Command::new(program)
            .arg(url)
            .spawn()
            .map(|_| ())
            .map_err(|error| error.to_string()),
        None => app
            .opener()
            .open_url(url, None::<&str>)
            .map_err(|error| error.to_string()),
    };
    if let Err(error) = opened {
        // The waiting screen still offers the link to copy.
        tracing::warn!(%error, "cannot open the browser");
    }
}

/// Opens the system browser at the portal for this provider.
#[tauri::command]
pub async fn start_sign_in(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    provider: String,
    login_hint: Option<String>,
) -> Result<AppView, CommandError> {
    let (loopback, redirect_uri) = match redirect_for(&app, &state).await {
        Ok(redirect) => redirect,
        Err(view) => return Ok(view),
    };
    let (start, provider_name) = match state
        .client
        .begin_sign_in(&provider, login_hint.as_deref(), &redirect_uri)
        .await
    {
        Ok(started) => started,
        Err(error) => return Ok(state.client.sign_in_view(Some(error.notice()))),
    };
    let url = start.authorize_url.to_string();
    open_browser(&app, &state, loopback, &url, &start.state);
    Ok(AppView::WaitingForBrowser {
        provider_name,
        authorize_url: url,
    })
}

/// "Continue with work email": the domain's only provider opens in the browser at once
/// (with the email as login hint); several providers, or none, are the answer to show. A
/// malformed address or an unreachable portal rejects with the reason.
#[tauri::command]
pub async fn start_email_sign_in(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    email: String,
) -> Result<EmailSignInView, CommandError> {
    let (loopback, redirect_uri) = match redirect_for(&app, &state).await {
        Ok(redirect) => redirect,
        Err(view) => return Ok(EmailSignInView::Started { view }),
    };
    let found = state
        .client
        .begin_email_sign_in(&email, &redirect_uri)
        .await
        .map_err(|error| CommandError::new(&error.code(), error.message()))?;
    match found {
        EmailSignIn::Started {
            start,
            provider_name,
        } => {
            let url = start.authorize_url.to_string();
            open_browser(&app, &state, loopback, &url, &start.state);
            Ok(EmailSignInView::Started {
                view: AppView::WaitingForBrowser {
                    provider_name,
                    authorize_url: url,
                },
            })
        }
        other => Ok(other
            .into_choice_view()
            .unwrap_or_else(|| EmailSignInView::Started {
                view: state.client.sign_in_view(None),
            })),
    }
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

/// The sign-in screen's username + password.
#[tauri::command]
pub async fn sign_in_with_password(
    state: State<'_, AppState>,
    username: String,
    password: String,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .password_sign_in_view(&username, &password)
        .await)
}

/// The authenticator code (or a recovery code) of an `MfaRequired` step.
#[tauri::command]
pub async fn submit_mfa_code(
    state: State<'_, AppState>,
    code: String,
) -> Result<AppView, CommandError> {
    Ok(state.client.submit_mfa_code_view(&code).await)
}

#[tauri::command]
pub async fn open_security(state: State<'_, AppState>) -> Result<AppView, CommandError> {
    Ok(state.client.security_view(None).await)
}

#[tauri::command]
pub fn close_security(state: State<'_, AppState>) -> AppView {
    state.client.close_security_view()
}

#[tauri::command]
pub async fn start_authenticator_setup(
    state: State<'_, AppState>,
) -> Result<AppView, CommandError> {
    Ok(state.client.start_authenticator_setup_view().await)
}

#[tauri::command]
pub async fn confirm_authenticator(
    state: State<'_, AppState>,
    password: String,
    code: String,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .confirm_authenticator_view(&password, &code)
        .await)
}

#[tauri::command]
pub async fn disable_authenticator(
    state: State<'_, AppState>,
    password: String,
    code: String,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .disable_authenticator_view(&password, &code)
        .await)
}

#[tauri::command]
pub async fn regenerate_recovery_codes(
    state: State<'_, AppState>,
    password: String,
    code: String,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .regenerate_recovery_codes_view(&password, &code)
        .await)
}

/// Writes the recovery codes just shown to a text file the user keeps (their Documents
/// folder, readable by them only); answers its path.
#[tauri::command]
pub fn save_recovery_codes(
    app: tauri::AppHandle,
    username: String,
    codes: Vec<String>,
) -> Result<String, CommandError> {
    use tauri::Manager;
    let folder = app
        .path()
        .document_dir()
        .or_else(|_| app.path().home_dir())
        .map_err(|error| {
            CommandError::new(
                "no_folder",
                format!("Cannot find your Documents folder: {error}"),
            )
        })?;
    let safe: String = username
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let path = folder.join(format!("Switchboard recovery codes ({safe}).txt"));
    let text = format!(
        "Switchboard recovery codes for {username}\nEach code signs you in once when you don't have your authenticator app.\n\n{}\n",
        codes.join("\n")
    );
    switchboard_client::store::write_private_file(&path, text.as_bytes()).map_err(|error| {
        CommandError::new(
            "save_failed",
            format!("Cannot save the recovery codes: {error}"),
        )
    })?;
    Ok(path.display().to_string())
}

/// Links another provider through the browser: the waiting screen, then the settings.
#[tauri::command]
pub async fn add_linked_provider(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    provider: String,
    password: String,
    code: Option<String>,
) -> Result<AppView, CommandError> {
    let (loopback, redirect_uri) = match redirect_for(&app, &state).await {
        Ok(redirect) => redirect,
        Err(view) => return Ok(view),
    };
    let (start, provider_name) = match state
        .client
        .begin_link_provider(&provider, &password, code.as_deref(), &redirect_uri)
        .await
    {
        Ok(started) => started,
        Err(error) => return Ok(state.client.security_view(Some(error.notice())).await),
    };
    let url = start.authorize_url.to_string();
    open_browser(&app, &state, loopback, &url, &start.state);
    Ok(AppView::WaitingForBrowser {
        provider_name,
        authorize_url: url,
    })
}

#[tauri::command]
pub async fn remove_linked_provider(
    state: State<'_, AppState>,
    link_id: String,
    provider_name: String,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .remove_linked_provider_view(&link_id, &provider_name)
        .await)
}

#[tauri::command]
pub async fn add_notification_email(
    state: State<'_, AppState>,
    email: String,
) -> Result<AppView, CommandError> {
    Ok(state.client.add_notification_email_view(&email).await)
}

/// The code mailed to a notification email.
#[tauri::command]
pub async fn confirm_notification_email(
    state: State<'_, AppState>,
    email: String,
    code: String,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .confirm_notification_email_view(&email, &code)
        .await)
}

#[tauri::command]
pub async fn remove_notification_email(
    state: State<'_, AppState>,
    email: String,
) -> Result<AppView, CommandError> {
    Ok(state.client.remove_notification_email_view(&email).await)
}

#[tauri::command]
pub async fn sign_out_session(
    state: State<'_, AppState>,
    session_id: String,
    device_name: String,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .sign_out_session_view(&session_id, &device_name)
        .await)
}

#[tauri::command]
pub async fn change_password(
    state: State<'_, AppState>,
    current_password: String,
    new_password: String,
    code: Option<String>,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .change_password_view(&current_password, &new_password, code.as_deref())
        .await)
}

/// Step-up: the password (and the authenticator code when it is on); the settings then
/// make sensitive changes for five minutes without asking again.
#[tauri::command]
pub async fn confirm_identity(
    state: State<'_, AppState>,
    password: String,
    code: Option<String>,
) -> Result<AppView, CommandError> {
    Ok(state
        .client
        .confirm_identity_view(&password, code.as_deref())
        .await)
}
