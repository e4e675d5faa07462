// The one module that talks to Rust. Screens get a `Backend` (see App.svelte), never `invoke`,
// so they can be tested with a fake. ESLint forbids @tauri-apps/* imports anywhere else.
//
// The commands themselves are not written here: `Commands` and `COMMANDS` are generated from
// crates/desktop/src/commands.rs, so a renamed or changed command fails the type check.
import { invoke } from '@tauri-apps/api/core';
import { emit, listen } from '@tauri-apps/api/event';
import type { AppView } from '../bindings/AppView';
import type { CallsView } from '../bindings/CallsView';
import type { LineView } from '../bindings/LineView';
import { COMMANDS, type Commands } from '../bindings/commands';

/** The event the Rust side emits when something outside a command changes the view (a deep link). */
export const APP_VIEW_EVENT = 'app-view';
/** The event the Rust side emits with every line whenever one changes (registered, unreachable…). */
export const LINES_EVENT = 'lines';
/** The event the Rust side emits with every call whenever one changes (rings, is answered, ends). */
export const CALLS_EVENT = 'calls';

/**
 * The event the window sends once, the first time the sign-in screen has painted the portal's
 * providers. Only `cargo xtask bench` listens (src-tauri/src/startup_probe.rs): it is the end
 * of the cold start it measures.
 */
export const SIGN_IN_SHOWN_EVENT = 'sign-in-shown';

/** Everything the front end can ask the Rust side. Commands that can fail reject with a `CommandError`. */
export interface Backend extends Commands {
  /** Calls `handler` with every view pushed by the Rust side; resolves to the unsubscribe function. */
  onAppView(handler: (view: AppView) => void): Promise<() => void>;
  /** Calls `handler` with the lines whenever one changes; resolves to the unsubscribe function. */
  onLines(handler: (lines: LineView[]) => void): Promise<() => void>;
  /** Calls `handler` with the calls whenever one changes; resolves to the unsubscribe function. */
  onCalls(handler: (calls: CallsView) => void): Promise<() => void>;
  /** The sign-in screen has painted the portal's providers (only the first call is sent on). */
  signInScreenShown?(): void;
}

type CommandCall = (command: string, args: Record<string, unknown>) => Promise<unknown>;

/**
 * Every command as a method that calls `call` with the command's name and its arguments under the
 * names Tauri maps to the Rust parameters (camelCase).
 */
export function commandsCalling(call: CommandCall): Commands {
  const methods: Record<string, (...values: unknown[]) => Promise<unknown>> = {};
  for (const [method, { command, args }] of Object.entries(COMMANDS)) {
    const names: readonly string[] = args;
    methods[method] = (...values) =>
      call(command, Object.fromEntries(names.map((name, index) => [name, values[index]])));
  }
  // Each method is built from the generated table of the same commands, so the shapes agree.
  return methods as unknown as Commands;
}

let signInShownSent = false;

export const tauriBackend: Backend = {
  ...commandsCalling((command, args) => invoke(command, args)),
  onAppView: (handler) => listen<AppView>(APP_VIEW_EVENT, (event) => handler(event.payload)),
  onLines: (handler) => listen<LineView[]>(LINES_EVENT, (event) => handler(event.payload)),
  onCalls: (handler) => listen<CallsView>(CALLS_EVENT, (event) => handler(event.payload)),
  signInScreenShown: () => {
    if (signInShownSent) return;
    signInShownSent = true;
    // Nothing to do when it cannot be sent: it only ends a benchmark's measurement.
    emit(SIGN_IN_SHOWN_EVENT).catch(() => {});
  },
};
