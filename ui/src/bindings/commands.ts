// Generated from crates/desktop/src/commands.rs: refresh with
// `UPDATE_SNAPSHOTS=1 cargo test -p switchboard-desktop --test bindings`. Do not edit.
import type { AppInfo } from './AppInfo';
import type { AppView } from './AppView';
import type { CallsView } from './CallsView';
import type { EmailSignInView } from './EmailSignInView';
import type { LineView } from './LineView';
import type { PortalStatus } from './PortalStatus';

/** Every command the window can call. */
export interface Commands {
  /**
   * What the app knows about itself and where it signs in.
   */
  appInfo(): Promise<AppInfo>;
  /**
   * Whether the portal answers, and what its sign-in screen offers.
   */
  portalStatus(): Promise<PortalStatus>;
  /**
   * Silently restores the remembered account; may take a few seconds. Called once on start.
   */
  restoreSession(): Promise<AppView>;
  /**
   * Opens the system browser at `provider` (a provider button's id); normally
   * `waiting_for_browser`. `loginHint`: the work email the provider was found by
   * ("Continue with work email"), else `null`.
   */
  startSignIn(provider: string, loginHint: string | null): Promise<AppView>;
  /**
   * "Continue with work email": the email's domain has one provider, whose sign-in starts
   * at once (`started` with `waiting_for_browser`); several to choose from
   * (`choose_provider`, each started with `startSignIn(id, email)`); or none
   * (`no_single_sign_on`). Rejects for an address that is not one, or when the portal
   * cannot be reached.
   * Rejects with a `CommandError`.
   */
  startEmailSignIn(email: string): Promise<EmailSignInView>;
  /**
   * Gives up the sign-in in progress (browser, chooser or link form): back to the current
   * account's `ready` when one is signed in, else `sign_in`.
   */
  cancelSignIn(): Promise<AppView>;
  /**
   * The chooser's answer; `remember` preselects it next time.
   */
  chooseAccount(accountId: string, remember: boolean): Promise<AppView>;
  /**
   * Links the provider identity to the account these credentials sign in to, once.
   */
  linkAccount(username: string, password: string, totpCode: string | null): Promise<AppView>;
  /**
   * "Use a different account": the chooser again, without the browser.
   */
  useDifferentAccount(): Promise<AppView>;
  /**
   * Makes another signed-in account the current one.
   */
  switchAccount(accountId: string): Promise<AppView>;
  /**
   * "Add another account": `sign_in` with `back_to` set, keeping the accounts signed in.
   */
  addAccount(): Promise<AppView>;
  /**
   * Signs out the current account: the next signed-in account's `ready`, or `sign_in`.
   */
  signOut(): Promise<AppView>;
  /**
   * Every signed-in account's line and its state (also pushed as `lines` events).
   */
  lines(): Promise<Array<LineView>>;
  /**
   * Every call now (also pushed as `calls` events).
   */
  calls(): Promise<CallsView>;
  /**
   * Calls `number` (an extension, a phone number, a `sip:` or `tel:` address) from the
   * line of `accountId`.
   * Rejects with a `CommandError`.
   */
  dial(accountId: string, number: string): Promise<CallsView>;
  /**
   * Answers a call that rings here (a call already up on that line is held).
   * Rejects with a `CommandError`.
   */
  answerCall(callId: string): Promise<CallsView>;
  /**
   * Hangs up a call, or declines one that rings here (the caller hears busy).
   * Rejects with a `CommandError`.
   */
  hangUpCall(callId: string): Promise<CallsView>;
  /**
   * Puts a call on hold, or resumes it.
   * Rejects with a `CommandError`.
   */
  holdCall(callId: string, onHold: boolean): Promise<CallsView>;
  /**
   * Mutes or unmutes the microphone in a call.
   * Rejects with a `CommandError`.
   */
  muteCall(callId: string, muted: boolean): Promise<CallsView>;
  /**
   * Sends keypad keys (0-9, * and #) in a call.
   * Rejects with a `CommandError`.
   */
  sendKeys(callId: string, keys: string): Promise<CallsView>;
  /**
   * Signs out every account signed in here.
   */
  signOutAll(): Promise<AppView>;
  /**
   * The sign-in screen's username + password: `ready`, `mfa_required`, or `sign_in` with
   * a notice.
   */
  signInWithPassword(username: string, password: string): Promise<AppView>;
  /**
   * The authenticator code (or a recovery code) of `mfa_required`.
   */
  submitMfaCode(code: string): Promise<AppView>;
  /**
   * The current account's security settings.
   */
  openSecurity(): Promise<AppView>;
  /**
   * Back to the current account's `ready`; an authenticator set-up in progress is dropped.
   */
  closeSecurity(): Promise<AppView>;
  /**
   * A new authenticator secret: `security` with `setup` (QR code and secret).
   */
  startAuthenticatorSetup(): Promise<AppView>;
  /**
   * Turns the authenticator on; the answer shows the recovery codes once.
   */
  confirmAuthenticator(password: string, code: string): Promise<AppView>;
  /**
   * Turns the authenticator off.
   */
  disableAuthenticator(password: string, code: string): Promise<AppView>;
  /**
   * A new set of recovery codes (shown once); the old ones stop working.
   */
  regenerateRecoveryCodes(password: string, code: string): Promise<AppView>;
  /**
   * Asks where to save the codes (the system's save dialog), then writes them there in a
   * text file only the user can read; resolves to its path, or `null` when the user
   * cancelled the dialog (nothing written).
   * Rejects with a `CommandError`.
   */
  saveRecoveryCodes(username: string, codes: Array<string>): Promise<string | null>;
  /**
   * Links another identity through the browser: normally `waiting_for_browser`. The user
   * confirms it's them first: their current password, plus an authenticator or recovery
   * code when the authenticator app is on (`null` otherwise).
   */
  addLinkedProvider(provider: string, password: string, code: string | null): Promise<AppView>;
  /**
   * Removes a linked sign-in. `providerName`: which one, as the user knows it (with its
   * email, e.g. "Google (ann@example.com)"): the notice after says which was removed.
   */
  removeLinkedProvider(linkId: string, providerName: string): Promise<AppView>;
  /**
   * Adds a notification email; a code is mailed to it.
   */
  addNotificationEmail(email: string): Promise<AppView>;
  /**
   * Removes a notification email.
   */
  removeNotificationEmail(email: string): Promise<AppView>;
  /**
   * The code mailed to a notification email: it then receives copies.
   */
  confirmNotificationEmail(email: string, code: string): Promise<AppView>;
  /**
   * Signs out another session of this account.
   */
  signOutSession(sessionId: string, deviceName: string): Promise<AppView>;
  /**
   * The current password, and the authenticator code when the app is on (`null`
   * otherwise, or when the user confirmed it's them in the last five minutes).
   */
  changePassword(currentPassword: string, newPassword: string, code: string | null): Promise<AppView>;
  /**
   * "Confirm it's you": the password, and the authenticator code when the app is on
   * (`null` otherwise). For five minutes the settings then add notification emails,
   * remove linked sign-ins and sign out other sessions without asking again
   * (`overview.confirmed_for_seconds`).
   */
  confirmIdentity(password: string, code: string | null): Promise<AppView>;
}

/** Each method's Tauri command and the names of its arguments, in order. */
export const COMMANDS = {
  appInfo: { command: 'app_info', args: [] },
  portalStatus: { command: 'portal_status', args: [] },
  restoreSession: { command: 'restore_session', args: [] },
  startSignIn: { command: 'start_sign_in', args: ['provider', 'loginHint'] },
  startEmailSignIn: { command: 'start_email_sign_in', args: ['email'] },
  cancelSignIn: { command: 'cancel_sign_in', args: [] },
  chooseAccount: { command: 'choose_account', args: ['accountId', 'remember'] },
  linkAccount: { command: 'link_account', args: ['username', 'password', 'totpCode'] },
  useDifferentAccount: { command: 'use_different_account', args: [] },
  switchAccount: { command: 'switch_account', args: ['accountId'] },
  addAccount: { command: 'add_account', args: [] },
  signOut: { command: 'sign_out', args: [] },
  lines: { command: 'lines', args: [] },
  calls: { command: 'calls', args: [] },
  dial: { command: 'dial', args: ['accountId', 'number'] },
  answerCall: { command: 'answer_call', args: ['callId'] },
  hangUpCall: { command: 'hang_up_call', args: ['callId'] },
  holdCall: { command: 'hold_call', args: ['callId', 'onHold'] },
  muteCall: { command: 'mute_call', args: ['callId', 'muted'] },
  sendKeys: { command: 'send_keys', args: ['callId', 'keys'] },
  signOutAll: { command: 'sign_out_all', args: [] },
  signInWithPassword: { command: 'sign_in_with_password', args: ['username', 'password'] },
  submitMfaCode: { command: 'submit_mfa_code', args: ['code'] },
  openSecurity: { command: 'open_security', args: [] },
  closeSecurity: { command: 'close_security', args: [] },
  startAuthenticatorSetup: { command: 'start_authenticator_setup', args: [] },
  confirmAuthenticator: { command: 'confirm_authenticator', args: ['password', 'code'] },
  disableAuthenticator: { command: 'disable_authenticator', args: ['password', 'code'] },
  regenerateRecoveryCodes: { command: 'regenerate_recovery_codes', args: ['password', 'code'] },
  saveRecoveryCodes: { command: 'save_recovery_codes', args: ['username', 'codes'] },
  addLinkedProvider: { command: 'add_linked_provider', args: ['provider', 'password', 'code'] },
  removeLinkedProvider: { command: 'remove_linked_provider', args: ['linkId', 'providerName'] },
  addNotificationEmail: { command: 'add_notification_email', args: ['email'] },
  removeNotificationEmail: { command: 'remove_notification_email', args: ['email'] },
  confirmNotificationEmail: { command: 'confirm_notification_email', args: ['email', 'code'] },
  signOutSession: { command: 'sign_out_session', args: ['sessionId', 'deviceName'] },
  changePassword: { command: 'change_password', args: ['currentPassword', 'newPassword', 'code'] },
  confirmIdentity: { command: 'confirm_identity', args: ['password', 'code'] },
} as const;

/** A Tauri command's name. */
export type CommandName = (typeof COMMANDS)[keyof typeof COMMANDS]['command'];
