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
  /** Gives up the sign-in in progress: back to `sign_in`. */
  cancelSignIn(): Promise<AppView>;
  signOut(): Promise<AppView>;
  /** Calls `handler` with every view pushed by the Rust side; resolves to the unsubscribe function. */
  onAppView(handler: (view: AppView) => void): Promise<() => void>;
}

export const tauriBackend: Backend = {
  appInfo: () => invoke<AppInfo>('app_info'),
  portalStatus: () => invoke<PortalStatus>('portal_status'),
  restoreSession: () => invoke<AppView>('restore_session'),
  startSignIn: (provider) => invoke<AppView>('start_sign_in', { provider }),
  cancelSignIn: () => invoke<AppView>('cancel_sign_in'),
  signOut: () => invoke<AppView>('sign_out'),
  onAppView: (handler) => listen<AppView>(APP_VIEW_EVENT, (event) => handler(event.payload)),
};
