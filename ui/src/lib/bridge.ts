// The one module that talks to Rust. Screens get a `Backend` (see App.svelte), never `invoke`,
// so they can be tested with a fake. ESLint forbids @tauri-apps/* imports anywhere else.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { AppInfo } from '../bindings/AppInfo';
import type { AppView } from '../bindings/AppView';
import type { PortalStatus } from '../bindings/PortalStatus';

/** The event the Rust side emits when something outside a command changes the view (a deep link). */
export const APP_VIEW_EVENT = 'app-view';

/** Everything the front end can ask the Rust side. Commands reject with a `CommandError`. */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  portalStatus(): Promise<PortalStatus>;
  /** Silently restores the remembered account; may take a few seconds. Called once on start. */
  restoreSession(): Promise<AppView>;
  /** Opens the system browser at `provider` (a provider button's id); normally `waiting_for_browser`. */
  startSignIn(provider: string): Promise<AppView>;
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
  /** Calls `handler` with every view pushed by the Rust side; resolves to the unsubscribe function. */
  onAppView(handler: (view: AppView) => void): Promise<() => void>;
}

export const tauriBackend: Backend = {
  appInfo: () => invoke<AppInfo>('app_info'),
  portalStatus: () => invoke<PortalStatus>('portal_status'),
  restoreSession: () => invoke<AppView>('restore_session'),
  startSignIn: (provider) => invoke<AppView>('start_sign_in', { provider }),
  cancelSignIn: () => invoke<AppView>('cancel_sign_in'),
  // Tauri maps camelCase argument keys to the commands' snake_case parameters.
  chooseAccount: (accountId, remember) => invoke<AppView>('choose_account', { accountId, remember }),
  linkAccount: (username, password, totpCode) => invoke<AppView>('link_account', { username, password, totpCode }),
  useDifferentAccount: () => invoke<AppView>('use_different_account'),
  switchAccount: (accountId) => invoke<AppView>('switch_account', { accountId }),
  addAccount: () => invoke<AppView>('add_account'),
  signOut: () => invoke<AppView>('sign_out'),
  signOutAll: () => invoke<AppView>('sign_out_all'),
  onAppView: (handler) => listen<AppView>(APP_VIEW_EVENT, (event) => handler(event.payload)),
};
