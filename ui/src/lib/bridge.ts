// The one module that talks to Rust. Screens get a `Backend` (see App.svelte), never `invoke`,
// so they can be tested with a fake. ESLint forbids @tauri-apps/* imports anywhere else.
import { invoke } from '@tauri-apps/api/core';
import type { AppInfo } from '../bindings/AppInfo';
import type { PortalStatus } from '../bindings/PortalStatus';

/** Everything the front end can ask the Rust side. Commands reject with a `CommandError`. */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  portalStatus(): Promise<PortalStatus>;
}

export const tauriBackend: Backend = {
  appInfo: () => invoke<AppInfo>('app_info'),
  portalStatus: () => invoke<PortalStatus>('portal_status'),
};
