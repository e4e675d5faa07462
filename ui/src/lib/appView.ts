// Which view the window shows, and how commands and the `app-view` event change it.
// App.svelte renders `AppState`; every rule about ordering and failures lives here.
import type { AppView } from '../bindings/AppView';
import type { CommandName } from '../bindings/commands';
import type { EmailSignInView } from '../bindings/EmailSignInView';
import type { Notice } from '../bindings/Notice';
import type { Backend } from './bridge';
import { errorCode, errorMessage } from './errors';

export type Screen = AppView['screen'];
export type ViewOf<S extends Screen> = Extract<AppView, { screen: S }>;

/** The command in flight, if any; screens show progress for it and ignore repeated clicks. */
export type Pending =
  | { action: 'restore' }
  | { action: 'start_sign_in'; provider: { id: string; name: string } }
  /** The address is not secret, but nothing needs it here. */
  | { action: 'start_email_sign_in' }
  | { action: 'cancel_sign_in' }
  | { action: 'choose_account'; accountId: string }
  /** No credentials here: the pending state is rendered and kept, the password must not be. */
  | { action: 'link_account' }
  | { action: 'use_different_account' }
  | { action: 'switch_account'; accountId: string }
  | { action: 'add_account' }
  | { action: 'sign_out' }
  | { action: 'sign_out_all' }
  // Passwords and codes are never part of the pending state (it is rendered and kept).
  | { action: 'sign_in_with_password' }
  | { action: 'submit_mfa_code' }
  | { action: 'open_security' }
  | { action: 'close_security' }
  | { action: 'start_authenticator_setup' }
  | { action: 'confirm_authenticator' }
  | { action: 'disable_authenticator' }
  | { action: 'regenerate_recovery_codes' }
  | { action: 'add_linked_provider'; providerId: string }
  | { action: 'remove_linked_provider'; linkId: string }
  | { action: 'add_notification_email' }
  | { action: 'remove_notification_email'; email: string }
  | { action: 'confirm_notification_email'; email: string }
  | { action: 'sign_out_session'; sessionId: string }
  | { action: 'change_password' }
  | { action: 'confirm_identity' };

export type PendingAction = Pending['action'];

/** Fails the type check when a pending action (other than the start-up restore) names no command. */
type Assert<T extends true> = T;
export type EveryActionIsACommand = Assert<Exclude<PendingAction, 'restore'> extends CommandName ? true : false>;

/** What "Continue with work email" shows on the sign-in screen when no sign-in started. */
export type EmailAnswer =
  | Exclude<EmailSignInView, { next: 'started' }>
  | { next: 'error'; message: string; code: string | null };

export interface AppState {
  view: AppView;
  pending: Pending | null;
}

export const INITIAL_STATE: AppState = { view: { screen: 'restoring' }, pending: null };

/** What a rejected command becomes on screen: its message, with the stable code kept for support. */
export function errorNotice(error: unknown): Notice {
  return { kind: 'error', message: errorMessage(error), code: errorCode(error) };
}

/**
 * The screens each command can be issued from. When such a command rejects unexpectedly there,
 * that screen stays (with what was typed) and shows the error; commands not listed here, or
 * issued from elsewhere, land on the sign-in screen.
 */
const ISSUED_FROM: { readonly [A in PendingAction]?: readonly Screen[] } = {
  // The chooser and the link form keep their form.
  choose_account: ['choose_account', 'link_account'],
  link_account: ['choose_account', 'link_account'],
  // The ready screen: the current account is still signed in.
  switch_account: ['ready'],
  use_different_account: ['ready'],
  add_account: ['ready'],
  sign_out: ['ready'],
  sign_out_all: ['ready'],
  open_security: ['ready'],
  // Password sign-in and the authenticator step.
  sign_in_with_password: ['sign_in'],
  submit_mfa_code: ['mfa_required'],
  // The security settings.
  close_security: ['security'],
  start_authenticator_setup: ['security'],
  confirm_authenticator: ['security'],
  disable_authenticator: ['security'],
  regenerate_recovery_codes: ['security'],
  add_linked_provider: ['security'],
  remove_linked_provider: ['security'],
  add_notification_email: ['security'],
  remove_notification_email: ['security'],
  sign_out_session: ['security'],
  change_password: ['security'],
};

/** `view` with `notice`, for the views that show one; `null` for the others. */
function withNotice(view: AppView, notice: Notice): AppView | null {
  switch (view.screen) {
    case 'sign_in':
    case 'choose_account':
    case 'link_account':
    case 'mfa_required':
    case 'ready':
    case 'security':
      return { ...view, notice };
    default:
      return null;
  }
}

/**
 * The view to show when `action` failed unexpectedly (the command rejected) while `current` was
 * shown. Expected failures (a wrong password) come back as views with their own notice instead.
 * The way out always works: a failed command keeps the screen it was issued from with the error
 * (a choice or link its form, a switch or sign-out the still signed-in ready screen, a settings
 * action the settings, a password sign-in or code its screen); anything else lands on the
 * sign-in screen with the error.
 */
export function failureView(current: AppView, action: PendingAction, error: unknown): AppView {
  const notice = errorNotice(error);
  if (ISSUED_FROM[action]?.includes(current.screen)) {
    const kept = withNotice(current, notice);
    if (kept) return kept;
  }
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

/**
 * Whether a form's command was answered with its own screen again, with a notice (a wrong
 * password or code, a rate limit): the form then clears its secret fields and focuses them.
 * `before` is the view the command started on; an unchanged view means nothing was answered.
 */
export function answeredAgain(before: AppView, after: AppView, screen: Screen): boolean {
  if (after === before || after.screen !== screen) return false;
  return 'notice' in after && after.notice !== null;
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

  /** `loginHint`: the work email the provider was found by, if it was. */
  startSignIn(provider: { id: string; name: string }, loginHint: string | null = null): Promise<void> {
    return this.#run({ action: 'start_sign_in', provider: { id: provider.id, name: provider.name } }, () =>
      this.#backend.startSignIn(provider.id, loginHint),
    );
  }

  /**
   * "Continue with work email". When the domain has one provider its sign-in starts and the view
   * changes (resolves to `null`); otherwise the sign-in screen stays and the answer is for it to
   * show next to the field: the providers to choose from, no single sign-on, or why the address
   * was refused. Also `null` when ignored (a command in flight) or when the answer came too late.
   */
  async startEmailSignIn(email: string): Promise<EmailAnswer | null> {
    if (this.#stopped || this.#state.pending) return null;
    const mine = ++this.#generation;
    this.#set({ view: this.#state.view, pending: { action: 'start_email_sign_in' } });
    let view = this.#state.view;
    let answer: EmailAnswer | null = null;
    try {
      const next = await this.#backend.startEmailSignIn(email);
      if (next.next === 'started') view = next.view;
      else answer = next;
    } catch (error) {
      answer = { next: 'error', message: errorMessage(error), code: errorCode(error) };
    }
    if (this.#stopped || mine !== this.#generation) return null;
    this.#generation++;
    this.#set({ view, pending: null });
    return answer;
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

  // ---- Password sign-in and the authenticator step ----

  signInWithPassword(username: string, password: string): Promise<void> {
    return this.#run({ action: 'sign_in_with_password' }, () => this.#backend.signInWithPassword(username, password));
  }

  submitMfaCode(code: string): Promise<void> {
    return this.#run({ action: 'submit_mfa_code' }, () => this.#backend.submitMfaCode(code));
  }

  // ---- Security settings ----

  openSecurity(): Promise<void> {
    return this.#run({ action: 'open_security' }, () => this.#backend.openSecurity());
  }

  closeSecurity(): Promise<void> {
    return this.#run({ action: 'close_security' }, () => this.#backend.closeSecurity());
  }

  startAuthenticatorSetup(): Promise<void> {
    return this.#run({ action: 'start_authenticator_setup' }, () => this.#backend.startAuthenticatorSetup());
  }

  confirmAuthenticator(password: string, code: string): Promise<void> {
    return this.#run({ action: 'confirm_authenticator' }, () => this.#backend.confirmAuthenticator(password, code));
  }

  disableAuthenticator(password: string, code: string): Promise<void> {
    return this.#run({ action: 'disable_authenticator' }, () => this.#backend.disableAuthenticator(password, code));
  }

  regenerateRecoveryCodes(password: string, code: string): Promise<void> {
    return this.#run({ action: 'regenerate_recovery_codes' }, () =>
      this.#backend.regenerateRecoveryCodes(password, code),
    );
  }

  /** Not a view change: resolves to the saved file's path, rejects with the reason. */
  saveRecoveryCodes(username: string, codes: readonly string[]): Promise<string | null> {
    return this.#backend.saveRecoveryCodes(username, [...codes]);
  }

  /**
   * Normally answers `waiting_for_browser`; an `app-view` event brings the settings back.
   * `code` is `null` when the authenticator app is off. Only the provider is kept as pending.
   */
  addLinkedProvider(providerId: string, password: string, code: string | null): Promise<void> {
    return this.#run({ action: 'add_linked_provider', providerId }, () =>
      this.#backend.addLinkedProvider(providerId, password, code),
    );
  }

  removeLinkedProvider(linkId: string, providerName: string): Promise<void> {
    return this.#run({ action: 'remove_linked_provider', linkId }, () =>
      this.#backend.removeLinkedProvider(linkId, providerName),
    );
  }

  addNotificationEmail(email: string): Promise<void> {
    return this.#run({ action: 'add_notification_email' }, () => this.#backend.addNotificationEmail(email));
  }

  removeNotificationEmail(email: string): Promise<void> {
    return this.#run({ action: 'remove_notification_email', email }, () =>
      this.#backend.removeNotificationEmail(email),
    );
  }

  confirmNotificationEmail(email: string, code: string): Promise<void> {
    return this.#run({ action: 'confirm_notification_email', email }, () =>
      this.#backend.confirmNotificationEmail(email, code),
    );
  }

  signOutSession(sessionId: string, deviceName: string): Promise<void> {
    return this.#run({ action: 'sign_out_session', sessionId }, () =>
      this.#backend.signOutSession(sessionId, deviceName),
    );
  }

  changePassword(currentPassword: string, newPassword: string, code: string | null): Promise<void> {
    return this.#run({ action: 'change_password' }, () =>
      this.#backend.changePassword(currentPassword, newPassword, code),
    );
  }

  /** "Confirm it's you" (step-up): the settings' sensitive changes then go through for five minutes. */
  confirmIdentity(password: string, code: string | null): Promise<void> {
    return this.#run({ action: 'confirm_identity' }, () => this.#backend.confirmIdentity(password, code));
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
