// Which view the window shows, and how commands and the `app-view` event change it.
// App.svelte renders `AppState`; every rule about ordering and failures lives here.
import type { AppView } from '../bindings/AppView';
import type { Notice } from '../bindings/Notice';
import type { Backend } from './bridge';
import { errorCode, errorMessage } from './errors';

export type Screen = AppView['screen'];
export type ViewOf<S extends Screen> = Extract<AppView, { screen: S }>;

/** The command in flight, if any; screens show progress for it and ignore repeated clicks. */
export type Pending =
  | { action: 'restore' }
  | { action: 'start_sign_in'; provider: { id: string; name: string } }
  | { action: 'cancel_sign_in' }
  | { action: 'choose_account'; accountId: string }
  /** No credentials here: the pending state is rendered and kept, the password must not be. */
  | { action: 'link_account' }
  | { action: 'use_different_account' }
  | { action: 'switch_account'; accountId: string }
  | { action: 'add_account' }
  | { action: 'sign_out' }
  | { action: 'sign_out_all' };

export type PendingAction = Pending['action'];

export interface AppState {
  view: AppView;
  pending: Pending | null;
}

export const INITIAL_STATE: AppState = { view: { screen: 'restoring' }, pending: null };

/** What a rejected command becomes on screen: its message, with the stable code kept for support. */
export function errorNotice(error: unknown): Notice {
  return { kind: 'error', message: errorMessage(error), code: errorCode(error) };
}

/** Commands of the chooser and the link form: a failure keeps that form (and what was typed). */
const SIGN_IN_STEP_ACTIONS: ReadonlySet<PendingAction> = new Set<PendingAction>(['choose_account', 'link_account']);

/** Commands of the ready screen: a failure leaves the current account signed in and shown. */
const READY_ACTIONS: ReadonlySet<PendingAction> = new Set<PendingAction>([
  'switch_account',
  'use_different_account',
  'add_account',
  'sign_out',
  'sign_out_all',
]);

/**
 * The view to show when `action` failed unexpectedly (the command rejected) while `current` was
 * shown. Expected failures (a wrong password) come back as views with their own notice instead.
 * The way out always works: a failed choice or link keeps its form with the error; a failed
 * switch, sign-out, "add" or "use a different account" keeps the (still signed-in) ready screen
 * with the error; anything else lands on the sign-in screen with the error.
 */
export function failureView(current: AppView, action: PendingAction, error: unknown): AppView {
  const notice = errorNotice(error);
  if (SIGN_IN_STEP_ACTIONS.has(action) && (current.screen === 'choose_account' || current.screen === 'link_account')) {
    return { ...current, notice };
  }
  if (READY_ACTIONS.has(action) && current.screen === 'ready') return { ...current, notice };
  return { screen: 'sign_in', notice, back_to: null };
}

export interface NoticeModel {
  kind: Notice['kind'];
  message: string;
  /** Errors interrupt (`alert`); information waits its turn (`status`). */
  role: 'alert' | 'status';
  /** Kept for support, not shown as text. */
  code: string | null;
}

export function noticeModel(notice: Notice | null | undefined): NoticeModel | null {
  if (!notice || !notice.message.trim()) return null;
  return {
    kind: notice.kind,
    message: notice.message,
    role: notice.kind === 'error' ? 'alert' : 'status',
    code: notice.code,
  };
}

/** Focus goes to the new screen's heading only when the screen changes, not when e.g. a notice does. */
export function shouldMoveFocus(previous: AppView, next: AppView): boolean {
  return previous.screen !== next.screen;
}

/**
 * Owns the current `AppState` and reports every change to `onChange`.
 *
 * Ordering: the newest thing the window learned wins. A command's answer is applied only if
 * nothing else changed the view since the command started; an `app-view` event (a deep link
 * completed or failed a sign-in) always applies and makes answers of commands still in flight
 * stale. While a command is in flight, new commands are ignored (no double sign-ins).
 */
export class AppController {
  #state: AppState = INITIAL_STATE;
  #generation = 0;
  #unlisten: (() => void) | null = null;
  #stopped = false;
  readonly #backend: Backend;
  readonly #onChange: (state: AppState) => void;

  constructor(backend: Backend, onChange: (state: AppState) => void) {
    this.#backend = backend;
    this.#onChange = onChange;
  }

  get state(): AppState {
    return this.#state;
  }

  /** Subscribes to `app-view` first (so no deep link is missed), then restores the session. */
  async start(): Promise<void> {
    try {
      const unlisten = await this.#backend.onAppView((view) => this.show(view));
      if (this.#stopped) unlisten();
      else this.#unlisten = unlisten;
    } catch {
      // No event channel (e.g. the UI runs in a plain browser): commands still work.
    }
    if (this.#stopped) return;
    await this.#run({ action: 'restore' }, () => this.#backend.restoreSession());
  }

  /** Unsubscribes; later answers and events are ignored. */
  stop(): void {
    this.#stopped = true;
    this.#unlisten?.();
    this.#unlisten = null;
  }

  /** A view pushed by the Rust side. */
  show(view: AppView): void {
    if (this.#stopped) return;
    this.#generation++;
    this.#set({ view, pending: null });
  }

  startSignIn(provider: { id: string; name: string }): Promise<void> {
    return this.#run({ action: 'start_sign_in', provider: { id: provider.id, name: provider.name } }, () =>
      this.#backend.startSignIn(provider.id),
    );
  }

  cancelSignIn(): Promise<void> {
    return this.#run({ action: 'cancel_sign_in' }, () => this.#backend.cancelSignIn());
  }

  chooseAccount(accountId: string, remember: boolean): Promise<void> {
    return this.#run({ action: 'choose_account', accountId }, () => this.#backend.chooseAccount(accountId, remember));
  }

  linkAccount(username: string, password: string, totpCode: string | null): Promise<void> {
    return this.#run({ action: 'link_account' }, () => this.#backend.linkAccount(username, password, totpCode));
  }

  useDifferentAccount(): Promise<void> {
    return this.#run({ action: 'use_different_account' }, () => this.#backend.useDifferentAccount());
  }

  switchAccount(accountId: string): Promise<void> {
    return this.#run({ action: 'switch_account', accountId }, () => this.#backend.switchAccount(accountId));
  }

  addAccount(): Promise<void> {
    return this.#run({ action: 'add_account' }, () => this.#backend.addAccount());
  }

  /** Signs out the current account; the answer may be the next signed-in account's `ready`. */
  signOut(): Promise<void> {
    return this.#run({ action: 'sign_out' }, () => this.#backend.signOut());
  }

  signOutAll(): Promise<void> {
    return this.#run({ action: 'sign_out_all' }, () => this.#backend.signOutAll());
  }

  async #run(pending: Pending, command: () => Promise<AppView>): Promise<void> {
    if (this.#stopped || this.#state.pending) return;
    const mine = ++this.#generation;
    this.#set({ view: this.#state.view, pending });
    let next: AppView;
    try {
      next = await command();
    } catch (error) {
      next = failureView(this.#state.view, pending.action, error);
    }
    if (this.#stopped || mine !== this.#generation) return;
    this.#generation++;
    this.#set({ view: next, pending: null });
  }

  #set(state: AppState): void {
    this.#state = state;
    this.#onChange(state);
  }
}
