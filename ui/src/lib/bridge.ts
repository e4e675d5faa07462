// The one module that talks to Rust. Screens get a `Backend` (see App.svelte), never `invoke`,
// so they can be tested with a fake. ESLint forbids @tauri-apps/* imports anywhere else.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { AppInfo } from '../bindings/AppInfo';
import type { AppView } from '../bindings/AppView';
import type { EmailSignInView } from '../bindings/EmailSignInView';
import type { PortalStatus } from '../bindings/PortalStatus';

/** The event the Rust side emits when something outside a command changes the view (a deep link). */
export const APP_VIEW_EVENT = 'app-view';

/** Everything the front end can ask the Rust side. Commands reject with a `CommandError`. */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  portalStatus(): Promise<PortalStatus>;
  /** Silently restores the remembered account; may take a few seconds. Called once on start. */
  restoreSession(): Promise<AppView>;
  /**
   * Opens the system browser at `provider` (a provider button's id); normally `waiting_for_browser`.
   * `loginHint`: the work email the provider was found by ("Continue with work email"), else `null`.
   */
  startSignIn(provider: string, loginHint: string | null): Promise<AppView>;
  /**
   * "Continue with work email": the email's domain has one provider, whose sign-in starts at once
   * (`started` with `waiting_for_browser`); several to choose from (`choose_provider`, each started
   * with `startSignIn(id, email)`); or none (`no_single_sign_on`). Rejects for an address that is
   * not one, or when the portal cannot be reached.
   */
  startEmailSignIn(email: string): Promise<EmailSignInView>;
  /**
   * Gives up the sign-in in progress (browser, chooser or link form): back to the current
   * account's `ready` when one is signed in, else `sign_in`.
   */
  cancelSignIn(): Promise<AppView>;
  /** The chooser's answer; `remember` preselects it next time. */
  chooseAccount(accountId: string, remember: boolean): Promise<AppView>;
  /** Links the provider identity to the account these credentials sign in to, once. */
  linkAccount(username: string, password: string, totpCode: string | null): Promise<AppView>;
  /** "Use a different account": the chooser again, without the browser. */
  useDifferentAccount(): Promise<AppView>;
  /** Makes another signed-in account the current one. */
  switchAccount(accountId: string): Promise<AppView>;
  /** "Add another account": `sign_in` with `back_to` set, keeping the accounts signed in. */
  addAccount(): Promise<AppView>;
  /** Signs out the current account: the next signed-in account's `ready`, or `sign_in`. */
  signOut(): Promise<AppView>;
  signOutAll(): Promise<AppView>;

  // ---- Password sign-in and the authenticator step ----
  /** The sign-in screen's username + password: `ready`, `mfa_required`, or `sign_in` with a notice. */
  signInWithPassword(username: string, password: string): Promise<AppView>;
  /** The authenticator code (or a recovery code) of `mfa_required`. */
  submitMfaCode(code: string): Promise<AppView>;

  // ---- Security settings of the current account (each answers `security`, with a notice) ----
  openSecurity(): Promise<AppView>;
  /** Back to the current account's `ready`; an authenticator set-up in progress is dropped. */
  closeSecurity(): Promise<AppView>;
  /** A new authenticator secret: `security` with `setup` (QR code and secret). */
  startAuthenticatorSetup(): Promise<AppView>;
  /** Turns the authenticator on; the answer shows the recovery codes once. */
  confirmAuthenticator(password: string, code: string): Promise<AppView>;
  disableAuthenticator(password: string, code: string): Promise<AppView>;
  /** A new set of recovery codes (shown once); the old ones stop working. */
  regenerateRecoveryCodes(password: string, code: string): Promise<AppView>;
  /** Writes the codes to a private text file; resolves to its path. */
  saveRecoveryCodes(username: string, codes: string[]): Promise<string>;
  /**
   * Links another identity through the browser: normally `waiting_for_browser`. The user confirms
   * it's them first: their current password, plus an authenticator or recovery code when the
   * authenticator app is on (`null` otherwise).
   */
  addLinkedProvider(provider: string, password: string, code: string | null): Promise<AppView>;
  removeLinkedProvider(linkId: string, providerName: string): Promise<AppView>;
  addNotificationEmail(email: string): Promise<AppView>;
  removeNotificationEmail(email: string): Promise<AppView>;
  /** The code mailed to a notification email: it then receives copies. */
  confirmNotificationEmail(email: string, code: string): Promise<AppView>;
  /** Signs out another session of this account. */
  signOutSession(sessionId: string, deviceName: string): Promise<AppView>;
  /**
   * The current password, and the authenticator code when the app is on (`null` otherwise, or when
   * the user confirmed it's them in the last five minutes).
   */
  changePassword(currentPassword: string, newPassword: string, code: string | null): Promise<AppView>;
  /**
   * "Confirm it's you": the password, and the authenticator code when the app is on (`null`
   * otherwise). For five minutes the settings then add notification emails, remove linked sign-ins
   * and sign out other sessions without asking again (`overview.confirmed_for_seconds`).
   */
  confirmIdentity(password: string, code: string | null): Promise<AppView>;

  /** Calls `handler` with every view pushed by the Rust side; resolves to the unsubscribe function. */
  onAppView(handler: (view: AppView) => void): Promise<() => void>;
}

export const tauriBackend: Backend = {
  appInfo: () => invoke<AppInfo>('app_info'),
  portalStatus: () => invoke<PortalStatus>('portal_status'),
  restoreSession: () => invoke<AppView>('restore_session'),
  startSignIn: (provider, loginHint) => invoke<AppView>('start_sign_in', { provider, loginHint }),
  startEmailSignIn: (email) => invoke<EmailSignInView>('start_email_sign_in', { email }),
  cancelSignIn: () => invoke<AppView>('cancel_sign_in'),
  // Tauri maps camelCase argument keys to the commands' snake_case parameters.
  chooseAccount: (accountId, remember) => invoke<AppView>('choose_account', { accountId, remember }),
  linkAccount: (username, password, totpCode) => invoke<AppView>('link_account', { username, password, totpCode }),
  useDifferentAccount: () => invoke<AppView>('use_different_account'),
  switchAccount: (accountId) => invoke<AppView>('switch_account', { accountId }),
  addAccount: () => invoke<AppView>('add_account'),
  signOut: () => invoke<AppView>('sign_out'),
  signOutAll: () => invoke<AppView>('sign_out_all'),
  signInWithPassword: (username, password) => invoke<AppView>('sign_in_with_password', { username, password }),
  submitMfaCode: (code) => invoke<AppView>('submit_mfa_code', { code }),
  openSecurity: () => invoke<AppView>('open_security'),
  closeSecurity: () => invoke<AppView>('close_security'),
  startAuthenticatorSetup: () => invoke<AppView>('start_authenticator_setup'),
  confirmAuthenticator: (password, code) => invoke<AppView>('confirm_authenticator', { password, code }),
  disableAuthenticator: (password, code) => invoke<AppView>('disable_authenticator', { password, code }),
  regenerateRecoveryCodes: (password, code) => invoke<AppView>('regenerate_recovery_codes', { password, code }),
  saveRecoveryCodes: (username, codes) => invoke<string>('save_recovery_codes', { username, codes }),
  addLinkedProvider: (provider, password, code) =>
    invoke<AppView>('add_linked_provider', { provider, password, code }),
  removeLinkedProvider: (linkId, providerName) => invoke<AppView>('remove_linked_provider', { linkId, providerName }),
  addNotificationEmail: (email) => invoke<AppView>('add_notification_email', { email }),
  removeNotificationEmail: (email) => invoke<AppView>('remove_notification_email', { email }),
  confirmNotificationEmail: (email, code) => invoke<AppView>('confirm_notification_email', { email, code }),
  signOutSession: (sessionId, deviceName) => invoke<AppView>('sign_out_session', { sessionId, deviceName }),
  changePassword: (currentPassword, newPassword, code) =>
    invoke<AppView>('change_password', { currentPassword, newPassword, code }),
  confirmIdentity: (password, code) => invoke<AppView>('confirm_identity', { password, code }),
  onAppView: (handler) => listen<AppView>(APP_VIEW_EVENT, (event) => handler(event.payload)),
};
