//! Every command the window can call, each written once (see `command_table.rs`). Each
//! answers what the window shows next; only those marked so can reject.

use crate::call_views::CallsView;
use crate::command_table::commands;
use crate::email_views::EmailSignInView;
use crate::line_views::LineView;
use crate::views::{AppInfo, AppView, PortalStatus};
use switchboard_frontend::error_code::CommandError;

commands! {
    /// What the app knows about itself and where it signs in.
    async fn app_info(app) -> AppInfo {
        app.info()
    }

    /// Whether the portal answers, and what its sign-in screen offers.
    async fn portal_status(app) -> PortalStatus {
        app.portal_status().await
    }

    /// Silently restores the remembered account; may take a few seconds. Called once on start.
    async fn restore_session(app) -> AppView {
        app.restore_view().await
    }

    /// Opens the system browser at `provider` (a provider button's id); normally
    /// `waiting_for_browser`. `loginHint`: the work email the provider was found by
    /// ("Continue with work email"), else `null`.
    async fn start_sign_in(app, provider: String, login_hint: Option<String>) -> AppView {
        app.start_sign_in_view(&provider, login_hint.as_deref()).await
    }

    /// "Continue with work email": the email's domain has one provider, whose sign-in starts
    /// at once (`started` with `waiting_for_browser`); several to choose from
    /// (`choose_provider`, each started with `startSignIn(id, email)`); or none
    /// (`no_single_sign_on`). Rejects for an address that is not one, or when the portal
    /// cannot be reached.
    async fn start_email_sign_in(app, email: String) -> Result<EmailSignInView, CommandError> {
        app.start_email_sign_in_view(&email).await
    }

    /// Gives up the sign-in in progress (browser, chooser or link form): back to the current
    /// account's `ready` when one is signed in, else `sign_in`.
    async fn cancel_sign_in(app) -> AppView {
        app.cancel_sign_in_view()
    }

    /// The chooser's answer; `remember` preselects it next time.
    async fn choose_account(app, account_id: String, remember: bool) -> AppView {
        app.choose_account_view(&account_id, remember).await
    }

    /// Links the provider identity to the account these credentials sign in to, once.
    async fn link_account(app, username: String, password: String, totp_code: Option<String>) -> AppView {
        app.link_account_view(&username, &password, totp_code.as_deref()).await
    }

    /// "Use a different account": the chooser again, without the browser.
    async fn use_different_account(app) -> AppView {
        app.choose_again_view().await
    }

    /// Makes another signed-in account the current one.
    async fn switch_account(app, account_id: String) -> AppView {
        app.switch_view(&account_id).await
    }

    /// "Add another account": `sign_in` with `back_to` set, keeping the accounts signed in.
    async fn add_account(app) -> AppView {
        app.add_account_view()
    }

    /// Signs out the current account: the next signed-in account's `ready`, or `sign_in`.
    async fn sign_out(app) -> AppView {
        app.sign_out_view().await
    }

    /// Every signed-in account's line and its state (also pushed as `lines` events).
    async fn lines(app) -> Vec<LineView> {
        app.line_views()
    }

    /// Every call now (also pushed as `calls` events).
    async fn calls(app) -> CallsView {
        app.calls_view()
    }

    /// Calls `number` (an extension, a phone number, a `sip:` or `tel:` address) from the
    /// line of `accountId`.
    async fn dial(app, account_id: String, number: String) -> Result<CallsView, CommandError> {
        app.core.dial(&account_id, &number).await?;
        Ok(app.calls_view())
    }

    /// Answers a call that rings here (a call already up on that line is held).
    async fn answer_call(app, call_id: String) -> Result<CallsView, CommandError> {
        app.core.answer(&call_id).await?;
        Ok(app.calls_view())
    }

    /// Hangs up a call, or declines one that rings here (the caller hears busy).
    async fn hang_up_call(app, call_id: String) -> Result<CallsView, CommandError> {
        app.core.hang_up(&call_id).await?;
        Ok(app.calls_view())
    }

    /// Puts a call on hold, or resumes it.
    async fn hold_call(app, call_id: String, on_hold: bool) -> Result<CallsView, CommandError> {
        app.core.hold(&call_id, on_hold).await?;
        Ok(app.calls_view())
    }

    /// Mutes or unmutes the microphone in a call.
    async fn mute_call(app, call_id: String, muted: bool) -> Result<CallsView, CommandError> {
        app.core.mute(&call_id, muted).await?;
        Ok(app.calls_view())
    }

    /// Sends keypad keys (0-9, * and #) in a call.
    async fn send_keys(app, call_id: String, keys: String) -> Result<CallsView, CommandError> {
        app.core.send_dtmf(&call_id, &keys).await?;
        Ok(app.calls_view())
    }

    /// Signs out every account signed in here.
    async fn sign_out_all(app) -> AppView {
        app.sign_out_all_view().await
    }

    /// The sign-in screen's username + password: `ready`, `mfa_required`, or `sign_in` with
    /// a notice.
    async fn sign_in_with_password(app, username: String, password: String) -> AppView {
        app.password_sign_in_view(&username, &password).await
    }

    /// The authenticator code (or a recovery code) of `mfa_required`.
    async fn submit_mfa_code(app, code: String) -> AppView {
        app.submit_mfa_code_view(&code).await
    }

    /// The current account's security settings.
    async fn open_security(app) -> AppView {
        app.security_view(None).await
    }

    /// Back to the current account's `ready`; an authenticator set-up in progress is dropped.
    async fn close_security(app) -> AppView {
        app.close_security_view()
    }

    /// A new authenticator secret: `security` with `setup` (QR code and secret).
    async fn start_authenticator_setup(app) -> AppView {
        app.start_authenticator_setup_view().await
    }

    /// Turns the authenticator on; the answer shows the recovery codes once.
    async fn confirm_authenticator(app, password: String, code: String) -> AppView {
        app.confirm_authenticator_view(&password, &code).await
    }

    /// Turns the authenticator off.
    async fn disable_authenticator(app, password: String, code: String) -> AppView {
        app.disable_authenticator_view(&password, &code).await
    }

    /// A new set of recovery codes (shown once); the old ones stop working.
    async fn regenerate_recovery_codes(app, password: String, code: String) -> AppView {
        app.regenerate_recovery_codes_view(&password, &code).await
    }

    /// Asks where to save the codes (the system's save dialog), then writes them there in a
    /// text file only the user can read; resolves to its path, or `null` when the user
    /// cancelled the dialog (nothing written).
    async fn save_recovery_codes(app, username: String, codes: Vec<String>) -> Result<Option<String>, CommandError> {
        app.save_recovery_codes(&username, &codes).await
    }

    /// Links another identity through the browser: normally `waiting_for_browser`. The user
    /// confirms it's them first: their current password, plus an authenticator or recovery
    /// code when the authenticator app is on (`null` otherwise).
    async fn add_linked_provider(app, provider: String, password: String, code: Option<String>) -> AppView {
        app.add_linked_provider_view(&provider, &password, code.as_deref()).await
    }

    /// Removes a linked sign-in. `providerName`: which one, as the user knows it (with its
    /// email, e.g. "Google (ann@example.com)"): the notice after says which was removed.
    async fn remove_linked_provider(app, link_id: String, provider_name: String) -> AppView {
        app.remove_linked_provider_view(&link_id, &provider_name).await
    }

    /// Adds a notification email; a code is mailed to it.
    async fn add_notification_email(app, email: String) -> AppView {
        app.add_notification_email_view(&email).await
    }

    /// Removes a notification email.
    async fn remove_notification_email(app, email: String) -> AppView {
        app.remove_notification_email_view(&email).await
    }

    /// The code mailed to a notification email: it then receives copies.
    async fn confirm_notification_email(app, email: String, code: String) -> AppView {
        app.confirm_notification_email_view(&email, &code).await
    }

    /// Signs out another session of this account.
    async fn sign_out_session(app, session_id: String, device_name: String) -> AppView {
        app.sign_out_session_view(&session_id, &device_name).await
    }

    /// The current password, and the authenticator code when the app is on (`null`
    /// otherwise, or when the user confirmed it's them in the last five minutes).
    async fn change_password(app, current_password: String, new_password: String, code: Option<String>) -> AppView {
        app.change_password_view(&current_password, &new_password, code.as_deref()).await
    }

    /// "Confirm it's you": the password, and the authenticator code when the app is on
    /// (`null` otherwise). For five minutes the settings then add notification emails,
    /// remove linked sign-ins and sign out other sessions without asking again
    /// (`overview.confirmed_for_seconds`).
    async fn confirm_identity(app, password: String, code: Option<String>) -> AppView {
        app.confirm_identity_view(&password, code.as_deref()).await
    }
}
